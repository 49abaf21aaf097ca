//! Azure Quantum job and session records: the `JobDetails` / `SessionDetails` items
//! of the Azure Quantum data-plane REST API (`GET .../workspaces/{ws}/jobs`,
//! `/jobs/{id}`, `/sessions`, `/sessions/{id}`), one item per record.
//!
//! A record is a *snapshot* of a job or session in one state, not an audit entry of
//! a call. The mapping:
//!
//! - jobs (`itemType: Job`) are class `job`; sessions (`itemType: Session`) are
//!   class `queue` (a session reserves the target's queue for its jobs).
//! - `status` gives the action, `job_status` and outcome:
//!
//!   | status | action (job / session) | job_status | outcome |
//!   |---|---|---|---|
//!   | Waiting, Queued | submit / open | queued | unknown |
//!   | Executing, Finishing | start / open | running | unknown |
//!   | CancellationRequested, Cancelling | cancel / - | running | unknown |
//!   | Succeeded, Completed | complete / close | completed | success |
//!   | Failed, Failure(s), TimedOut | fail / close | failed | failure |
//!   | Cancelled | cancel / close | cancelled | failure |
//!
//! - `time` is the time of the state the snapshot reports: `endExecutionTime` for a
//!   finished item (then `cancellationTime`, `lastModifiedTime`, `beginExecutionTime`,
//!   `creationTime` when it is absent, e.g. a job that failed before it started),
//!   `beginExecutionTime` while executing, `creationTime` while waiting.
//!   `creationTime` is required.
//! - `queue_seconds` = `beginExecutionTime - creationTime`, `qpu_seconds` =
//!   `endExecutionTime - beginExecutionTime`, only when both ends are known, and
//!   `qpu_seconds` only on a finished snapshot (`Finishing` has both ends too). Sessions
//!   carry neither, nor a cost: their jobs carry them, and summing both would count
//!   the hardware time twice.
//! - `source_id` = `id:status:time`, so two snapshots of one job differ and a replay
//!   of the same snapshot gives the same id.
//! - `createdBy` (records since API version 2025-12-01-preview) → user; its
//!   `createdByType` → user_kind (User human; Application, ManagedIdentity, Key
//!   service). Older records name no user, and none a client address: `src_ip`
//!   stays empty. `usage.shots` → shots when `inputParams` has none. Keys in
//!   snake_case (older SDKs' `JobDetails.as_dict()`) are read as their camelCase
//!   names. The workspace is not in the record either (only in the request URL), so
//!   `project` stays empty unless a collector added a `workspace` field.
//! - `containerUri`, `inputDataUri` and `outputDataUri` are SAS URLs whose `sig=`
//!   parameter is a credential; the caller fingerprints it before this runs.

use std::borrow::Cow;

use chrono::{DateTime, Utc};

use super::fields::{
    first_text, float, get, int, require_text, require_time, seconds_between, text, time,
};
use super::job_state::JobState;
use super::json::prelude::*;
use super::{Format, NormalizeError};
use crate::event::NormalizedEvent;
use crate::vocab::{Class, Client, Hardware, Outcome, Source, UserKind};

/// The azure_quantum format.
pub struct AzureQuantum;

impl Format for AzureQuantum {
    fn name(&self) -> &'static str {
        "azure_quantum"
    }

    fn detect(&self, record: &Value) -> bool {
        let Some(obj) = record.as_object() else {
            return false;
        };
        let has = |k: &str| obj.get(k).is_some_and(|v| !v.is_null());
        let item_type = obj.get("itemType").and_then(|v| v.as_str());
        let typed = matches!(item_type, Some(t) if t.eq_ignore_ascii_case("job") || t.eq_ignore_ascii_case("session"));
        (typed && (has("providerId") || has("target")))
            || (has("providerId") && has("target") && has("creationTime"))
            || (has("provider_id") && has("target") && has("creation_time"))
    }

    fn normalize(&self, record: &Value) -> Result<NormalizedEvent, NormalizeError> {
        // Older azure-quantum SDKs save `JobDetails.as_dict()`, which spells every
        // key in snake_case (`provider_id`, `begin_execution_time`, `cost_estimate`).
        if record.get("provider_id").is_some() || record.get("creation_time").is_some() {
            return normalize_item(&camel_case_keys(record));
        }
        normalize_item(record)
    }
}

