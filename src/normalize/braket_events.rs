//! Amazon Braket's own events on EventBridge (`source: aws.braket`): how quantum
//! tasks and hybrid jobs end, which CloudTrail never says (it logs the calls:
//! `CreateQuantumTask`, not the task failing an hour later in the device's queue).
//!
//! An EventBridge event: `id`, `detail-type`, `source`, `account`, `time` (when the
//! state changed), `region`, `resources` (the task or job ARN) and `detail`:
//!
//! - `Braket Task State Change`: `quantumTaskArn`, `status` (CREATED, QUEUED,
//!   RUNNING, COMPLETED, FAILED, CANCELLING, CANCELLED), `deviceArn`, `shots` (a
//!   string in delivered events, a number in the SDK's schema), `outputS3Bucket`,
//!   `outputS3Directory` (`outputS3KeyPrefix` in the schema), `createdAt`,
//!   `endedAt` (terminal states only), `eventName` (INSERT, MODIFY), and on failure
//!   `failureReason`.
//! - `Braket Job State Change`: the hybrid job's `jobArn`, `status` (QUEUED,
//!   RUNNING, COMPLETED, FAILED, CANCELLING, CANCELLED), `createdAt`, `startedAt`,
//!   `endedAt`, `failureReason`, and its device (`deviceArn`, or `deviceConfig.device`
//!   as in CreateJob). The job and device events' fields are read as the task
//!   event's are documented; AWS publishes no example of them.
//! - `Braket QPU Status Change` / `Braket Device Status Change`: `deviceArn` and its
//!   `status` (ONLINE, OFFLINE, RETIRED): class `queue`, action `update`.
//!
//! The mapping of a task's or job's `status`, as for Azure Quantum's snapshots:
//!
//! | status | action | job_status | outcome |
//! |---|---|---|---|
//! | CREATED, QUEUED | submit | queued | unknown |
//! | RUNNING | start | running | unknown |
//! | CANCELLING | cancel | running | unknown |
//! | CANCELLED | cancel | cancelled | failure |
//! | COMPLETED | complete | completed | success |
//! | FAILED | fail | failed | failure |
//!
//! No event names a principal or an address: the user comes from the task's
//! CloudTrail `CreateQuantumTask` (the rule engine's job owners, by the task ARN).
//! Braket bills QPU tasks per task and shot (its managed simulators by the minute)
//! and reports no time on the device: `qpu_seconds` stays empty (`endedAt -
//! createdAt` includes the queue), and a
//! hybrid job's `queue_seconds` is `startedAt - createdAt`. `source_id` is
//! `arn:status:time`, so a redelivered event (delivery is at least once) is stored
//! once and each state of a task once.

use super::cloudtrail::device_kind;
use super::fields::{first_text, get, int, seconds_between, text, time};
use super::job_state::JobState;
use super::json::prelude::*;
use super::{Format, NormalizeError};
use crate::event::NormalizedEvent;
use crate::vocab::{Class, Outcome, Source};

/// The braket_events format.
pub struct BraketEvents;

