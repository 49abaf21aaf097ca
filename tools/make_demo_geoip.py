#!/usr/bin/env python3
"""Write qtrail's demo GeoIP databases (fake data) for the addresses in fixtures/.

    pip install mmdb-writer==0.2.7          # the writer (pinned: see _Writer below)
    pip install maxminddb                   # only for --check
    python3 tools/make_demo_geoip.py        # writes fixtures/geoip/qtrail-demo-*.mmdb
    python3 tools/make_demo_geoip.py --check --reference-dir ../shared/geoip

Writes three MaxMind DB files in MaxMind's own layouts, so that code written against
GeoIP2/GeoLite2 reads them unchanged:

- qtrail-demo-City.mmdb          database_type "GeoIP2-City": city, continent, country,
                                 registered_country, subdivisions, location (latitude and
                                 longitude as doubles, accuracy_radius uint16, time_zone),
                                 every geoname_id a uint32.
- qtrail-demo-ASN.mmdb           database_type "GeoLite2-ASN": autonomous_system_number
                                 (uint32), autonomous_system_organization.
- qtrail-demo-Anonymous-IP.mmdb  database_type "GeoIP2-Anonymous-IP": is_anonymous,
                                 is_anonymous_vpn, is_hosting_provider, is_public_proxy,
                                 is_tor_exit_node booleans; like MaxMind's, only the flags
                                 that are true are stored and only flagged addresses are in it.

The data is made up: every public address that appears in fixtures/ (the documentation
ranges 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 and 2001:db8::/32, plus one Azure
address in the Key Vault samples) is mapped, as a single /32 or /128, to a fixed, plausible
city and network chosen to match what the fixtures themselves say (an Okta or Entra record
that names Boston or Bucharest for an address gets Boston or Bucharest here). Private and
loopback addresses are left out, as in MaxMind's databases.

The output is byte-for-byte deterministic (fixed build_epoch, fixed insertion order).
`--check` reads the files back with the `maxminddb` reader, compares the value types of
every record field with MaxMind's test databases (a typed decoder below, since the Python
reader returns uint16 and uint32 alike as int), and fails when an address used in
fixtures/ has no entry.
"""

from __future__ import annotations

import argparse
import calendar
import ipaddress
import json
import struct
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT_DIR = REPO / "fixtures" / "geoip"
BUILD_EPOCH = calendar.timegm((2026, 11, 1, 0, 0, 0))  # fixed, for reproducible bytes

CITY_FILE = "qtrail-demo-City.mmdb"
ASN_FILE = "qtrail-demo-ASN.mmdb"
ANON_FILE = "qtrail-demo-Anonymous-IP.mmdb"

# --- the data -------------------------------------------------------------------------

# code -> (geoname_id, English name)
CONTINENTS = {
    "NA": (6255149, "North America"),
    "SA": (6255150, "South America"),
    "EU": (6255148, "Europe"),
    "AS": (6255147, "Asia"),
}

# ISO code -> (geoname_id, English name, continent code, member of the EU)
COUNTRIES = {
    "US": (6252001, "United States", "NA", False),
    "CA": (6251999, "Canada", "NA", False),
    "BR": (3469034, "Brazil", "SA", False),
    "RO": (798549, "Romania", "EU", True),
    "DE": (2921044, "Germany", "EU", True),
    "NL": (2750405, "Netherlands", "EU", True),
    "IE": (2963597, "Ireland", "EU", True),
    "GB": (2635167, "United Kingdom", "EU", False),
    "SG": (1880251, "Singapore", "AS", False),
}

