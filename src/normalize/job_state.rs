//! A quantum job's lifecycle as the providers' job snapshots report it (Azure
//! Quantum, IBM Quantum, Braket's EventBridge events): what each state means for
//! the event's action, `job_status` and outcome. Each format maps its own status
//! words onto [`JobState`]; the meaning of a state is defined here once.

use crate::vocab::{JobStatus, Outcome};

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum JobState {
    /// Accepted, waiting for the backend.
    Queued,
    /// Executing (or in its classical pre-processing).
    Running,
    /// A cancellation was asked for; the job may still run.
    Cancelling,
    /// Finished and produced results.
    Completed,
    /// Finished without results.
    Failed,
    /// Stopped before it finished.
    Cancelled,
    /// A status the format does not know.
    Unknown,
}

impl JobState {
    /// The event's action for a snapshot in this state.
    pub(super) fn action(self) -> &'static str {
        match self {
            JobState::Queued => "submit",
            JobState::Running => "start",
            JobState::Cancelling | JobState::Cancelled => "cancel",
            JobState::Completed => "complete",
            JobState::Failed => "fail",
            JobState::Unknown => "update",
        }
    }

    /// The lifecycle state stored in `job_status`.
    pub(super) fn job_status(self) -> Option<JobStatus> {
        match self {
            JobState::Queued => Some(JobStatus::Queued),
            JobState::Running | JobState::Cancelling => Some(JobStatus::Running),
            JobState::Completed => Some(JobStatus::Completed),
            JobState::Failed => Some(JobStatus::Failed),
            JobState::Cancelled => Some(JobStatus::Cancelled),
            JobState::Unknown => None,
        }
    }

    /// Whether it worked: only a finished job says; a cancelled one did not.
    pub(super) fn outcome(self) -> Outcome {
        match self {
            JobState::Completed => Outcome::Success,
            JobState::Failed | JobState::Cancelled => Outcome::Failure,
            _ => Outcome::Unknown,
        }
    }

    /// Whether the job has ended.
    pub(super) fn finished(self) -> bool {
        matches!(
            self,
            JobState::Completed | JobState::Failed | JobState::Cancelled
        )
    }
}
