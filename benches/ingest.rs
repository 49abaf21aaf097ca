//! Ingest throughput and peak memory, beside the speed of merely parsing the same
//! input with serde_json.
//!
//! `cargo bench --bench ingest` (QTRAIL_BENCH_EVENTS=1000000 by default; the run
//! is repeated at twice the size over twice the days, the same events per day, to
//! show that memory does not grow with the input: it grows with a day's events,
//! whose ids dedupe holds, and with the files a day fills).
//! Two paths are measured: `store` (frame, parse, normalize, scrub, write Parquet:
//! `ingest --no-index --no-detect`) and `full` (plus the search index and the
//! shipped rules, the default `ingest`).

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let n: u64 = std::env::var("QTRAIL_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let tmp = tempfile::tempdir().expect("temp dir");
    println!(
        "| events | days | input MB | serde_json parse, 1 thread | path | qtrail ingest, end to end | ratio | peak RSS |"
    );
    println!("|---:|---:|---:|---:|---|---:|---:|---:|");
    for (size, days) in [(n, 30), (2 * n, 60)] {
        let input = tmp.path().join(format!("mixed-{size}.jsonl"));
        {
            let mut out = BufWriter::new(std::fs::File::create(&input).unwrap());
            qtrail::synth::write_mixed(&mut out, size, days, 7).unwrap();
            out.flush().unwrap();
        }
        let mb = std::fs::metadata(&input).unwrap().len() as f64 / 1e6;
        let parse = parse_rate(&input);
        for (path, flags) in [
            ("store", &["--no-index", "--no-detect"][..]),
            ("full", &[][..]),
        ] {
            let data = tmp.path().join(format!("data-{size}-{path}"));
            let (ingest, peak_kib) = ingest_rate(&input, &data, flags, size);
            println!(
                "| {size} | {days} | {mb:.0} | {:.0} events/s ({:.0} MB/s) | {path} | {:.0} events/s ({:.0} MB/s) | {:.2} | {:.0} MiB |",
                parse,
                parse * mb / size as f64,
                ingest,
                ingest * mb / size as f64,
                ingest / parse,
                peak_kib as f64 / 1024.0
            );
            std::fs::remove_dir_all(&data).ok();
        }
    }
}

/// Events per second that serde_json alone parses into `Value`s, one thread.
fn parse_rate(input: &Path) -> f64 {
    let reader = BufReader::with_capacity(1 << 20, std::fs::File::open(input).unwrap());
    let start = Instant::now();
    let mut n = 0u64;
    for line in reader.split(b'\n') {
        let line = line.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&line).unwrap();
        std::hint::black_box(&v);
        n += 1;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// Events per second of a real `qtrail ingest` child process, and its peak RSS (KiB).
fn ingest_rate(input: &Path, data: &Path, flags: &[&str], expected: u64) -> (f64, u64) {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_qtrail"))
        .arg("--data-dir")
        .arg(data)
        .args(["ingest", "--json", "--no-progress"])
        .args(flags)
        .arg(input)
        .stdout(Stdio::piped())
        .spawn()
        .expect("run qtrail");
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    while child.try_wait().unwrap().is_none() {
        if let Ok(status) = std::fs::read_to_string(&status_path)
            && let Some(line) = status.lines().find(|l| l.starts_with("VmHWM:"))
        {
            peak = peak.max(
                line.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0),
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let elapsed = start.elapsed().as_secs_f64();
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("ingest summary");
    assert_eq!(summary["stored"].as_u64(), Some(expected), "{summary}");
    (expected as f64 / elapsed, peak)
}
