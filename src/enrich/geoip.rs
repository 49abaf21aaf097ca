//! GeoIP: city, country, coordinates, ASN and anonymizer flags for an event's source IP.
//!
//! Reads MaxMind DB files (GeoIP2/GeoLite2 City, ASN, Anonymous IP, or any
//! database in the same layout such as DB-IP's). What the identity provider
//! itself says about the location wins: the database only fills what is empty.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use maxminddb::{Reader, geoip2};

use crate::event::NormalizedEvent;

/// Environment variables that name the databases, one per kind.
pub const CITY_ENV: &str = "QTRAIL_GEOIP_CITY";
/// See [`CITY_ENV`].
pub const ASN_ENV: &str = "QTRAIL_GEOIP_ASN";
/// See [`CITY_ENV`].
pub const ANONYMOUS_ENV: &str = "QTRAIL_GEOIP_ANONYMOUS";

/// Where the GeoIP databases are; each is optional.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct GeoIpPaths {
    /// A MaxMind DB with cities and countries (GeoLite2-City, GeoIP2-City, DB-IP City Lite).
    #[arg(long = "geoip-city", env = CITY_ENV, value_name = "MMDB")]
    pub city: Option<PathBuf>,
    /// A MaxMind DB with autonomous systems (GeoLite2-ASN).
    #[arg(long = "geoip-asn", env = ASN_ENV, value_name = "MMDB")]
    pub asn: Option<PathBuf>,
    /// A MaxMind DB with anonymizer and hosting flags (GeoIP2-Anonymous-IP).
    #[arg(long = "geoip-anonymous", env = ANONYMOUS_ENV, value_name = "MMDB")]
    pub anonymous: Option<PathBuf>,
}

impl GeoIpPaths {
    /// Whether any database is named.
    pub fn any(&self) -> bool {
        self.city.is_some() || self.asn.is_some() || self.anonymous.is_some()
    }
}

/// The open databases.
#[derive(Default)]
pub struct GeoIp {
    city: Option<Reader<Vec<u8>>>,
    asn: Option<Reader<Vec<u8>>>,
    anonymous: Option<Reader<Vec<u8>>>,
}

/// Which record layout a database slot expects, and how its type names look.
#[derive(Clone, Copy)]
enum Kind {
    City,
    Asn,
    Anonymous,
}

impl Kind {
    fn flag(self) -> &'static str {
        match self {
            Kind::City => "--geoip-city",
            Kind::Asn => "--geoip-asn",
            Kind::Anonymous => "--geoip-anonymous",
        }
    }

    fn accepts(self, database_type: &str) -> bool {
        let t = database_type.to_ascii_lowercase();
        match self {
            Kind::City => t.contains("city") || t.contains("country"),
            Kind::Asn => t.contains("asn") || t.contains("isp"),
            Kind::Anonymous => t.contains("anonymous"),
        }
    }
}

fn open(path: &Path, kind: Kind) -> Result<Reader<Vec<u8>>> {
    let hint = format!(
        "check the path given to {} (or its environment variable), or leave it unset to run without that database",
        kind.flag()
    );
    if !path.is_file() {
        bail!("GeoIP database {} does not exist: {hint}", path.display());
    }
    let reader = Reader::open_readfile(path).with_context(|| {
        format!(
            "GeoIP database {} is not a readable MaxMind DB file: {hint}",
            path.display()
        )
    })?;
    // A file can have a valid header and a corrupt tree or data section; finding out
    // at start-up beats failing on the first lookup in the middle of a stream.
    reader.verify().with_context(|| {
        format!(
            "GeoIP database {} is corrupt: download it again; {hint}",
            path.display()
        )
    })?;
    let database_type = &reader.metadata().database_type;
    if !kind.accepts(database_type) {
        bail!(
            "GeoIP database {} is a {database_type} database, which {} cannot use: {hint}",
            path.display(),
            kind.flag()
        );
    }
    Ok(reader)
}

impl GeoIp {
    /// Opens and checks every named database; an error says which one and why.
    pub fn open(paths: &GeoIpPaths) -> Result<Self> {
        Ok(GeoIp {
            city: paths
                .city
                .as_deref()
                .map(|p| open(p, Kind::City))
                .transpose()?,
            asn: paths
                .asn
                .as_deref()
                .map(|p| open(p, Kind::Asn))
                .transpose()?,
            anonymous: paths
                .anonymous
                .as_deref()
                .map(|p| open(p, Kind::Anonymous))
                .transpose()?,
        })
    }

