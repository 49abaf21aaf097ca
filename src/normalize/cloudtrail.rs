//! AWS CloudTrail records: one element of a trail file's `Records` array, or the
//! `detail` of an EventBridge event (both envelopes are opened in `envelope.rs`), a
//! CloudTrail Lake row,
//! or the same record after a log shipper (Logstash adds `@timestamp`/`@version`,
//! Panther adds `p_*` fields and may lower-case keys).
//!
//! Mapping (field by field):
//! - `eventTime` → time (falls back to Logstash `@timestamp`, then Panther
//!   `p_event_time`, only when `eventTime` is absent); `eventID` → source_id;
//!   `requestID` → request_id; `eventName` → operation; `eventSource` → service;
//!   `awsRegion` → region; `recipientAccountId` (else `userIdentity.accountId`) → project.
//! - `userIdentity`: see [`actor`]. `accessKeyId` → token_id (an access key id is
//!   an identifier, not a secret), `sessionContext.attributes.mfaAuthenticated` → mfa,
//!   the session issuer's role name → roles.
//! - `sourceIPAddress` → src_ip when it is an IP address (anonymisers' dotted quads
//!   with leading zeros are canonicalised: `035.249.253.232` → `35.249.253.232`);
//!   when it is an AWS service name (`braket.amazonaws.com`, `AWS Internal`) src_ip
//!   stays empty and the client is `service`.
//! - `errorCode`/`errorMessage` → outcome failure and reason `code: message`; sign-in
//!   events carry their outcome in `responseElements.<eventName>` or
//!   `serviceEventDetails.<eventName>` (`Success`/`Failure`). EC2's
//!   `Client.DryRunOperation` means "would have succeeded": outcome success, the code
//!   is kept in reason.
//!
//! Human or service ([`user_kind`]), first rule that applies:
//! 1. `invokedBy` present, or type `AWSService` → service.
//! 2. a sign-in event (only a person signs in to the console), or a call made with a
//!    console session's credentials (`sessionCredentialFromConsole`) → human.
//! 3. type `Root`, `IAMUser`, `IdentityCenterUser`, `SAMLUser` → human.
//! 4. an assumed role whose role is an IAM Identity Center role (`AWSReservedSSO_*`)
//!    or whose session name is an e-mail address → human.
//! 5. an assumed role or web-identity user whose role or session name looks like a
//!    workload (service-linked roles, `i-…` EC2 instance sessions, SDK default session
//!    names, Lambda/ECS/CodeBuild/GitHub/Terraform/CI/deploy role names, GitHub OIDC) → service.
//! 6. a request made from the AWS console → human.
//! 7. otherwise unknown.
//!
//! Event families: sign-in (authentication), Secrets Manager, SSM SecureString reads
//! and KMS Decrypt (secret_access, unless a service decrypts for its caller), Braket (job), STS and IAM access keys (token),
//! IAM policy/group/role changes (role_change), IAM users and login profiles
//! (account); everything else is api_activity with a verb taken from the event name.
//! An IAM policy document (`Put*Policy`, `CreatePolicy`, `CreatePolicyVersion`) →
//! message when an Allow statement has a wildcard action or resource
//! ("policy allows iam:* on *").
//!
//! Insights events (`eventType: AwsCloudTrailInsight`) name no caller: the call they
//! are about → operation and service, action `insight`, outcome unknown, the
//! insight type, state and rates → message.
//!
//! Braket: the task or hybrid-job ARN → job_id (a refused `CreateJob` gets the ARN
//! it would have had, from region, account and `jobName`), the device ARN → backend,
//! provider and hardware; a task's `jobToken` (fingerprinted, shared by the tasks of
//! one hybrid job) → message, and session_id when the caller has no role session; a
//! job's instances, role and code → message; a Braket Direct reservation
//! (`associations[].arn`) → message, and session_id likewise.

use std::net::IpAddr;

use super::json::parse_owned;
use super::json::prelude::*;

use super::fields::{
    boolean, client_from_user_agent, first_text, float, get, int, require_text, require_time,
    short_list, strings, text,
};
use super::{Format, NormalizeError};
use crate::event::NormalizedEvent;
use crate::vocab::{Class, Client, Hardware, JobStatus, Outcome, Source, UserKind};

/// The cloudtrail format.
pub struct CloudTrail;

/// Keys that only CloudTrail records carry beside `eventName`.
const CLOUDTRAIL_KEYS: &[&str] = &[
    "eventVersion",
    "userIdentity",
    "awsRegion",
    "recipientAccountId",
];

/// Events only the AWS sign-in service writes.
const SIGNIN_EVENTS: &[&str] = &[
    "ConsoleLogin",
    "ConsoleLogout",
    "CheckMfa",
    "ExternalIdPDirectoryLogin",
    "GetSigninToken",
    "SwitchRole",
    "CredentialChallenge",
    "CredentialVerification",
    "UserAuthentication",
    "PasswordUpdated",
];

/// The value AWS writes for user names it will not reveal (failed sign-in of an unknown user).
const HIDDEN: &str = "HIDDEN_DUE_TO_SECURITY_REASONS";

impl Format for CloudTrail {
    fn name(&self) -> &'static str {
        "cloudtrail"
    }

    fn detect(&self, record: &Value) -> bool {
        if !record.is_object() {
            return false;
        }
        if get(record, "p_log_type").and_then(|v| v.as_str()) == Some("AWS.CloudTrail") {
            return true;
        }
        // Azure Activity records carry `eventName` too, but as an object. Insights
        // events have none at the top: they are asked for only here, off the path
        // every other format's records take.
        if !get(record, "eventName").is_some_and(|v| v.is_str()) {
            return is_insight(record);
        }
        get(record, "eventSource")
            .and_then(|v| v.as_str())
            .is_some_and(|s| s.ends_with(".amazonaws.com"))
            || CLOUDTRAIL_KEYS.iter().any(|k| get(record, k).is_some())
    }

    fn normalize(&self, record: &Value) -> Result<NormalizedEvent, NormalizeError> {
        normalize(record)
    }
}

/// A CloudTrail Insights event: unusual API call or error rates, no caller.
fn is_insight(v: &Value) -> bool {
    text(v, "eventType").is_some_and(|t| t == "AwsCloudTrailInsight")
        && get(v, "insightDetails").is_some_and(|d| d.is_object())
}

/// An Insights event: the call it is about (`insightDetails.eventName`,
/// `eventSource`) as operation and service, and what was unusual, when it
/// started or ended, as message. It names no caller and has no outcome.
fn insight(v: &Value) -> Result<NormalizedEvent, NormalizeError> {
    let time = event_time(v)?;
    let mut e = NormalizedEvent::new(Source::CloudTrail, time, Class::ApiActivity, "insight");
    e.operation = text(v, "insightDetails.eventName");
    e.service = text(v, "insightDetails.eventSource");
    e.source_id = text(v, "eventID");
    e.region = text(v, "awsRegion");
    e.project = text(v, "recipientAccountId");
    e.outcome = Outcome::Unknown;
    let kind = text(v, "insightDetails.insightType").unwrap_or_else(|| "Insight".into());
    let state = text(v, "insightDetails.state").unwrap_or_default();
    let about = e.operation.as_deref().unwrap_or("calls");
    let mut message = format!("{kind} {state}: {about}");
    if let (Some(seen), Some(usual)) = (
        float(
            v,
            "insightDetails.insightContext.statistics.insight.average",
        ),
        float(
            v,
            "insightDetails.insightContext.statistics.baseline.average",
        ),
    ) {
        message.push_str(&format!(
            " at {seen} a minute against a baseline of {usual}"
        ));
    }
    if let Some(code) = text(v, "insightDetails.errorCode") {
        message.push_str(&format!(" (error {code})"));
    }
    e.message = Some(message);
    Ok(e)
}

fn normalize(v: &Value) -> Result<NormalizedEvent, NormalizeError> {
    if is_insight(v) {
        return insight(v);
    }
    let name = require_text(v, "eventName")?;
    let time = event_time(v)?;
    let service = text(v, "eventSource");
    // Shippers that drop `eventSource` still leave the sign-in events recognisable by name.
    let svc = match service.as_deref() {
        Some(s) => s,
        None if SIGNIN_EVENTS.contains(&name.as_str()) => "signin.amazonaws.com",
        None => "",
    };

    let mut e = NormalizedEvent::new(Source::CloudTrail, time, Class::ApiActivity, "");
    e.operation = Some(name.clone());
    e.service.clone_from(&service);
    e.source_id = text(v, "eventID");
    e.request_id = text(v, "requestID");
    e.region = text(v, "awsRegion");
    e.project = first_text(v, &["recipientAccountId", "userIdentity.accountId"]);

    // Where from.
    let source_ip = text(v, "sourceIPAddress");
    e.src_ip = source_ip.as_deref().and_then(canonical_ip);
    e.user_agent = text(v, "userAgent");
    e.client = client(source_ip.as_deref(), e.user_agent.as_deref());

    // Who.
    let ua = actor(v);
    e.user = ua.user;
    e.user_id = ua.user_id;
    e.token_id = ua.token_id;
    e.session_id = ua.session_id;
    e.roles = ua.roles;
    e.mfa = ua.mfa;
    if ua.invoked_by.is_some() && e.src_ip.is_none() {
        e.client = Client::Service;
    } else if ua.kind_hints.console_session
        && (matches!(e.client, Client::Browser | Client::Unknown)
            || (e.client == Client::Service && e.src_ip.is_some()))
    {
        // The console's calls carry the browser's user agent, `AWS Internal` when
        // the console's back end makes them from the person's address, or none.
        e.client = Client::Console;
    }

    // Outcome from the error fields; families refine it.
    let (outcome, reason) = error_outcome(v);
    e.outcome = outcome;
    e.reason = reason;

    let signin = svc == "signin.amazonaws.com";
    match svc {
        "signin.amazonaws.com" => signin_event(v, &name, &mut e),
        "sso.amazonaws.com" | "sso-oauth.amazonaws.com" if sso_event(v, &name, &mut e) => {}
        "sso-directory.amazonaws.com" | "identitystore.amazonaws.com"
            if directory_membership(v, &name, &mut e) => {}
        "secretsmanager.amazonaws.com" => secrets_manager(v, &name, &mut e),
        "ssm.amazonaws.com" if ssm_secure_read(v, &name, &mut e) => {}
        "kms.amazonaws.com" if name == "Decrypt" => {
            e.resource = first_resource(v).or_else(|| text(v, "requestParameters.keyId"));
            if !kms_on_behalf(v) {
                e.class = Class::SecretAccess;
                e.action = "read".into();
            }
        }
        "braket.amazonaws.com" => braket(v, &name, &mut e),
        "sts.amazonaws.com" if sts_token(v, &name, &mut e) => {}
        "iam.amazonaws.com" if iam_event(v, &name, &mut e) => {}
        _ => {}
    }
    if e.action.is_empty() {
        e.action = verb(&name, boolean(v, "readOnly")).to_string();
    }
    if e.resource.is_none() {
        e.resource = generic_resource(v);
    }
    if signin && e.client == Client::Browser {
        // A browser talking to the sign-in service is the console's login page.
        e.client = Client::Console;
    }
    e.user_kind = user_kind(&ua.kind_hints, signin, e.client);
    Ok(e)
}

/// Event time: `eventTime`; only when it is absent, the shipper's copy.
fn event_time(v: &Value) -> Result<chrono::DateTime<chrono::Utc>, NormalizeError> {
    for path in ["eventTime", "@timestamp", "p_event_time"] {
        if get(v, path).is_some() {
            return require_time(v, path);
        }
    }
    Err(NormalizeError::missing("eventTime"))
}

/// Failure when `errorCode` (or, for sign-in, `errorMessage` alone) is set.
fn error_outcome(v: &Value) -> (Outcome, Option<String>) {
    let code = text(v, "errorCode");
    let msg = text(v, "errorMessage");
    let reason = match (&code, &msg) {
        (Some(c), Some(m)) => Some(format!("{c}: {m}")),
        (Some(c), None) => Some(c.clone()),
        (None, Some(m)) => Some(m.clone()),
        (None, None) => None,
    };
    match code.as_deref() {
        Some(c) if c.ends_with("DryRunOperation") => (Outcome::Success, reason),
        Some(_) => (Outcome::Failure, reason),
        // A service event (Secrets Manager's RotationFailed) reports its failure
        // in errorMessage alone.
        None if msg.is_some()
            && text(v, "eventType").is_some_and(|t| t.eq_ignore_ascii_case("AwsServiceEvent")) =>
        {
            (Outcome::Failure, reason)
        }
        None => (Outcome::Success, reason),
    }
}

/// `Success`/`Failure` as the sign-in service words an outcome.
fn word_outcome(s: &str) -> Option<Outcome> {
    match s.to_ascii_lowercase().as_str() {
        "success" | "succeeded" | "true" => Some(Outcome::Success),
        "failure" | "failed" | "false" => Some(Outcome::Failure),
        _ => None,
    }
}