# key -> city, city geoname_id, country, (subdivision iso, geoname_id, name) or None,
#        latitude, longitude, time zone, accuracy radius (km)
PLACES = {
    "boston": ("Boston", 4930956, "US", ("MA", 6254926, "Massachusetts"), 42.3601, -71.0589, "America/New_York", 10),
    "cambridge-ma": ("Cambridge", 4931972, "US", ("MA", 6254926, "Massachusetts"), 42.3736, -71.1097, "America/New_York", 10),
    "ashburn": ("Ashburn", 4744870, "US", ("VA", 6254928, "Virginia"), 39.0438, -77.4874, "America/New_York", 20),
    "new-york": ("New York", 5128581, "US", ("NY", 5128638, "New York"), 40.7128, -74.0060, "America/New_York", 20),
    "chicago": ("Chicago", 4887398, "US", ("IL", 4896861, "Illinois"), 41.8781, -87.6298, "America/Chicago", 20),
    "council-bluffs": ("Council Bluffs", 4852832, "US", ("IA", 4862182, "Iowa"), 41.2619, -95.8608, "America/Chicago", 50),
    "san-antonio": ("San Antonio", 4726206, "US", ("TX", 4736286, "Texas"), 29.4241, -98.4936, "America/Chicago", 50),
    "austin": ("Austin", 4671654, "US", ("TX", 4736286, "Texas"), 30.2672, -97.7431, "America/Chicago", 20),
    "seattle": ("Seattle", 5809844, "US", ("WA", 5815135, "Washington"), 47.6062, -122.3321, "America/Los_Angeles", 20),
    "san-francisco": ("San Francisco", 5391959, "US", ("CA", 5332921, "California"), 37.7749, -122.4194, "America/Los_Angeles", 20),
    "toronto": ("Toronto", 6167865, "CA", ("ON", 6093943, "Ontario"), 43.6532, -79.3832, "America/Toronto", 20),
    "montreal": ("Montreal", 6077243, "CA", ("QC", 6115047, "Quebec"), 45.5019, -73.5674, "America/Toronto", 20),
    "sao-paulo": ("São Paulo", 3448439, "BR", ("SP", 3448433, "São Paulo"), -23.5505, -46.6333, "America/Sao_Paulo", 50),
    "bucharest": ("Bucharest", 683506, "RO", ("B", 683504, "Bucureşti"), 44.4268, 26.1025, "Europe/Bucharest", 20),
    "berlin": ("Berlin", 2950159, "DE", ("BE", 2950157, "Land Berlin"), 52.5200, 13.4050, "Europe/Berlin", 20),
    "frankfurt": ("Frankfurt am Main", 2925533, "DE", ("HE", 2905330, "Hesse"), 50.1109, 8.6821, "Europe/Berlin", 50),
    "nuremberg": ("Nuremberg", 2861650, "DE", ("BY", 2951839, "Bavaria"), 49.4521, 11.0767, "Europe/Berlin", 50),
    "amsterdam": ("Amsterdam", 2759794, "NL", ("NH", 2749879, "North Holland"), 52.3676, 4.9041, "Europe/Amsterdam", 50),
    "dublin": ("Dublin", 2964574, "IE", ("L", 7521314, "Leinster"), 53.3498, -6.2603, "Europe/Dublin", 50),
    "oxford": ("Oxford", 2640729, "GB", ("ENG", 6269131, "England"), 51.7520, -1.2577, "Europe/London", 20),
    "singapore": ("Singapore", 1880252, "SG", None, 1.3521, 103.8198, "Asia/Singapore", 50),
}

# ASN -> organisation, as GeoLite2-ASN spells it
NETWORKS = {
    701: "Verizon Business",
    786: "Jisc Services Limited",
    577: "Bell Canada",
    3320: "Deutsche Telekom AG",
    7018: "AT&T Services, Inc.",
    7922: "Comcast Cable Communications, LLC",
    8075: "Microsoft Corporation",
    9009: "M247 Europe SRL",
    14061: "DigitalOcean, LLC",
    14618: "Amazon.com, Inc.",
    24940: "Hetzner Online GmbH",
    28573: "Claro NXT Telecomunicacoes Ltda",
    396982: "Google LLC",
}

