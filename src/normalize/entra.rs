//! Microsoft Entra ID (Azure AD) sign-in and audit logs, in the three shapes they
//! come in:
//!
//! 1. Azure Monitor diagnostic records (`records[]` from Event Hub / storage):
//!    `time`, `category` (`SignInLogs`, `NonInteractiveUserSignInLogs`,
//!    `ServicePrincipalSignInLogs`, `ManagedIdentitySignInLogs`, `AuditLogs`, ...),
//!    `operationName`, `resultType`, `callerIpAddress`, `resourceId`
//!    (`/tenants/<id>/providers/Microsoft.aadiam`) and the event in `properties`.
//! 2. Microsoft Graph objects: `signIn` (`createdDateTime`, `userPrincipalName`,
//!    `status{errorCode,failureReason}`, `location`, ...) and `directoryAudit`
//!    (`activityDateTime`, `activityDisplayName`, `initiatedBy`, `targetResources`).
//! 3. Sentinel / Log Analytics rows (`TimeGenerated`, `OperationName`, `Type`
//!    `SigninLogs` / `AuditLogs` / `AAD*SignInLogs`, PascalCase columns, nested
//!    objects such as `InitiatedBy`, `TargetResources`, `LocationDetails`, `Status`
//!    often exported as JSON strings).
//!
//! All three are read through one view: the event body (`properties` when present,
//! else the record itself) first, then the record's top level; keys fall back to
//! case-insensitive matches and nested values may be JSON text.
//!
//! Sign-ins (class authentication, action login):
//! - `status.errorCode` (else `resultType`) 0 → success; any other code → failure with
//!   `reason` "code: failureReason". Interrupts that are not a final verdict (MFA
//!   required 50072/50074/50076/50079/50158, and 50058/50097/50125/50140/50199) → outcome
//!   unknown with the reason kept: the sign-in continues in a following record, so
//!   counting them as failures would turn every MFA login into a "failed login".
//! - Service principal and managed identity sign-ins → `user_kind` service.
//! - `mfa`: true when `mfaDetail.authMethod` is set, or `authenticationRequirement` is
//!   `multiFactorAuthentication` and the sign-in succeeded; false for
//!   `singleFactorAuthentication`.
//! - `token_id`: `servicePrincipalCredentialKeyId` (the key id of the credential, not
//!   the secret); `uniqueTokenIdentifier` (one per sign-in) stays in `raw`.
//! - Risk (`riskLevelDuringSignIn` medium/high, `riskState` at risk / compromised,
//!   `riskEventTypes`) is appended to `reason`.
//!
//! Graph activity logs (`MicrosoftGraphActivityLogs`, one HTTP request each): action
//! from the method (GET read, DELETE delete, others write), caller `userId` (human)
//! or `servicePrincipalId` (service), `sessionId` → `session_id` (the sign-ins'
//! session), status ≥ 400 → failure. `signInActivityId` (one per token, about
//! hourly) stays in `raw`, as `uniqueTokenIdentifier` does for sign-ins.
//!
//! Identity Protection records (`UserRiskEvents`, `RiskyUsers`, ...): action detect,
//! the user (or app) at risk as `user`, kind, level and state in `reason`.
//!
//! Audits: see [`classify_audit`]. `result` success → success, failure → failure,
//! timeout and others → unknown.

use std::borrow::Cow;

use chrono::{DateTime, Utc};

use super::fields::{
    arm_segment, client_from_user_agent, float, get, int, parse_time_value, short, text,
};
use super::json::parse_owned;
use super::json::prelude::*;
use super::{Format, NormalizeError};
use crate::event::NormalizedEvent;
use crate::vocab::{Class, Client, Outcome, Source, UserKind};

/// The entra format.
pub struct Entra;

/// Diagnostic-setting categories (and Log Analytics table names) of Entra ID logs.
const CATEGORIES: &[&str] = &[
    "auditlogs",
    "signinlogs",
    "noninteractiveusersigninlogs",
    "serviceprincipalsigninlogs",
    "managedidentitysigninlogs",
    "adfssigninlogs",
    "provisioninglogs",
    "riskyusers",
    "userriskevents",
    "riskyserviceprincipals",
    "serviceprincipalriskevents",
    "microsoftgraphactivitylogs",
    "aadnoninteractiveusersigninlogs",
    "aadserviceprincipalsigninlogs",
    "aadmanagedidentitysigninlogs",
    "aadprovisioninglogs",
    "aadriskyusers",
    "aaduserriskevents",
];

/// Sign-in categories and table names.
const SIGNIN_CATEGORIES: &[&str] = &[
    "signinlogs",
    "noninteractiveusersigninlogs",
    "serviceprincipalsigninlogs",
    "managedidentitysigninlogs",
    "adfssigninlogs",
    "aadnoninteractiveusersigninlogs",
    "aadserviceprincipalsigninlogs",
    "aadmanagedidentitysigninlogs",
];

/// Sign-in error codes that interrupt a sign-in rather than end it: MFA required or
/// being enrolled (50072, 50074, 50076, 50079, 50158), device authentication
/// required (50097), password change / registration interrupt (50125), "keep me
/// signed in" prompt (50140), CMSI interrupt (50199), and a silent sign-in
/// (`prompt=none`) that found no session, so the app must ask the user (50058): no
/// credential was tried in any of them.
const INTERRUPTS: &[i64] = &[
    50058, 50072, 50074, 50076, 50079, 50097, 50125, 50140, 50158, 50199,
];

/// Texts of common sign-in error codes, for records that carry only the code.
const ERROR_TEXTS: &[(i64, &str)] = &[
    (50034, "User account does not exist in the directory"),
    (50053, "Account is locked"),
    (50055, "Password is expired"),
    (50057, "User account is disabled"),
    (
        50072,
        "User needs to enroll for second factor authentication",
    ),
    (50074, "Strong authentication is required"),
    (50076, "Multi-factor authentication required by policy"),
    (
        50079,
        "User needs to enroll for multi-factor authentication",
    ),
    (50126, "Invalid username or password"),
    (50140, "Keep me signed in interrupt"),
    (50058, "Silent sign-in found no signed-in user"),
    (53003, "Access blocked by Conditional Access policies"),
    (700016, "Application not found in the directory"),
    (7000215, "Invalid client secret provided"),
    (7000222, "Client secret keys are expired"),
];

impl Format for Entra {
    fn name(&self) -> &'static str {
        "entra"
    }

    fn detect(&self, record: &Value) -> bool {
        if !record.is_object() {
            return false;
        }
        if text(record, "resourceId").is_some_and(|id| {
            id.to_ascii_lowercase()
                .contains("/providers/microsoft.aadiam")
        }) {
            return true;
        }
        let is_entra_category = |path: &str| {
            text(record, path)
                .is_some_and(|c| CATEGORIES.contains(&c.to_ascii_lowercase().as_str()))
        };
        if is_entra_category("category") || is_entra_category("Type") {
            return true;
        }
        if text(record, "SourceSystem").is_some_and(|s| s.eq_ignore_ascii_case("Azure AD")) {
            return true;
        }
        // Graph directoryAudit.
        if get(record, "activityDateTime").is_some() && get(record, "activityDisplayName").is_some()
        {
            return true;
        }
        // Graph signIn.
        get(record, "createdDateTime").is_some()
            && (get(record, "userPrincipalName").is_some()
                || get(record, "servicePrincipalId").is_some())
            && (get(record, "status").is_some() || get(record, "appDisplayName").is_some())
    }

    fn normalize(&self, record: &Value) -> Result<NormalizedEvent, NormalizeError> {
        let view = View::new(record);
        if view.is_signin() {
            normalize_signin(&view)
        } else if view
            .category()
            .is_some_and(|c| c == "microsoftgraphactivitylogs")
        {
            normalize_graph_activity(&view)
        } else {
            normalize_audit(&view)
        }
    }
}

/// A record seen through its event body first and its top level second.
struct View<'a> {
    top: &'a Value<'a>,
    body: Cow<'a, Value<'a>>,
}

impl<'a> View<'a> {
    fn new(top: &'a Value<'a>) -> Self {
        let body = nested(top, "properties")
            .filter(|b| b.is_object())
            .unwrap_or(Cow::Borrowed(top));
        View { top, body }
    }

    /// The first non-empty text among `paths`, in the body then at the top level.
    fn text(&self, paths: &[&str]) -> Option<String> {
        paths
            .iter()
            .find_map(|p| text(&self.body, p).or_else(|| text(self.top, p)))
    }

    /// A nested object or array, parsed from JSON text if needed.
    fn nested(&self, key: &str) -> Option<Cow<'_, Value<'_>>> {
        nested(&self.body, key).or_else(|| nested(self.top, key))
    }

    /// The directory (tenant) id. In a Log Analytics row `TenantId` is the
    /// workspace, and the directory is `AADTenantId`.
    fn tenant(&self) -> Option<String> {
        if get(self.top, "TimeGenerated").is_some() {
            return self.text(&["AADTenantId", "resourceTenantId"]).or_else(|| {
                let id = text(self.top, "ResourceId")?;
                arm_segment(&id, "tenants").map(str::to_string)
            });
        }
        text(self.top, "tenantId")
            .or_else(|| self.text(&["tenantId", "AADTenantId", "resourceTenantId"]))
    }

    fn category(&self) -> Option<String> {
        text(self.top, "category")
            .filter(|c| CATEGORIES.contains(&c.to_ascii_lowercase().as_str()))
            .or_else(|| text(self.top, "Type"))
            .map(|c| c.to_ascii_lowercase())
    }

    fn is_signin(&self) -> bool {
        if let Some(c) = self.category() {
            if SIGNIN_CATEGORIES.contains(&c.as_str()) {
                return true;
            }
            if c == "auditlogs" {
                return false;
            }
        }
        if self
            .text(&["operationName"])
            .is_some_and(|o| o.eq_ignore_ascii_case("Sign-in activity"))
        {
            return true;
        }
        get(&self.body, "activityDisplayName").is_none()
            && get(&self.body, "createdDateTime").is_some()
            && ["status", "appId", "userPrincipalName"]
                .iter()
                .any(|k| get(&self.body, k).is_some())
    }

