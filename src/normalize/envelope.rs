//! Envelopes: one JSON value that carries many records.
//!
//! CloudTrail files (`{"Records": [...]}`), Azure Monitor exports
//! (`{"records": [...]}`), Graph and ARM list responses (`{"value": [...]}`),
//! Okta event hooks (`{"data": {"events": [...]}}`), GCP `entries:list`
//! (`{"entries": [...]}`), IBM Quantum job and workload lists (`{"jobs": [...]}`,
//! `{"workloads": [...]}`), CloudTrail's event history (LookupEvents:
//! `{"Events": [{"CloudTrailEvent": "<the record as JSON text>"}]}`, where the
//! record inside is the item), EventBridge's CloudTrail events (`{"detail-type":
//! "AWS API Call via CloudTrail", "detail": {...}}`, one record) and bare arrays
//! are opened here, keeping each inner record's exact bytes.

use std::borrow::Cow;

use serde_json::value::RawValue;

use super::json::prelude::*;
use super::json::{parse_owned, take};

/// How deep envelopes may nest before we give up (a list of lists of lists ...).
const MAX_DEPTH: usize = 4;

/// Where a record's items sit inside its envelope, if it is one.
fn envelope_path(v: &Value) -> Option<&'static [&'static str]> {
    match v {
        Value::Array(_) => Some(&[]),
        Value::Object(map) => {
            // Nearly every record is no envelope: one pass over its keys settles that,
            // where the checks below would each search them again.
            let may_be_envelope = map.iter().any(|(k, v)| match k.as_ref() {
                "Records" | "records" | "value" | "entries" | "jobs" | "workloads" | "Events" => {
                    v.is_array()
                }
                "eventType" | "detail-type" => v.is_str(),
                _ => false,
            });
            if !may_be_envelope {
                return None;
            }
            let is_array = |k: &str| map.get(k).is_some_and(|v| v.is_array());
            // A record that has its own time or event name is never an envelope.
            let looks_like_record = || {
                [
                    "eventName",
                    "eventType",
                    "eventTime",
                    "time",
                    "published",
                    "timestamp",
                    "id",
                ]
                .iter()
                .any(|k| map.contains_key(*k))
            };
            if is_array("Records") && !looks_like_record() {
                Some(&["Records"])
            } else if is_array("records") && !looks_like_record() {
                Some(&["records"])
            } else if map.get("eventType").and_then(|v| v.as_str()) == Some("com.okta.event_hook")
                && map
                    .get("data")
                    .and_then(|d| d.get("events"))
                    .is_some_and(|v| v.is_array())
            {
                Some(&["data", "events"])
            } else if is_array("value")
                && (map.len() == 1 || map.keys().any(|k| k.contains("odata") || k == "nextLink"))
            {
                Some(&["value"])
            } else if is_array("entries") && (map.len() == 1 || map.contains_key("nextPageToken")) {
                Some(&["entries"])
            } else if is_array("jobs")
                && (map.len() == 1 || map.contains_key("count") || map.contains_key("offset"))
            {
                Some(&["jobs"])
            } else if is_array("workloads")
                && (map.len() == 1
                    || ["next", "previous", "count", "limit"]
                        .iter()
                        .any(|k| map.contains_key(*k)))
            {
                // IBM Quantum Platform's newer list (`GET /workloads`).
                Some(&["workloads"])
            } else if is_array("Events") && (map.len() == 1 || map.contains_key("NextToken")) {
                // CloudTrail's LookupEvents (event history) response.
                Some(&["Events"])
            } else if map
                .get("detail-type")
                .and_then(|v| v.as_str())
                .is_some_and(|t| t.ends_with("via CloudTrail"))
                && map.get("detail").is_some_and(|v| v.is_object())
            {
                // EventBridge carries one CloudTrail record in `detail`.
                Some(&["detail"])
            } else {
                None
            }
        }
        _ => None,
    }
}

/// The fewest bytes an envelope's items may average: no audit record is this small,
/// and each item costs far more than its bytes downstream (a rejection with its
/// reason, an event), so a megabyte of `{}` must not become a million of them.
const MIN_ITEM_BYTES: usize = 64;

/// Opens envelopes (recursively) and returns each inner record with its own text;
/// a plain record (the common case) comes back alone with its text as given. An
/// envelope of items too small to be audit records is refused whole: the reason
/// comes back with the text.
#[allow(clippy::type_complexity)]
pub fn open<'v, 'a>(
    value: Value<'v>,
    text: Cow<'a, str>,
) -> Result<Vec<(Value<'v>, Cow<'a, str>)>, (String, Cow<'a, str>)> {
    if envelope_path(&value).is_none() {
        return Ok(vec![(value, text)]);
    }
    let Ok(raw) = RawValue::from_string(text.trim().to_string()) else {
        return Ok(vec![(value, text)]);
    };
    let mut out = Vec::new();
    open_into(value, raw, 0, &mut out);
    if out.len() > 16 && out.len() > text.len() / MIN_ITEM_BYTES {
        let reason = format!(
            "an envelope of {} items in {} bytes: items this small (under {MIN_ITEM_BYTES} bytes on average) are not audit records",
            out.len(),
            text.len()
        );
        return Err((reason, text));
    }
    Ok(out
        .into_iter()
        .map(|(v, raw)| (v, Cow::Owned(String::from(Box::<str>::from(raw)))))
        .collect())
}