/// An IP address in canonical form, or `None` for service names and placeholders.
fn canonical_ip(s: &str) -> Option<String> {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip.to_string());
    }
    // Dotted quads with zero-padded octets (anonymised logs): parse each octet.
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut octets = [0u8; 4];
    for (o, p) in octets.iter_mut().zip(&parts) {
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *o = p.parse().ok()?;
    }
    Some(IpAddr::from(octets).to_string())
}

fn is_aws_service_name(s: &str) -> bool {
    s.ends_with(".amazonaws.com") || s.eq_ignore_ascii_case("AWS Internal")
}

fn client(source_ip: Option<&str>, user_agent: Option<&str>) -> Client {
    let ua = user_agent.unwrap_or("");
    let lower = ua.to_ascii_lowercase();
    // The AWS console's own front ends (console.ec2.amazonaws.com, S3Console, EC2ConsoleFrontend).
    if (lower.starts_with("console.") && lower.ends_with(".amazonaws.com"))
        || lower.contains("s3console")
        || lower.contains("consolefrontend")
    {
        return Client::Console;
    }
    if source_ip.is_some_and(is_aws_service_name) {
        return Client::Service;
    }
    client_from_user_agent(ua)
}

/// What `userIdentity` says about the actor.
#[derive(Default)]
struct Actor {
    user: Option<String>,
    user_id: Option<String>,
    token_id: Option<String>,
    session_id: Option<String>,
    roles: Vec<String>,
    mfa: Option<bool>,
    invoked_by: Option<String>,
    kind_hints: KindHints,
}

/// The facts [`user_kind`] decides on.
#[derive(Default)]
struct KindHints {
    identity_type: String,
    role_name: Option<String>,
    session_name: Option<String>,
    invoked_by: bool,
    identity_provider: Option<String>,
    /// `sessionCredentialFromConsole`: the credentials are a console session's.
    console_session: bool,
}

/// Maps `userIdentity`. user: the IAM/root/Identity Center user name; for an assumed
/// role the session name when it is an e-mail (ties AWS activity to the IdP person),
/// else the assumed-role ARN; for AWS services the service name. user_id: principalId
/// (for an assumed role: the role's id; the role session `AROA…:name` goes to session_id).
fn actor(v: &Value) -> Actor {
    let Some(ui) = get(v, "userIdentity").filter(|u| u.is_object()) else {
        return Actor::default();
    };
    let ty = text(ui, "type").unwrap_or_default();
    let arn = text(ui, "arn");
    let principal = text(ui, "principalId");
    let user_name = text(ui, "userName").filter(|n| n != HIDDEN);
    let invoked_by = text(ui, "invokedBy");
    let issuer_name = text(ui, "sessionContext.sessionIssuer.userName");
    let issuer_arn = text(ui, "sessionContext.sessionIssuer.arn");
    let role_name = issuer_name.clone().or_else(|| {
        arn.as_deref()
            .and_then(|a| a.split(":assumed-role/").nth(1))
            .and_then(|r| r.split('/').next())
            .map(str::to_string)
    });
    let session_name = match ty.as_str() {
        "AssumedRole" => arn
            .as_deref()
            .and_then(|a| a.split(":assumed-role/").nth(1))
            .and_then(|r| r.split_once('/'))
            .map(|(_, s)| s.to_string())
            .or_else(|| {
                principal
                    .as_deref()
                    .and_then(|p| p.split_once(':'))
                    .map(|(_, s)| s.to_string())
            }),
        _ => None,
    };

    let mut a = Actor {
        token_id: text(ui, "accessKeyId").or_else(|| text(ui, "credentialId")),
        mfa: boolean(ui, "sessionContext.attributes.mfaAuthenticated"),
        invoked_by: invoked_by.clone(),
        ..Actor::default()
    };
    match ty.as_str() {
        "Root" => {
            // For the root user `userName` is the account's alias, when it has one.
            // The root ARN says who acted and keeps each account's root apart.
            a.user = arn
                .filter(|a| a.ends_with(":root"))
                .or_else(|| text(ui, "accountId").map(|acct| format!("arn:aws:iam::{acct}:root")))
                .or_else(|| Some("root".into()));
            a.user_id = principal;
        }
        "IAMUser" | "SAMLUser" | "WebIdentityUser" => {
            a.user = user_name.or(arn).or_else(|| principal.clone());
            a.user_id = principal;
        }
        // Identity Center sign-ins name the user only in additionalEventData since
        // AWS's 2025 change (HIDDEN when the name typed was wrong).
        "Unknown" => {
            // Older sign-in shapes put the account id in principalId: not a user.
            let account_id = principal
                .as_deref()
                .is_some_and(|p| p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()));
            a.user = user_name
                .or_else(|| signin_user_name(v))
                .or(arn)
                .or_else(|| principal.clone().filter(|_| !account_id))
                .or_else(|| text(ui, "onBehalfOf.userId"));
            a.user_id = principal.or_else(|| text(ui, "onBehalfOf.userId"));
        }
        "AssumedRole" => {
            // The source identity is set by the IdP or the first assumer and cannot
            // be changed down a role chain; a session name is chosen by whoever
            // assumes the role, so an e-mail there is only the next best.
            a.user = text(ui, "sessionContext.sourceIdentity")
                .or_else(|| {
                    session_name
                        .as_deref()
                        .filter(|s| is_email(s))
                        .map(str::to_string)
                })
                .or(arn)
                .or(user_name);
            // An identity-enhanced session names the Identity Center user it acts
            // for: that person's id outranks the role's.
            a.user_id = text(ui, "onBehalfOf.userId")
                .or_else(|| text(ui, "sessionContext.sessionIssuer.principalId"))
                .or_else(|| {
                    principal
                        .as_deref()
                        .map(|p| p.split(':').next().unwrap_or(p).to_string())
                });
            a.session_id = principal;
            a.roles = role_name.iter().cloned().collect();
            if a.roles.is_empty() {
                a.roles = issuer_arn.into_iter().collect();
            }
        }
        "IdentityCenterUser" => {
            a.user = user_name
                .or_else(|| signin_user_name(v))
                .or_else(|| text(ui, "onBehalfOf.userId"));
            a.user_id = text(ui, "onBehalfOf.userId");
        }
        "AWSService" => {
            a.user = invoked_by.clone().or(principal);
        }
        _ => {
            // FederatedUser, AWSAccount and types yet to come.
            a.user = arn
                .or(user_name)
                .or_else(|| principal.clone())
                .or_else(|| invoked_by.clone());
            a.user_id = principal;
            if ty == "FederatedUser" {
                a.roles = issuer_name.into_iter().collect();
            }
        }
    }
    // A person in the console: the console calls on their behalf.
    let console = invoked_by.as_deref().is_some_and(|b| {
        b.eq_ignore_ascii_case("signin.amazonaws.com") || b.eq_ignore_ascii_case("AWS Internal")
    }) && (ty == "Root" || ty == "IAMUser");
    a.kind_hints = KindHints {
        identity_type: ty,
        role_name,
        session_name,
        invoked_by: invoked_by.is_some() && !console,
        identity_provider: text(ui, "identityProvider")
            .or_else(|| text(ui, "sessionContext.webIdFederationData.federatedProvider")),
        console_session: boolean(v, "sessionCredentialFromConsole") == Some(true),
    };
    a
}

fn is_email(s: &str) -> bool {
    s.split_once('@')
        .is_some_and(|(l, d)| !l.is_empty() && d.contains('.'))
}

/// Role or session names that mark a workload rather than a person.
const SERVICE_ROLE_WORDS: &[&str] = &[
    "awsservicerole",
    "service-role",
    "lambda",
    "ecs",
    "eks",
    "ec2",
    "codebuild",
    "codepipeline",
    "codedeploy",
    "github",
    "gitlab",
    "jenkins",
    "terraform",
    "cloudformation",
    "pipeline",
    "deploy",
    "cicd",
    "automation",
    "bot",
    "batch",
    "glue",
    "sagemaker",
    "stepfunctions",
    "scheduler",
    "braketjob",
    "amazonbraketjobs",
];

fn looks_like_workload(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    let instance_session = n
        .strip_prefix("i-")
        .is_some_and(|h| h.len() >= 8 && h.bytes().all(|b| b.is_ascii_hexdigit()));
    instance_session
        || n.starts_with("botocore-session-")
        || n.starts_with("aws-go-sdk-")
        || n.starts_with("aws-sdk-")
        || n.starts_with("awslambda")
        || n.bytes().all(|b| b.is_ascii_digit())
        || SERVICE_ROLE_WORDS.iter().any(|w| n.contains(w))
        || n.split(['-', '_', '.'])
            .any(|t| t == "ci" || t == "svc" || t == "sa")
}

/// Whether a KMS Decrypt is a service decrypting for its caller (an S3 object, a
/// Lambda's environment, the secret behind a GetSecretValue already counted): plain
/// API activity, not a secret read of its own.
fn kms_on_behalf(v: &Value) -> bool {
    let by_service = text(v, "sourceIPAddress")
        .is_some_and(|s| s.eq_ignore_ascii_case("AWS Internal") || s.ends_with(".amazonaws.com"))
        || text(v, "userIdentity.invokedBy").is_some();
    let service_context = get(v, "requestParameters.encryptionContext")
        .and_then(|c| c.as_object())
        .is_some_and(|c| {
            c.keys().any(|k| {
                k.starts_with("aws:s3:")
                    || k.starts_with("aws:lambda:")
                    || k == "SecretARN"
                    || k == "PARAMETER_ARN"
            })
        });
    by_service || service_context
}

/// Human or service, by the rules in the module documentation.
fn user_kind(h: &KindHints, signin: bool, client: Client) -> UserKind {
    if h.invoked_by || h.identity_type == "AWSService" {
        return UserKind::Service;
    }
    // Only a person signs in to the console, and only a person works in a console
    // session, whatever the role's name suggests.
    if signin || h.console_session {
        return UserKind::Human;
    }
    match h.identity_type.as_str() {
        "Root" | "IAMUser" | "IdentityCenterUser" | "SAMLUser" => return UserKind::Human,
        "AssumedRole" | "WebIdentityUser" => {
            let role = h.role_name.as_deref().unwrap_or("");
            let session = h.session_name.as_deref().unwrap_or("");
            if role.starts_with("AWSReservedSSO_") || is_email(session) {
                return UserKind::Human;
            }
            if looks_like_workload(role)
                || looks_like_workload(session)
                || h.identity_provider
                    .as_deref()
                    .is_some_and(|p| p.contains("token.actions.githubusercontent.com"))
            {
                return UserKind::Service;
            }
        }
        _ => {}
    }
    if signin || client == Client::Console {
        UserKind::Human
    } else {
        UserKind::Unknown
    }
}

/// The user name an Identity Center sign-in typed (`additionalEventData.UserName`).
fn signin_user_name(v: &Value) -> Option<String> {
    text(v, "additionalEventData.UserName").filter(|n| n != HIDDEN)
}

/// Console and IAM Identity Center sign-in events.
fn signin_event(v: &Value, name: &str, e: &mut NormalizedEvent) {
    let (class, action) = match name {
        "ConsoleLogin" | "ExternalIdPDirectoryLogin" | "GetSigninToken" | "UserAuthentication" => {
            (Class::Authentication, "login")
        }
        "CheckMfa" => (Class::Authentication, "mfa"),
        "SwitchRole" | "AssumeRole" => (Class::Authentication, "switch"),
        "ConsoleLogout" | "Logout" => (Class::Authentication, "logout"),
        "CredentialChallenge" => (Class::Authentication, "challenge"),
        "CredentialVerification" => {
            let password = text(v, "additionalEventData.CredentialType")
                .is_none_or(|t| t.eq_ignore_ascii_case("PASSWORD"));
            (
                Class::Authentication,
                if password { "verify" } else { "mfa" },
            )
        }
        "PasswordUpdated" => (Class::Account, "update"),
        "PasswordRecoveryRequested" | "PasswordRecoveryCompleted" => (Class::Account, "reset"),
        _ => (Class::Authentication, ""),
    };
    e.class = class;
    e.action = action.to_string();
    let in_response = format!("responseElements.{name}");
    let in_details = format!("serviceEventDetails.{name}");
    let word = first_text(v, &[in_response.as_str(), in_details.as_str()]);
    if let Some(o) = word.as_deref().and_then(word_outcome) {
        e.outcome = o;
    } else if e.outcome == Outcome::Success && text(v, "errorMessage").is_some() {
        e.outcome = Outcome::Failure;
    }
    if e.outcome == Outcome::Failure && e.reason.is_none() {
        e.reason = Some(format!("{name} {}", word.as_deref().unwrap_or("Failure")));
    }
    // Identity Center logs no UserAuthentication after a wrong password: the failed
    // verification is the failed sign-in. A good one is followed by the sign-in.
    if e.action == "verify" && e.outcome == Outcome::Failure {
        e.action = "login".to_string();
    }
    // A console session opened from an MFA-authenticated session says MFAUsed=No
    // for the new sign-in: either signal means a second factor stands behind it.
    // A federated sign-in (SAML, or a broker signing in through a role) says
    // MFAUsed=No whatever the identity provider did: AWS cannot know.
    let federated = text(v, "additionalEventData.SamlProviderArn").is_some()
        || text(v, "userIdentity.type").is_some_and(|t| {
            ["SAMLUser", "AssumedRole", "WebIdentityUser"]
                .iter()
                .any(|f| t.eq_ignore_ascii_case(f))
        });
    if let Some(mfa) = boolean(v, "additionalEventData.MFAUsed") {
        e.mfa = if mfa || e.mfa == Some(true) {
            Some(true)
        } else if federated {
            None
        } else {
            Some(false)
        };
    }
    if let Some(types) = text(v, "additionalEventData.CredentialType") {
        let second_factor = types
            .split(',')
            .any(|t| !t.trim().eq_ignore_ascii_case("PASSWORD") && !t.trim().is_empty());
        if name != "CredentialChallenge" && (second_factor || name == "UserAuthentication") {
            e.mfa = Some(second_factor);
        }
    }
    e.resource = first_text(
        v,
        &[
            "additionalEventData.LoginTo",
            "additionalEventData.SamlProviderArn",
        ],
    );
}

