//! Okta System Log `LogEvent`s, as returned by `/api/v1/logs` and as delivered one by
//! one inside event hooks (the hook envelope is opened in `envelope.rs`).
//!
//! Schema: <https://developer.okta.com/docs/reference/api/system-log/#logevent-object>.
//! Keys are looked up case-insensitively because some pipelines (Panther) lower-case
//! them (`eventtype`, `displaymessage`, `debugcontext`).
//!
//! Mapping:
//! - `uuid` → `source_id`, `published` → `time` (Panther's `p_event_time` when
//!   `published` is absent), `eventType` → `operation`, `displayMessage` → `message`.
//! - `actor` → `user` (alternateId), `user_id`, `user_kind` (`User` → human;
//!   `PublicClientApp`, `SystemPrincipal`, `Client`, `AppInstance`, `ApiToken` → service).
//! - `client` → `src_ip`, geography, `user_agent`, `client`;
//!   `securityContext.asNumber` → `src_asn`, `securityContext.asOrg` → `src_asn_org`.
//! - `authenticationContext.externalSessionId` → `session_id`;
//!   `transaction.detail.requestApiTokenId` (the id of the API token used, not the
//!   token) → `token_id`.
//! - `outcome.result`: SUCCESS/ALLOW → success, FAILURE/DENY → failure, anything else
//!   (CHALLENGE, SKIPPED, UNKNOWN) → unknown. `outcome.reason` → `reason`, followed by
//!   the risk signals Okta attached (`debugData.risk` level MEDIUM/HIGH, positive
//!   `behaviors`, `threatSuspected`, `securityContext.isProxy`).
//! - `debugContext.debugData.requestId` (else `transaction.id`) → `request_id`.
//! - Class and action from the event type: see [`classify`].

use super::json::prelude::*;

use super::fields::{boolean, client_from_user_agent, float, get, int, require_time, text};
use super::{Format, NormalizeError};
use crate::event::NormalizedEvent;
use crate::vocab::{Class, Client, Outcome, Source, UserKind};

/// The okta format.
pub struct Okta;

/// The name Okta acts under itself (system jobs, policy evaluation), whatever
/// actor type an exporter writes for it.
const OKTA_ITSELF: &str = "system@okta.com";

