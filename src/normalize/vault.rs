//! HashiCorp Vault audit device entries (file, socket and syslog devices write the
//! same JSON: one object per request and one per response).
//!
//! Schema: `time`, `type` (`request` | `response`), `auth` (the caller: HMAC'd
//! `client_token` and `accessor`, `display_name`, `policies`, `metadata`,
//! `entity_id`, `token_type`, `policy_results`), `request` (`id`, `operation`,
//! `path`, `mount_type`, `mount_point`, `namespace`, `remote_address`, `headers`,
//! `data`), `response` (`auth` for logins and token creation, `data`, `secret`,
//! `wrap_info`) and `error`. A request and its response share `request.id`.
//!
//! What a path means is decided by its prefix: `auth/<mount>/login` is a login,
//! `auth/token/create` a token issue, `sys/policy` a role change, a secrets engine
//! path a secret access, any other `sys/` path plain API activity.

use std::borrow::Cow;

use super::json::prelude::*;

use super::fields::{
    client_from_user_agent, get, get_ignoring_case, require_text, require_time, text, without_port,
};
use super::{Format, NormalizeError};
use crate::event::NormalizedEvent;
use crate::vocab::{Class, Outcome, Source, UserKind};

/// The vault format.
pub struct Vault;

impl Format for Vault {
    fn name(&self) -> &'static str {
        "vault"
    }

    /// With `log_raw` (or non-HMAC'd fields) secret values sit here under any name.
    fn secret_paths(&self) -> &'static [&'static str] {
        &[
            "request.data",
            "response.data",
            "response.secret",
            "response.wrap_info.token",
        ]
    }

    fn detect(&self, record: &Value) -> bool {
        let Some(obj) = record.as_object() else {
            return false;
        };
        let typed = matches!(
            obj.get("type").and_then(|v| v.as_str()),
            Some("request" | "response" | "kmip-request" | "kmip-response")
        );
        typed
            && ["request", "response", "auth"]
                .iter()
                .any(|k| obj.get(*k).is_some_and(|v| v.is_object()))
    }

    fn normalize(&self, record: &Value) -> Result<NormalizedEvent, NormalizeError> {
        let time = require_time(record, "time")?;
        let entry_type = require_text(record, "type")?.to_ascii_lowercase();
        if let Some(kind) = entry_type.strip_prefix("kmip-")
            && (kind == "request" || kind == "response")
        {
            return Ok(kmip(record, time, kind == "response"));
        }
        if entry_type != "request" && entry_type != "response" {
            return Err(NormalizeError::new(format!(
                "field `type` is `{entry_type}`, expected `request` or `response`"
            )));
        }
        let is_response = entry_type == "response";

        let path = text(record, "request.path").map(|p| p.trim_start_matches('/').to_string());
        let operation = text(record, "request.operation").map(|o| o.to_ascii_lowercase());
        let mount_type = text(record, "request.mount_type")
            .or_else(|| text(record, "response.mount_type"))
            .map(|m| m.to_ascii_lowercase());

        let route_path = path
            .as_deref()
            .map(|p| fold_auth_mount(p, text(record, "request.mount_point").as_deref()));
        let route = classify(
            route_path.as_deref(),
            operation.as_deref(),
            mount_type.as_deref(),
        );
        let mut ev = NormalizedEvent::new(Source::Vault, time, route.class, route.action);
        ev.operation = operation.clone();
        ev.resource = path.clone();
        ev.service = mount_type.clone();
        ev.target_user = route.target_user;
        ev.target_role = route.target_role;

        // Identity: the top-level `auth` is the caller; a login or token-create
        // response also carries the token it issued in `response.auth`.
        // Vault writes an `auth` on every entry, with `token_type` at least, and a
        // login still waiting for its second factor answers with an `auth` that holds
        // only the MFA requirement: neither names a token.
        let holds = |a: &&Value, keys: &[&str]| keys.iter().any(|k| text(a, k).is_some());
        let caller = get(record, "auth").filter(|a| {
            holds(
                a,
                &["accessor", "client_token", "display_name", "entity_id"],
            ) || text(a, "token_type").is_some_and(|t| t.eq_ignore_ascii_case("root"))
        });
        let issued =
            get(record, "response.auth").filter(|a| holds(a, &["accessor", "client_token"]));
        let mfa_pending = get(record, "response.auth.mfa_requirement").is_some();
        let is_login = route.class == Class::Authentication && route.action == "login";
        // For a login the issued token is the one the user goes on to act with.
        let actor = if is_login {
            issued.or(caller)
        } else {
            caller.or(issued)
        };

        // A login that issued nothing is about the name it tried, not about a token
        // the caller may have sent along. AppRole tokens are named by their role.
        let tried = if is_login && issued.is_none() {
            route.login_name.clone()
        } else {
            None
        };
        ev.user = tried
            .or_else(|| {
                actor.and_then(|a| {
                    first_text_in(
                        a,
                        &[
                            "metadata.username",
                            "metadata.email",
                            "metadata.role_name",
                            "display_name",
                        ],
                    )
                })
            })
            .or_else(|| {
                if is_login {
                    route.login_name.clone()
                } else {
                    None
                }
            });
        ev.user_id = actor.and_then(|a| text(a, "entity_id"));
        ev.token_id = actor
            .and_then(|a| first_text_in(a, &["accessor", "client_token"]))
            .or_else(|| text(record, "request.client_token_accessor"))
            .or_else(|| text(record, "request.client_token"));
        // The token's own HMAC beside its accessor: once the token is revoked Vault
        // logs only this, and detection pairs the two (`rules::token_aliases`).
        ev.session_id = actor
            .and_then(|a| text(a, "client_token"))
            .or_else(|| text(record, "request.client_token"));
        ev.roles = actor.map(policies).unwrap_or_default();
        // A revoke is about the token (or lease) it revokes, as on the other sources:
        // that is its token, so a later use of it can be caught, while the caller's
        // own token goes on being used without looking revoked. The caller stays in
        // `user`. Revoke-self revokes the caller's token, which is already there.
        if route.class == Class::Token
            && route.action == "revoke"
            && !path.as_deref().is_some_and(|p| p.ends_with("revoke-self"))
        {
            ev.token_id = first_text_in(
                record,
                &[
                    "request.data.accessor",
                    "request.data.token",
                    "request.data.lease_id",
                    "request.data.secret_id_accessor",
                    "request.data.secret_id",
                ],
            )
            .or_else(|| path.as_deref().and_then(revoked_in_path));
        }

        let root = actor.is_some_and(|a| {
            text(a, "token_type").is_some_and(|t| t.eq_ignore_ascii_case("root"))
                || text(a, "display_name").is_some_and(|d| d == "root")
                || ev.roles.iter().any(|r| r == "root")
        });
        ev.user_kind = if root {
            UserKind::Unknown
        } else {
            user_kind(actor, mount_type.as_deref(), path.as_deref())
        };
        if root {
            ev.message = Some("acted with a root token".to_string());
        }

        ev.src_ip = client_address(record);
        ev.user_agent = header(record, "user-agent");
        if let Some(ua) = &ev.user_agent {
            ev.client = client_from_user_agent(ua);
        }
        ev.tenant = namespace(record);

        // A request and its response share `request.id`, so the entry type is part of
        // the id; so is the time, so that two entries that reuse an id (hand-made
        // samples do) stay two events while a replayed entry is still the same one.
        let id = text(record, "request.id").or_else(|| text(record, "response.id"));
        ev.request_id = id.clone();
        ev.source_id = id.map(|id| {
            format!(
                "{id}:{entry_type}:{}",
                time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
            )
        });

        // Outcome: an error is a failure; a response without one is a success; a
        // request entry says nothing yet (its response tells).
        let (outcome, reason) = outcome(record, is_response);
        ev.outcome = outcome;
        ev.reason = reason;
        if is_login
            && ev.outcome == Outcome::Success
            && issued.is_none()
            && caller.is_none_or(|a| text(a, "accessor").is_none())
        {
            // A login answered without a token (e.g. an MFA challenge still pending).
            ev.outcome = Outcome::Unknown;
            ev.reason = Some(
                if mfa_pending {
                    "login waits for its second factor (MFA required): no token yet"
                } else {
                    "login response carries no token"
                }
                .to_string(),
            );
        }
        Ok(ev)
    }
}

