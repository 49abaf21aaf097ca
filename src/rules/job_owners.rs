//! Who a job belongs to, for job records that do not say.
//!
//! Azure Quantum's job records (state snapshots with the run time and cost) name
//! no user before API version 2025-12-01-preview (`createdBy` since); its job
//! audit log names who created the job. The per-user job rules
//! (QPU share, off hours, retries) need the user on the snapshots, so the engine
//! learns job id → owner from the job's creation (a `submit` naming a user), in
//! time order, and gives a later event of the same job with no user that owner.
//! Amazon Braket's EventBridge events (a task completed, failed) name no user
//! either; the task's CloudTrail `CreateQuantumTask` does, with the same task ARN.
//! Only these are read: the other providers name the user on every job record,
//! and learning their jobs too would fill the table (and the saved state) for
//! nothing.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::recent::Recent;
use crate::event::NormalizedEvent;
use crate::vocab::{Outcome, Source, UserKind};

/// Jobs remembered at most; past this the ones unseen longest are forgotten first.
const MAX_JOBS: usize = 200_000;

/// Jobs unseen for longer are forgotten: a job rarely waits a month in a queue.
fn max_idle() -> Duration {
    Duration::days(30)
}

/// Who created a job.
#[derive(Debug, Clone, PartialEq)]
struct Who {
    user: String,
    user_id: Option<String>,
    user_kind: UserKind,
}

/// The owner of a job, as saved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Owner {
    user: String,
    user_id: Option<String>,
    user_kind: UserKind,
    /// Last time an event of the job was seen.
    seen: DateTime<Utc>,
}

/// job id -> owner.
#[derive(Debug, Clone)]
pub struct JobOwners {
    jobs: Recent<Who>,
}

impl Default for JobOwners {
    fn default() -> Self {
        JobOwners {
            jobs: Recent::new(MAX_JOBS, max_idle()),
        }
    }
}

impl JobOwners {
    /// Learns the owner an event names, or fills in the owner learned earlier.
    pub fn apply(&mut self, event: &mut NormalizedEvent) {
        let braket_call = event.source == Source::CloudTrail
            && event.service.as_deref() == Some("braket.amazonaws.com");
        if !matches!(event.source, Source::AzureQuantum | Source::Braket) && !braket_call {
            return;
        }
        let Some(job) = event.job_id.as_deref() else {
            return;
        };
        match &event.user {
            // Only the creation says whose job it is: an operator who cancels or
            // re-prioritises it later is not its owner.
            Some(_) if event.action != "submit" => {}
            // A refused submission made no job: its id (a Braket job's name) may
            // later be another user's job.
            Some(_) if event.outcome == Outcome::Failure => {}
            Some(user) => {
                let who = Who {
                    user: user.clone(),
                    user_id: event.user_id.clone(),
                    user_kind: event.user_kind,
                };
                // A job is created once: a replayed creation keeps the first owner.
                self.jobs.remember(job, who, event.time, true);
            }
            None => {
                if let Some(who) = self.jobs.see(job, event.time) {
                    event.user = Some(who.user.clone());
                    event.user_id.clone_from(&who.user_id);
                    event.user_kind = who.user_kind;
                }
            }
        }
    }

    /// The jobs, to save (sorted, so a saved state is stable).
    pub fn save(&self) -> Vec<(String, Owner)> {
        self.jobs
            .sorted()
            .into_iter()
            .map(|(job, who, seen)| {
                let Who {
                    user,
                    user_id,
                    user_kind,
                } = who.clone();
                (
                    job.clone(),
                    Owner {
                        user,
                        user_id,
                        user_kind,
                        seen,
                    },
                )
            })
            .collect()
    }

    /// Jobs saved by [`JobOwners::save`].
    pub fn load(saved: Vec<(String, Owner)>) -> Self {
        let mut owners = JobOwners::default();
        owners.jobs.extend(saved.into_iter().map(|(job, o)| {
            let who = Who {
                user: o.user,
                user_id: o.user_id,
                user_kind: o.user_kind,
            };
            (job, who, o.seen)
        }));
        owners
    }