impl Format for BraketEvents {
    fn name(&self) -> &'static str {
        "braket_events"
    }

    fn detect(&self, record: &Value) -> bool {
        text(record, "source").as_deref() == Some("aws.braket")
            && text(record, "detail-type").is_some_and(|t| t.starts_with("Braket "))
            && get(record, "detail").is_some_and(|d| d.is_object())
    }

    fn normalize(&self, record: &Value) -> Result<NormalizedEvent, NormalizeError> {
        let kind =
            text(record, "detail-type").ok_or_else(|| NormalizeError::missing("detail-type"))?;
        let detail = get(record, "detail").ok_or_else(|| NormalizeError::missing("detail"))?;
        let at = time(record, "time")
            .or_else(|| time(detail, "endedAt"))
            .or_else(|| time(detail, "startedAt"))
            .or_else(|| time(detail, "createdAt"))
            .ok_or_else(|| NormalizeError::missing("time"))?;
        let status = text(detail, "status").map(|s| s.to_ascii_uppercase());
        let status_text = status.as_deref().unwrap_or("UNKNOWN");
        let device = first_text(detail, &["deviceArn", "deviceConfig.device", "device"]);

        let mut e =
            if kind.contains("Status Change") && !kind.contains("Task") && !kind.contains("Job") {
                // A device going offline or retiring: every queue on it stalls.
                let mut e = NormalizedEvent::new(Source::Braket, at, Class::Queue, "update");
                e.resource = device.clone();
                e.message = Some(format!(
                    "device {} is now {status_text}",
                    device.as_deref().unwrap_or("(unnamed)")
                ));
                e
            } else {
                let is_job = kind.contains("Job");
                let arn_path = if is_job { "jobArn" } else { "quantumTaskArn" };
                let arn = text(detail, arn_path)
                    .or_else(|| text(record, "resources.0"))
                    .ok_or_else(|| NormalizeError::missing(&format!("detail.{arn_path}")))?;
                let state = state_of(status.as_deref());
                let mut e = NormalizedEvent::new(Source::Braket, at, Class::Job, state.action());
                e.job_status = state.job_status();
                e.outcome = state.outcome();
                if e.outcome == Outcome::Failure {
                    e.reason = Some(match text(detail, "failureReason") {
                        Some(why) => format!("{status_text}: {why}"),
                        None => status_text.to_string(),
                    });
                }
                e.shots = int(detail, "shots").filter(|s| *s >= 0);
                if is_job {
                    e.queue_seconds =
                        seconds_between(time(detail, "createdAt"), time(detail, "startedAt"));
                }
                let what = if is_job { "hybrid job" } else { "task" };
                let mut message = format!("{what} {status_text}");
                if let Some(device) = &device {
                    message.push_str(&format!(" on {device}"));
                }
                if let Some(job) = text(detail, "jobArn").filter(|_| !is_job) {
                    message.push_str(&format!(" (task of hybrid job {job})"));
                }
                e.message = Some(message);
                e.source_id = Some(format!("{arn}:{status_text}:{}", at.to_rfc3339()));
                e.resource = Some(arn.clone());
                e.job_id = Some(arn);
                e
            };
        e.operation = Some(format!("{kind}:{status_text}"));
        e.service = Some("braket.amazonaws.com".to_string());
        e.project = text(record, "account");
        e.region = text(record, "region");
        if e.source_id.is_none() {
            e.source_id = text(record, "id");
        }
        if let Some((provider, hardware)) = device.as_deref().and_then(device_kind) {
            e.provider = Some(provider);
            e.hardware = Some(hardware);
        }
        e.backend = device;
        Ok(e)
    }
}

