//! Azure Key Vault data-plane audit logs: the `AuditEvent` category as Azure Monitor
//! diagnostic settings write it (storage account / event hub `records`), plus the
//! Log Analytics rows of the same events (legacy `AzureDiagnostics` with flattened
//! `identity_claim_*_s` columns, and the resource-specific `AZKVAuditLogs` table).
//!
//! Schema (diagnostic shape): `time`, `resourceId`
//! (`/SUBSCRIPTIONS/<sub>/RESOURCEGROUPS/<rg>/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/<name>`),
//! `operationName` (`SecretGet`, `KeySign`, `VaultPut`, `Authentication`, ...),
//! `operationVersion`, `category` = `AuditEvent`, `resultType`, `resultSignature`
//! (HTTP status text), `resultDescription`, `durationMs`, `callerIpAddress`,
//! `correlationId`, `identity.claim` (`upn`, `oid`, `appid`, or their claim URIs),
//! `properties` (`id` = object URI, `clientInfo` = user agent, `requestUri`,
//! `httpStatusCode`, `isAccessPolicyMatch`, `isRbacAuthorized`, `tlsVersion`).
//!
//! Control-plane operations on vaults (the Activity log) belong to `azure_activity`.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::fields::{
    arm_segment, client_from_user_agent, first_text, get, get_ignoring_case, parse_time_value,
    short, text, without_port,
};
use super::json::prelude::*;
use super::json::{is_number, parse_owned, to_json};
use super::{Format, NormalizeError};
use crate::event::NormalizedEvent;
use crate::vocab::{Class, Outcome, Source, UserKind};

/// The keyvault format.
pub struct KeyVault;

impl Format for KeyVault {
    fn name(&self) -> &'static str {
        "keyvault"
    }

    fn detect(&self, record: &Value) -> bool {
        let Some(obj) = record.as_object() else {
            return false;
        };
        let field = |k: &str| get_ignoring_case(obj, k).and_then(|v| v.as_str());
        match field("Type") {
            Some("AZKVAuditLogs") => return true,
            Some("AzureDiagnostics") | None => {}
            // Another Log Analytics table (AzureActivity carries ResourceProvider too).
            Some(_) => return false,
        }
        if obj.contains_key("OperationNameValue") || obj.contains_key("ActivityStatusValue") {
            return false;
        }
        let category = field("category");
        let keyvault_id = ["resourceId", "_ResourceId"]
            .iter()
            .filter_map(|k| field(k))
            .any(|id| {
                id.to_ascii_lowercase()
                    .contains("/providers/microsoft.keyvault/")
            });
        let provider =
            field("ResourceProvider").is_some_and(|p| p.eq_ignore_ascii_case("MICROSOFT.KEYVAULT"));
        match category {
            Some(c) => c.eq_ignore_ascii_case("AuditEvent") && (keyvault_id || provider),
            None => provider && keyvault_id && field("OperationName").is_some(),
        }
    }

    fn normalize(&self, record: &Value) -> Result<NormalizedEvent, NormalizeError> {
        let time = require_any_time(record, &["time", "TimeGenerated"])?;
        let op = first_text(record, &["operationName"])
            .ok_or_else(|| NormalizeError::missing("operationName"))?;
        let (class, action) = classify(&op);
        let mut ev = NormalizedEvent::new(Source::KeyVault, time, class, action);
        ev.operation = Some(op);
        ev.service = Some("Microsoft.KeyVault".to_string());

        let resource_id = first_text(record, &["resourceId", "_ResourceId"]);
        ev.project = resource_id
            .as_deref()
            .and_then(subscription_of)
            .or_else(|| {
                first_text(record, &["SubscriptionId", "_SubscriptionId"])
                    .map(|s| s.to_ascii_lowercase())
            });
        ev.resource = first_text(record, &["properties.id", "id_s", "Id"])
            .or_else(|| {
                first_text(
                    record,
                    &["properties.requestUri", "requestUri_s", "RequestUri"],
                )
                .map(|u| strip_query(&u))
            })
            .or_else(|| resource_id.clone());
        ev.region = text(record, "location");

        // Who.
        let claims = Claims::of(record);
        fill_identity(&mut ev, &claims);
        if ev.tenant.is_none() && get(record, "TimeGenerated").is_none() {
            // In Log Analytics rows `TenantId` is the workspace, not the directory.
            ev.tenant = text(record, "tenantId");
        }
        ev.src_ip = first_text(record, &["callerIpAddress"]).map(|ip| without_port(&ip));
        ev.user_agent = first_text(
            record,
            &["properties.clientInfo", "clientInfo_s", "ClientInfo"],
        );
        if let Some(ua) = &ev.user_agent {
            ev.client = client_from_user_agent(ua);
        }
        ev.request_id = text(record, "correlationId");
        ev.source_id = text(record, "_ItemId");

        // Outcome: the HTTP status decides (resultType says Success even for a 403).
        let status = first_int(
            record,
            &[
                "properties.httpStatusCode",
                "httpStatusCode_d",
                "HttpStatusCode",
            ],
        );
        let signature = text(record, "resultSignature");
        let description = text(record, "resultDescription");
        ev.outcome = http_outcome(
            status,
            signature.as_deref(),
            text(record, "resultType").as_deref(),
        );
        let no_token = status == Some(401)
            && description
                .as_deref()
                .is_none_or(|d| d.to_ascii_lowercase().contains("missing a bearer"));
        if ev.outcome == Outcome::Failure {
            ev.reason = Some(reason(status, signature.as_deref(), description.as_deref()));
        } else {
            ev.message = description;
        }
        // Every Azure SDK client opens with a request that carries no token and is
        // answered 401 with the challenge that says where to get one ("Request is
        // missing a Bearer or PoP token."): that handshake is no refused caller. A
        // token that was presented and failed validation stays a failure.
        if no_token && ev.user.is_none() && ev.user_id.is_none() {
            ev.outcome = Outcome::Unknown;
            ev.reason = Some(
                "401 without a token: the authentication challenge a client receives before it signs in"
                    .to_string(),
            );
        }
        Ok(ev)
    }
}

