#!/usr/bin/env python3
"""Write fixtures/incidents/: audit logs, in each provider's own format, that tell the
incident stories qtrail's detection rules are meant to catch (see fixtures/README.md).

    python3 tools/make_incident_fixtures.py      # standard library only

Deterministic: ids, HMACs and request ids are hashes of fixed labels, so rerunning the
script rewrites the same bytes. The geography written into Okta and Entra records comes
from the address table of tools/make_demo_geoip.py, so the logs and the demo GeoIP
databases agree.

Cast (qlab.example, one Okta org federated to AWS IAM Identity Center, Entra ID and Vault):
alice (Boston), bob (Boston), carol (Berlin), dave (Boston, runs batch work from an AWS VM),
erin (IT admin, Boston office / home in Cambridge MA), frank (Toronto), grace (Berlin).
"""

from __future__ import annotations

import hashlib
import json
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_demo_geoip import place_of  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "fixtures" / "incidents"
UTC = timezone.utc
NS = uuid.UUID("5b0e3c2a-7d1f-4e8a-9c6b-2a4d6f8e0c1a")

# --- helpers ------------------------------------------------------------------------------

B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def h(label: str) -> bytes:
    return hashlib.sha256(label.encode()).digest()


def uid(label: str) -> str:
    return str(uuid.uuid5(NS, label))


def b62(label: str, n: int) -> str:
    x = int.from_bytes(h(label), "big")
    out = []
    for _ in range(n):
        x, r = divmod(x, 62)
        out.append(B62[r])
    return "".join(out)


def hexid(label: str, n: int) -> str:
    return h(label).hex()[:n]


def hmac(label: str) -> str:
    """A Vault audit HMAC (the real one is HMAC-SHA256 under the audit device's salt)."""
    return "hmac-sha256:" + h("vault-hmac:" + label).hex()


def t(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def iso_ms(d: datetime) -> str:
    return d.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"


def iso_s(d: datetime) -> str:
    return d.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_us(d: datetime) -> str:
    return d.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def iso_7(d: datetime) -> str:
    return d.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def write_jsonl(name: str, records: list[dict]) -> None:
    path = OUT / name
    with path.open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"wrote {path.relative_to(REPO)} ({len(records)} records)")


# --- the cast -------------------------------------------------------------------------------

DOMAIN = "qlab.example"
PEOPLE = {
    # name: (display name, home address, browser)
    "alice": ("Alice Chen", "203.0.113.10", "mac-chrome"),
    "bob": ("Bob Martin", "203.0.113.10", "win-edge"),
    "carol": ("Carol Weber", "203.0.113.45", "linux-firefox"),
    "dave": ("Dave Okafor", "203.0.113.10", "mac-safari"),
    "erin": ("Erin Walsh", "203.0.113.10", "mac-chrome"),
    "frank": ("Frank Tremblay", "203.0.113.70", "win-chrome"),
    "grace": ("Grace Hoffmann", "203.0.113.45", "mac-firefox"),
}
ERIN_HOME = "198.51.100.120"
ATTACKER = "198.51.100.77"  # São Paulo, with alice's password and, later, her AWS session
SPRAYER = "192.0.2.66"  # Bucharest, M247 VPN exit
DAVE_VM = "192.0.2.25"  # AWS us-east-1

BROWSERS = {
    "mac-chrome": ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36", "Mac OS X", "CHROME"),
    "mac-safari": ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15", "Mac OS X", "SAFARI"),
    "mac-firefox": ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.7; rv:132.0) Gecko/20100101 Firefox/132.0", "Mac OS X", "FIREFOX"),
    "win-edge": ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0", "Windows 10", "EDGE_CHROMIUM"),
    "win-chrome": ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36", "Windows 10", "CHROME"),
    "linux-firefox": ("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0", "Linux", "FIREFOX"),
    "attacker": ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36", "Windows 10", "CHROME"),
    "script": ("python-requests/2.32.3", "Unknown", "UNKNOWN"),
}


def email(name: str) -> str:
    return f"{name}@{DOMAIN}"


def okta_id(name: str) -> str:
    return "00u" + b62("okta-user:" + name, 17)


# Okta's securityContext wording for each network (lower-case, as Okta writes it).
OKTA_AS = {
    7922: ("comcast", "comcast cable communications", "comcast.net"),
    28573: ("claro s.a.", "claro s.a.", "claro.com.br"),
    9009: ("m247 europe srl", "m247 europe srl", "m247.com"),
    3320: ("deutsche telekom ag", "deutsche telekom ag", "t-ipconnect.de"),
    577: ("bell canada", "bell canada", "bell.ca"),
    701: ("verizon business", "verizon", "verizon.net"),
    14618: ("amazon.com inc.", "amazon.com", "amazonaws.com"),
}

# --- Okta System Log --------------------------------------------------------------------------

NEGATIVE = "{New Geo-Location=NEGATIVE, New Device=NEGATIVE, New IP=NEGATIVE, New State=NEGATIVE, New Country=NEGATIVE, Velocity=NEGATIVE, New City=NEGATIVE}"


def okta_geo(ip: str) -> dict:
    p = place_of(ip)
    return {"city": p["city"], "state": p["subdivision"], "country": p["country_name"], "postalCode": None,
            "geolocation": {"lat": p["lat"], "lon": p["lon"]}}


def okta_event(label: str, when: datetime, event_type: str, legacy: str, display: str, *, actor: str | None,
               ip: str, browser: str, outcome: str = "SUCCESS", reason: str | None = None, session: str | None = None,
               auth_ctx: dict | None = None, target: list | None = None, debug: dict | None = None,
               severity: str = "INFO", request_uri: str = "/idp/idx/identify", actor_known: bool = True,
               actor_override: dict | None = None) -> dict:
    p = place_of(ip)
    ua, os_, br = BROWSERS[browser]
    as_org, isp, domain = OKTA_AS[p["asn"]]
    txn = b62("okta-txn:" + label, 24)
    debug_data = {"requestId": txn, "requestUri": request_uri, "threatSuspected": "false", "url": request_uri + "?"}
    debug_data.update(debug or {})
    if actor_override is not None:
        act = actor_override
    elif actor_known:
        act = {"id": okta_id(actor), "type": "User", "alternateId": email(actor), "displayName": PEOPLE[actor][0], "detailEntry": None}
    else:  # a user name Okta does not know: the id and display name are `unknown`
        act = {"id": "unknown", "type": "User", "alternateId": actor, "displayName": "unknown", "detailEntry": None}
    ctx = {"authenticationProvider": None, "credentialProvider": None, "credentialType": None, "issuer": None,
           "interface": None, "authenticationStep": 0, "externalSessionId": session or "unknown"}
    ctx.update(auth_ctx or {})
    geo = okta_geo(ip)
    return {
        "uuid": uid("okta:" + label),
        "published": iso_ms(when),
        "eventType": event_type,
        "version": "0",
        "severity": severity,
        "legacyEventType": legacy,
        "displayMessage": display,
        "actor": act,
        "client": {"userAgent": {"rawUserAgent": ua, "os": os_, "browser": br}, "zone": "null",
                   "device": "Unknown" if browser == "script" else "Computer", "id": None, "ipAddress": ip,
                   "geographicalContext": geo},
        "device": None,
        "authenticationContext": ctx,
        "outcome": {"result": outcome, "reason": reason},
        "target": target,
        "transaction": {"type": "WEB", "id": txn, "detail": {}},
        "debugContext": {"debugData": debug_data},
        "securityContext": {"asNumber": p["asn"], "asOrg": as_org, "isp": isp, "domain": domain,
                            "isProxy": bool(p["anonymous"].get("is_anonymous_vpn") or p["anonymous"].get("is_public_proxy"))},
        "request": {"ipChain": [{"ip": ip, "geographicalContext": geo, "version": "V4", "source": None}]},
    }