/// The record with its schema's keys in camelCase (`cost_estimate.currency_code` →
/// `costEstimate.currencyCode`). Values are left as they are, and so are the keys
/// below the maps whose keys are the provider's or the user's (`input_params`,
/// `metadata`, `tags`, `usage`).
fn camel_case_keys<'a>(v: &Value<'a>) -> Value<'a> {
    const OPAQUE: &[&str] = &["input_params", "metadata", "tags", "usage"];
    match v {
        Value::Object(map) => {
            // In key order, as serde_json's map went: when two keys become one
            // (`provider_id` and `providerId`), the last in that order wins.
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(Box::new(
                entries
                    .into_iter()
                    .map(|(k, v)| {
                        let v = if OPAQUE.contains(&k.as_ref()) {
                            v.clone()
                        } else {
                            camel_case_keys(v)
                        };
                        let mut key = String::with_capacity(k.len());
                        let mut upper = false;
                        for c in k.chars() {
                            if c == '_' && !key.is_empty() {
                                upper = true;
                            } else if upper {
                                key.extend(c.to_uppercase());
                                upper = false;
                            } else {
                                key.push(c);
                            }
                        }
                        (Cow::Owned(key), v)
                    })
                    .collect(),
            ))
        }
        Value::Array(items) => Value::Array(Box::new(items.iter().map(camel_case_keys).collect())),
        other => other.clone(),
    }
}

/// Normalizes one job or session record with camelCase keys.
fn normalize_item(record: &Value) -> Result<NormalizedEvent, NormalizeError> {
    let id = require_text(record, "id")?;
    let created = require_time(record, "creationTime")?;
    let is_session = text(record, "itemType").is_some_and(|t| t.eq_ignore_ascii_case("session"));
    let item_type = if is_session { "Session" } else { "Job" };
    let status_raw = text(record, "status");
    let state = status_raw
        .as_deref()
        .map(State::parse)
        .unwrap_or(State::Unknown);

    let begin = time(record, "beginExecutionTime");
    let end = time(record, "endExecutionTime");
    let at = event_time(record, state, created, begin, end);

    let (class, action) = if is_session {
        let action = match state {
            State::Waiting | State::Executing => "open",
            State::Cancelling => "cancel",
            State::Succeeded
            | State::Failed
            | State::Cancelled
            | State::TimedOut
            | State::PartlyFailed => "close",
            State::Unknown => "update",
        };
        (Class::Queue, action)
    } else {
        (Class::Job, state.lifecycle().action())
    };

    let mut e = NormalizedEvent::new(Source::AzureQuantum, at, class, action);
    let status_text = status_raw.as_deref().unwrap_or("unknown");
    e.source_id = Some(format!("{id}:{status_text}:{}", at.to_rfc3339()));
    e.operation = Some(format!("{item_type}:{status_text}"));
    e.service = Some("Microsoft.Quantum".to_string());
    e.provider = text(record, "providerId");
    e.backend = text(record, "target");
    e.hardware = e.backend.as_deref().and_then(target_hardware);
    e.project = first_text(record, &["workspace", "workspaceName", "workspaceId"]);
    e.job_status = state.lifecycle().job_status();
    e.outcome = state.lifecycle().outcome();
    if e.outcome == Outcome::Failure {
        e.reason = Some(failure_reason(record, state, status_text));
    }

    let name = text(record, "name");
    let target = e.backend.as_deref().unwrap_or("unknown target");
    e.message = Some(match &name {
        Some(n) => format!("{item_type} '{n}' {status_text} on {target}"),
        None => format!("{item_type} {status_text} on {target}"),
    });

    if is_session {
        e.session_id = Some(id);
    } else {
        e.job_id = Some(id);
        e.session_id = text(record, "sessionId");
        e.queue_seconds = seconds_between(Some(created), begin);
        // Only the finished snapshot carries the run time: `Finishing` already has
        // both ends too, and the job's time would count twice.
        e.qpu_seconds = state
            .lifecycle()
            .finished()
            .then(|| seconds_between(begin, end))
            .flatten();
        e.shots = shots(record);
        e.cost = float(record, "costEstimate.estimatedTotal");
        if e.cost.is_some() {
            e.currency = text(record, "costEstimate.currencyCode");
        }
        if sdk_hint(record) {
            e.client = Client::Sdk;
        }
    }
    // Records since API version 2025-12-01-preview name who created the item.
    e.user = text(record, "createdBy");
    e.user_kind = match text(record, "createdByType").map(|t| t.to_ascii_lowercase()) {
        Some(t) if t == "user" => UserKind::Human,
        Some(t) if matches!(t.as_str(), "application" | "managedidentity" | "key") => {
            UserKind::Service
        }
        _ if e.user.as_deref().is_some_and(|u| u.contains('@')) => UserKind::Human,
        _ => UserKind::Unknown,
    };
    Ok(e)
}