/// Class and action of a Key Vault data-plane operation name.
fn classify(op: &str) -> (Class, &'static str) {
    let lower = op.to_ascii_lowercase();
    if lower == "authentication" {
        return (Class::Authentication, "login");
    }
    if lower.ends_with("eventgridnotification") {
        let class = if lower.contains("accesspolicy") {
            Class::RoleChange
        } else {
            Class::ApiActivity
        };
        return (class, "notify");
    }
    let objects = [
        "secret",
        "key",
        "certificate",
        "storage",
        "managedstorage",
        "sasdefinition",
    ];
    if let Some(obj) = objects.iter().find(|o| lower.starts_with(*o)) {
        let rest = &lower[obj.len()..];
        return (Class::SecretAccess, object_verb(rest));
    }
    if let Some(rest) = lower
        .strip_prefix("vault")
        .or_else(|| lower.strip_prefix("managedhsm"))
        .or_else(|| lower.strip_prefix("hsm"))
    {
        let verb = match object_verb(rest) {
            "write" if rest.starts_with("patch") || rest.starts_with("update") => "update",
            "write" if rest.starts_with("put") || rest.starts_with("create") => "write",
            v => v,
        };
        // Access policies are the vault's permission model.
        if rest.contains("accesspolicy") && verb != "read" && verb != "list" {
            return (Class::RoleChange, "update");
        }
        return (Class::ApiActivity, verb);
    }
    if lower.starts_with("roleassignment") || lower.starts_with("roledefinition") {
        let verb = object_verb(
            lower
                .trim_start_matches("roleassignment")
                .trim_start_matches("roledefinition"),
        );
        return match verb {
            "read" | "list" => (Class::ApiActivity, verb),
            "delete" => (Class::RoleChange, "unassign"),
            _ => (Class::RoleChange, "assign"),
        };
    }
    (Class::ApiActivity, object_verb(&lower))
}

