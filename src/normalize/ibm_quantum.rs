//! IBM Quantum: Qiskit Runtime job and session records and IBM Cloud activity-tracking
//! events.
//!
//! Three shapes, told apart by `detect`:
//!
//! **Job records** (`GET /jobs`, `/jobs/{id}` of the Qiskit Runtime REST API, or the
//! older `/facade/v1/jobs`): `id`, `backend`, `state{status, reason, reason_code}`,
//! `status`, `created`, `program{id}`, `params`, `usage{quantum_seconds, seconds}`,
//! `session_id`, `user_id`, `tags`, `private`, `cost`, `estimated_running_time_seconds`,
//! and in the older shape `hub`/`group`/`project`, `endTime`. A collector may merge the
//! job's metrics (`GET /jobs/{id}/metrics`: `timestamps{created, running, finished}`,
//! `usage`) into the record, at the top level or under `metrics`. IBM Quantum
//! Platform's workloads (`GET /workloads`: `id`, `created`, `ended`, `backend`,
//! `instance`, `user_id`, `mode` job/session/batch, flat `status` pending /
//! in_progress / completed / failed / canceled, `status_reason`) in `job` mode are job
//! records too (their `usage_seconds` is the job's usage); a workload in `session` or
//! `batch` mode is the session itself (below).
//! - A record is a snapshot. `status` → action / job_status / outcome: Queued (and
//!   Initializing, Validating) → submit / queued / unknown; Running → start / running /
//!   unknown; Completed (DONE) → complete / completed / success; Failed (ERROR) → fail /
//!   failed / failure; Cancelled (also "Cancelled - Ran too long") → cancel /
//!   cancelled / failure; a workload's in_progress is running. `reason` =
//!   `state.reason_code: state.reason` (a workload's `status_reason`).
//! - `time`: `timestamps.finished` (or `ended`, `endTime`) for a finished job,
//!   `timestamps.running` for a running one, otherwise `created` (required).
//! - `queue_seconds` = `timestamps.running - created`; `qpu_seconds` =
//!   `usage.qpu_charge_time_seconds` (current metrics), else `usage.quantum_seconds`
//!   (else `usage.seconds`, else `bss.seconds`, IBM's billed quantum time); none while
//!   the metrics' `usage.status` is `pending` (that snapshot's source_id says so,
//!   and a finished job's pending snapshot is an `update` of unknown outcome: the
//!   settled snapshot ends the job, once).
//!   A job is Running from the start of its classical processing, not of its QPU
//!   execution, so `queue_seconds` is the wait for any processing.
//! - `cost` is left empty: IBM's `cost` is an estimate in seconds, not money.
//! - `user_id` is the IBM Cloud IAM id; it is also the `user` (the record has no name).
//! - `project` = the instance CRN (`crn`/`instance`) or `hub/group/project`; the CRN
//!   also gives `tenant` (the account `a/...`) and `region`.
//! - `source_id` = `id:status:time`, so snapshots of one job in different states differ.
//!
//! **Session records** (`GET /sessions/{id}` of the Qiskit Runtime REST API: `id`,
//! `backend_name`, `mode` dedicated / batch, `state` open / active / inactive / closed,
//! `state_reason`, `accepting_jobs`, `started_at` (created), `activated_at`,
//! `closed_at`, `last_job_started`, `last_job_completed`, `interactive_ttl`,
//! `max_ttl`, `active_ttl`, `timestamps[{status, timestamp}]`, `user_id`,
//! `elapsed_time`; or qiskit-ibm-runtime's `Session.details()` / `Batch.details()`,
//! the same with `interactive_timeout`, `max_time`, `active_timeout`, `usage_time`),
//! and `session` / `batch` mode workloads. A session reserves the backend's queue for
//! its jobs, so these are class `queue`, `session_id` = the id (no `job_id`):
//!
//!   | state (workload status) | action | job_status | outcome |
//!   |---|---|---|---|
//!   | open (pending) | open | queued | unknown |
//!   | active (in_progress) | open | running | unknown |
//!   | inactive (idle past `interactive_ttl`, still open) | update | queued | unknown |
//!   | closed (completed) | close | completed | success |
//!   | (failed) | close | failed | failure |
//!   | (canceled) | close | cancelled | failure |
//!
//!   `time` is the state's: `closed_at` (a workload's `ended`) once closed, the last
//!   `timestamps` entry of the state, `activated_at` while active, else `started_at`
//!   (or `created_at`, `created`; one is required). `reason` = `state_reason`
//!   (`status_reason`). `source_id` = `id:state:time`. `operation` = `session:<state>`
//!   or `batch:<state>`. backend, hardware, user and project as for jobs.
//! - No `qpu_seconds` on a session: IBM bills session and batch work by the session's
//!   usage (`elapsed_time`, `usage_time`), but for a batch that is the sum of its jobs'
//!   quantum time and for a dedicated session the wall-clock time it was active, which
//!   holds its jobs' quantum time, and every job carries its own usage: summing both
//!   would count the jobs twice. The session's usage is kept in `message` (and `raw`).
//!
//! **Activity-tracking events** (IBM Cloud Activity Tracker / Cloud Logs, CADF):
//! `action` `quantum-computing.<object>.<verb>` (`job.create`, `job.cancel`,
//! `job.read`, `session.create`, ...), `eventTime`, `outcome`, `reason{reasonCode,
//! reasonType, reasonForFailure}`, `initiator{id, name, typeURI, credential{type},
//! host{address, agent}}`, `target{id (CRN), name, typeURI}`, `requestData`,
//! `responseData`, `correlationId`, `message`. These carry the user and source IP.
//! - class: `job` for job objects, `queue` for sessions, `api_activity` otherwise;
//!   action: job.create → submit, session.create → open, session.delete/close →
//!   close, other verbs as they are (cancel, delete, read, list, update, ...).
//! - outcome: `success` / `failure` (also any reasonCode ≥ 400) / otherwise unknown.
//! - user = user_id = `initiator.id` (the IAM id, which job records carry too, so a
//!   person's jobs and API calls are one principal to the rules; the name, e.g. an
//!   e-mail, is appended to `message`), user_kind from
//!   `initiator.typeURI` (`.../user` human, `.../serviceid`, `clientid` service) or
//!   the id prefix (`IBMid-` human, `iam-ServiceId-` service); src_ip and user_agent
//!   from `initiator.host`; request_id = `correlationId`.
//! - `initiator.credential` holds only the credential *type*; an `apikeyId` (the id
//!   of an API key, not the key) is kept as `token_id` when present.

use chrono::{DateTime, Utc};

use super::job_state::JobState;
use super::json::prelude::*;

use super::fields::{
    boolean, client_from_user_agent, first_text, float, get, int, parse_time_value, require_text,
    require_time, seconds_between, text, time,
};
use super::{Format, NormalizeError};
use crate::event::NormalizedEvent;
use crate::vocab::{Class, Hardware, JobStatus, Outcome, Source, UserKind};

/// The ibm_quantum format.
pub struct IbmQuantum;

