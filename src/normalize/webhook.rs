//! The generic job-event webhook: `qtrail.job_event/v1`, qtrail's own small JSON
//! format for quantum providers and schedulers that have no native audit format.
//! Specification: `schemas/webhook-job-event.md`; JSON Schema:
//! `schemas/webhook-job-event.schema.json`.
//!
//! Detection: a `schema` field starting with `qtrail.job_event/`. The format is
//! strict: a field of the wrong type, an unknown enum value, a malformed time or
//! IP address, or a field the schema does not define is an error naming the field,
//! so a producer's bug reaches quarantine with a reason instead of becoming a
//! half-empty event. JSON `null` counts as absent for the optional fields, and so
//! does blank text (`" "`), which the JSON Schema's `minLength: 1` lets through.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use simd_json::value::borrowed::Object;

use super::json::prelude::*;
use super::json::{is_number, to_json};

use super::fields::client_from_user_agent;
use super::{Format, NormalizeError};
use crate::event::NormalizedEvent;
use crate::vocab::{Class, Client, Hardware, JobStatus, Outcome, Source, UserKind, Vocabulary};

/// The `schema` value of version 1.
pub const SCHEMA_V1: &str = "qtrail.job_event/v1";

/// The values of `action`.
const ACTIONS: &[&str] = &[
    "submit",
    "start",
    "complete",
    "fail",
    "cancel",
    "queue_change",
    "session_open",
    "session_close",
    "get",
    "list",
    "delete",
];

/// Every field version 1 defines.
const KNOWN: &[&str] = &[
    "schema",
    "id",
    "time",
    "action",
    "status",
    "outcome",
    "reason",
    "message",
    "operation",
    "user",
    "user_id",
    "user_kind",
    "token_id",
    "roles",
    "session_id",
    "src_ip",
    "user_agent",
    "client",
    "project",
    "tenant",
    "region",
    "provider",
    "backend",
    "hardware",
    "job_id",
    "shots",
    "qpu_seconds",
    "queue_seconds",
    "cost",
    "currency",
    "request_id",
    "extra",
];

/// The webhook format.
pub struct Webhook;