/// The lifecycle states of `JobStatus` and `SessionStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Waiting,
    Executing,
    Cancelling,
    Succeeded,
    Failed,
    PartlyFailed,
    TimedOut,
    Cancelled,
    Unknown,
}

impl State {
    fn parse(s: &str) -> State {
        match s.to_ascii_lowercase().as_str() {
            "waiting" | "queued" => State::Waiting,
            "executing" | "finishing" => State::Executing,
            "cancellationrequested" | "cancelling" => State::Cancelling,
            "succeeded" | "completed" => State::Succeeded,
            "failed" => State::Failed,
            "failure(s)" => State::PartlyFailed,
            "timedout" => State::TimedOut,
            "cancelled" | "canceled" => State::Cancelled,
            _ => State::Unknown,
        }
    }

    /// What the state means for a job: timing out and partly failing are failing.
    fn lifecycle(self) -> JobState {
        match self {
            State::Waiting => JobState::Queued,
            State::Executing => JobState::Running,
            State::Cancelling => JobState::Cancelling,
            State::Succeeded => JobState::Completed,
            State::Failed | State::PartlyFailed | State::TimedOut => JobState::Failed,
            State::Cancelled => JobState::Cancelled,
            State::Unknown => JobState::Unknown,
        }
    }
}

/// The time of the state the snapshot reports.
fn event_time(
    record: &Value,
    state: State,
    created: DateTime<Utc>,
    begin: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
) -> DateTime<Utc> {
    let cancelled = time(record, "cancellationTime");
    // `lastUpdatedTime` is the system's last change; `lastModifiedTime` also moves
    // when a user renames or re-tags the item, so it comes second.
    let modified = time(record, "lastUpdatedTime").or_else(|| time(record, "lastModifiedTime"));
    let chain: &[Option<DateTime<Utc>>] = if state.lifecycle().finished() {
        &[end, cancelled, modified, begin]
    } else if state == State::Executing {
        // `Finishing` has an end time: execution is over, results are being written.
        &[end, begin]
    } else if state == State::Cancelling {
        &[cancelled, modified, begin]
    } else {
        &[]
    };
    chain.iter().flatten().next().copied().unwrap_or(created)
}