impl Format for IbmQuantum {
    fn name(&self) -> &'static str {
        "ibm_quantum"
    }

    fn detect(&self, record: &Value) -> bool {
        is_activity_event(record) || is_session_record(record) || is_job_record(record)
    }

    fn normalize(&self, record: &Value) -> Result<NormalizedEvent, NormalizeError> {
        if is_activity_event(record) {
            activity_event(record)
        } else if is_session_record(record) || is_session_workload(record) {
            session_record(record)
        } else {
            job_record(record)
        }
    }
}

/// An IBM Cloud activity-tracking event of the Qiskit Runtime service.
fn is_activity_event(record: &Value) -> bool {
    record
        .get("action")
        .and_then(|a| a.as_str())
        .is_some_and(|a| a.starts_with("quantum-computing."))
        && (record.get("initiator").is_some_and(|i| i.is_object())
            || record.get("eventTime").is_some())
}

/// A Qiskit Runtime job object: an id, a creation time, and a program or a state.
fn is_job_record(record: &Value) -> bool {
    let Some(obj) = record.as_object() else {
        return false;
    };
    if obj.contains_key("itemType") || obj.contains_key("providerId") {
        return false;
    }
    let program = obj.get("program").is_some_and(|p| p.get("id").is_some());
    let state = obj.get("state").is_some_and(|s| s.get("status").is_some());
    // A workload (`GET /workloads`) has neither: a flat `status` and a `mode`.
    let workload = obj.contains_key("status")
        && obj.contains_key("mode")
        && (obj.contains_key("backend") || obj.contains_key("instance"));
    obj.contains_key("id") && obj.contains_key("created") && (program || state || workload)
}

/// Keys only a Qiskit Runtime session has: the REST API's, then `Session.details()`'s.
const SESSION_KEYS: &[&str] = &[
    "accepting_jobs",
    "interactive_ttl",
    "max_ttl",
    "active_ttl",
    "interactive_timeout",
    "active_timeout",
    "last_job_started",
    "last_job_completed",
    "activated_at",
];

/// A Qiskit Runtime session or batch (`GET /sessions/{id}`, `Session.details()`): a
/// string id, a session `state`, a session-only key, and a backend or session mode.
/// (A GitHub issue has an `open`/`closed` state too, but a numeric id and none of these.)
fn is_session_record(record: &Value) -> bool {
    let Some(obj) = record.as_object() else {
        return false;
    };
    let mode = || {
        obj.get("mode")
            .and_then(|m| m.as_str())
            .is_some_and(|m| m.eq_ignore_ascii_case("dedicated") || m.eq_ignore_ascii_case("batch"))
    };
    // Cheap key lookups first: this runs on every record no earlier format took.
    obj.get("id").is_some_and(|v| v.is_str())
        && SESSION_KEYS.iter().any(|k| obj.contains_key(*k))
        && (obj.contains_key("backend_name") || mode())
        && obj
            .get("state")
            .and_then(|s| s.as_str())
            .is_some_and(|s| SessionState::parse(s) != SessionState::Unknown)
}

/// A workload (`GET /workloads`) that is a session or a batch rather than a job.
fn is_session_workload(record: &Value) -> bool {
    is_job_record(record)
        && get(record, "program.id").is_none()
        && get(record, "state.status").is_none()
        && text(record, "mode")
            .is_some_and(|m| m.eq_ignore_ascii_case("session") || m.eq_ignore_ascii_case("batch"))
}

/// The states of a session (`state`), or of a session workload (`status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SessionState {
    Open,
    Active,
    Inactive,
    Closed,
    Failed,
    Cancelled,
    Unknown,
}

impl SessionState {
    fn parse(s: &str) -> SessionState {
        let s = s.trim().to_ascii_lowercase();
        match s.as_str() {
            "open" | "pending" => SessionState::Open,
            "active" | "in_progress" => SessionState::Active,
            "inactive" => SessionState::Inactive,
            "closed" | "completed" => SessionState::Closed,
            "failed" => SessionState::Failed,
            "canceled" | "cancelled" => SessionState::Cancelled,
            _ => SessionState::Unknown,
        }
    }

    fn closed(self) -> bool {
        matches!(
            self,
            SessionState::Closed | SessionState::Failed | SessionState::Cancelled
        )
    }
}

fn session_record(record: &Value) -> Result<NormalizedEvent, NormalizeError> {
    let id = require_text(record, "id")?;
    let status =
        first_text(record, &["state", "status"]).ok_or_else(|| NormalizeError::missing("state"))?;
    let state = SessionState::parse(&status);
    let created = ["started_at", "created_at", "created"]
        .iter()
        .find_map(|p| time(record, p));
    // The last entry of the API's state history for the current state.
    let entered = get(record, "timestamps")
        .and_then(|t| t.as_array())
        .and_then(|entries| {
            entries.iter().rev().find_map(|entry| {
                let s = entry.get("status").and_then(|s| s.as_str())?;
                if s.eq_ignore_ascii_case(&status) {
                    entry.get("timestamp").and_then(parse_time_value)
                } else {
                    None
                }
            })
        });
    let chain: [Option<DateTime<Utc>>; 3] = match state {
        _ if state.closed() => [
            time(record, "closed_at").or_else(|| time(record, "ended")),
            entered,
            time(record, "last_job_completed"),
        ],
        SessionState::Active => [entered, time(record, "activated_at"), None],
        SessionState::Inactive => [
            entered,
            time(record, "last_job_completed"),
            time(record, "activated_at"),
        ],
        _ => [entered, None, None],
    };
    let at = chain
        .into_iter()
        .flatten()
        .next()
        .or(created)
        .ok_or_else(|| NormalizeError::missing("started_at"))?;

    let (action, job_status, outcome) = match state {
        SessionState::Open => ("open", Some(JobStatus::Queued), Outcome::Unknown),
        SessionState::Active => ("open", Some(JobStatus::Running), Outcome::Unknown),
        SessionState::Inactive => ("update", Some(JobStatus::Queued), Outcome::Unknown),
        SessionState::Closed => ("close", Some(JobStatus::Completed), Outcome::Success),
        SessionState::Failed => ("close", Some(JobStatus::Failed), Outcome::Failure),
        SessionState::Cancelled => ("close", Some(JobStatus::Cancelled), Outcome::Failure),
        SessionState::Unknown => ("update", None, Outcome::Unknown),
    };
    let mode = text(record, "mode");
    let item = if mode
        .as_deref()
        .is_some_and(|m| m.eq_ignore_ascii_case("batch"))
    {
        "batch"
    } else {
        "session"
    };

    let mut e = NormalizedEvent::new(Source::IbmQuantum, at, Class::Queue, action);
    e.source_id = Some(format!("{id}:{status}:{}", at.to_rfc3339()));
    e.operation = Some(format!("{item}:{status}"));
    e.job_status = job_status;
    e.outcome = outcome;
    e.reason = first_text(record, &["state_reason", "status_reason"])
        .or_else(|| (outcome == Outcome::Failure).then(|| status.clone()));
    // The session API names the backend `backend_name`; a workload `backend`.
    apply_runtime_record(&mut e, record, &["backend_name", "backend"]);
    e.session_id = Some(id);

    let on = e.backend.as_deref().unwrap_or("an unassigned backend");
    let mut message = format!("{item} {status} on {on}");
    if !state.closed() && boolean(record, "accepting_jobs") == Some(false) {
        message.push_str(" (not accepting new jobs)");
    }
    // The billed usage: see the module doc for why it is not qpu_seconds.
    if let Some(usage) = ["elapsed_time", "usage_time", "usage_seconds"]
        .iter()
        .find_map(|p| float(record, p))
    {
        message.push_str(&format!(", usage {usage} s"));
    }
    e.message = Some(message);
    Ok(e)
}

