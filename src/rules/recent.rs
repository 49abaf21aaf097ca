//! A keyed memory of earlier events, bounded by size and by idleness: what the
//! engine learns from one event to fill in a later one (`token_aliases`,
//! `job_owners`).

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

/// key -> (value, last time the key was seen).
#[derive(Debug, Clone)]
pub struct Recent<V> {
    entries: HashMap<String, (V, DateTime<Utc>)>,
    cap: usize,
    max_idle: Duration,
}

impl<V: Clone> Recent<V> {
    /// At most `cap` keys; a key unseen for `max_idle` is forgotten once the cap is passed.
    pub fn new(cap: usize, max_idle: Duration) -> Self {
        Recent {
            entries: HashMap::new(),
            cap,
            max_idle,
        }
    }

    /// The value of `key`, which is marked seen at `time`.
    pub fn see(&mut self, key: &str, time: DateTime<Utc>) -> Option<&V> {
        let (value, seen) = self.entries.get_mut(key)?;
        *seen = (*seen).max(time);
        Some(value)
    }

    /// The value of `key` without marking it seen.
    pub fn peek(&self, key: &str) -> Option<&V> {
        self.entries.get(key).map(|(v, _)| v)
    }

    /// Sets `key` to `value`, or keeps the value it has when `keep_first`; the key is
    /// seen at `time` either way (event time may step back inside the lateness: the
    /// latest stays).
    pub fn remember(&mut self, key: &str, value: V, time: DateTime<Utc>, keep_first: bool) {
        match self.entries.get_mut(key) {
            Some((old, seen)) => {
                *seen = (*seen).max(time);
                if !keep_first {
                    *old = value;
                }
            }
            None => {
                self.entries.insert(key.to_string(), (value, time));
                if self.entries.len() > self.cap {
                    self.forget_idle(time);
                }
            }
        }
    }

    /// Drops keys idle past `max_idle`; if still over the cap, the idlest tenth too.
    pub fn forget_idle(&mut self, now: DateTime<Utc>) {
        let horizon = now - self.max_idle;
        self.entries.retain(|_, (_, seen)| *seen >= horizon);
        if self.entries.len() > self.cap {
            let mut times: Vec<DateTime<Utc>> = self.entries.values().map(|(_, t)| *t).collect();
            let cut = times.len() / 10;
            let (_, nth, _) = times.select_nth_unstable(cut);
            let nth = *nth;
            self.entries.retain(|_, (_, seen)| *seen > nth);
        }
    }

    /// Keys known.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no key is known.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every entry sorted by key, so a saved state is stable.
    pub fn sorted(&self) -> Vec<(&String, &V, DateTime<Utc>)> {
        let mut out: Vec<_> = self.entries.iter().map(|(k, (v, t))| (k, v, *t)).collect();
        out.sort_by(|a, b| a.0.cmp(b.0));
        out
    }

    /// Refills from saved entries.
    pub fn extend(&mut self, saved: impl IntoIterator<Item = (String, V, DateTime<Utc>)>) {
        self.entries
            .extend(saved.into_iter().map(|(k, v, t)| (k, (v, t))));
    }
}
