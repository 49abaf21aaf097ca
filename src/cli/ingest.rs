//! `qtrail ingest PATH... | -`

use std::path::PathBuf;

use anyhow::Result;

use std::sync::Arc;

use super::Cli;
use super::rule_source::RuleSource;
use crate::detect::DetectOptions;
use crate::enrich::geoip::{GeoIp, GeoIpPaths};
use crate::normalize::{Format, format_by_name, format_names};
use crate::pipeline::{IngestOptions, IngestSummary, ingest};
use crate::sources::file::expand;
use crate::sources::framing::DEFAULT_MAX_RECORD_BYTES;
use crate::store::events::WriterLimits;
use crate::store::layout::DataDir;

/// Arguments of `qtrail ingest`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Formats are detected per record: Okta System Log, Entra ID sign-in/audit, Vault audit, \
CloudTrail (incl. Secrets Manager and Braket), Azure Key Vault, Azure Activity, GCP Cloud Audit Logs, IBM Quantum and \
Azure Quantum jobs, and qtrail's job-event webhook format. JSON lines, arrays, {\"Records\": [...]}, {\"records\": [...]}, \
pretty-printed JSON and gzip are accepted. Records that cannot be read are quarantined (see `qtrail quarantine`).\n\n\
Examples:\n  qtrail ingest cloudtrail/*.json.gz\n  vault audit-log | qtrail ingest --format vault -"
)]
pub struct Args {
    /// Files or directories to read; `-` reads standard input.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Take every record as this format instead of detecting it.
    #[arg(long, value_parser = parse_format, value_name = "NAME")]
    pub format: Option<&'static dyn Format>,
    /// Quarantine records larger than this many bytes.
    #[arg(long, default_value_t = DEFAULT_MAX_RECORD_BYTES, value_name = "BYTES")]
    pub max_record_bytes: usize,
    /// Normalizing threads (default: one per core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// No progress bar, even on a terminal.
    #[arg(long)]
    pub no_progress: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
    /// Rows of one day per Parquet file (smaller files appear sooner).
    #[arg(long, default_value_t = WriterLimits::default().file_rows, value_name = "ROWS")]
    pub file_rows: usize,
    /// Exit with status 3 if any record was quarantined.
    #[arg(long)]
    pub strict: bool,
    /// The rules run over the new events.
    #[command(flatten)]
    pub rules: RuleSource,
    /// Store events without running rules.
    #[arg(long)]
    pub no_detect: bool,
    /// More input follows in a later run: events still inside the allowed lateness
    /// wait in the saved rule state instead of being evaluated now.
    #[arg(long)]
    pub keep_pending: bool,
    /// Store events without indexing them for search: bulk loads finish sooner, and
    /// the next ingest or `qtrail reindex --repair` indexes them.
    #[arg(long)]
    pub no_index: bool,
    /// GeoIP databases for source IPs.
    #[command(flatten)]
    pub geoip: GeoIpPaths,
}

fn parse_format(name: &str) -> Result<&'static dyn Format, String> {
    format_by_name(name).ok_or_else(|| {
        format!(
            "unknown format {name:?}; known formats: {}",
            format_names().join(", ")
        )
    })
}

/// Runs `qtrail ingest`.
pub fn run(cli: &Cli, args: &Args) -> Result<()> {
    let dir = DataDir::open(&cli.data_dir)?;
    let opts = IngestOptions {
        inputs: expand(&args.paths)?,
        format: args.format,
        max_record_bytes: args.max_record_bytes,
        threads: args
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
        progress: !args.no_progress && !cli.quiet,
        limits: WriterLimits {
            file_rows: args.file_rows.max(1),
            buffered_rows: args.file_rows.max(1) * 3 / 2,
            ..WriterLimits::default()
        },
        geoip: Arc::new(GeoIp::open(&args.geoip)?),
        index: !args.no_index,
    };
    let rules = if args.no_detect {
        None
    } else {
        Some((
            args.rules.load()?,
            DetectOptions {
                engine: args.rules.engine_options()?,
                drain: !args.keep_pending,
            },
        ))
    };
    let summary = ingest(&dir, &opts, rules)?;
    if args.json {
        println!("{}", summary_json(&summary));
    } else if !cli.quiet {
        print!("{}", summary_text(&summary, &dir));
    }
    if args.strict && summary.quarantined_total() > 0 {
        std::process::exit(3);
    }
    Ok(())
}

