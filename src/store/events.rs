//! The `events` table: day-partitioned Parquet, each event stored once.
//!
//! Events are buffered per day and flushed as one file per day when a day's
//! buffer is full or the input ends. Dedupe is by `event_id` against what is
//! already stored for that day, so a rerun after a crash (or the same input
//! twice) completes the data without duplicating it.
//!
//! Events arrive as [`EventChunk`]s: Arrow batches that the normalize workers build
//! from their events, so a file is made by interleaving those batches' rows in time
//! order rather than by copying event after event on one thread. Files are sorted,
//! encoded, written and indexed on a thread of their own, so the pipeline keeps
//! taking events while a file is being written.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::PathBuf;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use chrono::{DateTime, NaiveDate, Utc};
use crossbeam_channel::{Receiver, Sender};
use datafusion::arrow::array::{RecordBatch, UInt32Array};
use datafusion::arrow::compute::{interleave_record_batch, take_record_batch};

use super::index::EventIndexWriter;
use super::layout::{DataDir, parquet_files};
use super::parquet_file::{read_string_column, write_atomic};
use crate::event::{EventBatchBuilder, NormalizedEvent, event_schema};
use crate::vocab::Source;

/// How much the writer buffers before it writes.
#[derive(Debug, Clone, Copy)]
pub struct WriterLimits {
    /// Rows of one day that make a file. Limits are checked as each worker's batch
    /// is buffered, so a file (and the buffers) may hold up to one batch more.
    pub file_rows: usize,
    /// Rows buffered across all days before the largest day is written early.
    pub buffered_rows: usize,
    /// Bytes of one day that make a file (see [`weight`]): rows alone would let
    /// large records fill memory before a file is due.
    pub file_bytes: usize,
    /// Bytes buffered across all days before the largest day is written early.
    pub buffered_bytes: usize,
    /// Ids of days already handed to the file writer that are kept in memory, so a
    /// day that comes back (a full day's next file, a late event) neither waits for
    /// its file nor re-reads its ids from disk. Oldest days are forgotten first.
    pub retained_ids: usize,
}

impl Default for WriterLimits {
    fn default() -> Self {
        WriterLimits {
            file_rows: 128 * 1024,
            buffered_rows: 192 * 1024,
            // Far above 128k ordinary events (about 1.5 KiB each in memory), so they
            // only bite when records are large.
            file_bytes: 384 << 20,
            buffered_bytes: 576 << 20,
            // 16 to 40 bytes an id in a hash set: tens of MiB at most.
            retained_ids: 2 * 1024 * 1024,
        }
    }
}

struct DayBuffer {
    /// The day's rows, as the batches they came in (or a day's share of one).
    parts: Vec<RecordBatch>,
    /// Each buffered row as (time in µs, part, row within the part), in arrival
    /// order: sorted at flush, it says which row goes where in the file.
    order: Vec<(i64, u32, u32)>,
    /// What the buffered rows weigh (see [`weight`]).
    bytes: usize,
    /// Ids stored for this day on disk plus those buffered.
    known: IdSet,
}

/// Events as one Arrow batch in the events table's schema, with what the writer
/// needs of each row to dedupe and place it. Built by a normalize worker, on the
/// thread that allocated the events, so their fields are copied while still in
/// its cache and freed where they were allocated.
pub struct EventChunk {
    batch: RecordBatch,
    rows: Vec<RowKey>,
}

/// What the writer and the ingest summary need of one row of an [`EventChunk`].
#[derive(Debug, Clone, Copy)]
pub struct RowKey {
    /// The event id in compact form (see [`id_bits`]).
    pub id: u128,
    /// When the event happened: its day is its partition.
    pub time: DateTime<Utc>,
    /// Where it came from.
    pub source: Source,
    /// What the row weighs in the writer's buffers.
    weight: usize,
}

impl EventChunk {
    /// The events as one batch.
    pub fn new(events: &[NormalizedEvent]) -> Result<Self> {
        let mut builder = EventBatchBuilder::sized_for(events.iter());
        let mut rows = Vec::with_capacity(events.len());
        for e in events {
            builder.push(e);
            rows.push(RowKey {
                id: id_bits(&e.event_id),
                time: e.time,
                source: e.source,
                weight: weight(e),
            });
        }
        let batch = builder.finish().context("cannot build a batch of events")?;
        Ok(EventChunk { batch, rows })
    }