def session_id(label: str) -> str:
    return "102" + b62("okta-session:" + label, 22)


def okta_login(name: str, when: datetime, ip: str | None = None, browser: str | None = None, *, mfa: bool = True,
               sso_aws: bool = False, risk: str = "{level=LOW}", behaviors: str = NEGATIVE, label: str = "",
               sid: str | None = None) -> list[dict]:
    """A successful sign-in: MFA (Okta Verify push) then session start, optionally SSO into AWS."""
    ip = ip or PEOPLE[name][1]
    browser = browser or PEOPLE[name][2]
    lab = f"{name}:{iso_s(when)}{label}"
    sid = sid or session_id(lab)
    out = []
    if mfa:
        out.append(okta_event(
            lab + ":mfa", when, "user.authentication.auth_via_mfa", "core.user.factor.attempt_success",
            "Authentication of user via MFA", actor=name, ip=ip, browser=browser, session=sid,
            auth_ctx={"authenticationProvider": "FACTOR_PROVIDER", "credentialProvider": "OKTA_CREDENTIAL_PROVIDER",
                      "credentialType": "OTP"},
            target=[{"id": "pfd" + b62("okta-factor:" + name, 17), "type": "AuthenticatorEnrollment",
                     "alternateId": "unknown", "displayName": "Okta Verify", "detailEntry": None}],
            debug={"factor": "OKTA_VERIFY_PUSH"}, request_uri="/idp/idx/authenticators/poll"))
    out.append(okta_event(
        lab + ":start", when + timedelta(milliseconds=870), "user.session.start", "core.user_auth.login_success",
        "User login to Okta", actor=name, ip=ip, browser=browser, session=sid,
        auth_ctx={"authenticationProvider": "OKTA_AUTHENTICATION_PROVIDER", "credentialType": "PASSWORD"},
        debug={"risk": risk, "behaviors": behaviors}))
    if sso_aws:
        out.append(okta_event(
            lab + ":sso", when + timedelta(seconds=41, milliseconds=318), "user.authentication.sso", "app.auth.sso",
            "User single sign on to app", actor=name, ip=ip, browser=browser, session=sid,
            auth_ctx={"authenticationProvider": "OKTA_AUTHENTICATION_PROVIDER", "credentialType": "PASSWORD"},
            target=[{"id": "0oa" + b62("okta-app:aws", 17), "type": "AppInstance", "alternateId": "AWS IAM Identity Center",
                     "displayName": "AWS IAM Identity Center", "detailEntry": {"signOnModeType": "SAML_2_0"}},
                    {"id": "0ua" + b62("okta-appuser:" + name, 17), "type": "AppUser", "alternateId": email(name),
                     "displayName": PEOPLE[name][0], "detailEntry": None}],
            debug={"initiationType": "IDP_INITIATED", "signOnMode": "SAML 2.0"},
            request_uri="/app/amazon_aws_sso/exk" + b62("okta-app-key", 17) + "/sso/saml"))
    return out


def okta_failed_login(who: str, when: datetime, ip: str, browser: str, *, label: str) -> dict:
    # Okta names a failed sign-in's actor only by the login typed: id and display name `unknown`.
    return okta_event(
        f"fail:{who}:{label}", when, "user.session.start", "core.user_auth.login_failed", "User login to Okta",
        actor=who, actor_known=False, ip=ip, browser=browser,
        outcome="FAILURE", reason="INVALID_CREDENTIALS", severity="WARN", request_uri="/api/v1/authn",
        debug={"threatSuspected": "true", "risk": "{level=HIGH, reasons=Anomalous Device, Anomalous Location}",
               "behaviors": "{New Geo-Location=POSITIVE, New Device=POSITIVE, New IP=POSITIVE, New State=POSITIVE, New Country=POSITIVE, Velocity=NEGATIVE, New City=POSITIVE}",
               "loginResult": "INVALID_CREDENTIALS"})