/// The summary as a user reads it.
pub fn summary_text(s: &IngestSummary, dir: &DataDir) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let secs = s.elapsed.as_secs_f64().max(1e-6);
    let _ = writeln!(
        out,
        "ingested {} records ({:.1} MB) in {:.2}s: {:.0} records/s",
        s.records,
        s.bytes as f64 / 1e6,
        secs,
        s.records as f64 / secs
    );
    let _ = writeln!(
        out,
        "  {:<16} {:>10} {:>11}",
        "source", "stored", "duplicates"
    );
    for (source, c) in &s.per_source {
        let _ = writeln!(
            out,
            "  {:<16} {:>10} {:>11}",
            source.as_str(),
            c.stored,
            c.duplicates
        );
    }
    let _ = writeln!(
        out,
        "  {:<16} {:>10} {:>11}",
        "total",
        s.stored(),
        s.duplicates()
    );
    if s.quarantined_total() > 0 {
        let stages: Vec<String> = s
            .quarantined
            .iter()
            .map(|(k, v)| format!("{} {v}", k.as_str()))
            .collect();
        let _ = writeln!(
            out,
            "quarantined: {} new ({}){}; see `qtrail quarantine`",
            s.quarantined.values().sum::<u64>(),
            if stages.is_empty() {
                "none".to_string()
            } else {
                stages.join(", ")
            },
            if s.quarantine_repeats > 0 {
                format!(", {} already quarantined", s.quarantine_repeats)
            } else {
                String::new()
            }
        );
    } else {
        let _ = writeln!(out, "quarantined: 0");
    }
    if let (Some(a), Some(b)) = (s.first, s.last) {
        let _ = writeln!(out, "time range: {} .. {}", a.to_rfc3339(), b.to_rfc3339());
    }
    let indexing = if s.indexed {
        format!(
            "; {:.2}s of the run spent indexing",
            s.index_time.as_secs_f64()
        )
    } else {
        ", not yet searchable: run `qtrail reindex --repair` or an ingest without --no-index"
            .to_string()
    };
    let _ = writeln!(
        out,
        "data: {} ({} new files{indexing})",
        dir.root().display(),
        s.files
    );
    if let Some(d) = &s.detection {
        let _ = writeln!(
            out,
            "rules: {} events in {} files evaluated in {:.2}s: {} alerts ({} new); {} suppressed, {} allowlisted, {} late, {} waiting for the lateness",
            d.events,
            d.files,
            s.detect_time.as_secs_f64(),
            d.alerts.len(),
            d.stored,
            d.stats.suppressed,
            d.stats.allowed,
            d.stats.late,
            d.pending
        );
        for a in d.alerts.iter().take(20) {
            let _ = writeln!(out, "  {}", a.line());
        }
        if d.alerts.len() > 20 {
            let _ = writeln!(out, "  ... see `qtrail alerts`");
        }
        if d.evicted > 0 {
            let _ = writeln!(
                out,
                "rule state is at its cap: {} entities tracked, {} dropped (least recently seen first); raise max_entities in the rules if this is normal",
                d.tracked, d.evicted
            );
        }
        if !d.restarted.is_empty() && d.stats.events > d.events {
            let _ = writeln!(
                out,
                "rules whose file changed started with empty state: {} (backtest them with `qtrail detect`)",
                d.restarted.join(", ")
            );
        }
    }
    if s.reconciled.files_added + s.reconciled.files_removed > 0 {
        let _ = writeln!(
            out,
            "search index repaired after an interrupted run: {} files ({} events) indexed, {} files ({} events) dropped",
            s.reconciled.files_added,
            s.reconciled.docs_added,
            s.reconciled.files_removed,
            s.reconciled.docs_removed
        );
    }
    out
}

/// The summary as JSON, for scripts.
pub fn summary_json(s: &IngestSummary) -> serde_json::Value {
    serde_json::json!({
        "records": s.records,
        "stored": s.stored(),
        "duplicates": s.duplicates(),
        "per_source": s.per_source.iter().map(|(k, v)| (k.as_str().to_string(), serde_json::json!({"stored": v.stored, "duplicates": v.duplicates}))).collect::<serde_json::Map<_, _>>(),
        "quarantined": s.quarantined_total(),
        "quarantined_by_stage": s.quarantined.iter().map(|(k, v)| (k.as_str().to_string(), serde_json::json!(v))).collect::<serde_json::Map<_, _>>(),
        "first": s.first.map(|t| t.to_rfc3339()),
        "last": s.last.map(|t| t.to_rfc3339()),
        "bytes": s.bytes,
        "files": s.files,
        "seconds": s.elapsed.as_secs_f64(),
        "indexed": s.indexed,
        "index_seconds": s.index_time.as_secs_f64(),
        "reindexed_files": s.reconciled.files_added,
        "alerts": s.detection.as_ref().map(|d| d.alerts.len()),
        "alerts_stored": s.detection.as_ref().map(|d| d.stored),
        "late_events": s.detection.as_ref().map(|d| d.stats.late),
        "rule_entities": s.detection.as_ref().map(|d| d.tracked),
        "rule_entities_evicted": s.detection.as_ref().map(|d| d.evicted),
        "unindexed_files": s.reconciled.files_removed,
    })
}