impl Format for Webhook {
    fn name(&self) -> &'static str {
        "webhook"
    }

    fn detect(&self, record: &Value) -> bool {
        record
            .get("schema")
            .and_then(|v| v.as_str())
            .is_some_and(|s| s.starts_with("qtrail.job_event/"))
    }

    fn normalize(&self, record: &Value) -> Result<NormalizedEvent, NormalizeError> {
        let obj = record
            .as_object()
            .ok_or_else(|| NormalizeError::new("a qtrail.job_event must be a JSON object"))?;
        let r = Reader(obj);
        let schema = r
            .string("schema")?
            .ok_or_else(|| NormalizeError::missing("schema"))?;
        if schema != SCHEMA_V1 {
            return Err(NormalizeError::new(format!(
                "field `schema` is {schema:?}; this qtrail reads only \"{SCHEMA_V1}\""
            )));
        }
        // Among several unknown fields the first in byte order is named (the order
        // serde_json's sorted map gave before the port).
        if let Some(unknown) = obj
            .keys()
            .map(|k| &**k)
            .filter(|k| !KNOWN.contains(k))
            .min()
        {
            return Err(NormalizeError::new(format!(
                "field `{unknown}` is not defined by {SCHEMA_V1} (put producer-specific data under `extra`)"
            )));
        }

        let id = r
            .string("id")?
            .ok_or_else(|| NormalizeError::missing("id"))?;
        let time = r.time("time")?;
        let action = r
            .one_of("action", ACTIONS)?
            .ok_or_else(|| NormalizeError::missing("action"))?;
        let status = r.vocab::<JobStatus>("status")?;
        let outcome = r.vocab::<Outcome>("outcome")?;

        let (class, verb) = match action.as_str() {
            "queue_change" => (Class::Queue, "queue_change"),
            "session_open" => (Class::Queue, "open"),
            "session_close" => (Class::Queue, "close"),
            other => (Class::Job, other),
        };
        let mut e = NormalizedEvent::new(Source::Webhook, time, class, verb);
        e.source_id = Some(id);
        e.job_status = status.or(match action.as_str() {
            "submit" => Some(JobStatus::Queued),
            "start" => Some(JobStatus::Running),
            "complete" => Some(JobStatus::Completed),
            "fail" => Some(JobStatus::Failed),
            "cancel" => Some(JobStatus::Cancelled),
            _ => None,
        });
        e.outcome = outcome.unwrap_or(match action.as_str() {
            "complete" => Outcome::Success,
            "fail" | "cancel" => Outcome::Failure,
            _ => Outcome::Unknown,
        });
        e.operation = Some(r.string("operation")?.unwrap_or_else(|| action.clone()));
        e.reason = r.string("reason")?;
        e.message = r.string("message")?;
        e.user = r.string("user")?;
        e.user_id = r.string("user_id")?;
        e.user_kind = r.vocab::<UserKind>("user_kind")?.unwrap_or_default();
        e.token_id = r.string("token_id")?;
        e.roles = r.strings("roles")?;
        e.session_id = r.string("session_id")?;
        e.src_ip = r.ip("src_ip")?;
        e.user_agent = r.string("user_agent")?;
        e.client = match r.vocab::<Client>("client")? {
            Some(c) => c,
            None => e
                .user_agent
                .as_deref()
                .map_or(Client::Unknown, client_from_user_agent),
        };
        e.project = r.string("project")?;
        e.tenant = r.string("tenant")?;
        e.region = r.string("region")?;
        e.provider = r.string("provider")?;
        e.backend = r.string("backend")?;
        e.hardware = r.vocab::<Hardware>("hardware")?;
        e.job_id = r.string("job_id")?;
        e.shots = r.non_negative_int("shots")?;
        e.qpu_seconds = r.non_negative_number("qpu_seconds")?;
        e.queue_seconds = r.non_negative_number("queue_seconds")?;
        e.cost = r.non_negative_number("cost")?;
        e.currency = r.currency("currency")?;
        if e.currency.is_some() && e.cost.is_none() {
            return Err(NormalizeError::new(
                "field `currency` is set but `cost` is not",
            ));
        }
        e.request_id = r.string("request_id")?;
        if let Some(extra) = obj.get("extra").filter(|v| !v.is_null())
            && !extra.is_object()
        {
            return Err(type_error("extra", "an object", extra));
        }
        Ok(e)
    }
}

/// Typed, strict access to the fields of one event.
struct Reader<'a>(&'a Object<'a>);

impl<'a> Reader<'a> {
    fn value(&self, field: &str) -> Option<&'a Value<'a>> {
        self.0.get(field).filter(|v| !v.is_null())
    }

    /// A non-empty string.
    fn string(&self, field: &str) -> Result<Option<String>, NormalizeError> {
        match self.value(field) {
            None => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Err(NormalizeError::new(format!(
                "field `{field}` must not be empty"
            ))),
            // Blank text passes the published schema (`minLength: 1`) and says nothing.
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
            Some(other) => Err(type_error(field, "a string", other)),
        }
    }

    /// An RFC 3339 timestamp with a zone (required).
    fn time(&self, field: &str) -> Result<DateTime<Utc>, NormalizeError> {
        let s = self
            .string(field)?
            .ok_or_else(|| NormalizeError::missing(field))?;
        DateTime::parse_from_rfc3339(&s).map(|t| t.with_timezone(&Utc)).map_err(|_| {
            NormalizeError::new(format!(
                "field `{field}` must be an RFC 3339 timestamp such as \"2025-01-31T09:30:00Z\", got {s:?}"
            ))
        })
    }

    /// One of a fixed list of strings.
    fn one_of(&self, field: &str, allowed: &[&str]) -> Result<Option<String>, NormalizeError> {
        match self.string(field)? {
            None => Ok(None),
            Some(s) if allowed.contains(&s.as_str()) => Ok(Some(s)),
            Some(s) => Err(NormalizeError::new(format!(
                "field `{field}` must be one of {}, got {s:?}",
                allowed.join(", ")
            ))),
        }
    }

