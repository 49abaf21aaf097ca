//! `qtrail sql "SELECT ..."`

use anyhow::Result;

use super::{Cli, runtime};
use crate::query::sql::{OutputFormat, render, run as run_sql};
use crate::store::layout::DataDir;

/// Arguments of `qtrail sql`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Tables: events (one row per normalized event, partitioned by day in column dt), \
quarantine (records that could not be ingested). Columns: schemas/event.md.\n\n\
Examples:\n  qtrail sql \"SELECT source, outcome, count(*) FROM events GROUP BY 1, 2\"\n  \
qtrail sql --output json \"SELECT time, user, src_ip FROM events WHERE outcome = 'failure'\""
)]
pub struct Args {
    /// The SQL statement.
    pub query: String,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

/// Runs `qtrail sql`.
pub fn run(cli: &Cli, args: &Args) -> Result<()> {
    let dir = DataDir::open_existing(&cli.data_dir)?;
    let batches = runtime()?.block_on(run_sql(&dir, &args.query))?;
    let text = render(&batches, args.output)?;
    print!("{text}");
    if args.output == OutputFormat::Table {
        println!();
    }
    Ok(())
}