def okta_records() -> list[dict]:
    ev: list[dict] = []
    # Baseline: a week of ordinary weekday sign-ins (local business hours).
    baseline = {
        "alice": ["2026-11-02T13:52:07Z", "2026-11-03T13:47:41Z", "2026-11-04T14:02:19Z", "2026-11-05T13:55:03Z",
                  "2026-11-06T13:49:58Z", "2026-11-09T13:51:26Z"],
        "bob": ["2026-11-02T14:21:10Z", "2026-11-04T14:33:52Z", "2026-11-06T14:18:05Z", "2026-11-09T14:27:44Z",
                "2026-11-11T14:55:31Z"],
        "carol": ["2026-11-03T08:12:40Z", "2026-11-05T08:09:12Z", "2026-11-09T08:15:55Z", "2026-11-10T08:05:21Z"],
        "dave": ["2026-11-02T14:40:02Z", "2026-11-05T14:44:37Z", "2026-11-09T14:38:19Z", "2026-11-13T11:52:48Z"],
        "erin": ["2026-11-02T13:31:15Z", "2026-11-04T13:29:40Z", "2026-11-06T13:35:02Z", "2026-11-09T13:30:27Z"],
        "frank": ["2026-11-03T14:10:33Z", "2026-11-06T14:06:18Z", "2026-11-10T14:12:50Z"],
        "grace": ["2026-11-04T08:31:09Z", "2026-11-06T08:27:45Z", "2026-11-11T08:34:16Z"],
    }
    for name, times in baseline.items():
        for s in times:
            ev += okta_login(name, t(s), sso_aws=name == "alice")

    # Story 1: impossible travel. alice signs in from Boston at 13:58 UTC (08:58 local)...
    ev += okta_login("alice", t("2026-11-10T13:58:20Z"), sso_aws=True)
    # ...and 42 minutes later from São Paulo on a new device: two pushes denied, the third
    # accepted (MFA fatigue), a session, and SSO into AWS IAM Identity Center.
    sp = ATTACKER
    sid = session_id("alice:sao-paulo")
    for i, s in enumerate(["2026-11-10T14:38:52.204Z", "2026-11-10T14:39:31.771Z"]):
        ev.append(okta_event(
            f"alice:deny-push:{i}", t(s), "user.mfa.okta_verify.deny_push", "core.user.factor.attempt_fail",
            "User rejected Okta push verify", actor="alice", ip=sp, browser="attacker", outcome="FAILURE",
            reason="User rejected Okta push verify", severity="WARN", session=sid,
            auth_ctx={"authenticationProvider": "FACTOR_PROVIDER", "credentialProvider": "OKTA_CREDENTIAL_PROVIDER",
                      "credentialType": "OTP"},
            target=[{"id": "pfd" + b62("okta-factor:alice", 17), "type": "AuthenticatorEnrollment",
                     "alternateId": "unknown", "displayName": "Okta Verify", "detailEntry": None}],
            debug={"factor": "OKTA_VERIFY_PUSH"}, request_uri="/idp/idx/authenticators/poll"))
    ev += okta_login("alice", t("2026-11-10T14:40:47Z"), ip=sp, browser="attacker", sso_aws=True, label=":sp", sid=sid,
                     risk="{level=HIGH, reasons=Anomalous Device, Anomalous Location, Velocity}",
                     behaviors="{New Geo-Location=POSITIVE, New Device=POSITIVE, New IP=POSITIVE, New State=POSITIVE, New Country=POSITIVE, Velocity=POSITIVE, New City=POSITIVE}")
    # erin (SOC) clears alice's sessions at 14:57.
    ev += okta_login("erin", t("2026-11-10T14:55:02Z"))
    ev.append(okta_event(
        "erin:clear-alice", t("2026-11-10T14:57:12.480Z"), "user.session.clear", "core.user.session.clear",
        "Clear user session", actor="erin", ip=PEOPLE["erin"][1], browser="mac-chrome",
        session=session_id("erin:" + iso_s(t("2026-11-10T14:55:02Z"))),
        target=[{"id": okta_id("alice"), "type": "User", "alternateId": email("alice"), "displayName": "Alice Chen",
                 "detailEntry": None}],
        request_uri="/api/v1/users/" + okta_id("alice") + "/sessions"))

    # Story 2: password spraying from a VPN exit in Bucharest. 14 failures for bob in
    # 4 min 20 s, bob's account locks, then one try each for eight more user names.
    start = t("2026-11-12T03:14:05.118Z")
    for i in range(14):
        ev.append(okta_failed_login(email("bob"), start + timedelta(seconds=20 * i, milliseconds=37 * i), SPRAYER,
                                    "script", label=str(i)))
    ev.append(okta_event(
        "bob:lock", t("2026-11-12T03:18:26.902Z"), "user.account.lock", "core.user_auth.account_locked",
        "Max sign in attempts exceeded", actor="bob", ip=SPRAYER, browser="script", outcome="FAILURE",
        reason="LOCKED_OUT", severity="WARN", request_uri="/api/v1/authn",
        target=[{"id": okta_id("bob"), "type": "User", "alternateId": email("bob"), "displayName": "Bob Martin",
                 "detailEntry": None}]))
    spray = ["alice", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan"]
    start = t("2026-11-12T03:19:10.455Z")
    for i, name in enumerate(spray):
        ev.append(okta_failed_login(email(name), start + timedelta(seconds=25 * i, milliseconds=11 * i), SPRAYER,
                                    "script", label="spray"))

    # Story 3 context: carol signs in at 02:26 Berlin time to run hardware jobs.
    ev += okta_login("carol", t("2026-11-11T01:26:40Z"), sso_aws=True)

    # Story 6: erin signs in from home with her password only (an MFA exemption left on her
    # account) and makes frank a Super administrator.
    when = t("2026-11-16T13:40:05.331Z")
    sid = session_id("erin:home")
    ev.append(okta_event(
        "erin:home:start", when, "user.session.start", "core.user_auth.login_success", "User login to Okta",
        actor="erin", ip=ERIN_HOME, browser="mac-chrome", session=sid,
        auth_ctx={"authenticationProvider": "OKTA_AUTHENTICATION_PROVIDER", "credentialType": "PASSWORD"},
        debug={"risk": "{level=MEDIUM, reasons=New IP}",
               "behaviors": "{New Geo-Location=NEGATIVE, New Device=NEGATIVE, New IP=POSITIVE, New State=NEGATIVE, New Country=NEGATIVE, Velocity=NEGATIVE, New City=POSITIVE}"}))
    ev.append(okta_event(
        "erin:home:admin-app", when + timedelta(seconds=22), "user.session.access_admin_app",
        "core.user_auth.idp.admin_app_access", "User accessing Okta admin app", actor="erin", ip=ERIN_HOME,
        browser="mac-chrome", session=sid, request_uri="/admin/sso/callback",
        target=[{"id": "0oa" + b62("okta-app:admin", 17), "type": "AppInstance", "alternateId": "Okta Admin Console",
                 "displayName": "Okta Admin Console", "detailEntry": None}]))
    ev.append(okta_event(
        "erin:grant-frank", t("2026-11-16T13:44:18.007Z"), "user.account.privilege.grant",
        "core.user.admin_privilege.granted", "Grant user privilege", actor="erin", ip=ERIN_HOME,
        browser="mac-chrome", session=sid, request_uri="/api/internal/administrators/" + okta_id("frank"),
        target=[{"id": okta_id("frank"), "type": "User", "alternateId": email("frank"), "displayName": "Frank Tremblay",
                 "detailEntry": None}],
        debug={"privilegeGranted": "Super administrator"}))
    ev.sort(key=lambda r: r["published"])
    return ev


# --- CloudTrail -------------------------------------------------------------------------------

ACCOUNT = "444455556666"
SSO_ROLE = "AWSReservedSSO_QuantumResearcher_7f3c2a9e1b4d6c80"
SSO_ROLE_ID = "AROAWQLABRESEARCH7F3C"
BOTO = "Boto3/1.35.54 md/Botocore#1.35.54 ua/2.0 os/{os} md/arch#{arch} lang/python#3.12.7 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.54{extra}"


def sso_identity(name: str, key: str, when: datetime) -> dict:
    return {
        "type": "AssumedRole",
        "principalId": f"{SSO_ROLE_ID}:{email(name)}",
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{SSO_ROLE}/{email(name)}",
        "accountId": ACCOUNT,
        "accessKeyId": key,
        "sessionContext": {
            "sessionIssuer": {"type": "Role", "principalId": SSO_ROLE_ID,
                              "arn": f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/{SSO_ROLE}",
                              "accountId": ACCOUNT, "userName": SSO_ROLE},
            "attributes": {"creationDate": iso_s(when), "mfaAuthenticated": "false"},
        },
    }


def session_key(label: str) -> str:
    return "ASIAW" + b62("aws-key:" + label, 15).upper()


def ct(label: str, when: datetime, source: str, name: str, identity: dict, ip: str, ua: str, *, region: str = "us-east-1",
       request: dict | None = None, response: dict | None = None, read_only: bool = False, error: tuple | None = None,
       extra: dict | None = None, event_type: str = "AwsApiCall", resources: list | None = None) -> dict:
    r = {"eventVersion": "1.10", "userIdentity": identity, "eventTime": iso_s(when), "eventSource": source,
         "eventName": name, "awsRegion": region, "sourceIPAddress": ip, "userAgent": ua}
    if error:
        r["errorCode"], r["errorMessage"] = error
    r["requestParameters"] = request
    r["responseElements"] = response
    if extra:
        r.update(extra)
    if event_type == "AwsApiCall":
        r["requestID"] = uid("aws-req:" + label)
    r["eventID"] = uid("aws-event:" + label)
    r["readOnly"] = read_only
    if resources:
        r["resources"] = resources
    r["eventType"] = event_type
    r["managementEvent"] = True
    r["recipientAccountId"] = ACCOUNT
    r["eventCategory"] = "Management"
    if event_type == "AwsApiCall":
        r["tlsDetails"] = {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
                           "clientProvidedHostHeader": source.replace(".amazonaws.com", f".{region}.amazonaws.com")}
    return r


def console_login(name: str, when: datetime, ip: str, browser: str) -> dict:
    ident = sso_identity(name, "", when)
    del ident["accessKeyId"]
    return ct(f"console:{name}:{iso_s(when)}", when, "signin.amazonaws.com", "ConsoleLogin", ident, ip,
              BROWSERS[browser][0], response={"ConsoleLogin": "Success"},
              extra={"additionalEventData": {
                  "LoginTo": "https://console.aws.amazon.com/console/home?region=us-east-1",
                  "MobileVersion": "No", "MFAUsed": "No",
                  "SamlProviderArn": f"arn:aws:iam::{ACCOUNT}:saml-provider/AWSSSO_5c1a0e8f2d7b4a36_DO_NOT_DELETE"}},
              event_type="AwsConsoleSignIn")


def get_role_credentials(name: str, when: datetime, ip: str, ua: str) -> dict:
    ident = {"type": "Unknown", "principalId": "9067" + hexid("idstore:" + name, 6) + "-" + uid("idstore:" + name),
             "accountId": ACCOUNT, "userName": email(name)}
    return ct(f"grc:{name}:{iso_s(when)}", when, "sso.amazonaws.com", "GetRoleCredentials", ident, ip, ua,
              request={"roleName": "QuantumResearcher", "accountId": ACCOUNT}, read_only=True,
              extra={"additionalEventData": {"identityStoreArn": "arn:aws:identitystore::" + ACCOUNT + ":identitystore/d-9067a1b2c3"}})


def get_secret(label: str, when: datetime, identity: dict, ip: str, ua: str, secret: str, *, denied: bool = False) -> dict:
    arn = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:{secret}-{b62('suffix:' + secret, 6)}"
    err = None
    if denied:
        err = ("AccessDenied", f"User: {identity['arn']} is not authorized to perform: secretsmanager:GetSecretValue "
                               f"on resource: {secret} because no identity-based policy allows the "
                               "secretsmanager:GetSecretValue action")
    return ct(label, when, "secretsmanager.amazonaws.com", "GetSecretValue", identity, ip, ua,
              request={"secretId": secret}, read_only=True, error=err,
              resources=None if denied else [{"accountId": ACCOUNT, "type": "AWS::SecretsManager::Secret", "ARN": arn}])


def quantum_task(label: str, when: datetime, identity: dict, ip: str, ua: str, device: str, shots: int, project: str) -> dict:
    region = device.split(":")[3] or "us-east-1"
    task = f"arn:aws:braket:{region}:{ACCOUNT}:quantum-task/{uid('task:' + label)}"
    params = {"clientToken": uid("client-token:" + label), "deviceArn": device,
              "deviceParameters": "{\"braketSchemaHeader\": {\"name\": \"braket.device_schema.gate_model_parameters\", \"version\": \"1\"}, \"paradigmParameters\": {\"qubitCount\": 4}}",
              "outputS3Bucket": f"amazon-braket-{region}-{ACCOUNT}", "outputS3KeyPrefix": "tasks", "shots": shots,
              "tags": {"project": project}}
    return ct(label, when, "braket.amazonaws.com", "CreateQuantumTask", identity, ip, ua, region=region,
              request=params, response={"quantumTaskArn": task})


DEVICES = {
    "aria": "arn:aws:braket:us-east-1::device/qpu/ionq/Aria-1",
    "ankaa": "arn:aws:braket:us-west-1::device/qpu/rigetti/Ankaa-3",
    "garnet": "arn:aws:braket:eu-north-1::device/qpu/iqm/Garnet",
    "sv1": "arn:aws:braket:::device/quantum-simulator/amazon/sv1",
}


def cloudtrail_records() -> list[dict]:
    ev: list[dict] = []
    # Baseline console sign-ins (federated from Okta) from Boston.
    for s in ["2026-11-03T13:48:30Z", "2026-11-05T13:56:01Z", "2026-11-09T13:52:14Z", "2026-11-10T13:59:09Z"]:
        ev.append(console_login("alice", t(s), "203.0.113.10", "mac-chrome"))
    # Baseline secret reads: the Braket runner service (ECS task role) and alice, at work.
    runner_when = t("2026-11-09T06:00:00Z")
    runner = {"type": "AssumedRole", "principalId": "AROAWQLABBRAKETRUN01:ecs-task-braket-runner",
              "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/braket-runner-task/ecs-task-braket-runner",
              "accountId": ACCOUNT, "accessKeyId": session_key("runner"),
              "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": "AROAWQLABBRAKETRUN01",
                                                   "arn": f"arn:aws:iam::{ACCOUNT}:role/braket-runner-task",
                                                   "accountId": ACCOUNT, "userName": "braket-runner-task"},
                                 "attributes": {"creationDate": iso_s(runner_when), "mfaAuthenticated": "false"}}}
    runner_ua = BOTO.format(os="linux#5.10.226-214.880.amzn2.x86_64", arch="x86_64", extra=" exec-env/AWS_ECS_FARGATE")
    for s in ["2026-11-09T06:00:04Z", "2026-11-09T18:00:03Z", "2026-11-10T06:00:05Z", "2026-11-10T18:00:02Z",
              "2026-11-11T06:00:04Z"]:
        rec = get_secret(f"runner:{s}", t(s), runner, "10.40.12.87", runner_ua, "prod/braket/ionq-api-key")
        rec["vpcEndpointId"] = "vpce-0a1b2c3d4e5f60718"  # through the VPC endpoint: a private source address
        ev.append(rec)
    alice_key_am = session_key("alice:2026-11-09")
    alice_cli = "aws-cli/2.18.5 md/awscrt#0.22.0 ua/2.0 os/macos#24.1.0 md/arch#arm64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/prompt#off md/command#secretsmanager.get-secret-value"
    ev.append(get_secret("alice:baseline", t("2026-11-09T15:12:40Z"),
                         sso_identity("alice", alice_key_am, t("2026-11-09T15:10:02Z")), "203.0.113.10", alice_cli,
                         "dev/qlab/notebook-token"))

    # Story 1 (AWS side): the São Paulo session gets role credentials and signs in to the console.
    attacker_ua = BOTO.format(os="windows#10", arch="amd64", extra="")
    ev.append(get_role_credentials("alice", t("2026-11-10T14:43:57Z"), ATTACKER,
                                   "aws-cli/2.18.5 md/awscrt#0.22.0 ua/2.0 os/windows#10 md/arch#amd64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/prompt#off md/command#sso.login"))
    ev.append(console_login("alice", t("2026-11-10T14:44:10Z"), ATTACKER, "attacker"))

    # Story 5: a burst of secret reads with those credentials: ListSecrets, then 24
    # GetSecretValue calls in 98 seconds, three of them denied.
    key = session_key("alice:sao-paulo")
    ident = sso_identity("alice", key, t("2026-11-10T14:43:58Z"))
    ev.append(ct("burst:list", t("2026-11-10T14:51:50Z"), "secretsmanager.amazonaws.com", "ListSecrets", ident,
                 ATTACKER, attacker_ua, request={"maxResults": 100}, read_only=True))
    secrets = [
        "prod/braket/ionq-api-key", "prod/braket/rigetti-api-key", "prod/braket/iqm-token", "prod/ibm/quantum-api-key",
        "prod/azure/quantum-sp-secret", "prod/qlab/postgres-admin", "prod/qlab/postgres-readonly", "prod/qlab/redis-auth",
        "prod/qlab/vault-approle-secret-id", "prod/qlab/okta-api-token", "prod/qlab/github-deploy-key",
        "prod/qlab/slack-webhook", "prod/finance/stripe-live-key", "prod/qlab/smtp-password", "prod/finance/bank-sftp",
        "prod/qlab/s3-results-kms-grant", "prod/qlab/grafana-admin", "prod/qlab/pagerduty-token",
        "prod/finance/quickbooks-oauth", "dev/qlab/notebook-token", "dev/braket/ionq-sandbox-key",
        "prod/qlab/scheduler-signing-key", "prod/qlab/webhook-hmac-secret", "prod/qlab/backup-encryption-key",
    ]
    start = t("2026-11-10T14:52:03Z")
    for i, s in enumerate(secrets):
        when = start + timedelta(seconds=round(i * 98 / (len(secrets) - 1)))
        ev.append(get_secret(f"burst:{i}", when, ident, ATTACKER, attacker_ua, s, denied=s.startswith("prod/finance/")))

    # Story 3: carol's hardware jobs at 02:30 and 02:47 Berlin time on a Wednesday, with a
    # simulator run in between (which is not hardware), then daytime QPU jobs by others.
    carol_when = t("2026-11-11T01:27:30Z")
    ev.append(get_role_credentials("carol", carol_when, "203.0.113.45",
                                   "aws-cli/2.18.5 md/awscrt#0.22.0 ua/2.0 os/linux#6.8.0-48-generic md/arch#x86_64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/prompt#off md/command#sso.login"))
    carol = sso_identity("carol", session_key("carol:night"), carol_when)
    nb = BOTO.format(os="linux#6.8.0-48-generic", arch="x86_64", extra=" BraketSdk/1.88.1 BraketSchemas/1.22.1 ipykernel/6.29.5")
    ev.append(quantum_task("carol:aria", t("2026-11-11T01:30:12Z"), carol, "203.0.113.45", nb, DEVICES["aria"], 1000, "vqe-lih"))
    ev.append(quantum_task("carol:sv1", t("2026-11-11T01:31:40Z"), carol, "203.0.113.45", nb, DEVICES["sv1"], 1000, "vqe-lih"))
    ev.append(quantum_task("carol:ankaa", t("2026-11-11T01:47:05Z"), carol, "203.0.113.45", nb, DEVICES["ankaa"], 2000, "vqe-lih"))
    day = [
        ("grace", "2026-11-11T10:20:05Z", "garnet", 500, "203.0.113.45", "qec-surface"),
        ("bob", "2026-11-11T15:02:44Z", "sv1", 2000, "203.0.113.10", "qaoa-portfolio"),
        ("bob", "2026-11-11T15:10:22Z", "aria", 1000, "203.0.113.10", "qaoa-portfolio"),
        ("frank", "2026-11-11T16:05:40Z", "ankaa", 1000, "203.0.113.70", "benchmarks"),
    ]
    for name, s, dev, shots, ip, project in day:
        when = t(s)
        ident = sso_identity(name, session_key(f"{name}:{s[:10]}"), when - timedelta(minutes=9))
        ua = BOTO.format(os="macos#24.1.0" if name != "frank" else "windows#10", arch="arm64" if name != "frank" else "amd64",
                         extra=" BraketSdk/1.88.1 BraketSchemas/1.22.1")
        ev.append(quantum_task(f"{name}:{s}", when, ident, ip, ua, DEVICES[dev], shots, project))
    ev.sort(key=lambda r: r["eventTime"])
    return ev


