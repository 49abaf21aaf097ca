//! Google Cloud Audit Logs: a Cloud Logging `LogEntry` whose `protoPayload` is a
//! `google.cloud.audit.AuditLog` (logs `cloudaudit.googleapis.com%2Factivity`,
//! `data_access`, `system_event`, `policy`), as exported by a sink, `gcloud logging
//! read --format=json` or `entries:list` (the `entries` envelope is opened elsewhere).
//! Shippers that rename keys (Panther writes `protopayload`, `at_sign_type`, `callerIP`)
//! are accepted: field look-ups fall back to case-insensitive keys.
//!
//! Mapping:
//! - `timestamp` → time (else `protoPayload.requestMetadata.requestAttributes.time`,
//!   else `receiveTimestamp`, else Panther's `p_event_time`); `logName` + `insertId`
//!   → source_id (`<logName>#<insertId>`: Cloud Logging's own de-duplication key is
//!   log, time and insert id); `operation.id` → request_id.
//! - `protoPayload.serviceName` → service, `methodName` → operation, `resourceName`
//!   → resource; `resource.labels.project_id` (else the project in `logName` or
//!   `resourceName`) → project; `organizations/<id>` in `logName` → tenant;
//!   `resource.labels.location|zone|region` (else `resourceLocation.currentLocations[0]`) → region.
//! - `authenticationInfo.principalEmail` (else `principalSubject`) → user; accounts
//!   ending `.gserviceaccount.com`, `serviceAccount:` subjects, Kubernetes `system:`
//!   users and workload-identity principals → service; other e-mail addresses and
//!   workforce-pool principals → human; nothing → unknown.
//!   `serviceAccountKeyName` → token_id (a key's resource name, not key material);
//!   `serviceAccountDelegationInfo` (impersonation chain) → message; when a service
//!   account acts for a person named in that chain, the person → user (human) and
//!   the account → roles, as CloudTrail's source identity does;
//!   `oauthInfo.oauthClientId` → message.
//! - `requestMetadata.callerIp` → src_ip (when an address: `private` and
//!   `gce-internal-ip` are not), `callerSuppliedUserAgent` → user_agent and client.
//! - Outcome: when `status` is present, code 0/absent → success, else failure with
//!   reason `<CODE_NAME> (<code>): <message>`; when `status` is absent, any
//!   `authorizationInfo[].granted == false` → failure (with `status` present, a denied
//!   entry is an optional permission check on a request that went through).
//!   `severity` has no column; it stays in `raw`.
//!
//! Families: Secret Manager (secret_access), IAM policy changes with
//! `serviceData.policyDelta.bindingDeltas` (role_change assign/unassign), service
//! account keys, API keys and `iamcredentials` (token), service accounts (account),
//! group membership (Workspace `AdminService.add/remove/updateGroupMember` with the
//! `USER_EMAIL` and `GROUP_EMAIL` parameters, Cloud Identity memberships with
//! `metadata.group` and `membershipDelta`: role_change, the group as target_role),
//! `login.googleapis.com` (authentication); the rest is api_activity with a verb
//! from the method name.

use std::net::IpAddr;

use super::json::prelude::*;
use super::json::to_json;

use super::fields::{client_from_user_agent, first_text, get, int, require_time, text};
use super::{Format, NormalizeError};
use crate::event::NormalizedEvent;
use crate::vocab::{Class, Outcome, Source, UserKind};

/// The gcp_audit format.
pub struct GcpAudit;

impl Format for GcpAudit {
    fn name(&self) -> &'static str {
        "gcp_audit"
    }

    fn detect(&self, record: &Value) -> bool {
        if !record.is_object() {
            return false;
        }
        if get(record, "p_log_type").and_then(|t| t.as_str()) == Some("GCP.AuditLog") {
            return true;
        }
        if get(record, "logName")
            .and_then(|l| l.as_str())
            .is_some_and(|l| l.contains("cloudaudit.googleapis.com"))
        {
            return true;
        }
        let Some(pp) = get(record, "protoPayload").filter(|p| p.is_object()) else {
            return false;
        };
        // Only an AuditLog payload is ours; samples that drop the type are taken as audit logs
        // (every protoPayload in Cloud Logging is typed, and the other types are request logs).
        first_text(pp, &["@type", "at_sign_type"]).is_none_or(|t| t.ends_with("AuditLog"))
    }

    fn normalize(&self, record: &Value) -> Result<NormalizedEvent, NormalizeError> {
        normalize(record)
    }
}