/// A Qiskit Runtime job's status (a workload's too).
fn job_state(s: &str) -> JobState {
    let s = s.trim().to_ascii_lowercase();
    match s.as_str() {
        "queued" | "initializing" | "validating" | "pending" => JobState::Queued,
        "running" | "in_progress" => JobState::Running,
        "completed" | "done" => JobState::Completed,
        "failed" | "error" => JobState::Failed,
        _ if s.starts_with("cancelled") || s.starts_with("canceled") => JobState::Cancelled,
        _ => JobState::Unknown,
    }
}

fn job_record(record: &Value) -> Result<NormalizedEvent, NormalizeError> {
    let id = require_text(record, "id")?;
    let created = require_time(record, "created")?;
    let status = first_text(record, &["state.status", "status"])
        .ok_or_else(|| NormalizeError::missing("state.status"))?;
    let state = job_state(&status);

    let ts = |k: &str| {
        time(record, &format!("timestamps.{k}"))
            .or_else(|| time(record, &format!("metrics.timestamps.{k}")))
    };
    let running = ts("running");
    let finished = ts("finished")
        .or_else(|| time(record, "ended"))
        .or_else(|| time(record, "endTime"))
        .or_else(|| time(record, "end_time"));
    let at = match state {
        _ if state.finished() => finished.or(running),
        JobState::Running => running,
        _ => None,
    }
    .unwrap_or(created);

    let (mut action, mut job_status, mut outcome) =
        (state.action(), state.job_status(), state.outcome());

    // The metrics' `usage.status` is `pending` until IBM has settled the charge: that
    // snapshot gets its own id (so the settled one is not dropped as its replay) and
    // no qpu_seconds (a partial charge would be summed beside the final one).
    let usage_pending = ["usage.status", "metrics.usage.status"]
        .iter()
        .find_map(|p| text(record, p))
        .is_some_and(|s| s.eq_ignore_ascii_case("pending"));
    // Nor does that snapshot end the job: the settled one does, once, or a failed job
    // would count twice in the retry rules and in every count of finished jobs.
    if usage_pending && state.finished() {
        (action, job_status, outcome) = ("update", None, Outcome::Unknown);
    }

    let mut e = NormalizedEvent::new(Source::IbmQuantum, at, Class::Job, action);
    e.source_id = Some(if usage_pending {
        format!("{id}:{status}:{}:usage-pending", at.to_rfc3339())
    } else {
        format!("{id}:{status}:{}", at.to_rfc3339())
    });
    e.job_status = job_status;
    e.outcome = outcome;
    if outcome == Outcome::Failure {
        e.reason = Some(job_reason(record).unwrap_or_else(|| status.clone()));
    }
    let program = text(record, "program.id");
    e.operation = Some(format!("job:{status}"));
    apply_runtime_record(&mut e, record, &["backend", "backend_name"]);
    e.job_id = Some(id);
    e.session_id = first_text(record, &["session_id", "sessionId"]);
    e.shots = shots(record);
    e.queue_seconds = seconds_between(ts("created").or(Some(created)), running);
    e.qpu_seconds = [
        // Current metrics (`GET /jobs/{id}/metrics`, and workloads): the charged QPU time.
        "usage.qpu_charge_time_seconds",
        "metrics.usage.qpu_charge_time_seconds",
        "usage.quantum_seconds",
        "metrics.usage.quantum_seconds",
        "usage.seconds",
        "metrics.usage.seconds",
        // Billed time, quantum seconds only (the metrics endpoint's `bss`).
        "bss.seconds",
        "metrics.bss.seconds",
        // A job-mode workload's usage (`GET /workloads`).
        "usage_seconds",
    ]
    .iter()
    .find_map(|p| float(record, p))
    .filter(|_| !usage_pending);
    let on = e.backend.as_deref().unwrap_or("an unassigned backend");
    let mode = text(record, "mode").map_or(String::new(), |m| format!(" ({m} mode)"));
    e.message = Some(match &program {
        Some(p) => format!("{p} job {status} on {on}{mode}"),
        None => format!("job {status} on {on}{mode}"),
    });
    Ok(e)
}

/// `reason_code: reason` of a job's state.
fn job_reason(record: &Value) -> Option<String> {
    let code = first_text(record, &["state.reason_code", "state.reasonCode"]);
    let reason = first_text(record, &["state.reason", "reason", "status_reason"]);
    match (code, reason) {
        (Some(c), Some(r)) => Some(format!("{c}: {r}")),
        (c, r) => c.or(r),
    }
}

/// Shots requested: V1 `params.shots` / `run_options.shots`; V2 the sum over the
/// PUBs of each one's own shots (`pubs[i][2]`, sampler only: an estimator PUB
/// holds parameter values there) or else the default shots, which apply per PUB.
fn shots(record: &Value) -> Option<i64> {
    // A negative count is no count; a sum past i64 is no sum (never a wrap or panic).
    let count = |p: &&str| int(record, p).filter(|n| *n >= 0);
    let v1 = ["params.shots", "params.run_options.shots"]
        .iter()
        .find_map(count);
    if v1.is_some() {
        return v1;
    }
    let default = ["params.options.default_shots", "params.default_shots"]
        .iter()
        .find_map(count);
    let estimator = text(record, "program.id").is_some_and(|p| p.contains("estimator"));
    let Some(pubs) = get(record, "params.pubs")
        .and_then(|p| p.as_array())
        .filter(|p| !p.is_empty())
    else {
        return default;
    };
    // A PUB with no shots of its own and no default leaves the total unknown.
    pubs.iter()
        .map(|p| {
            let own = if estimator {
                None
            } else {
                p.get_idx(2usize)
                    .and_then(|n| n.as_i64())
                    .filter(|n| *n >= 0)
            };
            own.or(default)
        })
        .try_fold(0i64, |total, n| total.checked_add(n?))
}