    /// Whether no database is open (enrichment does nothing).
    pub fn is_empty(&self) -> bool {
        self.city.is_none() && self.asn.is_none() && self.anonymous.is_none()
    }

    /// Fills the event's empty location fields from its source IP.
    pub fn enrich(&self, event: &mut NormalizedEvent) {
        if self.is_empty() {
            return;
        }
        let Some(ip) = event.src_ip.as_deref().and_then(parse_ip) else {
            return;
        };
        if let Some(reader) = &self.city {
            self.enrich_city(reader, ip, event);
        }
        if let Some(reader) = &self.asn
            && event.src_asn.is_none()
            && let Ok(result) = reader.lookup(ip)
            && let Ok(Some(asn)) = result.decode::<geoip2::Asn>()
        {
            event.src_asn = asn.autonomous_system_number;
            if event.src_asn_org.is_none() {
                event.src_asn_org = asn.autonomous_system_organization.map(str::to_string);
            }
        }
        if let Some(reader) = &self.anonymous
            && let Ok(result) = reader.lookup(ip)
            && let Ok(Some(anon)) = result.decode::<geoip2::AnonymousIp>()
        {
            // Not `is_anonymous`: MaxMind sets it for hosting providers too, and a
            // sign-in from a cloud VM or a CI runner hides no one.
            let anonymous = [
                anon.is_anonymous_vpn,
                anon.is_public_proxy,
                anon.is_residential_proxy,
                anon.is_tor_exit_node,
            ]
            .contains(&Some(true));
            if event.src_anonymous != Some(true) {
                event.src_anonymous = Some(anonymous);
            }
            if event.src_hosting.is_none() {
                event.src_hosting = Some(anon.is_hosting_provider == Some(true));
            }
        }
    }

    fn enrich_city(&self, reader: &Reader<Vec<u8>>, ip: IpAddr, event: &mut NormalizedEvent) {
        // The IdP's own geography (Okta geographicalContext, Entra location) wins,
        // as a whole: mixing its city with the database's coordinates would lie.
        if event.src_country.is_some() && event.src_lat.is_some() {
            return;
        }
        let Ok(result) = reader.lookup(ip) else {
            return;
        };
        let Ok(Some(city)) = result.decode::<geoip2::City>() else {
            return;
        };
        let had_country = event.src_country.is_some();
        if !had_country {
            event.src_country = city.country.iso_code.map(str::to_string);
        }
        if event.src_city.is_none() && !had_country {
            event.src_city = city.city.names.english.map(str::to_string);
        }
        if event.src_lat.is_none() && event.src_lon.is_none() {
            event.src_lat = city.location.latitude;
            event.src_lon = city.location.longitude;
        }
    }
}