/// IAM Identity Center portal, OIDC and account-assignment events; returns whether
/// the event was mapped.
fn sso_event(v: &Value, name: &str, e: &mut NormalizedEvent) -> bool {
    let (class, action) = match name {
        "Authenticate" | "Federate" => (Class::Authentication, "login"),
        "Logout" => (Class::Authentication, "logout"),
        "CreateToken" | "CreateTokenWithIAM" | "GetRoleCredentials" => (Class::Token, "issue"),
        // A permission set given to (or taken from) a user or group on an account:
        // Identity Center's role grant.
        "CreateAccountAssignment" | "DeleteAccountAssignment" => {
            let principal = text(v, "requestParameters.principalId");
            let kind = text(v, "requestParameters.principalType");
            // A group is no user acted upon: it is named in the message instead.
            if kind
                .as_deref()
                .is_none_or(|k| k.eq_ignore_ascii_case("USER"))
            {
                e.target_user.clone_from(&principal);
            }
            e.target_role = text(v, "requestParameters.permissionSetArn");
            e.resource = text(v, "requestParameters.targetId");
            if let (Some(kind), Some(target)) = (kind, text(v, "requestParameters.targetType")) {
                e.message = Some(match principal {
                    Some(p) => format!("permission set for a {kind} ({p}) on {target}"),
                    None => format!("permission set for a {kind} on {target}"),
                });
            }
            let grant = name == "CreateAccountAssignment";
            (Class::RoleChange, if grant { "assign" } else { "unassign" })
        }
        _ => return false,
    };
    e.class = class;
    e.action = action.to_string();
    true
}

/// Identity Center directory group membership (`sso-directory` AddMemberToGroup and
/// RemoveMemberFromGroup, `identitystore` CreateGroupMembership and
/// DeleteGroupMembership); returns whether the event was mapped.
fn directory_membership(v: &Value, name: &str, e: &mut NormalizedEvent) -> bool {
    let action = match name {
        "AddMemberToGroup" | "CreateGroupMembership" => "assign",
        "RemoveMemberFromGroup" | "DeleteGroupMembership" => "unassign",
        _ => return false,
    };
    e.class = Class::RoleChange;
    e.action = action.to_string();
    e.target_role = text(v, "requestParameters.groupId");
    e.target_user = first_text(
        v,
        &[
            "requestParameters.member.memberId",
            "requestParameters.memberId.userId",
        ],
    );
    e.resource = e.target_role.clone();
    true
}

/// Secrets Manager calls.
fn secrets_manager(v: &Value, name: &str, e: &mut NormalizedEvent) {
    let action = match name {
        "GetSecretValue" | "BatchGetSecretValue" => "read",
        "ListSecrets" | "ListSecretVersionIds" => "list",
        "DescribeSecret" | "GetResourcePolicy" => "get",
        "PutSecretValue"
        | "UpdateSecret"
        | "CreateSecret"
        | "UpdateSecretVersionStage"
        | "RestoreSecret" => "write",
        "DeleteSecret" | "StartSecretVersionDelete" | "EndSecretVersionDelete" => "delete",
        // The last four are service events Secrets Manager logs during a rotation.
        "RotateSecret" | "CancelRotateSecret" | "RotationStarted" | "RotationSucceeded"
        | "RotationFailed" | "RotationAbandoned" => "rotate",
        "PutResourcePolicy"
        | "DeleteResourcePolicy"
        | "TagResource"
        | "UntagResource"
        | "ReplicateSecretToRegions" => {
            e.action = "update".into();
            e.resource = secret_resource(v);
            return;
        }
        // Other calls (GetRandomPassword, ValidateResourcePolicy, ...) touch no
        // secret: they stay API activity.
        _ => return,
    };
    e.class = Class::SecretAccess;
    e.action = action.to_string();
    e.resource = secret_resource(v);
}

fn secret_resource(v: &Value) -> Option<String> {
    if let Some(id) = first_text(
        v,
        &[
            "requestParameters.secretId",
            "responseElements.arn",
            "requestParameters.name",
            // Rotation service events name the secret here.
            "additionalEventData.SecretId",
        ],
    ) {
        return Some(id);
    }
    if let Some(ids) = get(v, "requestParameters.secretIdList").and_then(|a| a.as_array()) {
        let ids: Vec<&str> = ids.iter().filter_map(|id| id.as_str()).collect();
        if !ids.is_empty() {
            return Some(ids.join(","));
        }
    }
    if let Some(filters) = get(v, "requestParameters.filters").and_then(|a| a.as_array()) {
        let parts: Vec<String> = filters
            .iter()
            .map(|f| {
                let key = text(f, "key").unwrap_or_default();
                let values: Vec<&str> = get(f, "values")
                    .and_then(|a| a.as_array())
                    .map(|a| a.iter().filter_map(|x| x.as_str()).collect())
                    .unwrap_or_default();
                format!("{key}={}", values.join("|"))
            })
            .collect();
        if !parts.is_empty() {
            return Some(format!("filter:{}", parts.join(",")));
        }
    }
    first_resource(v)
}

/// SSM parameter reads that decrypt SecureStrings; returns whether the event was mapped.
fn ssm_secure_read(v: &Value, name: &str, e: &mut NormalizedEvent) -> bool {
    if !matches!(
        name,
        "GetParameter" | "GetParameters" | "GetParametersByPath" | "GetParameterHistory"
    ) || boolean(v, "requestParameters.withDecryption") != Some(true)
    {
        return false;
    }
    e.class = Class::SecretAccess;
    e.action = "read".into();
    e.resource =
        first_text(v, &["requestParameters.name", "requestParameters.path"]).or_else(|| {
            get(v, "requestParameters.names")
                .and_then(|n| n.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .filter(|s| !s.is_empty())
        });
    true
}

/// Amazon Braket: quantum tasks, hybrid jobs and devices.
fn braket(v: &Value, name: &str, e: &mut NormalizedEvent) {
    e.class = Class::Job;
    let ok = e.outcome == Outcome::Success;
    match name {
        "CreateQuantumTask" => {
            e.action = "submit".into();
            e.backend = text(v, "requestParameters.deviceArn");
            e.shots = int(v, "requestParameters.shots");
            e.job_id = text(v, "responseElements.quantumTaskArn");
            e.job_status = ok.then_some(JobStatus::Queued);
            // A task run by a hybrid job carries the job's token (fingerprinted by
            // now): the tasks of one job share it, and it bills them to the job. The
            // caller's role session, when there is one, stays the session.
            if let Some(token) = text(v, "requestParameters.jobToken") {
                e.message = Some(format!("task of a hybrid job (job token {token})"));
                if e.session_id.is_none() {
                    e.session_id = Some(token);
                }
            }
        }
        "CancelQuantumTask" => {
            e.action = "cancel".into();
            e.job_id = first_text(
                v,
                &[
                    "requestParameters.quantumTaskArn",
                    "responseElements.quantumTaskArn",
                ],
            );
            // CANCELLING or CANCELLED: the cancellation was accepted either way.
            e.job_status = (ok && text(v, "responseElements.cancellationStatus").is_some())
                .then_some(JobStatus::Cancelled);
        }
        "GetQuantumTask" => {
            e.action = "get".into();
            e.job_id = text(v, "requestParameters.quantumTaskArn");
            e.message =
                text(v, "responseElements.jobArn").map(|j| format!("task of hybrid job {j}"));
        }
        "CreateJob" => {
            e.action = "submit".into();
            e.backend = text(v, "requestParameters.deviceConfig.device");
            // A refused job has no ARN in the response: the one it would have had
            // (`…:job/<jobName>`) still matches what later calls about it name.
            e.job_id = text(v, "responseElements.jobArn").or_else(|| {
                let name = text(v, "requestParameters.jobName")?;
                match (e.region.as_deref(), e.project.as_deref()) {
                    (Some(region), Some(account)) => {
                        Some(format!("arn:aws:braket:{region}:{account}:job/{name}"))
                    }
                    _ => Some(name),
                }
            });
            e.job_status = ok.then_some(JobStatus::Queued);
            e.message = hybrid_job_summary(v);
        }
        "CancelJob" => {
            e.action = "cancel".into();
            e.job_id = first_text(v, &["requestParameters.jobArn", "responseElements.jobArn"]);
            e.job_status = (ok && text(v, "responseElements.cancellationStatus").is_some())
                .then_some(JobStatus::Cancelled);
        }
        "GetJob" => {
            e.action = "get".into();
            e.job_id = text(v, "requestParameters.jobArn");
        }
        "GetDevice" => {
            e.action = "get".into();
            e.backend = text(v, "requestParameters.deviceArn");
        }
        "SearchQuantumTasks" | "SearchJobs" | "SearchDevices" => e.action = "list".into(),
        "TagResource" | "UntagResource" | "ListTagsForResource" => {
            // The tags (cost allocation among them) of a task, job or reservation.
            e.class = Class::ApiActivity;
            e.resource = text(v, "requestParameters.resourceArn");
            return;
        }
        // Any other call (reservations, account settings) is no job event.
        _ => {
            e.class = Class::ApiActivity;
            return;
        }
    }
    if matches!(name, "CreateQuantumTask" | "CreateJob")
        && let Some(reservation) = braket_reservation(v)
    {
        // Billed by the reservation's hours, not per task or shot.
        e.append_message(&format!("runs in reservation {reservation}"));
        if e.session_id.is_none() {
            e.session_id = Some(reservation);
        }
    }
    if let Some((provider, hardware)) = e.backend.as_deref().and_then(device_kind) {
        e.provider = Some(provider);
        e.hardware = Some(hardware);
    }
    e.resource = e.job_id.clone().or_else(|| e.backend.clone());
}

/// The Braket Direct reservation a task or hybrid job runs in: the ARN of its
/// `associations[]` entry of type `RESERVATION_TIME_WINDOW_ARN`.
fn braket_reservation(v: &Value) -> Option<String> {
    get(v, "requestParameters.associations")?
        .as_array()?
        .iter()
        .filter(|a| {
            text(a, "type").is_none_or(|t| t.eq_ignore_ascii_case("RESERVATION_TIME_WINDOW_ARN"))
        })
        .find_map(|a| text(a, "arn"))
}

/// What a hybrid job runs on and as whom: the classical instances it rents, the
/// role it passes (an `iam:PassRole` target) and the code it runs.
fn hybrid_job_summary(v: &Value) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(instance) = text(v, "requestParameters.instanceConfig.instanceType") {
        let count = int(v, "requestParameters.instanceConfig.instanceCount").unwrap_or(1);
        parts.push(format!("{count} x {instance}"));
    }
    if let Some(role) = text(v, "requestParameters.roleArn") {
        parts.push(format!("role {role}"));
    }
    if let Some(code) = first_text(
        v,
        &[
            "requestParameters.algorithmSpecification.containerImage.uri",
            "requestParameters.algorithmSpecification.scriptModeConfig.entryPoint",
        ],
    ) {
        parts.push(format!("runs {code}"));
    }
    (!parts.is_empty()).then(|| format!("hybrid job: {}", parts.join(", ")))
}

/// Provider and hardware kind from a Braket device ARN (`…::device/qpu/ionq/Aria-1`,
/// `…::device/quantum-simulator/amazon/sv1`) or a local simulator (`local:braket/…`).
pub(super) fn device_kind(device: &str) -> Option<(String, Hardware)> {
    if let Some(rest) = device.strip_prefix("local:") {
        let provider = rest
            .split('/')
            .next()
            .filter(|p| !p.is_empty())
            .unwrap_or("local");
        return Some((provider.to_ascii_lowercase(), Hardware::Simulator));
    }
    let path = device.split_once("device/")?.1;
    let mut parts = path.split('/');
    let kind = parts.next()?;
    let provider = parts.next().filter(|p| !p.is_empty())?.to_ascii_lowercase();
    match kind {
        "qpu" => Some((provider, Hardware::Qpu)),
        "quantum-simulator" | "simulator" => Some((provider, Hardware::Simulator)),
        _ => None,
    }
}

