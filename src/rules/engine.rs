//! Runs a rule set over events in event-time order.
//!
//! Events wait in a reorder buffer until the watermark (the latest event time
//! seen, minus the allowed lateness) passes them, then go through every rule in
//! (time, event id) order: out-of-order input inside the lateness gives the same
//! alerts as sorted input. An event older than what was already released is
//! late: it is counted, and only rules that need no history see it.

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BinaryHeap, HashMap};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::job_owners::{JobOwners, Owner};
use super::kinds::Kind;
use super::token_aliases::{SavedAlias, TokenAliases};
use super::{Rule, RuleSet};
use crate::alerts::Alert;
use crate::event::NormalizedEvent;
use crate::vocab::{Class, Vocabulary};

/// How the engine treats time.
#[derive(Debug, Clone, Copy)]
pub struct EngineOptions {
    /// How far behind the newest event an event may arrive and still be evaluated in order.
    pub lateness: Duration,
    /// Events held at most; past this the oldest is released early (counted).
    pub max_pending: usize,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            lateness: Duration::minutes(10),
            max_pending: 200_000,
        }
    }
}

/// What the engine has done, for summaries and for the operator.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineStats {
    /// Events pushed.
    pub events: u64,
    /// Events older than what was already evaluated: seen only by rules without history.
    pub late: u64,
    /// Events released before the watermark because the reorder buffer was full.
    pub forced: u64,
    /// Rule matches.
    pub matched: u64,
    /// Matches skipped by a rule's allowlist.
    pub allowed: u64,
    /// Matches without a value for the rule's entity (no state can be kept for them).
    pub no_entity: u64,
    /// Hits inside a suppression period.
    pub suppressed: u64,
    /// Alerts raised.
    pub alerts: u64,
}

/// An event waiting for the watermark, ordered by (time, event id). Boxed: the heap
/// moves its entries as it sifts, and an event is large; the time is kept beside
/// the box so that comparing two entries rarely reads the events themselves.
struct Pending(DateTime<Utc>, Box<NormalizedEvent>);

impl Pending {
    fn new(event: Box<NormalizedEvent>) -> Self {
        Pending(event.time, event)
    }
}

impl Ord for Pending {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0
            .cmp(&other.0)
            .then_with(|| self.1.event_id.cmp(&other.1.event_id))
    }
}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Pending {}

/// One rule's saved state.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SavedRule {
    fingerprint: String,
    state: serde_json::Value,
}

/// Everything the engine needs to go on where it stopped.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EngineSnapshot {
    max_time: Option<DateTime<Utc>>,
    released: Option<DateTime<Utc>>,
    pending: Vec<NormalizedEvent>,
    /// (rule id, entity) -> end of the quiet period.
    quiet: Vec<(String, String, DateTime<Utc>)>,
    rules: BTreeMap<String, SavedRule>,
    stats: EngineStats,
    /// Vault tokens' accessors, by the token's HMAC (absent from older saved states).
    #[serde(default)]
    token_aliases: Vec<SavedAlias>,
    /// Owners of jobs whose records name none (absent from older saved states).
    #[serde(default)]
    job_owners: Vec<(String, Owner)>,
}

/// The rule engine.
pub struct Engine {
    rules: Vec<Rule>,
    states: Vec<Box<dyn Kind>>,
    opts: EngineOptions,
    pending: BinaryHeap<Reverse<Pending>>,
    max_time: Option<DateTime<Utc>>,
    released: Option<DateTime<Utc>>,
    quiet: HashMap<(usize, String), DateTime<Utc>>,
    stats: EngineStats,
    since_cleanup: u64,
    /// Credentials named two ways, resolved before the rules see an event.
    aliases: TokenAliases,
    /// Job owners, filled in before the rules see an event.
    owners: JobOwners,
    /// Per event class, the rules that can match it, in rule order.
    by_class: Vec<Vec<usize>>,
}