VPN = ("is_anonymous_vpn", "is_hosting_provider")
HOSTING = ("is_hosting_provider",)
PROXY = ("is_public_proxy", "is_hosting_provider")
TOR = ("is_tor_exit_node", "is_hosting_provider")

# address -> (place, ASN, anonymity flags, who uses it in fixtures/)
ADDRESSES = {
    # fixtures/incidents
    "203.0.113.10": ("boston", 7922, (), "qlab Boston office NAT: alice, bob, dave, erin (incidents)"),
    "198.51.100.77": ("sao-paulo", 28573, (), "attacker with alice's credentials (incidents); mallory's Vault login (vault)"),
    "192.0.2.66": ("bucharest", 9009, VPN, "password sprayer (incidents)"),
    "203.0.113.45": ("berlin", 3320, (), "qlab Berlin lab: carol, grace (incidents)"),
    "203.0.113.70": ("toronto", 577, (), "frank, remote in Toronto (incidents)"),
    "198.51.100.120": ("cambridge-ma", 701, (), "erin's home connection (incidents)"),
    "192.0.2.25": ("ashburn", 14618, HOSTING, "dave's batch VM in AWS us-east-1 (incidents)"),
    # the per-format samples
    "198.51.100.23": ("boston", 7922, (), "ada.lovelace / admin in Boston (okta, entra, cloudtrail, gcp_audit, ...)"),
    "203.0.113.77": ("bucharest", 9009, PROXY, "brute force via anonymising proxy (okta, entra, cloudtrail, ibm_quantum)"),
    "192.0.2.44": ("amsterdam", 8075, HOSTING, "qpu-scheduler service in Azure West Europe (okta, entra)"),
    "192.0.2.10": ("new-york", 7018, (), "bob@example.com (ibm_quantum)"),
    "192.0.2.50": ("boston", 7922, (), "bob deletes the audit device (vault)"),
    "192.0.2.77": ("nuremberg", 24940, TOR, "unauthenticated Key Vault call through Tor (keyvault)"),
    "192.0.2.140": ("san-antonio", 8075, HOSTING, "GitHub Actions runner (cloudtrail)"),
    "192.0.2.200": ("council-bluffs", 396982, HOSTING, "CI service account in GCP (gcp_audit)"),
    "198.51.100.9": ("dublin", 8075, HOSTING, "service principal in Azure North Europe (keyvault)"),
    "198.51.100.10": ("seattle", 7922, (), "admin@contoso.example (entra)"),
    "198.51.100.11": ("seattle", 7922, (), "helpdesk@contoso.example (entra)"),
    "198.51.100.24": ("chicago", 7018, (), "dana (cloudtrail, gcp_audit)"),
    "198.51.100.31": ("ashburn", 14618, HOSTING, "carol's SageMaker notebook (cloudtrail)"),
    "198.51.100.40": ("oxford", 786, (), "carol@example.org, ops-admin (webhook, cloudtrail)"),
    "203.0.113.9": ("frankfurt", 24940, HOSTING, "mallory, dave@example.org (cloudtrail, webhook)"),
    "203.0.113.24": ("cambridge-ma", 7922, (), "alice@contoso-quantum.example (keyvault, azure_activity, vault)"),
    "203.0.113.50": ("montreal", 577, (), "ops-admin@example.com (gcp_audit)"),
    "203.0.113.200": ("austin", 7018, (), "bob@contoso-quantum.example (keyvault)"),
    "104.40.82.76": ("amsterdam", 8075, HOSTING, "an Azure service calling Key Vault (keyvault)"),
    "2001:db8::17": ("boston", 7922, (), "in-house GPU runner (webhook)"),
    "2001:db8::42": ("singapore", 14061, HOSTING, "unauthenticated GCP call (gcp_audit)"),
    "2001:db8:85a3::8a2e:370:7334": ("san-francisco", 7922, (), "erin@example (cloudtrail)"),
}

# --- records in MaxMind's layouts ------------------------------------------------------