    /// The event time: the first of `paths` present (body, then top level) that parses.
    fn time(&self, paths: &[&str]) -> Result<DateTime<Utc>, NormalizeError> {
        let mut bad = None;
        for p in paths {
            for src in [&*self.body, self.top] {
                if let Some(raw) = get(src, p) {
                    if let Some(t) = parse_time_value(raw) {
                        return Ok(t);
                    }
                    bad.get_or_insert_with(|| {
                        format!("field `{p}` is not a timestamp: {}", short(raw))
                    });
                }
            }
        }
        Err(NormalizeError::new(bad.unwrap_or_else(|| {
            format!(
                "required field `time` is missing or empty (also looked for {})",
                paths.join(", ")
            )
        })))
    }

    /// The subscription named by `resourceId`, if any.
    fn subscription(&self) -> Option<String> {
        let id = text(self.top, "resourceId")?;
        arm_segment(&id, "subscriptions").map(str::to_string)
    }
}

/// A nested value at `key`; JSON text holding an object or array is parsed.
fn nested<'a>(v: &'a Value<'a>, key: &str) -> Option<Cow<'a, Value<'a>>> {
    match get(v, key)? {
        Value::String(s) => {
            let t = s.trim();
            if t.starts_with('{') || t.starts_with('[') {
                // Not `.map(Cow::Owned)`: that would fix the Cow at `Value<'static>`;
                // the call lets the parsed value shorten to the record's lifetime.
                match parse_owned(t) {
                    Ok(parsed) => Some(Cow::Owned(parsed)),
                    Err(_) => None,
                }
            } else {
                None
            }
        }
        other => Some(Cow::Borrowed(other)),
    }
}

/// Items of a nested array (possibly JSON text).
fn items<'a>(v: Option<Cow<'_, Value<'a>>>) -> Vec<Value<'a>> {
    match v {
        Some(Cow::Owned(Value::Array(a))) => *a,
        Some(Cow::Borrowed(Value::Array(a))) => a.to_vec(),
        _ => Vec::new(),
    }
}

/// The value of `{key, value}` entries (`additionalDetails`) whose key matches.
fn detail(entries: &[Value], key: &str) -> Option<String> {
    entries
        .iter()
        .find(|e| text(e, "key").is_some_and(|k| k.eq_ignore_ascii_case(key)))
        .and_then(|e| text(e, "value"))
}

fn normalize_signin(v: &View) -> Result<NormalizedEvent, NormalizeError> {
    let time = v.time(&["createdDateTime", "time", "TimeGenerated"])?;
    let mut e = NormalizedEvent::new(Source::Entra, time, Class::Authentication, "login");
    e.operation = Some(
        v.text(&["operationName"])
            .unwrap_or_else(|| "Sign-in activity".to_string()),
    );
    e.source_id = v.text(&["id"]);
    e.request_id = v.text(&["correlationId"]);
    e.tenant = v.tenant();
    e.project = v.subscription();

    // Who.
    let category = v.category().unwrap_or_default();
    let event_types = items(v.nested("signInEventTypes"));
    let event_type_is = |needle: &str| {
        event_types
            .iter()
            .any(|t| t.as_str().is_some_and(|s| s.eq_ignore_ascii_case(needle)))
    };
    let managed_identity = category.contains("managedidentity") || event_type_is("managedIdentity");
    let upn = v.text(&["userPrincipalName"]);
    let service = managed_identity
        || category.contains("serviceprincipal")
        || event_type_is("servicePrincipal")
        || (upn.is_none() && v.text(&["servicePrincipalId"]).is_some());
    if service {
        e.user_kind = UserKind::Service;
        e.user = v.text(&[
            "servicePrincipalName",
            "appDisplayName",
            "servicePrincipalId",
            "appId",
        ]);
        e.user_id = v.text(&["servicePrincipalId", "appId"]);
    } else {
        e.user = upn.or_else(|| v.text(&["userDisplayName", "identity"]));
        e.user_id = v.text(&["userId"]);
        e.user_kind = if e.user.is_some() {
            UserKind::Human
        } else {
            UserKind::Unknown
        };
    }
    // A client renewing a user's token is logged as a non-interactive sign-in: no
    // credential was presented, and the address may be where the token was first
    // issued (confidential clients). Rules that count tries or places skip `renew`.
    let non_interactive = category.contains("noninteractive")
        || event_type_is("nonInteractiveUser")
        || v.text(&["isInteractive"])
            .is_some_and(|b| b.eq_ignore_ascii_case("false"));
    // Unless a password went with it (ROPC: an app signing in with the user's password).
    let password_presented = v
        .text(&["authenticationProtocol"])
        .is_some_and(|p| p.eq_ignore_ascii_case("ropc"))
        || items(v.nested("authenticationDetails")).iter().any(|d| {
            text(d, "authenticationMethod").is_some_and(|m| m.eq_ignore_ascii_case("password"))
        });
    if non_interactive && !service && !password_presented {
        e.action = "renew".to_string();
    }
    e.session_id = v.text(&["sessionId"]);
    // Not `uniqueTokenIdentifier`: it names the token this one sign-in issued, which
    // no later record of ours carries, and one id per sign-in would crowd the real
    // credentials out of the rules' per-token state.
    e.token_id = v.text(&["servicePrincipalCredentialKeyId"]);

    // From where.
    e.src_ip = v.text(&["ipAddress", "callerIpAddress"]);
    let location = v
        .nested("location")
        .filter(|l| l.is_object())
        .or_else(|| v.nested("LocationDetails"));
    if let Some(loc) = location.as_deref() {
        e.src_country = text(loc, "countryOrRegion");
        e.src_city = text(loc, "city");
        e.src_lat = float(loc, "geoCoordinates.latitude");
        e.src_lon = float(loc, "geoCoordinates.longitude");
        // An address Entra could not place comes as 0,0 with no city or country:
        // kept, it would put the sign-in off the coast of Africa.
        if e.src_lat == Some(0.0) && e.src_lon == Some(0.0) {
            e.src_lat = None;
            e.src_lon = None;
        }
    }
    if e.src_country.is_none() {
        // The diagnostic record's own `location` is the sign-in's country code.
        e.src_country = text(v.top, "location").or_else(|| text(v.top, "Location"));
    }
    e.src_asn = v
        .text(&["autonomousSystemNumber"])
        .and_then(|s| s.parse::<u32>().ok());
    e.user_agent = v.text(&["userAgent"]);
    e.client = e
        .user_agent
        .as_deref()
        .map_or(Client::Unknown, client_from_user_agent);
    let app = v
        .text(&["appDisplayName"])
        .unwrap_or_default()
        .to_ascii_lowercase();
    if app.contains("azure portal") {
        e.client = Client::Console;
    } else if app.contains("azure cli") || app.contains("azure powershell") {
        e.client = Client::Cli;
    } else if e.client == Client::Unknown {
        if managed_identity {
            e.client = Client::Service;
        } else if v
            .text(&["clientAppUsed"])
            .is_some_and(|c| c.eq_ignore_ascii_case("Browser"))
        {
            e.client = Client::Browser;
        }
    }

    // On what: the resource (API) the token is for, and the application signed in to.
    e.service = v.text(&["resourceDisplayName"]);
    e.resource = v.text(&["appDisplayName", "appId"]);

    // Outcome.
    let status = v.nested("status");
    let code = status
        .as_deref()
        .and_then(|s| int(s, "errorCode"))
        .or_else(|| v.text(&["resultType"]).and_then(|t| t.parse::<i64>().ok()));
    let result_text = v
        .text(&["resultType", "resultSignature"])
        .unwrap_or_default()
        .to_ascii_lowercase();
    let failure_text = status
        .as_deref()
        .and_then(|s| text(s, "failureReason"))
        .or_else(|| v.text(&["resultDescription"]))
        .filter(|t| !t.eq_ignore_ascii_case("other.") && !t.eq_ignore_ascii_case("none"));
    let mut reasons = Vec::new();
    e.outcome = match code {
        Some(0) => Outcome::Success,
        Some(c) => {
            let words = failure_text.clone().or_else(|| {
                ERROR_TEXTS
                    .iter()
                    .find(|(k, _)| *k == c)
                    .map(|(_, t)| t.to_string())
            });
            reasons.push(match words {
                Some(w) => format!("{c}: {w}"),
                None => c.to_string(),
            });
            if INTERRUPTS.contains(&c) {
                Outcome::Unknown
            } else {
                Outcome::Failure
            }
        }
        None if result_text == "success" => Outcome::Success,
        None if result_text.starts_with("fail") => {
            reasons.extend(failure_text.clone());
            Outcome::Failure
        }
        None => Outcome::Unknown,
    };
    // How the sign-in failed beyond its code: for 500121 whether the user declined
    // the prompt, let it time out or reported fraud, which push-fatigue rules read.
    if e.outcome != Outcome::Success {
        let detail = status
            .as_deref()
            .and_then(|s| text(s, "additionalDetails"))
            .or_else(|| v.nested("mfaDetail").and_then(|m| text(&m, "authDetail")));
        if let Some(d) = detail.filter(|d| !reasons.iter().any(|r| r.contains(d.as_str()))) {
            reasons.push(d);
        }
    }
    // The Conditional Access policies that refused it (53003 names none of them).
    if e.outcome != Outcome::Success {
        let blocking: Vec<String> = items(
            v.nested("appliedConditionalAccessPolicies")
                .or_else(|| v.nested("ConditionalAccessPolicies")),
        )
        .iter()
        .filter(|p| text(p, "result").is_some_and(|r| r.eq_ignore_ascii_case("failure")))
        .filter_map(|p| text(p, "displayName"))
        .collect();
        if !blocking.is_empty() {
            reasons.push(format!("conditional access: {}", blocking.join(", ")));
        }
    }
    e.message = failure_text.filter(|_| e.outcome != Outcome::Success);

    // MFA: a method was used, or MFA was required and the sign-in went through.
    // "Single factor" is not "no MFA" when an earlier MFA travels in the token
    // ("MFA requirement satisfied by claim in the token").
    let mfa_method = v.nested("mfaDetail").and_then(|m| text(&m, "authMethod"));
    let mfa_by_claim = || {
        let said = |t: &str| t.to_ascii_lowercase().contains("mfa requirement satisfied");
        status
            .as_deref()
            .and_then(|s| text(s, "additionalDetails"))
            .is_some_and(|t| said(&t))
            || items(v.nested("authenticationDetails"))
                .iter()
                .any(|d| text(d, "authenticationStepResultDetail").is_some_and(|t| said(&t)))
    };
    e.mfa = match v.text(&["authenticationRequirement"]).as_deref() {
        // A method that was tried and refused (500121) is no MFA done.
        _ if mfa_method.is_some() => (e.outcome == Outcome::Success).then_some(true),
        Some(r) if r.eq_ignore_ascii_case("multiFactorAuthentication") => {
            (e.outcome == Outcome::Success).then_some(true)
        }
        Some(r) if r.eq_ignore_ascii_case("singleFactorAuthentication") => Some(mfa_by_claim()),
        _ => None,
    };
    let risk = signin_risk(v);
    // Identity Protection's anonymizedIPAddress detection: a Tor exit or anonymous VPN.
    if risk.iter().any(|r| r.contains("anonymizedIPAddress")) {
        e.src_anonymous = Some(true);
    }
    reasons.extend(risk);
    if !reasons.is_empty() {
        e.reason = Some(reasons.join("; "));
    }
    Ok(e)
}