fn open_into<'v>(
    value: Value<'v>,
    raw: Box<RawValue>,
    depth: usize,
    out: &mut Vec<(Value<'v>, Box<RawValue>)>,
) {
    let Some(path) = envelope_path(&value).filter(|_| depth < MAX_DEPTH) else {
        out.push((value, raw));
        return;
    };
    let Some(items_raw) = raw_at(&raw, path) else {
        out.push((value, raw));
        return;
    };
    let mut items = value;
    for key in path {
        items = items
            .as_object_mut()
            .and_then(|m| m.get_mut(*key))
            .map(take)
            .unwrap_or_default();
    }
    let items = match items {
        Value::Array(items) => *items,
        // An envelope of one record (EventBridge's `detail`).
        one => vec![one],
    };
    // A LookupEvents item holds the whole CloudTrail record as JSON text.
    let history = path == ["Events"];
    for (item, item_raw) in items.into_iter().zip(items_raw) {
        if history
            && let Some((inner, inner_raw)) = item
                .get("CloudTrailEvent")
                .and_then(|v| v.as_str())
                .and_then(|s| {
                    Some((
                        parse_owned(s).ok()?,
                        RawValue::from_string(s.to_string()).ok()?,
                    ))
                })
        {
            out.push((inner, inner_raw));
            continue;
        }
        open_into(item, item_raw, depth + 1, out);
    }
}

/// The raw bytes of each element of the array at `path` inside `raw`.
fn raw_at(raw: &RawValue, path: &[&str]) -> Option<Vec<Box<RawValue>>> {
    let mut cur: Box<RawValue> = RawValue::from_string(raw.get().to_string()).ok()?;
    for key in path {
        let map: std::collections::HashMap<String, Box<RawValue>> =
            serde_json::from_str(cur.get()).ok()?;
        cur = map.into_iter().find(|(k, _)| k == key)?.1;
    }
    if cur.get().starts_with('{') {
        return Some(vec![cur]);
    }
    serde_json::from_str(cur.get()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open_str(s: &str) -> Vec<String> {
        let v = parse_owned(s).unwrap();
        open(v, Cow::Borrowed(s))
            .unwrap()
            .into_iter()
            .map(|(_, raw)| raw.into_owned())
            .collect()
    }

    #[test]
    fn event_history_yields_the_cloudtrail_record_inside_each_item() {
        let inner = r#"{"eventVersion":"1.09","eventName":"ConsoleLogin","eventSource":"signin.amazonaws.com"}"#;
        let text = serde_json::json!({
            "Events": [{"EventId": "e-1", "EventName": "ConsoleLogin", "Username": "alice", "CloudTrailEvent": inner}],
            "NextToken": "t"
        })
        .to_string();
        assert_eq!(open_str(&text), [inner]);
    }

    #[test]
    fn an_eventbridge_event_yields_its_cloudtrail_record() {
        let inner = r#"{"eventVersion":"1.09","eventName":"GetSecretValue","eventSource":"secretsmanager.amazonaws.com"}"#;
        let got = open_str(&format!(
            r#"{{"version":"0","id":"6f1c","detail-type":"AWS API Call via CloudTrail","source":"aws.secretsmanager","account":"111122223333","time":"2026-11-10T03:00:00Z","region":"us-east-1","resources":[],"detail":{inner}}}"#
        ));
        assert_eq!(got, [inner]);
        // Another EventBridge event is no envelope: it stays whole.
        let other = r#"{"detail-type":"EC2 Instance State-change Notification","detail":{"state":"running"}}"#;
        assert_eq!(open_str(other), [other]);
    }

    #[test]
    fn cloudtrail_file_yields_each_record_byte_for_byte() {
        let got = open_str(r#"{"Records": [{"eventName":"A",  "x":1}, {"eventName":"B"}]}"#);
        assert_eq!(
            got,
            vec![r#"{"eventName":"A",  "x":1}"#, r#"{"eventName":"B"}"#]
        );
    }

    #[test]
    fn okta_event_hook_and_graph_list() {
        let hook = r#"{"eventType":"com.okta.event_hook","eventTypeVersion":"1.0","data":{"events":[{"uuid":"1"},{"uuid":"2"}]}}"#;
        assert_eq!(open_str(hook), vec![r#"{"uuid":"1"}"#, r#"{"uuid":"2"}"#]);
        let graph = r#"{"@odata.context":"x","value":[{"id":"a"}]}"#;
        assert_eq!(open_str(graph), vec![r#"{"id":"a"}"#]);
    }

    #[test]
    fn an_envelope_of_tiny_items_is_refused_whole() {
        let many = format!("{{\"value\":[{}{{}}]}}", "{},".repeat(5000));
        let v = parse_owned(&many).unwrap();
        let (e, text) = open(v, Cow::Borrowed(&many)).unwrap_err();
        assert_eq!(text, many);
        assert!(e.contains("5001 items"), "{e}");
        // A short list of small items is still opened.
        assert_eq!(open_str(r#"{"value":[{"id":"a"},{"id":"b"}]}"#).len(), 2);
    }

    #[test]
    fn a_record_is_not_an_envelope() {
        let rec = r#"{"eventName":"X","records":[1,2]}"#;
        assert_eq!(open_str(rec), vec![rec]);
    }
}