/// A task's or hybrid job's `status`.
fn state_of(status: Option<&str>) -> JobState {
    match status {
        Some("CREATED" | "QUEUED") => JobState::Queued,
        Some("RUNNING") => JobState::Running,
        Some("CANCELLING") => JobState::Cancelling,
        Some("CANCELLED" | "CANCELED") => JobState::Cancelled,
        Some("COMPLETED") => JobState::Completed,
        Some("FAILED") => JobState::Failed,
        _ => JobState::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::test_support::normalize_as;
    use crate::vocab::{Hardware, JobStatus, UserKind};

    const TASK_DONE: &str = r#"{"version":"0","id":"6101452d-8ac4-4d5c-8cb0-1a2b3c4d5e6f","detail-type":"Braket Task State Change","source":"aws.braket","account":"111122223333","time":"2026-11-10T14:05:09Z","region":"us-east-1","resources":["arn:aws:braket:us-east-1:111122223333:quantum-task/834b21ed-77a7-4b36-a90c-c776afc9a71e"],"detail":{"quantumTaskArn":"arn:aws:braket:us-east-1:111122223333:quantum-task/834b21ed-77a7-4b36-a90c-c776afc9a71e","status":"COMPLETED","deviceArn":"arn:aws:braket:us-east-1::device/qpu/ionq/Aria-1","shots":"1000","outputS3Bucket":"amazon-braket-us-east-1-111122223333","outputS3Directory":"tasks/834b21ed-77a7-4b36-a90c-c776afc9a71e","createdAt":"2026-11-10T13:02:11.120Z","eventName":"MODIFY","endedAt":"2026-11-10T14:05:08.735Z"}}"#;

    #[test]
    fn a_completed_qpu_task() {
        let e = normalize_as("braket_events", TASK_DONE);
        assert_eq!(e.source, Source::Braket);
        assert_eq!(e.time.to_rfc3339(), "2026-11-10T14:05:09+00:00");
        assert_eq!((e.class, e.action.as_str()), (Class::Job, "complete"));
        assert_eq!(e.outcome, Outcome::Success);
        assert_eq!(e.job_status, Some(JobStatus::Completed));
        let task = "arn:aws:braket:us-east-1:111122223333:quantum-task/834b21ed-77a7-4b36-a90c-c776afc9a71e";
        assert_eq!(e.job_id.as_deref(), Some(task));
        assert_eq!(e.resource.as_deref(), Some(task));
        assert_eq!(
            e.backend.as_deref(),
            Some("arn:aws:braket:us-east-1::device/qpu/ionq/Aria-1")
        );
        assert_eq!(e.hardware, Some(Hardware::Qpu));
        assert_eq!(e.provider.as_deref(), Some("ionq"));
        // Delivered events write shots as a string.
        assert_eq!(e.shots, Some(1000));
        assert_eq!(e.project.as_deref(), Some("111122223333"));
        assert_eq!(e.region.as_deref(), Some("us-east-1"));
        assert_eq!(e.service.as_deref(), Some("braket.amazonaws.com"));
        assert_eq!(
            e.operation.as_deref(),
            Some("Braket Task State Change:COMPLETED")
        );
        // No principal in the event, and no time on the device to report.
        assert_eq!((e.user.as_deref(), e.user_kind), (None, UserKind::Unknown));
        assert_eq!((e.qpu_seconds, e.queue_seconds), (None, None));
        assert_eq!(
            e.source_id.as_deref(),
            Some(format!("{task}:COMPLETED:2026-11-10T14:05:09+00:00").as_str())
        );
    }

    #[test]
    fn a_failed_simulator_task_and_a_cancelled_one_are_failures() {
        let failed = TASK_DONE
            .replace(
                r#""status":"COMPLETED""#,
                r#""status":"FAILED","failureReason":"Circuit exceeds device qubit count""#,
            )
            .replace(
                "device/qpu/ionq/Aria-1",
                "device/quantum-simulator/amazon/sv1",
            )
            .replace("us-east-1::device/quantum", "::device/quantum");
        let e = normalize_as("braket_events", &failed);
        assert_eq!((e.action.as_str(), e.outcome), ("fail", Outcome::Failure));
        assert_eq!(e.job_status, Some(JobStatus::Failed));
        assert_eq!(
            e.reason.as_deref(),
            Some("FAILED: Circuit exceeds device qubit count")
        );
        assert_eq!(e.hardware, Some(Hardware::Simulator));
        assert_eq!(e.provider.as_deref(), Some("amazon"));

        let cancelled = TASK_DONE.replace(r#""status":"COMPLETED""#, r#""status":"CANCELLED""#);
        let e = normalize_as("braket_events", &cancelled);
        assert_eq!((e.action.as_str(), e.outcome), ("cancel", Outcome::Failure));
        assert_eq!(e.job_status, Some(JobStatus::Cancelled));
    }

    #[test]
    fn a_queued_task_is_neither_success_nor_failure() {
        let queued = TASK_DONE
            .replace(r#""status":"COMPLETED""#, r#""status":"QUEUED""#)
            .replace(r#","endedAt":"2026-11-10T14:05:08.735Z""#, "")
            .replace(r#""shots":"1000""#, r#""shots":250"#);
        let e = normalize_as("braket_events", &queued);
        assert_eq!((e.action.as_str(), e.outcome), ("submit", Outcome::Unknown));
        assert_eq!(e.job_status, Some(JobStatus::Queued));
        assert_eq!(e.shots, Some(250));
        assert_eq!(e.reason, None);
    }

    #[test]
    fn a_hybrid_job_state_change_gives_its_queue_time() {
        let job = r#"{"version":"0","id":"9a0b1c2d-0000-4000-8000-000000000001","detail-type":"Braket Job State Change","source":"aws.braket","account":"111122223333","time":"2026-11-10T15:30:00Z","region":"us-west-2","resources":["arn:aws:braket:us-west-2:111122223333:job/vqe-h2-sweep"],"detail":{"jobArn":"arn:aws:braket:us-west-2:111122223333:job/vqe-h2-sweep","status":"RUNNING","createdAt":"2026-11-10T15:00:00.000Z","startedAt":"2026-11-10T15:29:30.000Z","deviceConfig":{"device":"arn:aws:braket:us-east-1::device/qpu/rigetti/Ankaa-3"}}}"#;
        let e = normalize_as("braket_events", job);
        assert_eq!((e.class, e.action.as_str()), (Class::Job, "start"));
        assert_eq!(e.job_status, Some(JobStatus::Running));
        assert_eq!(
            e.job_id.as_deref(),
            Some("arn:aws:braket:us-west-2:111122223333:job/vqe-h2-sweep")
        );
        assert_eq!(e.queue_seconds, Some(1770.0));
        assert_eq!(e.hardware, Some(Hardware::Qpu));
        assert_eq!(e.provider.as_deref(), Some("rigetti"));
        assert_eq!(e.region.as_deref(), Some("us-west-2"));
    }

    #[test]
    fn a_device_going_offline_is_a_queue_event_on_the_device() {
        let offline = r#"{"version":"0","id":"d-1","detail-type":"Braket Device Status Change","source":"aws.braket","account":"111122223333","time":"2026-11-11T02:00:00Z","region":"us-east-1","resources":["arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1"],"detail":{"deviceArn":"arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1","status":"OFFLINE"}}"#;
        let e = normalize_as("braket_events", offline);
        assert_eq!((e.class, e.action.as_str()), (Class::Queue, "update"));
        assert_eq!(e.job_id, None);
        assert_eq!(
            e.message.as_deref(),
            Some("device arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1 is now OFFLINE")
        );
        assert_eq!(e.hardware, Some(Hardware::Qpu));
        assert_eq!(e.source_id.as_deref(), Some("d-1"));
    }

    #[test]
    fn the_fixture_follows_two_tasks_to_their_end() {
        let events: Vec<NormalizedEvent> =
            crate::normalize::test_support::fixture("braket_events/events.jsonl")
                .iter()
                .map(|r| normalize_as("braket_events", &r.to_string()))
                .collect();
        let states: Vec<(&str, Outcome)> = events
            .iter()
            .map(|e| (e.action.as_str(), e.outcome))
            .collect();
        assert_eq!(
            states,
            [
                ("submit", Outcome::Unknown),
                ("submit", Outcome::Unknown),
                ("cancel", Outcome::Failure),
                ("start", Outcome::Unknown),
                ("fail", Outcome::Failure),
                ("update", Outcome::Unknown),
            ]
        );
        // Each state of a task is its own event: no two share an id.
        let mut ids: Vec<_> = events.iter().map(|e| e.source_id.clone()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), events.len());
    }

    #[test]
    fn other_eventbridge_events_are_not_braket_events() {
        // CloudTrail records carried by EventBridge are opened as envelopes; another
        // service's own events are not this format.
        let v = crate::normalize::json::parse_owned(
            r#"{"version":"0","id":"x","detail-type":"Batch Job State Change","source":"aws.batch","time":"2026-11-10T15:30:00Z","detail":{"status":"FAILED"}}"#,
        )
        .unwrap();
        assert!(!BraketEvents.detect(&v));
    }
}