/// Risk Entra ID Protection attached to a sign-in, as `reason` fragments.
fn signin_risk(v: &View) -> Vec<String> {
    let mut out = Vec::new();
    let level = v
        .text(&["riskLevelDuringSignIn"])
        .map(|l| l.to_ascii_lowercase());
    if let Some(level) = level.filter(|l| l == "medium" || l == "high") {
        out.push(format!("risk={level}"));
    }
    let state = v.text(&["riskState"]);
    if let Some(state) = state
        .filter(|s| ["atrisk", "confirmedcompromised"].contains(&s.to_ascii_lowercase().as_str()))
    {
        out.push(format!("riskState={state}"));
    }
    let events: Vec<String> = items(
        v.nested("riskEventTypes_v2")
            .or_else(|| v.nested("riskEventTypes")),
    )
    .iter()
    .filter_map(|t| t.as_str().map(str::to_string))
    .filter(|t| !t.is_empty() && t != "none")
    .collect();
    if !events.is_empty() {
        out.push(format!("riskEvents: {}", events.join(", ")));
    }
    out
}

/// A Microsoft Graph activity log record: one HTTP request to Graph, by a user
/// (delegated token, `userId`) or an app (`servicePrincipalId`).
fn normalize_graph_activity(v: &View) -> Result<NormalizedEvent, NormalizeError> {
    let time = v.time(&["time", "TimeGenerated"])?;
    let method = v
        .text(&["requestMethod"])
        .unwrap_or_default()
        .to_ascii_uppercase();
    let action = match method.as_str() {
        "GET" | "HEAD" => "read",
        "DELETE" => "delete",
        "" => "call",
        _ => "write",
    };
    let mut e = NormalizedEvent::new(Source::Entra, time, Class::ApiActivity, action);
    let uri = v.text(&["requestUri"]);
    e.operation = Some(match uri.as_deref() {
        Some(u) if !method.is_empty() => format!("{method} {}", u.split('?').next().unwrap_or(u)),
        _ => "Microsoft Graph Activity".to_string(),
    });
    e.resource = uri;
    e.service = Some("Microsoft Graph".to_string());
    e.request_id = v.text(&["requestId", "correlationId"]);
    e.source_id = e.request_id.clone();
    e.tenant = v.tenant();
    // A delegated token names its user; an app-only token only the app.
    if let Some(user) = v.text(&["userId"]) {
        e.user_kind = UserKind::Human;
        e.user = Some(user.clone());
        e.user_id = Some(user);
    } else if let Some(sp) = v.text(&["servicePrincipalId", "appId"]) {
        e.user_kind = UserKind::Service;
        e.user = Some(sp.clone());
        e.user_id = Some(sp);
    }
    // Not signInActivityId as token_id: one per access token would crowd the real
    // credentials out of the per-token rules and reviews (as for sign-ins).
    e.session_id = v.text(&["sessionId", "SessionId"]);
    e.src_ip = v.text(&["ipAddress", "callerIpAddress"]);
    e.user_agent = v.text(&["userAgent"]);
    e.client = e
        .user_agent
        .as_deref()
        .map_or(Client::Unknown, client_from_user_agent);
    let status = v
        .text(&["responseStatusCode", "resultSignature"])
        .and_then(|s| s.parse::<u16>().ok());
    e.outcome = match status {
        Some(s) if s < 400 => Outcome::Success,
        Some(_) => Outcome::Failure,
        None => Outcome::Unknown,
    };
    e.reason = status.filter(|s| *s >= 400).map(|s| format!("HTTP {s}"));
    Ok(e)
}

fn normalize_audit(v: &View) -> Result<NormalizedEvent, NormalizeError> {
    let time = v.time(&["activityDateTime", "time", "TimeGenerated"])?;
    let operation = text(v.top, "operationName")
        .or_else(|| v.text(&["activityDisplayName", "operationName"]))
        .ok_or_else(|| NormalizeError::missing("operationName"))?;
    let display = v
        .text(&["activityDisplayName"])
        .unwrap_or_else(|| operation.clone());
    let targets = items(v.nested("targetResources"));
    let additional = items(v.nested("additionalDetails"));
    let operation_type = v.text(&["operationType", "AADOperationType"]);
    let (class, action) = classify_audit(&operation, operation_type.as_deref(), &targets);

    let mut e = NormalizedEvent::new(Source::Entra, time, class, &action);
    e.operation = Some(operation.trim().to_string());
    e.message = Some(display.trim().to_string());
    e.source_id = v.text(&["id"]);
    e.request_id = v.text(&["correlationId"]);
    e.tenant = v.tenant();
    e.project = v.subscription();
    e.service = v.text(&["loggedByService"]);

    // Who: initiatedBy.user or initiatedBy.app.
    let initiated = v.nested("initiatedBy");
    let by_user = initiated
        .as_deref()
        .and_then(|i| get(i, "user"))
        .filter(|u| {
            text(u, "userPrincipalName").is_some()
                || text(u, "id").is_some()
                || text(u, "displayName").is_some()
        });
    let by_app = initiated
        .as_deref()
        .and_then(|i| get(i, "app"))
        .filter(|a| {
            text(a, "displayName").is_some()
                || text(a, "servicePrincipalName").is_some()
                || text(a, "appId").is_some()
        });
    if let Some(u) = by_user {
        e.user_kind = UserKind::Human;
        e.user = text(u, "userPrincipalName")
            .or_else(|| text(u, "displayName"))
            .or_else(|| text(u, "id"));
        e.user_id = text(u, "id");
        e.src_ip = text(u, "ipAddress");
        e.roles = get(u, "roles")
            .and_then(|x| x.as_array())
            .map(|roles| {
                roles
                    .iter()
                    .filter_map(|r| {
                        r.as_str()
                            .map(str::to_string)
                            .or_else(|| text(r, "displayName"))
                    })
                    .collect()
            })
            .unwrap_or_default();
    } else if let Some(a) = by_app {
        e.user_kind = UserKind::Service;
        e.user = text(a, "servicePrincipalName")
            .or_else(|| text(a, "displayName"))
            .or_else(|| text(a, "appId"));
        e.user_id = text(a, "servicePrincipalId").or_else(|| text(a, "appId"));
        e.client = Client::Service;
    } else {
        e.user = v.text(&["InitiatingUserOrApp", "identity"]);
    }
    if e.src_ip.is_none() {
        e.src_ip = text(v.top, "callerIpAddress")
            .or_else(|| text(v.top, "ipAddress"))
            .or_else(|| detail(&additional, "ipaddr"));
    }
    e.user_agent = v
        .text(&["userAgent"])
        .or_else(|| detail(&additional, "User-Agent"));
    if let Some(ua) = e.user_agent.as_deref() {
        e.client = client_from_user_agent(ua);
    }

    // Outcome.
    // The diagnostic export also documents a top-level `resultType`.
    let result = v
        .text(&["result", "resultType"])
        .unwrap_or_default()
        .to_ascii_lowercase();
    e.outcome = match result.as_str() {
        // Azure Monitor writes Graph's operationResult as a number: 0 success, 1 failure.
        "success" | "succeeded" | "true" | "0" => Outcome::Success,
        "failure" | "failed" | "false" | "1" => Outcome::Failure,
        _ => Outcome::Unknown,
    };
    e.reason = v.text(&["resultReason"]).or_else(|| match e.outcome {
        Outcome::Success => None,
        _ => v
            .text(&["resultDescription"])
            .or_else(|| (!result.is_empty()).then(|| result.clone())),
    });

    // On what.
    let target_type =
        |t: &Value, ty: &str| text(t, "type").is_some_and(|x| x.eq_ignore_ascii_case(ty));
    let user_target = targets.iter().find(|t| target_type(t, "User"));
    e.target_user = user_target
        .and_then(|t| text(t, "userPrincipalName"))
        .or_else(|| detail(&additional, "invitedUserEmailAddress"))
        .or_else(|| user_target.and_then(|t| text(t, "displayName").or_else(|| text(t, "id"))));
    let first_other = targets.iter().find(|t| {
        !target_type(t, "User") && !target_type(t, "Request") && !target_type(t, "Other")
    });
    e.resource = first_other
        .and_then(|t| text(t, "displayName").or_else(|| text(t, "id")))
        .or_else(|| e.target_user.clone());
    if class == Class::RoleChange {
        let lower = operation.to_ascii_lowercase();
        if lower.contains("elevate") {
            e.target_role = Some("User Access Administrator".to_string());
            if e.target_user.is_none() {
                e.target_user = e.user.clone();
            }
        } else if lower.starts_with("add owner to") || lower.starts_with("remove owner from") {
            // An owner of an app can add credentials to it and act as it.
            e.target_role = Some("Owner".to_string());
        } else {
            e.target_role = role_name(&targets, &additional);
        }
    }
    // Identity Protection (UserRiskEvents, RiskyUsers, ...): a risk found on a user
    // or an app, named in the body, with its kind and level; no one acted.
    if v.category().is_some_and(|c| c.contains("risk")) {
        e.action = "detect".to_string();
        if let Some(upn) = v.text(&["userPrincipalName"]) {
            e.user = Some(upn);
            e.user_id = v.text(&["userId"]);
            e.user_kind = UserKind::Human;
        } else if let Some(sp) = v.text(&["servicePrincipalId"]) {
            e.user = v
                .text(&["servicePrincipalDisplayName"])
                .or_else(|| Some(sp.clone()));
            e.user_id = Some(sp);
            e.user_kind = UserKind::Service;
        }
        e.src_ip = v.text(&["ipAddress"]).or(e.src_ip.take());
        let kind = v.text(&["riskEventType", "riskType"]).or_else(|| {
            v.text(&["riskDetail"])
                .filter(|d| !d.eq_ignore_ascii_case("none"))
        });
        if kind
            .as_deref()
            .is_some_and(|k| k.eq_ignore_ascii_case("anonymizedIPAddress"))
        {
            e.src_anonymous = Some(true);
        }
        let mut risk: Vec<String> = kind.map(|k| format!("risk: {k}")).into_iter().collect();
        risk.extend(v.text(&["riskLevel"]).map(|l| format!("riskLevel={l}")));
        risk.extend(v.text(&["riskState"]).map(|s| format!("riskState={s}")));
        if !risk.is_empty() {
            e.reason = Some(risk.join("; "));
        }
    }
    Ok(e)
}

