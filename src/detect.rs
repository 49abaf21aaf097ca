//! Detection over what the store holds: the rule engine fed from Parquet.
//!
//! Rules run on events once they are durable. After each ingest, every event file
//! the engine has not seen yet is replayed in event-time order; the engine's state
//! and the list of files it has seen are saved together, atomically, after the
//! alerts. A crash anywhere leaves files unseen, and the next run evaluates them:
//! no event is skipped, and a re-raised alert has the same id and is stored once.

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::alerts::{Alert, store};
use crate::rules::RuleSet;
use crate::rules::engine::{Engine, EngineOptions, EngineSnapshot, EngineStats};
use crate::store::layout::{DataDir, sync_dir};
use crate::store::replay::in_time_order;

/// How detection runs after an ingest.
#[derive(Debug, Clone, Copy)]
pub struct DetectOptions {
    /// Event-time handling.
    pub engine: EngineOptions,
    /// Evaluate events still inside the lateness at the end (the input is complete);
    /// otherwise they wait in the saved state for the next run.
    pub drain: bool,
}

/// Saved in `detect-state.json`.
#[derive(Debug, Default, Serialize, Deserialize)]
struct DetectState {
    /// Event files (relative to `events/`) whose events the engine has seen.
    seen_files: BTreeSet<String>,
    engine: EngineSnapshot,
}

/// What a detection run did.
#[derive(Debug, Default, Clone)]
pub struct DetectSummary {
    /// Event files evaluated.
    pub files: usize,
    /// Events evaluated.
    pub events: u64,
    /// Alerts raised in this run (including ones stored before a crash).
    pub alerts: Vec<Alert>,
    /// Alerts newly stored.
    pub stored: usize,
    /// Engine counters (cumulative over the data directory's life).
    pub stats: EngineStats,
    /// Events waiting for the watermark in the saved state.
    pub pending: usize,
    /// Rules whose state started afresh because the rule file changed.
    pub restarted: Vec<String>,
    /// Entities tracked by all rules, and dropped so far because a rule's state reached its cap.
    pub tracked: usize,
    /// See `tracked`.
    pub evicted: u64,
}

fn load_state(dir: &DataDir) -> Result<DetectState> {
    let path = dir.detect_state_path();
    match fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).with_context(|| {
            format!(
                "the rule state {} is unreadable: move it aside to start detection afresh \
                 (every stored event is then evaluated again; alerts already stored are not repeated)",
                path.display()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(DetectState::default()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

fn save_state(dir: &DataDir, state: &DetectState) -> Result<()> {
    let path = dir.detect_state_path();
    let tmp = path.with_extension("json.tmp");
    let mut f =
        fs::File::create(&tmp).with_context(|| format!("cannot write {}", tmp.display()))?;
    serde_json::to_writer(&mut f, state)?;
    f.flush()?;
    f.sync_all()?;
    drop(f);
    fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
    sync_dir(dir.root())?;
    Ok(())
}

/// Runs the rules over every stored events file they have not seen, stores the
/// alerts, and saves the state. The caller holds the data directory's lock.
pub fn detect_new(dir: &DataDir, rules: RuleSet, opts: DetectOptions) -> Result<DetectSummary> {
    let mut state = load_state(dir)?;
    let mut engine = Engine::new(rules, opts.engine);
    let restarted = engine.restore(std::mem::take(&mut state.engine));
    let all = dir.event_files()?;
    let unseen: Vec<PathBuf> = all
        .iter()
        .filter(|f| !state.seen_files.contains(&dir.event_file_name(f)))
        .cloned()
        .collect();
    let mut alerts = Vec::new();
    let events = in_time_order(&unseen, None, None, |e| {
        engine.push(e, &mut alerts);
        Ok(())
    })?;
    if opts.drain {
        engine.drain(&mut alerts);
    }
    let stored = store::append(dir, &alerts)?;
    // Forget files that are gone (pruned), remember the ones just seen.
    let present: BTreeSet<String> = all.iter().map(|f| dir.event_file_name(f)).collect();
    state.seen_files.retain(|f| present.contains(f));
    state
        .seen_files
        .extend(unseen.iter().map(|f| dir.event_file_name(f)));
    state.engine = engine.snapshot();
    save_state(dir, &state)?;
    let sizes = engine.state_sizes();
    Ok(DetectSummary {
        tracked: sizes.iter().map(|(_, t, _)| t).sum(),
        evicted: sizes.iter().map(|(_, _, e)| e).sum(),
        files: unseen.len(),
        events,
        alerts,
        stored,
        stats: engine.stats().clone(),
        pending: engine.pending(),
        restarted,
    })
}

/// Runs rules from empty state over the stored events in `[since, until)`:
/// what a new rule would have found. Nothing is saved.
pub fn backtest(
    dir: &DataDir,
    rules: RuleSet,
    engine_opts: EngineOptions,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
) -> Result<(Vec<Alert>, EngineStats, u64)> {
    let files: Vec<PathBuf> = dir
        .event_files()?
        .into_iter()
        .filter(|f| {
            // Skip whole days outside the range.
            let day = f
                .parent()
                .and_then(|p| p.file_name())
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_prefix("dt="))
                .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
            match day {
                None => true,
                Some(d) => {
                    let start = d.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
                    let end = start + chrono::Duration::days(1);
                    since.is_none_or(|s| end > s) && until.is_none_or(|u| start < u)
                }
            }
        })
        .collect();
    let mut engine = Engine::new(rules, engine_opts);
    let mut alerts = Vec::new();
    let events = in_time_order(&files, since, until, |e| {
        engine.push(e, &mut alerts);
        Ok(())
    })?;
    engine.drain(&mut alerts);
    Ok((alerts, engine.stats().clone(), events))
}