/// What a request path means.
struct Route {
    class: Class,
    action: &'static str,
    target_user: Option<String>,
    target_role: Option<String>,
    /// The user name a login path names (`auth/userpass/login/<name>`).
    login_name: Option<String>,
}

impl Route {
    fn new(class: Class, action: &'static str) -> Self {
        Route {
            class,
            action,
            target_user: None,
            target_role: None,
            login_name: None,
        }
    }
}

/// The plain verb for a Vault operation.
fn verb(op: Option<&str>) -> &'static str {
    match op.unwrap_or("") {
        "read" => "read",
        "list" | "scan" => "list",
        "create" => "create",
        "update" | "patch" => "update",
        "delete" => "delete",
        "renew" => "renew",
        "revoke" => "revoke",
        "help" => "get",
        _ => "unknown",
    }
}

/// The verb for a write to a secret: reads stay reads, any change is a write.
fn secret_verb(op: Option<&str>) -> &'static str {
    match verb(op) {
        "create" | "update" => "write",
        v => v,
    }
}

fn is_write(op: Option<&str>) -> bool {
    matches!(op, Some("create" | "update" | "patch" | "delete"))
}

/// Decides class and action from the request path and operation.
/// A path on an auth method mounted several levels deep (`auth/kubernetes/prod/`,
/// named by `request.mount_point`) with its mount folded into one segment
/// (`auth/kubernetes-prod/login`, as Vault names such a mount in display names), so
/// that the route table, written for `auth/<mount>/...`, reads it.
fn fold_auth_mount<'a>(path: &'a str, mount_point: Option<&str>) -> Cow<'a, str> {
    let folded = mount_point.and_then(|m| {
        let inner = m.strip_prefix("auth/")?.trim_end_matches('/');
        let rest = path.strip_prefix(m.trim_end_matches('/'))?;
        (inner.contains('/') && (rest.is_empty() || rest.starts_with('/')))
            .then(|| format!("auth/{}{rest}", inner.replace('/', "-")))
    });
    folded.map_or(Cow::Borrowed(path), Cow::Owned)
}

