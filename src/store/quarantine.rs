//! The `quarantine` table: every record that could not be framed, parsed or
//! normalized, with why, where it came from and its original bytes (secrets
//! scrubbed). Nothing bad is dropped silently.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use datafusion::arrow::array::{
    ArrayRef, BinaryBuilder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::arrow::record_batch::RecordBatch;
use sha2::{Digest, Sha256};

use super::layout::{DataDir, parquet_files};
use super::parquet_file::{read_string_column, write_atomic};

/// The stage of the pipeline that rejected a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stage {
    /// Could not be cut out of the input as one JSON value.
    Framing,
    /// Not valid JSON (or not UTF-8).
    Parse,
    /// Valid JSON that no format recognises.
    Detect,
    /// Recognised, but a required field is missing or malformed.
    Normalize,
    /// Normalized, but fails a sanity check (an impossible timestamp).
    Validate,
}

impl Stage {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Framing => "framing",
            Stage::Parse => "parse",
            Stage::Detect => "detect",
            Stage::Normalize => "normalize",
            Stage::Validate => "validate",
        }
    }
}

/// One quarantined record.
#[derive(Debug, Clone, PartialEq)]
pub struct Quarantined {
    /// Input file (or `-` for stdin).
    pub input: String,
    /// Line where the record starts, from 1.
    pub line: u64,
    /// Byte offset where the record starts (in the decompressed stream).
    pub offset: u64,
    /// Which stage rejected it.
    pub stage: Stage,
    /// The format it was taken for, if any.
    pub format: Option<String>,
    /// Why, in words a user can act on.
    pub reason: String,
    /// Size of the original record in bytes (may exceed `raw` for oversized records).
    pub size: u64,
    /// The original bytes, with secrets replaced by fingerprints.
    pub raw: Vec<u8>,
}

impl Quarantined {
    /// Stable id: the same bad record at the same place is quarantined once.
    pub fn id(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.input.as_bytes());
        h.update([0]);
        h.update(self.offset.to_be_bytes());
        h.update(&self.raw);
        hex::encode(&h.finalize()[..16])
    }
}

/// The Arrow schema of the `quarantine` table.
pub fn quarantine_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            Arc::new(Schema::new(vec![
                Field::new("quarantine_id", DataType::Utf8, false),
                Field::new(
                    "quarantined_at",
                    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
                    false,
                ),
                Field::new("input", DataType::Utf8, false),
                Field::new("line", DataType::Int64, false),
                Field::new("byte_offset", DataType::Int64, false),
                Field::new("stage", DataType::Utf8, false),
                Field::new("format", DataType::Utf8, true),
                Field::new("reason", DataType::Utf8, false),
                Field::new("size", DataType::Int64, false),
                Field::new("raw", DataType::Binary, false),
                Field::new("raw_text", DataType::Utf8, false),
            ]))
        })
        .clone()
}

/// Buffers quarantined records and writes them as Parquet, once each.
pub struct QuarantineWriter {
    dir: DataDir,
    known: HashSet<String>,
    pending: Vec<(String, Quarantined)>,
    /// Roughly what `pending` holds, in bytes.
    pending_bytes: usize,
    at: DateTime<Utc>,
}

impl QuarantineWriter {
    /// A writer that knows what is already quarantined.
    pub fn new(dir: DataDir) -> Result<Self> {
        let mut known = HashSet::new();
        for f in parquet_files(&dir.quarantine_dir())? {
            read_string_column(&f, "quarantine_id", |id| {
                known.insert(id.to_string());
            })?;
        }
        Ok(QuarantineWriter {
            dir,
            known,
            pending: Vec::new(),
            pending_bytes: 0,
            at: Utc::now(),
        })
    }

    /// Buffers one record; false if it was already quarantined.
    pub fn push(&mut self, q: Quarantined) -> Result<bool> {
        let id = q.id();
        if !self.known.insert(id.clone()) {
            return Ok(false);
        }
        self.pending_bytes += q.raw.len() + q.reason.len() + 256;
        self.pending.push((id, q));
        // Bounded by bytes too: quarantined records may each be up to the record limit.
        if self.pending.len() >= 50_000 || self.pending_bytes >= 64 << 20 {
            self.flush()?;
        }
        Ok(true)
    }

    /// Writes what is buffered.
    pub fn flush(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let mut id = StringBuilder::new();
        let mut at = TimestampMicrosecondBuilder::new();
        let mut input = StringBuilder::new();
        let mut line = Int64Builder::new();
        let mut offset = Int64Builder::new();
        let mut stage = StringBuilder::new();
        let mut format = StringBuilder::new();
        let mut reason = StringBuilder::new();
        let mut size = Int64Builder::new();
        let mut raw = BinaryBuilder::new();
        let mut raw_text = StringBuilder::new();
        self.pending_bytes = 0;
        for (qid, q) in self.pending.drain(..) {
            id.append_value(&qid);
            at.append_value(self.at.timestamp_micros());
            input.append_value(&q.input);
            line.append_value(q.line as i64);
            offset.append_value(q.offset as i64);
            stage.append_value(q.stage.as_str());
            format.append_option(q.format.as_deref());
            reason.append_value(&q.reason);
            size.append_value(q.size as i64);
            raw.append_value(&q.raw);
            raw_text.append_value(String::from_utf8_lossy(&q.raw));
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(id.finish()),
            Arc::new(at.finish().with_timezone("UTC")),
            Arc::new(input.finish()),
            Arc::new(line.finish()),
            Arc::new(offset.finish()),
            Arc::new(stage.finish()),
            Arc::new(format.finish()),
            Arc::new(reason.finish()),
            Arc::new(size.finish()),
            Arc::new(raw.finish()),
            Arc::new(raw_text.finish()),
        ];
        let batch = RecordBatch::try_new(quarantine_schema(), columns)?;
        write_atomic(&self.dir.quarantine_dir(), quarantine_schema(), &[batch])
            .context("cannot write quarantine")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_quarantined_records_are_written_before_the_count_limit() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::open(tmp.path()).unwrap();
        let mut w = QuarantineWriter::new(dir.clone()).unwrap();
        let files = || parquet_files(&dir.quarantine_dir()).unwrap().len();
        for i in 0..70 {
            w.push(Quarantined {
                input: "big.jsonl".into(),
                line: i + 1,
                offset: i * (1 << 20),
                stage: Stage::Parse,
                format: None,
                reason: "malformed JSON".into(),
                size: 1 << 20,
                raw: vec![b'x'; 1 << 20],
            })
            .unwrap();
        }
        // 70 MiB buffered is past the 64 MiB budget: one file is already written,
        // far below the 50,000 records that would otherwise make one.
        assert_eq!(files(), 1);
        w.flush().unwrap();
        assert_eq!(files(), 2);
    }
}
