//! `first_seen`: a value (country, ASN, city, user agent) never seen for an entity
//! within a history window, once the entity is past its learning period.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_yaml_ng::Value;

use super::{Hit, Kind, KindContext, config, evict_oldest, span};
use crate::event::{FieldId, NormalizedEvent};
use crate::rules::error::{RuleError, field_id};
use crate::time::format_span;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    /// The field whose new values are reported.
    value: String,
    /// How long a value stays known after it was last seen.
    #[serde(default = "default_history")]
    history: String,
    /// The entity must be known this long before it may fire (cold start).
    #[serde(default)]
    learning: Option<String>,
    /// ... and have this many events.
    #[serde(default = "default_min_events")]
    min_events: u64,
    /// Values remembered per entity.
    #[serde(default = "default_max_values")]
    max_values: usize,
    /// Entities remembered.
    #[serde(default = "default_max_entities")]
    max_entities: usize,
}

fn default_history() -> String {
    "30d".into()
}
fn default_min_events() -> u64 {
    3
}
fn default_max_values() -> usize {
    64
}
fn default_max_entities() -> usize {
    100_000
}

/// One value an entity was seen with.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Seen {
    value: String,
    last: DateTime<Utc>,
    event_id: String,
}

/// What is known of one entity.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Entity {
    first: DateTime<Utc>,
    last: DateTime<Utc>,
    events: u64,
    values: Vec<Seen>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct State {
    entities: HashMap<String, Entity>,
    evicted: u64,
}

/// The `first_seen` kind.
#[derive(Debug, Clone)]
pub struct FirstSeen {
    field: FieldId,
    history: Duration,
    learning: Duration,
    min_events: u64,
    max_values: usize,
    max_entities: usize,
    state: State,
}

/// Builds it from `qtrail.first_seen`.
pub fn build(block: &Value, ctx: &KindContext<'_>) -> Result<Box<dyn Kind>, RuleError> {
    let c: Config = config(block, "first_seen", ctx)?;
    Ok(Box::new(FirstSeen {
        field: field_id(&c.value, ctx.file, "qtrail.first_seen.value")?,
        history: span(&c.history, "first_seen", "history", ctx)?,
        learning: c
            .learning
            .as_deref()
            .map(|l| span(l, "first_seen", "learning", ctx))
            .transpose()?
            .unwrap_or_else(Duration::zero),
        min_events: c.min_events,
        max_values: c.max_values.max(1),
        max_entities: c.max_entities.max(1),
        state: State::default(),
    }))
}

impl Kind for FirstSeen {
    fn name(&self) -> &'static str {
        "first_seen"
    }
    fn stateful(&self) -> bool {
        true
    }

    fn observe(&mut self, event: &NormalizedEvent, entity: &str) -> Option<Hit> {
        let value = event.get(self.field).to_text()?;
        let t = event.time;
        // Look up before inserting: most events are of an entity already known.
        if !self.state.entities.contains_key(entity) {
            self.state.entities.insert(
                entity.to_string(),
                Entity {
                    first: t,
                    last: t,
                    events: 0,
                    values: Vec::new(),
                },
            );
        }
        let e = self.state.entities.get_mut(entity).expect("inserted above");
        let horizon = t - self.history;
        e.values.retain(|s| s.last >= horizon);
        let known = e.values.iter().position(|s| s.value == value);
        let guard_passed = e.events >= self.min_events && t - e.first >= self.learning;
        let hit = (known.is_none() && guard_passed).then(|| {
            let mut before: Vec<&Seen> = e.values.iter().collect();
            before.sort_by_key(|s| std::cmp::Reverse(s.last));
            let names: Vec<&str> = before.iter().map(|s| s.value.as_str()).collect();
            let mut evidence = vec![event.event_id.clone()];
            let mut first_seen = t;
            if let Some(prev) = before.first() {
                evidence.push(prev.event_id.clone());
                first_seen = first_seen.min(prev.last);
            }
            Hit {
                explanation: format!(
                    "{} {value} never seen for {entity} in {}; seen before: {}",
                    self.field.name(),
                    format_span(self.history),
                    if names.is_empty() {
                        "nothing".to_string()
                    } else {
                        names.join(", ")
                    }
                ),
                evidence,
                first_seen,
                last_seen: t,
            }
        });
        e.events += 1;
        e.first = e.first.min(t);
        e.last = e.last.max(t);
        match known {
            Some(i) => {
                let s = &mut e.values[i];
                if t >= s.last {
                    s.last = t;
                    s.event_id = event.event_id.clone();
                }
            }
            None => {
                e.values.push(Seen {
                    value,
                    last: t,
                    event_id: event.event_id.clone(),
                });
                if e.values.len() > self.max_values {
                    // Forget the value seen longest ago.
                    if let Some(oldest) = e
                        .values
                        .iter()
                        .enumerate()
                        .min_by_key(|(_, s)| s.last)
                        .map(|(i, _)| i)
                    {
                        e.values.remove(oldest);
                    }
                }
            }
        }
        self.state.evicted += evict_oldest(&mut self.state.entities, self.max_entities, |e| e.last);
        hit
    }

    kind_state!(entities);
}