fn classify(path: Option<&str>, op: Option<&str>, mount_type: Option<&str>) -> Route {
    let Some(path) = path.filter(|p| !p.is_empty()) else {
        return Route::new(Class::ApiActivity, verb(op));
    };
    let lower = path.to_ascii_lowercase();
    let seg: Vec<&str> = lower.split('/').collect();
    let orig: Vec<&str> = path.split('/').collect();
    let name_at = |i: usize| {
        orig.get(i)
            .filter(|s| !s.is_empty())
            .map(|s| (*s).to_string())
    };

    match seg.as_slice() {
        ["auth", "token", rest @ ..] => {
            let first = rest.first().copied().unwrap_or("");
            match first {
                f if f.starts_with("create") => Route::new(Class::Token, "issue"),
                f if f.starts_with("revoke") => Route::new(Class::Token, "revoke"),
                f if f.starts_with("renew") => Route::new(Class::Token, "renew"),
                f if f.starts_with("lookup") => Route::new(Class::Token, "get"),
                "roles" if is_write(op) => Route {
                    target_role: name_at(3),
                    ..Route::new(Class::RoleChange, verb(op))
                },
                _ => Route::new(Class::ApiActivity, verb(op)),
            }
        }
        ["auth", _mount, "login", ..] => Route {
            // userpass and ldap fold the name to lower case before checking it:
            // "Admin" and "admin" are one account, and one burst.
            login_name: name_at(3).map(|n| {
                if matches!(mount_type, Some("userpass" | "ldap")) {
                    n.to_lowercase()
                } else {
                    n
                }
            }),
            ..Route::new(Class::Authentication, "login")
        },
        ["auth", _mount, "oidc", "callback"] | ["auth", _mount, "sso_service_url" | "callback"] => {
            Route::new(Class::Authentication, "login")
        }
        ["auth", _mount, "users", ..] if is_write(op) => {
            if seg.get(4) == Some(&"policies") {
                Route {
                    target_user: name_at(3),
                    ..Route::new(Class::RoleChange, "update")
                }
            } else if seg.get(4) == Some(&"password") {
                Route {
                    target_user: name_at(3),
                    ..Route::new(Class::Account, "update")
                }
            } else {
                Route {
                    target_user: name_at(3),
                    ..Route::new(Class::Account, verb(op))
                }
            }
        }
        // AppRole: a secret ID is a credential for the role, not a change to the role.
        ["auth", _mount, "role", _name, sub, rest @ ..]
            if sub.starts_with("secret-id") || *sub == "custom-secret-id" =>
        {
            let action = if sub.contains("destroy") || rest.contains(&"destroy") {
                "revoke"
            } else if rest.contains(&"lookup") {
                "get"
            } else if op == Some("list") {
                "list"
            } else {
                "issue"
            };
            Route {
                target_role: name_at(3),
                ..Route::new(Class::Token, action)
            }
        }
        ["auth", _mount, "role" | "roles" | "groups" | "map", ..] if is_write(op) => Route {
            target_role: name_at(3),
            ..Route::new(Class::RoleChange, verb(op))
        },
        ["auth", ..] => Route::new(Class::ApiActivity, verb(op)),
        ["sys", "mfa", "validate", ..] => Route::new(Class::Authentication, "mfa"),
        ["sys", "policy" | "policies", ..] if is_write(op) => {
            let name = if seg.get(1) == Some(&"policies") {
                name_at(3)
            } else {
                name_at(2)
            };
            Route {
                target_role: name,
                ..Route::new(Class::RoleChange, verb(op))
            }
        }
        ["sys", "leases", kind, ..] | ["sys", kind, ..] if kind.starts_with("revoke") => {
            Route::new(Class::Token, "revoke")
        }
        ["sys", "leases", kind, ..] | ["sys", kind, ..] if kind.starts_with("renew") => {
            Route::new(Class::Token, "renew")
        }
        ["sys", "leases", "lookup", ..] => Route::new(Class::Token, "get"),
        ["sys", "wrapping", "unwrap", ..] => Route::new(Class::SecretAccess, "read"),
        ["sys", "raw", ..] => Route::new(Class::SecretAccess, secret_verb(op)),
        ["sys", ..] => Route::new(Class::ApiActivity, verb(op)),
        ["identity", "oidc", "token", ..] => Route::new(Class::Token, "issue"),
        ["identity", kind, ..]
            if is_write(op)
                && matches!(
                    *kind,
                    "group" | "group-alias" | "entity" | "entity-alias" | "lookup"
                ) =>
        {
            let name = if seg.get(2) == Some(&"name") {
                name_at(3)
            } else {
                None
            };
            if kind.starts_with("group") {
                Route {
                    target_role: name,
                    ..Route::new(Class::RoleChange, verb(op))
                }
            } else {
                Route {
                    target_user: name,
                    ..Route::new(Class::RoleChange, verb(op))
                }
            }
        }
        ["identity", ..] => Route::new(Class::ApiActivity, verb(op)),
        _ => secret_engine(&seg, op, mount_type),
    }
}

/// A path under a secrets engine mount.
fn secret_engine(seg: &[&str], op: Option<&str>, mount_type: Option<&str>) -> Route {
    // Dynamic credentials: reading them mints a new credential.
    let issues = |s: &str| {
        matches!(
            s,
            "creds"
                | "static-creds"
                | "static-cred"
                | "sts"
                | "issue"
                | "sign"
                | "sign-verbatim"
                | "sign-intermediate"
                | "token"
                | "key"
                | "access"
                | "secret-id"
        )
    };
    let crypto = |s: &str| -> Option<&'static str> {
        Some(match s {
            "encrypt" => "encrypt",
            "decrypt" => "decrypt",
            "rewrap" => "decrypt",
            "sign" => "sign",
            "verify" => "verify",
            "hmac" => "sign",
            "datakey" => "issue",
            "export" | "backup" => "read",
            "restore" => "write",
            _ => return None,
        })
    };
    let mount = mount_type.unwrap_or("");
    let second = seg.get(1).copied().unwrap_or("");

    if mount == "transit" || (mount.is_empty() && seg.first() == Some(&"transit")) {
        if let Some(a) = crypto(second) {
            return Route::new(Class::SecretAccess, a);
        }
        return Route::new(Class::SecretAccess, secret_verb(op));
    }
    let is_kv = matches!(mount, "kv" | "generic" | "cubbyhole" | "kv-v1" | "kv-v2");
    if !is_kv {
        // pki/issue/<role>, database/creds/<role>, aws/creds/<role>, aws/sts/<role>, ssh/sign/<role> ...
        if seg.len() >= 2 && issues(second) && !matches!(op, Some("list" | "delete")) {
            // `token`/`key`/`access`/`secret-id` only mint credentials on engines that do so.
            let generic = matches!(second, "token" | "key" | "access" | "secret-id");
            if !generic
                || matches!(
                    mount,
                    "gcp" | "consul" | "nomad" | "terraform" | "approle" | "azure" | "gcpkms"
                )
            {
                return Route::new(Class::SecretAccess, "issue");
            }
        }
    }
    // kv v2: <mount>/data|metadata|delete|undelete|destroy/<path>
    let action = match second {
        "destroy" | "delete" if is_kv || mount.is_empty() => "delete",
        "undelete" if is_kv || mount.is_empty() => "write",
        // Versions and custom metadata, never the secret's value.
        "metadata" if (is_kv || mount.is_empty()) && secret_verb(op) == "read" => "get",
        _ => secret_verb(op),
    };
    Route::new(Class::SecretAccess, action)
}

