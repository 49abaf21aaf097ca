//! `qtrail search QUERY`: the index, newest first, resolved to full events.

use anyhow::Result;

use super::Cli;
use super::time_range::TimeRange;
use crate::query::search::{LINE_COLUMNS, json_lines, resolve, timeline_lines};
use crate::store::index::{EventIndex, TimeOrder};
use crate::store::layout::DataDir;

/// How search hits are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SearchOutput {
    /// One aligned line per event.
    Table,
    /// The full event as one JSON object per line.
    Json,
}

/// Arguments of `qtrail search`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Query syntax (Tantivy): field:value matches a whole value, case-insensitively; \
a bare word or \"a phrase\" searches the raw record; AND, OR, NOT, -term, ( ) combine; terms without an \
operator must all match. Fields: event_id source class action operation outcome user user_id token_id \
session_id target_user src_ip src_country src_asn provider project resource backend hardware job_id, \
and time:[2026-10-01T00:00:00Z TO *]. Quote values with spaces or colons.\n\n\
Examples:\n  qtrail search 'user:alice@example.org AND outcome:failure' --since 24h\n  \
qtrail search 'src_ip:203.0.113.9' --since 7d --output json\n  \
qtrail search '\"permission denied\" AND source:vault'"
)]
pub struct Args {
    /// The query.
    pub query: String,
    /// The time range.
    #[command(flatten)]
    pub range: TimeRange,
    /// How many events to show (all are counted).
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = SearchOutput::Table)]
    pub output: SearchOutput,
}

/// Runs `qtrail search`.
pub fn run(cli: &Cli, args: &Args) -> Result<()> {
    let dir = DataDir::open_existing(&cli.data_dir)?;
    let index = EventIndex::open_existing(&dir)?;
    super::warn_unindexed(&index, &dir)?;
    let (since, until) = args.range.micros()?;
    let query = index.parse(&args.query)?;
    let found = index.search(query, since, until, args.limit, TimeOrder::NewestFirst)?;
    match args.output {
        SearchOutput::Table => {
            let batch = resolve(&dir, &found.hits, Some(LINE_COLUMNS))?;
            println!(
                "{} hits{}",
                found.total,
                if found.total > found.hits.len() {
                    format!(", newest {} shown", found.hits.len())
                } else {
                    String::new()
                }
            );
            for line in timeline_lines(&batch) {
                println!("{line}");
            }
        }
        SearchOutput::Json => {
            // The count goes to stderr so stdout stays pure JSON lines.
            eprintln!("{} hits, {} shown", found.total, found.hits.len());
            print!("{}", json_lines(&resolve(&dir, &found.hits, None)?)?);
        }
    }
    Ok(())
}
