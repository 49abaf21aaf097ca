//! Rule throughput: every shipped rule over generated events, one thread, and the
//! memory the rule state holds per tracked entity.
//!
//! `cargo bench --bench rules` (QTRAIL_BENCH_EVENTS=1000000 by default). Events are
//! generated and normalized beforehand, in chunks, outside the timed part.

use std::alloc::{GlobalAlloc, Layout};

use mimalloc::MiMalloc;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use qtrail::event::NormalizedEvent;
use qtrail::normalize::process::Normalizer;
use qtrail::normalize::redact::Redactor;
use qtrail::rules::RuleSet;
use qtrail::rules::engine::{Engine, EngineOptions};

/// Counts the bytes allocated and not yet freed, to weigh the rule state; the
/// allocation itself is the binary's allocator (mimalloc).
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { MiMalloc.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { MiMalloc.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        unsafe { MiMalloc.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const CHUNK: u64 = 100_000;

fn chunk(normalizer: &Normalizer, start: u64, count: u64) -> Vec<NormalizedEvent> {
    let mut buf = Vec::new();
    // One generator call per chunk, seeded by the chunk, with times that go on
    // from chunk to chunk (each chunk covers its own slice of 30 days).
    qtrail::synth::write_mixed(&mut buf, count, 1, 7 + start).unwrap();
    let shift = chrono::Duration::days((start / CHUNK) as i64);
    let mut events = Vec::with_capacity(count as usize);
    for line in buf.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        for e in normalizer.run(line).into_iter().flatten() {
            let mut e = e;
            e.time += shift;
            e.raw = String::new();
            events.push(e);
        }
    }
    events
}

fn main() {
    let n: u64 = std::env::var("QTRAIL_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let rules = RuleSet::shipped().expect("shipped rules compile");
    let rule_count = rules.rules.len();
    let normalizer = Normalizer {
        forced: None,
        redactor: Redactor::new(b"bench-key-bench-key-bench-key-32"),
        ingested_at: chrono::Utc::now(),
    };
    // Everything the engine is given is made first, outside the timed part.
    let before = LIVE.load(Ordering::Relaxed);
    let prep = Instant::now();
    let mut events = Vec::with_capacity(n as usize);
    let mut start = 0;
    while start < n {
        events.extend(
            chunk(&normalizer, start, CHUNK.min(n - start))
                .into_iter()
                .map(Box::new),
        );
        start += CHUNK;
    }
    eprintln!(
        "prepared {} events in {:.1}s",
        events.len(),
        prep.elapsed().as_secs_f64()
    );
    let pushed = events.len() as u64;

    let mut engine = Engine::new(rules, EngineOptions::default());
    let mut alerts = Vec::new();
    let t = Instant::now();
    for e in events {
        engine.push_boxed(e, &mut alerts);
    }
    engine.drain(&mut alerts);
    let timed: Duration = t.elapsed();
    let alert_count = alerts.len();
    drop(alerts);
    // The events are gone; what is left beyond the start is the rule state.
    let state_bytes = (LIVE.load(Ordering::Relaxed) - before).max(0) as f64;
    let tracked: usize = engine.state_sizes().iter().map(|(_, t, _)| t).sum();
    let rate = pushed as f64 / timed.as_secs_f64();
    println!(
        "| events | rules | events/s, one core | alerts | entities tracked (all rules) | state | per entity |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {pushed} | {rule_count} | {rate:.0} | {alert_count} | {tracked} | {:.1} MiB | {:.0} B |",
        state_bytes / (1 << 20) as f64,
        state_bytes / tracked.max(1) as f64
    );
    for (id, t, evicted) in engine.state_sizes() {
        if t > 0 || evicted > 0 {
            println!("  rule {id}: {t} entities, {evicted} evicted");
        }
    }
}
