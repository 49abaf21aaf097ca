//! Rule kinds: what a rule does with the events its detection matched.
//!
//! A rule without a kind block alerts on every match ([`single`]); a Sigma
//! correlation counts matches per group ([`correlation`]); the others keep
//! per-entity history. A new kind is one file here plus one line in [`KINDS`].

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde_yaml_ng::Value;

use super::error::RuleError;
use crate::event::NormalizedEvent;

/// The snapshot methods of a kind whose state is a serde `state` field holding a
/// map `$map` (the tracked entities) and an `evicted` counter.
macro_rules! kind_state {
    ($map:ident) => {
        kind_state!($map, |_state| {});
    };
    // `$after` recomputes what the state does not save, after a restore.
    ($map:ident, $after:expr) => {
        fn fresh(&self) -> Box<dyn Kind> {
            Box::new(Self {
                state: Default::default(),
                ..self.clone()
            })
        }
        fn save(&self) -> serde_json::Value {
            serde_json::to_value(&self.state).unwrap_or_default()
        }
        fn load(&mut self, state: serde_json::Value) -> anyhow::Result<()> {
            self.state = serde_json::from_value(state)?;
            #[allow(clippy::redundant_closure_call)]
            ($after)(&mut self.state);
            Ok(())
        }
        fn tracked(&self) -> usize {
            self.state.$map.len()
        }
        fn evicted(&self) -> u64 {
            self.state.evicted
        }
    };
}

/// The snapshot methods of a kind without state.
macro_rules! no_state {
    () => {
        fn fresh(&self) -> Box<dyn Kind> {
            Box::new(self.clone())
        }
        fn save(&self) -> serde_json::Value {
            serde_json::Value::Null
        }
        fn load(&mut self, _state: serde_json::Value) -> anyhow::Result<()> {
            Ok(())
        }
    };
}

pub mod correlation;
pub mod first_seen;
pub mod schedule;
pub mod sequence;
pub mod share_spike;
pub mod single;
pub mod travel;

/// A rule firing: what a human reads, and the events that show it.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// One line: what was seen and why it matters.
    pub explanation: String,
    /// Ids of the events that make the case, the triggering one first.
    pub evidence: Vec<String>,
    /// Earliest event of the case.
    pub first_seen: DateTime<Utc>,
    /// Latest event of the case.
    pub last_seen: DateTime<Utc>,
}

impl Hit {
    /// A hit made of one event.
    pub fn single(event: &NormalizedEvent, explanation: String) -> Self {
        Hit {
            explanation,
            evidence: vec![event.event_id.clone()],
            first_seen: event.time,
            last_seen: event.time,
        }
    }
}

/// What a kind is told about the rule it serves.
pub struct KindContext<'a> {
    /// The rule file, for errors.
    pub file: &'a str,
    /// The rule's title.
    pub title: &'a str,
    /// Names of the entity fields (`user`), for explanations.
    pub entity: &'a [String],
}

/// One rule's behaviour and state.
pub trait Kind: Send {
    /// The kind's name as rule files write it.
    fn name(&self) -> &'static str;
    /// Whether its verdict depends on other events (late events skip such kinds).
    fn stateful(&self) -> bool;
    /// Sees one matching event of `entity` (the entity fields' values, joined).
    fn observe(&mut self, event: &NormalizedEvent, entity: &str) -> Option<Hit>;
    /// The same configuration with empty state.
    fn fresh(&self) -> Box<dyn Kind>;
    /// The state, for a snapshot.
    fn save(&self) -> serde_json::Value;
    /// Restores a saved state.
    fn load(&mut self, state: serde_json::Value) -> anyhow::Result<()>;
    /// Entities (or groups) with state.
    fn tracked(&self) -> usize {
        0
    }
    /// Entities dropped because the state reached its cap.
    fn evicted(&self) -> u64 {
        0
    }
}

/// Builds a kind from its block in the `qtrail:` section.
pub type Build = fn(&Value, &KindContext<'_>) -> Result<Box<dyn Kind>, RuleError>;

/// The kinds a `qtrail:` block may name, by key.
pub const KINDS: &[(&str, Build)] = &[
    ("first_seen", first_seen::build),
    ("schedule", schedule::build),
    ("sequence", sequence::build),
    ("share_spike", share_spike::build),
    ("travel", travel::build),
];

/// Reads a kind's block into its configuration type, with the place in errors.
pub fn config<T: DeserializeOwned>(
    block: &Value,
    kind: &str,
    ctx: &KindContext<'_>,
) -> Result<T, RuleError> {
    serde_yaml_ng::from_value(block.clone())
        .map_err(|e| RuleError::new(ctx.file, &format!("qtrail.{kind}"), e.to_string()))
}

/// Reads a span in a kind's block.
pub fn span(
    text: &str,
    kind: &str,
    key: &str,
    ctx: &KindContext<'_>,
) -> Result<chrono::Duration, RuleError> {
    crate::time::parse_span(text)
        .map_err(|e| RuleError::new(ctx.file, &format!("qtrail.{kind}.{key}"), e.to_string()))
}

/// Drops the least recently seen tenth of a map once it exceeds `cap`; returns how many.
pub fn evict_oldest<V>(
    map: &mut std::collections::HashMap<String, V>,
    cap: usize,
    last_seen: impl Fn(&V) -> DateTime<Utc>,
) -> u64 {
    if map.len() <= cap {
        return 0;
    }
    let mut ages: Vec<(DateTime<Utc>, String)> =
        map.iter().map(|(k, v)| (last_seen(v), k.clone())).collect();
    ages.sort();
    let drop = (map.len() - cap).max(cap / 10).min(map.len());
    for (_, k) in ages.into_iter().take(drop) {
        map.remove(&k);
    }
    drop as u64
}

/// A short description of an event for explanations: who did what on what, from where.
pub fn describe(event: &NormalizedEvent) -> String {
    let mut s = format!(
        "{} {} {}",
        event.user.as_deref().unwrap_or("(no user)"),
        event.action,
        event.outcome
    );
    if let Some(on) = event.backend.as_deref().or(event.resource.as_deref()) {
        s.push_str(&format!(" on {on}"));
    }
    if let Some(ip) = &event.src_ip {
        s.push_str(&format!(" from {ip}"));
        if let Some(c) = &event.src_country {
            s.push_str(&format!(" ({c})"));
        }
    }
    s
}