/// `errorData.code: errorData.message`, or a description of the state.
fn failure_reason(record: &Value, state: State, status: &str) -> String {
    let code = text(record, "errorData.code");
    let message = text(record, "errorData.message");
    match (code, message) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c,
        (None, Some(m)) => m,
        (None, None) => match state {
            State::TimedOut => "session timed out".to_string(),
            State::PartlyFailed => "session completed with job failures".to_string(),
            State::Cancelled => "cancelled".to_string(),
            _ => status.to_string(),
        },
    }
}

/// Shots requested: `inputParams.shots`, or the older `count` most providers read;
/// else the shots the provider reports in `usage` (API version 2025-12-01-preview).
fn shots(record: &Value) -> Option<i64> {
    ["shots", "count", "num_shots", "n_shots", "runs"]
        .iter()
        .find_map(|k| {
            let v = get(record, &format!("inputParams.{k}"))?;
            match v {
                Value::Static(StaticNode::I64(_) | StaticNode::U64(_) | StaticNode::F64(_)) => {
                    v.as_i64()
                }
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            }
        })
        .or_else(|| int(record, "usage.shots"))
        .filter(|n| *n >= 0)
}

/// The job metadata the Qiskit and Cirq integrations of the azure-quantum SDK write.
fn sdk_hint(record: &Value) -> bool {
    get(record, "metadata")
        .and_then(|v| v.as_object())
        .is_some_and(|m| m.contains_key("qiskit") || m.contains_key("cirq"))
}

