//! `qtrail review [dormant|tokens|shared]`: the access review's lists.

use anyhow::{Result, bail};
use chrono::Utc;

use super::{Cli, runtime};
use crate::query::review::{Report, ReviewOptions, run as run_report};
use crate::query::sql::{OutputFormat, render};
use crate::store::layout::DataDir;
use crate::time::{parse_span, parse_time};

/// Arguments of `qtrail review`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Reports (all three unless named):\n  \
dormant  principals that once succeeded, seen before the idle window, with no successful activity in \
it, and the failed attempts on them since (someone trying a forgotten account)\n  \
tokens   long-lived credentials not revoked and unused for the idle window (stale), or first seen \
longer than --max-age ago and still in use (rotation overdue); temporary AWS keys (ASIA...) and Vault \
tokens expire by themselves and are left out\n  \
shared   credentials used by more than one principal, or by requests that name none\n\n\
Each report is one SQL query over the events table; rows of every report start with its name.\n\n\
Examples:\n  qtrail review\n  qtrail review dormant --idle 90d --as-of 2026-12-01\n  \
qtrail review tokens shared --output json")]
pub struct Args {
    /// Which reports (default: all).
    #[arg(value_enum)]
    pub reports: Vec<Report>,
    /// No activity for this long makes an account dormant or a credential stale.
    #[arg(long, default_value = "30d", value_name = "SPAN")]
    pub idle: String,
    /// A credential first seen longer ago than this and still in use is long-lived.
    #[arg(long, default_value = "90d", value_name = "SPAN")]
    pub max_age: String,
    /// The review's "now" (RFC 3339, a day, or an age such as 7d); later events are not seen.
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<String>,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

/// Runs `qtrail review`.
pub fn run(cli: &Cli, args: &Args) -> Result<()> {
    let dir = DataDir::open_existing(&cli.data_dir)?;
    let now = Utc::now();
    let opts = ReviewOptions {
        as_of: match &args.as_of {
            Some(t) => parse_time(t, now)?,
            None => now,
        },
        idle: parse_span(&args.idle)?,
        max_age: parse_span(&args.max_age)?,
    };
    let reports = if args.reports.is_empty() {
        vec![Report::Dormant, Report::Tokens, Report::Shared]
    } else {
        args.reports.clone()
    };
    if args.output == OutputFormat::Csv && reports.len() > 1 {
        bail!("CSV holds one table: name one report (dormant, tokens or shared) with --output csv");
    }
    let rt = runtime()?;
    for report in reports {
        let batches = rt.block_on(run_report(&dir, report, &opts))?;
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        if args.output == OutputFormat::Table {
            println!("== {} ({rows})", report.title(&opts));
            if rows == 0 {
                println!("none\n");
                continue;
            }
            println!("{}\n", render(&batches, args.output)?);
        } else {
            print!("{}", render(&batches, args.output)?);
        }
    }
    Ok(())
}
