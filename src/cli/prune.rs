//! `qtrail prune --before DAY`: retention, whole days at a time.

use anyhow::{Context, Result, bail};
use chrono::Utc;

use super::Cli;
use crate::store::index::{EventIndex, parquet_rows};
use crate::store::layout::{DataDir, parquet_files, sync_dir};
use crate::time::parse_time;

/// Arguments of `qtrail prune`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Removes every day partition strictly before the given day from the \
Parquet files and the search index together. An age counts back from now (90d).\n\n\
Examples:\n  qtrail prune --before 2026-01-01\n  qtrail prune --before 365d --dry-run"
)]
pub struct Args {
    /// Remove the days before this one (a day, RFC 3339 time, or an age such as 90d).
    #[arg(long, value_name = "DAY")]
    pub before: String,
    /// Only report what would be removed.
    #[arg(long)]
    pub dry_run: bool,
}

/// Runs `qtrail prune`.
pub fn run(cli: &Cli, args: &Args) -> Result<()> {
    let dir = DataDir::open_existing(&cli.data_dir)?;
    let before = parse_time(&args.before, Utc::now())?
        .format("%Y-%m-%d")
        .to_string();
    let _lock = dir.lock()?;
    let days: Vec<String> = dir.days()?.into_iter().filter(|d| *d < before).collect();
    let mut removed = Vec::new();
    for day in &days {
        let mut events = 0;
        let files = parquet_files(&dir.day_dir(day))?;
        for f in &files {
            events += parquet_rows(f)?;
        }
        removed.push((day.clone(), files, events));
    }
    let total: u64 = removed.iter().map(|(_, _, n)| n).sum();
    let verb = if args.dry_run {
        "would remove"
    } else {
        "removed"
    };
    for (day, files, events) in &removed {
        println!("{verb} {day}: {events} events in {} files", files.len());
    }
    println!(
        "{verb} {} days, {total} events (kept the days from {before} on)",
        removed.len()
    );
    if args.dry_run || removed.is_empty() {
        return Ok(());
    }
    if !EventIndex::path(&dir).join("meta.json").exists() && total > 0 {
        bail!("no search index to prune alongside: run `qtrail reindex` first");
    }
    // The documents go first, then the files: a search meanwhile never meets a hit
    // whose file is gone. A crash in between leaves files the index lacks; the next
    // ingest's reconcile indexes them again and a second prune removes them.
    let index = EventIndex::open_or_create(&dir)?;
    let mut writer = index.writer()?;
    for (_, files, _) in &removed {
        for f in files {
            let rel = f.strip_prefix(dir.events_dir()).unwrap_or(f);
            writer.remove_file(&rel.to_string_lossy());
        }
    }
    writer.commit()?;
    for (day, files, _) in &removed {
        for f in files {
            std::fs::remove_file(f).with_context(|| format!("cannot remove {}", f.display()))?;
        }
        // The partition folder goes too once empty (a leftover .tmp is removed first).
        dir.remove_leftovers()?;
        let _ = std::fs::remove_dir(dir.day_dir(day));
    }
    sync_dir(&dir.events_dir())?;
    writer.finish()?;
    Ok(())
}
