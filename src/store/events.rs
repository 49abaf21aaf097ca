//! The `events` table: day-partitioned Parquet, each event stored once.
//!
//! Events are buffered per day and flushed as one file per day when a day's
//! buffer is full or the input ends. Dedupe is by `event_id` against what is
//! already stored for that day, so a rerun after a crash (or the same input
//! twice) completes the data without duplicating it.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use anyhow::{Context, Result};

use super::index::EventIndexWriter;
use super::layout::{DataDir, parquet_files};
use super::parquet_file::{read_string_column, write_atomic};
use crate::event::{EventBatchBuilder, NormalizedEvent, event_schema};

/// How much the writer buffers before it writes.
#[derive(Debug, Clone, Copy)]
pub struct WriterLimits {
    /// Rows of one day that make a file.
    pub file_rows: usize,
    /// Rows buffered across all days before the largest day is written early.
    pub buffered_rows: usize,
}

impl Default for WriterLimits {
    fn default() -> Self {
        WriterLimits {
            file_rows: 128 * 1024,
            buffered_rows: 192 * 1024,
        }
    }
}

struct DayBuffer {
    builder: EventBatchBuilder,
    rows: usize,
    /// Ids stored for this day on disk plus those buffered.
    known: HashSet<u128>,
}

/// What a write did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    /// The event was new and is buffered.
    #[default]
    New,
    /// It was already stored (or already in this run) and was skipped.
    Duplicate,
}

/// Writes events into day partitions, skipping ones already stored.
pub struct EventWriter {
    dir: DataDir,
    limits: WriterLimits,
    days: HashMap<String, DayBuffer>,
    buffered: usize,
    files: Vec<PathBuf>,
    index: Option<EventIndexWriter>,
    index_time: std::time::Duration,
}

/// Parses a 32-hex-digit event id into the compact form used for dedupe.
pub fn id_bits(event_id: &str) -> u128 {
    u128::from_str_radix(event_id, 16).unwrap_or_else(|_| {
        // Not one of ours (hand-made data): fall back to a hash of the text.
        let d = <sha2::Sha256 as sha2::Digest>::digest(event_id.as_bytes());
        u128::from_be_bytes(d[..16].try_into().expect("16 bytes"))
    })
}

impl EventWriter {
    /// A writer into `dir`'s events table.
    pub fn new(dir: DataDir, limits: WriterLimits) -> Self {
        EventWriter {
            dir,
            limits,
            days: HashMap::new(),
            buffered: 0,
            files: Vec::new(),
            index: None,
            index_time: std::time::Duration::ZERO,
        }
    }

    /// Also indexes every file written, once it is renamed into place.
    pub fn with_index(mut self, index: EventIndexWriter) -> Self {
        self.index = Some(index);
        self
    }

    /// Time spent indexing so far (building documents, waiting on the index, commits).
    pub fn index_time(&self) -> std::time::Duration {
        self.index_time
    }

    /// Buffers one event unless it is already stored; may write files.
    pub fn push(&mut self, event: &NormalizedEvent) -> Result<Pushed> {
        let day = event.day();
        if !self.days.contains_key(&day) {
            let known = self.stored_ids(&day)?;
            self.days.insert(
                day.clone(),
                DayBuffer {
                    builder: EventBatchBuilder::default(),
                    rows: 0,
                    known,
                },
            );
        }
        let buf = self.days.get_mut(&day).expect("inserted above");
        if !buf.known.insert(id_bits(&event.event_id)) {
            return Ok(Pushed::Duplicate);
        }
        buf.builder.push(event);
        buf.rows += 1;
        self.buffered += 1;
        if buf.rows >= self.limits.file_rows {
            self.flush_day(&day)?;
        } else if self.buffered >= self.limits.buffered_rows {
            let largest = self
                .days
                .iter()
                .max_by_key(|(_, b)| b.rows)
                .map(|(d, _)| d.clone());
            if let Some(day) = largest {
                self.flush_day(&day)?;
            }
        }
        Ok(Pushed::New)
    }

    /// Writes every buffered day and commits the index. Returns the files written
    /// by this writer so far.
    pub fn finish(&mut self) -> Result<Vec<PathBuf>> {
        let days: Vec<String> = self.days.keys().cloned().collect();
        for day in days {
            self.flush_day(&day)?;
        }
        if let Some(index) = self.index.take() {
            let started = std::time::Instant::now();
            index.finish()?;
            self.index_time += started.elapsed();
        }
        Ok(std::mem::take(&mut self.files))
    }

    fn flush_day(&mut self, day: &str) -> Result<()> {
        // Dropping the buffer drops its id set too: memory stays bounded by what
        // is buffered, and the next event of this day reloads ids from disk.
        let Some(mut buf) = self.days.remove(day) else {
            return Ok(());
        };
        self.buffered -= buf.rows;
        if buf.rows == 0 {
            return Ok(());
        }
        let batch = buf
            .builder
            .finish()
            .context("cannot build the events batch")?;
        let batch = sort_by_time(batch)?;
        let path = write_atomic(
            &self.dir.day_dir(day),
            event_schema(),
            std::slice::from_ref(&batch),
        )
        .with_context(|| format!("cannot write the events of {day}"))?;
        tracing::debug!(file = %path.display(), rows = buf.rows, "wrote events");
        // Index only after the rename: the index never points at a file that may not
        // exist. A crash before the commit leaves the file unindexed, which the next
        // run's reconcile repairs.
        if let Some(index) = &mut self.index {
            let started = std::time::Instant::now();
            index.add_file(&path, &batch)?;
            self.index_time += started.elapsed();
        }
        self.files.push(path);
        Ok(())
    }

    fn stored_ids(&self, day: &str) -> Result<HashSet<u128>> {
        let mut ids = HashSet::new();
        for file in parquet_files(&self.dir.day_dir(day))? {
            read_string_column(&file, "event_id", |id| {
                ids.insert(id_bits(id));
            })?;
        }
        Ok(ids)
    }
}

/// Orders a batch by event time, so row-group statistics prune time ranges well.
fn sort_by_time(
    batch: datafusion::arrow::record_batch::RecordBatch,
) -> Result<datafusion::arrow::record_batch::RecordBatch> {
    use datafusion::arrow::compute::{sort_to_indices, take_record_batch};
    let idx = batch.schema().index_of("time")?;
    let order = sort_to_indices(batch.column(idx), None, None)?;
    Ok(take_record_batch(&batch, &order)?)
}
