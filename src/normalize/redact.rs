//! Secrets never reach storage: bearer tokens, API keys, passwords, SAS signatures
//! and the like are replaced by a keyed fingerprint before anything is written.
//!
//! The fingerprint is `qfp:` and the first 96 bits of HMAC-SHA256 under the
//! installation's key, so the same token is recognisable across events (what
//! else did this token do?) without being recoverable. Vault's own `hmac-sha256:`
//! values are already safe and stay as they are.

use std::sync::LazyLock;

use super::json::prelude::*;
use super::json::{self, to_json};
use aho_corasick::AhoCorasick;
use hmac::{Hmac, Mac};
use regex::{Captures, Regex};
use sha2::Sha256;

/// Prefix of every fingerprint qtrail writes.
pub const FINGERPRINT_PREFIX: &str = "qfp:";

/// Replaces secrets by keyed fingerprints.
#[derive(Clone)]
pub struct Redactor {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Redactor { key: <hidden> }")
    }
}

/// Whether an object key (lower-case, `-` and `_` removed) names a credential.
/// A `match` compiles to a dispatch on length, not thirty string comparisons: this
/// runs for every key of every record.
fn is_secret_name(k: &[u8]) -> bool {
    matches!(
        k,
        b"authorization"
            | b"proxyauthorization"
            | b"cookie"
            | b"setcookie"
            | b"xapikey"
            | b"apikey"
            | b"apitoken"
            | b"clientsecret"
            | b"secret"
            | b"secretstring"
            | b"secretbinary"
            | b"secretvalue"
            | b"password"
            | b"passwd"
            | b"passphrase"
            | b"privatekey"
            | b"secretaccesskey"
            | b"sastoken"
            | b"sharedaccesssignature"
            | b"connectionstring"
            | b"credential"
            | b"assertion"
            | b"samlassertion"
            | b"samlresponse"
            | b"otp"
            | b"passcode"
            | b"tokencode"
            | b"passworddata"
            | b"tokenvalue"
            | b"privatekeydata"
            | b"keymaterial"
            | b"plaintext"
    )
}

/// Key endings that mark a credential (`sessionToken`, `client_secret`, `adminPassword`).
const SECRET_KEY_SUFFIXES: &[&[u8]] = &[b"token", b"secret", b"password", b"apikey", b"secretkey"];

/// Key endings that look like a credential but name metadata about one.
const NOT_SECRET_SUFFIXES: &[&[u8]] = &[
    b"tokentype",
    b"tokenid",
    b"tokenpolicies",
    b"tokenttl",
    b"tokenissuetime",
];

/// The shortest text [`INLINE`] can match without an `=` (`xoxb-` and ten more).
const SHORTEST_INLINE_WITHOUT_EQUALS: usize = 15;

/// Secrets inside free text: `Bearer x`, URL parameters, JWTs, well-known token shapes.
static INLINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)(?P<scheme>\b(?:bearer|ssws)\s+)(?P<v1>[A-Za-z0-9._~+/=-]{16,})",
        r#"|(?P<param>[?&;](?:sig|signature|x-amz-signature|[a-z_-]*token|id_token_hint|api_key|apikey|key|client_secret|password|code|assertion)=)(?P<v2>[^&#\s"']+)"#,
        r"|(?P<jwt>\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*)",
        r"|(?P<shaped>\b(?:gh[pousr]_[A-Za-z0-9]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35}|hvs\.[A-Za-z0-9_-]{20,}|sk-[A-Za-z0-9_-]{20,}))",
        r"|(?P<pem>-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$))",
    ))
    .expect("inline secret pattern compiles")
});

/// A literal that every [`INLINE`] match starts with (ignoring case): text with none
/// of them skips the regex, which cannot use a prefilter of its own for a
/// case-insensitive pattern with this many branches.
static INLINE_START: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build([
            "bearer",
            "ssws",
            "?",
            "&",
            ";",
            "eyj",
            "ghp_",
            "gho_",
            "ghu_",
            "ghs_",
            "ghr_",
            "xox",
            "aiza",
            "hvs.",
            "sk-",
            "-----begin",
        ])
        .expect("literals build an automaton")
});