    /// The rows, in the batch's order.
    pub fn rows(&self) -> &[RowKey] {
        &self.rows
    }
}

/// Event ids in their compact form. They are SHA-256 prefixes, so a fast hash
/// spreads them as well as a keyed one.
type IdSet = HashSet<u128, foldhash::fast::RandomState>;

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
    days: HashMap<NaiveDate, DayBuffer>,
    buffered: usize,
    buffered_bytes: usize,
    /// Id sets of days written out in this run (see [`WriterLimits::retained_ids`]),
    /// oldest first, and how many ids they hold together.
    retained: VecDeque<(NaiveDate, IdSet)>,
    retained_count: usize,
    files: Vec<PathBuf>,
    /// Hands full days to the flush thread; `None` once finished.
    jobs: Option<Sender<Job>>,
    /// Each job's outcome, in the order the jobs were sent.
    done: Receiver<Result<PathBuf>>,
    /// Days sent to the flush thread and not yet reported done, oldest first.
    in_flight: VecDeque<NaiveDate>,
    flusher: Option<JoinHandle<Result<Duration>>>,
    index_time: Duration,
    /// Whether files are indexed as they are written (by the flush thread alone).
    indexing: bool,
}

/// One day's rows on their way to a file.
struct Job {
    day: NaiveDate,
    parts: Vec<RecordBatch>,
    order: Vec<(i64, u32, u32)>,
}