/// What a Qiskit Runtime job or session record says alike: the service, the backend
/// (under the first of `backend_keys`) and its kind, the owner, and the project (and
/// tenant, region) from the record's instance CRN, else `hub/group/project`.
fn apply_runtime_record(e: &mut NormalizedEvent, record: &Value, backend_keys: &[&str]) {
    e.service = Some("quantum-computing".to_string());
    e.provider = Some("ibm".to_string());
    e.backend = first_text(record, backend_keys);
    e.hardware = e.backend.as_deref().and_then(backend_hardware);
    e.user_id = first_text(record, &["user_id", "userId"]);
    e.user.clone_from(&e.user_id);
    e.user_kind = e.user_id.as_deref().map_or(UserKind::Unknown, kind_from_id);
    apply_instance(e, first_text(record, &["crn", "instance"]).as_deref());
    if e.project.is_none()
        && let (Some(h), Some(g), Some(p)) = (
            text(record, "hub"),
            text(record, "group"),
            text(record, "project"),
        )
    {
        e.project = Some(format!("{h}/{g}/{p}"));
    }
}

/// Project, tenant and region from a Qiskit Runtime CRN
/// (`crn:v1:bluemix:public:quantum-computing:us-east:a/<account>:<instance>:<type>:<id>`).
/// The project is the instance CRN (the resource type and id dropped).
fn apply_instance(e: &mut NormalizedEvent, crn: Option<&str>) {
    let Some(crn) = crn else {
        return;
    };
    let parts: Vec<&str> = crn.split(':').collect();
    if parts.len() >= 8 && parts[0] == "crn" {
        e.project = Some(format!("{}::", parts[..8].join(":")));
        e.region = Some(parts[5]).filter(|r| !r.is_empty()).map(str::to_string);
        e.tenant = parts[6]
            .strip_prefix("a/")
            .filter(|a| !a.is_empty())
            .map(str::to_string);
    } else {
        e.project = Some(crn.to_string());
    }
}

/// IBM backends: `ibm_*` and `ibmq_*` are devices, except the simulators
/// (`ibmq_qasm_simulator`, `simulator_*`, `*_simulator`, `fake_*`, `aer*`).
fn backend_hardware(backend: &str) -> Option<Hardware> {
    let b = backend.to_ascii_lowercase();
    if b.contains("simulator")
        || b.starts_with("fake_")
        || b.starts_with("aer")
        || b.starts_with("sim_")
    {
        Some(Hardware::Simulator)
    } else if b.starts_with("ibm_") || b.starts_with("ibmq_") {
        Some(Hardware::Qpu)
    } else {
        None
    }
}

/// Person or machine from an IBM Cloud IAM id.
fn kind_from_id(id: &str) -> UserKind {
    if id.starts_with("IBMid-") || id.starts_with("ibmid-") {
        UserKind::Human
    } else if id.starts_with("iam-ServiceId-")
        || id.starts_with("ServiceId-")
        || id.starts_with("iam-Profile-")
    {
        UserKind::Service
    } else {
        UserKind::Unknown
    }
}