impl Format for Okta {
    fn name(&self) -> &'static str {
        "okta"
    }

    fn detect(&self, record: &Value) -> bool {
        let record = streamed_event(record).unwrap_or(record);
        let Some(obj) = record.as_object() else {
            return false;
        };
        // Panther's own tag for Okta rows, even when the event is mostly absent.
        if text(record, "p_log_type").is_some_and(|t| t.starts_with("Okta.")) {
            return true;
        }
        let Some(event_type) = get(record, "eventType").and_then(|v| v.as_str()) else {
            return false;
        };
        // CloudTrail also has `eventType` (AwsApiCall); the hook envelope is not an event.
        if event_type == "com.okta.event_hook"
            || obj.contains_key("eventSource")
            || obj.contains_key("eventName")
        {
            return false;
        }
        // `published` marks a LogEvent; without it, ask for two more LogEvent keys.
        const LOG_EVENT_KEYS: &[&str] = &[
            "actor",
            "uuid",
            "legacyEventType",
            "displayMessage",
            "outcome",
            "target",
            "debugContext",
            "authenticationContext",
            "securityContext",
        ];
        get(record, "published").is_some()
            || LOG_EVENT_KEYS
                .iter()
                .filter(|k| get(record, k).is_some())
                .count()
                >= 2
    }

    fn normalize(&self, record: &Value) -> Result<NormalizedEvent, NormalizeError> {
        let r = streamed_event(record).unwrap_or(record);
        let event_type =
            text(r, "eventType").ok_or_else(|| NormalizeError::missing("eventType"))?;
        let time = if get(r, "published").is_none() && get(r, "p_event_time").is_some() {
            require_time(r, "p_event_time")?
        } else {
            require_time(r, "published")?
        };
        let (class, action) = classify(&event_type);
        let mut e = NormalizedEvent::new(Source::Okta, time, class, &action);
        e.operation = Some(event_type.clone());
        e.source_id = text(r, "uuid");
        e.message = text(r, "displayMessage");

        // Who.
        let actor_type = text(r, "actor.type").unwrap_or_default();
        e.user_kind = match actor_type.as_str() {
            "User" => UserKind::Human,
            "PublicClientApp" | "SystemPrincipal" | "Client" | "AppInstance" | "ApiToken" => {
                UserKind::Service
            }
            _ => UserKind::Unknown,
        };
        if actor_type.eq_ignore_ascii_case("IP address") {
            // Threat events name an address, not a principal, as the actor.
            // ThreatInsight may write "unknown" there and the address in `id`.
            e.src_ip = known(text(r, "actor.alternateId")).or_else(|| known(text(r, "actor.id")));
        } else {
            e.user =
                known(text(r, "actor.alternateId")).or_else(|| known(text(r, "actor.displayName")));
            e.user_id = known(text(r, "actor.id"));
            // Okta itself, whatever type the exporter wrote for it.
            if e.user.as_deref() == Some(OKTA_ITSELF) {
                e.user_kind = UserKind::Service;
            }
        }
        e.session_id = known(text(r, "authenticationContext.externalSessionId"))
            .or_else(|| known(text(r, "authenticationContext.rootSessionId")));
        e.token_id = known(text(r, "transaction.detail.requestApiTokenId"));

        // From where.
        e.src_ip = text(r, "client.ipAddress")
            .or_else(|| first_ip_in_chain(r))
            .or(e.src_ip.take());
        e.src_country = text(r, "client.geographicalContext.country");
        e.src_city = text(r, "client.geographicalContext.city");
        e.src_lat = float(r, "client.geographicalContext.geolocation.lat");
        e.src_lon = float(r, "client.geographicalContext.geolocation.lon");
        e.src_asn = int(r, "securityContext.asNumber").and_then(|n| u32::try_from(n).ok());
        e.src_asn_org = text(r, "securityContext.asOrg");
        e.user_agent = text(r, "client.userAgent.rawUserAgent");
        e.client = match e.user_agent.as_deref() {
            Some(ua) => client_from_user_agent(ua),
            None => Client::Unknown,
        };
        if e.client == Client::Unknown
            && (actor_type == "SystemPrincipal" || e.user.as_deref() == Some(OKTA_ITSELF))
        {
            e.client = Client::Service;
        }

        // Outcome.
        e.outcome = match text(r, "outcome.result")
            .map(|s| s.to_ascii_uppercase())
            .as_deref()
        {
            Some("SUCCESS" | "ALLOW") => Outcome::Success,
            Some("FAILURE" | "DENY") => Outcome::Failure,
            _ => Outcome::Unknown,
        };
        let mut reasons: Vec<String> = text(r, "outcome.reason").into_iter().collect();
        reasons.extend(risk_signals(r));
        // Okta's own verdict on the client IP: an anonymizer (VPN, proxy, Tor).
        e.src_anonymous = boolean(r, "securityContext.isProxy");
        if !reasons.is_empty() {
            e.reason = Some(reasons.join("; "));
        }
        e.request_id = known(text(r, "debugContext.debugData.requestId"))
            .or_else(|| known(text(r, "transaction.id")));

        // On what: the targets.
        let targets: Vec<&Value> = get(r, "target")
            .and_then(|t| t.as_array())
            .map(|a| a.iter().filter(|t| t.is_object()).collect())
            .unwrap_or_default();

        // MFA: a factor verification that went through. Identity Engine logs the
        // password check as `auth_via_mfa` too, so a password factor does not count.
        // Okta records no event that proves a sign-in had no second factor, so
        // `mfa` is never set to false here.
        let et = event_type.to_ascii_lowercase();
        let credential = text(r, "authenticationContext.credentialType");
        let password_factor = text(r, "debugContext.debugData.factor")
            .is_some_and(|f| f.eq_ignore_ascii_case("PASSWORD_AS_FACTOR"))
            || credential
                .as_deref()
                .is_some_and(|c| c.eq_ignore_ascii_case("PASSWORD"))
            || {
                let enrollments: Vec<String> = targets
                    .iter()
                    .filter(|t| {
                        text(t, "type")
                            .is_some_and(|ty| ty.eq_ignore_ascii_case("AuthenticatorEnrollment"))
                    })
                    .filter_map(|t| text(t, "displayName"))
                    .collect();
                !enrollments.is_empty()
                    && enrollments
                        .iter()
                        .all(|n| n.eq_ignore_ascii_case("password"))
            };
        // "User rejected Okta push verify": a refused second factor (push fatigue
        // shows as a run of these), whatever result the record carries.
        let denied_push = et.starts_with("user.mfa.okta_verify.deny_push");
        if denied_push {
            e.outcome = Outcome::Failure;
            e.reason
                .get_or_insert_with(|| "user rejected the Okta Verify push".to_string());
        }
        let mfa_verified = !denied_push
            && (et == "user.authentication.auth_via_mfa"
                || et.starts_with("user.mfa.okta_verify")
                || matches!(credential.as_deref(), Some("OTP" | "SMS")));
        if mfa_verified && !password_factor && e.outcome == Outcome::Success {
            e.mfa = Some(true);
        }
        // Identity Engine logs one password check twice: as this step and as the
        // `user.session.start` it belongs to. Only the session start is a sign-in;
        // the step is named for what it checked, so failed-sign-in counts see one.
        if et == "user.authentication.auth_via_mfa" && password_factor {
            e.action = "password".to_string();
        }
        // A token grant names its OAuth grant type: `refresh_token` redeemed a refresh
        // token (no credential presented); any other type issued a token afresh.
        if e.class == Class::Token
            && et.contains(".token.grant")
            && let Some(grant) = text(r, "debugContext.debugData.grantType")
        {
            e.action = if grant.eq_ignore_ascii_case("refresh_token") {
                "renew".to_string()
            } else {
                "issue".to_string()
            };
        }
        let target_of = |kinds: &[&str]| {
            targets.iter().copied().find(|t| {
                text(t, "type").is_some_and(|ty| kinds.iter().any(|k| ty.eq_ignore_ascii_case(k)))
            })
        };
        let name_of = |t: &Value| {
            known(text(t, "alternateId"))
                .or_else(|| known(text(t, "displayName")))
                .or_else(|| text(t, "id"))
        };
        let display_of = |t: &Value| known(text(t, "displayName")).or_else(|| name_of(t));
        // A revoke is about the token it revokes, never the caller's API token, which
        // goes on being used (a use after revocation is an alert). Okta names an API
        // token among the targets; an OAuth token revoke names only its server.
        if e.class == Class::Token && e.action == "revoke" {
            e.token_id = targets
                .iter()
                .find(|t| {
                    text(t, "type").is_some_and(|ty| ty.to_ascii_lowercase().contains("token"))
                })
                .and_then(|t| text(t, "id"));
        }
        e.target_user = target_of(&["User"]).and_then(name_of);
        // The object acted on: an app instance first (SSO, app access), else the first
        // target that is not a user or a user's authenticator.
        let is_subject = |t: &Value| {
            text(t, "type").is_some_and(|ty| {
                ["User", "AppUser", "AuthenticatorEnrollment"]
                    .iter()
                    .any(|k| ty.eq_ignore_ascii_case(k))
            })
        };
        e.resource = target_of(&["AppInstance"])
            .or_else(|| targets.iter().copied().find(|t| !is_subject(t)))
            .and_then(|t| {
                if text(t, "type").is_some_and(|ty| ty == "Token") {
                    display_of(t)
                } else {
                    name_of(t)
                }
            })
            .or_else(|| e.target_user.clone());
        if e.class == Class::RoleChange && et.contains(".privilege.") {
            // `*.privilege.grant` is an admin role by definition; a group there is
            // who receives it (in `resource`), not the role.
            e.target_role = text(r, "debugContext.debugData.privilegeGranted")
                .or_else(|| target_of(&["ROLE", "CUSTOM_ROLE", "Role"]).and_then(display_of))
                .or_else(|| Some("Okta administrator role".to_string()));
        } else if e.class == Class::RoleChange {
            e.target_role = text(r, "debugContext.debugData.privilegeGranted")
                .or_else(|| target_of(&["UserGroup", "Group"]).and_then(display_of))
                .or_else(|| target_of(&["ROLE", "CUSTOM_ROLE", "Role"]).and_then(display_of))
                .or_else(|| target_of(&["AppInstance"]).and_then(display_of))
                .or_else(|| {
                    // Okta Support signing in as an administrator of the org.
                    et.starts_with("user.session.impersonation.")
                        .then(|| "Okta Support admin access".to_string())
                });
        }
        Ok(e)
    }
}