    /// A value of one of qtrail's vocabularies.
    fn vocab<T: Vocabulary>(&self, field: &str) -> Result<Option<T>, NormalizeError> {
        Ok(self.one_of(field, T::ALL)?.and_then(|s| T::parse(&s)))
    }

    /// A list of non-empty strings.
    fn strings(&self, field: &str) -> Result<Vec<String>, NormalizeError> {
        match self.value(field) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, v) in items.iter().enumerate() {
                    match v {
                        // Schema-valid (`minLength: 1`) but names no role.
                        Value::String(s) if !s.is_empty() && s.trim().is_empty() => {}
                        Value::String(s) if !s.is_empty() => out.push(s.trim().to_string()),
                        other => {
                            return Err(type_error(
                                &format!("{field}[{i}]"),
                                "a non-empty string",
                                other,
                            ));
                        }
                    }
                }
                Ok(out)
            }
            Some(other) => Err(type_error(field, "an array of strings", other)),
        }
    }

    /// An IPv4 or IPv6 address.
    fn ip(&self, field: &str) -> Result<Option<String>, NormalizeError> {
        match self.string(field)? {
            None => Ok(None),
            Some(s) => s
                .parse::<IpAddr>()
                .map(|ip| Some(ip.to_string()))
                .map_err(|_| {
                    NormalizeError::new(format!(
                        "field `{field}` must be an IPv4 or IPv6 address, got {s:?}"
                    ))
                }),
        }
    }

    /// A JSON integer ≥ 0 (not a string, not a fraction). `2000.0` is an integer
    /// too, as JSON Schema counts it: a producer that passes the published schema
    /// must pass here.
    fn non_negative_int(&self, field: &str) -> Result<Option<i64>, NormalizeError> {
        match self.value(field) {
            None => Ok(None),
            Some(v) if is_number(v) => match v.as_i64().or_else(|| {
                v.cast_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                    .map(|f| f as i64)
            }) {
                Some(i) if i >= 0 => Ok(Some(i)),
                Some(_) => Err(NormalizeError::new(format!(
                    "field `{field}` must not be negative, got {}",
                    to_json(v)
                ))),
                None => Err(type_error(field, "an integer", v)),
            },
            Some(other) => Err(type_error(field, "an integer", other)),
        }
    }

    /// A JSON number ≥ 0.
    fn non_negative_number(&self, field: &str) -> Result<Option<f64>, NormalizeError> {
        match self.value(field) {
            None => Ok(None),
            Some(v) if is_number(v) => match v.cast_f64() {
                Some(f) if f >= 0.0 && f.is_finite() => Ok(Some(f)),
                Some(_) => Err(NormalizeError::new(format!(
                    "field `{field}` must not be negative, got {}",
                    to_json(v)
                ))),
                None => Err(type_error(field, "a number", v)),
            },
            Some(other) => Err(type_error(field, "a number", other)),
        }
    }

    /// An ISO 4217 code: three upper-case letters.
    fn currency(&self, field: &str) -> Result<Option<String>, NormalizeError> {
        match self.string(field)? {
            Some(s) if s.len() != 3 || !s.bytes().all(|b| b.is_ascii_uppercase()) => {
                Err(NormalizeError::new(format!(
                    "field `{field}` must be an ISO 4217 code of three upper-case letters such as \"USD\", got {s:?}"
                )))
            }
            other => Ok(other),
        }
    }
}

