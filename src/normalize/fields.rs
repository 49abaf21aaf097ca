//! Helpers every format uses to read a parsed JSON record: paths, strings, numbers,
//! timestamps, and the client kind from a user agent.

use std::sync::LazyLock;

use super::json::prelude::*;
use super::json::{Object, is_number, to_json};
use aho_corasick::AhoCorasick;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

use super::NormalizeError;
use crate::vocab::Client;

/// Looks up a dotted path (`actor.alternateId`, `items.0.id`: a number picks an
/// array's item). A key that is missing is retried case-insensitively, because some
/// pipelines lower-case keys on the way; among several such keys the first in byte
/// order wins, whatever the record's key order.
pub fn get<'a>(v: &'a Value<'a>, path: &str) -> Option<&'a Value<'a>> {
    let mut cur = v;
    let mut rest = path;
    loop {
        // Paths are short: a byte scan beats the general string searcher here.
        let (key, tail) = match rest.bytes().position(|b| b == b'.') {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        cur = match cur {
            Value::Array(items) => items.get(key.parse::<usize>().ok()?)?,
            _ => lookup(cur.as_object()?, key)?,
        };
        match tail {
            Some(t) => rest = t,
            None => break,
        }
    }
    if cur.is_null() { None } else { Some(cur) }
}

/// The value under `key`, or else under the first key (in byte order) that equals it
/// ignoring ASCII case. Small objects (simd-json keeps up to 32 keys in a vector)
/// are searched in one pass that does both; larger ones are hashed first.
fn lookup<'a>(obj: &'a Object<'a>, key: &str) -> Option<&'a Value<'a>> {
    if obj.len() > 32 {
        return obj.get(key).or_else(|| get_ignoring_case(obj, key));
    }
    let mut folded: Option<(&str, &'a Value<'a>)> = None;
    for (k, v) in obj.iter() {
        if k.len() != key.len() {
            continue;
        }
        if k == key {
            return Some(v);
        }
        if k.eq_ignore_ascii_case(key) && folded.is_none_or(|(f, _)| k.as_ref() < f) {
            folded = Some((k, v));
        }
    }
    folded.map(|(_, v)| v)
}

/// The value under the key that equals `name` ignoring ASCII case; among several,
/// the first in byte order, whatever the record's key order (for names whose case
/// carries no meaning, such as HTTP headers and Log Analytics columns).
pub fn get_ignoring_case<'a>(obj: &'a Object<'a>, name: &str) -> Option<&'a Value<'a>> {
    obj.iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case(name))
        .min_by(|a, b| a.0.cmp(b.0))
        .map(|(_, v)| v)
}

/// A non-empty string at `path`; numbers and booleans are rendered as text.
pub fn text(v: &Value, path: &str) -> Option<String> {
    match get(v, path)? {
        Value::String(s) => present(s),
        Value::Static(StaticNode::Bool(b)) => Some(b.to_string()),
        n if is_number(n) => Some(to_json(n)),
        _ => None,
    }
}

/// A string's text, trimmed, unless it is blank or says it is absent.
fn present(s: &str) -> Option<String> {
    let t = s.trim();
    // Azure writes an absent value as "<null>".
    if t.is_empty() || t.eq_ignore_ascii_case("null") || t == "<null>" {
        None
    } else {
        Some(t.to_string())
    }
}

/// The strings of a list, or a lone string as a list of one (policy `Action`,
/// role `actions`); blank and absent ones are skipped.
pub fn strings(v: &Value) -> Vec<String> {
    match v.as_array() {
        Some(items) => items.iter().filter_map(|i| present(i.as_str()?)).collect(),
        None => v.as_str().and_then(present).into_iter().collect(),
    }
}

/// The first three items, and how many more there are.
pub fn short_list(items: &[String]) -> String {
    let mut s = items
        .iter()
        .take(3)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > 3 {
        s.push_str(&format!(" +{} more", items.len() - 3));
    }
    s
}

/// The first non-empty string among several paths.
pub fn first_text(v: &Value, paths: &[&str]) -> Option<String> {
    paths.iter().find_map(|p| text(v, p))
}

