//! One framed record through the whole normalize stage: parse, open envelopes,
//! detect the format, scrub secrets, normalize, check, and stamp the event id.

use std::borrow::Cow;

use chrono::{DateTime, Duration, TimeZone, Utc};
use sha2::{Digest, Sha256};

use super::json::prelude::*;
use super::json::{self, to_json};
use super::redact::Redactor;
use super::{Format, detect, envelope};
use crate::event::NormalizedEvent;
use crate::store::quarantine::Stage;

/// Events before this are taken for a broken clock or a unit mistake.
const EARLIEST: i64 = 946_684_800; // 2000-01-01T00:00:00Z

/// How far in the future an event may claim to be (clock skew between systems).
const MAX_FUTURE: Duration = Duration::days(1);

/// Why one record (or one item of an envelope) was rejected.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    /// Stage that rejected it.
    pub stage: Stage,
    /// Format it was taken for.
    pub format: Option<&'static str>,
    /// What was wrong.
    pub reason: String,
    /// The bytes that were rejected (an envelope item's own bytes when only it failed).
    pub bytes: Vec<u8>,
}

impl Rejection {
    /// A record that met a bug of ours (a panic caught by [`guarded`]).
    pub fn internal(what: &str, bytes: Vec<u8>) -> Self {
        Rejection {
            stage: Stage::Normalize,
            format: None,
            reason: format!(
                "internal error while normalizing this record ({what}): a bug in qtrail; please report it with this record"
            ),
            bytes,
        }
    }
}

/// How records are normalized in one run.
#[derive(Clone)]
pub struct Normalizer {
    /// The format every record is taken as, when the user named one.
    pub forced: Option<&'static dyn Format>,
    /// Replaces secrets before anything is kept.
    pub redactor: Redactor,
    /// The ingest time stamped on every event.
    pub ingested_at: DateTime<Utc>,
}