/// The role, group, app role or permission a role-change audit grants or removes.
fn role_name(targets: &[Value], additional: &[Value]) -> Option<String> {
    const PROPS: &[&str] = &[
        "Role.DisplayName",
        // The permission's own name (`RoleManagement.ReadWrite.Directory`) before its
        // description, which names no privilege a rule could match.
        "AppRole.Value",
        "AppRole.DisplayName",
        "Group.DisplayName",
        "DelegatedPermissionGrant.Scope",
    ];
    for prop in PROPS {
        for t in targets {
            for m in get(t, "modifiedProperties")
                .and_then(|x| x.as_array())
                .into_iter()
                .flatten()
            {
                if text(m, "displayName").is_some_and(|n| n.eq_ignore_ascii_case(prop)) {
                    let value = text(m, "newValue").or_else(|| text(m, "oldValue"));
                    if let Some(v) = value.map(|s| unquote(&s)).filter(|s| !s.is_empty()) {
                        return Some(v);
                    }
                }
            }
        }
    }
    // A consent lists what it granted as text, old grants `=>` new ones:
    // `[] => [[Id: ..., ConsentType: AllPrincipals, Scope:  Mail.Read offline_access, ...]]`.
    for t in targets {
        for m in get(t, "modifiedProperties")
            .and_then(|x| x.as_array())
            .into_iter()
            .flatten()
        {
            if text(m, "displayName")
                .is_some_and(|n| n.eq_ignore_ascii_case("ConsentAction.Permissions"))
                && let Some(scope) = text(m, "newValue").as_deref().and_then(consent_scope)
            {
                return Some(scope);
            }
        }
    }
    let typed = |ty: &str| {
        targets
            .iter()
            .find(|t| text(t, "type").is_some_and(|x| x.eq_ignore_ascii_case(ty)))
            .and_then(|t| text(t, "displayName"))
    };
    typed("Role")
        .or_else(|| detail(additional, "RoleName"))
        .or_else(|| detail(additional, "RoleDefinitionName"))
        .or_else(|| typed("Group"))
}

/// The scopes a consent granted, from its `ConsentAction.Permissions` text.
fn consent_scope(permissions: &str) -> Option<String> {
    let granted = permissions.rsplit("=>").next().unwrap_or(permissions);
    let (_, rest) = granted.split_once("Scope:")?;
    let scope = rest
        .split(',')
        .next()
        .unwrap_or(rest)
        .trim_end_matches(|c: char| c == ']' || c == ';' || c == '"' || c.is_whitespace())
        .trim();
    (!scope.is_empty()).then(|| scope.to_string())
}

/// Strips the JSON quoting Entra puts around modified-property values (`"\"Reader\""`).
fn unquote(s: &str) -> String {
    s.trim()
        .trim_matches(|c| c == '[' || c == ']')
        .trim()
        .trim_matches('"')
        .trim()
        .to_string()
}

/// Class and verb of an audit activity, from its name and `operationType`.
///
/// - role_change: "Add member to role" (also PIM "completed" and eligible variants) → assign,
///   a PIM request and its fate → request, approve, deny, cancel, expire (none
///   of which changes who holds the role),
///   "Remove member from role" → unassign; "Add/Remove app role assignment ..." ;
///   "Add/Remove member to/from group"; "Add/Remove owner ..."; Azure RBAC
///   "Create/Delete role assignment"; "Add delegated permission grant" / "Consent to
///   application" → assign; "User has elevated their access to User Access
///   Administrator" → assign.
/// - token: "Add service principal credentials", "Update application – Certificates
///   and secrets management" → issue (revoke when the key list shrank or the activity
///   removes credentials); "Update StsRefreshTokenValidFrom Timestamp" (sessions
///   revoked) → revoke.
/// - account: "Add user" → create, "Delete user" → delete, "Restore user" → restore,
///   "Update user" → update, "Disable/Enable account", "Reset (user) password" →
///   reset_password, "Change (user) password" → change_password, "Invite ... user"
///   → invite.
/// - authentication / mfa: security info (MFA method) registration and deletion.
/// - everything else → api_activity with the verb of its first word or operationType.
pub(crate) fn classify_audit(
    op: &str,
    operation_type: Option<&str>,
    targets: &[Value],
) -> (Class, String) {
    let o = op.trim().to_ascii_lowercase();
    let s = |x: &str| x.to_string();
    let removes = o.starts_with("remove") || o.starts_with("delete") || o.contains(" from ");
    let grant_or_revoke = |removing: bool| s(if removing { "unassign" } else { "assign" });

    let about_roles = o.contains(" role") || o.contains("pim");
    // PIM logs each request and its fate apart from the change itself: only
    // "completed" (or an activation expiring) changes who holds the role.
    if about_roles {
        let fate = if o.contains("requested") {
            Some("request")
        } else if o.contains("request denied") {
            Some("deny")
        } else if o.contains("canceled") || o.contains("cancelled") {
            Some("cancel")
        } else if o.contains("request expired") {
            Some("expire")
        } else if o.contains("request approved") || o.contains("approved by admin") {
            Some("approve")
        } else {
            None
        };
        if let Some(fate) = fate {
            return (Class::RoleChange, s(fate));
        }
    }
    if o.contains("member to role")
        || o.contains("member from role")
        || o.contains("role assignment")
    {
        return (Class::RoleChange, grant_or_revoke(removes));
    }
    if o.contains("member to group") || o.contains("member from group") {
        return (Class::RoleChange, grant_or_revoke(removes));
    }
    if o.starts_with("add owner to") || o.starts_with("remove owner from") {
        return (Class::RoleChange, grant_or_revoke(removes));
    }
    if o.contains("delegated permission grant") || o.starts_with("consent to application") {
        return (Class::RoleChange, grant_or_revoke(removes));
    }
    if o.contains("elevated their access") || o.contains("elevate access") {
        return (Class::RoleChange, s("assign"));
    }
    if o.contains("stsrefreshtokenvalidfrom") || (o.contains("revoke") && o.contains("session")) {
        return (Class::Token, s("revoke"));
    }
    // A federated credential (workload identity federation) lets an outside issuer's
    // tokens act as the app with no secret at all; Entra logs it as an update.
    if o.starts_with("update application") || o.starts_with("update service principal") {
        let issuers =
            |v: Option<String>| v.map_or(0, |v| v.to_ascii_lowercase().matches("issuer").count());
        let federated = targets.iter().flat_map(|t| {
            get(t, "modifiedProperties")
                .and_then(|x| x.as_array())
                .into_iter()
                .flatten()
                .filter(|m| {
                    text(m, "displayName")
                        .is_some_and(|n| n.eq_ignore_ascii_case("FederatedIdentityCredentials"))
                })
                .map(|m| issuers(text(m, "newValue")).cmp(&issuers(text(m, "oldValue"))))
        });
        if let Some(change) = federated.max() {
            let action = match change {
                std::cmp::Ordering::Greater => "issue",
                std::cmp::Ordering::Less => "revoke",
                std::cmp::Ordering::Equal => "update",
            };
            return (Class::Token, s(action));
        }
    }
    if o.contains("credential") || o.contains("certificates and secrets") {
        let action = if removes || keys_shrank(targets) {
            "revoke"
        } else {
            "issue"
        };
        return (Class::Token, s(action));
    }
    if o.contains("security info") {
        return (Class::Authentication, s("mfa"));
    }
    let account = match o.as_str() {
        "add user" => Some("create"),
        "delete user" | "hard delete user" => Some("delete"),
        "restore user" => Some("restore"),
        "update user" | "change user license" | "set force change user password" => Some("update"),
        "disable account" => Some("disable"),
        "enable account" => Some("enable"),
        _ if o.starts_with("reset password") || o.starts_with("reset user password") => {
            Some("reset_password")
        }
        _ if o.starts_with("change password") || o.starts_with("change user password") => {
            Some("change_password")
        }
        _ if o.starts_with("invite ") => Some("invite"),
        _ => None,
    };
    if let Some(action) = account {
        return (Class::Account, s(action));
    }
    let first = o.split_whitespace().next().unwrap_or_default();
    let action = match first {
        "add" | "added" | "create" | "created" | "register" => s("create"),
        "update" | "updated" | "set" | "change" | "changed" => s("update"),
        "delete" | "deleted" | "remove" | "removed" | "hard" => s("delete"),
        "assign" => s("assign"),
        "unassign" => s("unassign"),
        _ => operation_type.map_or_else(|| s("update"), verb_of_type),
    };
    (Class::ApiActivity, action)
}

