//! Azure Monitor Activity log (the control plane: Azure Resource Manager calls,
//! policy, security and health events), in the three shapes it comes in:
//!
//! - diagnostic-settings export (storage account / event hub `records`): `time`,
//!   `resourceId`, `operationName` (`MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE`),
//!   `category` (`Administrative`, `Policy`, `Security`, `ServiceHealth`, ...; the
//!   storage / Event Hubs export may carry `Write`, `Delete` or `Action` there),
//!   `resultType` (`Start`, `Accept`, `Success`, `Failure`), `resultSignature`
//!   (`Succeeded.Created`, `Failed.Forbidden`), `callerIpAddress`, `correlationId`,
//!   `identity` {`authorization` {`action`, `scope`, `evidence`}, `claims`}, `level`,
//!   `location`, `properties` {`statusCode`, `statusMessage`, `requestbody`, ...};
//! - the Activity Log REST API (`EventData`): `eventTimestamp`, `operationName`
//!   {`value`, `localizedValue`}, `category` {`value`}, `status` {`value`},
//!   `subStatus`, `caller`, `claims`, `httpRequest` {`clientIpAddress`},
//!   `authorization`, `eventDataId`, `resourceId`, `subscriptionId`, `properties`;
//! - the Log Analytics `AzureActivity` table: `TimeGenerated`, `OperationNameValue`,
//!   `CategoryValue`, `ActivityStatusValue`, `Caller`, `CallerIpAddress`,
//!   `Claims_d`, `Authorization_d`, `Properties_d`, `EventDataId`, `SubscriptionId`.
//!
//! Key Vault operations that touch secrets, keys or certificates become
//! `secret_access`, role assignments `role_change` (with the principal and role
//! from the request body), custom role definitions `role_change` (the role's name,
//! and in message its actions when they include `*` or `Microsoft.Authorization/*`),
//! Azure Quantum job and session operations `job`/`queue`.

use super::fields::{first_text, get, short_list, strings, text, without_port};
use super::json::parse_owned;
use super::json::prelude::*;
use super::keyvault::{Claims, fill_identity, require_any_time, subscription_of};
use super::{Format, NormalizeError};
use crate::event::NormalizedEvent;
use crate::vocab::{Class, Outcome, Source, UserKind};

/// The azure_activity format.
pub struct AzureActivity;

/// Activity log categories (Entra's SignInLogs/AuditLogs and resource logs are not).
const CATEGORIES: &[&str] = &[
    "administrative",
    "policy",
    "security",
    "servicehealth",
    "resourcehealth",
    "alert",
    "autoscale",
    "recommendation",
    // The storage / Event Hubs export's own sample carries the operation type here
    // (`Write`, `Delete`, `Action`); the category proper is `properties.eventCategory`.
    "write",
    "delete",
    "action",
];