# --- Vault audit device ------------------------------------------------------------------------

VAULT_UA = "Vault/1.18.4 (+https://www.vaultproject.io/; go1.23.4)"


def vault_pair(label: str, when: datetime, *, auth: dict, path: str, operation: str, ip: str, mount_type: str | None,
               mount_point: str | None, data: dict | None = None, client_token: str | None = None,
               client_token_accessor: str | None = None, response: dict | None = None, error: str | None = None,
               issued: dict | None = None, duration_ms: int = 4) -> list[dict]:
    """A request entry and its response entry, as the file audit device writes them."""
    req = {"id": uid("vault-req:" + label), "client_id": "", "operation": operation}
    if mount_point:
        req["mount_point"] = mount_point
    if mount_type:
        req["mount_type"] = mount_type
    if mount_point:
        req["mount_accessor"] = {"kv": "kv_3c9a1f20", "token": "auth_token_5e1b7a44", "oidc": "auth_oidc_0d8c2e61"}[mount_type]
    if client_token:
        req["client_token"] = client_token
    if client_token_accessor:
        req["client_token_accessor"] = client_token_accessor
    req["namespace"] = {"id": "root"}
    req["path"] = path
    if data is not None:
        req["data"] = data
    req["remote_address"] = ip
    req["remote_port"] = 40000 + int.from_bytes(h("port:" + label)[:2], "big") % 20000
    req["headers"] = {"user-agent": [VAULT_UA]}
    first = {"time": iso_us(when), "type": "request", "auth": auth, "request": req}
    if error:
        first["error"] = error
    resp = {"time": iso_us(when + timedelta(milliseconds=duration_ms)), "type": "response", "auth": auth, "request": req}
    body = dict(response or {})
    if mount_type:
        body = {"mount_type": mount_type, **({"mount_accessor": req["mount_accessor"]} if mount_point else {}), **body}
    if issued:
        body["auth"] = issued
    resp["response"] = body
    if error:
        resp["error"] = error if error != "permission denied" else "1 error occurred:\n\t* permission denied\n\n"
    return [first, resp]


