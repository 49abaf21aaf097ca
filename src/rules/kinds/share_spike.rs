//! `share_spike`: one entity's share of everyone's QPU time in a sliding window,
//! and its use against its own baseline of earlier windows.

use std::collections::{BTreeMap, HashMap, VecDeque};

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
    /// The amount summed per entity (default `qpu_seconds`).
    #[serde(default = "default_value")]
    value: String,
    /// The sliding window.
    #[serde(default = "default_window")]
    window: String,
    /// Fires when the entity's share of the window's total reaches this (0.6 = 60%).
    share: Option<f64>,
    /// ... and the total is at least this much (a quiet day is no spike).
    #[serde(default)]
    min_total: f64,
    /// ... and at least this many entities used the resource in the window.
    #[serde(default = "default_min_entities")]
    min_entities: usize,
    /// Fires when the entity's window sum exceeds `factor` times its average over
    /// the previous `windows` windows.
    baseline: Option<BaselineConfig>,
    /// Entities remembered.
    #[serde(default = "default_max_entities")]
    max_entities: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineConfig {
    windows: usize,
    factor: f64,
    /// Below this window sum the baseline check stays quiet.
    #[serde(default)]
    min_value: f64,
}

fn default_value() -> String {
    "qpu_seconds".into()
}
fn default_window() -> String {
    "24h".into()
}
fn default_min_entities() -> usize {
    2
}
fn default_max_entities() -> usize {
    100_000
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Use {
    time: DateTime<Utc>,
    entity: String,
    amount: f64,
    event_id: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct EntityUse {
    /// Sum inside the sliding window.
    in_window: f64,
    last: Option<DateTime<Utc>>,
    /// Sums per whole window since the epoch (window index -> sum), for the baseline.
    buckets: BTreeMap<i64, f64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct State {
    uses: VecDeque<Use>,
    total: f64,
    entities: HashMap<String, EntityUse>,
    /// Entities with use inside the window, kept as uses come and go.
    active: usize,
    evicted: u64,
}

/// Below this a window sum is empty (float sums drift).
const EMPTY: f64 = 1e-9;

/// The `share_spike` kind.
#[derive(Debug, Clone)]
pub struct ShareSpike {
    field: FieldId,
    window: Duration,
    share: Option<f64>,
    min_total: f64,
    min_entities: usize,
    baseline: Option<(usize, f64, f64)>,
    max_entities: usize,
    state: State,
}

/// Builds it from `qtrail.share_spike`.
pub fn build(block: &Value, ctx: &KindContext<'_>) -> Result<Box<dyn Kind>, RuleError> {
    let c: Config = config(block, "share_spike", ctx)?;
    if c.share.is_none() && c.baseline.is_none() {
        return Err(RuleError::new(
            ctx.file,
            "qtrail.share_spike",
            "say when it fires: `share: 0.6` (of everyone's total), `baseline: {windows: 7, factor: 3}`, or both",
        ));
    }
    if let Some(s) = c.share
        && !(0.0..=1.0).contains(&s)
    {
        return Err(RuleError::new(
            ctx.file,
            "qtrail.share_spike.share",
            "a share is between 0 and 1 (0.6 means 60%)",
        ));
    }
    let window = span(&c.window, "share_spike", "window", ctx)?;
    if window <= Duration::zero() {
        return Err(RuleError::new(
            ctx.file,
            "qtrail.share_spike.window",
            "must be longer than zero",
        ));
    }
    Ok(Box::new(ShareSpike {
        field: field_id(&c.value, ctx.file, "qtrail.share_spike.value")?,
        window,
        share: c.share,
        min_total: c.min_total,
        min_entities: c.min_entities.max(1),
        baseline: c
            .baseline
            .map(|b| (b.windows.max(1), b.factor, b.min_value)),
        max_entities: c.max_entities.max(1),
        state: State::default(),
    }))
}

impl ShareSpike {
    fn bucket(&self, t: DateTime<Utc>) -> i64 {
        t.timestamp().div_euclid(self.window.num_seconds().max(1))
    }

    fn expire(&mut self, now: DateTime<Utc>) {
        let horizon = now - self.window;
        while let Some(u) = self.state.uses.front() {
            if u.time > horizon {
                break;
            }
            let u = self.state.uses.pop_front().expect("front exists");
            self.state.total -= u.amount;
            if let Some(e) = self.state.entities.get_mut(&u.entity) {
                let was = e.in_window > EMPTY;
                e.in_window -= u.amount;
                if was && e.in_window <= EMPTY {
                    self.state.active -= 1;
                }
            }
        }
        // Float sums drift; an empty window is exactly zero.
        if self.state.uses.is_empty() {
            self.state.total = 0.0;
        }
    }
}

impl Kind for ShareSpike {
    fn name(&self) -> &'static str {
        "share_spike"
    }
    fn stateful(&self) -> bool {
        true
    }

    fn observe(&mut self, event: &NormalizedEvent, entity: &str) -> Option<Hit> {
        let amount = event.get(self.field).as_f64().filter(|a| *a > 0.0)?;
        let t = event.time;
        self.expire(t);
        let bucket = self.bucket(t);
        self.state.uses.push_back(Use {
            time: t,
            entity: entity.to_string(),
            amount,
            event_id: event.event_id.clone(),
        });
        self.state.total += amount;
        let keep = self.baseline.map_or(0, |(n, _, _)| n as i64 + 1);
        if !self.state.entities.contains_key(entity) {
            self.state
                .entities
                .insert(entity.to_string(), EntityUse::default());
        }
        let e = self.state.entities.get_mut(entity).expect("inserted above");
        if e.in_window <= EMPTY {
            self.state.active += 1;
        }
        e.in_window += amount;
        e.last = Some(t);
        *e.buckets.entry(bucket).or_default() += amount;
        e.buckets.retain(|b, _| *b > bucket - keep);
        let mine = e.in_window;
        // The entity's average over the previous windows, when it has that much history.
        let baseline = self.baseline.and_then(|(n, _, _)| {
            let has_history = e.buckets.keys().any(|b| *b <= bucket - n as i64);
            let earlier: f64 = (1..=n as i64)
                .map(|k| e.buckets.get(&(bucket - k)).copied().unwrap_or(0.0))
                .sum();
            has_history.then_some(earlier / n as f64)
        });
        let total = self.state.total;
        let active = self.state.active;
        let window_text = format_span(self.window);
        let unit = self.field.name();
        let mut reasons = Vec::new();
        if let Some(share) = self.share
            && total >= self.min_total
            && active >= self.min_entities
            && mine / total >= share
        {
            reasons.push(format!(
                "{entity} used {:.0}% of all {unit} in the last {window_text} ({mine:.0} of {total:.0}, {active} principals; the limit is {:.0}%)",
                100.0 * mine / total,
                100.0 * share
            ));
        }
        if let (Some((n, factor, min_value)), Some(avg)) = (self.baseline, baseline) {
            // Only with a full history: an entity new this week has no baseline.
            if mine >= min_value && avg > 0.0 && mine > factor * avg {
                reasons.push(format!(
                    "{entity} used {mine:.0} {unit} in the last {window_text}, {:.1}x its average of {avg:.0} over the previous {n} windows",
                    mine / avg
                ));
            }
        }
        let evicted = evict_oldest(&mut self.state.entities, self.max_entities, |e| {
            e.last.unwrap_or_default()
        });
        if evicted > 0 {
            self.state.evicted += evicted;
            self.state.active = self
                .state
                .entities
                .values()
                .filter(|e| e.in_window > EMPTY)
                .count();
        }
        if reasons.is_empty() {
            return None;
        }
        let mut evidence: Vec<String> = self
            .state
            .uses
            .iter()
            .rev()
            .filter(|u| u.entity == entity)
            .take(20)
            .map(|u| u.event_id.clone())
            .collect();
        evidence.dedup();
        let first_seen = self
            .state
            .uses
            .iter()
            .find(|u| u.entity == entity)
            .map_or(t, |u| u.time);
        Some(Hit {
            explanation: reasons.join("; "),
            evidence,
            first_seen,
            last_seen: t,
        })
    }

    kind_state!(entities);
}
