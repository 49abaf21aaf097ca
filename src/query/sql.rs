//! `qtrail sql`: the `events`, `quarantine` and `alerts` tables as DataFusion sees them.

use std::sync::Arc;

use anyhow::{Context, Result};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::prelude::{SessionConfig, SessionContext};

use super::days::DayPartitionsFromTime;
use crate::event::event_schema;
use crate::store::layout::DataDir;
use crate::store::quarantine::quarantine_schema;

/// How query results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// An aligned text table.
    Table,
    /// One JSON object per row.
    Json,
    /// CSV with a header row.
    Csv,
}

/// A DataFusion session with qtrail's tables registered.
pub async fn session(dir: &DataDir) -> Result<SessionContext> {
    let config = SessionConfig::new().with_information_schema(true);
    let state = datafusion::execution::SessionStateBuilder::new()
        .with_config(config)
        .with_default_features()
        .with_optimizer_rule(Arc::new(DayPartitionsFromTime))
        .build();
    let ctx = SessionContext::new_with_state(state);
    register(&ctx, "events", &dir.events_dir(), event_schema(), true).await?;
    register(
        &ctx,
        "quarantine",
        &dir.quarantine_dir(),
        quarantine_schema(),
        false,
    )
    .await?;
    let alerts = dir.alerts_dir();
    // Data directories from before detection have no alerts folder yet.
    std::fs::create_dir_all(&alerts).ok();
    register(
        &ctx,
        "alerts",
        &alerts,
        crate::alerts::store::alerts_schema(),
        false,
    )
    .await?;
    Ok(ctx)
}

async fn register(
    ctx: &SessionContext,
    name: &str,
    path: &std::path::Path,
    schema: SchemaRef,
    by_day: bool,
) -> Result<()> {
    let url = format!(
        "{}/",
        path.canonicalize()
            .with_context(|| format!("{} is missing", path.display()))?
            .display()
    );
    let url = ListingTableUrl::parse(&url)?;
    let mut options =
        ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension(".parquet");
    if by_day {
        // `dt` is the day partition: a `WHERE dt >= '2026-11-01'` reads only those folders.
        options = options.with_table_partition_cols(vec![("dt".to_string(), DataType::Utf8)]);
    }
    let config = ListingTableConfig::new(url)
        .with_listing_options(options)
        .with_schema(schema);
    ctx.register_table(name, Arc::new(ListingTable::try_new(config)?))?;
    Ok(())
}

/// Runs one SQL statement and collects the result.
pub async fn run(dir: &DataDir, sql: &str) -> Result<Vec<RecordBatch>> {
    let ctx = session(dir).await?;
    let df = ctx.sql(sql).await.map_err(|e| anyhow::anyhow!("SQL error: {e}\n(tables: events, quarantine, alerts; `SELECT * FROM information_schema.columns` lists columns)"))?;
    Ok(df.collect().await?)
}

/// Renders batches in the chosen format.
pub fn render(batches: &[RecordBatch], format: OutputFormat) -> Result<String> {
    use datafusion::arrow::util::pretty::pretty_format_batches;
    Ok(match format {
        OutputFormat::Table => pretty_format_batches(batches)?.to_string(),
        OutputFormat::Json => {
            let mut out = Vec::new();
            {
                let mut w = datafusion::arrow::json::LineDelimitedWriter::new(&mut out);
                for b in batches {
                    w.write(b)?;
                }
                w.finish()?;
            }
            String::from_utf8(out)?
        }
        OutputFormat::Csv => {
            let mut out = Vec::new();
            {
                let mut w = datafusion::arrow::csv::WriterBuilder::new()
                    .with_header(true)
                    .build(&mut out);
                for b in batches {
                    w.write(b)?;
                }
            }
            String::from_utf8(out)?
        }
    })
}