impl Normalizer {
    /// Normalizes one framed record: one event per record, or per item of an envelope.
    /// Given owned bytes, a plain record's bytes become the event's `raw` uncopied.
    pub fn run<'a>(
        &self,
        bytes: impl Into<Cow<'a, [u8]>>,
    ) -> Vec<Result<NormalizedEvent, Rejection>> {
        let parse_error = |reason: String, bytes: &[u8]| {
            vec![Err(Rejection {
                stage: Stage::Parse,
                format: None,
                reason,
                bytes: bytes.to_vec(),
            })]
        };
        let bad_utf8 = |e: std::str::Utf8Error| {
            format!("invalid UTF-8 at byte {} of the record", e.valid_up_to())
        };
        // Validated here: the error names the byte, and the kept raw text is the
        // input as it is.
        let text: Cow<'a, str> = match bytes.into() {
            Cow::Borrowed(b) => match std::str::from_utf8(b) {
                Ok(t) => Cow::Borrowed(t),
                Err(e) => return parse_error(bad_utf8(e), b),
            },
            Cow::Owned(v) => match String::from_utf8(v) {
                Ok(t) => Cow::Owned(t),
                Err(e) => return parse_error(bad_utf8(e.utf8_error()), e.as_bytes()),
            },
        };
        let mut scratch = Vec::new();
        let value = match json::parse(&text, &mut scratch) {
            Ok(v) => v,
            Err(e) => {
                let reason = format!("malformed JSON: {}", json::explain(&text, e));
                return parse_error(reason, text.as_bytes());
            }
        };
        let items = match envelope::open(value, text) {
            Ok(items) => items,
            Err((reason, text)) => {
                return vec![Err(Rejection {
                    stage: Stage::Detect,
                    format: None,
                    reason,
                    bytes: text.as_bytes().to_vec(),
                })];
            }
        };
        items
            .into_iter()
            .map(|(value, raw)| self.one_guarded(value, raw))
            .collect()
    }

    /// [`Self::one`], with a panic (a bug of ours on input nobody foresaw) turned into
    /// a quarantined record: one odd record must not stop the pipeline.
    fn one_guarded(
        &self,
        mut value: Value,
        text: Cow<'_, str>,
    ) -> Result<NormalizedEvent, Rejection> {
        let (mut event, scrubbed) = match guarded(|| self.one(&mut value, &text)) {
            Ok(result) => result?,
            Err(what) => return Err(Rejection::internal(&what, text.as_bytes().to_vec())),
        };
        // A scrubbed record is kept as re-serialized without its secrets; any
        // other as its own bytes, uncopied.
        event.raw = if scrubbed {
            to_json(&value)
        } else {
            text.into_owned()
        };
        Ok(event)
    }

    /// Everything but `raw`: the event, and whether secrets were scrubbed from `value`.
    fn one(&self, value: &mut Value, text: &str) -> Result<(NormalizedEvent, bool), Rejection> {
        let reject = |stage, format, reason: String| Rejection {
            stage,
            format,
            reason,
            bytes: text.as_bytes().to_vec(),
        };
        if !value.is_object() {
            return Err(reject(
                Stage::Detect,
                None,
                format!("record is a JSON {}, not an object", kind(value)),
            ));
        }
        let format = match self.forced {
            Some(f) => f,
            None => detect(value).ok_or_else(|| {
                let keys: Vec<&str> = value.as_object().map(|m| {
                    let mut keys: Vec<&str> = m.keys().map(|k| k.as_ref()).collect();
                    keys.sort_unstable();
                    keys.truncate(8);
                    keys
                }).unwrap_or_default();
                reject(
                    Stage::Detect,
                    None,
                    format!(
                        "unknown format: no registered format recognises a record with keys [{}]; name one with --format ({})",
                        keys.join(", "),
                        super::format_names().join(", ")
                    ),
                )
            })?,
        };
        let mut scrubbed = self.redactor.scrub(value);
        for path in format.secret_paths() {
            if let Some(sub) = path
                .split('.')
                .try_fold(&mut *value, |v, k| v.as_object_mut()?.get_mut(k))
            {
                scrubbed |= self.redactor.scrub_all(sub);
            }
        }
        let mut event = format.normalize(value).map_err(|e| {
            reject(
                Stage::Normalize,
                Some(format.name()),
                format!("{}: {e}", format.name()),
            )
        })?;
        let earliest = Utc
            .timestamp_opt(EARLIEST, 0)
            .single()
            .expect("valid constant");
        if event.time < earliest || event.time > self.ingested_at + MAX_FUTURE {
            return Err(reject(
                Stage::Validate,
                Some(format.name()),
                format!(
                    "{}: impossible timestamp {} (events must fall between 2000-01-01 and a day after ingest time)",
                    format.name(),
                    event.time.to_rfc3339()
                ),
            ));
        }
        event.ingested_at = self.ingested_at;
        drop_impossible_measures(&mut event);
        // Sources write countries as names ("United States") or codes ("US"): rules
        // compare them, so one form is kept.
        if let Some(c) = &event.src_country {
            event.src_country = Some(super::fields::country_code(c));
        }
        event.event_id = event_id(
            event.source.as_str(),
            event.source_id.as_deref(),
            text.as_bytes(),
        );
        Ok((event, scrubbed))
    }
}

