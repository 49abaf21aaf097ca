//! `sequence`: an event for an entity after a marking event for it, within a
//! span: a token used after it was revoked, an account active after it was disabled.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_yaml_ng::{Mapping, Value};

use super::{Hit, Kind, KindContext, config, describe, evict_oldest, span};
use crate::event::NormalizedEvent;
use crate::rules::detection::Detection;
use crate::rules::error::RuleError;
use crate::rules::kinds::travel::humanize;
use crate::time::format_span;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    /// A Sigma selection (`{class: token, action: revoke}`) for the marking event.
    after: Mapping,
    /// How long after the mark a later event still fires.
    #[serde(default = "default_within")]
    within: String,
    /// Words for the mark in explanations ("revoked").
    #[serde(default = "default_what")]
    what: String,
    /// Entities remembered.
    #[serde(default = "default_max_entities")]
    max_entities: usize,
}

fn default_within() -> String {
    "30d".into()
}
fn default_what() -> String {
    "marked".into()
}
fn default_max_entities() -> usize {
    100_000
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Mark {
    time: DateTime<Utc>,
    event_id: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct State {
    marks: HashMap<String, Mark>,
    evicted: u64,
}

/// The `sequence` kind.
#[derive(Debug, Clone)]
pub struct Sequence {
    after: Detection,
    within: Duration,
    what: String,
    max_entities: usize,
    state: State,
}

/// Builds it from `qtrail.sequence`.
pub fn build(block: &Value, ctx: &KindContext<'_>) -> Result<Box<dyn Kind>, RuleError> {
    let c: Config = config(block, "sequence", ctx)?;
    let mut m = Mapping::new();
    m.insert("after".into(), Value::Mapping(c.after));
    m.insert("condition".into(), "after".into());
    let after = Detection::compile(&m, ctx.file).map_err(|mut e| {
        e.place = e.place.replacen("detection", "qtrail.sequence", 1);
        e
    })?;
    Ok(Box::new(Sequence {
        after,
        within: span(&c.within, "sequence", "within", ctx)?,
        what: c.what,
        max_entities: c.max_entities.max(1),
        state: State::default(),
    }))
}

impl Kind for Sequence {
    fn name(&self) -> &'static str {
        "sequence"
    }
    fn stateful(&self) -> bool {
        true
    }

    fn observe(&mut self, event: &NormalizedEvent, entity: &str) -> Option<Hit> {
        if self.after.matches(event) {
            self.state.marks.insert(
                entity.to_string(),
                Mark {
                    time: event.time,
                    event_id: event.event_id.clone(),
                },
            );
            self.state.evicted +=
                evict_oldest(&mut self.state.marks, self.max_entities, |m| m.time);
            return None;
        }
        let mark = self.state.marks.get(entity)?;
        if event.time <= mark.time {
            return None;
        }
        if event.time - mark.time > self.within {
            self.state.marks.remove(entity);
            return None;
        }
        Some(Hit {
            explanation: format!(
                "{entity} used {} after it was {} ({}; the watch lasts {})",
                humanize(event.time - mark.time),
                self.what,
                describe(event),
                format_span(self.within)
            ),
            evidence: vec![event.event_id.clone(), mark.event_id.clone()],
            first_seen: mark.time,
            last_seen: event.time,
        })
    }

    kind_state!(marks);
}