def vault_token(name: str, label: str, when: datetime, policies: list[str]) -> dict:
    return {"client_token": hmac("token:" + label), "accessor": hmac("accessor:" + label),
            "display_name": f"oidc-{email(name)}", "policies": ["default"] + policies,
            "token_policies": ["default"] + policies, "identity_policies": [],
            "metadata": {"email": email(name), "role": "qlab-" + ("admin" if name == "erin" else "researcher")},
            "entity_id": uid("vault-entity:" + name), "token_type": "service", "token_ttl": 28800,
            "token_issue_time": iso_s(when)}


def vault_login(name: str, label: str, when: datetime, ip: str, policies: list[str]) -> tuple[list[dict], dict]:
    issued = vault_token(name, label, when, policies)
    recs = vault_pair(f"login:{label}", when, auth={"token_type": "default", "policy_results": {"allowed": True}},
                      path="auth/oidc/oidc/callback", operation="read", ip=ip, mount_type="oidc", mount_point="auth/oidc/",
                      data={"code": hmac("code:" + label), "state": hmac("state:" + label)}, issued=issued, duration_ms=212)
    caller = {k: issued[k] for k in ("client_token", "accessor", "display_name", "policies", "token_policies",
                                      "identity_policies", "metadata", "entity_id", "token_type", "token_ttl",
                                      "token_issue_time")}
    return recs, caller


