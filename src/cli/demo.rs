//! `qtrail demo`: ingest the bundled samples and show what qtrail makes of them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Result, bail};

use super::{Cli, runtime};
use crate::detect::DetectOptions;
use crate::enrich::geoip::{GeoIp, GeoIpPaths};
use crate::pipeline::{IngestOptions, ingest};
use crate::query::sql::{OutputFormat, render, run as run_sql};
use crate::rules::RuleSet;
use crate::rules::engine::EngineOptions;
use crate::sources::file::expand;
use crate::sources::framing::DEFAULT_MAX_RECORD_BYTES;
use crate::store::events::WriterLimits;
use crate::store::layout::DataDir;

/// Arguments of `qtrail demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The sample logs to ingest (default: the repository's `fixtures/`).
    #[arg(long, value_name = "DIR")]
    pub fixtures: Option<PathBuf>,
}

/// The questions the demo asks of the data, with what each shows.
const QUERIES: &[(&str, &str)] = &[
    (
        "Events per source, class and outcome",
        "SELECT source, class, outcome, count(*) AS events FROM events GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    ),
    (
        "Failed authentication and denied access, newest first",
        "SELECT time, source, user, src_ip, action, reason FROM events \
         WHERE outcome = 'failure' AND class IN ('authentication', 'secret_access', 'token', 'role_change') \
         ORDER BY time DESC LIMIT 10",
    ),
    (
        "Quantum jobs: who ran what on real hardware vs simulators",
        "SELECT source, hardware, backend, count(*) AS jobs, sum(shots) AS shots, \
         round(sum(qpu_seconds), 1) AS qpu_s, round(avg(queue_seconds), 1) AS avg_queue_s \
         FROM events WHERE class = 'job' GROUP BY 1, 2, 3 ORDER BY qpu_s DESC NULLS LAST LIMIT 10",
    ),
];

/// Runs `qtrail demo`.
pub fn run(cli: &Cli, args: &Args) -> Result<()> {
    let fixtures = match &args.fixtures {
        Some(p) => p.clone(),
        None => ["fixtures", concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures")]
            .iter()
            .map(PathBuf::from)
            .find(|p| p.is_dir())
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "no fixtures/ folder here: run from the repository or pass --fixtures DIR"
                )
            })?,
    };
    if !fixtures.is_dir() {
        bail!("{} is not a directory of sample logs", fixtures.display());
    }
    let dir = DataDir::open(&cli.data_dir)?;
    println!(
        "== qtrail demo: ingesting the sample logs in {} into {}\n",
        fixtures.display(),
        dir.root().display()
    );
    let opts = IngestOptions {
        index: true,
        inputs: expand(std::slice::from_ref(&fixtures))?,
        format: None,
        max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
        threads: 2,
        progress: false,
        limits: WriterLimits::default(),
        geoip: Arc::new(GeoIp::open(&demo_geoip(&fixtures))?),
    };
    let rules = RuleSet::shipped().map_err(|e| super::rule_source::explain(&e))?;
    let detect = DetectOptions {
        engine: EngineOptions::default(),
        drain: true,
    };
    let summary = ingest(&dir, &opts, Some((rules, detect)))?;
    print!("{}", super::ingest::summary_text(&summary, &dir));
    let rt = runtime()?;
    for (title, sql) in QUERIES {
        println!("\n== {title}\n$ qtrail sql \"{sql}\"");
        let batches = rt.block_on(run_sql(&dir, sql))?;
        println!("{}", render(&batches, OutputFormat::Table)?);
    }
    println!("\n== What the rules found\n$ qtrail alerts");
    let alerts = rt.block_on(run_sql(
        &dir,
        "SELECT time, severity, rule_title AS rule, entity, explanation FROM alerts ORDER BY time",
    ))?;
    println!("{}", render(&alerts, OutputFormat::Table)?);
    println!(
        "\nNext: `qtrail alerts --output ocsf` for the SIEM, `qtrail search`, `qtrail timeline --user ...`, `qtrail sql \"...\"` for your own questions, `qtrail quarantine` for what could not be read."
    );
    Ok(())
}

/// The small GeoIP databases `tools/make_demo_geoip.py` writes into `fixtures/geoip/`.
fn demo_geoip(fixtures: &Path) -> GeoIpPaths {
    let db = |name: &str| {
        let p = fixtures.join("geoip").join(name);
        p.is_file().then_some(p)
    };
    GeoIpPaths {
        city: db("qtrail-demo-City.mmdb"),
        asn: db("qtrail-demo-ASN.mmdb"),
        anonymous: db("qtrail-demo-Anonymous-IP.mmdb"),
    }
}