/// What an event weighs in the writer's buffers: its raw text, which dominates
/// once records are large, and a fixed share for its other fields.
fn weight(e: &NormalizedEvent) -> usize {
    e.raw.len() + 1024
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
    /// A writer into `dir`'s events table; with `index`, every file is also indexed
    /// for search once it is renamed into place.
    pub fn new(
        dir: DataDir,
        limits: WriterLimits,
        index: Option<EventIndexWriter>,
    ) -> Result<Self> {
        let indexing = index.is_some();
        // A rendezvous channel: at most one file is being written while the next
        // fills, so memory stays bounded by the limits.
        let (jobs, job_rx) = crossbeam_channel::bounded::<Job>(0);
        let (done_tx, done) = crossbeam_channel::unbounded();
        let flusher = {
            let dir = dir.clone();
            std::thread::Builder::new()
                .name("qtrail-flush".into())
                .spawn(move || flush_loop(&dir, &job_rx, &done_tx, index))
                .context("cannot start the file-writing thread")?
        };
        Ok(EventWriter {
            dir,
            limits,
            days: HashMap::new(),
            buffered: 0,
            buffered_bytes: 0,
            retained: VecDeque::new(),
            retained_count: 0,
            files: Vec::new(),
            jobs: Some(jobs),
            done,
            in_flight: VecDeque::new(),
            flusher: Some(flusher),
            index_time: Duration::ZERO,
            indexing,
        })
    }

    /// Time spent indexing (building documents, waiting on the index, commits);
    /// complete once [`EventWriter::finish`] has returned.
    pub fn index_time(&self) -> Duration {
        self.index_time
    }

    /// Buffers a chunk's rows except those already stored (or met earlier in this
    /// run), telling `each` what became of every row in order; may write files.
    pub fn push_chunk(
        &mut self,
        chunk: EventChunk,
        mut each: impl FnMut(&RowKey, Pushed),
    ) -> Result<()> {
        self.collect_done(false)?;
        // The new rows of each day, in order; a chunk mostly holds one day, but one
        // of a backfill sorted by user may hold hundreds.
        let mut by_day: Vec<(NaiveDate, Vec<u32>)> = Vec::new();
        let mut day_at: HashMap<NaiveDate, usize> = HashMap::new();
        for (i, row) in chunk.rows.iter().enumerate() {
            let day = row.time.date_naive();
            self.open_day(day)?;
            let buf = self.days.get_mut(&day).expect("opened above");
            if !buf.known.insert(row.id) {
                each(row, Pushed::Duplicate);
                continue;
            }
            each(row, Pushed::New);
            match by_day.last_mut() {
                Some((d, rows)) if *d == day => rows.push(i as u32),
                _ => match day_at.get(&day) {
                    Some(&at) => by_day[at].1.push(i as u32),
                    None => {
                        day_at.insert(day, by_day.len());
                        by_day.push((day, vec![i as u32]));
                    }
                },
            }
        }
        let whole = by_day.len() == 1 && by_day[0].1.len() == chunk.rows.len();
        for (day, rows) in by_day {
            // Writing an earlier day of this chunk may have written this one early
            // (the largest day goes first): open it again, with this chunk's ids,
            // which its stored ids do not hold yet.
            if !self.days.contains_key(&day) {
                self.open_day(day)?;
                let buf = self.days.get_mut(&day).expect("opened above");
                for &i in &rows {
                    buf.known.insert(chunk.rows[i as usize].id);
                }
            }
            let part = if whole {
                chunk.batch.clone()
            } else {
                take_record_batch(&chunk.batch, &UInt32Array::from(rows.clone()))
                    .context("cannot split a batch of events by day")?
            };
            let buf = self.days.get_mut(&day).expect("opened above");
            let p = buf.parts.len() as u32;
            let mut bytes: usize = 0;
            for (r, &i) in rows.iter().enumerate() {
                let row = &chunk.rows[i as usize];
                buf.order.push((row.time.timestamp_micros(), p, r as u32));
                bytes += row.weight;
            }
            // A batch costs buffers for every column whatever its rows: a day's share
            // of a few rows weighs more than its rows' weights.
            let bytes = bytes.max(part.get_array_memory_size());
            buf.parts.push(part);
            buf.bytes += bytes;
            self.buffered += rows.len();
            self.buffered_bytes += bytes;
            self.after_growing(day)?;
        }
        Ok(())
    }

    /// Makes sure `day` has a buffer, with the ids already stored for it.
    fn open_day(&mut self, day: NaiveDate) -> Result<()> {
        if self.days.contains_key(&day) {
            return Ok(());
        }
        let known = match self.take_retained(day) {
            Some(known) => known,
            None => {
                // The ids of a day still being written are not on disk yet.
                if self.in_flight.contains(&day) {
                    self.collect_done(true)?;
                }
                self.stored_ids(day)?
            }
        };
        self.days.insert(
            day,
            DayBuffer {
                parts: Vec::new(),
                order: Vec::new(),
                bytes: 0,
                known,
            },
        );
        Ok(())
    }

    /// Writes `day` once it fills a file, or the largest day once all days together
    /// hold too much.
    fn after_growing(&mut self, day: NaiveDate) -> Result<()> {
        let buf = &self.days[&day];
        if buf.order.len() >= self.limits.file_rows || buf.bytes >= self.limits.file_bytes {
            self.flush_day(day)?;
        } else if self.buffered >= self.limits.buffered_rows
            || self.buffered_bytes >= self.limits.buffered_bytes
        {
            let largest = self
                .days
                .iter()
                .max_by_key(|(_, b)| b.bytes)
                .map(|(d, _)| *d);
            if let Some(day) = largest {
                self.flush_day(day)?;
            }
        }
        Ok(())
    }

    /// Writes every buffered day, waits for every file, and commits the index.
    /// Returns the files written by this writer.
    pub fn finish(&mut self) -> Result<Vec<PathBuf>> {
        let days: Vec<NaiveDate> = self.days.keys().copied().collect();
        // Nothing else runs now: unless files feed the index (one writer at a time),
        // this thread writes every other day beside the flush thread.
        for (i, day) in days.into_iter().enumerate() {
            if i % 2 == 1 && !self.indexing {
                self.write_here(day)?;
            } else {
                self.flush_day(day)?;
            }
        }
        self.jobs = None;
        let drained = self.collect_done(true);
        if let Some(flusher) = self.flusher.take() {
            self.index_time = flusher
                .join()
                .map_err(|_| anyhow::anyhow!("the file-writing thread panicked"))??;
        }
        drained?;
        Ok(std::mem::take(&mut self.files))
    }

    /// Takes one day out of the buffers, keeping its ids; `None` when it holds no
    /// events to write.
    fn take_day(&mut self, day: NaiveDate) -> Option<Job> {
        let buf = self.days.remove(&day)?;
        self.buffered -= buf.order.len();
        self.buffered_bytes -= buf.bytes;
        self.retain(day, buf.known);
        (!buf.order.is_empty()).then_some(Job {
            day,
            parts: buf.parts,
            order: buf.order,
        })
    }

    /// Writes one buffered day on this thread (see [`Self::finish`]).
    fn write_here(&mut self, day: NaiveDate) -> Result<()> {
        let Some(job) = self.take_day(day) else {
            return Ok(());
        };
        let mut no_index_time = Duration::ZERO;
        let path = write_day(&self.dir, job, None, &mut no_index_time)
            .with_context(|| format!("cannot write the events of {day}"))?;
        self.files.push(path);
        Ok(())
    }

    /// Hands one buffered day to the flush thread.
    fn flush_day(&mut self, day: NaiveDate) -> Result<()> {
        let Some(job) = self.take_day(day) else {
            return Ok(());
        };
        let sent = self
            .jobs
            .as_ref()
            .is_some_and(|jobs| jobs.send(job).is_ok());
        if !sent {
            // The thread stopped on an error: report it.
            self.collect_done(true)?;
            anyhow::bail!("the file-writing thread stopped");
        }
        self.in_flight.push_back(day);
        Ok(())
    }

    /// Takes the outcomes of finished files; with `all`, waits for every file sent.
    fn collect_done(&mut self, all: bool) -> Result<()> {
        while !self.in_flight.is_empty() {
            let outcome = if all {
                match self.done.recv() {
                    Ok(o) => o,
                    // The thread ended without a word for this file: it failed on
                    // something else (its error comes from `join`).
                    Err(_) => return Ok(()),
                }
            } else {
                match self.done.try_recv() {
                    Ok(o) => o,
                    Err(_) => return Ok(()),
                }
            };
            let day = self.in_flight.pop_front();
            let path = outcome.with_context(|| {
                let day = day.map(|d| d.to_string()).unwrap_or_default();
                format!("cannot write the events of {day}")
            })?;
            self.files.push(path);
        }
        Ok(())
    }

    /// Keeps a written day's ids within [`WriterLimits::retained_ids`]; the oldest
    /// days are forgotten first, and their next event reloads ids from disk.
    fn retain(&mut self, day: NaiveDate, known: IdSet) {
        if known.len() > self.limits.retained_ids {
            return;
        }
        self.retained_count += known.len();
        self.retained.push_back((day, known));
        while self.retained_count > self.limits.retained_ids {
            let Some((_, ids)) = self.retained.pop_front() else {
                break;
            };
            self.retained_count -= ids.len();
        }
    }

    fn take_retained(&mut self, day: NaiveDate) -> Option<IdSet> {
        let at = self.retained.iter().position(|(d, _)| *d == day)?;
        let (_, ids) = self.retained.remove(at)?;
        self.retained_count -= ids.len();
        Some(ids)
    }

    fn stored_ids(&self, day: NaiveDate) -> Result<IdSet> {
        let mut ids = IdSet::default();
        for file in parquet_files(&self.dir.day_dir(&day.to_string()))? {
            read_string_column(&file, "event_id", |id| {
                ids.insert(id_bits(id));
            })?;
        }
        Ok(ids)
    }
}