impl Format for AzureActivity {
    fn name(&self) -> &'static str {
        "azure_activity"
    }

    fn detect(&self, record: &Value) -> bool {
        let Some(obj) = record.as_object() else {
            return false;
        };
        let has = |k: &str| obj.get(k).is_some_and(|v| !v.is_null());
        let is_category = |v: Option<&Value>| {
            let c = match v {
                Some(Value::String(s)) => Some(&**s),
                Some(Value::Object(m)) => m.get("value").and_then(|v| v.as_str()),
                _ => None,
            };
            c.is_some_and(|c| CATEGORIES.contains(&c.to_ascii_lowercase().as_str()))
        };
        // Log Analytics AzureActivity table.
        if obj.get("Type").and_then(|v| v.as_str()) == Some("AzureActivity")
            || (has("OperationNameValue") && has("CategoryValue"))
        {
            return true;
        }
        // Activity Log REST API (EventData).
        if has("eventTimestamp")
            && (has("operationName") || has("eventDataId") || has("authorization"))
        {
            return true;
        }
        // Diagnostic-settings export. Activity operations are ARM operation names
        // (`Provider/type/verb`); Entra's audit records (category `Policy` too) are
        // free text under `/providers/Microsoft.aadiam`.
        let arm_op = obj
            .get("operationName")
            .and_then(|v| v.as_str())
            .is_some_and(|op| op.contains('/'));
        let entra = obj
            .get("resourceId")
            .and_then(|v| v.as_str())
            .is_some_and(|r| {
                r.to_ascii_lowercase()
                    .contains("/providers/microsoft.aadiam")
            });
        arm_op && !entra && (has("time") || has("resourceId")) && is_category(obj.get("category"))
    }

    fn normalize(&self, record: &Value) -> Result<NormalizedEvent, NormalizeError> {
        let time = require_any_time(record, &["time", "eventTimestamp", "TimeGenerated"])?;
        let op = first_text(
            record,
            &[
                "operationName.value",
                "OperationNameValue",
                "operationName",
                "authorization.action",
            ],
        )
        .ok_or_else(|| NormalizeError::missing("operationName"))?;
        let resource_id = first_text(record, &["resourceId", "_ResourceId"]);
        let route = classify(&op, resource_id.as_deref().unwrap_or(""));

        let mut ev = NormalizedEvent::new(Source::AzureActivity, time, route.class, route.action);
        ev.operation = Some(op.clone());
        ev.service = first_text(
            record,
            &["resourceProviderName.value", "ResourceProviderValue"],
        )
        .or_else(|| {
            op.split('/')
                .next()
                .filter(|p| p.contains('.'))
                .map(str::to_string)
        });
        ev.resource = resource_id.clone().or_else(|| {
            first_text(
                record,
                &[
                    "identity.authorization.scope",
                    "authorization.scope",
                    "Authorization_d.scope",
                ],
            )
        });
        ev.job_id = route.job_id;
        ev.project = first_text(record, &["subscriptionId", "_SubscriptionId"])
            .map(|s| s.to_ascii_lowercase())
            .or_else(|| resource_id.as_deref().and_then(subscription_of));
        // `location` is where Azure processed the event; the resource's own region,
        // when the record has it, is the better answer to "where".
        ev.region = first_text(record, &["properties.resourceLocation", "location"])
            .filter(|l| !l.eq_ignore_ascii_case("global"));
        ev.request_id = text(record, "correlationId");
        ev.source_id = text(record, "eventDataId");
        ev.message = text(record, "description").or_else(|| text(record, "resultDescription"));

        // Who.
        let claims = Claims::of(record);
        fill_identity(&mut ev, &claims);
        // `caller` is the UPN or SPN: it names the actor when the claims do not, or
        // name a person only by object id.
        let caller = text(record, "caller");
        if let Some(c) = caller
            && (ev.user.is_none() || (c.contains('@') && ev.user == ev.user_id))
        {
            ev.user_kind = if c.contains('@') {
                UserKind::Human
            } else {
                UserKind::Service
            };
            ev.user = Some(c);
        }
        let evidence = [
            "identity.authorization.evidence",
            "authorization.evidence",
            "Authorization_d.evidence",
        ]
        .iter()
        .find_map(|p| get(record, p));
        if let Some(evd) = evidence {
            if let Some(role) = text(evd, "role") {
                ev.roles = vec![role];
            }
            if ev.user_id.is_none() {
                ev.user_id = text(evd, "principalId");
            }
            if ev.user_kind == UserKind::Unknown {
                ev.user_kind = match text(evd, "principalType")
                    .map(|t| t.to_ascii_lowercase())
                    .as_deref()
                {
                    Some("user") => UserKind::Human,
                    Some("serviceprincipal" | "managedidentity" | "msi" | "application") => {
                        UserKind::Service
                    }
                    _ => UserKind::Unknown,
                };
            }
        }
        if ev.tenant.is_none() && get(record, "TimeGenerated").is_none() {
            // In Log Analytics rows `TenantId` is the workspace, not the directory.
            ev.tenant = text(record, "tenantId");
        }
        ev.src_ip = first_text(
            record,
            &[
                "callerIpAddress",
                "httpRequest.clientIpAddress",
                "HTTPRequest.clientIpAddress",
            ],
        )
        .or_else(|| claims.get("ipaddr"))
        .map(|ip| without_port(&ip));

        // Role assignments: who got which role; custom role definitions: what it reaches.
        if route.class == Class::RoleChange {
            if route.elevate {
                ev.target_role = Some("User Access Administrator".to_string());
                ev.target_user = ev.user.clone();
            } else if op
                .to_ascii_lowercase()
                .starts_with("microsoft.authorization/roledefinitions/")
            {
                custom_role(record, resource_id.as_deref(), &mut ev);
            } else if let Some(body) = body_with(
                record,
                &[
                    "Properties.PrincipalId",
                    "PrincipalId",
                    "Properties.RoleDefinitionId",
                ],
            ) {
                ev.target_user = first_text(&body, &["Properties.PrincipalId", "PrincipalId"]);
                ev.target_role =
                    first_text(&body, &["Properties.RoleDefinitionId", "RoleDefinitionId"])
                        .map(|r| role_name(&r));
                // A PIM schedule request is written for removals and renewals too.
                if let Some(kind) = first_text(&body, &["Properties.RequestType", "RequestType"]) {
                    ev.action = match kind.to_ascii_lowercase().as_str() {
                        "adminremove" | "selfdeactivate" => "unassign",
                        "adminupdate" | "adminextend" | "adminrenew" | "selfextend"
                        | "selfrenew" => "update",
                        _ => "assign",
                    }
                    .to_string();
                }
            }
        }

        // Outcome: Start and Accept are not yet results.
        let status = first_text(
            record,
            &[
                "resultType",
                "status.value",
                "ActivityStatusValue",
                "ActivityStatus",
                "status",
            ],
        );
        let sub_status = first_text(
            record,
            &[
                "resultSignature",
                "subStatus.value",
                "ActivitySubstatusValue",
            ],
        );
        ev.outcome = match status.as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("success" | "succeeded") => Outcome::Success,
            Some("failure" | "failed") => Outcome::Failure,
            _ => Outcome::Unknown,
        };
        if ev.outcome == Outcome::Failure {
            ev.reason = Some(failure_reason(record, sub_status.as_deref()));
        } else if ev.outcome == Outcome::Unknown && ev.message.is_none() {
            ev.message = status.map(|s| format!("status {s}"));
        }
        Ok(ev)
    }
}

/// What an operation name means.
struct Route {
    class: Class,
    action: &'static str,
    job_id: Option<String>,
    /// `Microsoft.Authorization/elevateAccess/action`: a Global Admin made themselves
    /// User Access Administrator at the root scope.
    elevate: bool,
}

impl Route {
    fn new(class: Class, action: &'static str) -> Self {
        Route {
            class,
            action,
            job_id: None,
            elevate: false,
        }
    }
}

/// The verb at the end of an ARM operation (`.../write`, `.../delete`, `.../read`,
/// `.../<verb>/action`).
fn arm_verb(seg: &[&str]) -> &'static str {
    match seg {
        [.., "write"] => "write",
        [.., "delete"] => "delete",
        [.., "read"] | [.., "read", "action"] => "read",
        [.., verb, "action"] => match *verb {
            "start" => "start",
            "restart" => "restart",
            "stop" | "deallocate" | "poweroff" => "stop",
            "cancel" => "cancel",
            "purge" => "delete",
            "recover" | "restore" => "write",
            "backup" => "read",
            "move" | "moveresources" => "update",
            _ => "action",
        },
        _ => "unknown",
    }
}