/// STS credential issuance. token_id is the id of the issued credential (so that a
/// search for the key finds where it was minted), session_id the new role session.
fn sts_token(v: &Value, name: &str, e: &mut NormalizedEvent) -> bool {
    if !matches!(
        name,
        "AssumeRole"
            | "AssumeRoleWithSAML"
            | "AssumeRoleWithWebIdentity"
            | "GetSessionToken"
            | "GetFederationToken"
            | "AssumeRoot"
    ) {
        return false;
    }
    e.class = Class::Token;
    e.action = "issue".into();
    if let Some(key) = text(v, "responseElements.credentials.accessKeyId") {
        e.token_id = Some(key);
    }
    if let Some(session) = text(v, "responseElements.assumedRoleUser.assumedRoleId") {
        e.session_id = Some(session);
    }
    e.target_role = text(v, "requestParameters.roleArn");
    e.target_user = first_text(
        v,
        &[
            "requestParameters.name",
            "responseElements.federatedUser.arn",
            "requestParameters.targetPrincipal",
        ],
    );
    e.resource = first_text(
        v,
        &[
            "requestParameters.roleArn",
            "responseElements.assumedRoleUser.arn",
            "responseElements.federatedUser.arn",
        ],
    );
    if matches!(name, "AssumeRoleWithSAML" | "AssumeRoleWithWebIdentity") {
        // The caller is the federated subject; STS names it in the response.
        e.user = e.user.take().or_else(|| {
            first_text(
                v,
                &[
                    "responseElements.subject",
                    "responseElements.subjectFromWebIdentityToken",
                ],
            )
        });
    }
    true
}

/// IAM access keys, policy and group changes, users and login profiles.
fn iam_event(v: &Value, name: &str, e: &mut NormalizedEvent) -> bool {
    let user_param = text(v, "requestParameters.userName");
    let (class, action) = match name {
        "CreateAccessKey" | "CreateServiceSpecificCredential" => {
            e.token_id = first_text(
                v,
                &[
                    "responseElements.accessKey.accessKeyId",
                    "responseElements.serviceSpecificCredential.serviceSpecificCredentialId",
                ],
            );
            e.target_user = user_param.or_else(|| text(v, "responseElements.accessKey.userName"));
            (Class::Token, "issue")
        }
        "DeleteAccessKey" | "DeleteServiceSpecificCredential" => {
            e.token_id = first_text(
                v,
                &[
                    "requestParameters.accessKeyId",
                    "requestParameters.serviceSpecificCredentialId",
                ],
            );
            e.target_user = user_param;
            (Class::Token, "revoke")
        }
        "UpdateAccessKey" => {
            e.token_id = text(v, "requestParameters.accessKeyId");
            e.target_user = user_param;
            let inactive = text(v, "requestParameters.status")
                .is_some_and(|s| s.eq_ignore_ascii_case("Inactive"));
            (Class::Token, if inactive { "revoke" } else { "update" })
        }
        "AttachUserPolicy"
        | "AttachRolePolicy"
        | "AttachGroupPolicy"
        | "AddUserToGroup"
        | "PutUserPermissionsBoundary"
        | "PutRolePermissionsBoundary" => {
            role_targets(v, e);
            (Class::RoleChange, "assign")
        }
        "PutUserPolicy" | "PutRolePolicy" | "PutGroupPolicy" => {
            role_targets(v, e);
            e.message = policy_grants(v);
            (Class::RoleChange, "assign")
        }
        // Managed policies: what a new default version grants, every user, group
        // and role it is attached to gets at once.
        "CreatePolicy" => {
            e.target_role = first_text(
                v,
                &[
                    "responseElements.policy.arn",
                    "requestParameters.policyName",
                ],
            );
            e.resource.clone_from(&e.target_role);
            e.message = policy_grants(v);
            (Class::RoleChange, "create")
        }
        "CreatePolicyVersion" | "SetDefaultPolicyVersion" => {
            e.target_role = text(v, "requestParameters.policyArn");
            e.resource.clone_from(&e.target_role);
            let made_default = name == "SetDefaultPolicyVersion"
                || boolean(v, "requestParameters.setAsDefault") == Some(true);
            e.message = policy_grants(v).or_else(|| {
                text(v, "requestParameters.versionId").map(|id| format!("default version {id}"))
            });
            (
                Class::RoleChange,
                if made_default { "assign" } else { "update" },
            )
        }
        "DetachUserPolicy"
        | "DetachRolePolicy"
        | "DetachGroupPolicy"
        | "DeleteUserPolicy"
        | "DeleteRolePolicy"
        | "DeleteGroupPolicy"
        | "RemoveUserFromGroup"
        | "DeleteUserPermissionsBoundary"
        | "DeleteRolePermissionsBoundary" => {
            role_targets(v, e);
            (Class::RoleChange, "unassign")
        }
        "CreateRole" | "UpdateAssumeRolePolicy" | "DeleteRole" | "UpdateRole" => {
            e.target_role = first_text(
                v,
                &["requestParameters.roleName", "responseElements.role.arn"],
            );
            let action = match name {
                "CreateRole" => "create",
                "DeleteRole" => "delete",
                _ => "update",
            };
            (Class::RoleChange, action)
        }
        "CreateUser"
        | "DeleteUser"
        | "UpdateUser"
        | "CreateLoginProfile"
        | "UpdateLoginProfile"
        | "DeleteLoginProfile"
        | "ChangePassword"
        | "EnableMFADevice"
        | "DeactivateMFADevice" => {
            e.target_user = user_param.or_else(|| text(v, "responseElements.user.userName"));
            let action = match name {
                "CreateUser" | "CreateLoginProfile" => "create",
                "DeleteUser" | "DeleteLoginProfile" => "delete",
                "UpdateLoginProfile" => "reset",
                _ => "update",
            };
            (Class::Account, action)
        }
        _ => return false,
    };
    e.class = class;
    e.action = action.to_string();
    true
}

/// target_user: the user or role given the privilege; target_role: the policy or group.
fn role_targets(v: &Value, e: &mut NormalizedEvent) {
    e.target_user = first_text(
        v,
        &["requestParameters.userName", "requestParameters.roleName"],
    );
    e.target_role = first_text(
        v,
        &[
            "requestParameters.policyArn",
            "requestParameters.permissionsBoundary",
            "requestParameters.policyName",
            "requestParameters.groupName",
        ],
    );
    if get(v, "requestParameters.groupName").is_some()
        && get(v, "requestParameters.policyArn").is_some()
    {
        e.resource = text(v, "requestParameters.groupName");
    }
}

/// What `requestParameters.policyDocument` grants broadly: "policy allows * on *",
/// "policy allows iam:* on *; allows s3:GetObject on *". `None` when no Allow
/// statement has a wildcard action (`*`, `service:*`, `NotAction`) or resource, or
/// when the document cannot be read (JSON text, URL-encoded JSON, or an object).
fn policy_grants(v: &Value) -> Option<String> {
    let doc = get(v, "requestParameters.policyDocument")?;
    if doc.is_object() {
        return broad_grants(doc);
    }
    let raw = doc.as_str()?.trim();
    let decoded;
    let json: &str = if raw.starts_with('{') {
        raw
    } else {
        // IAM returns documents URL-encoded (RFC 3986); some pipelines keep them so.
        decoded = percent_decode(raw)?;
        decoded.as_str()
    };
    broad_grants(&parse_owned(json).ok()?)
}

/// The broad Allow statements of a policy document, as [`policy_grants`] words them.
fn broad_grants(doc: &Value) -> Option<String> {
    let statements: Vec<&Value> = match get(doc, "Statement")? {
        s if s.is_object() => vec![s],
        s => s.as_array()?.iter().collect(),
    };
    let mut parts: Vec<String> = Vec::new();
    for st in statements {
        if !text(st, "Effect").is_some_and(|e| e.eq_ignore_ascii_case("allow")) {
            continue;
        }
        // A policy element is one string or a list of them.
        let list = |key: &str| get(st, key).map(strings).unwrap_or_default();
        let actions = list("Action");
        let not_actions = list("NotAction");
        let wide: Vec<String> = actions
            .iter()
            .filter(|a| a.as_str() == "*" || a.ends_with(":*"))
            .cloned()
            .collect();
        let (what, wide_action) = if !not_actions.is_empty() {
            (format!("* except {}", short_list(&not_actions)), true)
        } else if !wide.is_empty() {
            (short_list(&wide), true)
        } else if !actions.is_empty() {
            (short_list(&actions), false)
        } else {
            continue;
        };
        let resources = list("Resource");
        let not_resources = list("NotResource");
        let (on, wide_resource) = if resources.iter().any(|r| r.as_str() == "*") {
            ("*".to_string(), true)
        } else if !not_resources.is_empty() {
            (format!("* except {}", short_list(&not_resources)), true)
        } else {
            (short_list(&resources), false)
        };
        if !(wide_action || wide_resource) {
            continue;
        }
        let part = if on.is_empty() {
            format!("allows {what}")
        } else {
            format!("allows {what} on {on}")
        };
        if !parts.contains(&part) {
            parts.push(part);
        }
    }
    (!parts.is_empty()).then(|| format!("policy {}", parts.join("; ")))
}

/// Decodes `%XX` escapes (and `+` as a space); `None` when the result is not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    percent_encoding::percent_decode_str(&s.replace('+', " "))
        .decode_utf8()
        .ok()
        .map(|d| d.into_owned())
}

/// The first ARN in `resources[]`.
fn first_resource(v: &Value) -> Option<String> {
    get(v, "resources")?
        .as_array()?
        .iter()
        .find_map(|r| text(r, "ARN"))
}

/// The object of a call that no family names: `resources[]`, else a well-known parameter.
fn generic_resource(v: &Value) -> Option<String> {
    if let Some(r) = first_resource(v) {
        return Some(r);
    }
    if let Some(bucket) = text(v, "requestParameters.bucketName") {
        return Some(match text(v, "requestParameters.key") {
            Some(key) => format!("{bucket}/{key}"),
            None => bucket,
        });
    }
    first_text(
        v,
        &[
            "requestParameters.roleArn",
            "requestParameters.roleName",
            "requestParameters.userName",
            "requestParameters.groupName",
            "requestParameters.functionName",
            "requestParameters.instanceId",
            "requestParameters.keyId",
            "requestParameters.secretId",
            "requestParameters.trailName",
            "requestParameters.logGroupName",
            "requestParameters.name",
            "requestParameters.instancesSet.items.0.instanceId",
        ],
    )
}