/// The LogEvent inside an Amazon EventBridge event of Okta's log streaming
/// (`source` `aws.partner/okta.com/<org>/<stream>`, the LogEvent in `detail`).
fn streamed_event<'a>(record: &'a Value<'a>) -> Option<&'a Value<'a>> {
    let source = get(record, "source")?.as_str()?;
    if !source.starts_with("aws.partner/okta.com") {
        return None;
    }
    get(record, "detail").filter(|d| d.is_object())
}

/// A value that is present and is not Okta's placeholder `unknown`.
fn known(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.eq_ignore_ascii_case("unknown"))
}

/// The first address of `request.ipChain`, for events without `client.ipAddress`.
fn first_ip_in_chain(r: &Value) -> Option<String> {
    get(r, "request.ipChain")?
        .as_array()?
        .iter()
        .find_map(|hop| text(hop, "ip"))
}

/// Risk signals Okta attached to the event, as short `reason` fragments.
fn risk_signals(r: &Value) -> Vec<String> {
    let mut out = Vec::new();
    // `risk` is rendered as `{level=HIGH, reasons=...}`.
    if let Some(risk) = text(r, "debugContext.debugData.risk") {
        let upper = risk.to_ascii_uppercase();
        for level in ["HIGH", "MEDIUM"] {
            if upper.contains(&format!("LEVEL={level}")) {
                out.push(format!("risk={level}"));
                break;
            }
        }
    }
    // `behaviors` is rendered as `{New Geo-Location=POSITIVE, New Device=NEGATIVE, ...}`.
    if let Some(behaviors) = text(r, "debugContext.debugData.behaviors") {
        let positive: Vec<&str> = behaviors
            .trim_matches(|c| c == '{' || c == '}')
            .split(',')
            .filter_map(|kv| kv.split_once('='))
            .filter(|(_, v)| v.trim().eq_ignore_ascii_case("POSITIVE"))
            .map(|(k, _)| k.trim())
            .collect();
        if !positive.is_empty() {
            out.push(format!("behaviors: {}", positive.join(", ")));
        }
    }
    if boolean(r, "debugContext.debugData.threatSuspected") == Some(true) {
        out.push("threat suspected".to_string());
    }
    if boolean(r, "securityContext.isProxy") == Some(true) {
        out.push("anonymizing proxy".to_string());
    }
    out
}

/// Class and normalized verb of an Okta event type.
///
/// - sessions and authentication: `user.session.start` → login, `user.session.end`
///   → logout, `user.authentication.*` → login (`auth_via_mfa` → mfa, `slo` →
///   logout), `user.mfa.*` → mfa, `policy.evaluate_sign_on` → evaluate,
///   `app.generic.unauth_app_access_attempt` → access (an app refused to a
///   signed-in user: no credential was tried).
/// - factor management: `user.mfa.factor.*` → account mfa_enable, mfa_disable,
///   mfa_reset, mfa_suspend, mfa_update (often an admin acting on a user);
///   `system.mfa.factor.*` (a factor type for the whole org) → api_activity, same verbs.
/// - tokens: `app.oauth2.*` and `*api_token*` / `*token*` events → issue (grant,
///   create, authorize), revoke, renew (refresh), reuse (token reuse detection).
/// - role changes: `group.user_membership.add/remove`, `*.privilege.grant/revoke`,
///   `app(lication).user_membership.add/remove`, `app.oauth2.*consent*`,
///   `user.session.impersonation.grant/revoke`, `iam.*` → assign / unassign / ...
/// - `application.user_membership.show_password` → secret_access / read.
/// - account: `user.lifecycle.*` (create, enable, disable, suspend, delete...),
///   `user.account.*` (lock, unlock, reset_password, change_password, update...).
/// - everything else (policy.*, application.*, system.*, security.*) → api_activity
///   with the verb of its last segment.
pub(crate) fn classify(event_type: &str) -> (Class, String) {
    let e = event_type.to_ascii_lowercase();
    let last = e.rsplit('.').next().unwrap_or_default();
    let s = |x: &str| x.to_string();
    if let Some(rest) = e.strip_prefix("user.session.impersonation.") {
        return match rest {
            "grant" => (Class::RoleChange, s("assign")),
            "revoke" => (Class::RoleChange, s("unassign")),
            "extend" => (Class::RoleChange, s("renew")),
            "initiate" => (Class::Authentication, s("login")),
            "end" => (Class::Authentication, s("logout")),
            other => (Class::Authentication, verb(other)),
        };
    }
    match e.as_str() {
        "user.session.start" | "user.session.access_admin_app" => {
            return (Class::Authentication, s("login"));
        }
        "app.generic.unauth_app_access_attempt" => return (Class::Authentication, s("access")),
        "user.session.end" | "user.session.clear" | "user.session.expire" | "logout" => {
            return (Class::Authentication, s("logout"));
        }
        "user.authentication.auth_via_mfa" => return (Class::Authentication, s("mfa")),
        "policy.evaluate_sign_on" => return (Class::Authentication, s("evaluate")),
        "application.user_membership.show_password" | "app.user_membership.show_password" => {
            return (Class::SecretAccess, s("read"));
        }
        _ => {}
    }
    if e.starts_with("user.authentication.") {
        let action = if e.contains("slo") { "logout" } else { "login" };
        return (Class::Authentication, s(action));
    }
    // A factor type switched on or off for the whole org (`system.mfa.factor.*`):
    // the same verbs, but no account is changed.
    let org_factor = e.strip_prefix("system.mfa.factor.");
    if let Some(change) = e.strip_prefix("user.mfa.factor.").or(org_factor) {
        let action = match change {
            "activate" | "enroll" => "mfa_enable",
            "deactivate" => "mfa_disable",
            "reset_all" | "reset" => "mfa_reset",
            "suspend" => "mfa_suspend",
            "unsuspend" => "mfa_enable",
            _ => "mfa_update",
        };
        let class = if org_factor.is_some() {
            Class::ApiActivity
        } else {
            Class::Account
        };
        return (class, s(action));
    }
    if e.starts_with("user.mfa.") {
        return (Class::Authentication, s("mfa"));
    }
    if e.starts_with("user.session.") {
        return (Class::Authentication, verb(last));
    }
    if e.contains("consent") {
        let action = if e.contains("revoke") {
            "unassign"
        } else {
            "assign"
        };
        return (Class::RoleChange, s(action));
    }
    // `user.account.unlock_token` is an account unlock, not a token event.
    if e.starts_with("app.oauth2.") || (e.contains("token") && !e.starts_with("user.account.")) {
        let action = if e.contains("revoke") {
            s("revoke")
        } else if e.contains("reuse") {
            s("reuse")
        } else if e.contains("refresh") {
            s("renew")
        } else if e.contains("grant")
            || e.contains("create")
            || e.contains("issue")
            || e.contains("authorize")
        {
            s("issue")
        } else {
            verb(last)
        };
        return (Class::Token, action);
    }
    if e.starts_with("group.user_membership.")
        || e.starts_with("app.user_membership.")
        || e.starts_with("application.user_membership.")
    {
        return match last {
            "add" => (Class::RoleChange, s("assign")),
            "remove" => (Class::RoleChange, s("unassign")),
            other => (Class::Account, verb(other)),
        };
    }
    if e.contains(".privilege.") {
        let action = if last == "revoke" {
            "unassign"
        } else {
            "assign"
        };
        return (Class::RoleChange, s(action));
    }
    if e.starts_with("iam.") {
        let action = match last {
            "add" if e.contains("binding") || e.contains("member") => s("assign"),
            "delete" | "remove" if e.contains("binding") || e.contains("member") => s("unassign"),
            other => verb(other),
        };
        return (Class::RoleChange, action);
    }
    if let Some(rest) = e.strip_prefix("user.lifecycle.") {
        let action = if rest.starts_with("delete") {
            s("delete")
        } else {
            match rest {
                "activate" | "reactivate" => s("enable"),
                "deactivate" => s("disable"),
                other => verb(other),
            }
        };
        return (Class::Account, action);
    }
    if let Some(rest) = e.strip_prefix("user.account.") {
        let action = match rest {
            "lock" | "lock.limit" => s("lock"),
            "unlock" | "unlock_by_admin" | "unlock_token" => s("unlock"),
            "reset_password" => s("reset_password"),
            "update_password" => s("change_password"),
            "expire_password" => s("expire_password"),
            "report_suspicious_activity_by_enduser" => s("report"),
            other if other.starts_with("update") => s("update"),
            other => verb(other.rsplit('.').next().unwrap_or(other)),
        };
        return (Class::Account, action);
    }
    if e.contains("rate_limit") {
        return (Class::ApiActivity, s("rate_limit"));
    }
    (Class::ApiActivity, verb(last))
}