thread_local! {
    /// Whether this thread is inside [`guarded`]: its panics are reported as a
    /// quarantined record, not printed.
    static GUARDED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f`, turning a panic into its message. The panic is not printed: the
/// message goes into a quarantine reason, which is scrubbed of secrets, whereas the
/// default hook would print it (and any record text it quotes) to stderr, once per
/// record.
pub fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    static QUIET_HOOK: std::sync::Once = std::sync::Once::new();
    QUIET_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !GUARDED.with(|g| g.get()) {
                previous(info);
            }
        }));
    });
    let was = GUARDED.with(|g| g.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(was));
    result.map_err(|panic| {
        panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into())
    })
}

/// Drops measures no job can have (negative or non-finite durations, costs and shot
/// counts): rules sum them, and one `NaN` or negative value would skew every share
/// and total. The record's own value stays in `raw`.
fn drop_impossible_measures(e: &mut NormalizedEvent) {
    for m in [&mut e.qpu_seconds, &mut e.queue_seconds, &mut e.cost] {
        if m.is_some_and(|x| !x.is_finite() || x < 0.0) {
            *m = None;
        }
    }
    if e.shots.is_some_and(|n| n < 0) {
        e.shots = None;
    }
}

/// The stable id of an event: its format and native id, or its bytes when it has none.
pub fn event_id(source: &str, source_id: Option<&str>, bytes: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(source.as_bytes());
    h.update([0]);
    match source_id {
        Some(id) => {
            h.update(b"id:");
            h.update(id.as_bytes());
        }
        None => {
            h.update(b"raw:");
            h.update(bytes);
        }
    }
    // Into a stack buffer: `hex::encode` builds its string a char at a time.
    let mut id = [0u8; 32];
    hex::encode_to_slice(&h.finalize()[..16], &mut id).expect("32 hex digits for 16 bytes");
    String::from_utf8(id.to_vec()).expect("hex digits are ASCII")
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Static(StaticNode::Null) => "null",
        Value::Static(StaticNode::Bool(_)) => "boolean",
        Value::Static(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::NormalizeError;

    fn normalizer(forced: Option<&'static dyn Format>) -> Normalizer {
        Normalizer {
            forced,
            redactor: Redactor::new(b"process-test"),
            ingested_at: Utc::now(),
        }
    }

    /// A format with a bug: it panics on every record.
    struct Buggy;
    impl Format for Buggy {
        fn name(&self) -> &'static str {
            "buggy"
        }
        fn detect(&self, _: &Value) -> bool {
            true
        }
        fn normalize(&self, record: &Value) -> Result<NormalizedEvent, NormalizeError> {
            let s = record.get("s").and_then(|v| v.as_str()).unwrap_or_default();
            Err(NormalizeError::new(&s[..s.len() + 2]))
        }
    }

    #[test]
    fn a_normalizer_panic_quarantines_the_record_with_its_bytes() {
        let n = normalizer(Some(&Buggy));
        let input = br#"{"s":"odd"}"#;
        let out = n.run(&input[..]);
        assert_eq!(out.len(), 1);
        let r = out[0].as_ref().unwrap_err();
        assert_eq!(r.stage, Stage::Normalize);
        assert!(r.reason.contains("internal error"), "{}", r.reason);
        assert_eq!(r.bytes, input);
        // The worker goes on: the next record is handled as usual.
        assert_eq!(n.run(&input[..]).len(), 1);
    }

    #[test]
    fn malformed_json_is_quarantined_with_where_and_what() {
        let out = normalizer(None).run(&br#"{"a": 1,, "b": 2}"#[..]);
        let r = out[0].as_ref().unwrap_err();
        assert_eq!(r.stage, Stage::Parse);
        assert!(
            r.reason.starts_with("malformed JSON: ") && r.reason.contains("line 1 column"),
            "{}",
            r.reason
        );
    }

    #[test]
    fn a_record_nested_too_deep_is_quarantined_and_the_worker_goes_on() {
        let n = normalizer(None);
        let deep = format!(r#"{{"a":{}1{}}}"#, "[".repeat(200_000), "]".repeat(200_000));
        let out = n.run(deep.as_bytes());
        let r = out[0].as_ref().unwrap_err();
        assert_eq!(r.stage, Stage::Parse);
        assert!(r.reason.contains("nested deeper than 128"), "{}", r.reason);
        assert_eq!(r.bytes, deep.as_bytes());
    }

    #[test]
    fn impossible_measures_are_dropped_and_huge_sums_do_not_wrap() {
        let n = normalizer(None);
        let job = |usage: &str, params: &str| {
            let rec = format!(
                r#"{{"id":"j1","backend":"ibm_torino","user_id":"u1","created":"2026-01-01T00:00:00Z","state":{{"status":"Completed"}},"program":{{"id":"sampler"}},"usage":{usage},"params":{params}}}"#
            );
            let mut out = n.run(rec.as_bytes());
            out.pop()
                .unwrap()
                .unwrap_or_else(|r| panic!("{}", r.reason))
        };
        let e = job(
            r#"{"quantum_seconds":"inf"}"#,
            r#"{"pubs":[[0,0,9223372036854775807],[0,0,1]]}"#,
        );
        assert_eq!(e.qpu_seconds, None);
        assert_eq!(e.shots, None, "a sum past i64 is unknown, not wrapped");
        let e = job(r#"{"quantum_seconds":-5}"#, r#"{"shots":-100}"#);
        assert_eq!((e.qpu_seconds, e.shots), (None, None));
        let e = job(
            r#"{"quantum_seconds":"2.5"}"#,
            r#"{"pubs":[[0,0,100],[0,0,50]]}"#,
        );
        assert_eq!((e.qpu_seconds, e.shots), (Some(2.5), Some(150)));
    }
}
