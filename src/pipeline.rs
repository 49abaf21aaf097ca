//! `qtrail ingest`: inputs → framing → normalize + GeoIP → Parquet → rules, nothing lost.
//!
//! One thread reads and frames, worker threads normalize chunks of records, and
//! the calling thread writes. Channels are bounded, so memory holds a few chunks
//! and the writer's buffers whatever the input size.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use crossbeam_channel::bounded;

use crate::detect::{DetectOptions, DetectSummary, detect_new};
use crate::enrich::geoip::GeoIp;
use crate::event::NormalizedEvent;
use crate::memory::KeepFreedPages;
use crate::normalize::Format;
use crate::normalize::process::{Normalizer, Rejection};
use crate::normalize::redact::Redactor;
use crate::rules::RuleSet;
use crate::sources::file::{Input, open};
use crate::sources::framing::{Frame, Framer, Position};
use crate::store::events::{EventChunk, EventWriter, Pushed, WriterLimits};
use crate::store::index::{EventIndex, Reconciled};
use crate::store::layout::DataDir;
use crate::store::quarantine::{QuarantineWriter, Quarantined, Stage};
use crate::vocab::Source;

/// Records per chunk handed to a worker.
const CHUNK: usize = 1024;

/// A chunk is also handed on once its records hold this many bytes, so that large
/// records do not make chunks of a GiB.
const CHUNK_BYTES: usize = 4 << 20;

/// Quarantined records logged one by one before the log only counts them.
const LOGGED_REJECTIONS: u64 = 20;

/// What `qtrail ingest` was asked to do.
#[derive(Clone)]
pub struct IngestOptions {
    /// Files, directories or stdin.
    pub inputs: Vec<Input>,
    /// Take every record as this format instead of detecting it.
    pub format: Option<&'static dyn Format>,
    /// Records larger than this are quarantined.
    pub max_record_bytes: usize,
    /// Normalizing threads.
    pub threads: usize,
    /// Show a progress bar (only on a terminal).
    pub progress: bool,
    /// Writer buffering.
    pub limits: WriterLimits,
    /// Location and network owner of source IPs.
    pub geoip: Arc<GeoIp>,
    /// Index the new files for search now; when false, the next indexed ingest or
    /// `qtrail reindex --repair` catches up (Parquet stays the truth either way).
    pub index: bool,
}

/// Counts for one source.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SourceCounts {
    /// Newly stored events.
    pub stored: u64,
    /// Events skipped because they were already stored.
    pub duplicates: u64,
}

/// What an ingest did, for the summary.
#[derive(Debug, Default, Clone)]
pub struct IngestSummary {
    /// Records framed from the inputs (envelope items counted one by one).
    pub records: u64,
    /// Per source: stored and duplicate events.
    pub per_source: BTreeMap<Source, SourceCounts>,
    /// Records quarantined in this run, per stage.
    pub quarantined: BTreeMap<Stage, u64>,
    /// Quarantined records that were already in quarantine from an earlier run.
    pub quarantine_repeats: u64,
    /// Earliest event time seen.
    pub first: Option<DateTime<Utc>>,
    /// Latest event time seen.
    pub last: Option<DateTime<Utc>>,
    /// Bytes read from the inputs.
    pub bytes: u64,
    /// Wall time.
    pub elapsed: Duration,
    /// Parquet files written.
    pub files: usize,
    /// What the reconcile at the start changed in the search index.
    pub reconciled: Reconciled,
    /// Whether the new files were indexed for search in this run.
    pub indexed: bool,
    /// Time the writer spent on the search index.
    pub index_time: Duration,
    /// What the rules found in the stored events (when rules ran).
    pub detection: Option<DetectSummary>,
    /// Time spent running the rules.
    pub detect_time: Duration,
}

impl IngestSummary {
    /// Events newly stored, all sources.
    pub fn stored(&self) -> u64 {
        self.per_source.values().map(|c| c.stored).sum()
    }
    /// Events skipped as duplicates, all sources.
    pub fn duplicates(&self) -> u64 {
        self.per_source.values().map(|c| c.duplicates).sum()
    }
    /// Records quarantined in this run.
    pub fn quarantined_total(&self) -> u64 {
        self.quarantined.values().sum::<u64>() + self.quarantine_repeats
    }
}

/// What the reader hands to workers.
struct Chunk {
    input: Arc<str>,
    frames: Vec<Frame>,
}

/// What a worker hands to the writer: the results of some records.
struct Normalized {
    /// The events, as one batch (its building fails only on a bug of ours).
    events: Result<EventChunk>,
    /// The records that could not be normalized.
    rejected: Vec<Quarantined>,
}

