//! Writing and reading whole Parquet files, atomically.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use datafusion::arrow::array::{Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::arrow::ProjectionMask;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::properties::{EnabledStatistics, WriterProperties};
use datafusion::parquet::schema::types::ColumnPath;

use super::layout::sync_dir;

/// Rows per row group: large enough for analytics, small enough to prune by time.
const ROW_GROUP_ROWS: usize = 128 * 1024;

/// Columns whose values are (nearly) unique per row, in any of the tables.
const UNIQUE_COLUMNS: [&str; 5] = ["event_id", "source_id", "request_id", "raw", "alert_id"];

/// Writes `batches` as one new Parquet file in `dir`: to a hidden temporary name,
/// synced, then renamed, so the file appears whole or not at all.
pub fn write_atomic(dir: &Path, schema: SchemaRef, batches: &[RecordBatch]) -> Result<PathBuf> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut suffix = [0u8; 6];
    getrandom::fill(&mut suffix).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let name = format!(
        "part-{}-{}.parquet",
        chrono::Utc::now().format("%Y%m%dT%H%M%S%.6f"),
        hex::encode(suffix)
    );
    let tmp = dir.join(format!(".{name}.tmp"));
    let path = dir.join(&name);
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(1).expect("zstd level 1 is valid"),
        ))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS));
    // Minimum and maximum per row group for every column, and per page only for
    // `time`, the one column event files are sorted by (so the only one whose pages
    // a query can skip); none for the raw record, whose bounds would be cut-off text.
    let props = props
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_column_statistics_enabled(ColumnPath::from("time"), EnabledStatistics::Page)
        .set_column_statistics_enabled(ColumnPath::from("raw"), EnabledStatistics::None)
        .set_column_statistics_enabled(ColumnPath::from("raw_text"), EnabledStatistics::None);
    // A value unique to each row gains nothing from a dictionary; trying one costs time.
    let props = UNIQUE_COLUMNS
        .iter()
        .fold(props, |p, c| {
            p.set_column_dictionary_enabled(ColumnPath::from(*c), false)
        })
        .build();
    let file = File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    let mut writer = ArrowWriter::try_new(file, schema, Some(props))?;
    for batch in batches {
        writer.write(batch)?;
    }
    let file = writer.into_inner()?;
    file.sync_all()?;
    drop(file);
    fs::rename(&tmp, &path)
        .with_context(|| format!("cannot rename {} into place", tmp.display()))?;
    sync_dir(dir)?;
    Ok(path)
}

/// Reads one string column of a Parquet file (for dedupe: the stored ids).
pub fn read_string_column(path: &Path, column: &str, mut each: impl FnMut(&str)) -> Result<()> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .with_context(|| format!("{} is not a readable Parquet file", path.display()))?;
    let idx = builder
        .schema()
        .index_of(column)
        .with_context(|| format!("{} has no column {column}", path.display()))?;
    let mask = ProjectionMask::roots(builder.parquet_schema(), [idx]);
    for batch in builder.with_projection(mask).build()? {
        let batch = batch?;
        let col = batch
            .column(0)
            .as_any()
            .downcast_ref::<StringArray>()
            .with_context(|| {
                format!(
                    "column {column} of {} is not a string column",
                    path.display()
                )
            })?;
        for i in 0..col.len() {
            if col.is_valid(i) {
                each(col.value(i));
            }
        }
    }
    Ok(())
}
