//! One credential under two names: Vault audits a token by its accessor and by the
//! HMAC of the token itself.
//!
//! A token in use is logged with both (`auth.accessor`, `auth.client_token`), and
//! the normalizer puts the accessor in `token_id` and the token's HMAC in
//! `session_id`. An administrator revokes it by accessor. Once revoked, Vault can
//! no longer resolve the token, so a later attempt to use it is logged with the
//! token's HMAC alone, and `token_id` falls back to that HMAC. Without the pair
//! learned earlier, the revoked accessor and the reused token never meet, and
//! "token used after revocation" stays silent exactly when it matters.
//!
//! The engine learns the pairs from events in time order and gives an event that
//! names only the token the accessor it had. Other sources use `session_id` for
//! other things (sign-in sessions, quantum job sessions), so only Vault is read.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::recent::Recent;
use crate::event::NormalizedEvent;
use crate::vocab::{Class, Source};

/// Pairs kept at most; past this the ones unused longest are forgotten first.
const MAX_PAIRS: usize = 100_000;

/// Pairs unused for longer are forgotten: Vault caps a token's life at 32 days by default.
fn max_idle() -> Duration {
    Duration::days(32)
}

/// token HMAC -> accessor, and when either was last seen.
#[derive(Debug, Clone)]
pub struct TokenAliases {
    pairs: Recent<String>,
}

impl Default for TokenAliases {
    fn default() -> Self {
        TokenAliases {
            pairs: Recent::new(MAX_PAIRS, max_idle()),
        }
    }
}

/// A saved pair: token HMAC, accessor, last seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedAlias(String, String, DateTime<Utc>);

impl TokenAliases {
    /// Learns the pair an event names, or names its token by the accessor learned earlier.
    pub fn apply(&mut self, event: &mut NormalizedEvent) {
        if event.source != Source::Vault {
            return;
        }
        let Some(token) = event.session_id.as_deref() else {
            return;
        };
        if event.class == Class::Token && event.action == "revoke" {
            // A revoke's token_id is the credential revoked, not the caller's: nothing
            // to learn, but a token revoked by its HMAC is named by its accessor, as
            // its later uses will be.
            if let Some(accessor) = event.token_id.as_deref().and_then(|t| self.pairs.peek(t)) {
                event.token_id = Some(accessor.clone());
            }
            return;
        }
        match event.token_id.as_deref() {
            Some(accessor) if accessor != token => {
                self.pairs
                    .remember(token, accessor.to_string(), event.time, false);
            }
            _ => {
                if let Some(accessor) = self.pairs.see(token, event.time) {
                    event.token_id = Some(accessor.clone());
                }
            }
        }
    }

    /// Pairs known.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether no pair is known.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The pairs, to save (sorted, so a saved state is stable).
    pub fn save(&self) -> Vec<SavedAlias> {
        self.pairs
            .sorted()
            .into_iter()
            .map(|(t, a, seen)| SavedAlias(t.clone(), a.clone(), seen))
            .collect()
    }

    /// Pairs saved by [`TokenAliases::save`].
    pub fn load(saved: Vec<SavedAlias>) -> Self {
        let mut aliases = TokenAliases::default();
        aliases
            .pairs
            .extend(saved.into_iter().map(|SavedAlias(t, a, seen)| (t, a, seen)));
        aliases
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn vault(
        minute: u32,
        class: Class,
        action: &str,
        token: Option<&str>,
        session: &str,
    ) -> NormalizedEvent {
        let time = Utc.with_ymd_and_hms(2026, 11, 10, 14, minute, 0).unwrap();
        let mut e = NormalizedEvent::new(Source::Vault, time, class, action);
        e.token_id = token.map(str::to_string);
        e.session_id = Some(session.to_string());
        e
    }

    /// Aliases that saw token `tok-1` in use under accessor `acc-1` at 14:00.
    fn knowing_tok_1() -> TokenAliases {
        let mut aliases = TokenAliases::default();
        aliases.apply(&mut vault(
            0,
            Class::SecretAccess,
            "read",
            Some("acc-1"),
            "tok-1",
        ));
        aliases
    }

    #[test]
    fn a_token_named_only_by_its_hmac_gets_the_accessor_it_was_seen_with() {
        let mut aliases = knowing_tok_1();
        // After the revoke Vault logs the token alone; token_id fell back to it.
        let mut reused = vault(5, Class::SecretAccess, "read", Some("tok-1"), "tok-1");
        aliases.apply(&mut reused);
        assert_eq!(reused.token_id.as_deref(), Some("acc-1"));
        let mut unknown = vault(6, Class::SecretAccess, "read", Some("tok-2"), "tok-2");
        aliases.apply(&mut unknown);
        assert_eq!(unknown.token_id.as_deref(), Some("tok-2"));
    }

    #[test]
    fn a_revoke_does_not_pair_the_callers_token_with_the_revoked_one() {
        let mut aliases = TokenAliases::default();
        let mut revoke = vault(0, Class::Token, "revoke", Some("victim-acc"), "admin-tok");
        aliases.apply(&mut revoke);
        assert!(aliases.is_empty());
        let mut admin_next = vault(
            1,
            Class::SecretAccess,
            "list",
            Some("admin-tok"),
            "admin-tok",
        );
        aliases.apply(&mut admin_next);
        assert_eq!(admin_next.token_id.as_deref(), Some("admin-tok"));
    }

    #[test]
    fn a_token_revoked_by_its_hmac_meets_its_later_uses_under_the_accessor() {
        let mut aliases = knowing_tok_1();
        let mut revoke = vault(1, Class::Token, "revoke", Some("tok-1"), "admin-tok");
        aliases.apply(&mut revoke);
        let mut reused = vault(2, Class::SecretAccess, "read", Some("tok-1"), "tok-1");
        aliases.apply(&mut reused);
        assert_eq!(revoke.token_id.as_deref(), Some("acc-1"));
        assert_eq!(reused.token_id, revoke.token_id);
    }

    #[test]
    fn other_sources_session_ids_are_not_tokens() {
        let mut aliases = TokenAliases::default();
        let mut okta = vault(
            0,
            Class::Authentication,
            "login",
            Some("api-token"),
            "okta-session",
        );
        okta.source = Source::Okta;
        aliases.apply(&mut okta);
        assert!(aliases.is_empty());
    }

    #[test]
    fn pairs_survive_a_save_and_idle_ones_are_forgotten() {
        let aliases = knowing_tok_1();
        let mut restored = TokenAliases::load(aliases.save());
        assert_eq!(restored.len(), 1);
        restored
            .pairs
            .forget_idle(Utc.with_ymd_and_hms(2026, 12, 30, 0, 0, 0).unwrap());
        assert!(restored.is_empty());
    }
}