/// The normalized verb of a last event-type segment (`create`, `deactivate`, ...).
fn verb(last: &str) -> String {
    match last {
        "create" | "add" | "created" => "create",
        "update" | "change" | "modify" | "updated" => "update",
        "delete" | "remove" | "deleted" | "removed" => "delete",
        "activate" | "enable" => "enable",
        "deactivate" | "disable" => "disable",
        "grant" => "assign",
        "revoke" => "revoke",
        "detected" | "detect" => "detect",
        "blocked" | "block" => "block",
        "read" | "show" | "view" | "get" => "read",
        other => other,
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::json::from_serde;
    use crate::normalize::test_support::{corpus_records, fixture, normalize_as};
    use chrono::{TimeZone, Utc};

    fn fixtures() -> Vec<NormalizedEvent> {
        fixture("okta/system_log.jsonl")
            .iter()
            .map(|v| normalize_as("okta", &v.to_string()))
            .collect()
    }

    fn by_uuid(events: &[NormalizedEvent], uuid: &str) -> NormalizedEvent {
        events
            .iter()
            .find(|e| e.source_id.as_deref() == Some(uuid))
            .unwrap_or_else(|| panic!("no fixture event with uuid {uuid}"))
            .clone()
    }

    #[test]
    fn successful_login_with_geography() {
        let e = by_uuid(&fixtures(), "7a1c9b9e-3f7e-11ef-9a51-0b6b1f2c0001");
        assert_eq!(
            e.time,
            Utc.with_ymd_and_hms(2024, 7, 9, 14, 2, 11).unwrap()
                + chrono::Duration::milliseconds(412)
        );
        assert_eq!(e.class, Class::Authentication);
        assert_eq!(e.action, "login");
        assert_eq!(e.operation.as_deref(), Some("user.session.start"));
        assert_eq!(e.outcome, Outcome::Success);
        assert_eq!(e.reason, None);
        assert_eq!(e.user.as_deref(), Some("ada.lovelace@example.com"));
        assert_eq!(e.user_id.as_deref(), Some("00u1ab2cd3EfGh4iJ5k6"));
        assert_eq!(e.user_kind, UserKind::Human);
        assert_eq!(e.session_id.as_deref(), Some("102Xq8bZ3nRTaKrX1n0aLpOQw"));
        assert_eq!(e.src_ip.as_deref(), Some("198.51.100.23"));
        assert_eq!(e.src_country.as_deref(), Some("United States"));
        assert_eq!(e.src_city.as_deref(), Some("Boston"));
        assert_eq!(e.src_lat, Some(42.3601));
        assert_eq!(e.src_lon, Some(-71.0589));
        assert_eq!(e.src_asn, Some(7922));
        assert_eq!(e.src_asn_org.as_deref(), Some("comcast"));
        assert_eq!(e.client, Client::Browser);
        assert_eq!(e.request_id.as_deref(), Some("Zo1vA3b2xHk0Qm3eYt9AAAB1"));
        assert_eq!(e.message.as_deref(), Some("User login to Okta"));
    }

    #[test]
    fn failed_login_from_proxy_is_failure_with_reason() {
        let e = by_uuid(&fixtures(), "7a1c9b9e-3f7e-11ef-9a51-0b6b1f2c0002");
        assert_eq!(e.class, Class::Authentication);
        assert_eq!(e.action, "login");
        assert_eq!(e.outcome, Outcome::Failure);
        assert_eq!(
            e.reason.as_deref(),
            Some(
                "INVALID_CREDENTIALS; risk=HIGH; behaviors: New Geo-Location, New Device; threat suspected; anonymizing proxy"
            )
        );
        assert_eq!(e.user.as_deref(), Some("ada.lovelace@example.com"));
        assert_eq!(e.user_id, None, "Okta's `unknown` id is dropped");
        assert_eq!(e.session_id, None);
        assert_eq!(e.src_ip.as_deref(), Some("203.0.113.77"));
        assert_eq!(e.src_country.as_deref(), Some("Romania"));
        assert_eq!(e.client, Client::Cli);
    }

    #[test]
    fn mfa_verification() {
        let e = by_uuid(&fixtures(), "7a1c9b9e-3f7e-11ef-9a51-0b6b1f2c0003");
        assert_eq!((e.class, e.action.as_str()), (Class::Authentication, "mfa"));
        assert_eq!(e.mfa, Some(true));
        assert_eq!(e.outcome, Outcome::Success);
        let push_denied = by_uuid(&fixtures(), "7a1c9b9e-3f7e-11ef-9a51-0b6b1f2c0004");
        assert_eq!(
            (push_denied.class, push_denied.action.as_str()),
            (Class::Authentication, "mfa")
        );
        assert_eq!(push_denied.outcome, Outcome::Failure);
        assert_eq!(push_denied.mfa, None);
        assert_eq!(
            push_denied.reason.as_deref(),
            Some("User rejected Okta push verify")
        );
    }

    #[test]
    fn a_password_checked_as_a_factor_is_not_mfa() {
        let factor_check = |factor: &str, enrollment: &str| {
            normalize_as(
                "okta",
                &format!(
                    r#"{{"uuid":"{factor}","published":"2026-11-02T10:00:00.000Z","eventType":"user.authentication.auth_via_mfa",
                        "version":"0","severity":"INFO","actor":{{"id":"00u1","type":"User","alternateId":"ada@example.com"}},
                        "outcome":{{"result":"SUCCESS"}},"authenticationContext":{{"authenticationProvider":"FACTOR_PROVIDER"}},
                        "debugContext":{{"debugData":{{"factor":"{factor}","factorIntent":"AUTHENTICATION"}}}},
                        "target":[{{"id":"enr1","type":"AuthenticatorEnrollment","displayName":"{enrollment}"}}]}}"#
                ),
            )
        };
        // Identity Engine: the password step is logged as `auth_via_mfa`, and again
        // as the `user.session.start` it belongs to, which alone is the sign-in.
        let password = factor_check("PASSWORD_AS_FACTOR", "Password");
        assert_eq!(password.mfa, None);
        assert_eq!(password.action, "password");
        assert_eq!(
            factor_check("OKTA_VERIFY_PUSH", "Okta Verify").action,
            "mfa"
        );
        // The same event for a push to Okta Verify is a second factor.
        assert_eq!(
            factor_check("OKTA_VERIFY_PUSH", "Okta Verify").mfa,
            Some(true)
        );
    }

    #[test]
    fn group_membership_is_role_change() {
        let e = by_uuid(&fixtures(), "7a1c9b9e-3f7e-11ef-9a51-0b6b1f2c0005");
        assert_eq!((e.class, e.action.as_str()), (Class::RoleChange, "assign"));
        assert_eq!(e.target_user.as_deref(), Some("grace.hopper@example.com"));
        assert_eq!(e.target_role.as_deref(), Some("QPU Operators"));
        assert_eq!(e.user.as_deref(), Some("admin@example.com"));
        assert_eq!(e.outcome, Outcome::Success);
    }

    #[test]
    fn admin_privilege_grant_names_the_role() {
        let e = by_uuid(&fixtures(), "7a1c9b9e-3f7e-11ef-9a51-0b6b1f2c0006");
        assert_eq!((e.class, e.action.as_str()), (Class::RoleChange, "assign"));
        assert_eq!(e.target_user.as_deref(), Some("grace.hopper@example.com"));
        assert_eq!(e.target_role.as_deref(), Some("Super administrator"));
        assert_eq!(e.token_id.as_deref(), Some("00T9zyx8wv7UT6sr5q4"));
        assert_eq!(e.client, Client::Sdk);
    }

    #[test]
    fn oauth_token_grant_by_service_app() {
        let e = by_uuid(&fixtures(), "7a1c9b9e-3f7e-11ef-9a51-0b6b1f2c0007");
        assert_eq!((e.class, e.action.as_str()), (Class::Token, "issue"));
        assert_eq!(e.user_kind, UserKind::Service);
        assert_eq!(e.user.as_deref(), Some("0oa8q1w2e3R4t5Y6u7i8"));
        assert_eq!(e.outcome, Outcome::Success);
        let revoke = by_uuid(&fixtures(), "7a1c9b9e-3f7e-11ef-9a51-0b6b1f2c0008");
        assert_eq!(
            (revoke.class, revoke.action.as_str()),
            (Class::Token, "revoke")
        );
        assert_eq!(revoke.token_id, None);
        let api_token = normalize_as(
            "okta",
            r#"{"uuid":"t1","published":"2026-11-02T10:00:00.000Z","eventType":"system.api_token.revoke","version":"0",
                "actor":{"id":"00u1","type":"User","alternateId":"admin@example.com"},"outcome":{"result":"SUCCESS"},
                "transaction":{"type":"WEB","id":"tx1","detail":{"requestApiTokenId":"00Tcaller"}},
                "target":[{"id":"00Tleaked","type":"Token","alternateId":"unknown","displayName":"ci-token"}]}"#,
        );
        assert_eq!(
            (api_token.class, api_token.action.as_str()),
            (Class::Token, "revoke")
        );
        assert_eq!(api_token.token_id.as_deref(), Some("00Tleaked"));
    }

    #[test]
    fn a_redeemed_refresh_token_is_a_renewal_and_other_grants_issue() {
        let grant = |event_type: &str, grant_type: &str| {
            normalize_as(
                "okta",
                &format!(
                    r#"{{"uuid":"{event_type}/{grant_type}","published":"2026-11-03T10:05:00.000Z","eventType":"{event_type}",
                        "version":"0","actor":{{"id":"0oa1webapp","type":"PublicClientApp","alternateId":"unknown","displayName":"Quantum Portal"}},
                        "outcome":{{"result":"SUCCESS","reason":null}},
                        "debugContext":{{"debugData":{{"grantType":"{grant_type}","requestId":"rq1"}}}}}}"#
                ),
            )
        };
        let refreshed = grant("app.oauth2.as.token.grant.access_token", "refresh_token");
        assert_eq!(
            (refreshed.class, refreshed.action.as_str()),
            (Class::Token, "renew")
        );
        assert_eq!(refreshed.user.as_deref(), Some("Quantum Portal"));
        assert_eq!(refreshed.user_kind, UserKind::Service);
        // A refresh token handed out at a code exchange is a new credential.
        let issued = grant(
            "app.oauth2.as.token.grant.refresh_token",
            "authorization_code",
        );
        assert_eq!(
            (issued.class, issued.action.as_str()),
            (Class::Token, "issue")
        );
        let rotated = grant("app.oauth2.as.token.grant.refresh_token", "refresh_token");
        assert_eq!(rotated.action, "renew");
        let machine = grant(
            "app.oauth2.as.token.grant.access_token",
            "client_credentials",
        );
        assert_eq!(machine.action, "issue");
    }

    #[test]
    fn okta_itself_is_a_service_whatever_its_actor_type() {
        let e = normalize_as(
            "okta",
            r#"{"uuid":"sys-1","published":"2026-11-06T10:00:00.000Z","eventType":"user.account.reset_password",
                "version":"0","displayMessage":"Fired when the user's Okta password is reset",
                "actor":{"id":"0oa1sys","type":"User","alternateId":"system@okta.com","displayName":"system@okta.com"},
                "outcome":{"result":"SUCCESS"},
                "target":[{"id":"00u1","type":"User","alternateId":"ada@acme.example","displayName":"Ada"}]}"#,
        );
        assert_eq!(e.user.as_deref(), Some("system@okta.com"));
        assert_eq!(e.user_kind, UserKind::Service);
        assert_eq!(e.client, Client::Service);
        assert_eq!(e.target_user.as_deref(), Some("ada@acme.example"));
    }

    #[test]
    fn an_event_streamed_through_eventbridge_is_read_from_detail() {
        let e = normalize_as(
            "okta",
            r#"{"version":"0","id":"4f1a2b3c-1111-2222-3333-444455556666","detail-type":"SystemLog",
                "source":"aws.partner/okta.com/acme/qtrail-stream","account":"123456789012",
                "time":"2026-11-03T09:15:02Z","region":"us-east-1","resources":[],
                "detail":{"uuid":"eb-0001","published":"2026-11-03T09:15:01.234Z","eventType":"user.session.start",
                    "version":"0","displayMessage":"User login to Okta",
                    "actor":{"id":"00u1eb","type":"User","alternateId":"eve@acme.example","displayName":"Eve"},
                    "client":{"ipAddress":"198.51.100.40"},"authenticationContext":{"externalSessionId":"102ebSESSION"},
                    "outcome":{"result":"FAILURE","reason":"INVALID_CREDENTIALS"},
                    "transaction":{"type":"WEB","id":"ebTX1"}}}"#,
        );
        assert_eq!(e.source_id.as_deref(), Some("eb-0001"));
        assert_eq!(
            e.time,
            Utc.with_ymd_and_hms(2026, 11, 3, 9, 15, 1).unwrap()
                + chrono::Duration::milliseconds(234)
        );
        assert_eq!(
            (e.class, e.action.as_str()),
            (Class::Authentication, "login")
        );
        assert_eq!(e.outcome, Outcome::Failure);
        assert_eq!(e.reason.as_deref(), Some("INVALID_CREDENTIALS"));
        assert_eq!(e.user.as_deref(), Some("eve@acme.example"));
        assert_eq!(e.user_kind, UserKind::Human);
        assert_eq!(e.src_ip.as_deref(), Some("198.51.100.40"));
        assert_eq!(e.session_id.as_deref(), Some("102ebSESSION"));
        assert_eq!(e.request_id.as_deref(), Some("ebTX1"));
        // Another partner's EventBridge event is not Okta's.
        let other = r#"{"version":"0","id":"x","detail-type":"SystemLog","source":"aws.partner/example.com/s",
            "time":"2026-11-03T09:15:02Z","detail":{"eventType":"user.session.start"}}"#;
        assert!(!Okta.detect(&from_serde(
            serde_json::from_str::<serde_json::Value>(other).expect("json")
        )));
    }

    #[test]
    fn account_lock_and_password_reset() {
        let lock = by_uuid(&fixtures(), "7a1c9b9e-3f7e-11ef-9a51-0b6b1f2c0009");
        assert_eq!((lock.class, lock.action.as_str()), (Class::Account, "lock"));
        assert_eq!(lock.outcome, Outcome::Failure);
        assert_eq!(lock.reason.as_deref(), Some("LOCKED_OUT"));
        let reset = by_uuid(&fixtures(), "7a1c9b9e-3f7e-11ef-9a51-0b6b1f2c0010");
        assert_eq!(
            (reset.class, reset.action.as_str()),
            (Class::Account, "reset_password")
        );
        assert_eq!(
            reset.target_user.as_deref(),
            Some("grace.hopper@example.com")
        );
    }

    #[test]
    fn policy_challenge_is_unknown_and_system_principal_is_service() {
        let challenge = by_uuid(&fixtures(), "7a1c9b9e-3f7e-11ef-9a51-0b6b1f2c0011");
        assert_eq!(
            (challenge.class, challenge.action.as_str()),
            (Class::Authentication, "evaluate")
        );
        assert_eq!(challenge.outcome, Outcome::Unknown);
        assert_eq!(
            challenge.reason.as_deref(),
            Some("Sign-on policy evaluation resulted in CHALLENGE")
        );
        let system = by_uuid(&fixtures(), "7a1c9b9e-3f7e-11ef-9a51-0b6b1f2c0012");
        assert_eq!(
            (system.class, system.action.as_str()),
            (Class::ApiActivity, "update")
        );
        assert_eq!(system.user_kind, UserKind::Service);
        assert_eq!(system.client, Client::Service);
        assert_eq!(system.user.as_deref(), Some("system@okta.com"));
        assert_eq!(
            system.resource.as_deref(),
            Some("Quantum portal sign-on policy")
        );
    }

    #[test]
    fn lower_cased_keys_and_space_separated_time() {
        let json = r#"{"uuid":"u-1","published":"2022-03-22 14:21:53.225","eventtype":"user.session.start",
            "displaymessage":"User login to Okta","actor":{"alternateId":"homer@example.com","type":"User"},
            "outcome":{"result":"FAILURE","reason":"VERIFICATION_ERROR"},"authenticationcontext":{"externalSessionId":"s-1"},
            "client":{"ipAddress":"192.0.2.9"}}"#;
        let e = normalize_as("okta", json);
        assert_eq!(
            e.time,
            Utc.with_ymd_and_hms(2022, 3, 22, 14, 21, 53).unwrap()
                + chrono::Duration::milliseconds(225)
        );
        assert_eq!(e.message.as_deref(), Some("User login to Okta"));
        assert_eq!(e.session_id.as_deref(), Some("s-1"));
        assert_eq!(e.outcome, Outcome::Failure);
    }

    #[test]
    fn a_rejected_push_is_a_refused_factor_not_a_verified_one() {
        let json = r#"{"uuid":"p-1","published":"2026-11-10T03:00:00Z","eventType":"user.mfa.okta_verify.deny_push",
            "displayMessage":"User rejected Okta push verify","actor":{"alternateId":"alice@qlab.example","type":"User"},
            "outcome":{"result":"SUCCESS","reason":null},"authenticationContext":{"externalSessionId":"s-9"},
            "client":{"ipAddress":"198.51.100.77"}}"#;
        let e = normalize_as("okta", json);
        assert_eq!(e.outcome, Outcome::Failure);
        assert_eq!(e.mfa, None);
        assert_eq!(
            e.reason.as_deref(),
            Some("user rejected the Okta Verify push")
        );
    }

    #[test]
    fn ip_address_actor_is_a_source_not_a_user() {
        let json = r#"{"uuid":"t-1","published":"2024-07-12T01:00:00Z","eventType":"security.threat.detected",
            "actor":{"id":"192.0.2.200","type":"IP address","alternateId":"192.0.2.200","displayName":null},
            "client":{"ipAddress":null},"outcome":{"result":"DENY","reason":"Password Spray"},
            "debugContext":{"debugData":{"threatSuspected":"true"}}}"#;
        let e = normalize_as("okta", json);
        assert_eq!((e.class, e.action.as_str()), (Class::ApiActivity, "detect"));
        assert_eq!(e.user, None);
        assert_eq!(e.user_kind, UserKind::Unknown);
        assert_eq!(e.src_ip.as_deref(), Some("192.0.2.200"));
        assert_eq!(e.outcome, Outcome::Failure);
        assert_eq!(
            e.reason.as_deref(),
            Some("Password Spray; threat suspected")
        );

        // ThreatInsight may write "unknown" as the name and the address as the id.
        let unknown = json.replace(
            r#""alternateId":"192.0.2.200""#,
            r#""alternateId":"unknown""#,
        );
        assert_eq!(
            normalize_as("okta", &unknown).src_ip.as_deref(),
            Some("192.0.2.200")
        );
    }

    #[test]
    fn a_group_given_an_admin_privilege_is_not_the_role() {
        let e = normalize_as(
            "okta",
            r#"{"uuid":"g-1","published":"2026-11-02T10:00:00Z","eventType":"group.privilege.grant",
                "actor":{"id":"00u1","type":"User","alternateId":"admin@example.com"},
                "outcome":{"result":"SUCCESS"},
                "target":[{"id":"00g1","type":"UserGroup","displayName":"Helpdesk"}]}"#,
        );
        assert_eq!((e.class, e.action.as_str()), (Class::RoleChange, "assign"));
        assert_eq!(e.target_role.as_deref(), Some("Okta administrator role"));
        assert_eq!(e.resource.as_deref(), Some("Helpdesk"));
    }

    #[test]
    fn detection() {
        let okta = Okta;
        let yes = |s: &str| {
            okta.detect(&from_serde(
                serde_json::from_str::<serde_json::Value>(s).expect("json"),
            ))
        };
        assert!(yes(
            r#"{"eventType":"user.session.start","published":"2024-01-01T00:00:00Z"}"#
        ));
        assert!(yes(
            r#"{"eventtype":"user.session.start","actor":{"type":"User"},"uuid":"x"}"#
        ));
        assert!(!yes(
            r#"{"eventType":"AwsApiCall","eventName":"GetSecretValue","eventSource":"secretsmanager.amazonaws.com","eventTime":"2024-01-01T00:00:00Z"}"#
        ));
        assert!(!yes(
            r#"{"eventType":"com.okta.event_hook","data":{"events":[]}}"#
        ));
        assert!(!yes(
            r#"{"time":"2024-01-01T00:00:00Z","category":"SignInLogs","properties":{}}"#
        ));
        assert!(!yes(
            r#"{"type":"request","time":"2024-01-01T00:00:00Z","request":{"id":"1"}}"#
        ));
        assert!(!yes(r#"["not","an","object"]"#));
    }

    #[test]
    fn missing_or_bad_time_is_an_error_naming_the_field() {
        let missing = Okta
            .normalize(&from_serde(serde_json::json!({"eventType":"user.session.start","actor":{"type":"User"},"uuid":"1"})))
            .expect_err("no time");
        assert!(missing.to_string().contains("`published`"), "{missing}");
        let bad = Okta
            .normalize(&from_serde(
                serde_json::json!({"eventType":"user.session.start","published":"redacted"}),
            ))
            .expect_err("bad time");
        assert!(
            bad.to_string().contains("`published`") && bad.to_string().contains("redacted"),
            "{bad}"
        );
        let no_type = Okta
            .normalize(&from_serde(
                serde_json::json!({"published":"2024-01-01T00:00:00Z"}),
            ))
            .expect_err("no event type");
        assert!(no_type.to_string().contains("`eventType`"), "{no_type}");
    }

    #[test]
    fn classification_table() {
        let cases = [
            ("user.session.end", Class::Authentication, "logout"),
            ("user.authentication.sso", Class::Authentication, "login"),
            ("user.account.unlock_token", Class::Account, "unlock"),
            (
                "user.authentication.auth_via_IDP",
                Class::Authentication,
                "login",
            ),
            ("user.mfa.factor.deactivate", Class::Account, "mfa_disable"),
            ("user.mfa.factor.reset_all", Class::Account, "mfa_reset"),
            (
                "system.mfa.factor.deactivate",
                Class::ApiActivity,
                "mfa_disable",
            ),
            (
                "user.mfa.okta_verify.deny_push",
                Class::Authentication,
                "mfa",
            ),
            (
                "app.generic.unauth_app_access_attempt",
                Class::Authentication,
                "access",
            ),
            (
                "app.oauth2.as.token.grant.access_token",
                Class::Token,
                "issue",
            ),
            (
                "app.oauth2.as.token.grant.refresh_token",
                Class::Token,
                "renew",
            ),
            ("app.oauth2.token.revoke", Class::Token, "revoke"),
            ("system.api_token.create", Class::Token, "issue"),
            ("app.oauth2.token.detect_reuse", Class::Token, "reuse"),
            (
                "group.user_membership.remove",
                Class::RoleChange,
                "unassign",
            ),
            (
                "user.account.privilege.revoke",
                Class::RoleChange,
                "unassign",
            ),
            (
                "application.user_membership.add",
                Class::RoleChange,
                "assign",
            ),
            ("iam.resourceset.bindings.add", Class::RoleChange, "assign"),
            ("iam.role.create", Class::RoleChange, "create"),
            (
                "user.session.impersonation.grant",
                Class::RoleChange,
                "assign",
            ),
            (
                "user.session.impersonation.initiate",
                Class::Authentication,
                "login",
            ),
            ("user.lifecycle.create", Class::Account, "create"),
            ("user.lifecycle.deactivate", Class::Account, "disable"),
            ("user.lifecycle.delete.initiated", Class::Account, "delete"),
            ("user.account.unlock_by_admin", Class::Account, "unlock"),
            (
                "user.account.update_password",
                Class::Account,
                "change_password",
            ),
            ("policy.lifecycle.update", Class::ApiActivity, "update"),
            ("application.lifecycle.create", Class::ApiActivity, "create"),
            (
                "system.org.rate_limit.warning",
                Class::ApiActivity,
                "rate_limit",
            ),
            ("security.threat.detected", Class::ApiActivity, "detect"),
        ];
        for (et, class, action) in cases {
            assert_eq!(classify(et), (class, action.to_string()), "{et}");
        }
    }

    #[test]
    fn corpus() {
        let files = [
            "okta/panther-labs__panther-analysis/rules/EXTRACTED_tests__Okta.SystemLog.jsonl",
            "okta/panther-labs__panther-analysis/test_scenarios/compromised-root-creds/attacker_okta.EXTRACTED_Logs.jsonl",
            "okta/panther-labs__panther-analysis/test_scenarios/compromised-root-creds/victim_okta.EXTRACTED_Logs.jsonl",
        ];
        let mut all = Vec::new();
        for f in files {
            let Some(records) = corpus_records(f) else {
                return;
            };
            all.extend(records);
        }
        let (mut ok, mut errs) = (Vec::new(), Vec::new());
        for r in &all {
            let v = from_serde(r.clone());
            let found = crate::normalize::detect(&v).map(|f| f.name());
            assert_eq!(found, Some("okta"), "not detected as okta: {r}");
            match Okta.normalize(&v) {
                Ok(e) => ok.push(e),
                Err(err) => {
                    let msg = err.to_string();
                    assert!(
                        msg.contains("eventType") || msg.contains("published"),
                        "unclear error: {msg}"
                    );
                    errs.push(msg);
                }
            }
        }
        eprintln!(
            "okta corpus: {} records, {} normalized, {} errors: {errs:?}",
            all.len(),
            ok.len(),
            errs.len()
        );
        assert_eq!(all.len(), 91);
        // 15 Panther test events carry no usable time (absent or "redacted") or no eventType.
        assert_eq!(ok.len(), 76, "normalized count changed");

        // The attacker scenario: failed logins from Romania by a look-alike user.
        let attacker = ok
            .iter()
            .find(|e| e.src_ip.as_deref() == Some("92.55.146.245"))
            .expect("attacker login");
        assert_eq!(attacker.outcome, Outcome::Failure);
        assert_eq!(attacker.user.as_deref(), Some("tracey_stone@acme.io"));
        assert_eq!(attacker.src_country.as_deref(), Some("Romania"));
        assert_eq!(attacker.src_city.as_deref(), Some("Bucharest"));
        assert_eq!(attacker.reason.as_deref(), Some("VERIFICATION_ERROR"));
        assert_eq!(
            (attacker.class, attacker.action.as_str()),
            (Class::Authentication, "login")
        );

        // Admin privilege grant names the granted role and the grantee.
        let grant = ok
            .iter()
            .find(|e| e.operation.as_deref() == Some("user.account.privilege.grant"))
            .expect("privilege grant");
        assert_eq!(grant.class, Class::RoleChange);
        assert_eq!(grant.target_user.as_deref(), Some("alice@acme.io"));
        assert!(
            grant
                .target_role
                .as_deref()
                .is_some_and(|r| r.contains("administrator"))
        );
        assert_eq!(grant.src_ip.as_deref(), Some("136.24.229.58"));

        // PublicClientApp actors are services; lower-cased keys still map.
        let code = ok
            .iter()
            .find(|e| e.operation.as_deref() == Some("app.oauth2.authorize.code"))
            .expect("authorize code");
        assert_eq!(code.user_kind, UserKind::Service);
        assert_eq!((code.class, code.action.as_str()), (Class::Token, "issue"));
        assert_eq!(code.src_asn, Some(701));
        assert_eq!(code.session_id.as_deref(), Some("123456789"));

        // Every failure in the corpus stays a failure.
        assert!(ok.iter().filter(|e| e.outcome == Outcome::Failure).count() >= 15);
    }

    #[test]
    fn corpus_other_formats_are_not_claimed() {
        let others = [
            "entra-id/panther-labs__panther-analysis/rules/EXTRACTED_tests__Azure.Audit.jsonl",
            "azure-keyvault/panther-labs__panther-analysis/rules/EXTRACTED_tests__Azure.MonitorActivity__keyvault_only.jsonl",
            "gcp-audit/panther-labs__panther-analysis/rules/EXTRACTED_tests__GCP.AuditLog.jsonl",
            "aws-cloudtrail/panther-labs__panther-analysis/rules/EXTRACTED_tests__AWS.CloudTrail.jsonl",
            "aws-cloudtrail/DataDog__stratus-red-team/docs/detonation-logs/aws.initial-access.console-login-without-mfa.json",
            "azure-quantum/microsoft__azure-quantum-python/azure-quantum/tests/unit/recordings/EXTRACTED_job_and_session_records.jsonl",
        ];
        for f in others {
            let Some(records) = corpus_records(f) else {
                return;
            };
            for r in &records {
                assert!(
                    !Okta.detect(&from_serde(r.clone())),
                    "okta claimed a record of {f}: {r}"
                );
            }
        }
    }
}