fn classify(op: &str, resource_id: &str) -> Route {
    let lower = op.to_ascii_lowercase();
    let seg: Vec<&str> = lower.split('/').collect();
    let verb = arm_verb(&seg);
    let provider = seg.first().copied().unwrap_or("");

    // Credential retrieval on any resource: storage account keys, workspace keys, SAS.
    let last_named = if seg.last() == Some(&"action") && seg.len() >= 2 {
        seg[seg.len() - 2]
    } else {
        ""
    };
    if matches!(
        last_named,
        "listkeys"
            | "listaccountsas"
            | "listservicesas"
            | "listcredentials"
            | "listadmincredentials"
            | "listconnectionstrings"
            | "listsecrets"
    ) {
        return Route::new(Class::SecretAccess, "read");
    }
    if matches!(
        last_named,
        "regeneratekey" | "regeneratekeys" | "regenerateaccesskey"
    ) {
        return Route::new(Class::SecretAccess, "write");
    }

    match (provider, seg.get(1).copied().unwrap_or("")) {
        ("microsoft.authorization", "elevateaccess") => Route {
            elevate: true,
            ..Route::new(Class::RoleChange, "assign")
        },
        ("microsoft.authorization", kind)
            if matches!(
                kind,
                "roleassignments"
                    | "roleassignmentschedulerequests"
                    | "roleeligibilityschedulerequests"
                    | "roledefinitions"
            ) =>
        {
            match verb {
                "read" => Route::new(Class::ApiActivity, "read"),
                "delete" if kind == "roledefinitions" => Route::new(Class::RoleChange, "delete"),
                "delete" => Route::new(Class::RoleChange, "unassign"),
                _ if kind == "roledefinitions" => Route::new(Class::RoleChange, "update"),
                _ => Route::new(Class::RoleChange, "assign"),
            }
        }
        ("microsoft.keyvault", _) => keyvault(&seg, verb),
        ("microsoft.quantum", "workspaces") => quantum(&seg, verb, resource_id),
        _ => Route::new(Class::ApiActivity, verb),
    }
}

/// Key Vault control plane: secrets, keys and certificates are secret access;
/// access policies are the vault's permission model.
fn keyvault(seg: &[&str], verb: &'static str) -> Route {
    match seg {
        [_, "vaults", "accesspolicies", ..] => Route::new(Class::RoleChange, "update"),
        [_, "vaults", "secrets" | "keys" | "certificates", rest @ ..] => {
            let action = match rest.first().copied().unwrap_or("") {
                "getsecret" | "readmetadata" | "backup" | "release" => "read",
                "setsecret" | "create" | "import" | "update" | "rotate" | "restore" | "recover" => {
                    "write"
                }
                "purge" | "delete" => "delete",
                "decrypt" | "unwrapkey" => "decrypt",
                "encrypt" | "wrapkey" => "encrypt",
                "sign" => "sign",
                "verify" => "verify",
                _ => match verb {
                    "action" => "read",
                    v => v,
                },
            };
            Route::new(Class::SecretAccess, action)
        }
        // Deleting or purging a vault destroys every secret in it.
        [_, "vaults", "delete"] | [_, "locations", "deletedvaults", "purge", "action"] => {
            Route::new(Class::SecretAccess, "delete")
        }
        _ => Route::new(Class::ApiActivity, verb),
    }
}

/// Azure Quantum workspace operations.
fn quantum(seg: &[&str], verb: &'static str, resource_id: &str) -> Route {
    let after = |name: &str| -> Option<String> {
        let parts: Vec<&str> = resource_id.split('/').collect();
        let i = parts.iter().position(|p| p.eq_ignore_ascii_case(name))?;
        parts
            .get(i + 1)
            .filter(|s| !s.is_empty())
            .map(|s| (*s).to_string())
    };
    match seg.get(2).copied() {
        Some("jobs") => {
            let action = match verb {
                "write" => "submit",
                "delete" | "cancel" => "cancel",
                "read" => "get",
                v => v,
            };
            Route {
                job_id: after("jobs"),
                ..Route::new(Class::Job, action)
            }
        }
        Some("sessions") => {
            let action = match verb {
                "write" => "create",
                "delete" | "stop" | "cancel" => "cancel",
                "read" => "get",
                _ if seg.contains(&"close") => "update",
                v => v,
            };
            Route::new(Class::Queue, action)
        }
        Some("quotas" | "providers") if verb != "read" => Route::new(Class::Queue, "update"),
        _ => Route::new(Class::ApiActivity, verb),
    }
}

/// The request (or, for a delete, the response) body that has one of `keys`.
fn body_with<'a>(record: &'a Value<'a>, keys: &[&str]) -> Option<Value<'a>> {
    let paths = [
        "properties.requestbody",
        "Properties_d.requestbody",
        "properties.responseBody",
        "Properties_d.responseBody",
    ];
    paths.iter().find_map(|p| {
        let v = match get(record, p)? {
            Value::String(s) => parse_owned(s).ok()?,
            v @ Value::Object(_) => v.clone(),
            _ => return None,
        };
        keys.iter().any(|k| get(&v, k).is_some()).then_some(v)
    })
}