/// The verb of what follows the object name (`Get`, `ListVersions`, `Purge`, `Decrypt`...).
fn object_verb(rest: &str) -> &'static str {
    const CRYPTO: &[(&str, &str)] = &[
        ("decrypt", "decrypt"),
        ("encrypt", "encrypt"),
        ("unwrap", "unwrap"),
        ("wrap", "wrap"),
        ("sign", "sign"),
        ("verify", "verify"),
    ];
    // `SecretListVersions`, and `CertificateIssuersList` / `ContactsList` too.
    if rest.starts_with("list") || rest.ends_with("list") {
        "list"
    } else if rest.starts_with("get")
        || rest.ends_with("get")
        || rest.starts_with("backup")
        || rest.starts_with("release")
        || rest.starts_with("export")
    {
        "read"
    } else if rest.contains("purge") || rest.contains("delete") {
        "delete"
    } else if let Some((_, v)) = CRYPTO.iter().find(|(k, _)| rest.starts_with(k)) {
        v
    } else if [
        "set",
        "create",
        "import",
        "update",
        "rotate",
        "restore",
        "recover",
        "merge",
        "put",
        "patch",
        "regenerate",
        "enroll",
        "renew",
    ]
    .iter()
    .any(|w| rest.starts_with(w) || rest.ends_with(w))
    {
        "write"
    } else {
        "unknown"
    }
}

/// Success when the HTTP status is below 400, failure above; the signature and
/// the result type decide when there is no status code.
pub(super) fn http_outcome(
    status: Option<i64>,
    signature: Option<&str>,
    result_type: Option<&str>,
) -> Outcome {
    if let Some(code) = status {
        return if code >= 400 {
            Outcome::Failure
        } else {
            Outcome::Success
        };
    }
    if let Some(sig) = signature {
        let s = sig.to_ascii_lowercase();
        if let Ok(code) = s.parse::<i64>() {
            return if code >= 400 {
                Outcome::Failure
            } else {
                Outcome::Success
            };
        }
        const FAILED: &[&str] = &[
            "unauthorized",
            "forbidden",
            "notfound",
            "badrequest",
            "conflict",
            "toomanyrequests",
            "throttled",
            "internalservererror",
            "serviceunavailable",
            "failed",
            "failure",
            "gone",
            "preconditionfailed",
        ];
        const OK: &[&str] = &[
            "ok",
            "created",
            "accepted",
            "nocontent",
            "success",
            "succeeded",
        ];
        if FAILED.iter().any(|f| s.contains(f)) {
            return Outcome::Failure;
        }
        if OK.contains(&s.as_str()) {
            return Outcome::Success;
        }
    }
    match result_type.map(|r| r.to_ascii_lowercase()).as_deref() {
        Some("success" | "succeeded") => Outcome::Success,
        Some("failure" | "failed" | "fail") => Outcome::Failure,
        _ => Outcome::Unknown,
    }
}

fn reason(status: Option<i64>, signature: Option<&str>, description: Option<&str>) -> String {
    let mut head = Vec::new();
    if let Some(code) = status {
        head.push(code.to_string());
    }
    if let Some(sig) = signature
        && status.is_none_or(|c| c.to_string() != sig)
    {
        head.push(sig.to_string());
    }
    let head = head.join(" ");
    match (head.is_empty(), description) {
        (false, Some(d)) => format!("{head}: {d}"),
        (true, Some(d)) => d.to_string(),
        (false, None) => head,
        (true, None) => "failed".to_string(),
    }
}

/// The first of several timestamp fields, or an error naming the first.
pub(super) fn require_any_time(
    record: &Value,
    paths: &[&str],
) -> Result<chrono::DateTime<chrono::Utc>, NormalizeError> {
    for p in paths {
        if let Some(v) = get(record, p) {
            return parse_time_value(v).ok_or_else(|| {
                NormalizeError::new(format!("field `{p}` is not a timestamp: {}", short(v)))
            });
        }
    }
    Err(NormalizeError::missing(paths[0]))
}

