//! Where the normalize stage spends its time, one thread, per step and per source.
//!
//! `cargo bench --bench normalize` (QTRAIL_BENCH_EVENTS=200000 by default). Each
//! row adds one step to the one above, so the differences are the steps' costs.

use std::collections::BTreeMap;

use chrono::Utc;
use qtrail::normalize::json;
use qtrail::normalize::process::Normalizer;
use qtrail::normalize::redact::Redactor;
use serde_json::Value;

// The binary's allocator, so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let n: u64 = std::env::var("QTRAIL_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let mut text = Vec::new();
    qtrail::synth::write_mixed(&mut text, n, 30, 7).expect("generate");
    let lines: Vec<&[u8]> = text
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let mb = text.len() as f64 / 1e6;
    let redactor = Redactor::new(b"bench key");
    let normalizer = Normalizer {
        forced: None,
        redactor: redactor.clone(),
        ingested_at: Utc::now(),
    };

    println!("| step (cumulative) | events/s | MB/s | µs/event |");
    println!("|---|---:|---:|---:|");
    let row = |name: &str, secs: f64| {
        println!(
            "| {name} | {:.0} | {:.0} | {:.2} |",
            lines.len() as f64 / secs,
            mb / secs,
            secs * 1e6 / lines.len() as f64
        );
    };
    row(
        "serde_json parse to Value",
        time(|| {
            for l in &lines {
                let v: Value = serde_json::from_slice(l).expect("json");
                std::hint::black_box(v);
            }
        }),
    );
    let texts: Vec<&str> = lines
        .iter()
        .map(|l| std::str::from_utf8(l).expect("utf-8"))
        .collect();
    let mut scratch = Vec::new();
    row(
        "simd-json parse to a borrowed DOM (qtrail's parser)",
        time(|| {
            for t in &texts {
                std::hint::black_box(json::parse(t, &mut scratch).expect("json"));
            }
        }),
    );
    row(
        "+ detect the format",
        time(|| {
            for t in &texts {
                let v = json::parse(t, &mut scratch).expect("json");
                std::hint::black_box(qtrail::normalize::detect(&v));
            }
        }),
    );
    row(
        "+ scrub secrets",
        time(|| {
            for t in &texts {
                let mut v = json::parse(t, &mut scratch).expect("json");
                std::hint::black_box(qtrail::normalize::detect(&v));
                std::hint::black_box(redactor.scrub(&mut v));
            }
        }),
    );
    row(
        "whole normalize stage",
        time(|| {
            for l in &lines {
                std::hint::black_box(normalizer.run(*l));
            }
        }),
    );

    // Per source: the whole stage on that source's records only.
    let mut by_source: BTreeMap<&'static str, Vec<&[u8]>> = BTreeMap::new();
    for l in &lines {
        if let Some(Ok(ev)) = normalizer.run(*l).into_iter().next() {
            by_source.entry(ev.source.as_str()).or_default().push(l);
        }
    }
    println!();
    println!("| source | records | µs/event, whole stage |");
    println!("|---|---:|---:|");
    for (source, ls) in &by_source {
        let secs = time(|| {
            for l in ls {
                std::hint::black_box(normalizer.run(*l));
            }
        });
        println!(
            "| {source} | {} | {:.2} |",
            ls.len(),
            secs * 1e6 / ls.len() as f64
        );
    }
}

/// CPU seconds `f` takes on this thread, best of five runs. CPU time rather than
/// wall time: these shared VMs lose the core to their neighbours now and then.
fn time(mut f: impl FnMut()) -> f64 {
    (0..5)
        .map(|_| {
            let start = thread_cpu_seconds();
            f();
            thread_cpu_seconds() - start
        })
        .fold(f64::INFINITY, f64::min)
}

fn thread_cpu_seconds() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec for the call to fill.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
}
