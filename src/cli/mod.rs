//! The `qtrail` command line: one file per subcommand.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};

use crate::store::layout::DATA_DIR_ENV;

mod alerts;
mod demo;
mod detect;
mod generate;
mod ingest;
mod prune;
mod quarantine;
mod reindex;
mod review;
mod rule_source;
mod rules;
mod schema;
mod search;
mod sql;
mod time_range;
mod timeline;

/// qtrail: audit trail and anomaly detection for shared quantum hardware.
///
/// Pulls audit logs from identity providers (Okta, Entra ID), secret managers
/// (Vault, AWS Secrets Manager, Azure Key Vault, GCP Secret Manager) and quantum
/// providers (Amazon Braket, IBM Quantum, Azure Quantum) into one normalized
/// schema, stored as Parquet you can query with SQL.
#[derive(Debug, Parser)]
#[command(
    name = "qtrail",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Where qtrail keeps its data.
    #[arg(long, global = true, env = DATA_DIR_ENV, default_value = "./qtrail-data", value_name = "DIR")]
    pub data_dir: PathBuf,
    /// More log output (-v: debug, -vv: trace). RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read audit logs (files, directories, gzip, stdin) into the data directory.
    Ingest(ingest::Args),
    /// Run SQL over the stored tables (`events`, `quarantine`, `alerts`).
    Sql(sql::Args),
    /// List what the rules found, newest first (table, JSON, or OCSF Detection Findings).
    Alerts(alerts::Args),
    /// Run rules over stored events of a time range (backtest a new rule).
    Detect(detect::Args),
    /// Validate rule files (`check`) and run their tests (`test`).
    Rules(rules::Args),
    /// Search the stored events (Tantivy query syntax), newest first.
    Search(search::Args),
    /// One user's, token's, IP's, session's or job's events across all sources, in time order.
    Timeline(timeline::Args),
    /// Access review: dormant accounts, stale or long-lived credentials, shared credentials.
    Review(review::Args),
    /// Rebuild the search index from the stored events.
    Reindex(reindex::Args),
    /// Remove whole days before a date from the stored events and the index.
    Prune(prune::Args),
    /// List and count the records that could not be ingested, with the reason.
    Quarantine(quarantine::Args),
    /// Print the JSON Schema of the normalized event (or the field list).
    Schema(schema::Args),
    /// Ingest the bundled sample logs and show what qtrail makes of them.
    Demo(demo::Args),
    /// Write synthetic audit logs (a mix of every kind) for load tests.
    Generate(generate::Args),
}

/// Parses the command line, sets up logging and runs the subcommand.
pub fn main() -> Result<()> {
    let cli = Cli::parse();
    init_logging(cli.verbose, cli.quiet);
    match &cli.command {
        Command::Ingest(args) => ingest::run(&cli, args),
        Command::Sql(args) => sql::run(&cli, args),
        Command::Alerts(args) => alerts::run(&cli, args),
        Command::Detect(args) => detect::run(&cli, args),
        Command::Rules(args) => rules::run(args),
        Command::Search(args) => search::run(&cli, args),
        Command::Timeline(args) => timeline::run(&cli, args),
        Command::Review(args) => review::run(&cli, args),
        Command::Reindex(args) => reindex::run(&cli, args),
        Command::Prune(args) => prune::run(&cli, args),
        Command::Quarantine(args) => quarantine::run(&cli, args),
        Command::Schema(args) => schema::run(args),
        Command::Demo(args) => demo::run(&cli, args),
        Command::Generate(args) => generate::run(args),
    }
}

fn init_logging(verbose: u8, quiet: bool) {
    use tracing_subscriber::EnvFilter;
    let default = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "qtrail=debug,info",
        (false, _) => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}

/// A tokio runtime for the DataFusion-backed commands.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// Tells the user when a search cannot see every stored event, and how to fix it.
pub(crate) fn warn_unindexed(
    index: &crate::store::index::EventIndex,
    dir: &crate::store::layout::DataDir,
) -> Result<()> {
    let missing = index.unindexed_files(dir)?;
    if missing > 0 {
        eprintln!(
            "warning: {missing} stored event files are not in the search index yet (ingested with --no-index, \
or interrupted); results may be incomplete: run `qtrail reindex --repair`"
        );
    }
    Ok(())
}