/// The verb of a directoryAudit `operationType` (Add, Update, Delete, Assign, ...).
fn verb_of_type(t: &str) -> String {
    match t.to_ascii_lowercase().as_str() {
        "add" | "create" => "create".to_string(),
        "delete" | "remove" => "delete".to_string(),
        other => other.to_string(),
    }
}

/// Whether an application's key list (`KeyDescription`) has fewer keys than before.
fn keys_shrank(targets: &[Value]) -> bool {
    let count = |s: Option<String>| s.map_or(0, |s| s.matches("KeyIdentifier=").count());
    targets.iter().any(|t| {
        get(t, "modifiedProperties")
            .and_then(|x| x.as_array())
            .into_iter()
            .flatten()
            .filter(|m| {
                text(m, "displayName").is_some_and(|n| n.eq_ignore_ascii_case("KeyDescription"))
            })
            .any(|m| count(text(m, "newValue")) < count(text(m, "oldValue")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::json::from_serde;
    use crate::normalize::test_support::{corpus_records, fixture, normalize_as};
    use chrono::TimeZone;

    fn events(file: &str) -> Vec<NormalizedEvent> {
        fixture(file)
            .iter()
            .map(|v| normalize_as("entra", &v.to_string()))
            .collect()
    }

    fn find<'a>(events: &'a [NormalizedEvent], id: &str) -> &'a NormalizedEvent {
        events
            .iter()
            .find(|e| e.source_id.as_deref() == Some(id))
            .unwrap_or_else(|| panic!("no event with id {id}"))
    }

    #[test]
    fn diagnostic_interactive_signin_success_with_mfa() {
        let all = events("entra/signin_diagnostic.jsonl");
        let e = find(&all, "4f1c0a9e-6b1d-4c52-9a77-2d5e8b310001");
        assert_eq!(
            e.time,
            Utc.with_ymd_and_hms(2024, 7, 9, 14, 2, 10).unwrap()
                + chrono::Duration::microseconds(123_456)
        );
        assert_eq!(
            (e.class, e.action.as_str()),
            (Class::Authentication, "login")
        );
        assert_eq!(e.operation.as_deref(), Some("Sign-in activity"));
        assert_eq!(e.outcome, Outcome::Success);
        assert_eq!(e.reason, None);
        assert_eq!(e.user.as_deref(), Some("ada.lovelace@contoso.example"));
        assert_eq!(
            e.user_id.as_deref(),
            Some("9a1b2c3d-0000-4000-8000-00000000a001")
        );
        assert_eq!(e.user_kind, UserKind::Human);
        assert_eq!(e.mfa, Some(true));
        assert_eq!(
            e.session_id.as_deref(),
            Some("5d7e9f10-0000-4000-8000-00000000c001")
        );
        assert_eq!(e.src_ip.as_deref(), Some("198.51.100.23"));
        assert_eq!(e.src_country.as_deref(), Some("US"));
        assert_eq!(e.src_city.as_deref(), Some("Boston"));
        assert_eq!(e.src_lat, Some(42.3601));
        assert_eq!(e.src_lon, Some(-71.0589));
        assert_eq!(e.src_asn, Some(7922));
        assert_eq!(e.client, Client::Console);
        assert_eq!(
            e.tenant.as_deref(),
            Some("72f988bf-0000-4000-8000-0000000000aa")
        );
        assert_eq!(
            e.service.as_deref(),
            Some("Windows Azure Service Management API")
        );
        assert_eq!(e.resource.as_deref(), Some("Azure Portal"));
        assert_eq!(
            e.request_id.as_deref(),
            Some("b0c1d2e3-0000-4000-8000-00000000d001")
        );
    }

    #[test]
    fn diagnostic_signin_failure_and_mfa_interrupt() {
        let all = events("entra/signin_diagnostic.jsonl");
        let bad = find(&all, "4f1c0a9e-6b1d-4c52-9a77-2d5e8b310002");
        assert_eq!(bad.outcome, Outcome::Failure);
        assert_eq!(
            bad.reason.as_deref(),
            Some(
                "50126: Invalid username or password or Invalid on-premise username or password.; risk=high; riskState=atRisk; riskEvents: unfamiliarFeatures"
            )
        );
        assert_eq!(bad.mfa, Some(false));
        assert_eq!(bad.client, Client::Sdk);
        assert_eq!(bad.src_country.as_deref(), Some("RO"));
        let interrupt = find(&all, "4f1c0a9e-6b1d-4c52-9a77-2d5e8b310003");
        assert_eq!(interrupt.outcome, Outcome::Unknown);
        assert_eq!(
            interrupt.reason.as_deref(),
            Some("50074: Strong Authentication is required.")
        );
        assert_eq!(interrupt.mfa, None, "MFA was required, not yet done");
    }

    #[test]
    fn a_silent_sign_in_without_a_session_is_no_failed_login() {
        let silent = r#"{"time":"2026-11-02T10:00:00Z","category":"SignInLogs","operationName":"Sign-in activity","resourceId":"/tenants/t/providers/Microsoft.aadiam","properties":{"id":"s-58","createdDateTime":"2026-11-02T10:00:00Z","userPrincipalName":"ada@contoso.example","ipAddress":"198.51.100.7","isInteractive":true,"status":{"errorCode":50058}}}"#;
        let e = normalize_as("entra", silent);
        assert_eq!(e.outcome, Outcome::Unknown);
        assert_eq!(
            e.reason.as_deref(),
            Some("50058: Silent sign-in found no signed-in user")
        );
    }

    #[test]
    fn a_declined_mfa_prompt_is_named_in_the_reason_and_is_no_mfa_done() {
        let e = normalize_as(
            "entra",
            r#"{"time":"2026-11-04T08:20:00Z","resourceId":"/tenants/t-1/providers/Microsoft.aadiam",
                "operationName":"Sign-in activity","category":"SignInLogs","tenantId":"t-1","resultType":"500121",
                "resultDescription":"Authentication failed during strong authentication request.","callerIpAddress":"192.0.2.78",
                "properties":{"id":"mf-1","createdDateTime":"2026-11-04T08:20:00Z","userPrincipalName":"ada@contoso.example",
                    "appDisplayName":"Office 365 Exchange Online","ipAddress":"192.0.2.78",
                    "status":{"errorCode":500121,"failureReason":"Authentication failed during strong authentication request.",
                        "additionalDetails":"MFA denied; user declined the authentication"},
                    "mfaDetail":{"authMethod":"PhoneAppNotification","authDetail":"MFA denied; user declined the authentication"},
                    "authenticationRequirement":"multiFactorAuthentication","isInteractive":true}}"#,
        );
        assert_eq!(e.outcome, Outcome::Failure);
        assert_eq!(
            e.reason.as_deref(),
            Some(
                "500121: Authentication failed during strong authentication request.; MFA denied; user declined the authentication"
            )
        );
        assert_eq!(e.mfa, None, "the second factor was refused");
        // A Log Analytics row carries the same in its Status column, as JSON text.
        let row = normalize_as(
            "entra",
            r#"{"TimeGenerated":"2026-11-04T08:21:00Z","Type":"SigninLogs","OperationName":"Sign-in activity",
                "ResultType":"500121","UserPrincipalName":"ada@contoso.example","IPAddress":"192.0.2.78","Id":"mf-2",
                "AADTenantId":"t-1","AuthenticationRequirement":"multiFactorAuthentication",
                "Status":"{\"errorCode\":500121,\"failureReason\":\"Authentication failed during strong authentication request.\",\"additionalDetails\":\"MFA denied; Phone App Reported Fraud\"}"}"#,
        );
        assert_eq!(row.outcome, Outcome::Failure);
        assert_eq!(
            row.reason.as_deref(),
            Some(
                "500121: Authentication failed during strong authentication request.; MFA denied; Phone App Reported Fraud"
            )
        );
    }

    #[test]
    fn a_risk_detection_names_the_user_at_risk_and_the_risk() {
        let e = normalize_as(
            "entra",
            r#"{"time":"2026-11-05T11:00:00Z","resourceId":"/tenants/t-1/providers/Microsoft.aadiam",
                "operationName":"User Risk Detection","operationVersion":"1.0","category":"UserRiskEvents","tenantId":"t-1",
                "resultSignature":"None","durationMs":0,"callerIpAddress":"185.220.101.4","correlationId":"corr-r1",
                "identity":"Ada","Level":4,
                "properties":{"id":"rd-1","requestId":"req-r1","correlationId":"corr-r1","riskEventType":"anonymizedIPAddress",
                    "riskState":"atRisk","riskLevel":"medium","riskDetail":"none","source":"IdentityProtection",
                    "detectionTimingType":"realtime","activity":"signin","tokenIssuerType":"AzureAD","ipAddress":"185.220.101.4",
                    "location":{"city":"Berlin","countryOrRegion":"DE"},"activityDateTime":"2026-11-05T10:59:00Z",
                    "detectedDateTime":"2026-11-05T10:59:00Z","userId":"u-ada","userDisplayName":"Ada",
                    "userPrincipalName":"ada@contoso.example"}}"#,
        );
        assert_eq!((e.class, e.action.as_str()), (Class::ApiActivity, "detect"));
        assert_eq!(e.operation.as_deref(), Some("User Risk Detection"));
        assert_eq!(e.user.as_deref(), Some("ada@contoso.example"));
        assert_eq!(e.user_id.as_deref(), Some("u-ada"));
        assert_eq!(e.user_kind, UserKind::Human);
        assert_eq!(e.src_ip.as_deref(), Some("185.220.101.4"));
        assert_eq!(e.src_anonymous, Some(true));
        assert_eq!(
            e.reason.as_deref(),
            Some("risk: anonymizedIPAddress; riskLevel=medium; riskState=atRisk")
        );
        assert_eq!(
            e.time,
            Utc.with_ymd_and_hms(2026, 11, 5, 10, 59, 0).unwrap()
        );
    }

    #[test]
    fn a_consent_names_the_scopes_it_granted() {
        let e = normalize_as(
            "entra",
            r#"{"time":"2026-11-05T09:00:00Z","resourceId":"/tenants/t-1/providers/Microsoft.aadiam",
                "operationName":"Consent to application","category":"AuditLogs","tenantId":"t-1","callerIpAddress":"198.51.100.3",
                "properties":{"id":"Directory_c1","category":"ApplicationManagement","result":"success",
                    "activityDisplayName":"Consent to application","activityDateTime":"2026-11-05T09:00:00Z",
                    "loggedByService":"Core Directory","operationType":"Assign",
                    "initiatedBy":{"user":{"id":"u-ada","userPrincipalName":"ada@contoso.example","ipAddress":"198.51.100.3"}},
                    "targetResources":[{"id":"sp-evil","displayName":"Mail Helper","type":"ServicePrincipal","modifiedProperties":[
                        {"displayName":"ConsentContext.IsAdminConsent","oldValue":null,"newValue":"\"False\""},
                        {"displayName":"ConsentAction.Permissions","oldValue":null,
                         "newValue":"\"[] => [[Id: abc, ClientId: sp-evil, PrincipalId: u-ada, ResourceId: sp-graph, ConsentType: Principal, Scope:  Mail.Read offline_access, CreatedDateTime: , LastModifiedDateTime ]]; \""},
                        {"displayName":"TargetId.ServicePrincipalNames","oldValue":null,"newValue":"\"app-evil\""}]}]}}"#,
        );
        assert_eq!((e.class, e.action.as_str()), (Class::RoleChange, "assign"));
        assert_eq!(e.target_role.as_deref(), Some("Mail.Read offline_access"));
        assert_eq!(e.resource.as_deref(), Some("Mail Helper"));
        assert_eq!(e.user.as_deref(), Some("ada@contoso.example"));
        assert_eq!(
            consent_scope("[] => [[Scope: User.Read]]; "),
            Some("User.Read".to_string())
        );
        assert_eq!(
            consent_scope("[] => [[Id: x, Scope: , CreatedDateTime: ]]"),
            None
        );
    }

    #[test]
    fn graph_activity_names_the_caller_the_request_and_its_status() {
        let app = normalize_as(
            "entra",
            r#"{"time":"2026-11-04T12:00:00.1234567Z","resourceId":"/tenants/t-1/providers/Microsoft.aadiam",
                "operationName":"Microsoft Graph Activity","operationVersion":"beta","category":"MicrosoftGraphActivityLogs",
                "resultSignature":"200","durationMs":"62","callerIpAddress":"203.0.113.8","correlationId":"c-1",
                "level":"Informational","location":"West Europe",
                "properties":{"timeGenerated":"2026-11-04T12:00:00.1234567Z","location":"West Europe","requestId":"r-1",
                    "operationId":"o-1","clientRequestId":"o-1","apiVersion":"v1.0","requestMethod":"GET",
                    "responseStatusCode":200,"tenantId":"t-1","durationMs":62,"responseSizeBytes":1234,
                    "signInActivityId":"uti-1","sessionId":"s-77","roles":"Mail.Read User.Read.All","tokenIssuedAt":"2026-11-04T11:55:00Z",
                    "appId":"app-1","servicePrincipalId":"sp-1","ipAddress":"203.0.113.8","userAgent":"python-requests/2.31.0",
                    "requestUri":"https://graph.microsoft.com/v1.0/users/ada@contoso.example/messages?$top=50",
                    "identityProvider":"https://sts.windows.net/t-1/","clientAuthMethod":1}}"#,
        );
        assert_eq!(
            (app.class, app.action.as_str()),
            (Class::ApiActivity, "read")
        );
        assert_eq!(
            app.operation.as_deref(),
            Some("GET https://graph.microsoft.com/v1.0/users/ada@contoso.example/messages")
        );
        assert_eq!(
            app.resource.as_deref(),
            Some("https://graph.microsoft.com/v1.0/users/ada@contoso.example/messages?$top=50")
        );
        assert_eq!(app.user.as_deref(), Some("sp-1"));
        assert_eq!(app.user_id.as_deref(), Some("sp-1"));
        assert_eq!(app.user_kind, UserKind::Service);
        assert_eq!(app.src_ip.as_deref(), Some("203.0.113.8"));
        // One id per access token is no credential; the session links the sign-in.
        assert_eq!(app.token_id, None);
        assert_eq!(app.session_id.as_deref(), Some("s-77"));
        assert_eq!(app.outcome, Outcome::Success);
        assert_eq!(app.reason, None);
        assert_eq!(app.tenant.as_deref(), Some("t-1"));
        assert_eq!(app.request_id.as_deref(), Some("r-1"));
        assert_eq!(app.client, Client::Sdk);
        // A Log Analytics row: a user's delegated call that was refused.
        let row = normalize_as(
            "entra",
            r#"{"TimeGenerated":"2026-11-04T12:01:00Z","Type":"MicrosoftGraphActivityLogs","AadTenantId":"t-1",
                "TenantId":"ws-1","RequestId":"r-2","RequestMethod":"PATCH",
                "RequestUri":"https://graph.microsoft.com/v1.0/users/u-2","ResponseStatusCode":403,"UserId":"u-1",
                "AppId":"app-2","IPAddress":"198.51.100.9","SignInActivityId":"uti-2"}"#,
        );
        assert_eq!(row.action, "write");
        assert_eq!(row.user.as_deref(), Some("u-1"));
        assert_eq!(row.user_kind, UserKind::Human);
        assert_eq!(row.src_ip.as_deref(), Some("198.51.100.9"));
        assert_eq!(row.outcome, Outcome::Failure);
        assert_eq!(row.reason.as_deref(), Some("HTTP 403"));
        assert_eq!(row.tenant.as_deref(), Some("t-1"));
    }

    #[test]
    fn an_address_entra_could_not_place_has_no_coordinates() {
        let e = normalize_as(
            "entra",
            r#"{"time":"2026-11-04T04:59:49.2279838Z","resourceId":"/tenants/t-1/providers/Microsoft.aadiam",
                "operationName":"Sign-in activity","operationVersion":"1.0","category":"ManagedIdentitySignInLogs",
                "tenantId":"t-1","resultType":"0","resultSignature":"None","durationMs":0,"Level":4,
                "properties":{"id":"mi-1","createdDateTime":"2026-11-04T04:59:49.2279838+00:00","userId":null,
                    "appId":"app-1","ipAddress":"","status":{"errorCode":0},
                    "location":{"city":"","state":"","countryOrRegion":"","geoCoordinates":{"latitude":0.0,"longitude":0.0}},
                    "conditionalAccessStatus":"notApplied","isInteractive":false,
                    "resourceDisplayName":"Windows Azure Service Management API",
                    "servicePrincipalName":"qjob-runner","servicePrincipalId":"sp-1","authenticationProtocol":"none"}}"#,
        );
        assert_eq!(e.user_kind, UserKind::Service);
        assert_eq!(e.user.as_deref(), Some("qjob-runner"));
        assert_eq!(e.outcome, Outcome::Success);
        assert_eq!(
            (e.src_ip.as_deref(), e.src_country.as_deref()),
            (None, None)
        );
        assert_eq!((e.src_lat, e.src_lon), (None, None));
        // A real place keeps its coordinates, even on the equator.
        let placed = normalize_as(
            "entra",
            r#"{"id":"g-1","createdDateTime":"2026-11-04T05:00:00Z","userPrincipalName":"ada@contoso.example",
                "appDisplayName":"Azure Portal","ipAddress":"192.0.2.1","status":{"errorCode":0},
                "location":{"city":"Quito","countryOrRegion":"EC","geoCoordinates":{"latitude":0.0,"longitude":-78.5}}}"#,
        );
        assert_eq!((placed.src_lat, placed.src_lon), (Some(0.0), Some(-78.5)));
    }

    #[test]
    fn a_token_renewal_is_not_a_sign_in_unless_a_password_went_with_it() {
        let renewal = r#"{"time":"2026-11-02T10:00:00Z","category":"NonInteractiveUserSignInLogs","operationName":"Sign-in activity","resourceId":"/tenants/t/providers/Microsoft.aadiam","properties":{"id":"n-1","createdDateTime":"2026-11-02T10:00:00Z","userPrincipalName":"ada@contoso.example","ipAddress":"198.51.100.7","isInteractive":false,"status":{"errorCode":0},"authenticationDetails":[{"authenticationMethod":"Previously satisfied"}]}}"#;
        let e = normalize_as("entra", renewal);
        assert_eq!(
            (e.class, e.action.as_str()),
            (Class::Authentication, "renew")
        );
        assert_eq!(e.user_kind, UserKind::Human);
        // ROPC: an app presenting the user's password is a sign-in, interactive or not.
        let ropc = renewal.replace(
            r#""isInteractive":false"#,
            r#""isInteractive":false,"authenticationProtocol":"ropc""#,
        );
        assert_eq!(normalize_as("entra", &ropc).action, "login");
    }

    #[test]
    fn an_owner_added_to_an_app_is_a_grant_and_azure_monitor_results_are_numbers() {
        let e = normalize_as(
            "entra",
            r#"{"time":"2026-11-02T10:00:00Z","category":"AuditLogs","operationName":"Add owner to application","callerIpAddress":"<null>","resourceId":"/tenants/t/providers/Microsoft.aadiam","properties":{"id":"a-1","activityDisplayName":"Add owner to application","activityDateTime":"2026-11-02T10:00:00Z","result":0,"initiatedBy":{"user":{"userPrincipalName":"mallory@contoso.example"}},"targetResources":[{"type":"User","userPrincipalName":"eve@contoso.example"},{"type":"Application","displayName":"QuantumApp"}]}}"#,
        );
        assert_eq!((e.class, e.action.as_str()), (Class::RoleChange, "assign"));
        assert_eq!(e.target_role.as_deref(), Some("Owner"));
        assert_eq!(e.target_user.as_deref(), Some("eve@contoso.example"));
        assert_eq!(e.outcome, Outcome::Success);
        assert_eq!(e.src_ip, None, "Azure's \"<null>\" is no address");
        // With no `result` in the properties, the export's own `resultType` tells.
        let failed = normalize_as(
            "entra",
            r#"{"time":"2026-11-02T10:00:00Z","category":"AuditLogs","operationName":"Add owner to application","resultType":"Failure","resultDescription":"Insufficient privileges","resourceId":"/tenants/t/providers/Microsoft.aadiam","properties":{"id":"a-2","activityDisplayName":"Add owner to application","activityDateTime":"2026-11-02T10:00:00Z","initiatedBy":{"user":{"userPrincipalName":"mallory@contoso.example"}},"targetResources":[{"type":"User","userPrincipalName":"eve@contoso.example"}]}}"#,
        );
        assert_eq!(failed.outcome, Outcome::Failure);
        assert_eq!(failed.reason.as_deref(), Some("Insufficient privileges"));
    }

    #[test]
    fn service_principal_and_managed_identity_signins_are_services() {
        let all = events("entra/signin_diagnostic.jsonl");
        let sp = find(&all, "4f1c0a9e-6b1d-4c52-9a77-2d5e8b310004");
        assert_eq!(sp.user_kind, UserKind::Service);
        assert_eq!(sp.user.as_deref(), Some("qpu-scheduler"));
        assert_eq!(
            sp.user_id.as_deref(),
            Some("e2f3a4b5-0000-4000-8000-00000000b004")
        );
        assert_eq!(
            sp.token_id.as_deref(),
            Some("c3d4e5f6-0000-4000-8000-00000000e004")
        );
        assert_eq!(sp.outcome, Outcome::Failure);
        assert_eq!(
            sp.reason.as_deref(),
            Some("7000215: Invalid client secret provided")
        );
        let mi = find(&all, "4f1c0a9e-6b1d-4c52-9a77-2d5e8b310005");
        assert_eq!(mi.user_kind, UserKind::Service);
        assert_eq!(mi.client, Client::Service);
        assert_eq!(mi.outcome, Outcome::Success);
        assert_eq!(mi.user.as_deref(), Some("quantum-runner-vm"));
    }

    #[test]
    fn graph_signin_and_directory_audit() {
        let all = events("entra/graph.jsonl");
        let s = find(&all, "66ea54eb-6301-4ee5-be62-ff5a759b0100");
        assert_eq!(
            (s.class, s.action.as_str()),
            (Class::Authentication, "login")
        );
        assert_eq!(s.outcome, Outcome::Failure);
        assert_eq!(
            s.reason.as_deref(),
            Some(
                "53003: Access has been blocked by Conditional Access policies.; conditional access: Block outside allowed countries"
            )
        );
        assert_eq!(s.user.as_deref(), Some("grace.hopper@contoso.example"));
        assert_eq!(s.src_ip.as_deref(), Some("203.0.113.77"));
        assert_eq!(s.src_country.as_deref(), Some("RO"));
        assert_eq!(s.src_city.as_deref(), Some("Bucharest"));
        assert_eq!(s.client, Client::Browser);
        let role = find(
            &all,
            "Directory_8b1e7a6c-0000-4000-8000-000000000201_ABCDE_1",
        );
        assert_eq!(
            (role.class, role.action.as_str()),
            (Class::RoleChange, "assign")
        );
        assert_eq!(role.user.as_deref(), Some("admin@contoso.example"));
        assert_eq!(
            role.target_user.as_deref(),
            Some("grace.hopper@contoso.example")
        );
        assert_eq!(role.target_role.as_deref(), Some("Global Administrator"));
        assert_eq!(role.outcome, Outcome::Success);
        assert_eq!(role.service.as_deref(), Some("Core Directory"));
        assert_eq!(
            role.time,
            Utc.with_ymd_and_hms(2024, 7, 10, 9, 15, 0).unwrap()
        );
        let creds = find(
            &all,
            "Directory_8b1e7a6c-0000-4000-8000-000000000202_FGHIJ_2",
        );
        assert_eq!(
            (creds.class, creds.action.as_str()),
            (Class::Token, "issue")
        );
        assert_eq!(creds.user_kind, UserKind::Service);
        assert_eq!(creds.user.as_deref(), Some("deploy-pipeline"));
        assert_eq!(creds.resource.as_deref(), Some("qpu-scheduler"));
        let reset = find(
            &all,
            "Directory_8b1e7a6c-0000-4000-8000-000000000203_KLMNO_3",
        );
        assert_eq!(
            (reset.class, reset.action.as_str()),
            (Class::Account, "reset_password")
        );
        assert_eq!(reset.outcome, Outcome::Failure);
        assert_eq!(
            reset.reason.as_deref(),
            Some("User is not allowed to reset the password of an administrator")
        );
        assert_eq!(
            reset.target_user.as_deref(),
            Some("grace.hopper@contoso.example")
        );
    }

    #[test]
    fn sentinel_rows_with_json_string_columns() {
        let all = events("entra/sentinel.jsonl");
        let audit = find(
            &all,
            "Directory_11b49e19-0000-4000-8000-000000000301_QRSTU_4",
        );
        assert_eq!(
            (audit.class, audit.action.as_str()),
            (Class::Token, "revoke")
        );
        assert_eq!(audit.user.as_deref(), Some("admin@contoso.example"));
        assert_eq!(audit.client, Client::Cli);
        assert_eq!(audit.resource.as_deref(), Some("QuantumApp"));
        assert_eq!(
            audit.tenant.as_deref(),
            Some("72f988bf-0000-4000-8000-0000000000aa")
        );
        let signin = find(&all, "8d2f4a61-0000-4000-8000-000000000302");
        // `TenantId` in a Log Analytics row is the workspace, not the directory.
        assert_eq!(
            signin.tenant.as_deref(),
            Some("72f988bf-0000-4000-8000-0000000000aa")
        );
        assert_eq!(signin.outcome, Outcome::Success);
        assert_eq!(signin.user.as_deref(), Some("ada.lovelace@contoso.example"));
        assert_eq!(signin.src_country.as_deref(), Some("US"));
        assert_eq!(signin.src_city.as_deref(), Some("Boston"));
        assert_eq!(signin.mfa, Some(true));
        assert_eq!(
            signin.time,
            Utc.with_ymd_and_hms(2024, 7, 11, 8, 0, 0).unwrap()
        );
    }

    #[test]
    fn detection() {
        let yes = |s: &str| {
            Entra.detect(&from_serde(
                serde_json::from_str::<serde_json::Value>(s).expect("json"),
            ))
        };
        assert!(yes(
            r#"{"time":"2024-01-01T00:00:00Z","resourceId":"/tenants/t/providers/Microsoft.aadiam","category":"Policy","properties":{}}"#
        ));
        assert!(yes(
            r#"{"time":"2024-01-01T00:00:00Z","category":"AuditLogs","properties":{}}"#
        ));
        assert!(yes(
            r#"{"TimeGenerated":"2024-01-01T00:00:00Z","Type":"SigninLogs"}"#
        ));
        // Azure Key Vault data-plane and Azure Activity records are not Entra's.
        assert!(!yes(
            r#"{"time":"2024-01-01T00:00:00Z","category":"AuditEvent","operationName":"SecretGet","resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV","identity":{"claim":{}},"properties":{"id":"https://kv.vault.azure.net/secrets/x"}}"#
        ));
        assert!(!yes(
            r#"{"time":"2024-01-01T00:00:00Z","category":"Administrative","operationName":"MICROSOFT.KEYVAULT/VAULTS/WRITE","resourceId":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv","properties":{}}"#
        ));
        assert!(!yes(
            r#"{"time":"2024-01-01T00:00:00Z","category":"Policy","resourceId":"/subscriptions/s/providers/Microsoft.Authorization/policyAssignments/p","properties":{}}"#
        ));
        assert!(!yes(
            r#"{"eventType":"user.session.start","published":"2024-01-01T00:00:00Z"}"#
        ));
    }

    #[test]
    fn missing_or_bad_time_is_an_error_naming_the_field() {
        let missing = Entra
            .normalize(&from_serde(serde_json::json!({"category":"SignInLogs","operationName":"Sign-in activity","properties":{"userPrincipalName":"a@b"}})))
            .expect_err("no time");
        assert!(missing.to_string().contains("`time`"), "{missing}");
        let bad = Entra
            .normalize(&from_serde(serde_json::json!({"category":"AuditLogs","time":"yesterday","operationName":"Add user","properties":{}})))
            .expect_err("bad time");
        assert!(
            bad.to_string().contains("`time`") && bad.to_string().contains("yesterday"),
            "{bad}"
        );
    }

    #[test]
    fn a_federated_credential_added_to_an_app_is_a_credential_issued() {
        let fic = |old: &str, new: &str| {
            serde_json::json!([{"type": "Application", "displayName": "QuantumApp",
                "modifiedProperties": [{"displayName": "FederatedIdentityCredentials",
                    "oldValue": old, "newValue": new}]}])
        };
        let one = r#"[{"Name":"gh","Issuer":"https://token.actions.githubusercontent.com","Subject":"repo:x/y:ref:refs/heads/main"}]"#;
        let added = from_serde(fic("[]", one));
        let removed = from_serde(fic(one, "[]"));
        let targets = |v: &Value<'static>| v.as_array().cloned().unwrap_or_default();
        assert_eq!(
            classify_audit("Update application", None, &targets(&added)),
            (Class::Token, "issue".to_string())
        );
        assert_eq!(
            classify_audit("Update application", None, &targets(&removed)),
            (Class::Token, "revoke".to_string())
        );
        // Any other update of an application is not about credentials.
        assert_ne!(
            classify_audit("Update application", None, &[]).0,
            Class::Token
        );
    }

    #[test]
    fn audit_classification_table() {
        let cases = [
            ("Add member to role", Class::RoleChange, "assign"),
            ("Remove member from role", Class::RoleChange, "unassign"),
            (
                "Add eligible member to role in PIM completed (permanent)",
                Class::RoleChange,
                "assign",
            ),
            (
                "Add member to role completed (PIM activation)",
                Class::RoleChange,
                "assign",
            ),
            (
                "Add member to role requested (PIM activation)",
                Class::RoleChange,
                "request",
            ),
            (
                "Add member to role approval requested (PIM activation)",
                Class::RoleChange,
                "request",
            ),
            (
                "Add member to role in PIM requested (permanent)",
                Class::RoleChange,
                "request",
            ),
            (
                "Add member to role request approved (PIM activation)",
                Class::RoleChange,
                "approve",
            ),
            (
                "Add member to role request denied (PIM activation)",
                Class::RoleChange,
                "deny",
            ),
            (
                "Add member to role canceled (PIM activation)",
                Class::RoleChange,
                "cancel",
            ),
            (
                "PIM activation request expired",
                Class::RoleChange,
                "expire",
            ),
            (
                "Remove member from role (PIM activation expired)",
                Class::RoleChange,
                "unassign",
            ),
            (
                "Remove member from role completed (PIM deactivate)",
                Class::RoleChange,
                "unassign",
            ),
            (
                "Add app role assignment grant to user",
                Class::RoleChange,
                "assign",
            ),
            (
                "Remove app role assignment from service principal",
                Class::RoleChange,
                "unassign",
            ),
            ("Add member to group", Class::RoleChange, "assign"),
            ("Delete role assignment", Class::RoleChange, "unassign"),
            (
                "Add delegated permission grant",
                Class::RoleChange,
                "assign",
            ),
            ("Add service principal credentials", Class::Token, "issue"),
            (
                "Remove service principal credentials",
                Class::Token,
                "revoke",
            ),
            (
                "Update application – Certificates and secrets management ",
                Class::Token,
                "issue",
            ),
            (
                "Update StsRefreshTokenValidFrom Timestamp",
                Class::Token,
                "revoke",
            ),
            ("Add user", Class::Account, "create"),
            ("Delete user", Class::Account, "delete"),
            ("Reset user password", Class::Account, "reset_password"),
            (
                "Change password (self-service)",
                Class::Account,
                "change_password",
            ),
            ("Disable account", Class::Account, "disable"),
            ("Invite external user", Class::Account, "invite"),
            (
                "User registered security info",
                Class::Authentication,
                "mfa",
            ),
            (
                "Update conditional access policy",
                Class::ApiActivity,
                "update",
            ),
            (
                "Delete conditional access policy",
                Class::ApiActivity,
                "delete",
            ),
            ("Add service principal", Class::ApiActivity, "create"),
            (
                "Set federation settings on domain",
                Class::ApiActivity,
                "update",
            ),
        ];
        for (op, class, action) in cases {
            assert_eq!(
                classify_audit(op, None, &[]),
                (class, action.to_string()),
                "{op}"
            );
        }
    }

    #[test]
    fn corpus_panther_diagnostic_records() {
        let Some(records) = corpus_records(
            "entra-id/panther-labs__panther-analysis/rules/EXTRACTED_tests__Azure.Audit.jsonl",
        ) else {
            return;
        };
        let mut ok = Vec::new();
        for r in &records {
            let v = from_serde(r.clone());
            assert_eq!(
                crate::normalize::detect(&v).map(|f| f.name()),
                Some("entra"),
                "not detected: {r}"
            );
            match Entra.normalize(&v) {
                Ok(e) => ok.push(e),
                Err(err) => panic!("entra failed on a corpus record: {err}: {r}"),
            }
        }
        eprintln!(
            "entra panther corpus: {} records, {} normalized",
            records.len(),
            ok.len()
        );
        assert_eq!(records.len(), 48);

        // Single-factor by name, but the MFA came with the token: not a sign-in without MFA.
        let by_claim = ok
            .iter()
            .find(|e| e.source_id.as_deref() == Some("d9ae0e20-c959-42a3-ba74-00f59ac9f6c6"))
            .expect("the legacy-auth sign-in");
        assert_eq!(by_claim.mfa, Some(true));

        // Account lockout: a failure with code and text, from Russia.
        let locked = ok
            .iter()
            .find(|e| e.user.as_deref() == Some("boromir@lotr.com"))
            .expect("lockout record");
        assert_eq!(locked.outcome, Outcome::Failure);
        assert!(
            locked
                .reason
                .as_deref()
                .is_some_and(|r| r.starts_with("50053: "))
        );
        assert_eq!(locked.src_ip.as_deref(), Some("4.4.4.4"));
        assert_eq!(locked.src_country.as_deref(), Some("RU"));
        assert_eq!(locked.src_asn, Some(12345));

        // Lower-cased service principal sign-in with an invalid secret.
        let sp = ok
            .iter()
            .find(|e| e.user.as_deref() == Some("some-service-principal"))
            .expect("service principal sign-in");
        assert_eq!(sp.user_kind, UserKind::Service);
        assert_eq!(sp.outcome, Outcome::Failure);
        assert_eq!(
            sp.reason.as_deref().map(|r| r.split(';').next()),
            Some(Some("7000215: Invalid client secret provided"))
        );
        assert_eq!(sp.src_ip.as_deref(), Some("12.12.12.12"));
        assert_eq!(sp.src_city.as_deref(), Some("Dublin"));

        // PIM role assignment: role and grantee.
        let pim = ok
            .iter()
            .find(|e| e.operation.as_deref() == Some("Add member to role"))
            .expect("role assignment");
        assert_eq!(pim.class, Class::RoleChange);
        assert_eq!(
            pim.target_role.as_deref(),
            Some("Application Administrator")
        );
        assert_eq!(pim.target_user.as_deref(), Some("Malenia"));
        assert_eq!(
            pim.user.as_deref(),
            Some("Radahn@Starscourge.onmicrosoft.com")
        );

        // Azure RBAC role removal logged in AuditLogs.
        let rbac = ok
            .iter()
            .find(|e| e.operation.as_deref() == Some("Delete role assignment"))
            .expect("rbac removal");
        assert_eq!(
            (rbac.class, rbac.action.as_str()),
            (Class::RoleChange, "unassign")
        );
        assert_eq!(rbac.target_role.as_deref(), Some("Reader"));
        assert_eq!(rbac.target_user.as_deref(), Some("former@company.com"));
        assert_eq!(rbac.project.as_deref(), Some("sub-def"));

        // A failed invitation is a failure.
        assert!(
            ok.iter()
                .any(|e| e.action == "invite" && e.outcome == Outcome::Failure)
        );
        // Credentials added to a service principal.
        assert!(ok.iter().any(|e| e.operation.as_deref()
            == Some("Add service principal credentials")
            && e.class == Class::Token
            && e.action == "issue"));
    }

    #[test]
    fn corpus_sentinel_audit_rows() {
        let Some(records) = corpus_records(
            "entra-id/OTRF__Security-Datasets/datasets/compound/GoldenSAMLADFSMailAccess/AADAuditEvents.json",
        ) else {
            return;
        };
        assert_eq!(records.len(), 4);
        let mut ok = Vec::new();
        for r in &records {
            let v = from_serde(r.clone());
            assert_eq!(
                crate::normalize::detect(&v).map(|f| f.name()),
                Some("entra"),
                "not detected: {r}"
            );
            ok.push(
                Entra
                    .normalize(&v)
                    .unwrap_or_else(|err| panic!("{err}: {r}")),
            );
        }
        let secret = ok
            .iter()
            .find(|e| {
                e.operation.as_deref()
                    == Some("Update application – Certificates and secrets management")
            })
            .expect("credential added");
        assert_eq!(
            (secret.class, secret.action.as_str()),
            (Class::Token, "issue")
        );
        assert_eq!(secret.user.as_deref(), Some("pgustavo@simulandlabs.com"));
        assert_eq!(secret.resource.as_deref(), Some("SimuLandApp"));
        assert_eq!(secret.outcome, Outcome::Success);
        assert_eq!(secret.client, Client::Cli);
        assert_eq!(
            secret.source_id.as_deref(),
            Some("Directory_10065ffb-8199-48bc-8ff5-912cb5b8295a_AUMVX_13992832")
        );
        assert!(ok.iter().any(|e| e.operation.as_deref()
            == Some("Add delegated permission grant")
            && e.class == Class::RoleChange));
    }

    #[test]
    fn corpus_other_formats_are_not_claimed() {
        let others = [
            "azure-keyvault/panther-labs__panther-analysis/rules/EXTRACTED_tests__Azure.MonitorActivity__keyvault_only.jsonl",
            "okta/panther-labs__panther-analysis/rules/EXTRACTED_tests__Okta.SystemLog.jsonl",
            "gcp-audit/panther-labs__panther-analysis/rules/EXTRACTED_tests__GCP.AuditLog.jsonl",
            "vault/GoogleCloudPlatform__ops-agent/transformation_test/testdata/logging_processor-vault-audit/input.log",
        ];
        for f in others {
            let Some(records) = corpus_records(f) else {
                return;
            };
            for r in &records {
                assert!(
                    !Entra.detect(&from_serde(r.clone())),
                    "entra claimed a record of {f}: {r}"
                );
            }
        }
    }
}
