//! Azure Quantum job audit logs: who created, updated or cancelled a job. The job
//! records (`azure_quantum`) name no user; these do.
//!
//! Two Log Analytics tables, also exported by diagnostic settings (category
//! `AuditEvent` of `Microsoft.Quantum/workspaces` and `.../providerAccounts`, the
//! fields then under `properties`):
//!
//! - `QuantumWorkspaceJobAuditLogs`: `OperationName` CreateJob, UpdateJob, CancelJob;
//!   `JobId`, `TargetId`, `ProviderId`, `Priority` (CreateJob), `OperationParams`.
//! - `QuantumProviderAccountJobAuditLogs`: a provider acting on a job (CancelJob,
//!   UpdateJobPriority with `PriorityOperation` and `BypassQueueStatus`), with
//!   `JobWorkspaceName`, `JobSubscriptionId`, `JobResourceGroupName`.
//!
//! - The provider account's other tables, same category: `QuantumProviderAccountQueueAuditLogs`
//!   (UpdateQueueDispatchStatus, `QueueId`), `QuantumProviderAccountTargetAuditLogs`
//!   (UpdateTargetIntakeStatus: a target opened or closed to new jobs) and
//!   `QuantumProviderAccountMessageAuditLogs` (Create/Update/DeleteProviderMessage,
//!   `MessageId`, `MessageType`).
//!
//! All carry `RequesterUpn` (empty for managed identities and service principals),
//! `RequesterObjectId`, `RequesterTenantId`, `ResultCode`, `Location`, `TraceId`,
//! `TimeGenerated` and `_ResourceId`. `TenantId` is the Log Analytics workspace.
//!
//! The mapping: CreateJob → job/submit, CancelJob → job/cancel, UpdateJob →
//! job/update, a priority change (UpdateJobPriority, or an UpdateJob whose
//! `OperationParams.priorityUpdated` is true) → queue/priority (who jumped the
//! queue), a dispatch or intake change → queue/update, a provider message →
//! api_activity (create, update, delete); user = `RequesterUpn`, else the object id
//! (a service identity); project = the workspace, lower-cased (from `_ResourceId`,
//! or `JobWorkspaceName`; for the provider's own tables the provider account);
//! backend = `TargetId`; resource = `QueueId` or `MessageId`.

use super::azure_quantum::target_hardware;
use super::fields::{arm_segment, boolean, get, text};
use super::json::prelude::*;
use super::json::{parse_owned, to_json};
use super::{Format, NormalizeError};
use crate::event::NormalizedEvent;
use crate::vocab::{Class, Outcome, Source, UserKind};

/// The Log Analytics tables this format reads.
const TABLES: &[&str] = &[
    "QuantumWorkspaceJobAuditLogs",
    "QuantumProviderAccountJobAuditLogs",
    "QuantumProviderAccountQueueAuditLogs",
    "QuantumProviderAccountTargetAuditLogs",
    "QuantumProviderAccountMessageAuditLogs",
];

/// The azure_quantum_audit format.
pub struct AzureQuantumAudit;

/// A field of the record: under `properties` in a diagnostic export, at the top in
/// a Log Analytics row.
fn field(record: &Value, key: &str) -> Option<String> {
    get(record, "properties")
        .and_then(|p| text(p, key))
        .or_else(|| text(record, key))
}

/// Whether an UpdateJob changed the job's priority: `OperationParams.priorityUpdated`,
/// the params as an object or (a dynamic column exported as text) as JSON text.
fn priority_updated(record: &Value) -> bool {
    let params =
        get(record, "properties.OperationParams").or_else(|| get(record, "OperationParams"));
    match params {
        Some(Value::String(s)) => parse_owned(s)
            .ok()
            .is_some_and(|p| boolean(&p, "priorityUpdated") == Some(true)),
        Some(p) => boolean(p, "priorityUpdated") == Some(true),
        None => false,
    }
}

