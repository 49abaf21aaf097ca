//! Sigma correlation rules: `event_count`, `value_count` and `value_sum` per group
//! in a sliding `timespan` (failed logins per user, distinct users failing from
//! one IP, QPU seconds per project).

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_yaml_ng::Value;

use super::{Hit, Kind, evict_oldest};
use crate::event::{FieldId, NormalizedEvent};
use crate::rules::error::{RuleError, field_id};
use crate::rules::spec::CorrelationDoc;
use crate::time::{format_span, parse_span};

/// What is measured per group.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Measure {
    /// Matching events.
    EventCount,
    /// Distinct values of a field.
    ValueCount(FieldId),
    /// Sum of a numeric field.
    ValueSum(FieldId),
}

/// `gte: 10`, and the like; a condition may bound both sides.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Bound {
    op: &'static str,
    limit: f64,
}

impl Bound {
    fn holds(&self, v: f64) -> bool {
        match self.op {
            "gt" => v > self.limit,
            "gte" => v >= self.limit,
            "lt" => v < self.limit,
            "lte" => v <= self.limit,
            _ => v == self.limit,
        }
    }
    fn symbol(&self) -> &'static str {
        match self.op {
            "gt" => ">",
            "gte" => "≥",
            "lt" => "<",
            "lte" => "≤",
            _ => "=",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Seen {
    time: DateTime<Utc>,
    event_id: String,
    value: Option<String>,
    amount: f64,
}

/// One group's sliding window, with its measure kept up to date as events come
/// and go (so an event costs the same whatever the window holds).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Window {
    seen: VecDeque<Seen>,
    /// value_count: how many events of the window carry each value.
    #[serde(skip)]
    counts: HashMap<String, u32>,
    /// value_sum: the window's sum.
    #[serde(skip)]
    sum: f64,
}

impl Window {
    fn add(&mut self, s: Seen) {
        if let Some(v) = &s.value {
            *self.counts.entry(v.clone()).or_default() += 1;
        }
        self.sum += s.amount;
        self.seen.push_back(s);
    }

    fn expire(&mut self, horizon: DateTime<Utc>) {
        while self.seen.front().is_some_and(|s| s.time <= horizon) {
            let s = self.seen.pop_front().expect("front exists");
            if let Some(v) = &s.value
                && let Some(c) = self.counts.get_mut(v)
            {
                *c -= 1;
                if *c == 0 {
                    self.counts.remove(v);
                }
            }
            self.sum -= s.amount;
        }
        if self.seen.is_empty() {
            self.sum = 0.0;
        }
    }