/// The flush thread: each day's rows sorted, encoded, written whole and indexed.
/// Returns the time spent indexing.
fn flush_loop(
    dir: &DataDir,
    jobs: &Receiver<Job>,
    done: &Sender<Result<PathBuf>>,
    mut index: Option<EventIndexWriter>,
) -> Result<Duration> {
    let mut index_time = Duration::ZERO;
    for job in jobs {
        let outcome = write_day(dir, job, index.as_mut(), &mut index_time);
        let failed = outcome.is_err();
        if done.send(outcome).is_err() || failed {
            // Nothing after a failed file is written; the next run completes the data.
            return Ok(index_time);
        }
    }
    if let Some(index) = index {
        let started = Instant::now();
        index.finish()?;
        index_time += started.elapsed();
    }
    Ok(index_time)
}

fn write_day(
    dir: &DataDir,
    mut job: Job,
    index: Option<&mut EventIndexWriter>,
    index_time: &mut Duration,
) -> Result<PathBuf> {
    // Time order lets row-group statistics prune time ranges well; the sort is
    // stable, so events of the same microsecond (the stored precision) keep their
    // input order.
    job.order.sort_by_key(|&(time, _, _)| time);
    let rows: Vec<(usize, usize)> = job
        .order
        .iter()
        .map(|&(_, part, row)| (part as usize, row as usize))
        .collect();
    let parts: Vec<&RecordBatch> = job.parts.iter().collect();
    let batch = interleave_record_batch(&parts, &rows).context("cannot build the events batch")?;
    drop(parts);
    drop(job.parts);
    let path = write_atomic(
        &dir.day_dir(&job.day.to_string()),
        event_schema(),
        std::slice::from_ref(&batch),
    )?;
    tracing::debug!(file = %path.display(), rows = rows.len(), "wrote events");
    // Index only after the rename: the index never points at a file that may not
    // exist. A crash before the commit leaves the file unindexed, which the next
    // run's reconcile repairs.
    if let Some(index) = index {
        let started = Instant::now();
        index.add_file(&path, &batch)?;
        *index_time += started.elapsed();
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::vocab::Class;

    fn event(id: u32, day: u32) -> NormalizedEvent {
        let time = Utc.with_ymd_and_hms(2026, 10, day, 12, 0, id).unwrap();
        let mut e = NormalizedEvent::new(Source::Vault, time, Class::SecretAccess, "read");
        e.event_id = format!("{id:032x}");
        e
    }

    /// Pushes one event as a chunk of its own.
    fn push(w: &mut EventWriter, e: NormalizedEvent) -> Result<Pushed> {
        let mut out = None;
        w.push_chunk(EventChunk::new(&[e])?, |_, p| out = Some(p))?;
        Ok(out.expect("one row, one outcome"))
    }

    /// The event ids stored in a file, in file order.
    fn ids_in(file: &std::path::Path) -> Vec<String> {
        let mut ids = Vec::new();
        read_string_column(file, "event_id", |id| ids.push(id.to_string())).unwrap();
        ids
    }

    #[test]
    fn an_event_seen_again_while_its_day_is_being_written_is_a_duplicate() {
        // Ids are kept for written days: the day comes back to its kept id set.
        seen_again_while_written(WriterLimits {
            file_rows: 2,
            buffered_rows: 100,
            retained_ids: 100,
            ..WriterLimits::default()
        });
        // Nothing kept: the day waits for its file and reads its ids back.
        seen_again_while_written(WriterLimits {
            file_rows: 2,
            buffered_rows: 100,
            retained_ids: 0,
            ..WriterLimits::default()
        });
    }

    fn seen_again_while_written(limits: WriterLimits) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::open(tmp.path()).unwrap();
        let mut w = EventWriter::new(dir.clone(), limits, None).unwrap();
        assert_eq!(push(&mut w, event(1, 1)).unwrap(), Pushed::New);
        // The second event fills the day: it goes to the flush thread.
        assert_eq!(push(&mut w, event(2, 1)).unwrap(), Pushed::New);
        assert_eq!(push(&mut w, event(1, 1)).unwrap(), Pushed::Duplicate);
        assert_eq!(push(&mut w, event(3, 1)).unwrap(), Pushed::New);
        assert_eq!(push(&mut w, event(4, 2)).unwrap(), Pushed::New);
        let files = w.finish().unwrap();
        assert_eq!(files.len(), 3, "{files:?}");
        let mut stored: Vec<String> = files.iter().flat_map(|f| ids_in(f)).collect();
        stored.sort();
        let want: Vec<String> = [1u32, 2, 3, 4]
            .iter()
            .map(|i| format!("{i:032x}"))
            .collect();
        assert_eq!(stored, want);

        // A second writer over the same data stores nothing twice.
        let mut again = EventWriter::new(dir, limits, None).unwrap();
        for (id, day) in [(1, 1), (2, 1), (3, 1), (4, 2)] {
            assert_eq!(push(&mut again, event(id, day)).unwrap(), Pushed::Duplicate);
        }
        assert!(again.finish().unwrap().is_empty());
    }

    #[test]
    fn the_days_left_at_the_end_are_each_written_once_whole() {
        // Five days still buffered at the end: the flush thread and the finishing
        // thread share them.
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::open(tmp.path()).unwrap();
        let mut w = EventWriter::new(dir.clone(), WriterLimits::default(), None).unwrap();
        for day in 1..=5 {
            for id in 0..3 {
                push(&mut w, event(day * 10 + id, day)).unwrap();
            }
        }
        let files = w.finish().unwrap();
        assert_eq!(files.len(), 5, "{files:?}");
        for day in 1..=5u32 {
            let in_day = parquet_files(&dir.day_dir(&format!("2026-10-{day:02}"))).unwrap();
            assert_eq!(in_day.len(), 1, "day {day}: {in_day:?}");
            let mut stored = ids_in(&in_day[0]);
            stored.sort();
            let want: Vec<String> = (0..3).map(|i| format!("{:032x}", day * 10 + i)).collect();
            assert_eq!(stored, want, "day {day}");
        }
    }

    #[test]
    fn large_records_make_a_file_by_bytes_before_rows() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::open(tmp.path()).unwrap();
        let limits = WriterLimits {
            file_rows: 1000,
            file_bytes: 3 * 65536,
            ..WriterLimits::default()
        };
        let mut w = EventWriter::new(dir, limits, None).unwrap();
        for id in 1..=7 {
            let mut e = event(id, 1);
            e.raw = "x".repeat(65536);
            push(&mut w, e).unwrap();
        }
        // Each event weighs its 64 KiB of raw text and a little more (its share of
        // the other fields, its batch's other columns): two stay under the 192 KiB a
        // file holds, and the third passes it.
        assert_eq!(w.finish().unwrap().len(), 3);
    }

    #[test]
    fn days_forgotten_past_the_retention_limit_still_dedupe_from_disk() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::open(tmp.path()).unwrap();
        // Each day fills a file at two events; only three ids are kept in memory,
        // so every day but the last one or two is forgotten by the second pass.
        let limits = WriterLimits {
            file_rows: 2,
            buffered_rows: 100,
            retained_ids: 3,
            ..WriterLimits::default()
        };
        let mut w = EventWriter::new(dir, limits, None).unwrap();
        let all: Vec<(u32, u32)> = (1..=6).flat_map(|d| [(d * 2, d), (d * 2 + 1, d)]).collect();
        for &(id, day) in &all {
            assert_eq!(push(&mut w, event(id, day)).unwrap(), Pushed::New);
        }
        assert!(w.retained_count <= 3, "kept {} ids", w.retained_count);
        for &(id, day) in all.iter().rev() {
            assert_eq!(
                push(&mut w, event(id, day)).unwrap(),
                Pushed::Duplicate,
                "event {id} of day {day}"
            );
        }
        assert_eq!(w.finish().unwrap().len(), 6);
    }

    #[test]
    fn a_file_is_sorted_by_event_time() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::open(tmp.path()).unwrap();
        let mut w = EventWriter::new(dir, WriterLimits::default(), None).unwrap();
        for id in [5, 1, 4, 2, 3] {
            push(&mut w, event(id, 3)).unwrap();
        }
        let files = w.finish().unwrap();
        let want: Vec<String> = (1u32..=5).map(|i| format!("{i:032x}")).collect();
        assert_eq!(ids_in(&files[0]), want);
    }

    #[test]
    fn a_chunk_of_several_days_lands_in_each_day_once_in_time_order() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::open(tmp.path()).unwrap();
        let mut w = EventWriter::new(dir.clone(), WriterLimits::default(), None).unwrap();
        assert_eq!(push(&mut w, event(7, 2)).unwrap(), Pushed::New);
        // Days 1 and 2 interleaved, out of time order, with a repeat inside the
        // chunk (4) and one already buffered (7).
        let chunk: Vec<NormalizedEvent> = [(5, 1), (3, 2), (4, 1), (7, 2), (1, 1), (4, 1), (2, 2)]
            .into_iter()
            .map(|(id, day)| event(id, day))
            .collect();
        let mut outcomes = Vec::new();
        w.push_chunk(EventChunk::new(&chunk).unwrap(), |row, p| {
            outcomes.push((row.time.format("%d %S").to_string(), p))
        })
        .unwrap();
        let new = Pushed::New;
        let dup = Pushed::Duplicate;
        let want: Vec<(String, Pushed)> = [
            ("01 05", new),
            ("02 03", new),
            ("01 04", new),
            ("02 07", dup),
            ("01 01", new),
            ("01 04", dup),
            ("02 02", new),
        ]
        .into_iter()
        .map(|(t, p)| (t.to_string(), p))
        .collect();
        assert_eq!(outcomes, want);
        w.finish().unwrap();
        let id = |i: u32| format!("{i:032x}");
        for (day, ids) in [(1, vec![1, 4, 5]), (2, vec![2, 3, 7])] {
            let files = parquet_files(&dir.day_dir(&format!("2026-10-{day:02}"))).unwrap();
            assert_eq!(files.len(), 1, "day {day}: {files:?}");
            let want: Vec<String> = ids.into_iter().map(id).collect();
            assert_eq!(ids_in(&files[0]), want, "day {day}");
        }
    }

    #[test]
    fn a_day_written_early_in_the_middle_of_a_chunk_still_gets_its_rows() {
        // Three rows in all make the writer write the largest day. Day 2 holds two
        // when a chunk of day 1 and day 2 comes: its day-1 row sends day 2 to be
        // written before the chunk's day-2 row is buffered.
        for retained_ids in [100, 0] {
            let tmp = tempfile::tempdir().unwrap();
            let dir = DataDir::open(tmp.path()).unwrap();
            let limits = WriterLimits {
                buffered_rows: 3,
                retained_ids,
                ..WriterLimits::default()
            };
            let mut w = EventWriter::new(dir.clone(), limits, None).unwrap();
            let first = EventChunk::new(&[event(1, 2), event(2, 2)]).unwrap();
            w.push_chunk(first, |_, p| assert_eq!(p, Pushed::New))
                .unwrap();
            let second = EventChunk::new(&[event(3, 1), event(4, 2)]).unwrap();
            w.push_chunk(second, |_, p| assert_eq!(p, Pushed::New))
                .unwrap();
            // Its id is known, whether day 2's ids were kept or read back from disk.
            assert_eq!(push(&mut w, event(4, 2)).unwrap(), Pushed::Duplicate);
            w.finish().unwrap();
            let day2 = parquet_files(&dir.day_dir("2026-10-02")).unwrap();
            let mut stored: Vec<String> = day2.iter().flat_map(|f| ids_in(f)).collect();
            stored.sort();
            let want: Vec<String> = [1u32, 2, 4].iter().map(|i| format!("{i:032x}")).collect();
            assert_eq!(stored, want, "retained_ids {retained_ids}");
        }
    }

    #[test]
    fn a_batch_spread_over_many_days_is_charged_for_each_days_share() {
        // Ten one-row days weigh 10 KiB by their rows, but each day's share is a
        // batch of its own, with buffers for every column: together they pass the
        // 40 KiB allowed, so the largest days are written early.
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::open(tmp.path()).unwrap();
        let limits = WriterLimits {
            buffered_bytes: 40 << 10,
            ..WriterLimits::default()
        };
        let mut w = EventWriter::new(dir, limits, None).unwrap();
        let spread: Vec<NormalizedEvent> = (1..=10).map(|day| event(day, day)).collect();
        w.push_chunk(EventChunk::new(&spread).unwrap(), |_, p| {
            assert_eq!(p, Pushed::New)
        })
        .unwrap();
        assert!(w.days.len() < 10, "{} days still buffered", w.days.len());
        assert_eq!(w.finish().unwrap().len(), 10);
    }
}