/// An integer among several paths (numbers, floats such as `403.0`, numeric strings).
pub(super) fn first_int(record: &Value, paths: &[&str]) -> Option<i64> {
    paths.iter().find_map(|p| match get(record, p)? {
        n if is_number(n) => n.as_i64().or_else(|| n.cast_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse::<f64>().ok().map(|f| f as i64),
        _ => None,
    })
}

/// The subscription id of an ARM resource id, lower-cased.
pub(super) fn subscription_of(resource_id: &str) -> Option<String> {
    arm_segment(resource_id, "subscriptions").map(str::to_ascii_lowercase)
}

fn strip_query(uri: &str) -> String {
    uri.split(['?', '#']).next().unwrap_or(uri).to_string()
}

/// The token claims of an Azure record, however the pipeline laid them out:
/// an object (`identity.claim`, `identity.claims`, `claims`, `Claims_d`), a JSON
/// string of one, or Log Analytics' flattened `identity_claim_<name>_<type>` columns.
///
/// The map is sorted by key, as serde_json's map was: a lookup that falls back to a
/// search, and a flattened column that overwrites another, still pick the same one.
pub(super) struct Claims<'a> {
    map: BTreeMap<Cow<'a, str>, Value<'a>>,
}

impl<'a> Claims<'a> {
    pub(super) fn of(record: &'a Value<'a>) -> Self {
        let mut map = BTreeMap::new();
        for path in [
            "identity.claim",
            "identity.claims",
            "claims",
            "Claims_d",
            "Claims",
        ] {
            // An empty one (Log Analytics' legacy `Claims` column holds "{}" beside
            // `Claims_d`) names nobody: the next layout may.
            match get(record, path) {
                Some(Value::Object(m)) if !m.is_empty() => {
                    map.extend(m.iter().map(|(k, v)| (k.clone(), v.clone())));
                    break;
                }
                Some(Value::String(s)) => {
                    if let Ok(Value::Object(m)) = parse_owned(s)
                        && !m.is_empty()
                    {
                        // One insert at a time: each parsed ('static) entry shortens to
                        // the record's lifetime, which `extend` would not allow.
                        for (k, v) in *m {
                            map.insert(k, v);
                        }
                        break;
                    }
                }
                _ => {}
            }
        }
        // AZKVAuditLogs' `Identity` column is dynamic: an export may carry it as
        // JSON text (`{"claim": {...}}`).
        if map.is_empty()
            && let Some(Value::String(s)) = get(record, "identity")
            && let Ok(Value::Object(mut outer)) = parse_owned(s)
            && let Some(Value::Object(m)) = outer.remove("claim").or_else(|| outer.remove("claims"))
        {
            for (k, v) in *m {
                map.insert(k, v);
            }
        }
        if let Some(obj) = record.as_object() {
            // In byte order, as serde_json's sorted map gave them: when two columns
            // fold to one name (`identity_claim_oid_g`, `identity_claim_oid_s`), the
            // last in that order wins, whatever the record's own order.
            let mut flattened: Vec<_> = obj
                .iter()
                .filter(|(k, _)| k.starts_with("identity_claim_"))
                .collect();
            flattened.sort_by(|a, b| a.0.cmp(b.0));
            for (k, v) in flattened {
                if let Some(rest) = k.strip_prefix("identity_claim_") {
                    let name = ["_s", "_g", "_d", "_b"]
                        .iter()
                        .find_map(|s| rest.strip_suffix(s))
                        .unwrap_or(rest);
                    map.insert(Cow::Borrowed(name), v.clone());
                }
            }
        }
        Claims { map }
    }

