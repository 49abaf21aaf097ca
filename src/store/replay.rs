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

/// Events handed from the decoding thread to the caller at once.
const EVENTS_PER_SEND: usize = 1024;

/// Calls `each` with every event of `files` inside `[since, until)`, oldest first.
///
/// Decoding Parquet into events costs about as much as the rules that read them,
/// so a thread of its own decodes and merges while `each` runs on the caller's.
pub fn in_time_order(
    files: &[PathBuf],
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    mut each: impl FnMut(NormalizedEvent) -> Result<()>,
) -> Result<u64> {
    let (tx, rx) = crossbeam_channel::bounded::<Vec<NormalizedEvent>>(4);
    std::thread::scope(|scope| {
        let decoder = std::thread::Builder::new()
            .name("qtrail-replay".into())
            .spawn_scoped(scope, move || {
                let mut batch = Vec::with_capacity(EVENTS_PER_SEND);
                merge(files, since, until, |event| {
                    batch.push(event);
                    if batch.len() == EVENTS_PER_SEND {
                        let full =
                            std::mem::replace(&mut batch, Vec::with_capacity(EVENTS_PER_SEND));
                        // The caller stopped (its rule failed): stop reading too.
                        return tx.send(full).is_ok();
                    }
                    true
                })?;
                if !batch.is_empty() {
                    let _ = tx.send(batch);
                }
                Ok::<(), anyhow::Error>(())
            })
            .context("cannot start the thread that reads stored events")?;
        let mut n = 0;
        let mut failed = None;
        'batches: for batch in &rx {
            for event in batch {
                if let Err(e) = each(event) {
                    failed = Some(e);
                    break 'batches;
                }
                n += 1;
            }
        }
        drop(rx);
        let read = match decoder.join() {
            Ok(read) => read,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        if let Some(e) = failed {
            return Err(e);
        }
        read?;
        Ok(n)
    })
}

/// The k-way merge: hands `keep` every event of `files` inside `[since, until)`,
/// oldest first, until it returns false.
fn merge(
    files: &[PathBuf],
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    mut keep: impl FnMut(NormalizedEvent) -> bool,
) -> Result<()> {
    let mut cursors = Vec::with_capacity(files.len());
    let mut heads = BinaryHeap::new();
    for f in files {
        let mut c = FileCursor::open(f)?;
        if let Some(e) = c.next()? {
            heads.push(Reverse((e.time, e.event_id.clone(), cursors.len())));
            cursors.push((c, Some(e)));
        }
    }
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
        if !keep(event) {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{EventBatchBuilder, event_schema};
    use crate::store::parquet_file::write_atomic;
    use crate::vocab::{Class, Source};
    use chrono::TimeZone;

    /// A file of events at these minutes past midnight, sorted as the writer sorts.
    fn file(dir: &Path, minutes: impl Iterator<Item = i64>) -> PathBuf {
        let events: Vec<NormalizedEvent> = minutes
            .map(|m| {
                let t = Utc.timestamp_opt(1_790_000_000 + m * 60, 0).unwrap();
                let mut e = NormalizedEvent::new(Source::Okta, t, Class::Authentication, "login");
                e.event_id = format!("e{m:06}");
                e
            })
            .collect();
        let mut b = EventBatchBuilder::sized_for(events.iter());
        events.iter().for_each(|e| b.push(e));
        write_atomic(dir, event_schema(), &[b.finish().unwrap()]).unwrap()
    }

    #[test]
    fn events_of_several_files_come_out_in_time_order_and_a_failing_reader_stops_it() {
        let dir = tempfile::tempdir().unwrap();
        // Two interleaved files larger than one hand-over, and a third after both.
        let files = [
            file(dir.path(), (0..6_000).map(|i| 2 * i)),
            file(dir.path(), (0..6_000).map(|i| 2 * i + 1)),
            file(dir.path(), 12_000..12_010),
        ];
        let mut seen = Vec::new();
        let n = in_time_order(&files, None, None, |e| {
            seen.push(e.event_id);
            Ok(())
        })
        .unwrap();
        assert_eq!(n, 12_010);
        let want: Vec<String> = (0..12_010).map(|m| format!("e{m:06}")).collect();
        assert_eq!(seen, want);

        // A window, and a reader that fails part-way: its error comes back.
        let since = Utc.timestamp_opt(1_790_000_000 + 100 * 60, 0).single();
        let mut count = 0;
        let err = in_time_order(&files, since, None, |_| {
            count += 1;
            if count == 3_000 {
                anyhow::bail!("rule state full")
            }
            Ok(())
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "rule state full");
        assert_eq!(count, 3_000);
    }
}