def _types():
    from mmdb_writer import MmdbF64, MmdbU16, MmdbU32  # noqa: PLC0415

    return MmdbF64, MmdbU16, MmdbU32


def names(en: str) -> dict:
    return {"en": en}


def country_record(iso: str) -> dict:
    _, _, u32 = _types()
    geoname_id, name, _, eu = COUNTRIES[iso]
    rec = {"geoname_id": u32(geoname_id)}
    if eu:
        rec["is_in_european_union"] = True
    rec["iso_code"] = iso
    rec["names"] = names(name)
    return rec


def city_record(place: str) -> dict:
    f64, u16, u32 = _types()
    city, city_id, iso, sub, lat, lon, tz, radius = PLACES[place]
    cont = COUNTRIES[iso][2]
    rec = {
        "city": {"geoname_id": u32(city_id), "names": names(city)},
        "continent": {"code": cont, "geoname_id": u32(CONTINENTS[cont][0]), "names": names(CONTINENTS[cont][1])},
        "country": country_record(iso),
        "location": {
            "accuracy_radius": u16(radius),
            "latitude": f64(lat),
            "longitude": f64(lon),
            "time_zone": tz,
        },
        "registered_country": country_record(iso),
    }
    if sub is not None:
        rec["subdivisions"] = [{"geoname_id": u32(sub[1]), "iso_code": sub[0], "names": names(sub[2])}]
    return rec


def asn_record(asn: int) -> dict:
    _, _, u32 = _types()
    return {"autonomous_system_number": u32(asn), "autonomous_system_organization": NETWORKS[asn]}


def anon_record(flags: tuple) -> dict:
    rec = {"is_anonymous": True}
    for f in ("is_anonymous_vpn", "is_hosting_provider", "is_public_proxy", "is_tor_exit_node"):
        if f in flags:
            rec[f] = True
    return rec


def place_of(ip: str) -> dict:
    """What the City database says about an address, as plain Python (for other tools)."""
    place, asn, flags, _ = ADDRESSES[ip]
    city, _, iso, sub, lat, lon, tz, _ = PLACES[place]
    return {
        "city": city,
        "country": iso,
        "country_name": COUNTRIES[iso][1],
        "subdivision": sub[2] if sub else None,
        "lat": lat,
        "lon": lon,
        "time_zone": tz,
        "asn": asn,
        "as_org": NETWORKS[asn],
        "anonymous": dict.fromkeys(flags, True),
    }


# --- writing ----------------------------------------------------------------------------


def _writer(database_type: str, description: str):
    from mmdb_writer import MMDBWriter  # noqa: PLC0415

    class _Writer(MMDBWriter):
        # mmdb-writer stamps build_epoch with time.time(); a fixed one keeps the bytes
        # reproducible. `_build_meta` is an internal of mmdb-writer 0.2.7 (pinned above).
        def _build_meta(self):
            meta = super()._build_meta()
            meta["build_epoch"] = BUILD_EPOCH
            return meta

    return _Writer(
        ip_version=6,
        ipv4_compatible=True,  # IPv4 in ::/96, where MaxMind readers look for it
        database_type=database_type,
        languages=["en"],
        description=description,
        int_type="u32",
        float_type="f64",
    )


def _network(ip: str):
    from netaddr import IPSet  # noqa: PLC0415  (installed with mmdb-writer)

    return IPSet([ip])