fn normalize(v: &Value) -> Result<NormalizedEvent, NormalizeError> {
    let pp = get(v, "protoPayload")
        .filter(|p| p.is_object())
        .ok_or_else(|| NormalizeError::missing("protoPayload"))?;
    let time = event_time(v)?;
    let method = text(pp, "methodName");
    let service = text(pp, "serviceName");
    let short = method.as_deref().map(short_method).unwrap_or_default();

    let mut e = NormalizedEvent::new(Source::GcpAudit, time, Class::ApiActivity, "");
    e.operation.clone_from(&method);
    e.service.clone_from(&service);
    e.resource = text(pp, "resourceName");
    e.request_id = text(v, "operation.id");
    let log_name = text(v, "logName");
    e.source_id = text(v, "insertId").map(|id| match &log_name {
        Some(l) => format!("{l}#{id}"),
        None => id,
    });
    e.project = text(v, "resource.labels.project_id")
        .or_else(|| log_name.as_deref().and_then(project_of))
        .or_else(|| e.resource.as_deref().and_then(project_of));
    e.tenant = log_name
        .as_deref()
        .and_then(|l| l.strip_prefix("organizations/"))
        .and_then(|r| r.split('/').next())
        .map(|id| format!("organizations/{id}"));
    e.region = first_text(
        v,
        &[
            "resource.labels.location",
            "resource.labels.zone",
            "resource.labels.region",
        ],
    )
    .or_else(|| text(pp, "resourceLocation.currentLocations.0"));

    // Who. The kind is read before the member prefix goes: `serviceAccount:` says it.
    let principal = first_text(
        pp,
        &[
            "authenticationInfo.principalEmail",
            "authenticationInfo.principalSubject",
        ],
    );
    e.user_kind = principal
        .as_deref()
        .map_or(UserKind::Unknown, principal_kind);
    e.user = principal.map(|p| strip_member_prefix(&p).to_string());
    e.token_id = text(pp, "authenticationInfo.serviceAccountKeyName");
    let chain = delegation_chain(pp);
    if !chain.is_empty() {
        e.message = Some(format!("delegated by {}", chain.join(" -> ")));
        // A person impersonating a service account is logged as the account; as
        // with CloudTrail's source identity, the person is the actor and the
        // account what they acted as. The chain's order is not documented
        // reliably, so the person is found by kind, not by position.
        if e.user_kind == UserKind::Service
            && let Some(person) = delegating_person(pp)
        {
            e.roles.extend(e.user.take());
            e.user = Some(strip_member_prefix(&person).to_string());
            e.user_kind = UserKind::Human;
        }
    }
    if let Some(client) = text(pp, "authenticationInfo.oauthInfo.oauthClientId") {
        e.append_message(&format!("OAuth client {client}"));
    }

    // Where from.
    e.src_ip = text(pp, "requestMetadata.callerIp")
        .and_then(|ip| ip.parse::<IpAddr>().ok())
        .map(|ip| ip.to_string());
    e.user_agent = text(pp, "requestMetadata.callerSuppliedUserAgent");
    e.client = client_from_user_agent(e.user_agent.as_deref().unwrap_or(""));

    let (outcome, reason) = outcome(pp);
    e.outcome = outcome;
    e.reason = reason;

    let svc = service.as_deref().unwrap_or("");
    if svc == "secretmanager.googleapis.com" && !is_set_iam_policy(short) {
        secret_manager(short, &mut e);
    } else if is_set_iam_policy(short) || short == "setIamPermissions" {
        set_iam_policy(pp, &mut e);
    } else if svc == "login.googleapis.com" {
        login(pp, short, &mut e);
    } else {
        let _ = token_or_account(pp, svc, short, &mut e);
    }
    if e.action.is_empty() {
        e.action = verb(short, pp).to_string();
    }
    Ok(e)
}

fn event_time(v: &Value) -> Result<chrono::DateTime<chrono::Utc>, NormalizeError> {
    for path in [
        "timestamp",
        "protoPayload.requestMetadata.requestAttributes.time",
        "receiveTimestamp",
        "p_event_time",
    ] {
        if get(v, path).is_some() {
            return require_time(v, path);
        }
    }
    Err(NormalizeError::missing("timestamp"))
}

/// The method's own name: `google.cloud.secretmanager.v1.SecretManagerService.AccessSecretVersion`
/// → `AccessSecretVersion`, `v1.compute.instances.insert` → `insert`.
fn short_method(m: &str) -> &str {
    m.rsplit('.').next().unwrap_or(m)
}

fn is_set_iam_policy(short: &str) -> bool {
    short.eq_ignore_ascii_case("SetIamPolicy")
}

/// `projects/<id>/...` → `<id>`.
fn project_of(name: &str) -> Option<String> {
    let rest = name
        .strip_prefix("projects/")
        .or_else(|| name.split("/projects/").nth(1))?;
    rest.split('/')
        .next()
        .filter(|p| !p.is_empty() && *p != "_" && *p != "-")
        .map(str::to_string)
}

/// `user:alice@example.com` → `alice@example.com`; other member kinds keep their prefix.
fn strip_member_prefix(m: &str) -> &str {
    m.strip_prefix("user:")
        .or_else(|| m.strip_prefix("serviceAccount:"))
        .unwrap_or(m)
}

fn principal_kind(p: &str) -> UserKind {
    let l = p.to_ascii_lowercase();
    if l.ends_with(".gserviceaccount.com")
        || l.starts_with("system:")
        || l.contains("/workloadidentitypools/")
        || l.starts_with("serviceaccount:")
    {
        UserKind::Service
    } else if l.contains('@') || l.contains("/workforcepools/") {
        UserKind::Human
    } else {
        UserKind::Unknown
    }
}

/// The entries of the impersonation chain (`serviceAccountDelegationInfo`).
fn delegation_entries<'a>(pp: &'a Value<'a>) -> &'a [Value<'a>] {
    get(pp, "authenticationInfo.serviceAccountDelegationInfo")
        .and_then(|d| d.as_array())
        .map_or(&[], Vec::as_slice)
}

/// A first-party principal of a chain entry: an account of the provider's own.
fn first_party(entry: &Value) -> Option<String> {
    first_text(
        entry,
        &["firstPartyPrincipal.principalEmail", "principalSubject"],
    )
}

/// The person in the impersonation chain, if one is named. Only first-party
/// principals count: a third party's claims are free-form, not an identity.
fn delegating_person(pp: &Value) -> Option<String> {
    delegation_entries(pp)
        .iter()
        .filter_map(first_party)
        .find(|p| principal_kind(p) == UserKind::Human)
}