/// An integer at `path`, accepting numbers and numeric strings.
pub fn int(v: &Value, path: &str) -> Option<i64> {
    match get(v, path)? {
        Value::String(s) => s.trim().parse().ok(),
        n => n.as_i64().or_else(|| n.cast_f64().map(|f| f as i64)),
    }
}

/// A finite float at `path`, accepting numbers and numeric strings. `"NaN"`, `"inf"`
/// and `"1e999"` count as absent: one of them would poison every sum a rule keeps.
pub fn float(v: &Value, path: &str) -> Option<f64> {
    match get(v, path)? {
        Value::String(s) => s.trim().parse().ok(),
        n => n.cast_f64(),
    }
    .filter(|f: &f64| f.is_finite())
}

/// A boolean at `path`, accepting `true`/`false` and `"true"`/`"yes"`/`"no"` strings.
pub fn boolean(v: &Value, path: &str) -> Option<bool> {
    match get(v, path)? {
        Value::Static(StaticNode::Bool(b)) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Some(true),
            "false" | "no" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// A required string field, or an error naming it.
pub fn require_text(v: &Value, path: &str) -> Result<String, NormalizeError> {
    text(v, path).ok_or_else(|| NormalizeError::missing(path))
}

/// A required timestamp field, or an error naming it and what was there.
pub fn require_time(v: &Value, path: &str) -> Result<DateTime<Utc>, NormalizeError> {
    let raw = get(v, path).ok_or_else(|| NormalizeError::missing(path))?;
    parse_time_value(raw).ok_or_else(|| {
        NormalizeError::new(format!("field `{path}` is not a timestamp: {}", short(raw)))
    })
}

/// An optional timestamp field; unparseable values count as absent.
pub fn time(v: &Value, path: &str) -> Option<DateTime<Utc>> {
    get(v, path).and_then(parse_time_value)
}

/// Parses a JSON timestamp: RFC 3339 text, `YYYY-MM-DD HH:MM:SS[.f]` (taken as UTC),
/// or a number of seconds or milliseconds since the epoch.
pub fn parse_time_value(v: &Value) -> Option<DateTime<Utc>> {
    match v {
        Value::String(s) => parse_time(s),
        n if is_number(n) => {
            let f = n.cast_f64()?;
            // Past 1e11 a number can only be milliseconds (1e11 s is the year 5138).
            let micros = if f.abs() >= 1e11 { f * 1e3 } else { f * 1e6 };
            Utc.timestamp_micros(micros as i64).single()
        }
        _ => None,
    }
}

/// Parses a timestamp string in the forms audit logs use.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    // Offsets without a colon (+0000) and other near-RFC-3339 forms.
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f %z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(s, fmt) {
            return Some(t.with_timezone(&Utc));
        }
    }
    // No zone at all: audit logs that omit it mean UTC.
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%m/%d/%Y %I:%M:%S %p",
        "%m/%d/%Y %H:%M:%S",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(t.and_utc());
        }
    }
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return parse_time_value(&Value::from(
            s.parse::<f64>().ok().filter(|f| f.is_finite())?,
        ));
    }
    None
}

/// An address without its port: `1.2.3.4:443` and `[2001:db8::1]:8200` give the IP;
/// a bare IPv6 address, or anything else that is not `host:port`, stays as it is.
pub fn without_port(address: &str) -> String {
    if let Ok(a) = address.parse::<std::net::SocketAddr>() {
        return a.ip().to_string();
    }
    match address.split_once(':') {
        Some((host, port)) if !port.contains(':') && port.bytes().all(|c| c.is_ascii_digit()) => {
            host.to_string()
        }
        _ => address.to_string(),
    }
}