/// The first non-empty string among paths inside `v`.
fn first_text_in(v: &Value, paths: &[&str]) -> Option<String> {
    paths.iter().find_map(|p| text(v, p))
}

/// What a revoke names in its path (`auth/token/revoke-accessor/<accessor>`,
/// `sys/leases/revoke/<lease id>`): older clients and the lease API put it there.
fn revoked_in_path(path: &str) -> Option<String> {
    [
        "auth/token/revoke-accessor/",
        "sys/leases/revoke/",
        "sys/leases/revoke-force/",
        "sys/leases/revoke-prefix/",
        "sys/revoke/",
        "sys/revoke-force/",
        "sys/revoke-prefix/",
    ]
    .iter()
    .find_map(|prefix| path.strip_prefix(prefix))
    .filter(|rest| !rest.is_empty())
    .map(str::to_string)
}

/// The policies an auth object carries (`policies`, else token and identity policies).
fn policies(auth: &Value) -> Vec<String> {
    let list = |k: &str| -> Vec<String> {
        get(auth, k)
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut out = list("policies");
    if out.is_empty() {
        out = list("token_policies");
        for p in list("identity_policies") {
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    out
}

/// Person or machine, from the auth method the token came from.
fn user_kind(actor: Option<&Value>, mount_type: Option<&str>, path: Option<&str>) -> UserKind {
    const HUMAN: &[&str] = &[
        "userpass", "ldap", "oidc", "okta", "github", "radius", "saml",
    ];
    const SERVICE: &[&str] = &[
        "approle",
        "kubernetes",
        "aws",
        "jwt",
        "gcp",
        "azure",
        "cert",
        "token",
        "alicloud",
        "oci",
        "cf",
        "tls",
    ];
    let by_method = |m: &str| -> Option<UserKind> {
        let m = m.to_ascii_lowercase();
        if HUMAN
            .iter()
            .any(|h| m == *h || m.starts_with(&format!("{h}-")))
        {
            Some(UserKind::Human)
        } else if SERVICE
            .iter()
            .any(|s| m == *s || m.starts_with(&format!("{s}-")))
        {
            Some(UserKind::Service)
        } else {
            None
        }
    };
    if let Some(a) = actor {
        if let Some(k) = text(a, "display_name").and_then(|d| by_method(&d)) {
            return k;
        }
        if [
            "metadata.service_account_name",
            "metadata.role_name",
            "metadata.role_id",
        ]
        .iter()
        .any(|p| text(a, p).is_some())
        {
            return UserKind::Service;
        }
        if text(a, "metadata.username").is_some() {
            return UserKind::Human;
        }
    }
    // A login request names its method in the path or the mount type.
    let login_mount = path
        .and_then(|p| p.strip_prefix("auth/"))
        .and_then(|p| p.split('/').next())
        .map(str::to_string);
    mount_type
        .filter(|m| *m != "token" && *m != "system")
        .and_then(by_method)
        .or_else(|| login_mount.as_deref().and_then(by_method))
        .unwrap_or(UserKind::Unknown)
}

/// A request header Vault was told to audit (`sys/config/auditing/request-headers`);
/// values are lists, and HMAC'd ones are useless as a user agent.
fn header(record: &Value, name: &str) -> Option<String> {
    let headers = get(record, "request.headers")?.as_object()?;
    let v = get_ignoring_case(headers, name)?;
    let s = match v {
        Value::Array(items) => items.iter().find_map(|i| i.as_str())?,
        Value::String(s) => &**s,
        _ => return None,
    };
    let s = s.trim();
    (!s.is_empty() && !s.starts_with("hmac-sha256:")).then(|| s.to_string())
}

/// The client's address, without the port some entries append.
fn client_address(record: &Value) -> Option<String> {
    text(record, "request.remote_address").map(|a| without_port(&a))
}

/// The Vault Enterprise namespace the request ran in: its path, else its id.
fn namespace(record: &Value) -> Option<String> {
    text(record, "request.namespace.path")
        .map(|p| p.trim_matches('/').to_string())
        .filter(|p| !p.is_empty())
        .or_else(|| text(record, "request.namespace.id"))
}

/// A KMIP secrets engine entry (Vault Enterprise, `type` `kmip-request` or
/// `kmip-response`): no token, the client known by its TLS certificate's serial
/// number. The operation and its result are KMIP TTLV under `request.data` and
/// `response.data`, which are fingerprinted before this runs (a Get answers with
/// key material): the entry is kept as KMIP activity of that client.
fn kmip(record: &Value, time: chrono::DateTime<chrono::Utc>, is_response: bool) -> NormalizedEvent {
    let mut ev = NormalizedEvent::new(Source::Vault, time, Class::ApiActivity, "unknown");
    ev.operation = Some(
        if is_response {
            "kmip-response"
        } else {
            "kmip-request"
        }
        .to_string(),
    );
    ev.service = Some("kmip".to_string());
    ev.resource = text(record, "request.mount_point").or_else(|| text(record, "request.path"));
    // KMIP clients are programs holding a certificate issued to a KMIP role.
    let serial = text(record, "request.client_certificate_serial_number");
    ev.user_kind = UserKind::Service;
    // The certificate is the client's only name: without a user, per-user rules and
    // reviews would see every KMIP client as nobody.
    ev.user = serial.as_ref().map(|s| format!("kmip:{s}"));
    ev.user_id.clone_from(&serial);
    ev.token_id = serial;
    ev.src_ip = client_address(record);
    ev.tenant = namespace(record);
    if let Some(e) = text(record, "error") {
        ev.outcome = Outcome::Failure;
        ev.reason = Some(squash(&e));
    }
    ev
}

/// Outcome and reason of an entry.
fn outcome(record: &Value, is_response: bool) -> (Outcome, Option<String>) {
    let error = text(record, "error").or_else(|| text(record, "response.error"));
    if let Some(e) = error {
        return (Outcome::Failure, Some(squash(&e)));
    }
    // Some refusals come back as an error *response* rather than an error: userpass
    // answers an unknown user so (`response.data.error`, HMAC'd unless log_raw).
    if is_response && let Some(e) = text(record, "response.data.error") {
        let why = if e.starts_with("hmac-sha256:") {
            "error response (HMAC'd)".to_string()
        } else {
            squash(&e)
        };
        return (Outcome::Failure, Some(why));
    }
    if let Some(code) = get(record, "response.data.http_status_code").and_then(|v| v.as_i64())
        && code >= 400
    {
        return (Outcome::Failure, Some(format!("HTTP {code}")));
    }
    if get(record, "auth.policy_results.allowed").and_then(|v| v.as_bool()) == Some(false) {
        return (
            Outcome::Failure,
            Some("permission denied (policy_results.allowed is false)".to_string()),
        );
    }
    match text(record, "response.status")
        .map(|s| s.to_ascii_lowercase())
        .as_deref()
    {
        Some("failure" | "failed" | "error") => {
            return (
                Outcome::Failure,
                Some("response status failure".to_string()),
            );
        }
        Some("success") => return (Outcome::Success, None),
        _ => {}
    }
    if is_response {
        (Outcome::Success, None)
    } else {
        (Outcome::Unknown, None)
    }
}

/// Vault's multi-line errors ("1 error occurred:\n\t* permission denied\n\n") on one line.
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::json::from_serde;
    use crate::normalize::test_support::{corpus_records, fixture, normalize_as};
    use crate::vocab::Client;

    fn norm(v: &serde_json::Value) -> NormalizedEvent {
        normalize_as("vault", &v.to_string())
    }

    fn fx() -> Vec<NormalizedEvent> {
        fixture("vault/audit.jsonl").iter().map(norm).collect()
    }

    #[test]
    fn userpass_login_request_and_response() {
        let ev = fx();
        let req = &ev[0];
        assert_eq!(req.class, Class::Authentication);
        assert_eq!(req.action, "login");
        assert_eq!(req.outcome, Outcome::Unknown);
        assert_eq!(req.user.as_deref(), Some("alice"));
        assert_eq!(req.user_kind, UserKind::Human);
        assert_eq!(req.src_ip.as_deref(), Some("203.0.113.24"));
        assert_eq!(
            req.source_id.as_deref(),
            Some("6b2f0a8e-3c51-4d7e-9a10-1f2e3d4c5b6a:request:2025-03-04T09:15:02.114520Z")
        );
        assert_eq!(
            req.request_id.as_deref(),
            Some("6b2f0a8e-3c51-4d7e-9a10-1f2e3d4c5b6a")
        );
        assert_eq!(req.time.to_rfc3339(), "2025-03-04T09:15:02.114520+00:00");
        assert_eq!(
            req.user_agent.as_deref(),
            Some("Vault/1.18.3 (+https://www.vaultproject.io/; go1.22.9)")
        );
        assert_eq!(req.client, Client::Cli);

        let resp = &ev[1];
        assert_eq!(resp.class, Class::Authentication);
        assert_eq!(resp.outcome, Outcome::Success);
        assert_eq!(resp.user.as_deref(), Some("alice"));
        assert_eq!(
            resp.user_id.as_deref(),
            Some("7d2e3f4a-0b1c-4d5e-8f90-a1b2c3d4e5f6")
        );
        assert_eq!(resp.user_kind, UserKind::Human);
        assert_eq!(
            resp.token_id.as_deref(),
            Some("hmac-sha256:5a1c9e0f7b2d4c6e8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f")
        );
        // The token's own HMAC, which is all Vault logs once the token is revoked.
        assert_eq!(
            resp.session_id.as_deref(),
            Some("hmac-sha256:3e9d3e9d3e9d3e9d3e9d3e9d3e9d3e9d3e9d3e9d3e9d3e9d3e9d3e9d3e9d3e9d")
        );
        assert_eq!(resp.roles, vec!["default", "quantum-dev"]);
        assert_eq!(
            resp.source_id.as_deref(),
            Some("6b2f0a8e-3c51-4d7e-9a10-1f2e3d4c5b6a:response:2025-03-04T09:15:02.198730Z")
        );
        assert_eq!(resp.service.as_deref(), Some("userpass"));
        assert_ne!(req.source_id, resp.source_id);
    }

    #[test]
    fn kv_v2_read_by_approle_service() {
        let ev = &fx()[2];
        assert_eq!(ev.class, Class::SecretAccess);
        assert_eq!(ev.action, "read");
        assert_eq!(ev.operation.as_deref(), Some("read"));
        assert_eq!(ev.outcome, Outcome::Success);
        // Named by its role: every AppRole token is `approle` by display name.
        assert_eq!(ev.user.as_deref(), Some("braket-runner"));
        assert_eq!(ev.user_kind, UserKind::Service);
        assert_eq!(ev.resource.as_deref(), Some("secret/data/braket/api-key"));
        assert_eq!(ev.service.as_deref(), Some("kv"));
        assert_eq!(ev.tenant.as_deref(), Some("quantum"));
        assert_eq!(ev.roles, vec!["default", "braket-reader"]);
        assert_eq!(ev.src_ip.as_deref(), Some("10.20.4.17"));
    }

    #[test]
    fn permission_denied_is_failure() {
        let ev = &fx()[3];
        assert_eq!(ev.class, Class::SecretAccess);
        assert_eq!(ev.action, "write");
        assert_eq!(ev.outcome, Outcome::Failure);
        assert_eq!(
            ev.reason.as_deref(),
            Some("1 error occurred: * permission denied")
        );
        assert_eq!(ev.user.as_deref(), Some("kubernetes-qjobs-runner"));
        assert_eq!(ev.user_kind, UserKind::Service);
        assert_eq!(ev.user_agent.as_deref(), Some("python-requests/2.32.3"));
        assert_eq!(ev.client, Client::Sdk);
    }

    #[test]
    fn dynamic_creds_token_create_policy_and_root() {
        let ev = fx();
        let creds = &ev[4];
        assert_eq!(
            (creds.class, creds.action.as_str()),
            (Class::SecretAccess, "issue")
        );
        assert_eq!(creds.resource.as_deref(), Some("aws/creds/braket-submit"));
        assert_eq!(creds.outcome, Outcome::Success);

        let token = &ev[5];
        assert_eq!(
            (token.class, token.action.as_str()),
            (Class::Token, "issue")
        );
        assert_eq!(token.user.as_deref(), Some("alice"));
        // The acting token, not the one issued.
        assert_eq!(
            token.token_id.as_deref(),
            Some("hmac-sha256:5a1c9e0f7b2d4c6e8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f")
        );

        let policy = &ev[6];
        assert_eq!(
            (policy.class, policy.action.as_str()),
            (Class::RoleChange, "update")
        );
        assert_eq!(policy.target_role.as_deref(), Some("braket-admin"));
        assert_eq!(policy.user.as_deref(), Some("root"));
        assert_eq!(policy.user_kind, UserKind::Unknown);
        assert_eq!(policy.message.as_deref(), Some("acted with a root token"));
        assert_eq!(policy.roles, vec!["root"]);

        let revoke = &ev[7];
        assert_eq!(
            (revoke.class, revoke.action.as_str()),
            (Class::Token, "revoke")
        );
        // The token revoked, not alice's own, which she goes on using.
        assert_eq!(
            revoke.token_id.as_deref(),
            Some("hmac-sha256:e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0")
        );
        assert_eq!(revoke.user.as_deref(), Some("alice"));

        let audit = &ev[8];
        assert_eq!(
            (audit.class, audit.action.as_str()),
            (Class::ApiActivity, "delete")
        );
        assert_eq!(audit.resource.as_deref(), Some("sys/audit/file"));
    }

    #[test]
    fn a_revoke_names_the_token_or_lease_it_revokes() {
        let entry = |path: &str, data: &str| {
            normalize_as(
                "vault",
                &format!(
                    r#"{{"time":"2025-03-04T11:05:00Z","type":"request","auth":{{"accessor":"hmac-sha256:caller","display_name":"token-ops"}},
                        "request":{{"id":"r-{path}","operation":"update","path":"{path}","data":{data}}}}}"#
                ),
            )
        };
        let by_token = entry("auth/token/revoke", r#"{"token":"hmac-sha256:victim"}"#);
        assert_eq!(by_token.token_id.as_deref(), Some("hmac-sha256:victim"));
        let lease = entry("sys/leases/revoke/aws/creds/braket/abc123", "null");
        assert_eq!(
            (lease.class, lease.action.as_str()),
            (Class::Token, "revoke")
        );
        assert_eq!(lease.token_id.as_deref(), Some("aws/creds/braket/abc123"));
        let secret_id = entry(
            "auth/approle/role/braket-runner/secret-id-accessor/destroy",
            r#"{"secret_id_accessor":"hmac-sha256:sid"}"#,
        );
        assert_eq!(
            (secret_id.class, secret_id.action.as_str()),
            (Class::Token, "revoke")
        );
        assert_eq!(secret_id.token_id.as_deref(), Some("hmac-sha256:sid"));
        assert_eq!(secret_id.target_role.as_deref(), Some("braket-runner"));
        let own = entry("auth/token/revoke-self", "null");
        assert_eq!(own.token_id.as_deref(), Some("hmac-sha256:caller"));
    }

    #[test]
    fn failed_login_names_the_user_from_the_path() {
        let ev = &fx()[9];
        assert_eq!(
            (ev.class, ev.action.as_str()),
            (Class::Authentication, "login")
        );
        assert_eq!(ev.outcome, Outcome::Failure);
        assert_eq!(ev.reason.as_deref(), Some("invalid username or password"));
        assert_eq!(ev.user.as_deref(), Some("mallory"));
        assert_eq!(ev.user_kind, UserKind::Human);
        assert_eq!(ev.src_ip.as_deref(), Some("198.51.100.77"));
    }

    #[test]
    fn a_refusal_sent_as_an_error_response_is_a_failed_login_of_the_name_tried() {
        // userpass answers an unknown user with an error response, not an error, and
        // a caller may send its own token along with the login.
        let e = normalize_as(
            "vault",
            r#"{"time":"2026-11-10T03:00:00Z","type":"response","auth":{"client_token":"hmac-sha256:t","accessor":"hmac-sha256:a","display_name":"token-ops","metadata":{"username":"ops"}},"request":{"id":"r-1","operation":"update","mount_type":"userpass","path":"auth/userpass/login/Mallory","remote_address":"198.51.100.77"},"response":{"mount_type":"userpass","data":{"error":"hmac-sha256:0f0e"}}}"#,
        );
        assert_eq!((e.action.as_str(), e.outcome), ("login", Outcome::Failure));
        assert_eq!(e.reason.as_deref(), Some("error response (HMAC'd)"));
        assert_eq!(e.user.as_deref(), Some("mallory"));
    }

    #[test]
    fn a_login_waiting_for_its_second_factor_is_no_successful_login() {
        // Vault answers a password that needs MFA with an `auth` that holds only the
        // requirement (and the `token_type` every entry carries): no token yet.
        let e = normalize_as(
            "vault",
            r#"{"time":"2026-11-10T03:00:00Z","type":"response","auth":{"token_type":"default"},"request":{"id":"r-2","operation":"update","mount_type":"userpass","path":"auth/userpass/login/alice","remote_address":"198.51.100.77"},"response":{"mount_type":"userpass","auth":{"token_type":"default","mfa_requirement":{"mfa_request_id":"5f0e","mfa_constraints":{"totp":{"any":[{"type":"totp","id":"m-1"}]}}}}}}"#,
        );
        assert_eq!((e.action.as_str(), e.outcome), ("login", Outcome::Unknown));
        assert_eq!(e.user.as_deref(), Some("alice"));
        assert_eq!(e.token_id, None);
        assert!(
            e.reason.as_deref().unwrap().contains("MFA"),
            "{:?}",
            e.reason
        );
    }

    #[test]
    fn a_login_on_an_auth_method_mounted_deeper_is_a_login() {
        let e = normalize_as(
            "vault",
            r#"{"time":"2026-11-10T03:00:00Z","type":"response","auth":{"token_type":"default"},"request":{"id":"r-3","operation":"update","mount_type":"ldap","mount_point":"auth/ldap/corp/","path":"auth/ldap/corp/login/Alice","remote_address":"198.51.100.77"},"error":"invalid credentials"}"#,
        );
        assert_eq!(
            (e.class, e.action.as_str()),
            (Class::Authentication, "login")
        );
        assert_eq!(e.outcome, Outcome::Failure);
        assert_eq!(e.user.as_deref(), Some("alice"));
        // The stored path is the one Vault logged.
        assert_eq!(e.resource.as_deref(), Some("auth/ldap/corp/login/Alice"));
        assert_eq!(
            fold_auth_mount("auth/approle/login", Some("auth/approle/")),
            "auth/approle/login"
        );
    }

    #[test]
    fn classification_table() {
        let c = |p: &str, op: &str, m: Option<&str>| {
            let r = classify(Some(p), Some(op), m);
            (r.class, r.action)
        };
        assert_eq!(
            c("auth/approle/login", "update", Some("approle")),
            (Class::Authentication, "login")
        );
        assert_eq!(
            c("auth/token/create-orphan", "update", Some("token")),
            (Class::Token, "issue")
        );
        assert_eq!(
            c("auth/token/renew-self", "update", Some("token")),
            (Class::Token, "renew")
        );
        assert_eq!(
            c("auth/token/lookup-self", "read", Some("token")),
            (Class::Token, "get")
        );
        assert_eq!(
            c("auth/kubernetes/role/runner", "create", Some("kubernetes")),
            (Class::RoleChange, "create")
        );
        assert_eq!(
            c(
                "auth/approle/role/runner/secret-id",
                "update",
                Some("approle")
            ),
            (Class::Token, "issue")
        );
        assert_eq!(
            c(
                "auth/approle/role/runner/secret-id",
                "list",
                Some("approle")
            ),
            (Class::Token, "list")
        );
        assert_eq!(
            c(
                "auth/approle/role/runner/secret-id/lookup",
                "update",
                Some("approle")
            ),
            (Class::Token, "get")
        );
        assert_eq!(
            c(
                "auth/approle/role/runner/policies",
                "update",
                Some("approle")
            ),
            (Class::RoleChange, "update")
        );
        assert_eq!(
            c("sys/policies/acl/dev", "delete", Some("system")),
            (Class::RoleChange, "delete")
        );
        assert_eq!(
            c("sys/policies/acl/dev", "read", Some("system")),
            (Class::ApiActivity, "read")
        );
        assert_eq!(
            c("identity/group/name/admins", "update", Some("identity")),
            (Class::RoleChange, "update")
        );
        assert_eq!(
            c("secret/metadata/app", "list", Some("kv")),
            (Class::SecretAccess, "list")
        );
        assert_eq!(
            c("secret/metadata/app", "read", Some("kv")),
            (Class::SecretAccess, "get")
        );
        assert_eq!(
            c("secret/data/app", "read", Some("kv")),
            (Class::SecretAccess, "read")
        );
        assert_eq!(
            c("secret/destroy/app", "update", Some("kv")),
            (Class::SecretAccess, "delete")
        );
        assert_eq!(
            c("kv/app/db", "delete", Some("kv")),
            (Class::SecretAccess, "delete")
        );
        assert_eq!(
            c("database/creds/readonly", "read", Some("database")),
            (Class::SecretAccess, "issue")
        );
        assert_eq!(
            c("pki/issue/web", "update", Some("pki")),
            (Class::SecretAccess, "issue")
        );
        assert_eq!(
            c("transit/decrypt/orders", "update", Some("transit")),
            (Class::SecretAccess, "decrypt")
        );
        assert_eq!(
            c("sys/leases/revoke", "update", Some("system")),
            (Class::Token, "revoke")
        );
        assert_eq!(
            c("sys/wrapping/unwrap", "update", Some("system")),
            (Class::SecretAccess, "read")
        );
        assert_eq!(
            c("sys/mounts/secret", "read", Some("system")),
            (Class::ApiActivity, "read")
        );
        assert_eq!(
            c("sys/mfa/validate", "update", Some("system")),
            (Class::Authentication, "mfa")
        );
    }

    #[test]
    fn kmip_entries_are_kept_with_the_client_certificate_and_address() {
        // Vault Enterprise's KMIP engine logs `kmip-request` / `kmip-response`
        // entries (as in elastic/integrations' hashicorp_vault audit test log).
        let rec = serde_json::json!({"request": {"client_certificate_serial_number": "79311139933792246475030417908586135267121780670", "data": {"kmip_request": {"tag": "RequestMessage", "value": [{"tag": "BatchItem", "value": [{"tag": "Operation", "type": "Enumeration", "value": "0x0000000a"}]}]}}, "namespace": {"id": "root"}, "remote_address": "192.168.0.10:36776"}, "time": "2026-05-20T13:49:00.313915809Z", "type": "kmip-request"});
        let ev = norm(&rec);
        assert_eq!(ev.service.as_deref(), Some("kmip"));
        assert_eq!(ev.operation.as_deref(), Some("kmip-request"));
        assert_eq!(ev.class, Class::ApiActivity);
        assert_eq!(ev.outcome, Outcome::Unknown);
        assert_eq!(ev.src_ip.as_deref(), Some("192.168.0.10"));
        assert_eq!(
            ev.token_id.as_deref(),
            Some("79311139933792246475030417908586135267121780670")
        );
        assert_eq!(ev.user_id, ev.token_id);
        assert_eq!(
            ev.user.as_deref(),
            Some("kmip:79311139933792246475030417908586135267121780670")
        );
        assert_eq!(ev.user_kind, UserKind::Service);
        assert_eq!(ev.tenant.as_deref(), Some("root"));
        assert_eq!(ev.time.to_rfc3339(), "2026-05-20T13:49:00.313915809+00:00");
        let v6 = serde_json::json!({"request": {"namespace": {"id": "root"}, "remote_address": "[2001:db8::10]:36778"}, "response": {"data": {}}, "time": "2026-05-20T13:51:00.1Z", "type": "kmip-response"});
        assert_eq!(norm(&v6).src_ip.as_deref(), Some("2001:db8::10"));
        // Ordinary entries write the address alone, v6 ones too.
        let plain = serde_json::json!({"time": "2026-05-20T13:51:00Z", "type": "request", "auth": {"token_type": "default"}, "request": {"id": "p", "operation": "read", "path": "sys/health", "remote_address": "2001:db8::1"}});
        assert_eq!(norm(&plain).src_ip.as_deref(), Some("2001:db8::1"));
    }

    #[test]
    fn detection() {
        let v = Vault;
        assert!(v.detect(&from_serde(serde_json::json!({"type": "request", "time": "2025-01-01T00:00:00Z", "request": {"id": "x"}}))));
        assert!(!v.detect(&from_serde(
            serde_json::json!({"type": "request", "time": "2025-01-01T00:00:00Z"})
        )));
        assert!(!v.detect(&from_serde(
            serde_json::json!({"type": "event", "request": {}})
        )));
        assert!(!v.detect(&from_serde(
            serde_json::json!({"eventType": "user.session.start", "request": {}})
        )));
        assert!(!v.detect(&from_serde(serde_json::json!(["request"]))));
    }

    #[test]
    fn errors_name_the_field() {
        let v = Vault;
        let e = v
            .normalize(&from_serde(
                serde_json::json!({"type": "request", "request": {"id": "a"}}),
            ))
            .unwrap_err();
        assert!(e.0.contains("`time`"), "{e}");
        let e = v
            .normalize(&from_serde(
                serde_json::json!({"type": "request", "time": "yesterday", "request": {}}),
            ))
            .unwrap_err();
        assert!(
            e.0.contains("`time`") && e.0.contains("not a timestamp"),
            "{e}"
        );
        let e = v
            .normalize(&from_serde(
                serde_json::json!({"type": "bogus", "time": "2025-01-01T00:00:00Z", "request": {}}),
            ))
            .unwrap_err();
        assert!(e.0.contains("`type`"), "{e}");
    }

    #[test]
    fn corpus_ops_agent() {
        let Some(records) = corpus_records(
            "vault/GoogleCloudPlatform__ops-agent/transformation_test/testdata/logging_processor-vault-audit/input.log",
        ) else {
            return;
        };
        assert_eq!(
            records.len(),
            8,
            "input.log holds 8 entries, single-line and pretty-printed"
        );
        let mut normalized = 0;
        for r in &records {
            let v = from_serde(r.clone());
            let f = crate::normalize::detect(&v).map(|f| f.name());
            assert_eq!(f, Some("vault"), "not detected as vault: {r}");
            match Vault.normalize(&v) {
                Ok(_) => normalized += 1,
                Err(e) => assert!(!e.0.is_empty()),
            }
        }
        assert_eq!(normalized, 8);

        let first = Vault
            .normalize(&from_serde(records[0].clone()))
            .expect("first entry");
        assert_eq!(
            first.time.to_rfc3339(),
            "2025-08-25T14:00:00.123456789+00:00"
        );
        assert_eq!(
            (first.class, first.action.as_str()),
            (Class::ApiActivity, "update")
        );
        assert_eq!(first.resource.as_deref(), Some("sys/audit/test"));
        assert_eq!(first.outcome, Outcome::Unknown);
        assert_eq!(
            first.source_id.as_deref(),
            Some("req-001:request:2025-08-25T14:00:00.123456789Z")
        );
        assert_eq!(first.tenant.as_deref(), Some("root"));

        // The pretty-printed root-token delete.
        let root = Vault
            .normalize(&from_serde(records[1].clone()))
            .expect("second entry");
        assert_eq!(root.operation.as_deref(), Some("delete"));
        assert_eq!(root.message.as_deref(), Some("acted with a root token"));
        assert_eq!(root.user_kind, UserKind::Unknown);

        let ok = Vault
            .normalize(&from_serde(records[2].clone()))
            .expect("third entry");
        assert_eq!(ok.outcome, Outcome::Success);
        assert_eq!(
            ok.source_id.as_deref(),
            Some("res-001:response:2025-08-25T14:02:00.111213141Z")
        );

        let denied = Vault
            .normalize(&from_serde(records[3].clone()))
            .expect("fourth entry");
        assert_eq!(denied.outcome, Outcome::Failure);
        assert_eq!(denied.reason.as_deref(), Some("permission denied"));
        assert_eq!(
            denied.time.to_rfc3339(),
            "2025-08-25T14:03:00.999888777+00:00"
        );
    }
}