/// Parses an IP as sources write it: plain, bracketed, or with a port.
fn parse_ip(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    if let Ok(ip) = s.parse() {
        return Some(ip);
    }
    if let Ok(sock) = s.parse::<std::net::SocketAddr>() {
        return Some(sock.ip());
    }
    s.trim_start_matches('[').trim_end_matches(']').parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::{Class, Source};

    /// MaxMind's own test databases, handed over by `.ci/run` (QTRAIL_GEOIP).
    fn test_db(name: &str) -> Option<PathBuf> {
        let dir = std::env::var_os("QTRAIL_GEOIP")?;
        let path = PathBuf::from(dir).join(name);
        assert!(
            path.is_file(),
            "QTRAIL_GEOIP is set but {} is missing",
            path.display()
        );
        Some(path)
    }

    fn event_from(ip: &str) -> NormalizedEvent {
        let mut e = NormalizedEvent::new(
            Source::Okta,
            chrono::Utc::now(),
            Class::Authentication,
            "login",
        );
        e.src_ip = Some(ip.into());
        e
    }

    #[test]
    fn city_asn_and_anonymous_flags_come_from_maxmind_test_databases() {
        let (Some(city), Some(asn), Some(anon)) = (
            test_db("GeoIP2-City-Test.mmdb"),
            test_db("GeoLite2-ASN-Test.mmdb"),
            test_db("GeoIP2-Anonymous-IP-Test.mmdb"),
        ) else {
            eprintln!("QTRAIL_GEOIP not set: skipped (CI sets it)");
            return;
        };
        let geo = GeoIp::open(&GeoIpPaths {
            city: Some(city),
            asn: Some(asn),
            anonymous: Some(anon),
        })
        .unwrap();

        let mut london = event_from("81.2.69.142");
        geo.enrich(&mut london);
        assert_eq!(london.src_country.as_deref(), Some("GB"));
        assert_eq!(london.src_city.as_deref(), Some("London"));
        assert!((london.src_lat.unwrap() - 51.5142).abs() < 0.01);
        assert!((london.src_lon.unwrap() + 0.0931).abs() < 0.01);

        let mut google = event_from("1.0.0.1");
        geo.enrich(&mut google);
        assert_eq!(google.src_asn, Some(15169));
        assert_eq!(google.src_asn_org.as_deref(), Some("Google Inc."));

        // 1.2.0.0/16 is flagged anonymous VPN in MaxMind's Anonymous-IP test data.
        let mut vpn = event_from("1.2.0.1");
        geo.enrich(&mut vpn);
        assert_eq!(vpn.src_anonymous, Some(true));
        // 71.160.223.0/24 is a hosting provider only (MaxMind still sets is_anonymous).
        let mut cloud = event_from("71.160.223.1");
        geo.enrich(&mut cloud);
        assert_eq!(
            (cloud.src_anonymous, cloud.src_hosting),
            (Some(false), Some(true))
        );
        // 186.30.236.0/24 is a public proxy.
        let mut proxy = event_from("186.30.236.1");
        geo.enrich(&mut proxy);
        assert_eq!(
            (proxy.src_anonymous, proxy.src_hosting),
            (Some(true), Some(false))
        );

        // An IP in no database stays empty rather than guessed.
        let mut unknown = event_from("10.0.0.1");
        geo.enrich(&mut unknown);
        assert_eq!(unknown.src_country, None);
        assert_eq!(unknown.src_asn, None);
    }

    #[test]
    fn the_idp_geography_wins_over_the_database() {
        let Some(city) = test_db("GeoIP2-City-Test.mmdb") else {
            return;
        };
        let geo = GeoIp::open(&GeoIpPaths {
            city: Some(city),
            ..Default::default()
        })
        .unwrap();
        let mut e = event_from("81.2.69.142");
        e.src_country = Some("FR".into());
        e.src_city = Some("Paris".into());
        e.src_lat = Some(48.85);
        e.src_lon = Some(2.35);
        geo.enrich(&mut e);
        assert_eq!(e.src_country.as_deref(), Some("FR"));
        assert_eq!(e.src_city.as_deref(), Some("Paris"));
        assert_eq!(e.src_lat, Some(48.85));
    }

    #[test]
    fn corrupt_missing_and_mismatched_databases_fail_at_start_with_the_reason() {
        let Some(broken) = test_db("GeoIP2-City-Test-Broken-Double-Format.mmdb") else {
            return;
        };
        for bad in [
            broken,
            test_db("GeoIP2-City-Test-Invalid-Node-Count.mmdb").unwrap(),
        ] {
            let err = GeoIp::open(&GeoIpPaths {
                city: Some(bad.clone()),
                ..Default::default()
            })
            .err()
            .unwrap_or_else(|| panic!("{} opened", bad.display()));
            let msg = format!("{err:#}");
            assert!(msg.contains(&bad.display().to_string()), "{msg}");
            assert!(msg.contains("--geoip-city"), "{msg}");
        }
        let err = GeoIp::open(&GeoIpPaths {
            city: Some("/nonexistent/City.mmdb".into()),
            ..Default::default()
        })
        .err()
        .unwrap();
        assert!(format!("{err:#}").contains("does not exist"));
        // An ASN database where a city one is expected is a configuration mistake.
        let err = GeoIp::open(&GeoIpPaths {
            city: test_db("GeoLite2-ASN-Test.mmdb"),
            ..Default::default()
        })
        .err()
        .unwrap();
        assert!(format!("{err:#}").contains("GeoLite2-ASN"), "{err:#}");
    }
}