/// In text that is not valid JSON (quarantined records), `"password": "..."` pairs too.
static JSON_PAIR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)(?P<k>"[A-Za-z_-]*(?:token|secret|password|passwd|api_?key|authorization|cookie|credential)"\s*:\s*")(?P<v>[^"]{4,})"#,
    )
    .expect("json pair pattern compiles")
});

impl Redactor {
    /// A redactor keyed with the installation's key.
    pub fn new(key: &[u8]) -> Self {
        Redactor {
            mac: Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length"),
        }
    }

    /// The keyed fingerprint of a secret: `qfp:` and 24 hex digits.
    pub fn fingerprint(&self, secret: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(secret.as_bytes());
        let digest = mac.finalize().into_bytes();
        format!("{FINGERPRINT_PREFIX}{}", hex::encode(&digest[..12]))
    }

    /// Replaces every secret in a parsed record; returns whether anything changed.
    pub fn scrub(&self, value: &mut Value) -> bool {
        match value {
            Value::Object(map) => {
                let mut changed = false;
                for (k, v) in map.iter_mut() {
                    if let Value::String(s) = v
                        && is_secret_key(k)
                        && !is_safe(s)
                    {
                        *s = self.secret_value(s).into();
                        changed = true;
                    } else {
                        changed |= self.scrub(v);
                    }
                }
                changed
            }
            Value::Array(items) => items.iter_mut().fold(false, |c, v| self.scrub(v) | c),
            Value::String(s) => {
                // JSON inside a string (Azure Activity's requestbody): scrub its keys too.
                let mut scratch = Vec::new();
                if s.len() > 2
                    && (s.starts_with('{') || s.starts_with('['))
                    && let Ok(mut inner) = json::parse(s, &mut scratch)
                {
                    if self.scrub(&mut inner) {
                        *s = to_json(&inner).into();
                        return true;
                    }
                    return false;
                }
                match self.scrub_text(s) {
                    Some(clean) => {
                        *s = clean.into();
                        true
                    }
                    None => false,
                }
            }
            _ => false,
        }
    }

    /// Fingerprints every string below `value`: for parts of a record that hold
    /// secret values under arbitrary names (Vault's `response.data` with `log_raw`).
    pub fn scrub_all(&self, value: &mut Value) -> bool {
        match value {
            Value::String(s) if !is_safe(s) => {
                *s = self.fingerprint(s).into();
                true
            }
            Value::Object(map) => map.values_mut().fold(false, |c, v| self.scrub_all(v) | c),
            Value::Array(items) => items.iter_mut().fold(false, |c, v| self.scrub_all(v) | c),
            _ => false,
        }
    }

    /// Replaces secrets inside free text; `None` when there were none.
    pub fn scrub_text(&self, text: &str) -> Option<String> {
        // Most values are short words and ids: skip the regex when it cannot match.
        if (text.len() < SHORTEST_INLINE_WITHOUT_EQUALS && !text.contains('='))
            || !INLINE_START.is_match(text)
            || !INLINE.is_match(text)
        {
            return None;
        }
        let out = INLINE.replace_all(text, |c: &Captures| {
            if let (Some(scheme), Some(v)) = (c.name("scheme"), c.name("v1")) {
                if is_safe(v.as_str()) {
                    return c[0].to_string();
                }
                format!("{}{}", scheme.as_str(), self.fingerprint(v.as_str()))
            } else if let (Some(param), Some(v)) = (c.name("param"), c.name("v2")) {
                if is_safe(v.as_str()) || v.as_str().eq_ignore_ascii_case("placeholder") {
                    return c[0].to_string();
                }
                format!("{}{}", param.as_str(), self.fingerprint(v.as_str()))
            } else {
                self.fingerprint(&c[0])
            }
        });
        (out != text).then(|| out.into_owned())
    }

    /// Scrubs raw bytes that could not be parsed, for quarantine: inline secrets and
    /// `"password": "..."` pairs. Invalid UTF-8 is kept byte for byte around them.
    pub fn scrub_bytes(&self, bytes: &[u8]) -> Vec<u8> {
        match std::str::from_utf8(bytes) {
            Ok(text) => {
                let once = self.scrub_text(text).unwrap_or_else(|| text.to_string());
                let twice = JSON_PAIR.replace_all(&once, |c: &Captures| {
                    if is_safe(&c["v"]) {
                        c[0].to_string()
                    } else {
                        format!("{}{}", &c["k"], self.fingerprint(&c["v"]))
                    }
                });
                twice.into_owned().into_bytes()
            }
            // Invalid UTF-8: scrub each valid run separately and keep the bad bytes.
            Err(_) => {
                let mut out = Vec::with_capacity(bytes.len());
                for chunk in bytes.utf8_chunks() {
                    out.extend(self.scrub_bytes(chunk.valid().as_bytes()));
                    out.extend_from_slice(chunk.invalid());
                }
                out
            }
        }
    }