/// A custom role definition written or deleted (`roleDefinitions/write|delete`):
/// its `roleName` → target_role (else the definition's GUID), its broad actions →
/// message, and a write answered `Created` is a create.
fn custom_role(record: &Value, resource_id: Option<&str>, ev: &mut NormalizedEvent) {
    let body = body_with(
        record,
        &[
            "properties.roleName",
            "properties.permissions",
            "roleName",
            "permissions",
        ],
    );
    ev.target_role = body
        .as_ref()
        .and_then(|b| first_text(b, &["properties.roleName", "roleName"]))
        .or_else(|| {
            let (head, guid) = resource_id?.rsplit_once('/')?;
            head.to_ascii_lowercase()
                .ends_with("/roledefinitions")
                .then(|| role_name(guid))
        });
    if let Some(grants) = body.as_ref().and_then(role_grants) {
        ev.message = Some(grants);
    }
    let status = first_text(
        record,
        &[
            "properties.statusCode",
            "Properties_d.statusCode",
            "resultSignature",
            "subStatus.value",
            "ActivitySubstatusValue",
        ],
    );
    if ev.action == "update" && status.is_some_and(|s| s.to_ascii_lowercase().ends_with("created"))
    {
        ev.action = "create".to_string();
    }
}

/// The permissions of a role definition that reach everything or Azure RBAC itself:
/// "role allows * except Microsoft.Authorization/*/Write on /subscriptions/…".
fn role_grants(body: &Value) -> Option<String> {
    let at = |k: &str| get(body, &format!("properties.{k}")).or_else(|| get(body, k));
    let scopes = at("assignableScopes").map(strings).unwrap_or_default();
    let mut parts: Vec<String> = Vec::new();
    for p in at("permissions")?.as_array()? {
        let wide: Vec<String> = get(p, "actions")
            .map(strings)
            .unwrap_or_default()
            .into_iter()
            .filter(|a| wide_action(a))
            .collect();
        if wide.is_empty() {
            continue;
        }
        let mut part = format!("allows {}", short_list(&wide));
        let not = get(p, "notActions").map(strings).unwrap_or_default();
        if !not.is_empty() {
            part.push_str(&format!(" except {}", short_list(&not)));
        }
        if !scopes.is_empty() {
            part.push_str(&format!(" on {}", short_list(&scopes)));
        }
        if !parts.contains(&part) {
            parts.push(part);
        }
    }
    (!parts.is_empty()).then(|| format!("role {}", parts.join("; ")))
}

/// `*`, or an action on Azure RBAC that lets the holder grant itself more.
fn wide_action(action: &str) -> bool {
    let a = action.to_ascii_lowercase();
    a == "*"
        || (a.starts_with("microsoft.authorization/")
            && (a.ends_with('*')
                || a.ends_with("/roleassignments/write")
                || a.ends_with("/roledefinitions/write")))
}

/// A built-in role's name from its definition id; other roles keep their GUID.
fn role_name(definition_id: &str) -> String {
    let guid = definition_id
        .rsplit('/')
        .next()
        .unwrap_or(definition_id)
        .to_ascii_lowercase();
    const BUILT_IN: &[(&str, &str)] = &[
        ("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner"),
        ("b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor"),
        ("acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader"),
        (
            "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
            "User Access Administrator",
        ),
        (
            "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
            "Role Based Access Control Administrator",
        ),
        (
            "00482a5a-887f-4fb3-b363-3b7fe8e74483",
            "Key Vault Administrator",
        ),
        (
            "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
            "Key Vault Secrets Officer",
        ),
        (
            "4633458b-17de-408a-b874-0445c86b69e6",
            "Key Vault Secrets User",
        ),
        (
            "14b46e9e-c2b7-41b4-b07b-48a6ebf60603",
            "Key Vault Crypto Officer",
        ),
        (
            "12338af0-0e69-4776-bea7-57ae8d297424",
            "Key Vault Crypto User",
        ),
    ];
    BUILT_IN
        .iter()
        .find(|(id, _)| *id == guid)
        .map_or(guid, |(_, name)| (*name).to_string())
}