/// The principals of the impersonation chain, in the order the log lists them.
fn delegation_chain(pp: &Value) -> Vec<String> {
    delegation_entries(pp)
        .iter()
        .filter_map(|d| {
            first_party(d).or_else(|| get(d, "thirdPartyPrincipal.thirdPartyClaims").map(to_json))
        })
        .collect()
}

/// google.rpc.Code names.
fn code_name(code: i64) -> &'static str {
    match code {
        1 => "CANCELLED",
        2 => "UNKNOWN",
        3 => "INVALID_ARGUMENT",
        4 => "DEADLINE_EXCEEDED",
        5 => "NOT_FOUND",
        6 => "ALREADY_EXISTS",
        7 => "PERMISSION_DENIED",
        8 => "RESOURCE_EXHAUSTED",
        9 => "FAILED_PRECONDITION",
        10 => "ABORTED",
        11 => "OUT_OF_RANGE",
        12 => "UNIMPLEMENTED",
        13 => "INTERNAL",
        14 => "UNAVAILABLE",
        15 => "DATA_LOSS",
        16 => "UNAUTHENTICATED",
        _ => "ERROR",
    }
}

fn outcome(pp: &Value) -> (Outcome, Option<String>) {
    if let Some(status) = get(pp, "status").filter(|s| s.is_object()) {
        let code = int(status, "code").unwrap_or(0);
        if code == 0 {
            return (Outcome::Success, None);
        }
        let reason = match text(status, "message") {
            Some(m) => format!("{} ({code}): {m}", code_name(code)),
            None => format!("{} ({code})", code_name(code)),
        };
        return (Outcome::Failure, Some(reason));
    }
    let denied: Vec<String> = get(pp, "authorizationInfo")
        .and_then(|a| a.as_array())
        .map(|a| {
            a.iter()
                .filter(|i| get(i, "granted").and_then(|g| g.as_bool()) == Some(false))
                .map(|i| text(i, "permission").unwrap_or_else(|| "permission".into()))
                .collect()
        })
        .unwrap_or_default();
    if denied.is_empty() {
        (Outcome::Success, None)
    } else {
        (
            Outcome::Failure,
            Some(format!(
                "PERMISSION_DENIED: {} not granted",
                denied.join(", ")
            )),
        )
    }
}

fn secret_manager(short: &str, e: &mut NormalizedEvent) {
    let action = match short {
        "AccessSecretVersion" => "read",
        "ListSecrets" | "ListSecretVersions" => "list",
        "GetSecret" | "GetSecretVersion" | "GetIamPolicy" => "get",
        "AddSecretVersion" | "CreateSecret" | "UpdateSecret" => "write",
        "DestroySecretVersion" | "DeleteSecret" => "delete",
        "DisableSecretVersion" | "EnableSecretVersion" => "update",
        _ => return,
    };
    e.class = Class::SecretAccess;
    e.action = action.to_string();
}

/// SetIamPolicy: the binding deltas name who got or lost which role.
fn set_iam_policy(pp: &Value, e: &mut NormalizedEvent) {
    e.class = Class::RoleChange;
    let deltas = get(pp, "serviceData.policyDelta.bindingDeltas")
        .or_else(|| get(pp, "metadata.datasetChange.bindingDeltas"))
        .or_else(|| get(pp, "policyDelta.bindingDeltas"))
        .and_then(|d| d.as_array())
        .filter(|d| !d.is_empty());
    if let Some(deltas) = deltas {
        // A grant among removals is what matters (`[REMOVE viewer, ADD owner]`); every
        // delta is listed in the message.
        let first = deltas
            .iter()
            .find(|d| text(d, "action").as_deref() == Some("ADD"))
            .unwrap_or(&deltas[0]);
        e.action = match text(first, "action").as_deref() {
            Some("REMOVE") => "unassign",
            _ => "assign",
        }
        .to_string();
        e.target_user = text(first, "member").map(|m| strip_member_prefix(&m).to_string());
        e.target_role = text(first, "role");
        if deltas.len() > 1 {
            let all: Vec<String> = deltas
                .iter()
                .map(|d| {
                    format!(
                        "{} {} {}",
                        text(d, "action").unwrap_or_default(),
                        text(d, "role").unwrap_or_default(),
                        text(d, "member").unwrap_or_default()
                    )
                })
                .collect();
            // After any delegation note: both say who did what.
            e.append_message(&all.join("; "));
        }
        return;
    }
    // No delta (older or hand-made samples): the new policy replaces the old one.
    e.action = "update".into();
    let bindings = get(pp, "request.policy.bindings").and_then(|b| b.as_array());
    if let Some([only]) = bindings.map(Vec::as_slice) {
        e.target_role = text(only, "role");
        if let Some([member]) = get(only, "members")
            .and_then(|m| m.as_array())
            .map(Vec::as_slice)
        {
            e.target_user = member.as_str().map(|m| strip_member_prefix(m).to_string());
        }
    }
}

/// Login Audit events that change the account (by lower-cased name prefix), and the
/// account action each one is.
const ACCOUNT_CHANGES: &[(&str, &str)] = &[
    ("2svdisable", "mfa_disable"),
    ("2svenroll", "mfa_enable"),
    ("passwordedit", "change_password"),
    ("recovery", "update"),
    ("accountdisabled", "disable"),
    ("riskysensitiveaction", "sensitive_action"),
];