def vault_read(label: str, when: datetime, caller: dict, ip: str, path: str) -> list[dict]:
    auth = dict(caller)
    auth["policy_results"] = {"allowed": True, "granting_policies": [{"name": caller["policies"][-1], "namespace_id": "root", "type": "acl"}]}
    return vault_pair(label, when, auth=auth, path=path, operation="read", ip=ip, mount_type="kv", mount_point="secret/",
                      client_token=caller["client_token"], client_token_accessor=caller["accessor"],
                      response={"data": {"data": {"api_key": hmac("value:" + path)},
                                         "metadata": {"created_time": hmac("ctime:" + path), "custom_metadata": None,
                                                      "deletion_time": "", "destroyed": False, "version": 3}}})


def vault_records() -> list[dict]:
    ev: list[dict] = []
    recs, alice_mon = vault_login("alice", "alice:2026-11-09", t("2026-11-09T13:58:40.118402Z"), "203.0.113.10", ["qlab-researcher"])
    ev += recs
    ev += vault_read("alice:read:2026-11-09", t("2026-11-09T14:01:12.530117Z"), alice_mon, "203.0.113.10",
                     "secret/data/braket/ionq-api-key")
    # Story 4: alice's token of the day, issued in Boston at 13:05 and used there all
    # morning...
    recs, alice = vault_login("alice", "alice:2026-11-10", t("2026-11-10T13:05:12.409231Z"), "203.0.113.10", ["qlab-researcher"])
    ev += recs
    for i, (s_, path) in enumerate([("2026-11-10T13:06:40.882014Z", "secret/data/braket/ionq-api-key"),
                                    ("2026-11-10T13:41:07.310552Z", "secret/data/braket/rigetti-api-key"),
                                    ("2026-11-10T14:12:55.004871Z", "secret/data/braket/ionq-api-key")]):
        ev += vault_read(f"alice:read:2026-11-10:{i}", t(s_), alice, "203.0.113.10", path)
    # ...is replayed from São Paulo at 14:47, while still valid (same accessor, new country)...
    for i, (s_, path) in enumerate([("2026-11-10T14:47:10.551203Z", "secret/data/braket/ionq-api-key"),
                                    ("2026-11-10T14:47:14.902617Z", "secret/data/qlab/postgres-admin"),
                                    ("2026-11-10T14:47:19.118830Z", "secret/data/qlab/okta-api-token")]):
        ev += vault_read(f"attacker:read:{i}", t(s_), alice, ATTACKER, path)
    # ...is revoked by erin (SOC) by its accessor at 14:58...
    recs, erin = vault_login("erin", "erin:2026-11-10", t("2026-11-10T14:56:30.004518Z"), "203.0.113.10", ["qlab-admin"])
    ev += recs
    erin_auth = dict(erin)
    erin_auth["policy_results"] = {"allowed": True, "granting_policies": [{"name": "qlab-admin", "namespace_id": "root", "type": "acl"}]}
    ev += vault_pair("erin:revoke-alice", t("2026-11-10T14:58:02.771930Z"), auth=erin_auth,
                     path="auth/token/revoke-accessor", operation="update", ip="203.0.113.10", mount_type="token",
                     mount_point="auth/token/", client_token=erin["client_token"], client_token_accessor=erin["accessor"],
                     data={"accessor": alice["accessor"]}, response={}, duration_ms=9)
    # ...and presented again from São Paulo at 15:03. Vault no longer knows the token, so
    # the audit entries carry its HMAC'd client_token but no accessor, no policies, no name.
    for i, (path, op) in enumerate([("secret/data/braket/ionq-api-key", "read"), ("secret/metadata/prod", "list")]):
        when = t("2026-11-10T15:03:27.120448Z") + timedelta(seconds=2 * i, microseconds=3301 * i)
        ev += vault_pair(f"attacker:{i}", when, auth={"token_type": "default"}, path=path, operation=op, ip=ATTACKER,
                         mount_type=None, mount_point=None, client_token=alice["client_token"],
                         error="permission denied", duration_ms=1)
    ev.sort(key=lambda r: (r["time"], r["type"] == "response"))
    return ev


# --- Entra ID (Azure Monitor diagnostic records) ----------------------------------------------

TENANT = "4d6f1b2a-9c3e-4f70-8a1b-2c3d4e5f6a7b"


def entra_user_id(name: str) -> str:
    return uid("entra-user:" + name)