/// `field `x` must be <what>, got <value>`.
fn type_error(field: &str, what: &str, got: &Value) -> NormalizeError {
    NormalizeError::new(format!(
        "field `{field}` must be {what}, got {}",
        super::fields::short(got)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::json::from_serde;
    use crate::normalize::test_support::{corpus_records, fixture, normalize_as};
    use serde_json::json;

    fn ts(s: &str) -> DateTime<Utc> {
        super::super::fields::parse_time(s).expect("test timestamp")
    }

    fn events() -> Vec<NormalizedEvent> {
        fixture("webhook/job_events.jsonl")
            .iter()
            .map(|v| normalize_as("webhook", &v.to_string()))
            .collect()
    }

    fn minimal() -> serde_json::Value {
        json!({"schema": SCHEMA_V1, "id": "evt-1", "time": "2025-06-01T12:00:00Z", "action": "submit"})
    }

    fn err(patch: serde_json::Value) -> String {
        let mut v = minimal();
        if let (Some(base), Some(extra)) = (v.as_object_mut(), patch.as_object()) {
            for (k, x) in extra {
                base.insert(k.clone(), x.clone());
            }
        }
        Webhook
            .normalize(&from_serde(v))
            .expect_err("must be rejected")
            .0
    }

    #[test]
    fn qpu_job_lifecycle() {
        let ev = events();
        let submit = &ev[0];
        assert_eq!(submit.source, Source::Webhook);
        assert_eq!(submit.class, Class::Job);
        assert_eq!(submit.action, "submit");
        assert_eq!(submit.operation.as_deref(), Some("submit"));
        assert_eq!(
            submit.source_id.as_deref(),
            Some("9f1c2e34-0001-4c1e-9a1b-aa0000000001")
        );
        assert_eq!(submit.time, ts("2025-06-02T08:15:00Z"));
        assert_eq!(submit.user.as_deref(), Some("carol@example.org"));
        assert_eq!(submit.user_kind, UserKind::Human);
        assert_eq!(
            submit.token_id.as_deref(),
            Some("qfp:4c6f72651a2b3c4d5e6f7a8b")
        );
        assert_eq!(submit.src_ip.as_deref(), Some("198.51.100.40"));
        assert_eq!(submit.client, Client::Notebook);
        assert_eq!(submit.project.as_deref(), Some("materials-lab"));
        assert_eq!(submit.provider.as_deref(), Some("oqc"));
        assert_eq!(submit.backend.as_deref(), Some("oqc-toshiko"));
        assert_eq!(submit.hardware, Some(Hardware::Qpu));
        assert_eq!(submit.job_id.as_deref(), Some("job-7781"));
        assert_eq!(submit.job_status, Some(JobStatus::Queued));
        assert_eq!(submit.outcome, Outcome::Unknown);
        assert_eq!(submit.shots, Some(2000));
        assert_eq!(submit.roles, vec!["researcher".to_string()]);

        let complete = &ev[1];
        assert_eq!(complete.action, "complete");
        assert_eq!(complete.outcome, Outcome::Success);
        assert_eq!(complete.job_status, Some(JobStatus::Completed));
        assert_eq!(complete.qpu_seconds, Some(42.5));
        assert_eq!(complete.queue_seconds, Some(630.0));
        assert_eq!(complete.cost, Some(18.75));
        assert_eq!(complete.currency.as_deref(), Some("GBP"));
        assert_eq!(complete.session_id.as_deref(), Some("sess-55"));
    }

    #[test]
    fn simulator_failure_service_cancel_and_queue() {
        let ev = events();
        let fail = &ev[2];
        assert_eq!(fail.action, "fail");
        assert_eq!(fail.outcome, Outcome::Failure);
        assert_eq!(fail.job_status, Some(JobStatus::Failed));
        assert_eq!(
            fail.reason.as_deref(),
            Some("E_QUBITS: circuit needs 40 qubits, simulator allows 32")
        );
        assert_eq!(fail.hardware, Some(Hardware::Simulator));
        assert_eq!(fail.user_kind, UserKind::Service);
        assert_eq!(fail.client, Client::Pipeline);
        assert_eq!(fail.src_ip.as_deref(), Some("2001:db8::17"));

        let cancel = &ev[3];
        assert_eq!(cancel.action, "cancel");
        assert_eq!(cancel.outcome, Outcome::Failure);
        assert_eq!(cancel.client, Client::Cli);

        let queue = &ev[4];
        assert_eq!(queue.class, Class::Queue);
        assert_eq!(queue.action, "queue_change");
        assert_eq!(queue.outcome, Outcome::Success);
        assert_eq!(queue.job_status, None);
        assert_eq!(
            queue.message.as_deref(),
            Some("priority raised to high for project materials-lab")
        );

        let open = &ev[5];
        assert_eq!((open.class, open.action.as_str()), (Class::Queue, "open"));
        assert_eq!(open.client, Client::Console);
        assert_eq!(open.session_id.as_deref(), Some("sess-55"));
    }

    #[test]
    fn detection() {
        assert!(Webhook.detect(&from_serde(minimal())));
        assert!(Webhook.detect(&from_serde(json!({"schema": "qtrail.job_event/v2"}))));
        assert!(!Webhook.detect(&from_serde(
            json!({"schema": "something.else/v1", "id": "x"})
        )));
        assert!(!Webhook.detect(&from_serde(
            json!({"id": "x", "time": "2025-01-01T00:00:00Z", "action": "submit"})
        )));
        assert!(!Webhook.detect(&from_serde(json!("qtrail.job_event/v1"))));
    }

    #[test]
    fn strict_errors_name_the_field() {
        let missing_time = {
            let mut v = minimal();
            v.as_object_mut().map(|o| o.remove("time"));
            Webhook
                .normalize(&from_serde(v))
                .expect_err("time is required")
                .0
        };
        assert_eq!(missing_time, "required field `time` is missing or empty");
        assert_eq!(
            err(json!({"shots": "many"})),
            "field `shots` must be an integer, got \"many\""
        );
        assert_eq!(
            err(json!({"shots": 1.5})),
            "field `shots` must be an integer, got 1.5"
        );
        assert_eq!(
            err(json!({"shots": -3})),
            "field `shots` must not be negative, got -3"
        );
        // A whole number written with a fraction part is an integer to JSON Schema.
        let mut whole = minimal();
        whole["shots"] = json!(2000.0);
        assert_eq!(
            Webhook.normalize(&from_serde(whole)).unwrap().shots,
            Some(2000)
        );
        assert_eq!(
            err(json!({"qpu_seconds": "12"})),
            "field `qpu_seconds` must be a number, got \"12\""
        );
        assert!(
            err(json!({"time": "2025-06-01 12:00"}))
                .starts_with("field `time` must be an RFC 3339 timestamp")
        );
        assert_eq!(
            err(json!({"action": "launch"})),
            "field `action` must be one of submit, start, complete, fail, cancel, queue_change, session_open, session_close, get, list, delete, got \"launch\""
        );
        assert_eq!(
            err(json!({"hardware": "quantum"})),
            "field `hardware` must be one of qpu, simulator, got \"quantum\""
        );
        assert!(
            err(json!({"client": "jupyter"}))
                .starts_with("field `client` must be one of notebook, cli, sdk")
        );
        assert!(
            err(json!({"user_kind": "robot"}))
                .starts_with("field `user_kind` must be one of human, service, unknown")
        );
        assert!(
            err(json!({"status": "done"}))
                .starts_with("field `status` must be one of queued, running")
        );
        assert!(
            err(json!({"outcome": "ok"}))
                .starts_with("field `outcome` must be one of success, failure, unknown")
        );
        assert_eq!(
            err(json!({"src_ip": "10.0.0.300"})),
            "field `src_ip` must be an IPv4 or IPv6 address, got \"10.0.0.300\""
        );
        assert!(
            err(json!({"currency": "usd", "cost": 1}))
                .starts_with("field `currency` must be an ISO 4217 code")
        );
        assert_eq!(
            err(json!({"currency": "USD"})),
            "field `currency` is set but `cost` is not"
        );
        assert_eq!(
            err(json!({"user": 42})),
            "field `user` must be a string, got 42"
        );
        assert_eq!(err(json!({"id": ""})), "field `id` must not be empty");
        assert_eq!(
            err(json!({"roles": ["a", 3]})),
            "field `roles[1]` must be a non-empty string, got 3"
        );
        assert_eq!(
            err(json!({"extra": [1]})),
            "field `extra` must be an object, got [1]"
        );
        assert!(
            err(json!({"shot": 10}))
                .starts_with("field `shot` is not defined by qtrail.job_event/v1")
        );
        assert!(
            err(json!({"schema": "qtrail.job_event/v2"}))
                .contains("reads only \"qtrail.job_event/v1\"")
        );
        assert_eq!(
            Webhook
                .normalize(&from_serde(json!([1])))
                .expect_err("not an object")
                .0,
            "a qtrail.job_event must be a JSON object"
        );
    }

    #[test]
    fn blank_text_the_schema_accepts_is_absent_not_an_error() {
        // `minLength: 1` in webhook-job-event.schema.json: " " is valid there.
        let mut v = minimal();
        if let Some(o) = v.as_object_mut() {
            o.insert("message".into(), json!(" "));
            o.insert("roles".into(), json!(["researcher", "  "]));
        }
        let e = Webhook.normalize(&from_serde(v)).expect("schema-valid");
        assert_eq!(e.message, None);
        assert_eq!(e.roles, vec!["researcher".to_string()]);
        assert_eq!(
            err(json!({"message": ""})),
            "field `message` must not be empty"
        );
        assert_eq!(
            err(json!({"roles": [""]})),
            "field `roles[0]` must be a non-empty string, got \"\""
        );
    }

    #[test]
    fn nulls_are_absent_and_extra_is_free_form() {
        let mut v = minimal();
        if let Some(o) = v.as_object_mut() {
            o.insert("shots".into(), serde_json::Value::Null);
            o.insert("extra".into(), json!({"anything": [1, 2, {"x": true}]}));
        }
        let e = Webhook.normalize(&from_serde(v)).expect("valid");
        assert_eq!(e.shots, None);
        assert_eq!(e.job_status, Some(JobStatus::Queued));
    }

    #[test]
    fn json_schema_file_agrees_with_the_reader() {
        let path = format!(
            "{}/schemas/webhook-job-event.schema.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).expect("schema file exists");
        let schema: serde_json::Value = serde_json::from_str(&text).expect("schema is JSON");
        let props = schema["properties"].as_object().expect("properties");
        let mut names: Vec<&str> = props.keys().map(String::as_str).collect();
        names.sort_unstable();
        let mut known = KNOWN.to_vec();
        known.sort_unstable();
        assert_eq!(names, known);
        let required: Vec<&str> = schema["required"]
            .as_array()
            .expect("required")
            .iter()
            .filter_map(serde_json::Value::as_str)
            .collect();
        assert_eq!(required, ["schema", "id", "time", "action"]);
        let actions: Vec<&str> = props["action"]["enum"]
            .as_array()
            .expect("action enum")
            .iter()
            .filter_map(serde_json::Value::as_str)
            .collect();
        assert_eq!(actions, ACTIONS);
        for (field, all) in [
            ("status", JobStatus::ALL),
            ("outcome", Outcome::ALL),
            ("user_kind", UserKind::ALL),
            ("client", Client::ALL),
            ("hardware", Hardware::ALL),
        ] {
            let values: Vec<&str> = props[field]["enum"]
                .as_array()
                .expect("enum")
                .iter()
                .filter_map(serde_json::Value::as_str)
                .collect();
            assert_eq!(values, all, "{field}");
        }
        assert_eq!(
            schema["additionalProperties"],
            serde_json::Value::Bool(false)
        );
    }

    /// No third-party corpus speaks this format (it is qtrail's own); check that it
    /// claims no record of the others.
    #[test]
    fn corpus_claims_nothing_else() {
        let files = [
            "azure-quantum/microsoft__azure-quantum-python/azure-quantum/tests/unit/recordings/EXTRACTED_job_and_session_records.jsonl",
            "aws-cloudtrail/panther-labs__panther-analysis/rules/EXTRACTED_tests__AWS.CloudTrail.jsonl",
            "entra-id/panther-labs__panther-analysis/rules/EXTRACTED_tests__Azure.Audit.jsonl",
            "gcp-audit/panther-labs__panther-analysis/rules/EXTRACTED_tests__GCP.AuditLog.jsonl",
            "okta/panther-labs__panther-analysis/rules/EXTRACTED_tests__Okta.SystemLog.jsonl",
        ];
        for file in files {
            let Some(records) = corpus_records(file) else {
                return;
            };
            for r in &records {
                assert!(
                    !Webhook.detect(&from_serde(r.clone())),
                    "webhook claims a record of {file}: {r}"
                );
            }
        }
    }
}
