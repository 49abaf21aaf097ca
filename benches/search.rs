//! Search index cost and search latency.
//!
//! `cargo bench --bench search` (QTRAIL_BENCH_EVENTS=200000 by default; the issue's
//! figures are at 5000000). Ingests generated events with the real binary (which
//! indexes as it writes), then times typical forensic queries in-process, from
//! parsing the query to the resolved Parquet rows, and prints a Markdown table.
//! Then times aggregate SQL over the same Parquet files in DataFusion (in-process)
//! and in DuckDB (`pip install duckdb`; timed inside Python, start-up excluded).

use std::io::{BufWriter, Write};
use std::process::Command;
use std::time::Instant;

use qtrail::query::search::{LINE_COLUMNS, resolve};
use qtrail::store::index::{EventIndex, TimeOrder, dir_size};
use qtrail::store::layout::DataDir;
use qtrail::time::parse_time;

/// Runs of each query; p99 needs enough of them.
const RUNS: usize = 200;

fn main() {
    let n: u64 = std::env::var("QTRAIL_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let tmp = tempfile::tempdir().expect("temp dir");
    let input = tmp.path().join("mixed.jsonl");
    {
        let mut out = BufWriter::new(std::fs::File::create(&input).unwrap());
        qtrail::synth::write_mixed(&mut out, n, 30, 7).unwrap();
        out.flush().unwrap();
    }
    let input_bytes = std::fs::metadata(&input).unwrap().len();
    let data = tmp.path().join("data");
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_qtrail"))
        .arg("--data-dir")
        .arg(&data)
        // Rules have their own benchmark: this one times storing and indexing.
        .args(["ingest", "--json", "--no-progress", "--no-detect"])
        .arg(&input)
        .output()
        .expect("run qtrail");
    let secs = start.elapsed().as_secs_f64();
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("ingest summary");
    assert_eq!(summary["stored"].as_u64(), Some(n), "{summary}");
    let index_secs = summary["index_seconds"].as_f64().unwrap_or(0.0);

    let dir = DataDir::open_existing(&data).unwrap();
    let index = EventIndex::open_existing(&dir).unwrap();
    let index_bytes = index.size_on_disk(&dir).unwrap();
    let parquet_bytes = dir_size(&dir.events_dir()).unwrap();

    println!("| events | input | Parquet | index | ingest with indexing | time in indexing |");
    println!("|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {n} | {:.0} MB | {:.0} MB | {:.0} MB ({:.2}x input) | {:.0} events/s | {:.1}s of {:.1}s |",
        input_bytes as f64 / 1e6,
        parquet_bytes as f64 / 1e6,
        index_bytes as f64 / 1e6,
        index_bytes as f64 / input_bytes as f64,
        n as f64 / secs,
        index_secs,
        secs
    );
    println!();

    // The synthetic data ends 2026-11-01; "7 days" is the week before.
    let end = parse_time("2026-11-01", chrono::Utc::now()).unwrap();
    let week = (end - chrono::Duration::days(7)).timestamp_micros();
    let queries: [(&str, &str, Option<i64>); 5] = [
        ("one user", "user:user042@example.org", None),
        ("one IP", "src_ip:198.51.2.17", None),
        (
            "a token over 7 days",
            "token_id:AKIAEXAMPLEEXAMPLE",
            Some(week),
        ),
        ("a free-text term", "permission", None),
        (
            "a phrase and a field",
            "\"permission denied\" AND source:vault",
            None,
        ),
    ];
    println!("| query | hits | p50 | p99 |");
    println!("|---|---:|---:|---:|");
    for (name, q, since) in queries {
        let mut times = Vec::with_capacity(RUNS);
        let mut total = 0;
        for _ in 0..RUNS {
            let t = Instant::now();
            let parsed = index.parse(q).unwrap();
            let found = index
                .search(parsed, since, None, 50, TimeOrder::NewestFirst)
                .unwrap();
            let batch = resolve(&dir, &found.hits, Some(LINE_COLUMNS)).unwrap();
            std::hint::black_box(&batch);
            times.push(t.elapsed().as_secs_f64() * 1e3);
            total = found.total;
        }
        times.sort_by(f64::total_cmp);
        let pct = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
        println!(
            "| {name} (`{q}`) | {total} | {:.1} ms | {:.1} ms |",
            pct(0.5),
            pct(0.99)
        );
    }

    println!();
    sql_beside_duckdb(&dir);
}

/// Aggregate queries an analyst runs, timed in DataFusion and in DuckDB (best of 5).
fn sql_beside_duckdb(dir: &DataDir) {
    let queries = [
        (
            "failures per source and class",
            "SELECT source, class, count(*) AS n, count(DISTINCT user) AS users FROM events WHERE outcome = 'failure' GROUP BY 1, 2 ORDER BY 1, 2",
        ),
        (
            "QPU seconds per user and backend, one week",
            "SELECT user, backend, sum(qpu_seconds) AS qpu FROM events WHERE time >= TIMESTAMP '2026-10-25 00:00:00' AND hardware = 'qpu' GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 20",
        ),
    ];
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let glob = format!("{}/*/*.parquet", dir.events_dir().display());
    println!("| SQL | DataFusion (qtrail) | DuckDB | ratio |");
    println!("|---|---:|---:|---:|");
    for (name, sql) in queries {
        let mut best = f64::MAX;
        for _ in 0..5 {
            let t = Instant::now();
            let batches = rt.block_on(qtrail::query::sql::run(dir, sql)).unwrap();
            std::hint::black_box(&batches);
            best = best.min(t.elapsed().as_secs_f64() * 1e3);
        }
        let duck_sql = sql.replace(
            "FROM events",
            &format!("FROM read_parquet('{glob}', hive_partitioning = true)"),
        );
        let script = format!(
            "import duckdb, time\ncon = duckdb.connect()\nbest = 1e9\nfor _ in range(5):\n    t = time.perf_counter()\n    con.execute({duck_sql:?}).fetchall()\n    best = min(best, (time.perf_counter() - t) * 1e3)\nprint(best)\n"
        );
        let duck = Command::new("python3")
            .args(["-c", &script])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .trim()
                    .parse::<f64>()
                    .ok()
            });
        match duck {
            Some(d) => println!("| {name} | {best:.0} ms | {d:.0} ms | {:.2}x |", best / d),
            None => {
                println!("| {name} | {best:.0} ms | (duckdb not installed: pip install duckdb) | |")
            }
        }
    }
}
