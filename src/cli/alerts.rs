//! `qtrail alerts`: list what the rules found.

use anyhow::Result;

use super::detect::AlertFormat;
use super::time_range::TimeRange;
use super::{Cli, runtime};
use crate::query::sql::{OutputFormat, render, run as run_sql};
use crate::store::layout::DataDir;

/// Arguments of `qtrail alerts`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Alerts are also the `alerts` table of `qtrail sql`.\n\nExamples:\n  \
qtrail alerts --since 24h\n  qtrail alerts --severity high --output ocsf | my-siem-forwarder"
)]
pub struct Args {
    /// The range of alert time (event time of the triggering event).
    #[command(flatten)]
    pub range: TimeRange,
    /// Only this rule (id or a word of its title).
    #[arg(long, value_name = "RULE")]
    pub rule: Option<String>,
    /// Only alerts about this entity (a user, an IP, ...).
    #[arg(long, value_name = "VALUE")]
    pub entity: Option<String>,
    /// Only alerts at least this severe: low, medium, high, critical.
    #[arg(long, value_name = "LEVEL")]
    pub severity: Option<String>,
    /// Most alerts shown, newest first.
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
    /// Output: a table, qtrail's alert records as JSON lines, or OCSF Detection Findings.
    #[arg(long, short, value_enum, default_value_t = AlertFormat::Text)]
    pub output: AlertFormat,
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Runs `qtrail alerts`.
pub fn run(cli: &Cli, args: &Args) -> Result<()> {
    let dir = DataDir::open_existing(&cli.data_dir)?;
    let mut filters = Vec::new();
    let (since, until) = args.range.micros()?;
    if let Some(s) = since {
        filters.push(format!("time >= to_timestamp_micros({s})"));
    }
    if let Some(u) = until {
        filters.push(format!("time < to_timestamp_micros({u})"));
    }
    if let Some(r) = &args.rule {
        filters.push(format!(
            "(rule_id = {q} OR lower(rule_title) LIKE lower({like}))",
            q = quote(r),
            like = quote(&format!("%{r}%"))
        ));
    }
    if let Some(e) = &args.entity {
        filters.push(format!("lower(entity) = lower({})", quote(e)));
    }
    if let Some(s) = &args.severity {
        let id = match s.as_str() {
            "informational" => 1,
            "low" => 2,
            "medium" => 3,
            "high" => 4,
            "critical" => 5,
            other => anyhow::bail!(
                "unknown severity {other:?}: give informational, low, medium, high or critical"
            ),
        };
        filters.push(format!("severity_id >= {id}"));
    }
    let wher = if filters.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", filters.join(" AND "))
    };
    let columns = match args.output {
        AlertFormat::Text => {
            "time, severity, rule_title AS rule, entity, explanation, cardinality(evidence) AS events"
        }
        AlertFormat::Json => "*",
        AlertFormat::Ocsf => "ocsf",
    };
    let sql = format!(
        "SELECT {columns} FROM alerts {wher} ORDER BY time DESC, alert_id LIMIT {}",
        args.limit
    );
    let batches = runtime()?.block_on(run_sql(&dir, &sql))?;
    match args.output {
        AlertFormat::Text => {
            let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
            if rows == 0 {
                println!("no alerts{}", if wher.is_empty() { "" } else { " match" });
            } else {
                println!("{}", render(&batches, OutputFormat::Table)?);
            }
        }
        AlertFormat::Json => print!("{}", render(&batches, OutputFormat::Json)?),
        AlertFormat::Ocsf => {
            for b in &batches {
                let col = b
                    .column(0)
                    .as_any()
                    .downcast_ref::<datafusion::arrow::array::StringArray>()
                    .ok_or_else(|| anyhow::anyhow!("the ocsf column is not text"))?;
                for v in col.iter().flatten() {
                    println!("{v}");
                }
            }
        }
    }
    Ok(())
}