    fn secret_value(&self, s: &str) -> String {
        // Keep the scheme of an Authorization header: it tells Basic from Bearer.
        match s.split_once(' ') {
            Some((scheme, rest))
                if scheme.len() <= 12
                    && !rest.is_empty()
                    && scheme.chars().all(|c| c.is_ascii_alphabetic()) =>
            {
                format!("{scheme} {}", self.fingerprint(rest))
            }
            _ => self.fingerprint(s),
        }
    }
}

/// Values that need no fingerprint: already one, Vault's HMAC, empty or redacted markers.
fn is_safe(s: &str) -> bool {
    s.starts_with(FINGERPRINT_PREFIX)
        || s.starts_with("hmac-sha256:")
        || s.len() < 4
        || matches!(
            s.to_ascii_lowercase().as_str(),
            "redacted"
                | "<redacted>"
                | "***"
                | "****"
                | "null"
                | "none"
                | "true"
                | "false"
                | "hidden"
                | "placeholder"
        )
        || s.chars().all(|c| c == '*' || c == 'x' || c == 'X')
}

fn is_secret_key(key: &str) -> bool {
    // Lower-case with `-` and `_` removed, in a stack buffer: this runs for every key
    // of every record.
    let mut buf = [0u8; 48];
    let mut n = 0;
    for b in key.bytes().filter(|b| *b != b'_' && *b != b'-') {
        if n == buf.len() {
            return false;
        }
        buf[n] = b.to_ascii_lowercase();
        n += 1;
    }
    // Compared as bytes: the names are ASCII, so no UTF-8 check is needed.
    let k = &buf[..n];
    if is_secret_name(k) {
        return true;
    }
    // Every secret suffix ends in one of these letters.
    matches!(k.last(), Some(b'n' | b't' | b'd' | b'y'))
        && SECRET_KEY_SUFFIXES.iter().any(|s| k.ends_with(s))
        && !NOT_SECRET_SUFFIXES.iter().any(|s| k.ends_with(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::json::from_serde;
    use serde_json::json;

    fn r() -> Redactor {
        Redactor::new(b"test key")
    }

    #[test]
    fn the_shortcut_for_short_values_skips_no_secret_shape() {
        // The shortest text of each shape the inline pattern knows, and the same
        // shape one character shorter, which it must not know.
        let shortest = [
            ("Bearer ", "abcdefghijklmnop"),
            ("", "eyJabcde.eyJabcde."),
            ("ghp_", "abcdefghijklmnopqrst"),
            ("xoxb-", "0123456789"),
            ("AIza", "0123456789abcdefghijklmnopqrstuvwxy"),
            ("hvs.", "abcdefghijklmnopqrst"),
            ("sk-", "abcdefghijklmnopqrst"),
            ("", "-----BEGIN PRIVATE KEY-----"),
        ];
        for (prefix, body) in shortest {
            let text = format!("{prefix}{body}");
            assert!(INLINE.is_match(&text), "{text}");
            assert!(r().scrub_text(&text).is_some(), "{text}");
            assert!(text.len() >= SHORTEST_INLINE_WITHOUT_EQUALS, "{text}");
            let cut = format!("{prefix}{}", &body[..body.len() - 1]);
            let cut = cut.trim_end_matches('.');
            if !cut.contains("BEGIN") {
                assert!(!INLINE.is_match(cut), "{cut} should be too short");
            }
        }
        // A URL parameter is short but has `=`.
        assert!(r().scrub_text("?code=abcd").is_some());
    }

    #[test]
    fn header_tokens_become_fingerprints_that_keep_the_scheme() {
        let mut v = from_serde(json!({"headers": {"Authorization": "Bearer abcdefghijklmnop"}}));
        assert!(r().scrub(&mut v));
        let got = v["headers"]["Authorization"].as_str().unwrap();
        assert_eq!(
            got,
            format!("Bearer {}", r().fingerprint("abcdefghijklmnop"))
        );
    }

    #[test]
    fn same_secret_same_fingerprint_other_key_other_fingerprint() {
        assert_eq!(r().fingerprint("s3cr3t"), r().fingerprint("s3cr3t"));
        assert_ne!(
            r().fingerprint("s3cr3t"),
            Redactor::new(b"other").fingerprint("s3cr3t")
        );
        assert_ne!(r().fingerprint("s3cr3t"), r().fingerprint("s3cr3u"));
    }

    #[test]
    fn json_inside_strings_and_whole_subtrees() {
        let mut v = from_serde(
            json!({"properties": {"requestbody": "{\"parameters\":{\"adminPassword\":\"Pa55word!x\"}}"}}),
        );
        assert!(r().scrub(&mut v));
        let text = to_json(&v);
        assert!(!text.contains("Pa55word"), "{text}");
        assert!(text.contains("adminPassword"), "{text}");
        let mut data =
            from_serde(json!({"data": {"api": "plain-value", "n": 3, "h": "hmac-sha256:ab"}}));
        assert!(r().scrub_all(&mut data));
        assert_eq!(
            data["data"]["api"].as_str(),
            Some(r().fingerprint("plain-value").as_str())
        );
        assert_eq!(data["data"]["h"].as_str(), Some("hmac-sha256:ab"));
        assert_eq!(data["data"]["n"].as_i64(), Some(3));
    }

    #[test]
    fn a_saml_assertion_and_an_mfa_code_in_request_parameters_are_secrets() {
        // STS AssumeRoleWithSAML and GetSessionToken name them so: a one-time code is
        // short-lived but still a credential, and an assertion is a bearer token.
        let mut v = from_serde(json!({"requestParameters": {
            "sAMLAssertion": "PHNhbWxwOlJlc3BvbnNlIHhtbG5z", "tokenCode": "123456",
            "serialNumber": "arn:aws:iam::111122223333:mfa/alice"}}));
        assert!(r().scrub(&mut v));
        let text = to_json(&v);
        assert!(
            !text.contains("PHNhbWxwOlJlc3BvbnNlIHhtbG5z") && !text.contains("123456"),
            "{text}"
        );
        assert!(
            text.contains("arn:aws:iam::111122223333:mfa/alice"),
            "{text}"
        );
    }

    #[test]
    fn vault_hmac_values_and_metadata_stay() {
        let mut v = from_serde(
            json!({"auth": {"client_token": "hmac-sha256:abc", "token_type": "service", "accessor": "hmac-sha256:def"}}),
        );
        let before = v.clone();
        assert!(!r().scrub(&mut v));
        assert_eq!(v, before);
    }

    #[test]
    fn sas_signatures_and_url_tokens_are_replaced_in_place() {
        let mut v = from_serde(
            json!({"uri": "https://x.blob.core.windows.net/c?sv=2020&sig=AbCdEf123%2B&se=2050"}),
        );
        assert!(r().scrub(&mut v));
        let s = v["uri"].as_str().unwrap();
        assert!(!s.contains("AbCdEf123"), "{s}");
        assert!(
            s.starts_with("https://x.blob.core.windows.net/c?sv=2020&sig=qfp:"),
            "{s}"
        );
        assert!(s.ends_with("&se=2050"), "{s}");
        let mut placeholder = from_serde(json!({"uri": "https://x/c?sig=PLACEHOLDER"}));
        assert!(!r().scrub(&mut placeholder));
    }

    #[test]
    fn jwts_and_known_token_shapes_in_free_text() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";
        let clean = r()
            .scrub_text(&format!(
                "used {jwt} and ghp_abcdefghijklmnopqrstuvwxyz0123"
            ))
            .unwrap();
        assert!(
            !clean.contains("eyJzdWIi") && !clean.contains("ghp_abc"),
            "{clean}"
        );
    }

    #[test]
    fn unparseable_bytes_lose_their_secrets_but_keep_the_rest() {
        let bad = b"{\"user\": \"bob\", \"password\": \"hunter22\", \xff broken";
        let out = r().scrub_bytes(bad);
        let text = String::from_utf8_lossy(&out);
        assert!(!text.contains("hunter22"), "{text}");
        assert!(text.contains("\"user\": \"bob\""));
        assert!(out.contains(&0xff));
    }
}
