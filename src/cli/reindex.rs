//! `qtrail reindex`: rebuild the search index from the stored events.

use std::time::Instant;

use anyhow::{Context, Result};

use super::Cli;
use crate::store::index::{EventIndex, dir_size};
use crate::store::layout::DataDir;

/// Arguments of `qtrail reindex`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only repair: index files missing from the index and drop documents of
    /// missing files, instead of rebuilding from scratch.
    #[arg(long)]
    pub repair: bool,
}

/// Runs `qtrail reindex`.
pub fn run(cli: &Cli, args: &Args) -> Result<()> {
    let dir = DataDir::open_existing(&cli.data_dir)?;
    let _lock = dir.lock()?;
    dir.remove_leftovers()?;
    let started = Instant::now();
    if !args.repair {
        let path = EventIndex::path(&dir);
        if path.exists() {
            std::fs::remove_dir_all(&path)
                .with_context(|| format!("cannot remove the old index {}", path.display()))?;
        }
    }
    let index = EventIndex::open_or_create(&dir)?;
    let mut writer = index.writer()?;
    let done = writer.reconcile(&index, &dir)?;
    writer.finish()?;
    let secs = started.elapsed().as_secs_f64();
    let docs = index.num_docs()?;
    let index_bytes = index.size_on_disk(&dir)?;
    let parquet_bytes = dir_size(&dir.events_dir())?;
    println!(
        "indexed {} files, {} events in {secs:.2}s ({:.0} events/s); removed {} files, {} events",
        done.files_added,
        done.docs_added,
        done.docs_added as f64 / secs.max(1e-6),
        done.files_removed,
        done.docs_removed
    );
    println!(
        "index: {docs} events, {:.1} MB ({:.0} B/event); Parquet: {:.1} MB",
        index_bytes as f64 / 1e6,
        index_bytes as f64 / docs.max(1) as f64,
        parquet_bytes as f64 / 1e6
    );
    Ok(())
}