    /// Jobs known.
    pub fn len(&self) -> usize {
        self.jobs.len()
    }

    /// Whether no job is known.
    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::vocab::Class;

    fn job(hour: u32, user: Option<&str>) -> NormalizedEvent {
        let time = Utc.with_ymd_and_hms(2026, 11, 10, hour, 0, 0).unwrap();
        let mut e = NormalizedEvent::new(Source::AzureQuantum, time, Class::Job, "submit");
        e.job_id = Some("j-1".to_string());
        e.user = user.map(str::to_string);
        e.user_kind = if user.is_some() {
            UserKind::Human
        } else {
            UserKind::Unknown
        };
        e
    }

    #[test]
    fn a_snapshot_without_a_user_gets_the_jobs_creator() {
        let mut owners = JobOwners::default();
        owners.apply(&mut job(1, Some("carol")));
        let mut done = job(3, None);
        owners.apply(&mut done);
        assert_eq!(done.user.as_deref(), Some("carol"));
        assert_eq!(done.user_kind, UserKind::Human);
        // An operator cancelling the job later does not take it over.
        let mut cancel = job(4, Some("ops"));
        cancel.action = "cancel".to_string();
        owners.apply(&mut cancel);
        let mut after = job(5, None);
        owners.apply(&mut after);
        assert_eq!(after.user.as_deref(), Some("carol"));
    }

    #[test]
    fn an_operator_acting_on_a_job_first_does_not_become_its_owner() {
        let mut owners = JobOwners::default();
        let mut priority = job(1, Some("ops@provider.example"));
        priority.action = "priority".to_string();
        owners.apply(&mut priority);
        assert!(owners.is_empty());
    }

    #[test]
    fn jobs_of_providers_that_name_their_users_are_not_kept() {
        let mut owners = JobOwners::default();
        let mut ibm = job(1, Some("IBMid-1"));
        ibm.source = Source::IbmQuantum;
        owners.apply(&mut ibm);
        assert!(owners.is_empty());
    }

    #[test]
    fn a_braket_task_event_gets_the_user_of_its_cloudtrail_submission() {
        let mut owners = JobOwners::default();
        let mut submit = job(1, Some("arn:aws:iam::111122223333:user/carol"));
        submit.source = Source::CloudTrail;
        submit.service = Some("braket.amazonaws.com".to_string());
        owners.apply(&mut submit);
        let mut done = job(2, None);
        done.source = Source::Braket;
        done.action = "complete".to_string();
        owners.apply(&mut done);
        assert_eq!(
            done.user.as_deref(),
            Some("arn:aws:iam::111122223333:user/carol")
        );
        // A refused submission of the same job name teaches nothing either.
        let mut owners_after_refusal = JobOwners::default();
        let mut refused = job(1, Some("mallory"));
        refused.source = Source::CloudTrail;
        refused.service = Some("braket.amazonaws.com".to_string());
        refused.outcome = Outcome::Failure;
        owners_after_refusal.apply(&mut refused);
        assert!(owners_after_refusal.is_empty());
        // Other CloudTrail calls naming a job id teach nothing.
        let mut owners = JobOwners::default();
        let mut other = job(1, Some("bob"));
        other.source = Source::CloudTrail;
        owners.apply(&mut other);
        assert!(owners.is_empty());
    }

    #[test]
    fn owners_survive_a_save_and_idle_jobs_are_forgotten() {
        let mut owners = JobOwners::default();
        owners.apply(&mut job(1, Some("carol")));
        let mut restored = JobOwners::load(owners.save());
        assert_eq!(restored.len(), 1);
        restored
            .jobs
            .forget_idle(Utc.with_ymd_and_hms(2026, 12, 30, 0, 0, 0).unwrap());
        assert!(restored.is_empty());
    }
}
