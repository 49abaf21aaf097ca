//! `qtrail detect`: run rules over stored history (backtest a new rule).

use anyhow::Result;
use chrono::Utc;

use super::Cli;
use super::rule_source::RuleSource;
use super::time_range::TimeRange;
use crate::alerts::ocsf::detection_finding;
use crate::detect::backtest;
use crate::store::layout::DataDir;
use crate::time::parse_time;

/// Arguments of `qtrail detect`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Runs the rules from empty state over the stored events of the range, in \
event-time order, and prints what they find. Nothing is stored unless --save is given; \
`qtrail ingest` runs the same engine on new events and stores its alerts.\n\n\
Examples:\n  qtrail detect --since 30d --rules ./my-rules\n  qtrail detect --since 2026-11-01 --until 2026-11-08 --output ocsf"
)]
pub struct Args {
    /// The rules and event-time settings.
    #[command(flatten)]
    pub source: RuleSource,
    /// The range of event time.
    #[command(flatten)]
    pub range: TimeRange,
    /// Output: a line per alert, JSON lines of the alert, or OCSF Detection Findings.
    #[arg(long, short, value_enum, default_value_t = AlertFormat::Text)]
    pub output: AlertFormat,
    /// Also store the alerts found in the alerts table (those not stored yet).
    #[arg(long)]
    pub save: bool,
}

/// How alerts are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AlertFormat {
    /// One line each: time, severity, rule, explanation.
    Text,
    /// qtrail's alert record as JSON lines.
    Json,
    /// OCSF Detection Finding (class 2004) JSON lines.
    Ocsf,
}

/// Prints alerts in the chosen format.
pub fn print_alerts(alerts: &[crate::alerts::Alert], format: AlertFormat) -> Result<()> {
    for a in alerts {
        match format {
            AlertFormat::Text => println!("{}", a.line()),
            AlertFormat::Json => println!("{}", serde_json::to_string(a)?),
            AlertFormat::Ocsf => println!("{}", detection_finding(a)),
        }
    }
    Ok(())
}

/// Runs `qtrail detect`.
pub fn run(cli: &Cli, args: &Args) -> Result<()> {
    let dir = DataDir::open_existing(&cli.data_dir)?;
    let now = Utc::now();
    let since = args
        .range
        .since
        .as_deref()
        .map(|t| parse_time(t, now))
        .transpose()?;
    let until = args
        .range
        .until
        .as_deref()
        .map(|t| parse_time(t, now))
        .transpose()?;
    let rules = args.source.load()?;
    let (alerts, stats, events) =
        backtest(&dir, rules, args.source.engine_options()?, since, until)?;
    print_alerts(&alerts, args.output)?;
    if args.save {
        let _lock = dir.lock()?;
        let stored = crate::alerts::store::append(&dir, &alerts)?;
        eprintln!("stored {stored} new alerts");
    }
    eprintln!(
        "{events} events evaluated, {} alerts ({} suppressed, {} allowlisted, {} late)",
        alerts.len(),
        stats.suppressed,
        stats.allowed,
        stats.late
    );
    Ok(())
}
