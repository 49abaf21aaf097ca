//! Reads stored events back in event-time order, for the rule engine.
//!
//! Each events file is sorted by time when written, so a k-way merge over the
//! files yields one time-ordered stream while holding one batch per file.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use datafusion::parquet::arrow::ProjectionMask;
use datafusion::parquet::arrow::arrow_reader::{
    ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder,
};

use crate::event::{NormalizedEvent, events_from_batch};

/// Rows read per batch and file.
const BATCH_ROWS: usize = 4096;

struct FileCursor {
    path: PathBuf,
    reader: ParquetRecordBatchReader,
    buffered: VecDeque<NormalizedEvent>,
}

impl FileCursor {
    fn open(path: &Path) -> Result<FileCursor> {
        let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(file)
            .with_context(|| format!("{} is not a readable Parquet file", path.display()))?;
        // Rules never read the raw record: skipping it skips most of the bytes.
        let keep: Vec<usize> = builder
            .schema()
            .fields()
            .iter()
            .enumerate()
            .filter(|(_, f)| f.name() != "raw")
            .map(|(i, _)| i)
            .collect();
        let mask = ProjectionMask::roots(builder.parquet_schema(), keep);
        let reader = builder
            .with_projection(mask)
            .with_batch_size(BATCH_ROWS)
            .build()?;
        Ok(FileCursor {
            path: path.to_path_buf(),
            reader,
            buffered: VecDeque::new(),
        })
    }

    fn next(&mut self) -> Result<Option<NormalizedEvent>> {
        if self.buffered.is_empty() {
            match self.reader.next() {
                None => return Ok(None),
                Some(batch) => {
                    let batch =
                        batch.with_context(|| format!("cannot read {}", self.path.display()))?;
                    self.buffered = events_from_batch(&batch)
                        .with_context(|| {
                            format!("cannot read events from {}", self.path.display())
                        })?
                        .into();
                }
            }
        }
        Ok(self.buffered.pop_front())
    }
}

/// Calls `each` with every event of `files` inside `[since, until)`, oldest first.
pub fn in_time_order(
    files: &[PathBuf],
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    mut each: impl FnMut(NormalizedEvent) -> Result<()>,
) -> Result<u64> {
    let mut cursors = Vec::with_capacity(files.len());
    let mut heads = BinaryHeap::new();
    for f in files {
        let mut c = FileCursor::open(f)?;
        if let Some(e) = c.next()? {
            heads.push(Reverse((e.time, e.event_id.clone(), cursors.len())));
            cursors.push((c, Some(e)));
        }
    }
    let mut n = 0;
    while let Some(Reverse((_, _, i))) = heads.pop() {
        let (cursor, head) = &mut cursors[i];
        let event = head.take().expect("a queued cursor holds its head");
        if let Some(next) = cursor.next()? {
            heads.push(Reverse((next.time, next.event_id.clone(), i)));
            *head = Some(next);
        }
        if since.is_some_and(|s| event.time < s) || until.is_some_and(|u| event.time >= u) {
            continue;
        }
        n += 1;
        each(event)?;
    }
    Ok(n)
}