/// Seconds from `a` to `b`, when both are known and `b` is not before `a`.
pub fn seconds_between(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<f64> {
    let d = b? - a?;
    let s = d.num_microseconds()? as f64 / 1e6;
    (s >= 0.0).then_some(s)
}

/// What user agents contain, by the client kind they reveal, most telling first:
/// a notebook calling the SDK is a notebook, a pipeline running the CLI a pipeline.
const CLIENT_MARKERS: &[(Client, &[&str])] = &[
    (
        Client::Notebook,
        &[
            "jupyter",
            "ipykernel",
            "ipython",
            "notebook",
            "colab",
            "sagemaker-studio",
            "databricks",
        ],
    ),
    (
        Client::Pipeline,
        &[
            "github-actions",
            "github actions",
            "gitlab-runner",
            "gitlab-ci",
            "jenkins",
            "terraform",
            "pulumi",
            "buildkite",
            "circleci",
            "azure-pipelines",
            "azuredevops",
            "argocd",
            "spinnaker",
            "cloudformation",
            "ansible",
        ],
    ),
    (
        Client::Cli,
        &[
            "aws-cli",
            "azure-cli",
            "azurecli",
            "google-cloud-sdk",
            "gcloud",
            "vault/",
            "okta-cli",
            "curl/",
            "wget/",
            "httpie",
            "powershell",
            "az.",
            "kubectl",
        ],
    ),
    (
        Client::Console,
        &[
            "console.amazonaws.com",
            "signin.amazonaws.com",
            "aws-internal/3",
            "portal.azure.com",
            "console.cloud.google.com",
        ],
    ),
    (
        Client::Sdk,
        &[
            "boto3",
            "botocore",
            "aws-sdk",
            "qiskit",
            "braket",
            "azure-quantum",
            "azure-sdk",
            "azsdk",
            "google-api",
            "grpc-",
            "python-requests",
            "python/",
            "go-http-client",
            "okhttp",
            "java/",
            "node-fetch",
            "axios",
            "okta-sdk",
            "hashicorp",
            "cirq",
            "pennylane",
        ],
    ),
    (
        Client::Browser,
        &["mozilla/", "chrome/", "safari/", "firefox/", "edg/"],
    ),
];

/// Every marker in one automaton (one pass over the text); the pattern index maps
/// back to its rank in [`CLIENT_MARKERS`].
static CLIENT_MATCHER: LazyLock<(AhoCorasick, Vec<usize>)> = LazyLock::new(|| {
    let mut ranks = Vec::new();
    let mut patterns = Vec::new();
    for (rank, (_, markers)) in CLIENT_MARKERS.iter().enumerate() {
        for m in *markers {
            patterns.push(*m);
            ranks.push(rank);
        }
    }
    let ac = AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(patterns)
        .expect("client markers build an automaton");
    (ac, ranks)
});

/// The kind of client a user-agent string reveals.
pub fn client_from_user_agent(ua: &str) -> Client {
    let (ac, ranks) = &*CLIENT_MATCHER;
    let best = ac
        .find_overlapping_iter(ua)
        .map(|m| ranks[m.pattern().as_usize()])
        .min();
    let ends_with = |suffix: &str| {
        ua.len() >= suffix.len()
            && ua.as_bytes()[ua.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
    };
    let starts_with = |prefix: &str| {
        ua.len() >= prefix.len()
            && ua.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
    };
    match best {
        // Browsers rank below AWS's own services, which say so only in the whole text.
        Some(rank) if CLIENT_MARKERS[rank].0 != Client::Browser => CLIENT_MARKERS[rank].0,
        _ if ends_with(".amazonaws.com")
            || ua.eq_ignore_ascii_case("aws internal")
            || starts_with("aws-internal") =>
        {
            Client::Service
        }
        Some(rank) => CLIENT_MARKERS[rank].0,
        None => Client::Unknown,
    }
}

/// A short rendering of a JSON value for error messages.
pub fn short(v: &Value) -> String {
    let s = to_json(v);
    if s.len() > 80 {
        format!(
            "{}...",
            &s[..s
                .char_indices()
                .take_while(|(i, _)| *i < 77)
                .last()
                .map_or(0, |(i, c)| i + c.len_utf8())]
        )
    } else {
        s
    }
}

/// The segment after `name` in an Azure resource id (`/subscriptions/<id>/...`,
/// `/tenants/<id>/...`, `.../workspaces/<name>`), whatever the case of `name`.
pub fn arm_segment<'a>(resource_id: &'a str, name: &str) -> Option<&'a str> {
    let mut parts = resource_id.split('/');
    parts.find(|p| p.eq_ignore_ascii_case(name))?;
    parts.next().filter(|s| !s.is_empty())
}