def entra_signin(name: str, when: datetime, ip: str, browser: str, *, mfa: bool) -> dict:
    p = place_of(ip)
    corr = uid(f"entra-corr:{name}:{iso_s(when)}")
    props = {
        "id": uid(f"entra-signin:{name}:{iso_s(when)}"),
        "createdDateTime": iso_7(when),
        "userDisplayName": PEOPLE[name][0],
        "userPrincipalName": email(name),
        "userId": entra_user_id(name),
        "userType": "Member",
        "appId": "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",
        "appDisplayName": "Azure Portal",
        "ipAddress": ip,
        "autonomousSystemNumber": p["asn"],
        "clientAppUsed": "Browser",
        "userAgent": BROWSERS[browser][0],
        "correlationId": corr,
        "conditionalAccessStatus": "success" if mfa else "notApplied",
        "isInteractive": True,
        "authenticationRequirement": "multiFactorAuthentication" if mfa else "singleFactorAuthentication",
        "tokenIssuerType": "AzureAD",
        "authenticationProtocol": "none",
        "sessionId": uid(f"entra-session:{name}:{iso_s(when)}"),
        "uniqueTokenIdentifier": b62(f"entra-uti:{name}:{iso_s(when)}", 22),
        "deviceDetail": {"deviceId": "", "operatingSystem": "MacOs", "browser": "Chrome 130.0.0"},
        "location": {"city": p["city"], "state": p["subdivision"], "countryOrRegion": p["country"],
                     "geoCoordinates": {"latitude": p["lat"], "longitude": p["lon"]}},
        "riskDetail": "none", "riskLevelAggregated": "none", "riskLevelDuringSignIn": "none", "riskState": "none",
        "riskEventTypes_v2": [],
        "resourceDisplayName": "Windows Azure Service Management API",
        "resourceId": "797f4846-ba00-4fd7-ba43-dac1f8f63013",
        "status": {"errorCode": 0, "additionalDetails": "MFA completed in Azure AD" if mfa else "MFA requirement skipped due to exclusion from policy"},
    }
    if mfa:
        props["mfaDetail"] = {"authMethod": "Mobile app notification", "authDetail": None}
        props["authenticationDetails"] = [
            {"authenticationStepDateTime": iso_s(when - timedelta(seconds=9)), "authenticationMethod": "Password", "succeeded": True},
            {"authenticationStepDateTime": iso_s(when - timedelta(seconds=1)), "authenticationMethod": "Mobile app notification", "succeeded": True}]
    else:
        props["authenticationDetails"] = [
            {"authenticationStepDateTime": iso_s(when - timedelta(seconds=2)), "authenticationMethod": "Password", "succeeded": True}]
    return {"time": iso_7(when + timedelta(seconds=95)), "resourceId": f"/tenants/{TENANT}/providers/Microsoft.aadiam",
            "operationName": "Sign-in activity", "operationVersion": "1.0", "category": "SignInLogs", "tenantId": TENANT,
            "resultType": "0", "resultSignature": "None", "durationMs": 0, "callerIpAddress": ip,
            "correlationId": corr, "identity": PEOPLE[name][0], "Level": 4, "location": p["country"], "properties": props}


def entra_role_assignment(actor: str, target: str, role: str, template_id: str, when: datetime, ip: str) -> dict:
    corr = uid(f"entra-audit:{actor}:{target}:{iso_s(when)}")
    role_id = uid("entra-role:" + role)
    props = {
        "id": f"Directory_{corr}_{b62('audit-id:' + corr, 5).upper()}_{36}",
        "category": "RoleManagement",
        "correlationId": corr,
        "result": "success",
        "resultReason": "",
        "activityDisplayName": "Add member to role",
        "activityDateTime": iso_7(when),
        "loggedByService": "Core Directory",
        "operationType": "Assign",
        "initiatedBy": {"user": {"id": entra_user_id(actor), "displayName": None, "userPrincipalName": email(actor),
                                 "ipAddress": ip, "roles": []}},
        "targetResources": [
            {"id": entra_user_id(target), "displayName": None, "type": "User", "userPrincipalName": email(target),
             "groupType": None, "modifiedProperties": [
                 {"displayName": "Role.ObjectID", "oldValue": None, "newValue": json.dumps(role_id)},
                 {"displayName": "Role.DisplayName", "oldValue": None, "newValue": json.dumps(role)},
                 {"displayName": "Role.TemplateId", "oldValue": None, "newValue": json.dumps(template_id)},
                 {"displayName": "Role.WellKnownObjectName", "oldValue": None, "newValue": json.dumps("TenantAdmins")}]},
            {"id": role_id, "displayName": None, "type": "Role", "userPrincipalName": None, "groupType": None,
             "modifiedProperties": []}],
        "additionalDetails": [{"key": "User-Agent", "value": BROWSERS[PEOPLE[actor][2]][0]}],
    }
    return {"time": iso_7(when + timedelta(seconds=3)), "resourceId": f"/tenants/{TENANT}/providers/Microsoft.aadiam",
            "operationName": "Add member to role", "operationVersion": "1.0", "category": "AuditLogs", "tenantId": TENANT,
            "resultSignature": "None", "durationMs": 0, "callerIpAddress": ip, "correlationId": corr,
            "identity": PEOPLE[actor][0], "Level": 4, "properties": props}


def entra_records() -> list[dict]:
    ev = [entra_signin("erin", t(s), "203.0.113.10", "mac-chrome", mfa=True)
          for s in ["2026-11-02T13:33:41.221Z", "2026-11-04T13:31:02.870Z", "2026-11-09T13:32:55.416Z"]]
    # Story 6 (Entra side): password-only sign-in from home, then Global Administrator for frank.
    ev.append(entra_signin("erin", t("2026-11-16T13:52:10.377Z"), ERIN_HOME, "mac-chrome", mfa=False))
    ev.append(entra_role_assignment("erin", "frank", "Global Administrator", "62e90394-69f5-4237-9190-012177145e10",
                                    t("2026-11-16T13:55:42.615Z"), ERIN_HOME))
    ev.sort(key=lambda r: r["time"])
    return ev


# --- qtrail job-event webhook (queue hogging) -----------------------------------------------------