/// A short verb from an API name: its leading CamelCase word, normalized.
fn verb(name: &str, read_only: Option<bool>) -> &'static str {
    let end = name
        .char_indices()
        .skip(1)
        .find(|(_, c)| c.is_ascii_uppercase())
        .map_or(name.len(), |(i, _)| i);
    match &name[..end] {
        "Get" | "Describe" | "Head" | "Lookup" | "Batch"
            if name.starts_with("BatchGet") || !name.starts_with("Batch") =>
        {
            "read"
        }
        "Check" | "Decode" | "Download" | "Preview" | "Query" | "Scan" | "Select" | "Test"
        | "Validate" | "Verify" | "View" | "Read" | "Filter" | "Estimate" => "read",
        "List" | "Search" => "list",
        "Create" | "Add" | "Register" | "Import" | "Allocate" | "Generate" | "Request" | "Copy"
        | "Clone" | "Run" | "Launch" | "Provision" | "Insert" | "New" => "create",
        "Put" | "Upload" | "Set" | "Write" | "Send" | "Publish" => "write",
        "Delete" | "Remove" | "Terminate" | "Destroy" | "Purge" | "Deregister" | "Release"
        | "Schedule"
            if name != "Schedule"
                && (!name.starts_with("Schedule") || name.contains("Deletion")) =>
        {
            "delete"
        }
        "Update" | "Modify" | "Change" | "Patch" | "Replace" | "Reset" | "Enable" | "Disable"
        | "Attach" | "Detach" | "Associate" | "Disassociate" | "Tag" | "Untag" | "Restore"
        | "Reboot" | "Authorize" | "Revoke" | "Rotate" | "Assign" | "Unassign" | "Leave"
        | "Accept" | "Reject" | "Share" | "Apply" | "Configure" | "Failover" | "Promote" => {
            "update"
        }
        "Start" | "Resume" => "start",
        "Stop" | "Pause" | "Suspend" => "stop",
        "Invoke" | "Execute" | "Encrypt" | "Decrypt" | "Sign" | "Assume" | "Open" | "Connect" => {
            "execute"
        }
        "Cancel" | "Abort" => "cancel",
        "Login" | "Logon" | "Authenticate" => "login",
        "Logout" => "logout",
        _ => match read_only {
            Some(true) => "read",
            _ => "other",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::json::from_serde;
    use crate::normalize::test_support::{corpus_records, fixture, normalize_as};

    fn fixtures() -> Vec<serde_json::Value> {
        fixture("cloudtrail/events.jsonl")
    }

    fn event(op: &str, nth: usize) -> NormalizedEvent {
        let rec = fixtures()
            .into_iter()
            .filter(|r| r["eventName"] == op)
            .nth(nth)
            .unwrap_or_else(|| panic!("no fixture #{nth} for {op}"));
        normalize_as("cloudtrail", &rec.to_string())
    }

    fn t(s: &str) -> chrono::DateTime<chrono::Utc> {
        super::super::fields::parse_time(s).expect("test time")
    }

    #[test]
    fn identity_center_sign_ins_name_the_user_and_a_wrong_password_is_a_failed_sign_in() {
        // AWS's record shape since its 2025 change: the name only in additionalEventData.
        let rec = |ty: &str, result: &str, name: &str| {
            format!(
                r#"{{"eventVersion":"1.08","eventTime":"2026-11-10T03:00:00Z","eventSource":"signin.amazonaws.com","eventName":"CredentialVerification","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.5","userAgent":"Mozilla/5.0","eventID":"e-{result}","recipientAccountId":"123456789012","userIdentity":{{"type":"{ty}","accountId":"123456789012","onBehalfOf":{{"userId":"a1b2c3d4-1111","identityStoreArn":"arn:aws:identitystore::123456789012:identitystore/d-111111a1a"}},"credentialId":"cred-1"}},"serviceEventDetails":{{"CredentialVerification":"{result}"}},"additionalEventData":{{"CredentialType":"PASSWORD","UserName":"{name}"}}}}"#
            )
        };
        let failed = normalize_as(
            "cloudtrail",
            &rec("IdentityCenterUser", "Failure", "anyuser"),
        );
        assert_eq!(failed.user.as_deref(), Some("anyuser"));
        assert_eq!(failed.user_id.as_deref(), Some("a1b2c3d4-1111"));
        assert_eq!(
            (failed.action.as_str(), failed.outcome),
            ("login", Outcome::Failure)
        );
        let ok = normalize_as("cloudtrail", &rec("Unknown", "Success", "anyuser"));
        assert_eq!(ok.user.as_deref(), Some("anyuser"));
        assert_eq!(ok.action, "verify", "the sign-in that follows is the login");
        // A name typed wrong is hidden: the directory id is all there is.
        let hidden = normalize_as(
            "cloudtrail",
            &rec("Unknown", "Failure", "HIDDEN_DUE_TO_SECURITY_REASONS"),
        );
        assert_eq!(hidden.user.as_deref(), Some("a1b2c3d4-1111"));
    }

    #[test]
    fn a_source_identity_outranks_a_session_name_anyone_assuming_the_role_could_pick() {
        let e = normalize_as(
            "cloudtrail",
            r#"{"eventVersion":"1.08","eventTime":"2026-11-10T03:00:00Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.9","userAgent":"aws-cli/2.15.0","eventID":"s-1","recipientAccountId":"123456789012","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:alice@qlab.example","arn":"arn:aws:sts::123456789012:assumed-role/deploy/alice@qlab.example","accountId":"123456789012","sessionContext":{"sourceIdentity":"mallory@qlab.example","sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::123456789012:role/deploy","accountId":"123456789012","userName":"deploy"}}}}"#,
        );
        assert_eq!(e.user.as_deref(), Some("mallory@qlab.example"));
    }

    #[test]
    fn an_identity_enhanced_role_session_carries_the_person_it_acts_for() {
        let e = normalize_as(
            "cloudtrail",
            r#"{"eventVersion":"1.09","eventTime":"2026-11-10T03:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.9","userAgent":"aws-cli/2.15.0","eventID":"ie-1","recipientAccountId":"123456789012","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:app-session","arn":"arn:aws:sts::123456789012:assumed-role/QApp/app-session","accountId":"123456789012","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::123456789012:role/QApp","accountId":"123456789012","userName":"QApp"}},"onBehalfOf":{"userId":"94482488-3041-7026-18f3-be45837cd0e4","identityStoreArn":"arn:aws:identitystore::123456789012:identitystore/d-9067230000"}}}"#,
        );
        assert_eq!(
            e.user_id.as_deref(),
            Some("94482488-3041-7026-18f3-be45837cd0e4")
        );
        assert_eq!(e.roles, ["QApp"]);
    }

    #[test]
    fn the_root_user_is_root_and_in_the_console_a_person() {
        let e = normalize_as(
            "cloudtrail",
            r#"{"eventVersion":"1.08","eventTime":"2026-11-10T03:00:00Z","eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.9","userAgent":"AWS Internal","eventID":"r-1","recipientAccountId":"123456789012","userIdentity":{"type":"Root","principalId":"123456789012","arn":"arn:aws:iam::123456789012:root","accountId":"123456789012","userName":"acme-prod","invokedBy":"signin.amazonaws.com"},"responseElements":{"accessKey":{"accessKeyId":"AKIAEXAMPLEROOT","status":"Active","userName":"acme-prod"}}}"#,
        );
        assert_eq!(e.user.as_deref(), Some("arn:aws:iam::123456789012:root"));
        assert_eq!(e.user_kind, UserKind::Human);
    }

    #[test]
    fn a_call_with_a_console_sessions_credentials_is_a_person_in_the_console() {
        // AWS marks such calls with `sessionCredentialFromConsole` (CloudTrail record
        // contents); the role and session names here say nothing about a person.
        let rec = |marker: &str| {
            format!(
                r#"{{"eventVersion":"1.08","userIdentity":{{"type":"AssumedRole","principalId":"AROAEXAMPLE:deploy-admin","arn":"arn:aws:sts::123456789012:assumed-role/deploy-role/deploy-admin","accountId":"123456789012","accessKeyId":"ASIAEXAMPLE1","sessionContext":{{"sessionIssuer":{{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::123456789012:role/deploy-role","accountId":"123456789012","userName":"deploy-role"}},"attributes":{{"creationDate":"2024-06-01T11:00:00Z","mfaAuthenticated":"false"}}}}}},"eventTime":"2024-06-01T12:02:00Z","eventSource":"secretsmanager.amazonaws.com","eventName":"GetSecretValue","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.11","userAgent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15","requestParameters":{{"secretId":"prod/db"}},"responseElements":null,"requestID":"q3","eventID":"e3","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"123456789012","eventCategory":"Management","tlsDetails":{{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"secretsmanager.us-east-1.amazonaws.com"}}{marker}}}"#
            )
        };
        let e = normalize_as(
            "cloudtrail",
            &rec(r#","sessionCredentialFromConsole":"true""#),
        );
        assert_eq!(e.user_kind, UserKind::Human);
        assert_eq!(e.client, Client::Console);
        assert_eq!(
            (e.class, e.action.as_str(), e.outcome),
            (Class::SecretAccess, "read", Outcome::Success)
        );
        assert_eq!(
            e.user.as_deref(),
            Some("arn:aws:sts::123456789012:assumed-role/deploy-role/deploy-admin")
        );
        assert_eq!(e.src_ip.as_deref(), Some("203.0.113.11"));
        // Without the marker the same call reads as a deploy workload in a browser.
        let e = normalize_as("cloudtrail", &rec(""));
        assert_eq!(e.user_kind, UserKind::Service);
        assert_eq!(e.client, Client::Browser);
    }

    #[test]
    fn identity_center_account_assignments_and_group_memberships_are_role_changes() {
        // Shapes as Identity Center logs them (sso CreateAccountAssignment /
        // DeleteAccountAssignment, sso-directory AddMemberToGroup).
        let rec = |source: &str, name: &str, params: &str| {
            format!(
                r#"{{"eventVersion":"1.08","userIdentity":{{"type":"Root","principalId":"111122223333","arn":"arn:aws:iam::111122223333:root","accountId":"111122223333","accessKeyId":"ASIAEXAMPLEROOT","sessionContext":{{"sessionIssuer":{{}},"webIdFederationData":{{}},"attributes":{{"creationDate":"2023-04-25T19:02:24Z","mfaAuthenticated":"true"}}}}}},"eventTime":"2023-04-25T19:24:49Z","eventSource":"{source}","eventName":"{name}","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.20","userAgent":"AWS Internal","requestParameters":{params},"requestID":"r-{name}","eventID":"e-{name}","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management","sessionCredentialFromConsole":"true"}}"#
            )
        };
        let assignment = r#"{"instanceArn":"arn:aws:sso:::instance/ssoins-72233af8ea2d1f14","targetId":"444455556666","targetType":"AWS_ACCOUNT","permissionSetArn":"arn:aws:sso:::permissionSet/ssoins-72233af8ea2d1f14/ps-ae5d1fa1f80b684e","principalType":"GROUP","principalId":"34887428-4081-7042-c3c6-928d413009e7"}"#;
        let granted = normalize_as(
            "cloudtrail",
            &rec("sso.amazonaws.com", "CreateAccountAssignment", assignment),
        );
        assert_eq!(
            (granted.class, granted.action.as_str(), granted.outcome),
            (Class::RoleChange, "assign", Outcome::Success)
        );
        // The permission set goes to a group: no user is acted upon.
        assert_eq!(granted.target_user, None);
        assert_eq!(
            granted.target_role.as_deref(),
            Some("arn:aws:sso:::permissionSet/ssoins-72233af8ea2d1f14/ps-ae5d1fa1f80b684e")
        );
        assert_eq!(granted.resource.as_deref(), Some("444455556666"));
        assert_eq!(
            granted.message.as_deref(),
            Some(
                "permission set for a GROUP (34887428-4081-7042-c3c6-928d413009e7) on AWS_ACCOUNT"
            )
        );
        assert_eq!(
            granted.user.as_deref(),
            Some("arn:aws:iam::111122223333:root")
        );
        assert_eq!(granted.user_kind, UserKind::Human);
        // `AWS Internal` from the person's address in a console session: the console.
        assert_eq!(granted.client, Client::Console);
        let removed = normalize_as(
            "cloudtrail",
            &rec("sso.amazonaws.com", "DeleteAccountAssignment", assignment),
        );
        assert_eq!(
            (removed.class, removed.action.as_str()),
            (Class::RoleChange, "unassign")
        );
        let member = normalize_as(
            "cloudtrail",
            &rec(
                "sso-directory.amazonaws.com",
                "AddMemberToGroup",
                r#"{"identityStoreId":"d-906791299c","groupId":"34887428-4081-7042-c3c6-928d413009e7","member":{"memberId":"94e80458-9021-70ea-08fa-c3a10a1d8a92"}}"#,
            ),
        );
        assert_eq!(
            (member.class, member.action.as_str()),
            (Class::RoleChange, "assign")
        );
        assert_eq!(
            member.target_user.as_deref(),
            Some("94e80458-9021-70ea-08fa-c3a10a1d8a92")
        );
        assert_eq!(
            member.target_role.as_deref(),
            Some("34887428-4081-7042-c3c6-928d413009e7")
        );
        let api = normalize_as(
            "cloudtrail",
            &rec(
                "identitystore.amazonaws.com",
                "CreateGroupMembership",
                r#"{"identityStoreId":"d-906791299c","groupId":"g-1","memberId":{"userId":"u-1"}}"#,
            ),
        );
        assert_eq!(
            (
                api.action.as_str(),
                api.target_user.as_deref(),
                api.target_role.as_deref()
            ),
            ("assign", Some("u-1"), Some("g-1"))
        );
    }

    #[test]
    fn console_login_success_with_mfa() {
        let e = event("ConsoleLogin", 0);
        assert_eq!(e.class, Class::Authentication);
        assert_eq!(e.action, "login");
        assert_eq!(e.outcome, Outcome::Success);
        assert_eq!(e.user.as_deref(), Some("alice"));
        assert_eq!(e.user_id.as_deref(), Some("AIDAEXAMPLEALICE0001"));
        assert_eq!(e.user_kind, UserKind::Human);
        assert_eq!(e.mfa, Some(true));
        assert_eq!(e.src_ip.as_deref(), Some("198.51.100.23"));
        assert_eq!(e.client, Client::Console);
        assert_eq!(e.project.as_deref(), Some("111122223333"));
        assert_eq!(e.time, t("2025-03-03T08:15:02Z"));
        assert_eq!(
            e.source_id.as_deref(),
            Some("3b6c7a7e-1f0e-4c55-9d57-1d6f1c0d1a01")
        );
        assert_eq!(e.service.as_deref(), Some("signin.amazonaws.com"));
    }

    #[test]
    fn console_login_failure_of_root() {
        let e = event("ConsoleLogin", 1);
        assert_eq!(e.outcome, Outcome::Failure);
        assert_eq!(e.reason.as_deref(), Some("Failed authentication"));
        assert_eq!(e.user.as_deref(), Some("arn:aws:iam::111122223333:root"));
        assert_eq!(e.user_kind, UserKind::Human);
        assert_eq!(e.mfa, Some(false));
        assert_eq!(e.src_ip.as_deref(), Some("203.0.113.77"));
    }

    #[test]
    fn sso_user_assumed_role_is_human() {
        let e = event("GetSecretValue", 0);
        assert_eq!(e.class, Class::SecretAccess);
        assert_eq!(e.action, "read");
        assert_eq!(e.outcome, Outcome::Success);
        assert_eq!(e.user.as_deref(), Some("dana@example.com"));
        assert_eq!(e.user_kind, UserKind::Human);
        assert_eq!(
            e.roles,
            vec!["AWSReservedSSO_QuantumResearcher_0123456789abcdef".to_string()]
        );
        assert_eq!(
            e.session_id.as_deref(),
            Some("AROAEXAMPLESSOROLE01:dana@example.com")
        );
        assert_eq!(e.user_id.as_deref(), Some("AROAEXAMPLESSOROLE01"));
        assert_eq!(e.token_id.as_deref(), Some("ASIAEXAMPLEDANA00001"));
        assert_eq!(e.mfa, Some(true));
        assert_eq!(e.resource.as_deref(), Some("prod/braket/api-key"));
        assert_eq!(e.client, Client::Cli);
        assert_eq!(
            e.request_id.as_deref(),
            Some("c0ffee00-0000-4000-8000-000000000002")
        );
    }

    #[test]
    fn denied_secret_read_is_failure() {
        let e = event("GetSecretValue", 1);
        assert_eq!(e.outcome, Outcome::Failure);
        assert_eq!(
            e.reason.as_deref(),
            Some(
                "AccessDenied: User: arn:aws:sts::111122223333:assumed-role/ci-deploy/gh-run-42 is not authorized to perform: secretsmanager:GetSecretValue"
            )
        );
        assert_eq!(e.user_kind, UserKind::Service);
        assert_eq!(e.client, Client::Pipeline);
        assert_eq!(
            e.user.as_deref(),
            Some("arn:aws:sts::111122223333:assumed-role/ci-deploy/gh-run-42")
        );
    }

    #[test]
    fn braket_qpu_task_submission() {
        let e = event("CreateQuantumTask", 0);
        assert_eq!(e.class, Class::Job);
        assert_eq!(e.action, "submit");
        assert_eq!(e.outcome, Outcome::Success);
        assert_eq!(
            e.backend.as_deref(),
            Some("arn:aws:braket:us-east-1::device/qpu/ionq/Aria-1")
        );
        assert_eq!(e.provider.as_deref(), Some("ionq"));
        assert_eq!(e.hardware, Some(Hardware::Qpu));
        assert_eq!(e.shots, Some(1000));
        assert_eq!(
            e.job_id.as_deref(),
            Some(
                "arn:aws:braket:us-east-1:111122223333:quantum-task/7c1e2f3a-0b4d-4e5f-8a9b-0c1d2e3f4a5b"
            )
        );
        assert_eq!(e.job_status, Some(JobStatus::Queued));
        assert_eq!(e.client, Client::Notebook);
        assert_eq!(e.user_kind, UserKind::Human);
        assert_eq!(e.region.as_deref(), Some("us-east-1"));
    }

    #[test]
    fn braket_simulator_task_from_service_role() {
        let e = event("CreateQuantumTask", 1);
        assert_eq!(e.hardware, Some(Hardware::Simulator));
        assert_eq!(e.provider.as_deref(), Some("amazon"));
        assert_eq!(
            e.backend.as_deref(),
            Some("arn:aws:braket:::device/quantum-simulator/amazon/sv1")
        );
        assert_eq!(e.shots, Some(100));
        assert_eq!(e.user_kind, UserKind::Service);
        assert_eq!(e.src_ip, None);
        assert_eq!(e.client, Client::Service);
        // Run by a hybrid job: the job's role session stays the session, and the
        // job's (fingerprinted) token is named.
        assert_eq!(
            e.session_id.as_deref(),
            Some("AROAEXAMPLEBRAKETJB1:BraketJob-111122223333-qaoa-run-7")
        );
        assert_eq!(
            e.message.as_deref(),
            Some("task of a hybrid job (job token qfp:0a1b2c3d4e5f60718293a4b5)")
        );
    }

    #[test]
    fn a_refused_hybrid_job_keeps_the_arn_later_calls_name() {
        let e = normalize_as(
            "cloudtrail",
            r#"{"eventVersion":"1.09","eventTime":"2026-11-10T23:10:00Z","eventSource":"braket.amazonaws.com","eventName":"CreateJob","awsRegion":"us-west-2","sourceIPAddress":"198.51.100.9","userAgent":"Boto3/1.34.0 Python/3.11.6 braket-sdk/1.80.0","eventID":"j-1","recipientAccountId":"111122223333","errorCode":"ServiceQuotaExceededException","errorMessage":"Too many concurrent jobs","userIdentity":{"type":"IAMUser","userName":"alice","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333"},"requestParameters":{"jobName":"vqe-h2-sweep","roleArn":"arn:aws:iam::111122223333:role/BraketJobsAdmin","deviceConfig":{"device":"arn:aws:braket:us-east-1::device/qpu/ionq/Aria-1"},"instanceConfig":{"instanceType":"ml.m5.xlarge","instanceCount":2,"volumeSizeInGb":30},"algorithmSpecification":{"scriptModeConfig":{"entryPoint":"vqe.main:run","s3Uri":"s3://qlab-jobs/vqe.tar.gz","compressionType":"GZIP"}}},"responseElements":null}"#,
        );
        assert_eq!(e.action, "submit");
        assert_eq!(e.outcome, Outcome::Failure);
        assert_eq!(
            e.job_id.as_deref(),
            Some("arn:aws:braket:us-west-2:111122223333:job/vqe-h2-sweep")
        );
        assert_eq!(e.hardware, Some(Hardware::Qpu));
        assert_eq!(e.provider.as_deref(), Some("ionq"));
        assert_eq!(
            e.message.as_deref(),
            Some(
                "hybrid job: 2 x ml.m5.xlarge, role arn:aws:iam::111122223333:role/BraketJobsAdmin, runs vqe.main:run"
            )
        );
    }

    #[test]
    fn a_braket_task_in_a_reservation_names_it() {
        // CreateQuantumTask's `associations` (Braket API reference): a Braket Direct
        // reservation, billed by the hour rather than per task and shot.
        let e = normalize_as(
            "cloudtrail",
            r#"{"eventVersion":"1.09","eventTime":"2026-11-10T09:00:00Z","eventSource":"braket.amazonaws.com","eventName":"CreateQuantumTask","awsRegion":"eu-north-1","sourceIPAddress":"198.51.100.50","userAgent":"Boto3/1.35.0 Botocore/1.35.0 BraketSdk/1.88.0","eventID":"r-1","recipientAccountId":"111122223333","userIdentity":{"type":"IAMUser","userName":"carol","arn":"arn:aws:iam::111122223333:user/carol","accountId":"111122223333","accessKeyId":"AKIAEXAMPLECAROL0001"},"requestParameters":{"clientToken":"c1","deviceArn":"arn:aws:braket:eu-north-1::device/qpu/iqm/Garnet","outputS3Bucket":"amazon-braket-eu-north-1-111122223333","outputS3KeyPrefix":"tasks","shots":1000,"associations":[{"arn":"arn:aws:braket:eu-north-1:111122223333:reservation/a1b2c3d4-1111-2222-3333-444455556666","type":"RESERVATION_TIME_WINDOW_ARN"}]},"responseElements":{"quantumTaskArn":"arn:aws:braket:eu-north-1:111122223333:quantum-task/aaaa1111-0000-4000-8000-000000000001"}}"#,
        );
        assert_eq!((e.class, e.action.as_str()), (Class::Job, "submit"));
        assert_eq!(e.provider.as_deref(), Some("iqm"));
        assert_eq!(e.hardware, Some(Hardware::Qpu));
        assert_eq!(e.shots, Some(1000));
        assert_eq!(
            e.session_id.as_deref(),
            Some(
                "arn:aws:braket:eu-north-1:111122223333:reservation/a1b2c3d4-1111-2222-3333-444455556666"
            )
        );
        assert_eq!(
            e.message.as_deref(),
            Some(
                "runs in reservation arn:aws:braket:eu-north-1:111122223333:reservation/a1b2c3d4-1111-2222-3333-444455556666"
            )
        );
    }

    #[test]
    fn braket_tagging_is_api_activity_on_the_tagged_resource() {
        let e = normalize_as(
            "cloudtrail",
            r#"{"eventVersion":"1.09","eventTime":"2026-11-10T09:10:00Z","eventSource":"braket.amazonaws.com","eventName":"TagResource","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.50","userAgent":"aws-cli/2.17.0","eventID":"t-1","recipientAccountId":"111122223333","userIdentity":{"type":"IAMUser","userName":"carol","arn":"arn:aws:iam::111122223333:user/carol","accountId":"111122223333"},"requestParameters":{"resourceArn":"arn:aws:braket:us-east-1:111122223333:quantum-task/aaaa1111-0000-4000-8000-000000000002","tags":{"cost-center":"q1"}},"responseElements":null}"#,
        );
        assert_eq!((e.class, e.action.as_str()), (Class::ApiActivity, "update"));
        assert_eq!(
            e.resource.as_deref(),
            Some(
                "arn:aws:braket:us-east-1:111122223333:quantum-task/aaaa1111-0000-4000-8000-000000000002"
            )
        );
        assert_eq!(
            (e.job_id.as_deref(), e.job_status, e.hardware),
            (None, None, None)
        );
    }

    #[test]
    fn braket_cancel_and_denied_submit() {
        let e = event("CancelQuantumTask", 0);
        assert_eq!(e.action, "cancel");
        assert_eq!(e.job_status, Some(JobStatus::Cancelled));
        assert_eq!(
            e.job_id.as_deref(),
            Some(
                "arn:aws:braket:us-east-1:111122223333:quantum-task/7c1e2f3a-0b4d-4e5f-8a9b-0c1d2e3f4a5b"
            )
        );
        let d = event("CreateQuantumTask", 2);
        assert_eq!(d.outcome, Outcome::Failure);
        assert_eq!(d.job_status, None);
        assert_eq!(d.hardware, Some(Hardware::Qpu));
        assert_eq!(d.provider.as_deref(), Some("rigetti"));
        assert!(
            d.reason
                .as_deref()
                .is_some_and(|r| r.starts_with("AccessDeniedException: "))
        );
    }

    #[test]
    fn sts_assume_role_issues_token() {
        let e = event("AssumeRole", 0);
        assert_eq!(e.class, Class::Token);
        assert_eq!(e.action, "issue");
        assert_eq!(e.token_id.as_deref(), Some("ASIAEXAMPLEISSUED001"));
        assert_eq!(
            e.session_id.as_deref(),
            Some("AROAEXAMPLEBRAKET001:i-0abc1234def567890")
        );
        assert_eq!(
            e.target_role.as_deref(),
            Some("arn:aws:iam::111122223333:role/braket-notebook-role")
        );
        assert_eq!(e.user.as_deref(), Some("ec2.amazonaws.com"));
        assert_eq!(e.user_kind, UserKind::Service);
        assert_eq!(e.client, Client::Service);
    }

    #[test]
    fn iam_policy_attach_and_access_key() {
        let e = event("AttachUserPolicy", 0);
        assert_eq!(e.class, Class::RoleChange);
        assert_eq!(e.action, "assign");
        assert_eq!(e.target_user.as_deref(), Some("bob"));
        assert_eq!(
            e.target_role.as_deref(),
            Some("arn:aws:iam::aws:policy/AdministratorAccess")
        );
        let k = event("CreateAccessKey", 0);
        assert_eq!(k.class, Class::Token);
        assert_eq!(k.action, "issue");
        assert_eq!(k.token_id.as_deref(), Some("AKIAEXAMPLENEWKEY001"));
        assert_eq!(k.target_user.as_deref(), Some("bob"));
        let u = event("UpdateAccessKey", 0);
        assert_eq!(u.action, "revoke");
        assert_eq!(u.token_id.as_deref(), Some("AKIAEXAMPLENEWKEY001"));
    }

    #[test]
    fn inline_policies_and_new_policy_versions_say_what_they_grant() {
        // Parameters as IAM's API names them (PutUserPolicy, CreatePolicyVersion,
        // SetDefaultPolicyVersion); the document is JSON text as CloudTrail records it.
        let rec = |name: &str, params: serde_json::Value, response: serde_json::Value| {
            serde_json::json!({"eventVersion": "1.09",
                "userIdentity": {"type": "IAMUser", "principalId": "AIDAQLABDEV000000001", "arn": "arn:aws:iam::111122223333:user/dev",
                    "accountId": "111122223333", "accessKeyId": "AKIAQLABDEV000000001", "userName": "dev"},
                "eventTime": "2026-05-29T10:14:22Z", "eventSource": "iam.amazonaws.com", "eventName": name,
                "awsRegion": "us-east-1", "sourceIPAddress": "198.51.100.45",
                "userAgent": "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0 exe/x86_64.ubuntu.22",
                "requestParameters": params, "responseElements": response,
                "requestID": format!("r-{name}"), "eventID": format!("e-{name}"), "readOnly": false,
                "eventType": "AwsApiCall", "managementEvent": true, "recipientAccountId": "111122223333",
                "eventCategory": "Management"})
            .to_string()
        };
        let none = serde_json::Value::Null;
        let put = normalize_as(
            "cloudtrail",
            &rec(
                "PutUserPolicy",
                serde_json::json!({"userName": "dev", "policyName": "escalate",
                    "policyDocument": r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:*","Resource":"*"}}"#}),
                none.clone(),
            ),
        );
        assert_eq!(
            (put.class, put.action.as_str(), put.outcome),
            (Class::RoleChange, "assign", Outcome::Success)
        );
        assert_eq!(put.target_user.as_deref(), Some("dev"));
        assert_eq!(put.target_role.as_deref(), Some("escalate"));
        assert_eq!(put.resource.as_deref(), Some("dev"));
        assert_eq!(put.message.as_deref(), Some("policy allows iam:* on *"));

        // URL-encoded, as IAM returns documents.
        let role = normalize_as(
            "cloudtrail",
            &rec(
                "PutRolePolicy",
                serde_json::json!({"roleName": "qlab-ci-deployer", "policyName": "ci",
                    "policyDocument": "%7B%22Version%22%3A%20%222012-10-17%22%2C%20%22Statement%22%3A%20%5B%7B%22Effect%22%3A%20%22Allow%22%2C%20%22Action%22%3A%20%22%2A%22%2C%20%22Resource%22%3A%20%22%2A%22%7D%5D%7D"}),
                none.clone(),
            ),
        );
        assert_eq!(role.target_user.as_deref(), Some("qlab-ci-deployer"));
        assert_eq!(role.target_role.as_deref(), Some("ci"));
        assert_eq!(role.message.as_deref(), Some("policy allows * on *"));

        // A document that grants little (a Deny of everything, one bucket's objects),
        // here as an object: no summary.
        let group = normalize_as(
            "cloudtrail",
            &rec(
                "PutGroupPolicy",
                serde_json::json!({"groupName": "analysts", "policyName": "results-read",
                    "policyDocument": {"Version": "2012-10-17", "Statement": [
                        {"Effect": "Deny", "Action": ["*"], "Resource": ["*"]},
                        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::qlab-results/*"]}]}}),
                none.clone(),
            ),
        );
        assert_eq!(
            (group.class, group.action.as_str()),
            (Class::RoleChange, "assign")
        );
        assert_eq!(group.target_role.as_deref(), Some("results-read"));
        assert_eq!(group.resource.as_deref(), Some("analysts"));
        assert_eq!(group.message, None);

        // A document that cannot be read still gives the role change, without a summary.
        let broken = normalize_as(
            "cloudtrail",
            &rec(
                "PutUserPolicy",
                serde_json::json!({"userName": "dev", "policyName": "x", "policyDocument": "{\"Statement\": [{\"Effect\""}),
                none.clone(),
            ),
        );
        assert_eq!(
            (broken.class, broken.target_role.as_deref(), broken.message),
            (Class::RoleChange, Some("x"), None)
        );

        // Privilege escalation by a new default version of a policy the caller holds.
        let arn = "arn:aws:iam::111122223333:policy/DevSvcPolicy";
        let version = normalize_as(
            "cloudtrail",
            &rec(
                "CreatePolicyVersion",
                serde_json::json!({"policyArn": arn, "setAsDefault": true,
                    "policyDocument": "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\",\n      \"Action\": \"*\",\n      \"Resource\": \"*\"\n    }\n  ]\n}"}),
                serde_json::json!({"policyVersion": {"versionId": "v2", "isDefaultVersion": true, "createDate": "May 29, 2026 10:14:22 AM"}}),
            ),
        );
        assert_eq!(
            (version.class, version.action.as_str()),
            (Class::RoleChange, "assign")
        );
        assert_eq!(version.target_role.as_deref(), Some(arn));
        assert_eq!(version.resource.as_deref(), Some(arn));
        assert_eq!(version.target_user, None);
        assert_eq!(version.message.as_deref(), Some("policy allows * on *"));

        // Not made the default: the policy changes, nobody's access does yet.
        let staged = normalize_as(
            "cloudtrail",
            &rec(
                "CreatePolicyVersion",
                serde_json::json!({"policyArn": arn, "setAsDefault": false,
                    "policyDocument": r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":"*"},{"Effect":"Allow","Action":["ec2:DescribeInstances","ec2:DescribeImages"],"Resource":"*"}]}"#}),
                none.clone(),
            ),
        );
        assert_eq!(
            (staged.class, staged.action.as_str()),
            (Class::RoleChange, "update")
        );
        assert_eq!(
            staged.message.as_deref(),
            Some(
                "policy allows * except iam:*, organizations:* on *; allows ec2:DescribeInstances, ec2:DescribeImages on *"
            )
        );

        let default = normalize_as(
            "cloudtrail",
            &rec(
                "SetDefaultPolicyVersion",
                serde_json::json!({"policyArn": arn, "versionId": "v3"}),
                none.clone(),
            ),
        );
        assert_eq!(
            (default.class, default.action.as_str()),
            (Class::RoleChange, "assign")
        );
        assert_eq!(default.target_role.as_deref(), Some(arn));
        assert_eq!(default.message.as_deref(), Some("default version v3"));

        // A wildcard service among named actions is what is reported; a statement
        // on named resources with named actions is not.
        let created = normalize_as(
            "cloudtrail",
            &rec(
                "CreatePolicy",
                serde_json::json!({"policyName": "DataOps", "path": "/",
                    "policyDocument": r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:Describe*","s3:*"],"Resource":"*"},{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::111122223333:role/etl"}]}"#}),
                serde_json::json!({"policy": {"policyName": "DataOps", "policyId": "ANPAQLABDATAOPS00001",
                    "arn": "arn:aws:iam::111122223333:policy/DataOps", "path": "/", "defaultVersionId": "v1",
                    "attachmentCount": 0, "isAttachable": true}}),
            ),
        );
        assert_eq!(
            (created.class, created.action.as_str()),
            (Class::RoleChange, "create")
        );
        assert_eq!(
            created.target_role.as_deref(),
            Some("arn:aws:iam::111122223333:policy/DataOps")
        );
        assert_eq!(created.message.as_deref(), Some("policy allows s3:* on *"));
    }

    #[test]
    fn a_deny_everything_quarantine_policy_grants_nothing() {
        // Panther's test record of AWS's compromised-key quarantine (a Deny of * on *).
        let v = from_serde(serde_json::json!({"requestParameters": {"policyDocument":
            "{\n\t\"Version\": \"2012-10-17\",\n\t\"Statement\": [\n\t\t{\n\t\t\t\"Sid\": \"TestUserDenyAll\",\n\t\t\t\"Effect\": \"Deny\",\n\t\t\t\"Action\": [\"*\"],\n\t\t\t\"Resource\": [\"*\"]\n\t\t}\n\t]\n}"}}));
        assert_eq!(policy_grants(&v), None);
        assert_eq!(
            percent_decode("%7B%22a%22%3A+1%7D").as_deref(),
            Some(r#"{"a": 1}"#)
        );
        // A stray % is kept; bytes that are not UTF-8 are no document.
        assert_eq!(percent_decode("100%").as_deref(), Some("100%"));
        assert_eq!(percent_decode("%zz%4").as_deref(), Some("%zz%4"));
        assert_eq!(percent_decode("%FF"), None);
    }

    #[test]
    fn ec2_denied_burst_and_generic_verbs() {
        let e = event("GetPasswordData", 0);
        assert_eq!(e.class, Class::ApiActivity);
        assert_eq!(e.action, "read");
        assert_eq!(e.outcome, Outcome::Failure);
        assert!(
            e.reason
                .as_deref()
                .is_some_and(|r| r.starts_with("Client.UnauthorizedOperation: "))
        );
        assert_eq!(e.user_kind, UserKind::Human);
        assert_eq!(verb("DescribeInstances", None), "read");
        assert_eq!(verb("ListBuckets", None), "list");
        assert_eq!(verb("DeleteBucket", None), "delete");
        assert_eq!(verb("ModifyInstanceAttribute", None), "update");
        assert_eq!(verb("BatchGetSecretValue", None), "read");
        assert_eq!(verb("ScheduleKeyDeletion", None), "delete");
        assert_eq!(verb("PutObject", None), "write");
        assert_eq!(verb("Foo", Some(true)), "read");
    }

    #[test]
    fn a_kms_decrypt_is_a_secret_read_unless_a_service_decrypts_for_its_caller() {
        let decrypt = |ip: &str, context: &str| {
            normalize_as(
                "cloudtrail",
                &format!(
                    r#"{{"eventVersion":"1.08","eventTime":"2026-11-02T10:00:00Z","eventSource":"kms.amazonaws.com","eventName":"Decrypt",
                        "awsRegion":"us-east-1","sourceIPAddress":"{ip}","userIdentity":{{"type":"IAMUser","userName":"bob","arn":"arn:aws:iam::1:user/bob"}},
                        "requestParameters":{{"encryptionAlgorithm":"SYMMETRIC_DEFAULT","encryptionContext":{context}}},"eventID":"k-{ip}","readOnly":true}}"#
                ),
            )
        };
        let own = decrypt("198.51.100.7", r#"{"app":"qpu-broker"}"#);
        assert_eq!(
            (own.class, own.action.as_str()),
            (Class::SecretAccess, "read")
        );
        let s3 = decrypt(
            "AWS Internal",
            r#"{"aws:s3:arn":"arn:aws:s3:::results/run-1.json"}"#,
        );
        assert_eq!(s3.class, Class::ApiActivity);
        let secret = decrypt(
            "secretsmanager.amazonaws.com",
            r#"{"SecretARN":"arn:aws:secretsmanager:us-east-1:1:secret:qpu-key"}"#,
        );
        assert_eq!(secret.class, Class::ApiActivity);
    }

    #[test]
    fn a_console_sign_in_through_a_workload_named_role_is_a_person() {
        let e = normalize_as(
            "cloudtrail",
            r#"{"eventVersion":"1.08","eventTime":"2026-11-02T10:00:00Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin",
                "awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","userAgent":"Mozilla/5.0 Chrome/120.0",
                "userIdentity":{"type":"AssumedRole","principalId":"AROAX:bob","arn":"arn:aws:sts::111122223333:assumed-role/ec2-deploy-admins/bob",
                  "accountId":"111122223333","sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/ec2-deploy-admins","userName":"ec2-deploy-admins"}}},
                "responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"MFAUsed":"No"},"eventID":"c1","eventType":"AwsConsoleSignIn"}"#,
        );
        assert_eq!(e.user_kind, UserKind::Human);
        // Signed in through a role: the identity provider did or did not ask for MFA.
        assert_eq!(e.mfa, None);
    }

    #[test]
    fn identity_center_sign_in() {
        let e = event("CredentialVerification", 0);
        assert_eq!(e.class, Class::Authentication);
        assert_eq!(e.action, "mfa");
        assert_eq!(e.outcome, Outcome::Failure);
        assert_eq!(e.mfa, Some(true));
        assert_eq!(e.user.as_deref(), Some("dana"));
        assert_eq!(e.user_kind, UserKind::Human);
        let u = event("UserAuthentication", 0);
        assert_eq!(u.action, "login");
        assert_eq!(u.outcome, Outcome::Success);
        assert_eq!(u.mfa, Some(true));
    }

    #[test]
    fn logstash_record_uses_timestamp_and_service_ip() {
        let e = event("DescribeInstances", 0);
        assert_eq!(e.time, t("2025-03-03T09:00:01Z"));
        assert_eq!(e.src_ip, None);
        assert_eq!(e.client, Client::Service);
        assert_eq!(e.user_kind, UserKind::Service);
        assert_eq!(e.action, "read");
        // The first instance of `instancesSet.items` is what was described.
        assert_eq!(e.resource.as_deref(), Some("i-0fedcba9876543210"));
    }

    #[test]
    fn ips_are_canonical() {
        assert_eq!(
            canonical_ip("035.249.253.232").as_deref(),
            Some("35.249.253.232")
        );
        assert_eq!(canonical_ip("2001:db8::1").as_deref(), Some("2001:db8::1"));
        assert_eq!(canonical_ip("braket.amazonaws.com"), None);
        assert_eq!(canonical_ip("AWS Internal"), None);
        assert_eq!(canonical_ip("256.1.1.1"), None);
    }

    #[test]
    fn errors_name_the_field() {
        let f = CloudTrail;
        let v: Value = from_serde(
            serde_json::json!({"eventVersion": "1.08", "eventSource": "s3.amazonaws.com", "eventName": "GetObject"}),
        );
        assert!(f.detect(&v));
        let err = f.normalize(&v).expect_err("no time").to_string();
        assert!(err.contains("eventTime"), "{err}");
        let v: Value = from_serde(
            serde_json::json!({"eventVersion": "1.08", "eventSource": "s3.amazonaws.com", "eventName": "GetObject", "eventTime": "redacted"}),
        );
        let err = f.normalize(&v).expect_err("bad time").to_string();
        assert!(
            err.contains("eventTime") && err.contains("redacted"),
            "{err}"
        );
        let v: Value =
            from_serde(serde_json::json!({"p_log_type": "AWS.CloudTrail", "eventType": "logout"}));
        let err = f.normalize(&v).expect_err("no name").to_string();
        assert!(err.contains("eventName"), "{err}");
    }

    #[test]
    fn sign_in_without_event_source() {
        let v = from_serde(
            serde_json::json!({"p_log_type": "AWS.CloudTrail", "eventName": "ConsoleLogin",
            "userIdentity": {"type": "IAMUser", "userName": "some_user"},
            "responseElements": {"ConsoleLogin": "Failure"}, "p_event_time": "2021-06-04 09:59:53.650807"}),
        );
        let e = CloudTrail.normalize(&v).expect("normalizes");
        assert_eq!(
            (e.class, e.action.as_str(), e.outcome),
            (Class::Authentication, "login", Outcome::Failure)
        );
        assert_eq!(e.service, None);
        assert_eq!(e.time, t("2021-06-04T09:59:53.650807Z"));
    }

    #[test]
    fn detection_is_specific() {
        let f = CloudTrail;
        assert!(!f.detect(&from_serde(serde_json::json!({"eventType": "user.session.start", "published": "2024-01-01T00:00:00Z"}))));
        assert!(!f.detect(&from_serde(serde_json::json!({"eventName": {"value": "EndRequest"}, "eventTimestamp": "2024-01-01T00:00:00Z"}))));
        assert!(!f.detect(&from_serde(
            serde_json::json!({"protoPayload": {"methodName": "x"}})
        )));
        assert!(f.detect(&from_serde(
            serde_json::json!({"eventname": "GetRecords", "eventsource": "dynamodb.amazonaws.com"})
        )));
    }

    #[test]
    fn every_fixture_normalizes() {
        for r in fixtures() {
            let e = normalize_as("cloudtrail", &r.to_string());
            assert!(!e.action.is_empty(), "{r}");
        }
    }

    /// Every CloudTrail record of the corpus is detected and normalizes or errs with a reason.
    fn check_corpus(
        rel: &str,
    ) -> Option<Vec<(Value<'static>, Result<NormalizedEvent, NormalizeError>)>> {
        let records = corpus_records(rel)?;
        let mut out = Vec::new();
        for r in records {
            let v = from_serde(r.clone());
            let found = crate::normalize::detect(&v).map(|f| f.name());
            assert_eq!(
                found,
                Some("cloudtrail"),
                "{rel}: not detected as cloudtrail: {r}"
            );
            let res = CloudTrail.normalize(&v);
            if let Err(err) = &res {
                assert!(!err.to_string().is_empty());
            }
            out.push((v, res));
        }
        Some(out)
    }

    #[test]
    fn corpus_datadog_detonations() {
        let Ok(root) = std::env::var("QTRAIL_CORPUS") else {
            return;
        };
        let dir = std::path::Path::new(&root)
            .join("aws-cloudtrail/DataDog__stratus-red-team/docs/detonation-logs");
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .expect("detonation logs dir")
            .filter_map(|d| d.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".json"))
            .collect();
        names.sort();
        let mut all = Vec::new();
        for n in &names {
            let rel = format!("aws-cloudtrail/DataDog__stratus-red-team/docs/detonation-logs/{n}");
            all.extend(check_corpus(&rel).unwrap_or_default());
        }
        assert!(all.len() > 250, "{}", all.len());
        assert!(
            all.iter().all(|(_, r)| r.is_ok()),
            "every detonation record normalizes"
        );
        let ok: Vec<&NormalizedEvent> = all.iter().filter_map(|(_, r)| r.as_ref().ok()).collect();
        // ec2-get-password-data: a burst of denied calls.
        let denied = ok
            .iter()
            .filter(|e| {
                e.operation.as_deref() == Some("GetPasswordData") && e.outcome == Outcome::Failure
            })
            .count();
        assert!(denied >= 30, "{denied}");
        // secretsmanager-batch-retrieve-secrets.
        let batch: Vec<_> = ok
            .iter()
            .filter(|e| e.operation.as_deref() == Some("BatchGetSecretValue"))
            .collect();
        assert_eq!(batch.len(), 5);
        assert!(
            batch
                .iter()
                .all(|e| e.class == Class::SecretAccess && e.action == "read")
        );
        assert_eq!(batch[0].user.as_deref(), Some("christophe"));
        assert_eq!(batch[0].src_ip.as_deref(), Some("88.223.251.255"));
        assert_eq!(
            batch[0].resource.as_deref(),
            Some("filter:tag-key=StratusRedTeam")
        );
        // console-login-without-mfa.
        let login = ok
            .iter()
            .find(|e| e.operation.as_deref() == Some("ConsoleLogin"))
            .expect("a ConsoleLogin");
        assert_eq!(login.class, Class::Authentication);
        assert_eq!(login.outcome, Outcome::Success);
        assert_eq!(login.mfa, Some(false));
        assert_eq!(login.src_ip.as_deref(), Some("225.1.0.16"));
        assert_eq!(login.user_kind, UserKind::Human);
    }

    #[test]
    fn corpus_panther() {
        let Some(all) = check_corpus(
            "aws-cloudtrail/panther-labs__panther-analysis/rules/EXTRACTED_tests__AWS.CloudTrail.jsonl",
        ) else {
            return;
        };
        let errors: Vec<String> = all
            .iter()
            .filter_map(|(_, r)| r.as_ref().err().map(|e| e.to_string()))
            .collect();
        assert!(errors.len() < 20, "{errors:?}");
        // A SAML-federated console login: AWS says MFAUsed=No whatever the IdP did.
        let saml = all
            .iter()
            .filter(|(v, _)| get(v, "additionalEventData.SamlProviderArn").is_some())
            .filter_map(|(_, r)| r.as_ref().ok())
            .filter(|e| e.operation.as_deref() == Some("ConsoleLogin"))
            .collect::<Vec<_>>();
        assert!(!saml.is_empty());
        assert!(saml.iter().all(|e| e.mfa != Some(false)), "{saml:?}");
        // Root console login failures are failures.
        let root_fail = all
            .iter()
            .filter_map(|(_, r)| r.as_ref().ok())
            .filter(|e| {
                e.operation.as_deref() == Some("ConsoleLogin")
                    && e.user.as_deref().is_some_and(|u| u.ends_with(":root"))
                    && e.outcome == Outcome::Failure
            })
            .count();
        assert!(root_fail >= 1, "{root_fail}");
        let victim = check_corpus(
            "aws-cloudtrail/panther-labs__panther-analysis/test_scenarios/compromised-root-creds/victim_cloudtrail.EXTRACTED_Logs.jsonl",
        )
        .unwrap_or_default();
        assert_eq!(victim.len(), 4);
        let attacker = check_corpus(
            "aws-cloudtrail/panther-labs__panther-analysis/test_scenarios/compromised-root-creds/attacker_cloudtrail.EXTRACTED_Logs.jsonl",
        )
        .unwrap_or_default();
        let events: Vec<&NormalizedEvent> = attacker
            .iter()
            .filter_map(|(_, r)| r.as_ref().ok())
            .collect();
        assert_eq!(events.len(), 12);
        // Three failed root logins from Romania, then a success, then persistence.
        for e in &events[..3] {
            assert_eq!(
                (e.class, e.action.as_str(), e.outcome),
                (Class::Authentication, "login", Outcome::Failure)
            );
            assert!(
                e.user.as_deref().is_some_and(|u| u.ends_with(":root")),
                "{:?}",
                e.user
            );
            assert_eq!(e.src_ip.as_deref(), Some("92.55.146.245"));
        }
        assert_eq!(events[3].outcome, Outcome::Success);
        assert_eq!(events[4].outcome, Outcome::Failure);
        assert_eq!(
            events[4]
                .reason
                .as_deref()
                .map(|r| r.starts_with("NotOrganizationMasterAccountException")),
            Some(true)
        );
        assert_eq!(
            (events[5].class, events[5].action.as_str()),
            (Class::Token, "issue")
        );
        assert_eq!(events[5].token_id.as_deref(), Some("AKIA5ZZZK44445XXFFVB"));
        assert_eq!(
            (events[6].class, events[6].action.as_str()),
            (Class::Account, "create")
        );
        assert_eq!(events[6].target_user.as_deref(), Some("tracy_stone"));
        assert_eq!(events[7].class, Class::RoleChange);
    }

    #[test]
    fn corpus_otrf_logstash() {
        let Some(all) = check_corpus(
            "aws-cloudtrail/OTRF__Security-Datasets/datasets/atomic/aws/collection/ec2_proxy_s3_exfiltration_2020-09-14011940.json",
        ) else {
            return;
        };
        assert_eq!(all.len(), 103);
        assert!(all.iter().all(|(_, r)| r.is_ok()));
        let first = all[0].1.as_ref().expect("ok");
        assert_eq!(first.operation.as_deref(), Some("DescribeInstanceTypes"));
        assert_eq!(first.time, t("2020-09-14T00:44:23Z"));
        assert_eq!(first.user.as_deref(), Some("pedro"));
        assert_eq!(first.src_ip.as_deref(), Some("1.2.3.4"));
        assert_eq!(first.client, Client::Console);
        assert_eq!(first.mfa, Some(true));
    }

    #[test]
    fn a_failed_rotation_is_a_failure_and_a_random_password_no_secret_read() {
        let rotation = normalize_as(
            "cloudtrail",
            r#"{"eventVersion":"1.08","userIdentity":{"accountId":"111122223333","invokedBy":"secretsmanager.amazonaws.com"},"eventTime":"2026-11-10T03:00:00Z","eventSource":"secretsmanager.amazonaws.com","eventName":"RotationFailed","awsRegion":"us-east-1","sourceIPAddress":"secretsmanager.amazonaws.com","userAgent":"secretsmanager.amazonaws.com","errorMessage":"A previous rotation isn't complete. That rotation will be reattempted.","requestParameters":null,"responseElements":null,"additionalEventData":{"SecretId":"arn:aws:secretsmanager:us-east-1:111122223333:secret:ionq-key-AbCdEf"},"eventID":"rot-1","readOnly":false,"eventType":"AwsServiceEvent","managementEvent":true,"recipientAccountId":"111122223333"}"#,
        );
        assert_eq!(
            (rotation.class, rotation.action.as_str()),
            (Class::SecretAccess, "rotate")
        );
        assert_eq!(rotation.outcome, Outcome::Failure);
        assert_eq!(
            rotation.resource.as_deref(),
            Some("arn:aws:secretsmanager:us-east-1:111122223333:secret:ionq-key-AbCdEf")
        );
        let random = normalize_as(
            "cloudtrail",
            r#"{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","userName":"alice","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333"},"eventTime":"2026-11-10T03:00:00Z","eventSource":"secretsmanager.amazonaws.com","eventName":"GetRandomPassword","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.9","userAgent":"aws-cli/2.15.0","requestParameters":{"passwordLength":32},"responseElements":null,"eventID":"rnd-1","eventType":"AwsApiCall","recipientAccountId":"111122223333"}"#,
        );
        assert_eq!(random.class, Class::ApiActivity);
        assert_eq!(random.outcome, Outcome::Success);
    }

    #[test]
    fn an_insights_event_names_the_unusual_call() {
        let e = normalize_as(
            "cloudtrail",
            r#"{"eventVersion":"1.07","eventTime":"2026-11-10T03:00:00Z","awsRegion":"us-east-1","eventID":"ins-1","eventType":"AwsCloudTrailInsight","recipientAccountId":"111122223333","sharedEventID":"sh-1","insightDetails":{"state":"Start","eventSource":"braket.amazonaws.com","eventName":"CreateQuantumTask","insightType":"ApiCallRateInsight","insightContext":{"statistics":{"baseline":{"average":0.5},"insight":{"average":42.0},"insightDuration":3}}},"eventCategory":"Insight"}"#,
        );
        assert_eq!(
            (e.class, e.action.as_str()),
            (Class::ApiActivity, "insight")
        );
        assert_eq!(e.operation.as_deref(), Some("CreateQuantumTask"));
        assert_eq!(e.service.as_deref(), Some("braket.amazonaws.com"));
        assert_eq!(e.outcome, Outcome::Unknown);
        assert_eq!(e.user, None);
        assert_eq!(
            e.message.as_deref(),
            Some(
                "ApiCallRateInsight Start: CreateQuantumTask at 42 a minute against a baseline of 0.5"
            )
        );
    }

    #[test]
    fn corpus_braket() {
        let Some(get_device) =
            check_corpus("braket/aws-docs__braket-developerguide__braket-ctlogs/GetDevice.json")
        else {
            return;
        };
        let e = get_device[0].1.as_ref().expect("GetDevice normalizes");
        assert_eq!(e.class, Class::Job);
        assert_eq!(e.action, "get");
        assert_eq!(e.outcome, Outcome::Failure);
        assert_eq!(e.reason.as_deref(), Some("404"));
        assert_eq!(e.src_ip, None, "`foobar` is not an IP");
        assert_eq!(e.client, Client::Sdk);
        let task = check_corpus(
            "braket/aws-docs__braket-developerguide__braket-ctlogs/GetQuantumTask.json",
        )
        .unwrap_or_default();
        let e = task[0].1.as_ref().expect("GetQuantumTask normalizes");
        assert_eq!(e.action, "get");
        assert_eq!(e.outcome, Outcome::Success);
        assert_eq!(e.job_id.as_deref(), Some("foobar"));
        assert_eq!(e.client, Client::Cli);
        assert_eq!(e.time, t("2020-08-07T01:00:08Z"));
    }
}