def write(out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    note = "fake data for qtrail's fixtures, not real geography"
    city = _writer("GeoIP2-City", f"qtrail demo City database ({note})")
    asn = _writer("GeoLite2-ASN", f"qtrail demo ASN database ({note})")
    anon = _writer("GeoIP2-Anonymous-IP", f"qtrail demo Anonymous IP database ({note})")
    # One record object per place / ASN / flag set, so that equal records are stored once.
    city_recs = {p: city_record(p) for p in PLACES}
    asn_recs = {n: asn_record(n) for n in NETWORKS}
    anon_recs: dict[tuple, dict] = {}
    for ip in sorted(ADDRESSES, key=lambda a: (ipaddress.ip_address(a).version, ipaddress.ip_address(a))):
        place, number, flags, _ = ADDRESSES[ip]
        city.insert_network(_network(ip), city_recs[place])
        asn.insert_network(_network(ip), asn_recs[number])
        if flags:
            anon.insert_network(_network(ip), anon_recs.setdefault(flags, anon_record(flags)))
    paths = []
    for w, name in ((city, CITY_FILE), (asn, ASN_FILE), (anon, ANON_FILE)):
        path = out_dir / name
        w.to_db_file(str(path))
        paths.append(path)
    return paths


# --- checking ---------------------------------------------------------------------------

_METADATA_MARKER = b"\xab\xcd\xefMaxMind.com"
_TYPE_NAMES = {2: "utf8_string", 3: "double", 4: "bytes", 5: "uint16", 6: "uint32", 7: "map", 8: "int32",
               9: "uint64", 10: "uint128", 11: "array", 14: "boolean", 15: "float"}


class TypedReader:
    """A minimal MaxMind DB reader that keeps each value's stored type (the maxminddb
    package returns uint16, uint32 and uint64 alike as int)."""

    def __init__(self, path: Path):
        self.buf = path.read_bytes()
        meta_at = self.buf.rfind(_METADATA_MARKER) + len(_METADATA_MARKER)
        self.meta = self._plain(self._decode(meta_at, meta_at)[0])
        self.record_size = self.meta["record_size"]
        self.node_count = self.meta["node_count"]
        self.data_at = self.record_size * 2 // 8 * self.node_count + 16

    def _decode(self, off: int, base: int):
        b = self.buf
        ctrl = b[off]
        off += 1
        kind = ctrl >> 5
        if kind == 1:  # pointer
            size, v = (ctrl >> 3) & 3, ctrl & 7
            n = size + 1
            raw = int.from_bytes(b[off:off + n], "big")
            off += n
            ptr = [(v << 8) | raw, ((v << 16) | raw) + 2048, ((v << 24) | raw) + 526336, raw][size]
            return self._decode(base + ptr, base)[0], off
        if kind == 0:
            kind = 7 + b[off]
            off += 1
        size = ctrl & 0x1F
        if size >= 29:
            extra = size - 28
            size = [29, 285, 65821][extra - 1] + int.from_bytes(b[off:off + extra], "big")
            off += extra
        name = _TYPE_NAMES[kind]
        if kind == 7:
            out = {}
            for _ in range(size):
                k, off = self._decode(off, base)
                out[k[1]], off = self._decode(off, base)
            return out, off
        if kind == 11:
            items = []
            for _ in range(size):
                v, off = self._decode(off, base)
                items.append(v)
            return items, off
        if kind == 14:
            return (name, bool(size)), off
        raw = b[off:off + size]
        off += size
        if kind == 2:
            return (name, raw.decode("utf-8")), off
        if kind == 3:
            return (name, struct.unpack(">d", raw)[0]), off
        if kind == 15:
            return (name, struct.unpack(">f", raw)[0]), off
        if kind == 4:
            return (name, raw), off
        return (name, int.from_bytes(raw, "big", signed=(kind == 8))), off

    @classmethod
    def _plain(cls, v):
        if isinstance(v, dict):
            return {k: cls._plain(x) for k, x in v.items()}
        if isinstance(v, list):
            return [cls._plain(x) for x in v]
        return v[1]

    def _child(self, node: int, bit: int) -> int:
        b, rs = self.buf, self.record_size
        if rs == 24:
            o = node * 6 + bit * 3
            return int.from_bytes(b[o:o + 3], "big")
        if rs == 28:
            o = node * 7
            if bit == 0:
                return ((b[o + 3] & 0xF0) << 20) | int.from_bytes(b[o:o + 3], "big")
            return ((b[o + 3] & 0x0F) << 24) | int.from_bytes(b[o + 4:o + 7], "big")
        o = node * 8 + bit * 4
        return int.from_bytes(b[o:o + 4], "big")

    def typed(self, ip: str):
        addr = ipaddress.ip_address(ip)
        bits = 128 if self.meta["ip_version"] == 6 else 32
        value, node = int(addr), 0
        for i in range(bits):
            if node >= self.node_count:
                break
            node = self._child(node, (value >> (bits - 1 - i)) & 1)
        if node <= self.node_count:
            return None
        return self._decode(node - self.node_count - 16 + self.data_at, self.data_at)[0]


def field_types(v, path: str = "", out: dict | None = None) -> dict:
    """Field path -> stored type(s); every language of a `names` map counts as `<lang>`."""
    out = {} if out is None else out
    if isinstance(v, dict):
        for k, x in v.items():
            key = "<lang>" if path.endswith("names") else k
            field_types(x, f"{path}.{key}" if path else key, out)
    elif isinstance(v, list):
        for x in v:
            field_types(x, path + "[]", out)
    else:
        out.setdefault(path, set()).add(v[0])
    return out


def fixture_addresses() -> dict[str, set]:
    """Every public address that is a whole JSON string value in fixtures/, with its files."""
    found: dict[str, set] = {}

    def walk(v, where):
        if isinstance(v, dict):
            for x in v.values():
                walk(x, where)
        elif isinstance(v, list):
            for x in v:
                walk(x, where)
        elif isinstance(v, str):
            try:
                a = ipaddress.ip_address(v)
            except ValueError:
                return
            if not (a.is_loopback or a.is_link_local or a.is_unspecified or a.is_multicast
                    or any(a in ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"))):
                found.setdefault(str(a), set()).add(where)

    for path in sorted((REPO / "fixtures").rglob("*")):
        if path.suffix not in (".json", ".jsonl", ".ndjson", ".log", ".txt") or not path.is_file():
            continue
        rel = str(path.relative_to(REPO))
        text = path.read_bytes().decode("utf-8", "replace")
        try:
            walk(json.loads(text), rel)
            continue
        except ValueError:
            pass
        for line in text.splitlines():
            try:
                walk(json.loads(line), rel)
            except ValueError:
                pass
    return found


def check(out_dir: Path, reference_dir: Path | None) -> bool:
    import maxminddb  # noqa: PLC0415

    ok = True
    # 1. Every fixture address is covered, and the maxminddb reader returns what we wrote.
    used = fixture_addresses()
    missing = sorted(set(used) - set(ADDRESSES))
    for ip in missing:
        print(f"MISSING: {ip} (used in {', '.join(sorted(used[ip]))}) has no entry in ADDRESSES")
        ok = False
    unused = sorted(set(ADDRESSES) - set(used))
    for ip in unused:
        print(f"note: {ip} is mapped but no fixture uses it")
    with maxminddb.open_database(str(out_dir / CITY_FILE)) as city, \
            maxminddb.open_database(str(out_dir / ASN_FILE)) as asn, \
            maxminddb.open_database(str(out_dir / ANON_FILE)) as anon:
        for ip in ADDRESSES:
            want = place_of(ip)
            c, a, x = city.get(ip), asn.get(ip), anon.get(ip)
            got = (c["city"]["names"]["en"], c["country"]["iso_code"], c["location"]["latitude"],
                   c["location"]["longitude"], c["location"]["time_zone"],
                   a["autonomous_system_number"], a["autonomous_system_organization"])
            exp = (want["city"], want["country"], want["lat"], want["lon"], want["time_zone"], want["asn"], want["as_org"])
            flags = {k: v for k, v in (x or {}).items() if k != "is_anonymous"}
            if got != exp or flags != want["anonymous"] or (x is not None) != bool(want["anonymous"]):
                print(f"MISMATCH {ip}: got {got} {x}, want {exp} {want['anonymous']}")
                ok = False
        for probe in ("10.20.4.17", "127.0.0.1", "192.0.2.1", "8.8.8.8"):
            if city.get(probe) is not None:
                print(f"UNEXPECTED: {probe} has a City record")
                ok = False
        for name, db in ((CITY_FILE, city), (ASN_FILE, asn), (ANON_FILE, anon)):
            m = db.metadata()
            print(f"{name}: {m.database_type}, IPv{m.ip_version}, record_size {m.record_size}, "
                  f"{m.node_count} nodes, build_epoch {m.build_epoch}, {(out_dir / name).stat().st_size} bytes")
    # 2. Stored types are MaxMind's: compare with the test databases' records.
    ours = {
        CITY_FILE: [TypedReader(out_dir / CITY_FILE).typed(ip) for ip in ADDRESSES],
        ASN_FILE: [TypedReader(out_dir / ASN_FILE).typed(ip) for ip in ADDRESSES],
        ANON_FILE: [r for r in (TypedReader(out_dir / ANON_FILE).typed(ip) for ip in ADDRESSES) if r],
    }
    if reference_dir is not None:
        refs = {
            CITY_FILE: ("GeoIP2-City-Test.mmdb", ["81.2.69.142", "89.160.20.112", "216.160.83.56", "175.16.199.0", "2.125.160.216"]),
            ASN_FILE: ("GeoLite2-ASN-Test.mmdb", ["1.0.0.1", "12.81.92.1", "1.128.0.1"]),
            ANON_FILE: ("GeoIP2-Anonymous-IP-Test.mmdb", ["1.2.0.1", "81.2.69.1", "71.160.223.1", "1.124.213.1"]),
        }
        for name, (ref_name, probes) in refs.items():
            ref_path = reference_dir / ref_name
            ref_reader = TypedReader(ref_path)
            ref_types: dict = {}
            with maxminddb.open_database(str(ref_path)) as plain:
                for ip in probes:
                    typed = ref_reader.typed(ip)
                    # our decoder and the maxminddb package agree on MaxMind's own file
                    if TypedReader._plain(typed) != plain.get(ip):
                        print(f"DECODER DISAGREES with maxminddb on {ref_name} {ip}")
                        ok = False
                    for k, v in field_types(typed).items():
                        ref_types.setdefault(k, set()).update(v)
            our_types: dict = {}
            for rec in ours[name]:
                for k, v in field_types(rec).items():
                    our_types.setdefault(k, set()).update(v)
            for k in sorted(our_types):
                if k not in ref_types:
                    print(f"{name}: field {k} ({sorted(our_types[k])}) is not in {ref_name}'s probed records")
                    ok = False
                elif our_types[k] != ref_types[k]:
                    print(f"{name}: field {k} stored as {sorted(our_types[k])}, MaxMind stores {sorted(ref_types[k])}")
                    ok = False
            print(f"{name}: {len(our_types)} field paths, types match {ref_name}")
            if ref_reader.meta["database_type"] not in ("GeoIP2-City", "GeoLite2-ASN", "GeoIP2-Anonymous-IP"):
                ok = False
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out-dir", type=Path, default=OUT_DIR)
    ap.add_argument("--check", action="store_true", help="read the files back and compare with MaxMind's test data")
    ap.add_argument("--reference-dir", type=Path, default=None,
                    help="folder with MaxMind's test databases (GeoIP2-City-Test.mmdb, ...), for --check")
    ap.add_argument("--print", dest="show", action="store_true", help="print the address table as JSON and exit")
    args = ap.parse_args()
    if args.show:
        print(json.dumps({ip: place_of(ip) for ip in ADDRESSES}, indent=1, ensure_ascii=False))
        return 0
    for p in write(args.out_dir):
        print(f"wrote {p.relative_to(REPO) if p.is_relative_to(REPO) else p} ({p.stat().st_size} bytes)")
    if args.check:
        if not check(args.out_dir, args.reference_dir):
            print("check FAILED")
            return 1
        print("check ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