/// The resource id, in either shape.
fn resource_id(record: &Value) -> Option<String> {
    text(record, "_ResourceId").or_else(|| text(record, "resourceId"))
}

impl Format for AzureQuantumAudit {
    fn name(&self) -> &'static str {
        "azure_quantum_audit"
    }

    fn detect(&self, record: &Value) -> bool {
        if !record.is_object() {
            return false;
        }
        if text(record, "Type").is_some_and(|t| TABLES.iter().any(|n| t.eq_ignore_ascii_case(n))) {
            return true;
        }
        text(record, "category").is_some_and(|c| c.eq_ignore_ascii_case("AuditEvent"))
            && resource_id(record).is_some_and(|id| {
                id.to_ascii_lowercase()
                    .contains("/providers/microsoft.quantum/")
            })
    }

    fn normalize(&self, record: &Value) -> Result<NormalizedEvent, NormalizeError> {
        let time = ["TimeGenerated", "time"]
            .iter()
            .find_map(|k| super::fields::time(record, k))
            .ok_or_else(|| NormalizeError::missing("TimeGenerated"))?;
        let operation = text(record, "OperationName")
            .or_else(|| field(record, "OperationName"))
            .ok_or_else(|| NormalizeError::missing("OperationName"))?;
        let job_id = field(record, "JobId");
        let op = operation.to_ascii_lowercase();
        let verb = if op.starts_with("delete") {
            "delete"
        } else if op.starts_with("create") {
            "create"
        } else {
            "update"
        };
        let (class, action) = match op.as_str() {
            "createjob" => (Class::Job, "submit"),
            "canceljob" => (Class::Job, "cancel"),
            o if o.contains("priority") => (Class::Queue, "priority"),
            // A requester raising their own job's priority jumps the queue as well.
            "updatejob" if priority_updated(record) => (Class::Queue, "priority"),
            // A provider opening or closing a queue's dispatch or a target's intake.
            o if o.contains("dispatch") || o.contains("intake") => (Class::Queue, "update"),
            o if o.contains("job") || job_id.is_some() => (Class::Job, verb),
            // Provider messages (maintenance and outage notices) are no job.
            _ => (Class::ApiActivity, verb),
        };
        let mut e = NormalizedEvent::new(Source::AzureQuantum, time, class, action);
        e.operation = Some(operation.clone());
        e.service = Some("quantum".to_string());
        e.request_id = field(record, "TraceId");
        e.job_id = job_id;
        e.resource = field(record, "QueueId").or_else(|| field(record, "MessageId"));
        e.provider = field(record, "ProviderId").map(|p| p.to_ascii_lowercase());
        e.backend = field(record, "TargetId");
        e.hardware = e.backend.as_deref().and_then(target_hardware);
        e.region = field(record, "Location").or_else(|| text(record, "location"));
        e.tenant = field(record, "RequesterTenantId");
        // Azure names are case-insensitive and diagnostic exports upper-case the
        // resource id: one spelling keeps a workspace one project to the rules.
        e.project = resource_id(record)
            .as_deref()
            .and_then(|id| arm_segment(id, "workspaces").map(str::to_string))
            .or_else(|| field(record, "JobWorkspaceName"))
            // The provider's own tables (queues, targets, messages) name no workspace.
            .or_else(|| {
                resource_id(record)
                    .as_deref()
                    .and_then(|id| arm_segment(id, "providerAccounts").map(str::to_string))
            })
            .map(|w| w.to_ascii_lowercase());

        let upn = field(record, "RequesterUpn");
        e.user_id = field(record, "RequesterObjectId");
        e.user_kind = match (&upn, &e.user_id) {
            (Some(_), _) => UserKind::Human,
            // No UPN: a managed identity or a service principal, by the table's docs.
            (None, Some(_)) => UserKind::Service,
            (None, None) => UserKind::Unknown,
        };
        e.user = upn.or_else(|| e.user_id.clone());

        let result = field(record, "ResultCode");
        e.outcome = match result.as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("success" | "succeeded" | "ok") => Outcome::Success,
            Some("failure" | "failed" | "error") => Outcome::Failure,
            Some(code) if code.parse::<u16>().is_ok_and(|c| c >= 400) => Outcome::Failure,
            Some(code) if code.parse::<u16>().is_ok_and(|c| c < 400) => Outcome::Success,
            _ => Outcome::Unknown,
        };
        if e.outcome == Outcome::Failure {
            e.reason = result;
        }
        // Priority changes say how (`PriorityOperation`, `BypassQueueStatus`): that
        // is the detail an analyst needs, so it goes into the message.
        let params = get(record, "properties.OperationParams")
            .or_else(|| get(record, "OperationParams"))
            .filter(|p| !p.is_null())
            .map(|p| match p {
                Value::String(s) => s.to_string(),
                // serde_json wrote an object's keys sorted (`BypassQueueStatus` before
                // `PriorityOperation`): render through it so the message stays the same.
                other => {
                    let sorted: Result<serde_json::Value, _> = other.clone().try_into();
                    sorted.map_or_else(|_| to_json(other), |j| j.to_string())
                }
            });
        let subject = e
            .job_id
            .clone()
            .or_else(|| e.resource.clone())
            .or_else(|| e.backend.clone())
            .map(|s| match field(record, "MessageType") {
                Some(t) => format!("{s} ({t})"),
                None => s,
            })
            .unwrap_or_else(|| "a job".to_string());
        e.message = Some(match params {
            Some(p) if !p.is_empty() && p != "{}" => format!("{operation} {subject} {p}"),
            _ => format!("{operation} {subject}"),
        });
        Ok(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::json::from_serde;
    use crate::normalize::test_support::{fixture, normalize_as};
    use crate::vocab::Hardware;

    #[test]
    fn a_job_created_names_who_on_which_target_and_workspace() {
        let e = normalize_as(
            "azure_quantum_audit",
            r#"{"Type":"QuantumWorkspaceJobAuditLogs","Category":"AuditEvent","OperationName":"CreateJob","JobId":"0f4c1a2b-1111-4222-8333-444455556666","TargetId":"ionq.qpu.aria-1","ProviderId":"IonQ","Priority":"Standard","RequesterUpn":"carol@qlab.example","RequesterObjectId":"oid-carol","RequesterTenantId":"tid-1","ResultCode":"Success","Location":"westeurope","TenantId":"workspace-guid","TimeGenerated":"2026-11-10T01:30:00Z","TraceId":"trace-1","_ResourceId":"/subscriptions/s/resourceGroups/r/providers/Microsoft.Quantum/workspaces/qlab-prod"}"#,
        );
        assert_eq!((e.class, e.action.as_str()), (Class::Job, "submit"));
        assert_eq!(e.source, Source::AzureQuantum);
        assert_eq!(e.user.as_deref(), Some("carol@qlab.example"));
        assert_eq!(e.user_kind, UserKind::Human);
        assert_eq!(e.hardware, Some(Hardware::Qpu));
        assert_eq!(e.backend.as_deref(), Some("ionq.qpu.aria-1"));
        assert_eq!(e.project.as_deref(), Some("qlab-prod"));
        assert_eq!(e.tenant.as_deref(), Some("tid-1"));
        assert_eq!(e.outcome, Outcome::Success);
        assert_eq!(
            e.job_id.as_deref(),
            Some("0f4c1a2b-1111-4222-8333-444455556666")
        );
    }

    #[test]
    fn a_provider_bumping_a_job_is_a_queue_change_by_a_service() {
        let e = normalize_as(
            "azure_quantum_audit",
            r#"{"time":"2026-11-10T02:00:00Z","category":"AuditEvent","operationName":"UpdateJobPriority","resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/R/PROVIDERS/MICROSOFT.QUANTUM/PROVIDERACCOUNTS/IONQ","properties":{"JobId":"j-9","JobWorkspaceName":"qlab-prod","RequesterObjectId":"oid-sp","ResultCode":"Failure","OperationParams":{"PriorityOperation":"Increase","BypassQueueStatus":"Requested"}}}"#,
        );
        assert_eq!((e.class, e.action.as_str()), (Class::Queue, "priority"));
        assert_eq!(e.user.as_deref(), Some("oid-sp"));
        assert_eq!(e.user_kind, UserKind::Service);
        assert_eq!(e.project.as_deref(), Some("qlab-prod"));
        assert_eq!(e.outcome, Outcome::Failure);
        assert!(
            e.message
                .as_deref()
                .is_some_and(|m| m.contains("BypassQueueStatus")),
            "{:?}",
            e.message
        );
    }

    #[test]
    fn the_provider_accounts_queue_target_and_message_tables() {
        // Documented tables of Microsoft.Quantum/providerAccounts, category AuditEvent:
        // learn.microsoft.com/azure/azure-monitor/reference/tables/
        // QuantumProviderAccount{Queue,Target,Message}AuditLogs
        let queue = r#"{"TenantId":"la-ws","TimeGenerated":"2026-11-12T06:00:00Z","Type":"QuantumProviderAccountQueueAuditLogs","Category":"AuditEvent","OperationName":"UpdateQueueDispatchStatus","OperationParams":{"TargetDispatchStatuses":[{"TargetId":"ionq.qpu.forte-1","Status":"Disabled"}]},"OperationVersion":"2025-12-01-preview","QueueId":"forte-1-standard","RequesterUpn":"","RequesterObjectId":"oid-ops","RequesterTenantId":"tid-ionq","ResultCode":"Success","Location":"eastus","TraceId":"t-q","_ResourceId":"/subscriptions/s/resourceGroups/r/providers/Microsoft.Quantum/providerAccounts/IonQ"}"#;
        let queue = normalize_as("azure_quantum_audit", queue);
        assert_eq!(
            (queue.class, queue.action.as_str()),
            (Class::Queue, "update")
        );
        assert_eq!(queue.job_id, None);
        assert_eq!(queue.resource.as_deref(), Some("forte-1-standard"));
        assert_eq!(queue.project.as_deref(), Some("ionq"));
        assert_eq!(queue.user.as_deref(), Some("oid-ops"));
        assert_eq!(queue.user_kind, UserKind::Service);
        assert_eq!(queue.outcome, Outcome::Success);
        assert!(
            queue.message.as_deref().is_some_and(|m| m
                .starts_with("UpdateQueueDispatchStatus forte-1-standard {")
                && m.contains("Disabled")),
            "{:?}",
            queue.message
        );

        let target = normalize_as(
            "azure_quantum_audit",
            r#"{"TimeGenerated":"2026-11-12T06:05:00Z","Type":"QuantumProviderAccountTargetAuditLogs","Category":"AuditEvent","OperationName":"UpdateTargetIntakeStatus","OperationParams":{"Status":"Disabled"},"TargetId":"ionq.qpu.forte-1","RequesterUpn":"ops@ionq.example","RequesterObjectId":"oid-2","ResultCode":"Success","_ResourceId":"/subscriptions/s/resourceGroups/r/providers/Microsoft.Quantum/providerAccounts/ionq"}"#,
        );
        assert_eq!(
            (target.class, target.action.as_str()),
            (Class::Queue, "update")
        );
        assert_eq!(target.backend.as_deref(), Some("ionq.qpu.forte-1"));
        assert_eq!(target.hardware, Some(Hardware::Qpu));
        assert_eq!(target.user.as_deref(), Some("ops@ionq.example"));
        assert_eq!(target.user_kind, UserKind::Human);
        assert_eq!(
            target.message.as_deref(),
            Some(r#"UpdateTargetIntakeStatus ionq.qpu.forte-1 {"Status":"Disabled"}"#)
        );

        let notice = normalize_as(
            "azure_quantum_audit",
            r#"{"time":"2026-11-12T07:00:00Z","resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/R/PROVIDERS/MICROSOFT.QUANTUM/PROVIDERACCOUNTS/QUANTINUUM","category":"AuditEvent","operationName":"CreateProviderMessage","properties":{"MessageId":"msg-42","MessageType":"Maintenance","MessagePriority":"High","RequesterUpn":"ops@quantinuum.example","RequesterObjectId":"oid-3","ResultCode":"Success"}}"#,
        );
        assert_eq!(
            (notice.class, notice.action.as_str()),
            (Class::ApiActivity, "create")
        );
        assert_eq!(notice.job_id, None);
        assert_eq!(notice.resource.as_deref(), Some("msg-42"));
        assert_eq!(notice.project.as_deref(), Some("quantinuum"));
        assert_eq!(
            notice.message.as_deref(),
            Some("CreateProviderMessage msg-42 (Maintenance)")
        );
    }

    #[test]
    fn an_update_that_raised_the_priority_is_a_queue_change() {
        // QuantumWorkspaceJobAuditLogs: "For UpdateJob this includes flags such as
        // priorityUpdated, nameUpdated, and tagsUpdated."
        let update = |params: &str| {
            normalize_as(
                "azure_quantum_audit",
                &format!(
                    r#"{{"Type":"QuantumWorkspaceJobAuditLogs","Category":"AuditEvent","TimeGenerated":"2026-11-12T08:00:00Z","OperationName":"UpdateJob","OperationParams":{params},"JobId":"j-1","RequesterUpn":"carol@qlab.example","RequesterObjectId":"oid-c","ResultCode":"Success","_ResourceId":"/subscriptions/s/resourceGroups/r/providers/Microsoft.Quantum/workspaces/qlab"}}"#
                ),
            )
        };
        let raised = update(r#"{"priorityUpdated":true,"nameUpdated":false,"tagsUpdated":false}"#);
        assert_eq!(
            (raised.class, raised.action.as_str()),
            (Class::Queue, "priority")
        );
        assert_eq!(raised.job_id.as_deref(), Some("j-1"));
        // The dynamic column exported as text.
        let as_text = update(r#""{\"priorityUpdated\":true}""#);
        assert_eq!(
            (as_text.class, as_text.action.as_str()),
            (Class::Queue, "priority")
        );
        let renamed = update(r#"{"priorityUpdated":false,"nameUpdated":true}"#);
        assert_eq!(
            (renamed.class, renamed.action.as_str()),
            (Class::Job, "update")
        );
    }

    #[test]
    fn every_fixture_normalizes() {
        let events: Vec<NormalizedEvent> = fixture("azure_quantum/audit.jsonl")
            .iter()
            .map(|v| normalize_as("azure_quantum_audit", &v.to_string()))
            .collect();
        let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["submit", "cancel", "priority"]);
        // The diagnostic export's empty UPN is a service identity, named by its id.
        assert_eq!(events[1].user_kind, UserKind::Service);
        assert_eq!(
            events[1].user.as_deref(),
            Some("9d2c4b6a-0000-4000-8000-00000000a1b2")
        );
        assert_eq!(events[1].project.as_deref(), Some("qlab-prod"));
        assert_eq!(events[2].user.as_deref(), Some("ops@quantinuum.example"));
        assert_eq!(events[2].project.as_deref(), Some("qlab-prod"));
    }

    #[test]
    fn other_audit_events_are_not_claimed() {
        let f = AzureQuantumAudit;
        assert!(!f.detect(&from_serde(serde_json::json!({"category":"AuditEvent","operationName":"SecretGet","resourceId":"/subscriptions/s/resourceGroups/r/providers/Microsoft.KeyVault/vaults/v"}))));
        assert!(!f.detect(&from_serde(
            serde_json::json!({"Type":"SigninLogs","TimeGenerated":"2026-11-10T02:00:00Z"})
        )));
    }
}