    /// Recomputes what is not saved, after a restore.
    fn rebuild(&mut self) {
        let seen = std::mem::take(&mut self.seen);
        *self = Window::default();
        for s in seen {
            self.add(s);
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct State {
    groups: HashMap<String, Window>,
    evicted: u64,
}

/// A compiled correlation.
#[derive(Debug, Clone)]
pub struct Correlation {
    measure: Measure,
    timespan: Duration,
    bounds: Vec<Bound>,
    /// What one matching event is, for explanations (the base rule's title).
    what: String,
    max_groups: usize,
    state: State,
}

impl Correlation {
    /// Compiles a Sigma `correlation:` block; `what` names the counted events.
    pub fn compile(doc: &CorrelationDoc, what: &str, file: &str) -> Result<Correlation, RuleError> {
        let err =
            |place: &str, msg: String| RuleError::new(file, &format!("correlation.{place}"), msg);
        let timespan = parse_span(&doc.timespan).map_err(|e| err("timespan", e.to_string()))?;
        if timespan <= Duration::zero() {
            return Err(err("timespan", "must be longer than zero".into()));
        }
        let field = doc
            .condition
            .get("field")
            .and_then(Value::as_str)
            .map(|f| field_id(f, file, "correlation.condition.field"))
            .transpose()?;
        let measure = match (doc.kind.as_str(), field) {
            ("event_count", _) => Measure::EventCount,
            ("value_count", Some(f)) => Measure::ValueCount(f),
            ("value_sum", Some(f)) => Measure::ValueSum(f),
            ("value_count" | "value_sum", None) => {
                return Err(err(
                    "condition",
                    format!(
                        "{} needs `field:` in its condition, the field whose values are counted or summed",
                        doc.kind
                    ),
                ));
            }
            (other, _) => {
                return Err(err(
                    "type",
                    format!(
                        "`{other}` is not supported: qtrail runs event_count, value_count and value_sum (temporal correlations are not supported yet)"
                    ),
                ));
            }
        };
        let mut bounds = Vec::new();
        for (k, v) in &doc.condition {
            let k = k.as_str().unwrap_or_default();
            if k == "field" {
                continue;
            }
            let op = match k {
                "gt" => "gt",
                "gte" => "gte",
                "lt" => "lt",
                "lte" => "lte",
                "eq" => "eq",
                other => {
                    return Err(err(
                        "condition",
                        format!("unknown comparison `{other}`: use gt, gte, lt, lte or eq"),
                    ));
                }
            };
            let limit = v
                .as_f64()
                .ok_or_else(|| err(&format!("condition.{k}"), "give a number".into()))?;
            bounds.push(Bound { op, limit });
        }
        if bounds.is_empty() {
            return Err(err(
                "condition",
                "give a threshold such as `gte: 10`".into(),
            ));
        }
        Ok(Correlation {
            measure,
            timespan,
            bounds,
            what: what.to_string(),
            max_groups: 100_000,
            state: State::default(),
        })
    }

    /// The span it counts over.
    pub fn timespan(&self) -> Duration {
        self.timespan
    }
}

impl Kind for Correlation {
    fn name(&self) -> &'static str {
        "correlation"
    }
    fn stateful(&self) -> bool {
        true
    }

    fn observe(&mut self, event: &NormalizedEvent, entity: &str) -> Option<Hit> {
        let t = event.time;
        let (value, amount) = match self.measure {
            Measure::EventCount => (None, 0.0),
            Measure::ValueCount(f) => (Some(event.get(f).to_text()?), 0.0),
            Measure::ValueSum(f) => (None, event.get(f).as_f64()?),
        };
        // Look up before inserting: most events belong to a group already seen.
        if !self.state.groups.contains_key(entity) {
            self.state
                .groups
                .insert(entity.to_string(), Window::default());
        }
        let window = self.state.groups.get_mut(entity).expect("inserted above");
        window.add(Seen {
            time: t,
            event_id: event.event_id.clone(),
            value,
            amount,
        });
        window.expire(t - self.timespan);
        let metric = match self.measure {
            Measure::EventCount => window.seen.len() as f64,
            Measure::ValueCount(_) => window.counts.len() as f64,
            Measure::ValueSum(_) => window.sum,
        };
        let detail = || match self.measure {
            Measure::EventCount => String::new(),
            Measure::ValueCount(_) => {
                let mut distinct: Vec<&str> = window.counts.keys().map(String::as_str).collect();
                distinct.sort_unstable();
                let shown: Vec<&str> = distinct.iter().take(8).copied().collect();
                let more = distinct.len().saturating_sub(shown.len());
                format!(
                    " ({}{})",
                    shown.join(", "),
                    if more > 0 {
                        format!(" and {more} more")
                    } else {
                        String::new()
                    }
                )
            }
            Measure::ValueSum(f) => format!(" {}", f.name()),
        };
        let hit = self.bounds.iter().all(|b| b.holds(metric)).then(|| {
            let detail = detail();
            let bounds: Vec<String> = self
                .bounds
                .iter()
                .map(|b| format!("{} {}", b.symbol(), b.limit))
                .collect();
            let head = match self.measure {
                Measure::EventCount => format!("{metric} × «{}»", self.what),
                Measure::ValueCount(f) => {
                    format!(
                        "{metric} distinct {}{detail} in «{}» events",
                        f.name(),
                        self.what
                    )
                }
                Measure::ValueSum(_) => format!("{metric:.0}{detail} in {}", self.what),
            };
            let evidence: Vec<String> = window
                .seen
                .iter()
                .rev()
                .take(50)
                .map(|s| s.event_id.clone())
                .collect();
            Hit {
                explanation: format!(
                    "{head} for {entity} within {} (threshold {})",
                    format_span(self.timespan),
                    bounds.join(" and ")
                ),
                evidence,
                first_seen: window.seen.front().map_or(t, |s| s.time),
                last_seen: t,
            }
        });
        if hit.is_some() {
            // One incident, one alert: counting starts over after a finding.
            self.state.groups.remove(entity);
        }
        self.state.evicted += evict_oldest(&mut self.state.groups, self.max_groups, |w| {
            w.seen.back().map_or(DateTime::<Utc>::MIN_UTC, |s| s.time)
        });
        hit
    }

    kind_state!(groups, |state: &mut State| state
        .groups
        .values_mut()
        .for_each(Window::rebuild));
}