/// Ingests every input into `dir`, then runs `rules` over every stored event they
/// have not seen. Events and alerts are durable when this returns `Ok`.
pub fn ingest(
    dir: &DataDir,
    opts: &IngestOptions,
    rules: Option<(RuleSet, DetectOptions)>,
) -> Result<IngestSummary> {
    let started = Instant::now();
    let _lock = dir.lock()?;
    dir.remove_leftovers()?;
    let key = dir.key()?;
    let normalizer = Normalizer {
        forced: opts.format,
        redactor: Redactor::new(&key),
        ingested_at: Utc::now(),
    };
    // Parquet is the truth: first bring the index in line with whatever an
    // interrupted run left, then index each new file as it is written.
    let mut reconciled = Reconciled::default();
    let mut index_writer = None;
    if opts.index {
        let index = EventIndex::open_or_create(dir)?;
        let mut writer = index.writer()?;
        reconciled = writer.reconcile(&index, dir)?;
        index_writer = Some(writer);
    }
    // Storing frees and refills buffers file after file: keep the freed pages. Not
    // while indexing, whose merge buffers grow with the index and would stay
    // resident (full path peak RSS at 1M and 2M events: 998 and 1152 MiB with pages
    // kept, 897 and 989 MiB without).
    let kept = (!opts.index).then(KeepFreedPages::start);
    let mut events = EventWriter::new(dir.clone(), opts.limits, index_writer)?;
    let mut quarantine = QuarantineWriter::new(dir.clone())?;
    let mut summary = IngestSummary {
        reconciled,
        indexed: opts.index,
        ..Default::default()
    };

    let bytes_read = Arc::new(AtomicU64::new(0));
    let total_size: Option<u64> = opts.inputs.iter().map(Input::size).sum();
    let bar = progress_bar(opts.progress, total_size);
    let stop = Arc::new(AtomicBool::new(false));

    let (chunk_tx, chunk_rx) = bounded::<Chunk>(opts.threads * 2);
    let (item_tx, item_rx) = bounded::<Normalized>(opts.threads * 2);

    let reader = {
        let inputs = opts.inputs.clone();
        let max = opts.max_record_bytes;
        let bytes_read = bytes_read.clone();
        let stop = stop.clone();
        thread::Builder::new()
            .name("qtrail-read".into())
            .spawn(move || -> Result<()> {
                for input in inputs {
                    let name: Arc<str> = input.name().into();
                    let reader = open(&input, bytes_read.clone())?;
                    let mut send = |chunk: Chunk| {
                        chunk_tx.send(chunk).is_ok() && !stop.load(Ordering::Relaxed)
                    };
                    if !frame_into_chunks(name, reader, max, &mut send)? {
                        return Ok(());
                    }
                }
                Ok(())
            })?
    };

    let workers: Vec<_> = (0..opts.threads.max(1))
        .map(|i| {
            let rx = chunk_rx.clone();
            let tx = item_tx.clone();
            let normalizer = normalizer.clone();
            let geoip = opts.geoip.clone();
            thread::Builder::new()
                .name(format!("qtrail-normalize-{i}"))
                .spawn(move || {
                    let mut send = |done: Normalized| tx.send(done).is_ok();
                    for chunk in rx {
                        if !normalize_chunk(&normalizer, &geoip, chunk, &mut send) {
                            return;
                        }
                    }
                })
                .expect("spawn worker thread")
        })
        .collect();
    drop(chunk_rx);
    drop(item_tx);

    let written: Result<()> = (|| {
        for done in &item_rx {
            events.push_chunk(done.events?, |row, pushed| {
                summary.records += 1;
                let counts = summary.per_source.entry(row.source).or_default();
                match pushed {
                    Pushed::New => counts.stored += 1,
                    Pushed::Duplicate => counts.duplicates += 1,
                }
                let time = row.time;
                summary.first = Some(summary.first.map_or(time, |t| t.min(time)));
                summary.last = Some(summary.last.map_or(time, |t| t.max(time)));
            })?;
            for q in done.rejected {
                summary.records += 1;
                let seen = summary.quarantined_total();
                if seen < LOGGED_REJECTIONS {
                    tracing::warn!(input = %q.input, line = q.line, offset = q.offset, stage = q.stage.as_str(), reason = %q.reason, "quarantined a record");
                } else if seen == LOGGED_REJECTIONS {
                    tracing::warn!(
                        "more records quarantined; not logged one by one (see `qtrail quarantine`)"
                    );
                }
                let stage = q.stage;
                if quarantine.push(q)? {
                    *summary.quarantined.entry(stage).or_default() += 1;
                } else {
                    summary.quarantine_repeats += 1;
                }
            }
            if let Some(bar) = &bar {
                bar.set_position(bytes_read.load(Ordering::Relaxed));
            }
        }
        Ok(())
    })();
    if written.is_err() {
        // Unblock the reader and workers so the threads end.
        stop.store(true, Ordering::Relaxed);
        drop(item_rx);
    }
    // A worker that died took its chunk with it: that must fail the run, not pass
    // as a short one (records are guarded one by one, so this is a bug of ours).
    let mut worker_died = false;
    for w in workers {
        worker_died |= w.join().is_err();
    }
    if worker_died && written.is_ok() {
        anyhow::bail!(
            "a normalize worker thread panicked (a bug in qtrail: please report the panic message above): some records of this run were not stored. What was stored is complete and a rerun will not duplicate it, but the same input is likely to fail the same way"
        );
    }
    let read = reader
        .join()
        .map_err(|_| anyhow::anyhow!("the reader thread panicked"))?;
    written?;
    read?;
    let files = events.finish()?;
    quarantine.flush()?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    summary.files = files.len();
    summary.index_time = events.index_time();
    drop(kept);
    if let Some((rules, detect_opts)) = rules {
        // Rules read what is now durable, so an alert never points at an event that
        // a crash could still lose; files a crashed run stored are picked up here too.
        let started = Instant::now();
        summary.detection = Some(detect_new(dir, rules, detect_opts)?);
        summary.detect_time = started.elapsed();
    }
    summary.bytes = bytes_read.load(Ordering::Relaxed);
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// Frames one input and hands its records on in chunks of at most [`CHUNK`]
/// records, or as soon as they hold [`CHUNK_BYTES`] (so a chunk holds at most that
/// and one record more). Returns false once `send` does (the receiver is gone or
/// the run is stopping).
fn frame_into_chunks(
    name: Arc<str>,
    reader: impl std::io::Read,
    max_record_bytes: usize,
    send: &mut dyn FnMut(Chunk) -> bool,
) -> Result<bool> {
    let mut frames = Vec::with_capacity(CHUNK);
    let mut chunk_bytes = 0;
    for frame in Framer::new(reader, max_record_bytes) {
        let frame = frame.with_context(|| format!("cannot read {name}"))?;
        chunk_bytes += frame.bytes().len();
        frames.push(frame);
        if frames.len() == CHUNK || chunk_bytes >= CHUNK_BYTES {
            chunk_bytes = 0;
            let chunk = Chunk {
                input: name.clone(),
                frames: std::mem::replace(&mut frames, Vec::with_capacity(CHUNK)),
            };
            if !send(chunk) {
                return Ok(false);
            }
        }
    }
    Ok(frames.is_empty()
        || send(Chunk {
            input: name,
            frames,
        }))
}

/// The most results a worker hands on at once: bounds what a chunk of envelopes
/// holds in memory.
const ITEMS_PER_SEND: usize = 4096;

/// Normalizes one chunk of frames, handing the results to `send` in batches of at
/// most [`ITEMS_PER_SEND`] (an envelope may hold hundreds of thousands of records).
/// Returns false once `send` does, the receiver being gone.
fn normalize_chunk(
    normalizer: &Normalizer,
    geoip: &GeoIp,
    chunk: Chunk,
    send: &mut dyn FnMut(Normalized) -> bool,
) -> bool {
    let mut events: Vec<NormalizedEvent> =
        Vec::with_capacity(chunk.frames.len().min(ITEMS_PER_SEND));
    let mut rejected = Vec::new();
    // The events become one batch here, on the thread that made them, and are
    // freed here too (see `EventChunk`).
    let mut hand_on = |events: &mut Vec<NormalizedEvent>, rejected: &mut Vec<Quarantined>| {
        let done = Normalized {
            events: EventChunk::new(events),
            rejected: std::mem::take(rejected),
        };
        events.clear();
        send(done)
    };
    let quarantined = |pos: Position, r: Rejection| Quarantined {
        input: chunk.input.to_string(),
        line: pos.line,
        offset: pos.offset,
        stage: r.stage,
        format: r.format.map(str::to_string),
        // A reason may quote the input (a garbage line's start): scrub it too.
        reason: String::from_utf8_lossy(&normalizer.redactor.scrub_bytes(r.reason.as_bytes()))
            .into_owned(),
        size: r.bytes.len() as u64,
        raw: normalizer.redactor.scrub_bytes(&r.bytes),
    };
    for frame in chunk.frames {
        match frame {
            Frame::Record { bytes, pos } => {
                // `run` guards each record; this catches what lies outside that guard
                // (opening envelopes), when the bytes are no longer at hand: the
                // quarantine row names the input and offset instead.
                let results = crate::normalize::process::guarded(|| normalizer.run(bytes))
                    .unwrap_or_else(|what| vec![Err(Rejection::internal(&what, Vec::new()))]);
                for result in results {
                    match result {
                        Ok(mut ev) => {
                            geoip.enrich(&mut ev);
                            events.push(ev);
                        }
                        Err(r) => rejected.push(quarantined(pos, r)),
                    }
                    if events.len() + rejected.len() >= ITEMS_PER_SEND
                        && !hand_on(&mut events, &mut rejected)
                    {
                        return false;
                    }
                }
            }
            Frame::Broken { bytes, pos, reason } => {
                rejected.push(quarantined(
                    pos,
                    Rejection {
                        stage: Stage::Framing,
                        format: None,
                        reason,
                        bytes,
                    },
                ));
            }
        }
    }
    (events.is_empty() && rejected.is_empty()) || hand_on(&mut events, &mut rejected)
}

fn progress_bar(wanted: bool, total: Option<u64>) -> Option<indicatif::ProgressBar> {
    // Only worth it on a terminal and for inputs that take a while.
    let total = total?;
    if !wanted || !std::io::stderr().is_terminal() || total < 32 * 1024 * 1024 {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {bytes}/{total_bytes} {wide_bar} {bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(bar)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Record counts and byte sizes of the chunks the reader hands on for `input`.
    fn chunk_sizes(input: &[u8]) -> Vec<(usize, usize)> {
        let mut sizes = Vec::new();
        let mut send = |chunk: Chunk| {
            let bytes = chunk.frames.iter().map(|f| f.bytes().len());
            sizes.push((chunk.frames.len(), bytes.sum()));
            true
        };
        assert!(frame_into_chunks("test.jsonl".into(), input, 8 << 20, &mut send).unwrap());
        sizes
    }

    #[test]
    fn the_reader_hands_on_chunks_bounded_in_records_and_bytes() {
        // 2,500 small records: two full chunks of CHUNK records, then the rest.
        let small: String = (0..2_500).map(|i| format!("{{\"n\":{i}}}\n")).collect();
        let counts: Vec<usize> = chunk_sizes(small.as_bytes()).iter().map(|c| c.0).collect();
        assert_eq!(counts, [CHUNK, CHUNK, 2_500 - 2 * CHUNK]);

        // Ten records of 3 MiB: a chunk is handed on once it holds CHUNK_BYTES, so
        // none holds more than that and one record, and none is lost.
        let big = format!("{{\"pad\":\"{}\"}}\n", "x".repeat(3 << 20));
        let sizes = chunk_sizes(big.repeat(10).as_bytes());
        assert_eq!(sizes.iter().map(|c| c.0).sum::<usize>(), 10, "{sizes:?}");
        assert!(sizes.len() >= 5, "{sizes:?}");
        assert!(
            sizes
                .iter()
                .all(|(_, bytes)| *bytes < CHUNK_BYTES + big.len()),
            "{sizes:?}"
        );
    }

    #[test]
    fn a_large_envelope_reaches_the_writer_in_bounded_batches() {
        let normalizer = Normalizer {
            forced: None,
            redactor: Redactor::new(b"pipeline-test"),
            ingested_at: Utc::now(),
        };
        // A Graph-style list of 10,000 job events, framed as one record.
        let items: Vec<String> = (0..10_000)
            .map(|i| {
                format!(
                    r#"{{"schema":"qtrail.job_event/v1","id":"job-{i}","time":"2026-10-01T12:00:00Z","action":"submit"}}"#
                )
            })
            .collect();
        let envelope = format!(r#"{{"value":[{}]}}"#, items.join(","));
        let chunk = Chunk {
            input: "list.json".into(),
            frames: vec![Frame::Record {
                bytes: envelope.into_bytes(),
                pos: Position::default(),
            }],
        };
        let (mut sizes, mut events) = (Vec::new(), 0);
        let mut send = |done: Normalized| {
            let rows = done.events.expect("a batch").rows().len();
            sizes.push(rows + done.rejected.len());
            events += rows;
            true
        };
        assert!(normalize_chunk(
            &normalizer,
            &GeoIp::default(),
            chunk,
            &mut send
        ));
        assert_eq!(events, 10_000, "{sizes:?}");
        assert!(
            sizes.len() > 1 && sizes.iter().all(|n| *n <= ITEMS_PER_SEND),
            "{sizes:?}"
        );
    }
}