def webhook_records() -> list[dict]:
    """Friday 2026-11-13 on the shared IQM Garnet behind qlab's scheduler: dave's batch of
    long jobs takes most of the day's QPU time while everyone else waits in the queue."""
    ev: list[dict] = []
    base = {"schema": "qtrail.job_event/v1"}
    jobs = [  # user, submit time, QPU seconds, shots, src ip
        ("dave", "2026-11-13T07:02:11Z", 1380.0, 20000, DAVE_VM),
        ("dave", "2026-11-13T07:03:05Z", 1425.5, 20000, DAVE_VM),
        ("dave", "2026-11-13T07:03:52Z", 1290.0, 20000, DAVE_VM),
        ("bob", "2026-11-13T07:10:12Z", 185.2, 4000, "203.0.113.10"),
        ("dave", "2026-11-13T09:15:40Z", 1510.8, 20000, DAVE_VM),
        ("grace", "2026-11-13T09:24:03Z", 240.0, 5000, "203.0.113.45"),
        ("dave", "2026-11-13T09:22:30Z", 1405.0, 20000, DAVE_VM),
        ("carol", "2026-11-13T09:31:47Z", 312.4, 8000, "203.0.113.45"),
        ("dave", "2026-11-13T10:05:12Z", 1350.2, 20000, DAVE_VM),
        ("frank", "2026-11-13T13:35:55Z", 276.0, 6000, "203.0.113.70"),
        ("dave", "2026-11-13T13:31:20Z", 1468.0, 20000, DAVE_VM),
        ("bob", "2026-11-13T14:52:09Z", 198.7, 4000, "203.0.113.10"),
        ("dave", "2026-11-13T14:50:00Z", 1322.6, 20000, DAVE_VM),
        ("grace", "2026-11-13T15:14:31Z", 222.5, 5000, "203.0.113.45"),
        ("dave", "2026-11-13T15:12:44Z", 1444.4, 20000, DAVE_VM),
        ("carol", "2026-11-13T15:20:18Z", 290.0, 8000, "203.0.113.45"),
        ("dave", "2026-11-13T17:30:02Z", 1399.9, 20000, DAVE_VM),
        ("frank", "2026-11-13T17:35:40Z", 258.1, 6000, "203.0.113.70"),
    ]
    # One device, first come first served: a job starts when the one before it is done
    # (plus 30 s of calibration check), so every job queued behind dave's waits for them.
    jobs.sort(key=lambda j: j[1])
    free = t(jobs[0][1])
    schedule = []
    for name, s, qpu, shots, ip in jobs:
        submit = t(s)
        start = max(submit + timedelta(seconds=12), free)
        schedule.append((name, s, qpu, (start - submit).total_seconds(), shots, ip))
        free = start + timedelta(seconds=qpu + 30)
    agents = {
        "dave": "qiskit-iqm/15.6 qiskit/1.2.4 python/3.12.7 qlab-batch/0.4.1",
        "bob": "qiskit-iqm/15.6 qiskit/1.2.4 python/3.12.7 ipykernel/6.29.5",
        "carol": "cirq-iqm/14.1 cirq/1.4.1 python/3.11.10 ipykernel/6.29.5",
        "frank": "qiskit-iqm/15.6 qiskit/1.2.4 python/3.12.7",
        "grace": "iqm-client/20.8 python/3.12.7 ipykernel/6.29.5",
    }
    for n, (name, s, qpu, queue, shots, ip) in enumerate(schedule):
        submit = t(s)
        job = f"iqm-{uid('job:' + s + name)[:8]}"
        common = {"user": email(name), "user_kind": "human", "project": "qlab-shared", "provider": "iqm",
                  "backend": "iqm-garnet", "hardware": "qpu", "job_id": job}
        ev.append({**base, "id": uid(f"wh:{n}:submit"), "time": iso_s(submit), "action": "submit",
                   **{"user": email(name), "user_id": okta_id(name), "user_kind": "human",
                      "token_id": "qfp:" + hexid("scheduler-key:" + name, 24), "roles": ["researcher"],
                      "src_ip": ip, "user_agent": agents[name]},
                   **{k: v for k, v in common.items() if k not in ("user", "user_kind")}, "shots": shots,
                   "request_id": "req-" + hexid(f"wh-req:{n}", 12)})
        done = submit + timedelta(seconds=queue + qpu)
        ev.append({**base, "id": uid(f"wh:{n}:complete"), "time": iso_ms(done).replace(".000Z", "Z"), "action": "complete",
                   "status": "completed", **common, "shots": shots, "qpu_seconds": qpu, "queue_seconds": queue,
                   "message": f"{job} finished: {shots} shots on iqm-garnet"})
    ev.sort(key=lambda r: r["time"])
    return ev


# --- Azure Quantum job records (normal daytime activity) -----------------------------------------

def azure_quantum_records() -> list[dict]:
    ws = "https://qlabquantumstore.blob.core.windows.net"

    def job(name, target, provider, status, created, begin, end, shots, cost=None, error=None, fmt="ionq.circuit.v1"):
        jid = uid("azq:" + name)
        sas = "?sv=2023-11-03&sr=c&sig=PLACEHOLDER&se=2026-12-11T00%3A00%3A00Z&sp=rcwl"
        return {
            "id": jid, "name": name, "itemType": "Job", "jobType": "QuantumComputing",
            "containerUri": f"{ws}/job-{jid}{sas}",
            "inputDataUri": f"{ws}/job-{jid}/inputData{sas.replace('sr=c', 'sr=b').replace('sp=rcwl', 'sp=r')}",
            "inputDataFormat": fmt, "inputParams": {"shots": shots},
            "providerId": provider, "target": target, "metadata": {"qiskit": "True", "name": name},
            "sessionId": None, "jobPriority": "Basic", "status": status,
            "outputDataFormat": "microsoft.quantum-results.v2",
            "outputDataUri": f"{ws}/job-{jid}/outputData{sas.replace('sr=c', 'sr=b').replace('sp=rcwl', 'sp=r')}",
            "creationTime": created, "beginExecutionTime": begin, "endExecutionTime": end, "cancellationTime": None,
            "lastModifiedTime": end or created,
            "costEstimate": None if cost is None else {"currencyCode": "USD", "estimatedTotal": cost, "events": []},
            "errorData": error, "isCancelling": False, "tags": ["qlab"], "quantumComputingData": {"count": 1},
        }

    return [
        job("h2-vqe-aria", "ionq.qpu.aria-1", "ionq", "Succeeded", "2026-11-11T13:02:11Z", "2026-11-11T13:40:05Z",
            "2026-11-11T13:41:12.500Z", 1000, cost=81.2),
        job("ghz-20-sim", "ionq.simulator", "ionq", "Succeeded", "2026-11-11T13:05:30Z", "2026-11-11T13:05:33Z",
            "2026-11-11T13:05:35.100Z", 1000, cost=0.0),
        job("qaoa-maxcut-12", "quantinuum.qpu.h2-1", "quantinuum", "Succeeded", "2026-11-11T14:10:00Z",
            "2026-11-11T15:02:41Z", "2026-11-11T15:06:20Z", 200, cost=312.0, fmt="honeywell.qasm.v1"),
        job("qpe-ankaa", "rigetti.qpu.ankaa-3", "rigetti", "Failed", "2026-11-11T16:20:00Z", None, None, 500,
            error={"code": "InvalidInputData", "message": "Gate 'cswap' is not in the native gate set of Ankaa-3."},
            fmt="rigetti.quil.v1"),
    ]


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    write_jsonl("okta.jsonl", okta_records())
    recs = cloudtrail_records()
    path = OUT / "cloudtrail.json"  # a trail file: one {"Records": [...]} object
    path.write_text("{\"Records\": [\n" + ",\n".join(json.dumps(r) for r in recs) + "\n]}\n", encoding="utf-8")
    print(f"wrote {path.relative_to(REPO)} ({len(recs)} records)")
    write_jsonl("vault.jsonl", vault_records())
    write_jsonl("entra.jsonl", entra_records())
    write_jsonl("webhook.jsonl", webhook_records())
    write_jsonl("azure_quantum.jsonl", azure_quantum_records())
    return 0


if __name__ == "__main__":
    sys.exit(main())