impl Engine {
    /// An engine with empty state.
    pub fn new(set: RuleSet, opts: EngineOptions) -> Engine {
        let states = set.rules.iter().map(|r| r.kind.fresh()).collect();
        let by_class = Class::ALL
            .iter()
            .map(|name| {
                let class = Class::parse(name).expect("every class parses");
                set.rules
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.classes().is_none_or(|cs| cs.contains(&class)))
                    .map(|(i, _)| i)
                    .collect()
            })
            .collect();
        Engine {
            by_class,
            rules: set.rules,
            states,
            opts,
            pending: BinaryHeap::new(),
            max_time: None,
            released: None,
            quiet: HashMap::new(),
            stats: EngineStats::default(),
            since_cleanup: 0,
            aliases: TokenAliases::default(),
            owners: JobOwners::default(),
        }
    }

    /// Gives the rules back.
    pub fn into_rules(self) -> Vec<Rule> {
        self.rules
    }

    /// The rules it runs.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Counters so far.
    pub fn stats(&self) -> &EngineStats {
        &self.stats
    }

    /// Events waiting for the watermark.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Per rule: (rule id, entities tracked, entities evicted at the cap).
    pub fn state_sizes(&self) -> Vec<(&str, usize, u64)> {
        self.rules
            .iter()
            .zip(&self.states)
            .map(|(r, s)| (r.id.as_str(), s.tracked(), s.evicted()))
            .collect()
    }

    /// Takes one event; alerts it (or the events it releases) raise go to `out`.
    pub fn push(&mut self, event: NormalizedEvent, out: &mut Vec<Alert>) {
        self.push_boxed(Box::new(event), out);
    }

    /// [`Engine::push`] for an event already on the heap (an event is large: this
    /// saves copying it).
    pub fn push_boxed(&mut self, mut event: Box<NormalizedEvent>, out: &mut Vec<Alert>) {
        // Rules never read the raw record; the buffer and snapshots need not hold it.
        event.raw = String::new();
        self.stats.events += 1;
        if self.released.is_some_and(|r| event.time < r) {
            self.stats.late += 1;
            self.attribute(&mut event);
            self.evaluate(&event, true, out);
            return;
        }
        self.max_time = Some(self.max_time.map_or(event.time, |m| m.max(event.time)));
        self.pending.push(Reverse(Pending::new(event)));
        let watermark = self.max_time.expect("set above") - self.opts.lateness;
        while let Some(Reverse(top)) = self.pending.peek() {
            let full = self.pending.len() > self.opts.max_pending;
            if top.0 > watermark && !full {
                break;
            }
            if full && top.0 > watermark {
                self.stats.forced += 1;
            }
            let Reverse(Pending(_, e)) = self.pending.pop().expect("peeked");
            self.release(e, out);
        }
    }

    /// Evaluates every waiting event (the input has ended).
    pub fn drain(&mut self, out: &mut Vec<Alert>) {
        while let Some(Reverse(Pending(_, e))) = self.pending.pop() {
            self.release(e, out);
        }
    }

    fn release(&mut self, mut event: Box<NormalizedEvent>, out: &mut Vec<Alert>) {
        self.released = Some(self.released.map_or(event.time, |r| r.max(event.time)));
        // In time order, so what is learned comes before the later events that need it.
        self.attribute(&mut event);
        self.evaluate(&event, false, out);
        self.since_cleanup += 1;
        if self.since_cleanup >= 10_000 {
            self.since_cleanup = 0;
            let now = event.time;
            self.quiet.retain(|_, until| *until > now);
        }
    }

    /// Names the credential and the user an event leaves implicit, from earlier events.
    fn attribute(&mut self, event: &mut NormalizedEvent) {
        self.aliases.apply(event);
        self.owners.apply(event);
    }

    fn evaluate(&mut self, event: &NormalizedEvent, late: bool, out: &mut Vec<Alert>) {
        // `by_class` follows `Class::ALL`, which lists the variants in declaration order.
        for &i in &self.by_class[event.class as usize] {
            let rule = &self.rules[i];
            let state = &mut self.states[i];
            if (late && state.stateful()) || !rule.matches(event) {
                continue;
            }
            self.stats.matched += 1;
            if rule.allow.allows(event) {
                self.stats.allowed += 1;
                continue;
            }
            let Some(entity) = rule.entity_of(event) else {
                self.stats.no_entity += 1;
                continue;
            };
            let Some(hit) = state.observe(event, &entity) else {
                continue;
            };
            let key = (i, entity.into_owned());
            if self
                .quiet
                .get(&key)
                .is_some_and(|until| event.time < *until)
            {
                self.stats.suppressed += 1;
                continue;
            }
            out.push(Alert::new(rule, &key.1, hit, event));
            self.quiet.insert(key, event.time + rule.suppress);
            self.stats.alerts += 1;
        }
    }

    /// The state, to save.
    pub fn snapshot(&self) -> EngineSnapshot {
        let mut pending: Vec<NormalizedEvent> = self
            .pending
            .iter()
            .map(|Reverse(p)| (*p.1).clone())
            .collect();
        pending.sort_by(|a, b| (a.time, &a.event_id).cmp(&(b.time, &b.event_id)));
        let mut quiet: Vec<(String, String, DateTime<Utc>)> = self
            .quiet
            .iter()
            .map(|((i, e), t)| (self.rules[*i].id.clone(), e.clone(), *t))
            .collect();
        quiet.sort();
        EngineSnapshot {
            max_time: self.max_time,
            released: self.released,
            pending,
            quiet,
            rules: self
                .rules
                .iter()
                .zip(&self.states)
                .map(|(r, s)| {
                    (
                        r.id.clone(),
                        SavedRule {
                            fingerprint: r.fingerprint.clone(),
                            state: s.save(),
                        },
                    )
                })
                .collect(),
            stats: self.stats.clone(),
            token_aliases: self.aliases.save(),
            job_owners: self.owners.save(),
        }
    }

    /// Goes on from a saved state. Rules whose file changed since start afresh;
    /// their ids are returned so the operator can be told.
    pub fn restore(&mut self, snap: EngineSnapshot) -> Vec<String> {
        let mut restarted = Vec::new();
        self.max_time = snap.max_time;
        self.released = snap.released;
        self.stats = snap.stats;
        self.aliases = TokenAliases::load(snap.token_aliases);
        self.owners = JobOwners::load(snap.job_owners);
        self.pending = snap
            .pending
            .into_iter()
            .map(|e| Reverse(Pending::new(Box::new(e))))
            .collect();
        for (i, rule) in self.rules.iter().enumerate() {
            match snap.rules.get(&rule.id) {
                Some(saved) if saved.fingerprint == rule.fingerprint => {
                    let mut state = rule.kind.fresh();
                    if state.load(saved.state.clone()).is_ok() {
                        self.states[i] = state;
                    } else {
                        restarted.push(rule.id.clone());
                    }
                }
                _ => restarted.push(rule.id.clone()),
            }
        }
        let index: HashMap<&str, usize> = self
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.as_str(), i))
            .collect();
        self.quiet = snap
            .quiet
            .into_iter()
            .filter_map(|(id, e, t)| index.get(id.as_str()).map(|i| ((*i, e), t)))
            .collect();
        restarted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_variants_follow_the_vocabulary_order() {
        // `by_class` is indexed by `class as usize` and built from `Class::ALL`.
        for (i, name) in Class::ALL.iter().enumerate() {
            assert_eq!(Class::parse(name).unwrap() as usize, i, "{name}");
        }
    }
}