    /// A claim by short name: the key itself, a claim URI ending in `/name`, or a
    /// flattened column ending in `_name`.
    pub(super) fn get(&self, name: &str) -> Option<String> {
        let value = self.map.get(name).or_else(|| {
            self.map
                .iter()
                .find(|(k, _)| {
                    let k = k.to_ascii_lowercase();
                    k == name
                        || k.ends_with(&format!("/{name}"))
                        || k.ends_with(&format!("_{name}"))
                })
                .map(|(_, v)| v)
        })?;
        match value {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            n if is_number(n) => Some(to_json(n)),
            _ => None,
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// User, user id, kind and tenant from token claims: a UPN means a person, an
/// application id alone a service principal.
pub(super) fn fill_identity(ev: &mut NormalizedEvent, claims: &Claims) {
    if claims.is_empty() {
        return;
    }
    // Activity claims name `unique_name` by its URI (`.../identity/claims/name`).
    let upn = claims
        .get("upn")
        .or_else(|| claims.get("unique_name"))
        .or_else(|| claims.get("name").filter(|n| n.contains('@')))
        .map(|u| match u.rsplit_once('#') {
            // `live.com#user@outlook.com` for guest and Microsoft accounts.
            Some((_, rest)) if rest.contains('@') => rest.to_string(),
            _ => u,
        });
    let app = claims.get("appid").or_else(|| claims.get("azp"));
    let app_only = claims
        .get("idtyp")
        .is_some_and(|t| t.eq_ignore_ascii_case("app"));
    ev.user_id = claims.get("objectidentifier").or_else(|| claims.get("oid"));
    ev.tenant = claims.get("tenantid").or_else(|| claims.get("tid"));
    // Only a token issued to a user carries scopes (`scp`); an app's has roles.
    let delegated = claims.get("scp").or_else(|| claims.get("scope")).is_some();
    match (upn, app) {
        (Some(u), _) if !app_only => {
            ev.user = Some(u);
            ev.user_kind = UserKind::Human;
        }
        // A user token without a UPN (`upn` is sent only "if applicable"): the
        // person is known by object id, and the app is only what they used.
        (None, Some(a)) if delegated && !app_only => {
            ev.user = ev.user_id.clone().or(Some(a));
            ev.user_kind = UserKind::Human;
        }
        (_, Some(a)) => {
            ev.user = Some(a);
            ev.user_kind = UserKind::Service;
        }
        (Some(u), None) => {
            ev.user = Some(u);
            ev.user_kind = UserKind::Service;
        }
        (None, None) => {}
    }
    if let Some(amr) = claims
        .get("authnmethodsreferences")
        .or_else(|| claims.get("amr"))
    {
        // Whole method names only: `wiaormfa` ("Windows or MFA") is no proof of MFA.
        let amr = amr.to_ascii_lowercase();
        ev.mfa = Some(
            amr.split(|c: char| !c.is_ascii_alphanumeric())
                .any(|m| m == "mfa" || m == "ngcmfa"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::json::from_serde;
    use crate::normalize::test_support::{fixture, normalize_as};
    use crate::vocab::Client;

    fn fx() -> Vec<NormalizedEvent> {
        fixture("keyvault/auditevent.jsonl")
            .iter()
            .map(|v| normalize_as("keyvault", &v.to_string()))
            .collect()
    }

    #[test]
    fn secret_get_by_user() {
        let ev = &fx()[0];
        assert_eq!(ev.time.to_rfc3339(), "2025-02-11T08:42:17.392114400+00:00");
        assert_eq!(
            (ev.class, ev.action.as_str()),
            (Class::SecretAccess, "read")
        );
        assert_eq!(ev.operation.as_deref(), Some("SecretGet"));
        assert_eq!(ev.outcome, Outcome::Success);
        assert_eq!(ev.user.as_deref(), Some("alice@contoso-quantum.example"));
        assert_eq!(
            ev.user_id.as_deref(),
            Some("3f0a5b7c-1d2e-4f60-8a9b-0c1d2e3f4a5b")
        );
        assert_eq!(ev.user_kind, UserKind::Human);
        assert_eq!(
            ev.tenant.as_deref(),
            Some("72f988bf-0000-4a1b-9c2d-3e4f5a6b7c8d")
        );
        assert_eq!(
            ev.project.as_deref(),
            Some("0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e")
        );
        assert_eq!(
            ev.resource.as_deref(),
            Some(
                "https://kv-qlab-prod.vault.azure.net/secrets/ionq-api-key/8f1e2d3c4b5a69788796a5b4c3d2e1f0"
            )
        );
        assert_eq!(ev.src_ip.as_deref(), Some("203.0.113.24"));
        assert_eq!(ev.client, Client::Cli);
        assert_eq!(
            ev.request_id.as_deref(),
            Some("a6f3c1d2-0e4b-4c5a-9d8e-7f6a5b4c3d2e")
        );
        assert_eq!(ev.service.as_deref(), Some("Microsoft.KeyVault"));
        assert_eq!(ev.source_id, None);
    }

    #[test]
    fn forbidden_is_failure_even_when_result_type_says_success() {
        let ev = &fx()[1];
        assert_eq!(
            (ev.class, ev.action.as_str()),
            (Class::SecretAccess, "list")
        );
        assert_eq!(ev.outcome, Outcome::Failure);
        assert_eq!(
            ev.reason.as_deref(),
            Some("403 Forbidden: Caller is not authorized to perform action on resource.")
        );
        assert_eq!(
            ev.user.as_deref(),
            Some("5b8e2f1a-9c3d-4e7f-a0b1-c2d3e4f5a6b7")
        );
        assert_eq!(ev.user_kind, UserKind::Service);
        assert_eq!(ev.src_ip.as_deref(), Some("198.51.100.9"));
        assert_eq!(ev.client, Client::Sdk);
    }

    #[test]
    fn write_delete_crypto_vault_and_auth() {
        let ev = fx();
        assert_eq!(
            (ev[2].class, ev[2].action.as_str(), ev[2].outcome),
            (Class::SecretAccess, "write", Outcome::Success)
        );
        assert_eq!(
            (ev[3].class, ev[3].action.as_str()),
            (Class::SecretAccess, "delete")
        );
        assert_eq!(ev[3].operation.as_deref(), Some("SecretPurge"));
        assert_eq!(
            (ev[4].class, ev[4].action.as_str()),
            (Class::SecretAccess, "decrypt")
        );
        assert_eq!(
            ev[4].resource.as_deref(),
            Some(
                "https://kv-qlab-prod.vault.azure.net/keys/job-signing/2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f"
            )
        );
        assert_eq!(
            (ev[5].class, ev[5].action.as_str()),
            (Class::ApiActivity, "read")
        );
        assert_eq!(
            ev[5].user_agent.as_deref(),
            Some("azure-resource-manager/2.0")
        );
        let auth = &ev[6];
        assert_eq!(
            (auth.class, auth.action.as_str(), auth.outcome),
            (Class::Authentication, "login", Outcome::Failure)
        );
        assert_eq!(
            auth.reason.as_deref(),
            Some("401 Unauthorized: Token validation failed")
        );
        assert_eq!(auth.user, None);
        assert_eq!(auth.src_ip.as_deref(), Some("192.0.2.77"));
    }

    #[test]
    fn a_user_token_without_a_upn_is_still_a_person() {
        let read = |claim: &str| {
            normalize_as(
                "keyvault",
                &format!(
                    r#"{{"time":"2026-11-11T09:20:00Z","resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV","operationName":"SecretGet","category":"AuditEvent","resultType":"Success","resultSignature":"OK","callerIpAddress":"192.0.2.78","identity":{{"claim":{claim}}},"properties":{{"id":"https://kv.vault.azure.net/secrets/ionq-api-key/1","httpStatusCode":200}}}}"#
                ),
            )
        };
        // Scopes mean a token issued to a user; the object id names the person.
        let e = read(
            r#"{"http://schemas.microsoft.com/identity/claims/objectidentifier":"7d1f-oid","appid":"c44b4083-3bb0-49c1-b47d-974e53cbdf3c","http://schemas.microsoft.com/identity/claims/scope":"user_impersonation","amr":"wiaormfa"}"#,
        );
        assert_eq!(e.user_kind, UserKind::Human);
        assert_eq!(e.user.as_deref(), Some("7d1f-oid"));
        assert_eq!(e.mfa, Some(false), "Windows-or-MFA proves no MFA");
        // Without scopes, the same token is the app's own.
        let app = read(r#"{"oid":"9e2a-sp","appid":"0f3c-app","idtyp":"app"}"#);
        assert_eq!(app.user_kind, UserKind::Service);
        assert_eq!(app.user.as_deref(), Some("0f3c-app"));
        let mfa = read(r#"{"upn":"ada@contoso.example","amr":"[\"pwd\",\"mfa\"]"}"#);
        assert_eq!(mfa.mfa, Some(true));
    }

    #[test]
    fn an_identity_column_exported_as_json_text_still_names_the_caller() {
        let e = normalize_as(
            "keyvault",
            r#"{"TimeGenerated":"2026-11-11T09:20:00Z","Type":"AZKVAuditLogs","OperationName":"SecretGet","ResultType":"Success","ResultSignature":"OK","CallerIpAddress":"192.0.2.78","HttpStatusCode":200,"_ResourceId":"/subscriptions/s/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv","Identity":"{\"claim\":{\"upn\":\"ada@contoso.example\",\"oid\":\"7d1f-oid\"}}"}"#,
        );
        assert_eq!(e.user.as_deref(), Some("ada@contoso.example"));
        assert_eq!(e.user_kind, UserKind::Human);
    }

    #[test]
    fn the_token_challenge_every_client_starts_with_is_no_failed_login() {
        let challenge = r#"{"time":"2026-11-11T09:20:00Z","resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV","operationName":"Authentication","category":"AuditEvent","resultType":"Success","resultSignature":"Unauthorized","resultDescription":"Request is missing a Bearer or PoP token.","callerIpAddress":"192.0.2.78","properties":{"clientInfo":"azsdk-python-keyvault-secrets/4.8.0 Python/3.11","httpStatusCode":401}}"#;
        let e = normalize_as("keyvault", challenge);
        assert_eq!(e.outcome, Outcome::Unknown);
        assert!(
            e.reason.as_deref().unwrap().contains("challenge"),
            "{:?}",
            e.reason
        );
    }

    #[test]
    fn log_analytics_azure_diagnostics_row() {
        let ev = &fx()[7];
        assert_eq!(ev.time.to_rfc3339(), "2025-02-11T10:01:02.500+00:00");
        assert_eq!(
            (ev.class, ev.action.as_str()),
            (Class::SecretAccess, "read")
        );
        assert_eq!(ev.outcome, Outcome::Failure);
        assert_eq!(ev.reason.as_deref(), Some("403 Forbidden"));
        assert_eq!(ev.user.as_deref(), Some("bob@contoso-quantum.example"));
        assert_eq!(
            ev.user_id.as_deref(),
            Some("6e5d4c3b-2a19-4807-b6a5-948372615048")
        );
        assert_eq!(ev.user_kind, UserKind::Human);
        assert_eq!(ev.src_ip.as_deref(), Some("203.0.113.200"));
        assert_eq!(
            ev.project.as_deref(),
            Some("0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e")
        );
        assert_eq!(
            ev.resource.as_deref(),
            Some("https://kv-qlab-prod.vault.azure.net/secrets/quantinuum-token")
        );
        // The workspace id in TenantId is not the directory.
        assert_eq!(ev.tenant, None);
        assert_eq!(
            ev.source_id.as_deref(),
            Some("9d8c7b6a-5f4e-4d3c-2b1a-0f9e8d7c6b5a")
        );
    }

    #[test]
    fn azkv_audit_logs_row() {
        let ev = &fx()[8];
        assert_eq!(
            (ev.class, ev.action.as_str(), ev.outcome),
            (Class::SecretAccess, "read", Outcome::Success)
        );
        assert_eq!(ev.operation.as_deref(), Some("CertificateGet"));
        assert_eq!(
            ev.user.as_deref(),
            Some("c7d8e9f0-a1b2-4c3d-8e4f-5a6b7c8d9e0f")
        );
        assert_eq!(ev.user_kind, UserKind::Service);
        assert_eq!(ev.src_ip.as_deref(), Some("10.1.2.3"));
    }

    #[test]
    fn operation_table() {
        assert_eq!(
            classify("SecretListVersions"),
            (Class::SecretAccess, "list")
        );
        assert_eq!(classify("SecretGetDeleted"), (Class::SecretAccess, "read"));
        assert_eq!(classify("SecretBackup"), (Class::SecretAccess, "read"));
        assert_eq!(classify("SecretRecover"), (Class::SecretAccess, "write"));
        assert_eq!(classify("KeyCreate"), (Class::SecretAccess, "write"));
        assert_eq!(classify("KeyImport"), (Class::SecretAccess, "write"));
        assert_eq!(classify("KeySign"), (Class::SecretAccess, "sign"));
        assert_eq!(classify("KeyUnwrap"), (Class::SecretAccess, "unwrap"));
        assert_eq!(
            classify("CertificatePolicyGet"),
            (Class::SecretAccess, "read")
        );
        assert_eq!(
            classify("CertificateDelete"),
            (Class::SecretAccess, "delete")
        );
        assert_eq!(classify("VaultList"), (Class::ApiActivity, "list"));
        for (op, verb) in [
            ("CertificateIssuersList", "list"),
            ("CertificateContactsList", "list"),
            ("CertificateEnroll", "write"),
            ("CertificateRenew", "write"),
        ] {
            assert_eq!(classify(op), (Class::SecretAccess, verb), "{op}");
        }
        assert_eq!(classify("VaultPatch"), (Class::ApiActivity, "update"));
        assert_eq!(classify("VaultDelete"), (Class::ApiActivity, "delete"));
        assert_eq!(
            classify("VaultAccessPolicyChangedEventGridNotification"),
            (Class::RoleChange, "notify")
        );
        assert_eq!(
            classify("SecretNearExpiryEventGridNotification"),
            (Class::ApiActivity, "notify")
        );
    }

    #[test]
    fn detection() {
        let kv = KeyVault;
        assert!(kv.detect(&from_serde(serde_json::json!({"category": "AuditEvent", "operationName": "SecretGet", "resourceId": "/SUBSCRIPTIONS/X/RESOURCEGROUPS/R/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/V"}))));
        // Control plane (Activity log) and other services' AuditEvent are not ours.
        assert!(!kv.detect(&from_serde(serde_json::json!({"category": "Administrative", "operationName": "Microsoft.KeyVault/vaults/delete", "resourceId": "/subscriptions/x/resourceGroups/r/providers/Microsoft.KeyVault/vaults/v"}))));
        assert!(!kv.detect(&from_serde(serde_json::json!({"category": "AuditEvent", "resourceId": "/SUBSCRIPTIONS/X/PROVIDERS/MICROSOFT.SQL/SERVERS/S"}))));
        assert!(!kv.detect(&from_serde(serde_json::json!({"category": "SignInLogs", "operationName": "Sign-in activity", "resourceId": "/tenants/t/providers/Microsoft.aadiam"}))));
        assert!(!kv.detect(&from_serde(serde_json::json!("AuditEvent"))));
    }

    #[test]
    fn errors_name_the_field() {
        let kv = KeyVault;
        let rid = "/SUBSCRIPTIONS/X/RESOURCEGROUPS/R/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/V";
        let e = kv.normalize(&from_serde(serde_json::json!({"category": "AuditEvent", "operationName": "SecretGet", "resourceId": rid}))).unwrap_err();
        assert!(e.0.contains("`time`"), "{e}");
        let e = kv
            .normalize(&from_serde(serde_json::json!({"time": "not a time", "category": "AuditEvent", "operationName": "SecretGet", "resourceId": rid})))
            .unwrap_err();
        assert!(
            e.0.contains("`time`") && e.0.contains("not a timestamp"),
            "{e}"
        );
        let e = kv.normalize(&from_serde(serde_json::json!({"time": "2025-01-01T00:00:00Z", "category": "AuditEvent", "resourceId": rid}))).unwrap_err();
        assert!(e.0.contains("`operationName`"), "{e}");
    }

    #[test]
    fn helpers() {
        assert_eq!(
            subscription_of("/SUBSCRIPTIONS/ABC-1/RESOURCEGROUPS/x").as_deref(),
            Some("abc-1")
        );
        assert_eq!(subscription_of("/providers/Microsoft.Management/x"), None);
        assert_eq!(without_port("1.2.3.4:443"), "1.2.3.4");
        assert_eq!(without_port("2001:db8::1"), "2001:db8::1");
        assert_eq!(without_port("[2001:db8::1]:443"), "2001:db8::1");
    }
}