/// Workspace login events exported to Cloud Logging (Google's Login Audit: sign-ins,
/// challenges, blocked suspicious sign-ins, and account changes made while signed in).
fn login(pp: &Value, short: &str, e: &mut NormalizedEvent) {
    let l = short.to_ascii_lowercase();
    let account = |e: &mut NormalizedEvent, action: &str| {
        e.class = Class::Account;
        e.action = action.to_string();
    };
    e.class = Class::Authentication;
    e.action = "login".to_string();
    if l.contains("logout") {
        e.action = "logout".to_string();
    } else if l.contains("challenge") {
        e.action = "mfa".to_string();
        match admin_parameter(pp, "login_challenge_status").map(|s| s.to_ascii_lowercase()) {
            Some(s) if s.contains("fail") => e.outcome = Outcome::Failure,
            Some(s) if s.contains("pass") => e.outcome = Outcome::Success,
            _ => {}
        }
    } else if let Some((_, action)) = ACCOUNT_CHANGES.iter().find(|(p, _)| l.starts_with(p)) {
        account(e, action);
    }
    // Google blocked it: a suspicious sign-in, a risky action, a failed password.
    if l.contains("failure") || l.contains("suspicious") || l.contains("blocked") {
        e.outcome = Outcome::Failure;
        let why = admin_parameter(pp, "login_failure_type").unwrap_or_else(|| short.to_string());
        e.reason.get_or_insert(why);
    }
}

/// A parameter of a Workspace admin audit entry (`metadata.event[].parameter[]`).
fn admin_parameter(pp: &Value, name: &str) -> Option<String> {
    get(pp, "metadata.event")?
        .as_array()?
        .iter()
        .filter_map(|ev| get(ev, "parameter").and_then(|p| p.as_array()))
        .flatten()
        .find(|p| text(p, "name").is_some_and(|n| n == name))
        .and_then(|p| text(p, "value"))
}