fn activity_event(record: &Value) -> Result<NormalizedEvent, NormalizeError> {
    let at: DateTime<Utc> = require_time(record, "eventTime")?;
    let op = require_text(record, "action")?;
    let mut parts = op.splitn(3, '.');
    let _service = parts.next();
    let object = parts.next().unwrap_or_default().to_string();
    let verb = parts.next().unwrap_or_default().to_string();
    if object.is_empty() || verb.is_empty() {
        return Err(NormalizeError::new(format!(
            "field `action` must be `quantum-computing.<object>.<verb>`, got {op:?}"
        )));
    }
    let (class, action) = match object.as_str() {
        // Direct Access (on-premises plans) submits through `direct-access-job`.
        o if o == "job" || o.starts_with("job-") || o == "direct-access-job" => (
            Class::Job,
            if verb == "create" && (o == "job" || o == "direct-access-job") {
                "submit".to_string()
            } else {
                verb.clone()
            },
        ),
        "session" => (
            Class::Queue,
            match verb.as_str() {
                "create" => "open".to_string(),
                "delete" | "close" => "close".to_string(),
                v => v.to_string(),
            },
        ),
        _ => (Class::ApiActivity, verb.clone()),
    };

    let mut e = NormalizedEvent::new(Source::IbmQuantum, at, class, &action);
    e.operation = Some(op.clone());
    e.service = Some("quantum-computing".to_string());
    e.provider = Some("ibm".to_string());
    e.source_id = text(record, "id");
    e.request_id = text(record, "correlationId");
    e.message = text(record, "message");

    let code = int(record, "reason.reasonCode");
    e.outcome = match text(record, "outcome")
        .map(|o| o.to_ascii_lowercase())
        .as_deref()
    {
        _ if code.is_some_and(|c| c >= 400) => Outcome::Failure,
        Some("success") => Outcome::Success,
        Some("failure") => Outcome::Failure,
        _ => Outcome::Unknown,
    };
    if e.outcome == Outcome::Failure {
        let head = match (code, text(record, "reason.reasonType")) {
            (Some(c), Some(t)) => Some(format!("{c} {t}")),
            (Some(c), None) => Some(c.to_string()),
            (None, t) => t,
        };
        let why = text(record, "reason.reasonForFailure")
            .or_else(|| text(record, "requestData.reasonForFailure"));
        e.reason = match (head, why) {
            (Some(h), Some(f)) => Some(format!("{h}: {f}")),
            (h, f) => h.or(f).or_else(|| Some("failure".to_string())),
        };
    }

    e.user_id = text(record, "initiator.id");
    let name = text(record, "initiator.name");
    e.user = e.user_id.clone().or_else(|| name.clone());
    if let Some(name) = name.filter(|n| Some(n) != e.user.as_ref()) {
        e.message = Some(match e.message.take() {
            Some(m) => format!("{m} (by {name})"),
            None => format!("by {name}"),
        });
    }
    let type_uri = text(record, "initiator.typeURI")
        .unwrap_or_default()
        .to_ascii_lowercase();
    e.user_kind = if type_uri.ends_with("/user") {
        UserKind::Human
    } else if type_uri.ends_with("/serviceid")
        || type_uri.ends_with("/clientid")
        || type_uri.ends_with("/profile")
    {
        UserKind::Service
    } else {
        e.user_id.as_deref().map_or(UserKind::Unknown, kind_from_id)
    };
    e.token_id = first_text(
        record,
        &["initiator.credential.apikeyId", "initiator.credential.id"],
    );
    e.src_ip = text(record, "initiator.host.address");
    e.user_agent = text(record, "initiator.host.agent");
    if let Some(ua) = &e.user_agent {
        e.client = client_from_user_agent(ua);
    }

    let target_id = text(record, "target.id");
    e.resource = target_id.clone();
    apply_instance(&mut e, target_id.as_deref());
    let from_crn = target_id.as_deref().and_then(|crn| {
        let parts: Vec<&str> = crn.split(':').collect();
        (parts.len() >= 10 && parts[8] == object)
            .then(|| parts[9].to_string())
            .filter(|s| !s.is_empty())
    });
    let data = |field: &str| {
        first_text(
            record,
            &[
                &format!("responseData.{field}"),
                &format!("requestData.{field}"),
            ],
        )
    };
    if class == Class::Job {
        e.job_id = from_crn
            .or_else(|| data("id"))
            .or_else(|| data("job_id"))
            .or_else(|| data("jobId"));
        e.session_id = data("session_id");
    } else if class == Class::Queue {
        e.session_id = from_crn
            .or_else(|| data("id"))
            .or_else(|| data("session_id"));
    }
    e.backend = data("backend").or_else(|| data("backend_name"));
    e.hardware = e.backend.as_deref().and_then(backend_hardware);
    e.shots = int(record, "requestData.params.shots");
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::json::from_serde;
    use crate::normalize::test_support::{corpus_records, fixture, normalize_as};
    use crate::vocab::Client;

    fn ts(s: &str) -> DateTime<Utc> {
        super::super::fields::parse_time(s).expect("test timestamp")
    }

    fn load(name: &str) -> Vec<NormalizedEvent> {
        fixture(name)
            .iter()
            .map(|v| normalize_as("ibm_quantum", &v.to_string()))
            .collect()
    }

    #[test]
    fn completed_qpu_job_with_metrics() {
        let e = &load("ibm_quantum/jobs.jsonl")[0];
        assert_eq!(e.source, Source::IbmQuantum);
        assert_eq!(e.class, Class::Job);
        assert_eq!(e.action, "complete");
        assert_eq!(e.outcome, Outcome::Success);
        assert_eq!(e.job_status, Some(JobStatus::Completed));
        assert_eq!(e.time, ts("2025-05-06T10:21:14.500Z"));
        assert_eq!(e.job_id.as_deref(), Some("d0abc123ef4567890123"));
        assert_eq!(e.backend.as_deref(), Some("ibm_brisbane"));
        assert_eq!(e.hardware, Some(Hardware::Qpu));
        assert_eq!(e.provider.as_deref(), Some("ibm"));
        assert_eq!(e.queue_seconds, Some(1200.25));
        assert_eq!(e.qpu_seconds, Some(6.0));
        assert_eq!(e.shots, Some(4096));
        assert_eq!(e.cost, None);
        assert_eq!(e.user.as_deref(), Some("IBMid-6950001ABC"));
        assert_eq!(e.user_id.as_deref(), Some("IBMid-6950001ABC"));
        assert_eq!(e.user_kind, UserKind::Human);
        assert_eq!(e.session_id.as_deref(), Some("d0abc000session0001"));
        assert_eq!(
            e.project.as_deref(),
            Some(
                "crn:v1:bluemix:public:quantum-computing:us-east:a/0123456789abcdef0123456789abcdef:5a6b7c8d-1111-2222-3333-444455556666::"
            )
        );
        assert_eq!(
            e.tenant.as_deref(),
            Some("0123456789abcdef0123456789abcdef")
        );
        assert_eq!(e.region.as_deref(), Some("us-east"));
        assert_eq!(
            e.message.as_deref(),
            Some("sampler job Completed on ibm_brisbane")
        );
        assert_eq!(
            e.source_id.as_deref(),
            Some("d0abc123ef4567890123:Completed:2025-05-06T10:21:14.500+00:00")
        );
    }

    #[test]
    fn failed_cancelled_queued_and_simulator_jobs() {
        let ev = load("ibm_quantum/jobs.jsonl");
        let failed = &ev[1];
        assert_eq!(failed.action, "fail");
        assert_eq!(failed.outcome, Outcome::Failure);
        assert_eq!(
            failed.reason.as_deref(),
            Some("1517: Error in transpilation process.")
        );
        assert_eq!(failed.time, ts("2025-05-06T11:00:00Z"));
        assert_eq!(failed.user_kind, UserKind::Service);
        assert_eq!(failed.shots, Some(300));

        let cancelled = &ev[2];
        assert_eq!(cancelled.action, "cancel");
        assert_eq!(cancelled.outcome, Outcome::Failure);
        assert_eq!(cancelled.job_status, Some(JobStatus::Cancelled));
        assert_eq!(cancelled.reason.as_deref(), Some("1305: RAN TOO LONG"));
        assert_eq!(cancelled.project.as_deref(), Some("ibm-q/open/main"));
        assert_eq!(cancelled.time, ts("2025-05-07T09:10:00Z"));

        let queued = &ev[3];
        assert_eq!(queued.action, "submit");
        assert_eq!(queued.outcome, Outcome::Unknown);
        assert_eq!(queued.job_status, Some(JobStatus::Queued));
        assert_eq!(queued.time, ts("2025-05-08T07:00:00Z"));
        assert_eq!(queued.queue_seconds, None);
        let running = &ev[4];
        assert_eq!(running.job_id, queued.job_id);
        assert_ne!(running.source_id, queued.source_id);
        assert_eq!(running.action, "start");
        assert_eq!(running.time, ts("2025-05-08T07:03:20Z"));
        assert_eq!(running.queue_seconds, Some(200.0));

        let sim = &ev[5];
        assert_eq!(sim.backend.as_deref(), Some("ibmq_qasm_simulator"));
        assert_eq!(sim.hardware, Some(Hardware::Simulator));
        assert_eq!(sim.outcome, Outcome::Success);
        assert_eq!(sim.shots, Some(1024));
        assert_eq!(sim.qpu_seconds, Some(1.0));
    }

    #[test]
    fn a_workloads_list_opens_into_one_job_per_workload() {
        let list = r#"{"workloads":[{"id":"d1f0wk0000","created":"2026-11-10T09:00:00Z","ended":"2026-11-10T09:04:30Z","backend":"ibm_torino","instance":"crn:v1:bluemix:public:quantum-computing:us-east:a/abc123:inst-1::","user_id":"IBMid-270001ABCD","mode":"session","status":"failed","status_reason":"Job exceeded the session's maximum time","tags":[]},{"id":"d1f0wk0001","created":"2026-11-10T09:05:00Z","backend":"ibm_fez","user_id":"IBMid-270001ABCD","mode":"job","status":"in_progress","tags":[]}],"next":null,"previous":null}"#;
        let normalizer = crate::normalize::process::Normalizer {
            forced: None,
            redactor: crate::normalize::redact::Redactor::new(b"ibm-test"),
            ingested_at: ts("2026-11-11T00:00:00Z"),
        };
        let events: Vec<NormalizedEvent> = normalizer
            .run(list.as_bytes())
            .into_iter()
            .map(|r| r.expect("a workload normalizes"))
            .collect();
        assert_eq!(events.len(), 2);
        let (failed, running) = (&events[0], &events[1]);
        // A session-mode workload is the session itself (it has `accepting_jobs`).
        assert_eq!(failed.source, Source::IbmQuantum);
        assert_eq!(failed.class, Class::Queue);
        assert_eq!(failed.action, "close");
        assert_eq!(failed.outcome, Outcome::Failure);
        assert_eq!(failed.job_status, Some(JobStatus::Failed));
        assert_eq!(failed.session_id.as_deref(), Some("d1f0wk0000"));
        assert_eq!(failed.job_id, None);
        assert_eq!(failed.time, ts("2026-11-10T09:04:30Z"));
        assert_eq!(
            failed.reason.as_deref(),
            Some("Job exceeded the session's maximum time")
        );
        assert_eq!(failed.hardware, Some(Hardware::Qpu));
        assert_eq!(failed.tenant.as_deref(), Some("abc123"));
        assert_eq!(failed.operation.as_deref(), Some("session:failed"));
        assert_eq!(
            failed.message.as_deref(),
            Some("session failed on ibm_torino")
        );
        assert_eq!(
            failed.source_id.as_deref(),
            Some("d1f0wk0000:failed:2026-11-10T09:04:30+00:00")
        );
        assert_eq!(running.class, Class::Job);
        assert_eq!(running.job_status, Some(JobStatus::Running));
        assert_eq!(running.action, "start");
        assert_eq!(running.job_id.as_deref(), Some("d1f0wk0001"));
        assert_eq!(running.user.as_deref(), Some("IBMid-270001ABCD"));
    }

    #[test]
    fn a_closed_dedicated_session_closes_the_queue_reservation() {
        // `GET /sessions/{id}` of the Qiskit Runtime REST API.
        let e = normalize_as(
            "ibm_quantum",
            r#"{"id":"d1abcsess0000000001","backend_name":"ibm_torino","started_at":"2026-11-10T09:00:00.000Z","activated_at":"2026-11-10T09:05:12.000Z","closed_at":"2026-11-10T09:45:00.500Z","last_job_started":"2026-11-10T09:40:00Z","last_job_completed":"2026-11-10T09:44:59Z","interactive_ttl":60,"max_ttl":28800,"active_ttl":28800,"state":"closed","state_reason":"max_ttl reached","accepting_jobs":false,"mode":"dedicated","timestamps":[{"status":"open","timestamp":"2026-11-10T09:00:00.000Z"},{"status":"active","timestamp":"2026-11-10T09:05:12.000Z"},{"status":"closed","timestamp":"2026-11-10T09:45:00.500Z"}],"user_id":"IBMid-270001ABCD","elapsed_time":2388.5}"#,
        );
        assert_eq!(e.source, Source::IbmQuantum);
        assert_eq!(e.class, Class::Queue);
        assert_eq!(e.action, "close");
        assert_eq!(e.outcome, Outcome::Success);
        assert_eq!(e.job_status, Some(JobStatus::Completed));
        assert_eq!(e.reason.as_deref(), Some("max_ttl reached"));
        assert_eq!(e.time, ts("2026-11-10T09:45:00.500Z"));
        assert_eq!(e.session_id.as_deref(), Some("d1abcsess0000000001"));
        assert_eq!(e.job_id, None);
        assert_eq!(e.backend.as_deref(), Some("ibm_torino"));
        assert_eq!(e.hardware, Some(Hardware::Qpu));
        assert_eq!(e.user.as_deref(), Some("IBMid-270001ABCD"));
        assert_eq!(e.user_id.as_deref(), Some("IBMid-270001ABCD"));
        assert_eq!(e.user_kind, UserKind::Human);
        // Billed wall-clock time that holds the jobs' own usage: not summed again.
        assert_eq!(e.qpu_seconds, None);
        assert_eq!(e.queue_seconds, None);
        assert_eq!(e.operation.as_deref(), Some("session:closed"));
        assert_eq!(
            e.message.as_deref(),
            Some("session closed on ibm_torino, usage 2388.5 s")
        );
        assert_eq!(
            e.source_id.as_deref(),
            Some("d1abcsess0000000001:closed:2026-11-10T09:45:00.500+00:00")
        );
    }

    #[test]
    fn batch_and_session_snapshots_take_their_states_time() {
        // qiskit-ibm-runtime's `Batch.details()`: the REST fields renamed.
        let batch = normalize_as(
            "ibm_quantum",
            r#"{"id":"d1abcbatch000000002","backend_name":"ibm_fez","interactive_timeout":1,"max_time":28800,"active_timeout":28800,"state":"active","accepting_jobs":true,"last_job_started":"2026-11-10T10:02:00Z","last_job_completed":null,"started_at":"2026-11-10T10:00:00Z","closed_at":null,"activated_at":"2026-11-10T10:01:30Z","mode":"batch","usage_time":12.25}"#,
        );
        assert_eq!(batch.class, Class::Queue);
        assert_eq!(batch.action, "open");
        assert_eq!(batch.outcome, Outcome::Unknown);
        assert_eq!(batch.job_status, Some(JobStatus::Running));
        assert_eq!(batch.time, ts("2026-11-10T10:01:30Z"));
        assert_eq!(batch.session_id.as_deref(), Some("d1abcbatch000000002"));
        assert_eq!(batch.user, None);
        assert_eq!(batch.qpu_seconds, None);
        assert_eq!(batch.reason, None);
        assert_eq!(batch.operation.as_deref(), Some("batch:active"));
        assert_eq!(
            batch.message.as_deref(),
            Some("batch active on ibm_fez, usage 12.25 s")
        );
        assert_eq!(
            batch.source_id.as_deref(),
            Some("d1abcbatch000000002:active:2026-11-10T10:01:30+00:00")
        );

        let session = |state: &str, extra: &str| {
            normalize_as(
                "ibm_quantum",
                &format!(
                    r#"{{"id":"d1sess3","backend_name":"simulator_stabilizer","mode":"dedicated","state":"{state}","interactive_ttl":60,"started_at":"2026-11-11T08:00:00Z"{extra}}}"#
                ),
            )
        };
        let open = session("open", r#","accepting_jobs":true"#);
        assert_eq!(
            (open.action.as_str(), open.job_status, open.time),
            ("open", Some(JobStatus::Queued), ts("2026-11-11T08:00:00Z"))
        );
        assert_eq!(open.hardware, Some(Hardware::Simulator));
        assert_eq!(
            open.message.as_deref(),
            Some("session open on simulator_stabilizer")
        );
        let idle = session(
            "inactive",
            r#","activated_at":"2026-11-11T08:01:00Z","last_job_completed":"2026-11-11T08:20:00Z","accepting_jobs":false"#,
        );
        assert_eq!(
            (idle.action.as_str(), idle.job_status, idle.outcome),
            ("update", Some(JobStatus::Queued), Outcome::Unknown)
        );
        assert_eq!(idle.time, ts("2026-11-11T08:20:00Z"));
        assert_eq!(
            idle.message.as_deref(),
            Some("session inactive on simulator_stabilizer (not accepting new jobs)")
        );
        assert_ne!(idle.source_id, open.source_id);
        let no_time = IbmQuantum.normalize(&from_serde(serde_json::json!({"id": "s", "backend_name": "ibm_fez", "state": "open", "accepting_jobs": true})));
        assert!(
            no_time
                .expect_err("a session needs a time")
                .0
                .contains("`started_at`")
        );
    }

    #[test]
    fn a_batch_workload_is_the_batch() {
        let e = normalize_as(
            "ibm_quantum",
            r#"{"id":"d1f0bt0001","created":"2026-11-12T07:00:00Z","ended":"2026-11-12T07:30:00Z","backend":"ibm_kingston","instance":"crn:v1:bluemix:public:quantum-computing:us-east:a/abc123:inst-1::","user_id":"iam-ServiceId-1b2c3d4e","accepting_jobs":false,"mode":"batch","status":"canceled","tags":[],"usage_seconds":42}"#,
        );
        assert_eq!(e.class, Class::Queue);
        assert_eq!(e.action, "close");
        assert_eq!(e.outcome, Outcome::Failure);
        assert_eq!(e.job_status, Some(JobStatus::Cancelled));
        assert_eq!(e.reason.as_deref(), Some("canceled"));
        assert_eq!(e.time, ts("2026-11-12T07:30:00Z"));
        assert_eq!(e.session_id.as_deref(), Some("d1f0bt0001"));
        assert_eq!(e.user_kind, UserKind::Service);
        assert_eq!(
            e.project.as_deref(),
            Some("crn:v1:bluemix:public:quantum-computing:us-east:a/abc123:inst-1::")
        );
        assert_eq!(e.qpu_seconds, None);
        assert_eq!(e.operation.as_deref(), Some("batch:canceled"));
        assert_eq!(
            e.message.as_deref(),
            Some("batch canceled on ibm_kingston, usage 42 s")
        );
        // A job-mode workload's usage is that job's.
        let job = normalize_as(
            "ibm_quantum",
            r#"{"id":"d1f0jb0001","created":"2026-11-12T07:00:00Z","ended":"2026-11-12T07:01:00Z","backend":"ibm_kingston","user_id":"IBMid-1","mode":"job","status":"completed","usage_seconds":3}"#,
        );
        assert_eq!((job.class, job.qpu_seconds), (Class::Job, Some(3.0)));
    }

    #[test]
    fn default_shots_apply_to_every_pub_without_its_own() {
        let job = |program: &str, params: &str| {
            normalize_as(
                "ibm_quantum",
                &format!(
                    r#"{{"id":"j1","backend":"ibm_torino","status":"Queued","created":"2026-11-02T10:00:00Z","user_id":"IBMid-1","program":{{"id":"{program}"}},"params":{params}}}"#
                ),
            )
            .shots
        };
        let three = r#"{"version":2,"pubs":[["q",null],["q",null],["q",null]],"options":{"default_shots":20000}}"#;
        assert_eq!(job("sampler", three), Some(60_000));
        let mixed =
            r#"{"version":2,"pubs":[["q",null,5000],["q",null]],"options":{"default_shots":1000}}"#;
        assert_eq!(job("sampler", mixed), Some(6_000));
        // An estimator PUB holds parameter values where a sampler PUB holds shots.
        let estimator = r#"{"version":2,"pubs":[["q","ZZ",[0.1,0.2]]]}"#;
        assert_eq!(job("estimator", estimator), None);
        assert_eq!(job("sampler", r#"{"shots":4000}"#), Some(4_000));
    }

    #[test]
    fn the_charged_qpu_time_of_current_metrics_counts_once_settled() {
        // qiskit-ibm-runtime's RuntimeJobV2.usage() reads `usage.qpu_charge_time_seconds`
        // and treats it as final only when `usage.status` is no longer `pending`.
        let job = |usage: &str| {
            normalize_as(
                "ibm_quantum",
                &format!(
                    r#"{{"id":"d2chg0001","backend":"ibm_fez","state":{{"status":"Completed"}},"status":"Completed","created":"2026-09-12T10:00:00Z","program":{{"id":"sampler"}},"user_id":"IBMid-1","metrics":{{"timestamps":{{"created":"2026-09-12T10:00:00Z","running":"2026-09-12T10:00:05Z","finished":"2026-09-12T10:00:15Z"}},"usage":{usage},"qiskit_version":"2.3.0"}}}}"#
                ),
            )
        };
        let settled = job(r#"{"qpu_charge_time_seconds":20,"status":"complete"}"#);
        assert_eq!(settled.qpu_seconds, Some(20.0));
        assert_eq!(
            (settled.action.as_str(), settled.outcome),
            ("complete", Outcome::Success)
        );
        assert_eq!(settled.queue_seconds, Some(5.0));
        assert_eq!(settled.time, ts("2026-09-12T10:00:15Z"));
        assert_eq!(
            settled.source_id.as_deref(),
            Some("d2chg0001:Completed:2026-09-12T10:00:15+00:00")
        );
        let pending = job(r#"{"qpu_charge_time_seconds":4,"status":"pending"}"#);
        assert_eq!(pending.qpu_seconds, None);
        assert_eq!(
            (pending.action.as_str(), pending.outcome, pending.job_status),
            ("update", Outcome::Unknown, None)
        );
        assert_eq!(
            pending.source_id.as_deref(),
            Some("d2chg0001:Completed:2026-09-12T10:00:15+00:00:usage-pending")
        );
    }

    #[test]
    fn activity_tracker_events() {
        let ev = load("ibm_quantum/activity_tracker.jsonl");
        let create = &ev[0];
        assert_eq!(create.class, Class::Job);
        assert_eq!(create.action, "submit");
        assert_eq!(
            create.operation.as_deref(),
            Some("quantum-computing.job.create")
        );
        assert_eq!(create.outcome, Outcome::Success);
        assert_eq!(create.time, ts("2025-05-06T09:41:00.120Z"));
        // The IAM id, as on the job records, so one person is one principal.
        assert_eq!(create.user.as_deref(), Some("IBMid-6950001ABC"));
        assert_eq!(create.user_id.as_deref(), Some("IBMid-6950001ABC"));
        assert_eq!(
            create.message.as_deref(),
            Some("Qiskit Runtime: create job d0abc123ef4567890123 (by alice@example.com)")
        );
        assert_eq!(create.user_kind, UserKind::Human);
        assert_eq!(create.src_ip.as_deref(), Some("198.51.100.23"));
        assert_eq!(create.client, Client::Sdk);
        assert_eq!(create.job_id.as_deref(), Some("d0abc123ef4567890123"));
        assert_eq!(create.backend.as_deref(), Some("ibm_brisbane"));
        assert_eq!(create.hardware, Some(Hardware::Qpu));
        assert_eq!(create.region.as_deref(), Some("us-east"));
        assert_eq!(
            create.tenant.as_deref(),
            Some("0123456789abcdef0123456789abcdef")
        );
        assert_eq!(
            create.request_id.as_deref(),
            Some("7c2e1f4a-0d3b-4c5e-9f6a-1b2c3d4e5f60")
        );

        let denied = &ev[1];
        assert_eq!(denied.action, "submit");
        assert_eq!(denied.outcome, Outcome::Failure);
        assert_eq!(
            denied.reason.as_deref(),
            Some("403 Forbidden: The user does not have access to backend ibm_torino")
        );
        assert_eq!(denied.user_kind, UserKind::Service);
        assert_eq!(
            denied.user.as_deref(),
            Some("iam-ServiceId-1b2c3d4e-aaaa-bbbb-cccc-000011112222")
        );
        assert_eq!(denied.client, Client::Pipeline);
        assert_eq!(denied.src_ip.as_deref(), Some("203.0.113.77"));

        let cancel = &ev[2];
        assert_eq!(
            (cancel.class, cancel.action.as_str(), cancel.outcome),
            (Class::Job, "cancel", Outcome::Success)
        );
        assert_eq!(cancel.job_id.as_deref(), Some("d0abc999ef4567890999"));

        let session = &ev[3];
        assert_eq!(
            (session.class, session.action.as_str()),
            (Class::Queue, "open")
        );
        assert_eq!(session.session_id.as_deref(), Some("d0sess77ef45678900aa"));
        assert_eq!(session.backend.as_deref(), Some("ibm_kyiv"));

        let read = &ev[4];
        assert_eq!(
            (read.class, read.action.as_str()),
            (Class::ApiActivity, "read")
        );
        assert_eq!(read.client, Client::Browser);
    }

    #[test]
    fn detection() {
        let f = IbmQuantum;
        assert!(f.detect(&from_serde(serde_json::json!({"id": "j", "created": "2025-01-01T00:00:00Z", "state": {"status": "Queued"}}))));
        assert!(f.detect(&from_serde(serde_json::json!({"id": "j", "created": "2025-01-01T00:00:00Z", "program": {"id": "sampler"}}))));
        assert!(f.detect(&from_serde(serde_json::json!({"action": "quantum-computing.job.read", "eventTime": "2025-01-01T00:00:00.00+0000"}))));
        assert!(!f.detect(&from_serde(serde_json::json!({"action": "iam-identity.apikey.create", "eventTime": "2025-01-01T00:00:00.00+0000", "initiator": {}}))));
        assert!(!f.detect(&from_serde(serde_json::json!({"id": "j", "itemType": "Job", "providerId": "ionq", "created": "x", "state": {"status": "x"}}))));
        assert!(!f.detect(&from_serde(
            serde_json::json!({"id": "j", "status": "Completed"})
        )));
        // A workload names its backend or instance; another API's object with an
        // id, a creation time, a status and a mode (a checkout session) is not one.
        assert!(f.detect(&from_serde(serde_json::json!({"id": "w", "created": "2025-01-01T00:00:00Z", "status": "pending", "mode": "job", "backend": "ibm_fez"}))));
        assert!(!f.detect(&from_serde(serde_json::json!({"id": "cs_1", "created": 1700000000, "mode": "payment", "status": "complete"}))));
        // A session, as the REST API and as `Session.details()` give it.
        assert!(f.detect(&from_serde(serde_json::json!({"id": "s", "backend_name": "ibm_fez", "state": "active", "accepting_jobs": true, "started_at": "2025-01-01T00:00:00Z"}))));
        assert!(f.detect(&from_serde(serde_json::json!({"id": "s", "backend_name": null, "state": "open", "interactive_timeout": 60, "mode": "batch"}))));
        // A GitHub issue: an open/closed state, a numeric id, no session keys.
        assert!(!f.detect(&from_serde(serde_json::json!({"id": 1, "number": 7, "state": "closed", "state_reason": "completed", "closed_at": "2025-01-01T00:00:00Z", "created_at": "2024-12-01T00:00:00Z"}))));
        // Session-like keys without a session state.
        assert!(!f.detect(&from_serde(serde_json::json!({"id": "s", "backend_name": "ibm_fez", "state": "running", "accepting_jobs": true}))));
    }

    #[test]
    fn hardware_from_backend() {
        assert_eq!(backend_hardware("ibm_torino"), Some(Hardware::Qpu));
        assert_eq!(backend_hardware("ibmq_manila"), Some(Hardware::Qpu));
        assert_eq!(
            backend_hardware("ibmq_qasm_simulator"),
            Some(Hardware::Simulator)
        );
        assert_eq!(
            backend_hardware("simulator_stabilizer"),
            Some(Hardware::Simulator)
        );
        assert_eq!(
            backend_hardware("fake_sherbrooke"),
            Some(Hardware::Simulator)
        );
        assert_eq!(backend_hardware("aer_simulator"), Some(Hardware::Simulator));
        assert_eq!(backend_hardware("backend0"), None);
    }

    #[test]
    fn errors_name_the_field() {
        let f = IbmQuantum;
        let no_created = from_serde(
            serde_json::json!({"id": "j", "state": {"status": "Queued"}, "program": {"id": "sampler"}}),
        );
        assert!(
            f.normalize(&no_created)
                .expect_err("created is required")
                .0
                .contains("`created`")
        );
        let bad = from_serde(
            serde_json::json!({"id": "j", "created": "not a time", "program": {"id": "sampler"}, "status": "Queued"}),
        );
        let err = f.normalize(&bad).expect_err("created must parse");
        assert!(
            err.0.contains("`created`") && err.0.contains("not a time"),
            "{err}"
        );
        let no_status = from_serde(
            serde_json::json!({"id": "j", "created": "2025-01-01T00:00:00Z", "program": {"id": "sampler"}}),
        );
        assert!(
            f.normalize(&no_status)
                .expect_err("status is required")
                .0
                .contains("`state.status`")
        );
        let no_time = from_serde(
            serde_json::json!({"action": "quantum-computing.job.create", "initiator": {"id": "IBMid-1"}}),
        );
        assert!(
            f.normalize(&no_time)
                .expect_err("eventTime is required")
                .0
                .contains("`eventTime`")
        );
        let bad_action = from_serde(
            serde_json::json!({"action": "quantum-computing.job", "eventTime": "2025-01-01T00:00:00Z"}),
        );
        assert!(
            f.normalize(&bad_action)
                .expect_err("action shape")
                .0
                .contains("`action`")
        );
    }

    /// The corpus holds no IBM Quantum records (none are public); check instead that
    /// neither shape of this format claims a record of another format.
    #[test]
    fn corpus_claims_nothing_else() {
        let files = [
            "azure-quantum/microsoft__azure-quantum-python/azure-quantum/tests/unit/recordings/EXTRACTED_job_and_session_records.jsonl",
            "aws-cloudtrail/panther-labs__panther-analysis/rules/EXTRACTED_tests__AWS.CloudTrail.jsonl",
            "azure-keyvault/panther-labs__panther-analysis/rules/EXTRACTED_tests__Azure.MonitorActivity__keyvault_only.jsonl",
            "entra-id/panther-labs__panther-analysis/rules/EXTRACTED_tests__Azure.Audit.jsonl",
            "gcp-audit/panther-labs__panther-analysis/rules/EXTRACTED_tests__GCP.AuditLog.jsonl",
            "gcp-audit/DataDog__stratus-red-team/docs/attack-techniques/GCP/EXTRACTED_sample_events.jsonl",
            "okta/panther-labs__panther-analysis/rules/EXTRACTED_tests__Okta.SystemLog.jsonl",
        ];
        for file in files {
            let Some(records) = corpus_records(file) else {
                return;
            };
            assert!(!records.is_empty(), "{file}");
            for r in &records {
                assert!(
                    !IbmQuantum.detect(&from_serde(r.clone())),
                    "ibm_quantum claims a record of {file}: {r}"
                );
            }
        }
    }
}