/// The ISO 3166-1 alpha-2 code of a country as a source writes it (a code, a name
/// such as "United States", or an alias); unknown text is kept as it is.
pub fn country_code(text: &str) -> String {
    let t = text.trim();
    if t.len() == 2 && t.bytes().all(|b| b.is_ascii_alphabetic()) {
        return t.to_ascii_uppercase();
    }
    let key: String = t
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    key.parse::<celes::Country>()
        .or_else(|_| celes::Country::from_alias(&key))
        .or_else(|_| celes::Country::from_name(&key))
        .map(|c| c.alpha2.to_string())
        .unwrap_or_else(|_| t.to_string())
}

#[cfg(test)]
mod tests {
    use crate::normalize::json::parse_owned;

    #[test]
    fn an_exact_key_wins_and_case_folded_keys_are_chosen_by_byte_order() {
        let v =
            parse_owned(r#"{"callerip":"1","CallerIp":"2","callerIp":"3","x":{"Y":4}}"#).unwrap();
        assert_eq!(text(&v, "callerIp").as_deref(), Some("3"));
        assert_eq!(
            text(&v, "CALLERIP").as_deref(),
            Some("2"),
            "byte order: C < c"
        );
        assert_eq!(int(&v, "X.y"), Some(4));
        assert_eq!(get(&v, "callerIpx"), None);
        // Past 32 keys the object is hashed; the same rules hold.
        let many: Vec<String> = (0..40).map(|i| format!(r#""k{i}":{i}"#)).collect();
        let v = parse_owned(&format!(r#"{{{},"Zed":1,"zed":2}}"#, many.join(","))).unwrap();
        assert_eq!(int(&v, "k39"), Some(39));
        assert_eq!(int(&v, "zed"), Some(2));
        assert_eq!(int(&v, "ZED"), Some(1));
        assert_eq!(int(&v, "K7"), Some(7));
    }

    #[test]
    fn a_number_in_a_path_picks_an_array_item() {
        let v = parse_owned(
            r#"{"locs":["us-east1","europe-west4"],"items":[{"id":"i-1"}],"o":{"0":"zero"}}"#,
        )
        .unwrap();
        assert_eq!(text(&v, "locs.0").as_deref(), Some("us-east1"));
        assert_eq!(text(&v, "locs.1").as_deref(), Some("europe-west4"));
        assert_eq!(text(&v, "items.0.id").as_deref(), Some("i-1"));
        assert_eq!(get(&v, "locs.2"), None);
        assert_eq!(get(&v, "locs.first"), None);
        // In an object, a number is a key like any other.
        assert_eq!(text(&v, "o.0").as_deref(), Some("zero"));
    }

    use super::*;

    #[test]
    fn the_most_telling_client_marker_wins() {
        for (ua, want) in [
            (
                "Python/3.11 ipykernel/6.29 qiskit-ibm-runtime/0.23",
                Client::Notebook,
            ),
            (
                "aws-cli/2.15.0 Python/3.11.6 exec-env/GitHub-Actions-x",
                Client::Pipeline,
            ),
            ("aws-cli/2.15.0 Python/3.11.6 Linux/6.1", Client::Cli),
            ("Boto3/1.34.0 Python/3.11.6 Botocore/1.34.0", Client::Sdk),
            (
                "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0",
                Client::Browser,
            ),
            ("signin.amazonaws.com", Client::Console),
            ("secretsmanager.amazonaws.com", Client::Service),
            ("AWS Internal", Client::Service),
            ("my-own-tool 1.0", Client::Unknown),
        ] {
            assert_eq!(client_from_user_agent(ua), want, "{ua}");
        }
    }

    #[test]
    fn countries_become_iso_codes() {
        for (given, want) in [
            ("United States", "US"),
            ("Brazil", "BR"),
            ("us", "US"),
            ("Romania", "RO"),
            ("United Kingdom", "GB"),
            ("Germany", "DE"),
            ("Atlantis", "Atlantis"),
        ] {
            assert_eq!(country_code(given), want, "{given}");
        }
    }
}
