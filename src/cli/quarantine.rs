//! `qtrail quarantine`: what could not be ingested, and why.

use anyhow::Result;

use super::{Cli, runtime};
use crate::query::sql::{OutputFormat, render, run as run_sql};
use crate::store::layout::DataDir;

/// Arguments of `qtrail quarantine`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only records rejected at this stage (framing, parse, detect, normalize, validate).
    #[arg(long)]
    pub stage: Option<String>,
    /// How many records to list.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Only the counts, no listing.
    #[arg(long)]
    pub count: bool,
    /// Include the original bytes (secrets already replaced by fingerprints).
    #[arg(long)]
    pub raw: bool,
    /// Output format of the listing.
    #[arg(long, short, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

/// Runs `qtrail quarantine`.
pub fn run(cli: &Cli, args: &Args) -> Result<()> {
    let dir = DataDir::open_existing(&cli.data_dir)?;
    let filter = match &args.stage {
        Some(s) if s.chars().all(|c| c.is_ascii_lowercase()) => format!("WHERE stage = '{s}'"),
        Some(s) => anyhow::bail!(
            "--stage {s:?} is not a stage: use framing, parse, detect, normalize or validate"
        ),
        None => String::new(),
    };
    let rt = runtime()?;
    let counts = rt.block_on(run_sql(
        &dir,
        &format!("SELECT stage, count(*) AS records FROM quarantine {filter} GROUP BY stage ORDER BY records DESC"),
    ))?;
    let total: i64 = counts
        .iter()
        .filter_map(|b| {
            b.column(1)
                .as_any()
                .downcast_ref::<datafusion::arrow::array::Int64Array>()
        })
        .flat_map(|a| a.values().iter().copied())
        .sum();
    println!("{total} quarantined records");
    if total == 0 {
        return Ok(());
    }
    print!("{}", render(&counts, OutputFormat::Table)?);
    println!();
    if args.count {
        return Ok(());
    }
    let raw = if args.raw { ", raw_text" } else { "" };
    let listing = rt.block_on(run_sql(
        &dir,
        &format!(
            "SELECT input, line, byte_offset, stage, format, reason{raw} FROM quarantine {filter} \
             ORDER BY quarantined_at DESC, input, byte_offset LIMIT {}",
            args.limit
        ),
    ))?;
    print!("{}", render(&listing, args.output)?);
    if args.output == OutputFormat::Table {
        println!();
    }
    Ok(())
}
