//! Forensic search: index hits resolved to full events from Parquet, and how
//! they are shown (a table, JSON lines, a timeline).

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use chrono::DateTime;
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::interleave_record_batch;
use datafusion::arrow::datatypes::{DataType, TimestampMicrosecondType};
use datafusion::parquet::arrow::ProjectionMask;
use datafusion::parquet::arrow::arrow_reader::{
    ArrowReaderOptions, ParquetRecordBatchReaderBuilder, RowSelection,
};
use datafusion::parquet::file::metadata::PageIndexPolicy;

use crate::event::event_schema;
use crate::store::index::Hit;
use crate::store::layout::DataDir;

/// Reads the events of `hits` from Parquet, in hit order, with the `columns` asked
/// for (all when `None`).
pub fn resolve(dir: &DataDir, hits: &[Hit], columns: Option<&[&str]>) -> Result<RecordBatch> {
    let schema = event_schema();
    let projected: Vec<usize> = match columns {
        Some(cols) => cols
            .iter()
            .map(|c| schema.index_of(c))
            .collect::<Result<_, _>>()?,
        None => (0..schema.fields().len()).collect(),
    };
    let out_schema = std::sync::Arc::new(schema.project(&projected)?);
    if hits.is_empty() {
        return Ok(RecordBatch::new_empty(out_schema));
    }
    // Group by file; read each file once, only the rows hit.
    let mut by_file: BTreeMap<&str, Vec<(u64, usize)>> = BTreeMap::new();
    for (i, h) in hits.iter().enumerate() {
        by_file.entry(&h.file).or_default().push((h.row, i));
    }
    let mut batches = Vec::new();
    let mut place = vec![(0usize, 0usize); hits.len()];
    for (file, mut rows) in by_file {
        rows.sort_unstable();
        let path = dir.events_dir().join(file);
        let f = std::fs::File::open(&path).with_context(|| {
            format!(
                "{} is in the search index but not on disk: run `qtrail reindex`",
                path.display()
            )
        })?;
        // The page index lets the reader skip whole pages outside the selection.
        let builder = ParquetRecordBatchReaderBuilder::try_new_with_options(
            f,
            ArrowReaderOptions::new().with_page_index_policy(PageIndexPolicy::Optional),
        )?;
        let total = builder.metadata().file_metadata().num_rows() as usize;
        let mut distinct: Vec<u64> = rows.iter().map(|(r, _)| *r).collect();
        distinct.dedup();
        if distinct.last().is_some_and(|&r| r as usize >= total) {
            bail!(
                "the search index points past the end of {}: run `qtrail reindex`",
                path.display()
            );
        }
        let ranges = distinct.iter().map(|&r| r as usize..r as usize + 1);
        let selection = RowSelection::from_consecutive_ranges(ranges, total);
        let file_schema = builder.schema().clone();
        let roots: Vec<usize> = out_schema
            .fields()
            .iter()
            .map(|f| file_schema.index_of(f.name()))
            .collect::<Result<_, _>>()?;
        let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
        let reader = builder
            .with_projection(mask)
            .with_row_selection(selection)
            .build()?;
        let mut read = Vec::new();
        for b in reader {
            read.push(b?);
        }
        let Some(first) = read.first() else {
            bail!(
                "{} returned no rows for the search hits: run `qtrail reindex`",
                path.display()
            );
        };
        let batch = datafusion::arrow::compute::concat_batches(&first.schema(), &read)?;
        // Columns may come back in file order; put them in the order asked for.
        let batch = batch.project(
            &out_schema
                .fields()
                .iter()
                .map(|f| batch.schema().index_of(f.name()))
                .collect::<Result<Vec<_>, _>>()?,
        )?;
        let b = batches.len();
        let mut k = 0;
        for (j, (row, hit)) in rows.iter().enumerate() {
            if j > 0 && rows[j - 1].0 != *row {
                k += 1;
            }
            place[*hit] = (b, k);
        }
        batches.push(batch);
    }
    let refs: Vec<&RecordBatch> = batches.iter().collect();
    Ok(interleave_record_batch(&refs, &place)?)
}

/// The columns a table or timeline line shows.
pub const LINE_COLUMNS: &[&str] = &[
    "time",
    "source",
    "class",
    "action",
    "outcome",
    "user",
    "src_ip",
    "src_country",
    "resource",
    "backend",
    "job_id",
    "reason",
];

/// One value of a row as text ("" for null).
fn cell(batch: &RecordBatch, name: &str, row: usize) -> String {
    let Some(col) = batch.column_by_name(name) else {
        return String::new();
    };
    if col.is_null(row) {
        return String::new();
    }
    match col.data_type() {
        DataType::Utf8 => col.as_string::<i32>().value(row).to_string(),
        DataType::Timestamp(_, _) => {
            let us = col.as_primitive::<TimestampMicrosecondType>().value(row);
            DateTime::from_timestamp_micros(us)
                .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
                .unwrap_or_default()
        }
        _ => datafusion::arrow::util::display::array_value_to_string(col, row).unwrap_or_default(),
    }
}

/// One line per event for a timeline: time, source, class/action, outcome, who,
/// from where, on what, why.
pub fn timeline_lines(batch: &RecordBatch) -> Vec<String> {
    (0..batch.num_rows())
        .map(|r| {
            let c = |n| cell(batch, n, r);
            let from = match (c("src_ip"), c("src_country")) {
                (ip, country) if ip.is_empty() && country.is_empty() => "-".to_string(),
                (ip, country) if country.is_empty() => ip,
                (ip, country) if ip.is_empty() => format!("({country})"),
                (ip, country) => format!("{ip} ({country})"),
            };
            let on = [c("resource"), c("backend"), c("job_id")]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            let mut line = format!(
                "{}  {:<14} {:<28} {:<8} {:<24} {:<26} {}",
                c("time"),
                c("source"),
                format!("{}/{}", c("class"), c("action")),
                c("outcome"),
                or_dash(c("user")),
                from,
                or_dash(on),
            );
            let reason = c("reason");
            if !reason.is_empty() {
                line.push_str(&format!("  reason: {}", one_line(&reason, 120)));
            }
            line.trim_end().to_string()
        })
        .collect()
}

fn or_dash(s: String) -> String {
    if s.is_empty() { "-".into() } else { s }
}

fn one_line(s: &str, max: usize) -> String {
    let flat: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() > max {
        flat.chars().take(max).collect::<String>() + "…"
    } else {
        flat
    }
}

/// The batch as JSON lines, one object per event.
pub fn json_lines(batch: &RecordBatch) -> Result<String> {
    let mut out = Vec::new();
    {
        let mut w = datafusion::arrow::json::LineDelimitedWriter::new(&mut out);
        w.write(batch)?;
        w.finish()?;
    }
    Ok(String::from_utf8(out)?)
}