/// The last path segment of a resource name.
fn last_segment(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

/// Service-account keys, short-lived credentials, API keys and service accounts.
fn token_or_account(pp: &Value, svc: &str, short: &str, e: &mut NormalizedEvent) -> bool {
    let sa_of = |e: &NormalizedEvent| {
        first_text(pp, &["request.name"])
            .or_else(|| e.resource.clone())
            .and_then(|n| {
                n.split("/serviceAccounts/")
                    .nth(1)
                    .map(|r| r.split('/').next().unwrap_or(r).to_string())
            })
    };
    let (class, action) = match (svc, short) {
        (_, "CreateServiceAccountKey" | "UploadServiceAccountKey") => {
            e.target_user = sa_of(e);
            if let Some(name) = text(pp, "response.name") {
                e.token_id = Some(name);
            }
            (Class::Token, "issue")
        }
        (_, "DeleteServiceAccountKey" | "DisableServiceAccountKey") => {
            e.target_user = sa_of(e);
            e.token_id = first_text(pp, &["request.name"]).or_else(|| e.resource.clone());
            (Class::Token, "revoke")
        }
        // The resource names the account by its number; the request by its e-mail.
        ("iamcredentials.googleapis.com", "GenerateAccessToken" | "GenerateIdToken") => {
            e.target_user = sa_of(e)
                .filter(|a| a.contains('@'))
                .or_else(|| e.resource.as_deref().map(|r| last_segment(r).to_string()));
            (Class::Token, "issue")
        }
        ("iamcredentials.googleapis.com", "SignJwt" | "SignBlob") => {
            e.target_user = sa_of(e)
                .filter(|a| a.contains('@'))
                .or_else(|| e.resource.as_deref().map(|r| last_segment(r).to_string()));
            (Class::Token, "sign")
        }
        ("apikeys.googleapis.com", "CreateKey") => (Class::Token, "issue"),
        ("apikeys.googleapis.com", "DeleteKey") => {
            // The key deleted, not the caller's service-account key (see Vault).
            e.token_id = first_text(pp, &["request.name"]).or_else(|| e.resource.clone());
            (Class::Token, "revoke")
        }
        (_, "CreateServiceAccount") => {
            e.target_user = first_text(
                pp,
                &["response.email", "request.account_id", "request.accountId"],
            );
            (Class::Account, "create")
        }
        (_, "DeleteServiceAccount") => {
            e.target_user = sa_of(e);
            (Class::Account, "delete")
        }
        (_, "DisableServiceAccount") => {
            e.target_user = sa_of(e);
            (Class::Account, "lock")
        }
        (_, "EnableServiceAccount") => {
            e.target_user = sa_of(e);
            (Class::Account, "unlock")
        }
        ("iam.googleapis.com", "CreateRole" | "UpdateRole" | "DeleteRole") => {
            e.target_role = first_text(pp, &["response.name", "request.role_id", "request.roleId"])
                .or_else(|| e.resource.clone());
            let action = match short {
                "CreateRole" => "create",
                "DeleteRole" => "delete",
                _ => "update",
            };
            (Class::RoleChange, action)
        }
        ("admin.googleapis.com", "addGroupMember" | "removeGroupMember" | "updateGroupMember") => {
            // Workspace admin audit: the member and the group are event parameters.
            e.target_user = admin_parameter(pp, "USER_EMAIL");
            e.target_role = admin_parameter(pp, "GROUP_EMAIL");
            let action = match short {
                "addGroupMember" => "assign",
                "removeGroupMember" => "unassign",
                _ => "update",
            };
            (Class::RoleChange, action)
        }
        ("cloudidentity.googleapis.com", m)
            if m.ends_with("Membership") || m.ends_with("MembershipRoles") =>
        {
            let meta = get(pp, "metadata");
            e.target_role = meta
                .and_then(|m| text(m, "group"))
                .map(|g| g.strip_prefix("group:").unwrap_or(&g).to_string());
            e.target_user = meta
                .and_then(|m| text(m, "membershipDelta.member"))
                .map(|m| strip_member_prefix(&m).to_string());
            let deltas: Vec<String> = meta
                .and_then(|m| get(m, "membershipDelta.roleDeltas"))
                .and_then(|d| d.as_array())
                .map(|d| d.iter().filter_map(|d| text(d, "action")).collect())
                .unwrap_or_default();
            let action = if m.starts_with("Create") || deltas.iter().any(|a| a == "ADD") {
                "assign"
            } else if m.starts_with("Delete") || deltas.iter().any(|a| a == "REMOVE") {
                "unassign"
            } else {
                "update"
            };
            (Class::RoleChange, action)
        }
        (_, "InsertProjectOwnershipInvite") => {
            e.target_user = text(pp, "request.member").map(|m| strip_member_prefix(&m).to_string());
            e.target_role = Some("roles/owner".into());
            (Class::RoleChange, "assign")
        }
        _ => return false,
    };
    e.class = class;
    e.action = action.to_string();
    true
}

/// A short verb from the method's own name, else from the permission type.
fn verb(short: &str, pp: &Value) -> &'static str {
    let end = short
        .char_indices()
        .skip(1)
        .find(|(_, c)| c.is_ascii_uppercase())
        .map_or(short.len(), |(i, _)| i);
    match short[..end].to_ascii_lowercase().as_str() {
        "get" | "describe" | "read" | "access" | "lookup" | "check" | "test" | "query"
        | "fetch" | "export" => "read",
        "list" | "search" | "aggregatedlist" | "watch" => "list",
        "create" | "insert" | "add" | "generate" | "new" | "import" | "upload" | "copy"
        | "clone" | "run" | "deploy" => "create",
        "set" | "put" | "write" | "compose" | "rewrite" => "write",
        "patch" | "update" | "modify" | "replace" | "change" | "attach" | "detach" | "enable"
        | "disable" | "move" | "undelete" | "restore" | "rotate" | "resize" | "reset" => "update",
        "delete" | "remove" | "destroy" | "purge" | "drop" => "delete",
        "start" | "resume" => "start",
        "stop" | "suspend" => "stop",
        "cancel" | "abort" => "cancel",
        "exec" | "connect" | "sign" | "encrypt" | "decrypt" | "invoke" | "call" | "execute" => {
            "execute"
        }
        "login" | "authorize" | "authenticate" => "login",
        "logout" => "logout",
        _ => {
            let read = get(pp, "authorizationInfo")
                .and_then(|a| a.as_array())
                .and_then(|a| a.first())
                .and_then(|i| text(i, "permissionType"))
                .is_some_and(|t| t.ends_with("_READ"));
            if read { "read" } else { "other" }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::json::from_serde;
    use crate::normalize::test_support::{corpus_records, fixture, normalize_as};
    use crate::vocab::Client;

    fn fixtures() -> Vec<serde_json::Value> {
        fixture("gcp_audit/events.jsonl")
    }

    fn event(method_suffix: &str, nth: usize) -> NormalizedEvent {
        let rec = fixtures()
            .into_iter()
            .filter(|r| {
                r["protoPayload"]["methodName"]
                    .as_str()
                    .is_some_and(|m| m.ends_with(method_suffix))
            })
            .nth(nth)
            .unwrap_or_else(|| panic!("no fixture #{nth} for {method_suffix}"));
        normalize_as("gcp_audit", &rec.to_string())
    }

    fn t(s: &str) -> chrono::DateTime<chrono::Utc> {
        super::super::fields::parse_time(s).expect("test time")
    }

    #[test]
    fn secret_read_by_human() {
        let e = event("AccessSecretVersion", 0);
        assert_eq!(e.class, Class::SecretAccess);
        assert_eq!(e.action, "read");
        assert_eq!(e.outcome, Outcome::Success);
        assert_eq!(e.user.as_deref(), Some("dana@example.com"));
        assert_eq!(e.user_kind, UserKind::Human);
        assert_eq!(e.src_ip.as_deref(), Some("198.51.100.24"));
        assert_eq!(e.client, Client::Cli);
        assert_eq!(e.project.as_deref(), Some("qlab-prod"));
        assert_eq!(e.service.as_deref(), Some("secretmanager.googleapis.com"));
        assert_eq!(
            e.resource.as_deref(),
            Some("projects/qlab-prod/secrets/ionq-api-key/versions/latest")
        );
        assert_eq!(e.time, t("2025-03-06T10:00:00.123456Z"));
        assert_eq!(
            e.source_id.as_deref(),
            Some("projects/qlab-prod/logs/cloudaudit.googleapis.com%2Fdata_access#1a2b3c4d5e6f")
        );
        // No location label: the first of `resourceLocation.currentLocations`.
        assert_eq!(e.region.as_deref(), Some("global"));
    }

    #[test]
    fn secret_read_denied_for_service_account() {
        let e = event("AccessSecretVersion", 1);
        assert_eq!(e.outcome, Outcome::Failure);
        assert_eq!(
            e.reason.as_deref(),
            Some(
                "PERMISSION_DENIED (7): Permission 'secretmanager.versions.access' denied for resource 'projects/qlab-prod/secrets/db-password/versions/3' (or it may not exist)."
            )
        );
        assert_eq!(
            e.user.as_deref(),
            Some("runner@qlab-ci.iam.gserviceaccount.com")
        );
        assert_eq!(e.user_kind, UserKind::Service);
        assert_eq!(e.client, Client::Sdk);
        assert_eq!(e.region.as_deref(), Some("us-central1"));
        assert_eq!(
            e.token_id.as_deref(),
            Some(
                "//iam.googleapis.com/projects/qlab-ci/serviceAccounts/runner@qlab-ci.iam.gserviceaccount.com/keys/0123456789abcdef0123456789abcdef01234567"
            )
        );
    }

    #[test]
    fn add_secret_version_and_list() {
        let e = event("AddSecretVersion", 0);
        assert_eq!(e.action, "write");
        assert_eq!(e.class, Class::SecretAccess);
        let l = event("ListSecrets", 0);
        assert_eq!(l.action, "list");
        assert_eq!(l.client, Client::Browser);
    }

    #[test]
    fn set_iam_policy_binding_delta() {
        let e = event("SetIamPolicy", 0);
        assert_eq!(e.class, Class::RoleChange);
        assert_eq!(e.action, "assign");
        assert_eq!(e.target_user.as_deref(), Some("mallory@example.net"));
        assert_eq!(e.target_role.as_deref(), Some("roles/owner"));
        assert_eq!(
            e.message.as_deref(),
            Some(
                "ADD roles/owner user:mallory@example.net; REMOVE roles/viewer user:mallory@example.net"
            )
        );
        assert_eq!(e.tenant, None);
        assert_eq!(e.request_id, None);
    }

    #[test]
    fn service_account_key_and_impersonation() {
        let k = event("CreateServiceAccountKey", 0);
        assert_eq!(k.class, Class::Token);
        assert_eq!(k.action, "issue");
        assert_eq!(
            k.target_user.as_deref(),
            Some("braket-runner@qlab-prod.iam.gserviceaccount.com")
        );
        assert_eq!(
            k.token_id.as_deref(),
            Some(
                "projects/qlab-prod/serviceAccounts/braket-runner@qlab-prod.iam.gserviceaccount.com/keys/89abcdef0123456789abcdef0123456789abcdef"
            )
        );
        let g = event("GenerateAccessToken", 0);
        assert_eq!(g.class, Class::Token);
        assert_eq!(g.action, "issue");
        assert_eq!(
            g.target_user.as_deref(),
            Some("deployer@qlab-prod.iam.gserviceaccount.com")
        );
        assert_eq!(g.user_kind, UserKind::Human);
        // The person who impersonated the account is the actor; the account is
        // what they acted as.
        let d = event("DeleteServiceAccountKey", 0);
        assert_eq!(d.action, "revoke");
        assert_eq!(d.user.as_deref(), Some("dana@example.com"));
        assert_eq!(d.user_kind, UserKind::Human);
        assert_eq!(d.roles, ["ops-bot@qlab-prod.iam.gserviceaccount.com"]);
        assert_eq!(d.message.as_deref(), Some("delegated by dana@example.com"));
        assert_eq!(d.tenant.as_deref(), None);
    }

    #[test]
    fn workloads_stay_the_actor_and_a_delegated_grant_keeps_every_delta() {
        // A GKE workload identity, named only by its subject, is a service; a chain
        // of service accounts with no person in it leaves the caller as the actor.
        let e = normalize_as(
            "gcp_audit",
            r#"{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","serviceName":"storage.googleapis.com","methodName":"storage.objects.get","authenticationInfo":{"principalSubject":"serviceAccount:qlab-prod.svc.id.goog[jobs/runner]","serviceAccountDelegationInfo":[{"principalSubject":"serviceAccount:qlab-prod.svc.id.goog[jobs/runner]"}]},"requestMetadata":{"callerIp":"10.0.0.7"}},"insertId":"w-1","resource":{"type":"gcs_bucket","labels":{"project_id":"qlab-prod"}},"timestamp":"2026-11-10T11:00:00Z","logName":"projects/qlab-prod/logs/cloudaudit.googleapis.com%2Fdata_access"}"#,
        );
        assert_eq!(e.user_kind, UserKind::Service);
        assert_eq!(
            e.user.as_deref(),
            Some("qlab-prod.svc.id.goog[jobs/runner]")
        );
        assert!(e.roles.is_empty());

        // A third party's claims are kept in the message but name no actor.
        let t = normalize_as(
            "gcp_audit",
            r#"{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","serviceName":"storage.googleapis.com","methodName":"storage.objects.get","authenticationInfo":{"principalEmail":"fed@qlab-prod.iam.gserviceaccount.com","serviceAccountDelegationInfo":[{"thirdPartyPrincipal":{"thirdPartyClaims":"bob@idp.example"}}]}},"insertId":"t-1","resource":{"type":"gcs_bucket","labels":{"project_id":"qlab-prod"}},"timestamp":"2026-11-10T11:00:00Z","logName":"projects/qlab-prod/logs/cloudaudit.googleapis.com%2Fdata_access"}"#,
        );
        assert_eq!(
            t.user.as_deref(),
            Some("fed@qlab-prod.iam.gserviceaccount.com")
        );
        assert_eq!(t.user_kind, UserKind::Service);

        let g = normalize_as(
            "gcp_audit",
            r#"{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","serviceName":"cloudresourcemanager.googleapis.com","methodName":"SetIamPolicy","authenticationInfo":{"principalEmail":"deployer@qlab-prod.iam.gserviceaccount.com","serviceAccountDelegationInfo":[{"firstPartyPrincipal":{"principalEmail":"erin@qlab.example"}}],"oauthInfo":{"oauthClientId":"32555940559.apps.googleusercontent.com"}},"serviceData":{"@type":"type.googleapis.com/google.iam.v1.logging.AuditData","policyDelta":{"bindingDeltas":[{"action":"REMOVE","role":"roles/viewer","member":"user:frank@qlab.example"},{"action":"ADD","role":"roles/owner","member":"user:frank@qlab.example"}]}}},"insertId":"g-1","resource":{"type":"project","labels":{"project_id":"qlab-prod"}},"timestamp":"2026-11-10T11:00:00Z","logName":"projects/qlab-prod/logs/cloudaudit.googleapis.com%2Factivity"}"#,
        );
        assert_eq!(g.user.as_deref(), Some("erin@qlab.example"));
        assert_eq!(g.user_kind, UserKind::Human);
        assert_eq!(g.action, "assign");
        assert_eq!(g.target_role.as_deref(), Some("roles/owner"));
        assert_eq!(
            g.message.as_deref(),
            Some(
                "delegated by erin@qlab.example; OAuth client 32555940559.apps.googleusercontent.com; REMOVE roles/viewer user:frank@qlab.example; ADD roles/owner user:frank@qlab.example"
            )
        );
    }

    #[test]
    fn unauthenticated_compute_call_and_org_log() {
        let e = event("instances.insert", 0);
        assert_eq!(e.class, Class::ApiActivity);
        assert_eq!(e.action, "create");
        assert_eq!(e.outcome, Outcome::Failure);
        assert_eq!(
            e.reason.as_deref(),
            Some("UNAUTHENTICATED (16): Request had invalid authentication credentials.")
        );
        assert_eq!(e.user, None);
        assert_eq!(e.user_kind, UserKind::Unknown);
        assert_eq!(e.region.as_deref(), Some("europe-west4-a"));
        assert_eq!(e.src_ip.as_deref(), Some("2001:db8::42"));
        assert_eq!(
            e.request_id.as_deref(),
            Some("operation-1741255200000-abc123")
        );
        let o = event("SetOrgPolicy", 0);
        assert_eq!(o.tenant.as_deref(), Some("organizations/123456789012"));
        assert_eq!(o.src_ip, None, "`private` is not an address");
    }

    #[test]
    fn errors_name_the_field() {
        let f = GcpAudit;
        let v = from_serde(
            serde_json::json!({"logName": "projects/p/logs/cloudaudit.googleapis.com%2Factivity", "protoPayload": {"methodName": "x"}}),
        );
        assert!(f.detect(&v));
        let err = f.normalize(&v).expect_err("no time").to_string();
        assert!(err.contains("timestamp"), "{err}");
        let v = from_serde(
            serde_json::json!({"logName": "projects/p/logs/cloudaudit.googleapis.com%2Factivity", "timestamp": "2025-01-01T00:00:00Z"}),
        );
        let err = f.normalize(&v).expect_err("no payload").to_string();
        assert!(err.contains("protoPayload"), "{err}");
        let v = from_serde(
            serde_json::json!({"protoPayload": {"serviceName": "x"}, "timestamp": "yesterday"}),
        );
        let err = f.normalize(&v).expect_err("bad time").to_string();
        assert!(
            err.contains("timestamp") && err.contains("yesterday"),
            "{err}"
        );
    }

    #[test]
    fn detection_is_specific() {
        let f = GcpAudit;
        assert!(!f.detect(&from_serde(serde_json::json!({"protoPayload": {"@type": "type.googleapis.com/google.appengine.logging.v1.RequestLog", "methodName": "GET"}}))));
        assert!(!f.detect(&from_serde(
            serde_json::json!({"eventName": "GetObject", "eventSource": "s3.amazonaws.com"})
        )));
        assert!(!f.detect(&from_serde(serde_json::json!({"jsonPayload": {"message": "hi"}, "logName": "projects/p/logs/syslog"}))));
    }

    #[test]
    fn every_fixture_normalizes() {
        for r in fixtures() {
            let e = normalize_as("gcp_audit", &r.to_string());
            assert!(!e.action.is_empty(), "{r}");
        }
    }

    /// Records no format claimed, and the results of those detected as ours.
    type Tally = (
        Vec<serde_json::Value>,
        Vec<Result<NormalizedEvent, NormalizeError>>,
    );

    fn corpus(rel: &str) -> Option<Tally> {
        let records = corpus_records(rel)?;
        let mut undetected = Vec::new();
        let mut results = Vec::new();
        for r in records {
            let v = from_serde(r.clone());
            if crate::normalize::detect(&v).map(|f| f.name()) == Some("gcp_audit") {
                results.push(GcpAudit.normalize(&v));
            } else {
                // Only fragments without any audit payload may go unrecognised.
                assert!(
                    get(&v, "protoPayload").is_none() && get(&v, "logName").is_none(),
                    "{rel}: not detected: {r}"
                );
                undetected.push(r);
            }
        }
        Some((undetected, results))
    }

    #[test]
    fn workspace_login_audit_blocks_and_account_changes() {
        let login = |method: &str, params: &str| {
            normalize_as(
                "gcp_audit",
                &format!(
                    r#"{{"timestamp":"2026-11-10T10:00:00Z","logName":"organizations/1/logs/cloudaudit.googleapis.com%2Fdata_access","resource":{{"type":"audited_resource"}},"protoPayload":{{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","serviceName":"login.googleapis.com","methodName":"google.login.LoginService.{method}","authenticationInfo":{{"principalEmail":"u@example.net"}},"requestMetadata":{{"callerIp":"2001:db8::1"}},"metadata":{{"event":[{{"eventName":"x","parameter":[{params}]}}]}}}}}}"#
                ),
            )
        };
        let blocked = login("suspiciousLogin", "");
        assert_eq!(
            (blocked.class, blocked.action.as_str(), blocked.outcome),
            (Class::Authentication, "login", Outcome::Failure)
        );
        let failed = login(
            "loginFailure",
            r#"{"name":"login_failure_type","value":"login_failure_invalid_password"}"#,
        );
        assert_eq!(failed.outcome, Outcome::Failure);
        assert_eq!(
            failed.reason.as_deref(),
            Some("login_failure_invalid_password")
        );
        let off = login("2svDisable", "");
        assert_eq!(
            (off.class, off.action.as_str()),
            (Class::Account, "mfa_disable")
        );
        let challenge = login(
            "loginChallenge",
            r#"{"name":"login_challenge_status","value":"Challenge Failed"}"#,
        );
        assert_eq!(
            (challenge.action.as_str(), challenge.outcome),
            ("mfa", Outcome::Failure)
        );
        assert_eq!(login("loginSuccess", "").outcome, Outcome::Success);
    }

    #[test]
    fn cloud_identity_membership_change() {
        let e = normalize_as(
            "gcp_audit",
            r#"{"insertId":"ci1","timestamp":"2026-11-02T10:00:00Z","logName":"organizations/1/logs/cloudaudit.googleapis.com%2Factivity",
                "protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","serviceName":"cloudidentity.googleapis.com",
                "methodName":"google.apps.cloudidentity.groups.v1.MembershipsService.UpdateMembership","resourceName":"groups/qpu-admins@example.com",
                "authenticationInfo":{"principalEmail":"admin@example.com"},
                "metadata":{"@type":"type.googleapis.com/google.cloud.audit.GroupAuditMetadata","group":"group:qpu-admins@example.com",
                  "membershipDelta":{"member":"user:eve@example.com","roleDeltas":[{"action":"REMOVE","role":"MEMBER"}]}}}}"#,
        );
        assert_eq!(
            (e.class, e.action.as_str()),
            (Class::RoleChange, "unassign")
        );
        assert_eq!(e.target_role.as_deref(), Some("qpu-admins@example.com"));
        assert_eq!(e.target_user.as_deref(), Some("eve@example.com"));
    }

    #[test]
    fn corpus_panther() {
        let Some((undetected, results)) = corpus(
            "gcp-audit/panther-labs__panther-analysis/rules/EXTRACTED_tests__GCP.AuditLog.jsonl",
        ) else {
            return;
        };
        assert!(undetected.len() <= 10, "{}", undetected.len());
        assert!(results.len() >= 190, "{}", results.len());
        for r in &results {
            if let Err(e) = r {
                assert!(e.to_string().contains("timestamp"), "{e}");
            }
        }
        let ok: Vec<&NormalizedEvent> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        // Cloud Run SetIamPolicy with granted=false and no status is a failure.
        let run_denied = ok
            .iter()
            .filter(|e| {
                e.operation.as_deref() == Some("google.cloud.run.v1.Services.SetIamPolicy")
                    && e.outcome == Outcome::Failure
            })
            .count();
        assert!(run_denied >= 1);
        let run_ok = ok
            .iter()
            .find(|e| {
                e.operation.as_deref() == Some("google.cloud.run.v1.Services.SetIamPolicy")
                    && e.outcome == Outcome::Success
            })
            .expect("a granted SetIamPolicy");
        assert_eq!(run_ok.user.as_deref(), Some("some.user@company.com"));
        assert_eq!(run_ok.src_ip.as_deref(), Some("1.2.3.4"));
        assert_eq!(run_ok.class, Class::RoleChange);
        assert_eq!(run_ok.project.as_deref(), Some("some-project"));
        assert_eq!(run_ok.time, t("2024-02-02T09:44:26.029835Z"));
        // Workspace group membership: who joined which group.
        let joined = ok
            .iter()
            .find(|e| {
                e.operation.as_deref() == Some("google.admin.AdminService.addGroupMember")
                    && e.target_role.as_deref() == Some("admins@example.com")
            })
            .expect("an addGroupMember into admins@");
        assert_eq!(
            (joined.class, joined.action.as_str()),
            (Class::RoleChange, "assign")
        );
        assert_eq!(joined.target_user.as_deref(), Some("test-user@example.com"));
        assert_eq!(joined.user.as_deref(), Some("admin@example.com"));
        // Permission-denied statuses are failures.
        assert!(
            ok.iter()
                .filter(|e| e
                    .reason
                    .as_deref()
                    .is_some_and(|r| r.starts_with("PERMISSION_DENIED (7)")))
                .count()
                >= 3
        );
    }

    #[test]
    fn corpus_datadog() {
        let Some((undetected, results)) = corpus(
            "gcp-audit/DataDog__stratus-red-team/docs/attack-techniques/GCP/EXTRACTED_sample_events.jsonl",
        ) else {
            return;
        };
        assert!(undetected.is_empty());
        assert_eq!(results.len(), 8);
        // The samples omit `timestamp`; only the Secret Manager one carries a request time.
        let secret = results
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .find(|e| e.class == Class::SecretAccess)
            .expect("secret read");
        assert_eq!(secret.action, "read");
        assert_eq!(secret.src_ip.as_deref(), Some("7.7.7.7"));
        assert_eq!(secret.project.as_deref(), Some("victim-project"));
        assert_eq!(secret.time, t("2025-02-02T22:56:34.343726445Z"));
        for r in &results {
            if let Err(e) = r {
                assert!(e.to_string().contains("timestamp"), "{e}");
            }
        }
    }
}