/// Real hardware or a simulator, from the Azure Quantum target id.
///
/// Simulators and emulators: `ionq.simulator`, `quantinuum.sim.*` (`-sc` syntax
/// checkers, `-e` emulators), `quantinuum.hqs-lt-s1-sim` / `-apival`, `rigetti.sim.qvm`,
/// `pasqal.sim.*`, `*.emulator`, Microsoft's classical targets (`microsoft.estimator`,
/// `microsoft.dft`, ...) and the `echo-*` test targets. Hardware: `*.qpu*`
/// (`ionq.qpu.aria-1`, `quantinuum.qpu.h2-1`, `rigetti.qpu.ankaa-3`,
/// `pasqal.qpu.fresnel`), the older Quantinuum/Honeywell `*.hqs-lt-s1`, `-s2`, and
/// `qci.machine1`. Anything else is left unknown.
pub(super) fn target_hardware(target: &str) -> Option<Hardware> {
    let t = target.to_ascii_lowercase();
    let parts: Vec<&str> = t.split('.').collect();
    let simulated = parts
        .iter()
        .any(|p| matches!(*p, "sim" | "simulator" | "emulator" | "estimator" | "qvm"))
        || ["simulator", "emulator", "-sim", "apival", "echo-"]
            .iter()
            .any(|n| t.contains(n))
        || t.starts_with("microsoft.")
        || t.starts_with("microsoft-");
    if simulated {
        return Some(Hardware::Simulator);
    }
    let real = parts.iter().any(|p| p.starts_with("qpu"))
        || t.contains(".hqs-lt-s")
        || t.starts_with("qci.machine");
    real.then_some(Hardware::Qpu)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::json::from_serde;
    use crate::normalize::test_support::{corpus_records, fixture, normalize_as};
    use crate::vocab::JobStatus;

    fn ts(s: &str) -> DateTime<Utc> {
        super::super::fields::parse_time(s).expect("test timestamp")
    }

    fn fixtures() -> Vec<NormalizedEvent> {
        fixture("azure_quantum/jobs.jsonl")
            .iter()
            .map(|v| normalize_as("azure_quantum", &v.to_string()))
            .collect()
    }

    #[test]
    fn a_record_saved_by_an_older_sdk_in_snake_case_normalizes_alike() {
        let e = normalize_as(
            "azure_quantum",
            r#"{"id":"5d6f0a1e-snake","name":"bell","provider_id":"ionq","target":"ionq.qpu.aria-1","status":"Succeeded","creation_time":"2026-11-10T09:00:00.1234567Z","begin_execution_time":"2026-11-10T09:10:00Z","end_execution_time":"2026-11-10T09:12:30Z","input_params":{"num_shots":500},"cost_estimate":{"currency_code":"USD","estimated_total":12.5},"error_data":null,"session_id":"s-77","metadata":{"qiskit":"True"}}"#,
        );
        assert_eq!(e.job_status, Some(JobStatus::Completed));
        assert_eq!(e.time, ts("2026-11-10T09:12:30Z"));
        assert_eq!(e.queue_seconds, Some(599.876543));
        assert_eq!(e.qpu_seconds, Some(150.0));
        assert_eq!(e.shots, Some(500));
        assert_eq!(e.cost, Some(12.5));
        assert_eq!(e.currency.as_deref(), Some("USD"));
        assert_eq!(e.session_id.as_deref(), Some("s-77"));
        assert_eq!(e.hardware, Some(Hardware::Qpu));
        assert_eq!(e.client, Client::Sdk);
    }

    #[test]
    fn newer_records_name_who_created_the_job_and_report_shots_used() {
        let e = normalize_as(
            "azure_quantum",
            r#"{"id":"j-2025","name":"ghz","itemType":"Job","providerId":"quantinuum","target":"quantinuum.sim.h2-1e","status":"Succeeded","creationTime":"2026-11-10T09:00:00Z","beginExecutionTime":"2026-11-10T09:01:00Z","endExecutionTime":"2026-11-10T09:02:00Z","createdBy":"carol@qlab.example","createdByType":"User","lastModifiedTime":"2026-11-12T00:00:00Z","lastUpdatedTime":"2026-11-10T09:02:01Z","priority":"Standard","usage":{"shots":1000,"standardMinutes":0.4}}"#,
        );
        assert_eq!(e.user.as_deref(), Some("carol@qlab.example"));
        assert_eq!(e.user_kind, UserKind::Human);
        assert_eq!(e.shots, Some(1000));
        assert_eq!(e.hardware, Some(Hardware::Simulator));
        let m = normalize_as(
            "azure_quantum",
            r#"{"id":"j-2026","itemType":"Job","providerId":"ionq","target":"ionq.simulator","status":"Cancelled","creationTime":"2026-11-10T09:00:00Z","createdBy":"9f1c-app-id","createdByType":"ManagedIdentity","lastModifiedTime":"2026-11-12T00:00:00Z","lastUpdatedTime":"2026-11-10T09:00:05Z"}"#,
        );
        assert_eq!(m.user_kind, UserKind::Service);
        // A rename two days later moves lastModifiedTime, not the cancellation.
        assert_eq!(m.time, ts("2026-11-10T09:00:05Z"));
    }

    #[test]
    fn succeeded_qpu_job() {
        let e = &fixtures()[0];
        assert_eq!(e.source, Source::AzureQuantum);
        assert_eq!(e.class, Class::Job);
        assert_eq!(e.action, "complete");
        assert_eq!(e.outcome, Outcome::Success);
        assert_eq!(e.job_status, Some(JobStatus::Completed));
        assert_eq!(e.time, ts("2025-03-10T14:31:40.250Z"));
        assert_eq!(
            e.job_id.as_deref(),
            Some("7d1b7c3e-5f0a-4a8e-9a43-1c2d3e4f5a60")
        );
        assert_eq!(e.provider.as_deref(), Some("ionq"));
        assert_eq!(e.backend.as_deref(), Some("ionq.qpu.aria-1"));
        assert_eq!(e.hardware, Some(Hardware::Qpu));
        assert_eq!(e.shots, Some(500));
        assert_eq!(e.queue_seconds, Some(1802.0));
        assert_eq!(e.qpu_seconds, Some(58.25));
        assert_eq!(e.cost, Some(97.5));
        assert_eq!(e.currency.as_deref(), Some("USD"));
        assert_eq!(
            e.session_id.as_deref(),
            Some("c0ffee00-1111-2222-3333-444455556666")
        );
        assert_eq!(e.client, Client::Sdk);
        assert_eq!(e.operation.as_deref(), Some("Job:Succeeded"));
        assert_eq!(e.service.as_deref(), Some("Microsoft.Quantum"));
        assert_eq!(e.user, None);
        assert_eq!(e.src_ip, None);
        assert_eq!(
            e.source_id.as_deref(),
            Some("7d1b7c3e-5f0a-4a8e-9a43-1c2d3e4f5a60:Succeeded:2025-03-10T14:31:40.250+00:00")
        );
        assert_eq!(
            e.message.as_deref(),
            Some("Job 'bell-state' Succeeded on ionq.qpu.aria-1")
        );
    }

    #[test]
    fn failed_simulator_job_and_waiting_and_executing_snapshots() {
        let ev = fixtures();
        let failed = &ev[1];
        assert_eq!(failed.action, "fail");
        assert_eq!(failed.outcome, Outcome::Failure);
        assert_eq!(failed.job_status, Some(JobStatus::Failed));
        assert_eq!(failed.backend.as_deref(), Some("quantinuum.sim.h2-1e"));
        assert_eq!(failed.hardware, Some(Hardware::Simulator));
        assert_eq!(
            failed.reason.as_deref(),
            Some("InvalidInputData: The circuit uses 60 qubits; the target supports 56.")
        );
        // Failed before it began: no begin/end, time falls back to the creation time.
        assert_eq!(failed.time, ts("2025-03-11T09:00:00Z"));
        assert_eq!(failed.queue_seconds, None);
        assert_eq!(failed.qpu_seconds, None);
        assert_eq!(failed.shots, Some(100));
        assert_eq!(failed.cost, None);

        let waiting = &ev[2];
        let executing = &ev[3];
        assert_eq!(waiting.job_id, executing.job_id);
        assert_ne!(waiting.source_id, executing.source_id);
        assert_eq!(waiting.action, "submit");
        assert_eq!(waiting.job_status, Some(JobStatus::Queued));
        assert_eq!(waiting.outcome, Outcome::Unknown);
        assert_eq!(waiting.time, ts("2025-03-12T08:00:00.5Z"));
        assert_eq!(executing.action, "start");
        assert_eq!(executing.job_status, Some(JobStatus::Running));
        assert_eq!(executing.time, ts("2025-03-12T08:05:00.5Z"));
        assert_eq!(executing.queue_seconds, Some(300.0));
        assert_eq!(executing.qpu_seconds, None);
        assert_eq!(executing.hardware, Some(Hardware::Qpu));
        assert_eq!(executing.shots, Some(1000));
    }

    #[test]
    fn cancelled_job_is_a_failure_at_cancellation_time() {
        let e = &fixtures()[4];
        assert_eq!(e.action, "cancel");
        assert_eq!(e.outcome, Outcome::Failure);
        assert_eq!(e.job_status, Some(JobStatus::Cancelled));
        assert_eq!(e.reason.as_deref(), Some("cancelled"));
        assert_eq!(e.time, ts("2025-03-13T10:02:00Z"));
        assert_eq!(e.hardware, Some(Hardware::Qpu));
        assert_eq!(e.backend.as_deref(), Some("rigetti.qpu.ankaa-3"));
    }

    #[test]
    fn sessions_are_queue_events() {
        let ev = fixtures();
        let open = &ev[5];
        assert_eq!(open.class, Class::Queue);
        assert_eq!(open.action, "open");
        assert_eq!(
            open.session_id.as_deref(),
            Some("5e551000-aaaa-bbbb-cccc-000000000001")
        );
        assert_eq!(open.job_id, None);
        assert_eq!(open.outcome, Outcome::Unknown);
        assert_eq!(open.time, ts("2025-03-14T12:00:00Z"));
        let timed_out = &ev[6];
        assert_eq!(timed_out.class, Class::Queue);
        assert_eq!(timed_out.action, "close");
        assert_eq!(timed_out.outcome, Outcome::Failure);
        assert_eq!(timed_out.reason.as_deref(), Some("session timed out"));
        assert_eq!(timed_out.time, ts("2025-03-14T12:30:00Z"));
        assert_eq!(timed_out.qpu_seconds, None);
        assert_eq!(timed_out.cost, None);
        assert_eq!(timed_out.hardware, Some(Hardware::Qpu));
        assert_ne!(open.source_id, timed_out.source_id);
    }

    #[test]
    fn target_names() {
        for t in [
            "ionq.simulator",
            "quantinuum.sim.h1-1sc",
            "quantinuum.sim.h2-1e",
            "rigetti.sim.qvm",
            "pasqal.sim.emu-tn",
            "microsoft.estimator",
            "microsoft.dft",
            "echo-quantinuum",
            "quantinuum.hqs-lt-s1-sim",
            "quantinuum.hqs-lt-s1-apival",
            "foo.emulator",
        ] {
            assert_eq!(target_hardware(t), Some(Hardware::Simulator), "{t}");
        }
        for t in [
            "ionq.qpu",
            "ionq.qpu.aria-1",
            "ionq.qpu.forte-1",
            "quantinuum.qpu.h1-1",
            "quantinuum.hqs-lt-s1",
            "rigetti.qpu.ankaa-3",
            "pasqal.qpu.fresnel",
            "qci.machine1",
        ] {
            assert_eq!(target_hardware(t), Some(Hardware::Qpu), "{t}");
        }
        assert_eq!(target_hardware("contoso.mystery"), None);
    }

    #[test]
    fn detection() {
        let f = AzureQuantum;
        assert!(f.detect(&from_serde(
            serde_json::json!({"itemType": "Job", "providerId": "ionq", "target": "ionq.simulator"})
        )));
        assert!(f.detect(&from_serde(serde_json::json!({"providerId": "ionq", "target": "ionq.qpu", "creationTime": "2025-01-01T00:00:00Z"}))));
        assert!(!f.detect(&from_serde(serde_json::json!({"itemType": "Job"}))));
        assert!(!f.detect(&from_serde(serde_json::json!({"operationName": "Microsoft.Quantum/workspaces/write", "time": "2025-01-01T00:00:00Z"}))));
        assert!(!f.detect(&from_serde(
            serde_json::json!({"id": "x", "backend": "ibm_kyiv", "created": "2025-01-01T00:00:00Z"})
        )));
        assert!(!f.detect(&from_serde(serde_json::json!([1, 2]))));
    }

    #[test]
    fn errors_name_the_field() {
        let f = AzureQuantum;
        let no_time = serde_json::json!({"itemType": "Job", "id": "j1", "providerId": "ionq", "target": "ionq.qpu", "status": "Waiting"});
        let err = f
            .normalize(&from_serde(no_time))
            .expect_err("creationTime is required");
        assert!(err.0.contains("`creationTime`"), "{err}");
        let bad_time = serde_json::json!({"itemType": "Job", "id": "j1", "providerId": "ionq", "target": "ionq.qpu", "creationTime": "yesterday"});
        let err = f
            .normalize(&from_serde(bad_time))
            .expect_err("creationTime must parse");
        assert!(
            err.0.contains("`creationTime`") && err.0.contains("yesterday"),
            "{err}"
        );
        let no_id = serde_json::json!({"itemType": "Job", "providerId": "ionq", "target": "ionq.qpu", "creationTime": "2025-01-01T00:00:00Z"});
        let err = f.normalize(&from_serde(no_id)).expect_err("id is required");
        assert!(err.0.contains("`id`"), "{err}");
    }

    #[test]
    fn corpus() {
        let Some(records) = corpus_records(
            "azure-quantum/microsoft__azure-quantum-python/azure-quantum/tests/unit/recordings/EXTRACTED_job_and_session_records.jsonl",
        ) else {
            return;
        };
        assert_eq!(records.len(), 2270);
        let (mut ok, mut failures, mut sessions) = (0, 0, 0);
        for r in &records {
            let v = from_serde(r.clone());
            let found = crate::normalize::detect(&v).map(|f| f.name());
            assert_eq!(found, Some("azure_quantum"), "not detected: {r}");
            let e = AzureQuantum
                .normalize(&v)
                .unwrap_or_else(|err| panic!("{err}: {r}"));
            ok += 1;
            assert!(e.source_id.is_some());
            assert!(e.hardware.is_some(), "no hardware for {:?}", e.backend);
            if e.outcome == Outcome::Failure {
                failures += 1;
                assert!(e.reason.is_some());
            }
            if e.class == Class::Queue {
                sessions += 1;
            }
        }
        assert_eq!(ok, 2270);
        // 265 failed jobs; 24 failed, 9 timed-out and 1 partly failed sessions.
        assert_eq!(failures, 265 + 24 + 9 + 1);
        assert_eq!(sessions, 204);

        let item = |id: &str, status: &str| {
            records
                .iter()
                .find(|r| r["id"] == id && r["status"] == status)
                .unwrap_or_else(|| panic!("corpus record {id} {status}"))
        };
        // A succeeded IonQ simulator job: queue and run time exactly from the timestamps.
        let e = AzureQuantum
            .normalize(&from_serde(
                item("a9342dee-d4f5-11ee-8801-00155d699477", "Succeeded").clone(),
            ))
            .expect("normalizes");
        assert_eq!(e.time, ts("2024-02-26T22:23:37.912Z"));
        // 22:23:37.824 - 22:23:28.1066358 = 9.7173642 s; `seconds_between` keeps microseconds.
        assert_eq!(e.queue_seconds, Some(9.717364));
        assert_eq!(e.qpu_seconds, Some(0.088));
        assert_eq!(e.shots, Some(100));
        assert_eq!(e.cost, Some(0.0));
        assert_eq!(e.currency.as_deref(), Some("USD"));
        assert_eq!(e.hardware, Some(Hardware::Simulator));
        assert_eq!(e.provider.as_deref(), Some("ionq"));
        assert_eq!(e.outcome, Outcome::Success);
        // A job that failed before it ran.
        let e = AzureQuantum
            .normalize(&from_serde(
                item("2968d372-e7f0-11ee-9aeb-00155dfe59ef", "Failed").clone(),
            ))
            .expect("normalizes");
        assert_eq!(e.outcome, Outcome::Failure);
        assert_eq!(e.action, "fail");
        assert_eq!(
            e.reason.as_deref(),
            Some("PropertyNotSpecified: The request does not contain a 'quotas' property.")
        );
        assert_eq!(e.time, ts("2024-03-22T02:01:57.5170626Z"));
        assert_eq!(e.qpu_seconds, None);
        assert_eq!(e.client, Client::Sdk);
        // Results still being written: the run time waits for the finished snapshot.
        let e = AzureQuantum
            .normalize(&from_serde(
                item("00000000-0000-0000-0000-000000000001", "Finishing").clone(),
            ))
            .expect("normalizes");
        assert_eq!(e.job_status, Some(JobStatus::Running));
        assert_eq!(e.qpu_seconds, None);
        // A failed session closes the queue reservation.
        let e = AzureQuantum
            .normalize(&from_serde(
                item("43e0c690-e7f2-11ee-98c1-00155dfe59ef", "Failed").clone(),
            ))
            .expect("normalizes");
        assert_eq!(
            (e.class, e.action.as_str(), e.outcome),
            (Class::Queue, "close", Outcome::Failure)
        );
        assert_eq!(e.time, ts("2024-03-22T02:17:01.2971486Z"));
    }
}