/// `Failed.Forbidden: AuthorizationFailed: The client ... does not have authorization ...`
fn failure_reason(record: &Value, sub_status: Option<&str>) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(s) = sub_status {
        parts.push(s.to_string());
    }
    let message = ["properties.statusMessage", "Properties_d.statusMessage"]
        .iter()
        .find_map(|p| get(record, p));
    let parsed = match message {
        Some(Value::String(s)) => parse_owned(s)
            .ok()
            .or_else(|| Some(Value::from(s.to_string()))),
        Some(v) => Some(v.clone()),
        None => None,
    };
    match parsed {
        Some(Value::String(s)) => parts.push(s.into_owned()),
        Some(v) => {
            if let Some(code) = first_text(&v, &["error.code", "code"]) {
                parts.push(code);
            }
            if let Some(msg) = first_text(&v, &["error.message", "message"]) {
                parts.push(msg);
            }
        }
        None => {
            if let Some(code) = text(record, "properties.statusCode")
                && !parts.iter().any(|p| p.contains(&code))
            {
                parts.push(code);
            }
        }
    }
    if parts.is_empty() {
        "failed".to_string()
    } else {
        parts.join(": ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::json::from_serde;
    use crate::normalize::test_support::{corpus_records, fixture, normalize_as};

    fn fx() -> Vec<NormalizedEvent> {
        fixture("azure_activity/activity.jsonl")
            .iter()
            .map(|v| normalize_as("azure_activity", &v.to_string()))
            .collect()
    }

    #[test]
    fn role_assignment_write_diagnostic_shape() {
        let ev = &fx()[0];
        assert_eq!(ev.time.to_rfc3339(), "2025-02-12T14:03:11.220451600+00:00");
        assert_eq!(
            (ev.class, ev.action.as_str(), ev.outcome),
            (Class::RoleChange, "assign", Outcome::Success)
        );
        assert_eq!(
            ev.operation.as_deref(),
            Some("MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE")
        );
        assert_eq!(ev.user.as_deref(), Some("alice@contoso-quantum.example"));
        assert_eq!(ev.user_kind, UserKind::Human);
        assert_eq!(
            ev.user_id.as_deref(),
            Some("3f0a5b7c-1d2e-4f60-8a9b-0c1d2e3f4a5b")
        );
        assert_eq!(ev.mfa, Some(true));
        assert_eq!(ev.roles, vec!["Owner"]);
        assert_eq!(
            ev.target_user.as_deref(),
            Some("5b8e2f1a-9c3d-4e7f-a0b1-c2d3e4f5a6b7")
        );
        assert_eq!(ev.target_role.as_deref(), Some("Key Vault Secrets User"));
        assert_eq!(ev.src_ip.as_deref(), Some("203.0.113.24"));
        assert_eq!(
            ev.project.as_deref(),
            Some("0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e")
        );
        assert_eq!(
            ev.tenant.as_deref(),
            Some("72f988bf-0000-4a1b-9c2d-3e4f5a6b7c8d")
        );
        assert_eq!(ev.service.as_deref(), Some("MICROSOFT.AUTHORIZATION"));
        assert_eq!(
            ev.request_id.as_deref(),
            Some("4c3b2a19-0817-4f6e-a5d4-c3b2a1908f7e")
        );
    }

    #[test]
    fn start_is_unknown_and_failure_has_reason() {
        let ev = fx();
        assert_eq!(ev[1].outcome, Outcome::Unknown);
        assert_eq!(
            (ev[1].class, ev[1].action.as_str()),
            (Class::RoleChange, "assign")
        );
        let denied = &ev[2];
        assert_eq!(
            (denied.class, denied.action.as_str()),
            (Class::SecretAccess, "read")
        );
        assert_eq!(denied.outcome, Outcome::Failure);
        assert_eq!(
            denied.reason.as_deref(),
            Some(
                "Failed.Forbidden: AuthorizationFailed: The client does not have authorization to perform action 'Microsoft.KeyVault/vaults/secrets/getSecret/action'."
            )
        );
        assert_eq!(
            denied.user.as_deref(),
            Some("e0d1c2b3-a4f5-4e6d-9c8b-7a6f5e4d3c2b")
        );
        assert_eq!(denied.user_kind, UserKind::Service);
    }

    #[test]
    fn rest_shape_role_assignment_delete() {
        let ev = &fx()[3];
        assert_eq!(ev.time.to_rfc3339(), "2025-02-12T15:00:05.100+00:00");
        assert_eq!(
            (ev.class, ev.action.as_str(), ev.outcome),
            (Class::RoleChange, "unassign", Outcome::Success)
        );
        assert_eq!(
            ev.source_id.as_deref(),
            Some("8d7c6b5a-4f3e-4d2c-1b0a-9f8e7d6c5b4a")
        );
        assert_eq!(ev.user.as_deref(), Some("bob@contoso-quantum.example"));
        assert_eq!(ev.src_ip.as_deref(), Some("198.51.100.23"));
        assert_eq!(
            ev.target_user.as_deref(),
            Some("9a8b7c6d-5e4f-4321-8fed-cba987654321")
        );
        assert_eq!(ev.target_role.as_deref(), Some("Contributor"));
        assert_eq!(ev.service.as_deref(), Some("Microsoft.Authorization"));
        assert_eq!(
            ev.project.as_deref(),
            Some("0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e")
        );
    }

    #[test]
    fn a_pim_schedule_request_says_whether_it_grants_or_removes() {
        let request = |kind: &str| {
            let body = serde_json::json!({"properties": {"principalId": "3f0a5b7c1d2e4f608a9b0c1d2e3f4a5b",
                "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
                "requestType": kind}});
            normalize_as(
                "azure_activity",
                &serde_json::json!({"time": "2025-02-12T14:03:11Z", "category": "Administrative", "resultType": "Success",
                    "resourceId": "/SUBSCRIPTIONS/0B1C2D3E-4F5A-4B6C-8D7E-9F0A1B2C3D4E/PROVIDERS/MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTSCHEDULEREQUESTS/1",
                    "operationName": "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTSCHEDULEREQUESTS/WRITE",
                    "correlationId": format!("c-{kind}"), "callerIpAddress": "203.0.113.24",
                    "properties": {"requestbody": body.to_string()}})
                .to_string(),
            )
        };
        for (kind, action) in [
            ("SelfActivate", "assign"),
            ("AdminAssign", "assign"),
            ("AdminRemove", "unassign"),
            ("SelfDeactivate", "unassign"),
            ("AdminExtend", "update"),
        ] {
            let e = request(kind);
            assert_eq!(
                (e.class, e.action.as_str()),
                (Class::RoleChange, action),
                "{kind}"
            );
            assert_eq!(e.target_role.as_deref(), Some("Owner"), "{kind}");
        }
    }

    #[test]
    fn a_custom_role_definition_names_the_role_and_what_it_reaches() {
        // `roleDefinitions/write` as the diagnostic export writes it; the body is the
        // role definition resource (properties.roleName, permissions[].actions,
        // notActions, assignableScopes), as JSON text.
        let sub = "/subscriptions/0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e";
        let record = |status: &str, body: Option<(&str, serde_json::Value)>| {
            let mut props = serde_json::json!({"statusCode": status, "serviceRequestId": "s-1",
                "eventCategory": "Administrative"});
            if let Some((key, b)) = body {
                props[key] = b.to_string().into();
            }
            serde_json::json!({"time": "2026-05-29T10:20:00.1234567Z",
                "resourceId": "/SUBSCRIPTIONS/0B1C2D3E-4F5A-4B6C-8D7E-9F0A1B2C3D4E/PROVIDERS/MICROSOFT.AUTHORIZATION/ROLEDEFINITIONS/5D2F4C3B-1A09-4E8F-9D7C-6B5A4F3E2D1C",
                "operationName": "MICROSOFT.AUTHORIZATION/ROLEDEFINITIONS/WRITE", "category": "Administrative",
                "resultType": "Success", "resultSignature": format!("Succeeded.{status}"),
                "callerIpAddress": "203.0.113.24", "correlationId": "c-rd-1", "level": "Information",
                "location": "global", "properties": props})
            .to_string()
        };
        let created = normalize_as(
            "azure_activity",
            &record(
                "Created",
                Some((
                    "responseBody",
                    serde_json::json!({"properties": {"roleName": "Ops Break Glass", "type": "CustomRole",
                        "description": "", "assignableScopes": [sub],
                        "permissions": [{"actions": ["*"], "notActions": [], "dataActions": [], "notDataActions": []}]},
                        "id": format!("{sub}/providers/Microsoft.Authorization/roleDefinitions/5d2f4c3b-1a09-4e8f-9d7c-6b5a4f3e2d1c"),
                        "type": "Microsoft.Authorization/roleDefinitions", "name": "5d2f4c3b-1a09-4e8f-9d7c-6b5a4f3e2d1c"}),
                )),
            ),
        );
        assert_eq!(
            (created.class, created.action.as_str(), created.outcome),
            (Class::RoleChange, "create", Outcome::Success)
        );
        assert_eq!(created.target_role.as_deref(), Some("Ops Break Glass"));
        assert_eq!(created.target_user, None);
        assert_eq!(
            created.message.as_deref(),
            Some("role allows * on /subscriptions/0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e")
        );

        // An update sent with PascalCase keys, reaching Azure RBAC itself at the root.
        let rbac = normalize_as(
            "azure_activity",
            &record(
                "OK",
                Some((
                    "requestbody",
                    serde_json::json!({"Name": "5d2f4c3b-1a09-4e8f-9d7c-6b5a4f3e2d1c", "Properties": {
                        "RoleName": "RBAC Helper", "AssignableScopes": ["/"],
                        "Permissions": [{"Actions": ["Microsoft.Authorization/*", "Microsoft.Resources/subscriptions/read"],
                            "NotActions": ["Microsoft.Authorization/*/Delete"]}]}}),
                )),
            ),
        );
        assert_eq!(
            (rbac.class, rbac.action.as_str()),
            (Class::RoleChange, "update")
        );
        assert_eq!(rbac.target_role.as_deref(), Some("RBAC Helper"));
        assert_eq!(
            rbac.message.as_deref(),
            Some(
                "role allows Microsoft.Authorization/* except Microsoft.Authorization/*/Delete on /"
            )
        );

        // A role that reaches little gets no summary.
        let operator = normalize_as(
            "azure_activity",
            &record(
                "Created",
                Some((
                    "requestbody",
                    serde_json::json!({"properties": {"roleName": "VM Operator", "assignableScopes": [sub],
                        "permissions": [{"actions": ["Microsoft.Compute/virtualMachines/read",
                            "Microsoft.Compute/virtualMachines/start/action"], "notActions": []}]}}),
                )),
            ),
        );
        assert_eq!(operator.target_role.as_deref(), Some("VM Operator"));
        assert_eq!(operator.action, "create");
        assert_eq!(operator.message, None);

        // No body: the definition's GUID names the role.
        let bare = normalize_as("azure_activity", &record("OK", None));
        assert_eq!(
            (bare.class, bare.action.as_str()),
            (Class::RoleChange, "update")
        );
        assert_eq!(
            bare.target_role.as_deref(),
            Some("5d2f4c3b-1a09-4e8f-9d7c-6b5a4f3e2d1c")
        );
        assert_eq!(bare.message, None);
    }

    #[test]
    fn quantum_workspace_and_listkeys() {
        let ev = fx();
        assert_eq!(
            (ev[4].class, ev[4].action.as_str()),
            (Class::SecretAccess, "read")
        );
        assert_eq!(
            ev[4].operation.as_deref(),
            Some("Microsoft.Quantum/Workspaces/listKeys/action")
        );
        assert_eq!(ev[4].outcome, Outcome::Success);
        assert_eq!(
            (ev[5].class, ev[5].action.as_str()),
            (Class::ApiActivity, "write")
        );
        assert_eq!(ev[5].outcome, Outcome::Unknown);
        assert_eq!(ev[5].region.as_deref(), Some("westus"));
    }

    #[test]
    fn log_analytics_row() {
        let ev = &fx()[6];
        assert_eq!(
            (ev.class, ev.action.as_str(), ev.outcome),
            (Class::SecretAccess, "delete", Outcome::Success)
        );
        assert_eq!(ev.user.as_deref(), Some("alice@contoso-quantum.example"));
        assert_eq!(ev.src_ip.as_deref(), Some("203.0.113.24"));
        assert_eq!(
            ev.source_id.as_deref(),
            Some("1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b")
        );
        assert_eq!(
            ev.tenant.as_deref(),
            Some("72f988bf-0000-4a1b-9c2d-3e4f5a6b7c8d")
        );
    }

    #[test]
    fn an_empty_legacy_claims_column_does_not_hide_claims_d() {
        // The AzureActivity table keeps the string `Claims` beside the dynamic
        // `Claims_d`; "{}" in the first must not stop the claims being read.
        let row = r#"{"TenantId":"ws-guid","SourceSystem":"Azure","CallerIpAddress":"203.0.113.91","CategoryValue":"Administrative","CorrelationId":"corr-3","Authorization_d":{"action":"Microsoft.KeyVault/vaults/write","scope":"/subscriptions/aaaa1111/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv1"},"Claims":"{}","Claims_d":{"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":"ops@contoso.com","http://schemas.microsoft.com/identity/claims/objectidentifier":"ops-oid","http://schemas.microsoft.com/claims/authnmethodsreferences":"pwd,mfa"},"OperationNameValue":"MICROSOFT.KEYVAULT/VAULTS/WRITE","Caller":"ops@contoso.com","EventDataId":"ed-3","ResourceProviderValue":"MICROSOFT.KEYVAULT","ActivityStatusValue":"Success","TimeGenerated":"2024-09-01T08:10:00Z","SubscriptionId":"aaaa1111","_ResourceId":"/subscriptions/aaaa1111/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv1","Type":"AzureActivity"}"#;
        let ev = normalize_as("azure_activity", row);
        assert_eq!(ev.user.as_deref(), Some("ops@contoso.com"));
        assert_eq!(ev.user_id.as_deref(), Some("ops-oid"));
        assert_eq!(ev.user_kind, UserKind::Human);
        assert_eq!(ev.mfa, Some(true));
        assert_eq!(ev.src_ip.as_deref(), Some("203.0.113.91"));
        assert_eq!(ev.outcome, Outcome::Success);
    }

    #[test]
    fn classification_table() {
        let c = |op: &str| {
            let r = classify(op, "");
            (r.class, r.action)
        };
        assert_eq!(
            c("Microsoft.KeyVault/vaults/secrets/getSecret/action"),
            (Class::SecretAccess, "read")
        );
        assert_eq!(
            c("Microsoft.KeyVault/vaults/keys/purge/action"),
            (Class::SecretAccess, "delete")
        );
        assert_eq!(
            c("Microsoft.KeyVault/vaults/secrets/recover/action"),
            (Class::SecretAccess, "write")
        );
        assert_eq!(
            c("Microsoft.KeyVault/vaults/accessPolicies/write"),
            (Class::RoleChange, "update")
        );
        assert_eq!(
            c("Microsoft.KeyVault/vaults/write"),
            (Class::ApiActivity, "write")
        );
        assert_eq!(
            c("Microsoft.Authorization/elevateAccess/action"),
            (Class::RoleChange, "assign")
        );
        assert_eq!(
            c("Microsoft.Authorization/roleDefinitions/write"),
            (Class::RoleChange, "update")
        );
        assert_eq!(
            c("Microsoft.Storage/storageAccounts/listKeys/action"),
            (Class::SecretAccess, "read")
        );
        assert_eq!(
            c("Microsoft.Compute/virtualMachines/start/action"),
            (Class::ApiActivity, "start")
        );
        assert_eq!(
            c("Microsoft.Quantum/workspaces/jobs/write"),
            (Class::Job, "submit")
        );
        assert_eq!(
            c("Microsoft.Quantum/workspaces/sessions/write"),
            (Class::Queue, "create")
        );
        let r = classify(
            "Microsoft.Quantum/workspaces/jobs/delete",
            "/subscriptions/s/resourceGroups/r/providers/Microsoft.Quantum/workspaces/w/jobs/j-123",
        );
        assert_eq!(
            (r.class, r.action, r.job_id.as_deref()),
            (Class::Job, "cancel", Some("j-123"))
        );
    }

    #[test]
    fn detection() {
        let a = AzureActivity;
        assert!(a.detect(&from_serde(serde_json::json!({"time": "2025-01-01T00:00:00Z", "operationName": "X/Y/WRITE", "category": "Administrative"}))));
        assert!(a.detect(&from_serde(serde_json::json!({"time": "2025-01-01T00:00:00Z", "operationName": "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE", "category": "Write", "properties": {"eventCategory": "Administrative"}}))));
        assert!(a.detect(&from_serde(serde_json::json!({"eventTimestamp": "2025-01-01T00:00:00Z", "operationName": {"value": "x/y/write"}}))));
        assert!(!a.detect(&from_serde(serde_json::json!({"time": "2025-01-01T00:00:00Z", "operationName": "SecretGet", "category": "AuditEvent"}))));
        assert!(!a.detect(&from_serde(serde_json::json!({"time": "2025-01-01T00:00:00Z", "operationName": "Sign-in activity", "category": "SignInLogs"}))));
        assert!(!a.detect(&from_serde(serde_json::json!({"id": "x", "category": "Policy", "activityDateTime": "2025-01-01T00:00:00Z"}))));
        // Entra audit records in the diagnostic shape carry category `Policy` as well.
        assert!(!a.detect(&from_serde(serde_json::json!({"time": "2025-01-01T00:00:00Z", "operationName": "Update policy", "category": "Policy", "resourceId": "/tenants/t/providers/Microsoft.aadiam"}))));
    }

    #[test]
    fn errors_name_the_field() {
        let a = AzureActivity;
        let e = a.normalize(&from_serde(serde_json::json!({"operationName": "X/Y/WRITE", "category": "Administrative", "resourceId": "/subscriptions/s"}))).unwrap_err();
        assert!(e.0.contains("`time`"), "{e}");
        let e = a.normalize(&from_serde(serde_json::json!({"time": "2025-13-45", "operationName": "X/Y/WRITE", "category": "Administrative"}))).unwrap_err();
        assert!(
            e.0.contains("`time`") && e.0.contains("not a timestamp"),
            "{e}"
        );
        let e = a
            .normalize(&from_serde(
                serde_json::json!({"time": "2025-01-01T00:00:00Z", "category": "Administrative"}),
            ))
            .unwrap_err();
        assert!(e.0.contains("`operationName`"), "{e}");
    }

    #[test]
    fn mine_do_not_claim_other_corpora() {
        use crate::normalize::Format;
        let files = [
            "entra-id/panther-labs__panther-analysis/rules/EXTRACTED_tests__Azure.Audit.jsonl",
            "entra-id/OTRF__Security-Datasets/datasets/compound/GoldenSAMLADFSMailAccess/AADAuditEvents.json",
            "azure-quantum/microsoft__azure-quantum-python/azure-quantum/tests/unit/recordings/EXTRACTED_job_and_session_records.jsonl",
            "okta/panther-labs__panther-analysis/rules/EXTRACTED_tests__Okta.SystemLog.jsonl",
            "gcp-audit/panther-labs__panther-analysis/rules/EXTRACTED_tests__GCP.AuditLog.jsonl",
            "gcp-audit/DataDog__stratus-red-team/docs/attack-techniques/GCP/EXTRACTED_sample_events.jsonl",
            "aws-cloudtrail/panther-labs__panther-analysis/rules/EXTRACTED_tests__AWS.CloudTrail.jsonl",
            "braket/aws-docs__braket-developerguide__braket-ctlogs/GetQuantumTask.json",
        ];
        let mine: [&dyn Format; 3] = [
            &super::super::vault::Vault,
            &super::super::keyvault::KeyVault,
            &AzureActivity,
        ];
        for file in files {
            let Some(records) = corpus_records(file) else {
                return;
            };
            for r in &records {
                let v = from_serde(r.clone());
                for f in mine {
                    assert!(!f.detect(&v), "{} claims a record of {file}: {r}", f.name());
                }
            }
        }
    }

    #[test]
    fn a_user_token_without_a_upn_names_the_caller_and_the_resource_its_region() {
        // The role-assignment delete of the fixtures, with its token's UPN claim gone
        // and the scope claim of a user token in its place.
        let mut v = fixture("azure_activity/activity.jsonl").remove(3);
        let claims = v["claims"].as_object_mut().unwrap();
        claims.remove("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn");
        claims.insert(
            "http://schemas.microsoft.com/identity/claims/scope".into(),
            "user_impersonation".into(),
        );
        // Azure processed the event in one region; the resource lives in another.
        v["location"] = "eastus".into();
        v["properties"]["resourceLocation"] = "westeurope".into();
        let e = normalize_as("azure_activity", &v.to_string());
        assert_eq!(e.region.as_deref(), Some("westeurope"));
        assert_eq!(e.user.as_deref(), Some("bob@contoso-quantum.example"));
        assert_eq!(e.user_kind, UserKind::Human);
        assert_eq!(
            e.user_id.as_deref(),
            Some("6e5d4c3b-2a19-4807-b6a5-948372615048")
        );
    }

    #[test]
    fn corpus_panther_keyvault_control_plane() {
        let Some(records) = corpus_records(
            "azure-keyvault/panther-labs__panther-analysis/rules/EXTRACTED_tests__Azure.MonitorActivity__keyvault_only.jsonl",
        ) else {
            return;
        };
        assert_eq!(records.len(), 22);
        for r in &records {
            let v = from_serde(r.clone());
            let f = crate::normalize::detect(&v).map(|f| f.name());
            assert_eq!(
                f,
                Some("azure_activity"),
                "not detected as azure_activity: {r}"
            );
            let ev = AzureActivity
                .normalize(&v)
                .unwrap_or_else(|e| panic!("{e}: {r}"));
            assert!(ev.src_ip.is_some() && ev.project.is_some(), "{r}");
            assert_eq!(ev.outcome, Outcome::Success);
        }
        let get_secret = records
            .iter()
            .find(|r| {
                text(&from_serde((*r).clone()), "operationName").as_deref()
                    == Some("Microsoft.KeyVault/vaults/secrets/getSecret/action")
            })
            .map(|r| {
                AzureActivity
                    .normalize(&from_serde(r.clone()))
                    .expect("getSecret")
            })
            .expect("corpus holds a getSecret");
        assert_eq!(
            (get_secret.class, get_secret.action.as_str()),
            (Class::SecretAccess, "read")
        );
        assert_eq!(
            get_secret.user.as_deref(),
            Some("12345678-1234-1234-1234-123456789abc")
        );
        assert_eq!(get_secret.user_kind, UserKind::Service);
        assert_eq!(get_secret.src_ip.as_deref(), Some("1.1.1.1"));
        assert_eq!(
            get_secret.project.as_deref(),
            Some("12345678-1234-1234-1234-123456789abc")
        );
        assert_eq!(get_secret.region.as_deref(), Some("eastus"));
        assert_eq!(
            get_secret.tenant.as_deref(),
            Some("87654321-4321-4321-4321-111111111111")
        );

        let purge = AzureActivity
            .normalize(&from_serde(records[16].clone()))
            .expect("deleted vault purge");
        assert_eq!(
            purge.operation.as_deref(),
            Some("microsoft.keyvault/locations/deletedvaults/purge/action")
        );
        assert_eq!(
            (purge.class, purge.action.as_str()),
            (Class::SecretAccess, "delete")
        );

        let diag = AzureActivity
            .normalize(&from_serde(records[0].clone()))
            .expect("diagnostic settings delete");
        assert_eq!(
            (diag.class, diag.action.as_str()),
            (Class::ApiActivity, "delete")
        );
        assert_eq!(diag.src_ip.as_deref(), Some("1.2.3.4"));
    }
}
