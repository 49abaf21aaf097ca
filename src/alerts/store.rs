//! The `alerts` table: one Parquet file per detection run, each alert stored once.

use std::collections::HashSet;
use std::sync::Arc;

use anyhow::{Context, Result};
use datafusion::arrow::array::{
    ArrayRef, ListBuilder, StringBuilder, TimestampMicrosecondBuilder, UInt32Builder,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::arrow::record_batch::RecordBatch;

use super::Alert;
use super::ocsf::detection_finding;
use crate::store::layout::{DataDir, parquet_files};
use crate::store::parquet_file::{read_string_column, write_atomic};

/// The Arrow schema of the `alerts` table (documented in schemas/tables.md).
pub fn alerts_schema() -> SchemaRef {
    let ts = || DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    let list = || DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)));
    Arc::new(Schema::new(vec![
        Field::new("alert_id", DataType::Utf8, false),
        Field::new("time", ts(), false),
        Field::new("rule_id", DataType::Utf8, false),
        Field::new("rule_title", DataType::Utf8, false),
        Field::new("rule_kind", DataType::Utf8, false),
        Field::new("severity", DataType::Utf8, false),
        Field::new("severity_id", DataType::UInt32, false),
        Field::new("tags", list(), false),
        Field::new("entity_fields", list(), false),
        Field::new("entity", DataType::Utf8, false),
        Field::new("first_seen", ts(), false),
        Field::new("last_seen", ts(), false),
        Field::new("explanation", DataType::Utf8, false),
        Field::new("evidence", list(), false),
        Field::new("source", DataType::Utf8, false),
        Field::new("user", DataType::Utf8, true),
        Field::new("src_ip", DataType::Utf8, true),
        Field::new("src_country", DataType::Utf8, true),
        Field::new("project", DataType::Utf8, true),
        Field::new("backend", DataType::Utf8, true),
        Field::new("ocsf", DataType::Utf8, false),
    ]))
}

fn batch(alerts: &[&Alert]) -> Result<RecordBatch> {
    let text = |f: &dyn Fn(&Alert) -> &str| -> ArrayRef {
        let mut b = StringBuilder::new();
        for a in alerts {
            b.append_value(f(a));
        }
        Arc::new(b.finish())
    };
    let opt = |f: &dyn Fn(&Alert) -> Option<&str>| -> ArrayRef {
        let mut b = StringBuilder::new();
        for a in alerts {
            b.append_option(f(a));
        }
        Arc::new(b.finish())
    };
    let time = |f: &dyn Fn(&Alert) -> chrono::DateTime<chrono::Utc>| -> ArrayRef {
        let mut b = TimestampMicrosecondBuilder::new();
        for a in alerts {
            b.append_value(f(a).timestamp_micros());
        }
        Arc::new(b.finish().with_timezone("UTC"))
    };
    let list = |f: &dyn Fn(&Alert) -> &[String]| -> ArrayRef {
        let mut b = ListBuilder::new(StringBuilder::new());
        for a in alerts {
            for v in f(a) {
                b.values().append_value(v);
            }
            b.append(true);
        }
        Arc::new(b.finish())
    };
    let mut sev = UInt32Builder::new();
    let mut ocsf = StringBuilder::new();
    for a in alerts {
        sev.append_value(a.severity_id.into());
        ocsf.append_value(detection_finding(a).to_string());
    }
    let columns: Vec<ArrayRef> = vec![
        text(&|a| &a.alert_id),
        time(&|a| a.time),
        text(&|a| &a.rule_id),
        text(&|a| &a.rule_title),
        text(&|a| &a.rule_kind),
        text(&|a| &a.severity),
        Arc::new(sev.finish()),
        list(&|a| &a.tags),
        list(&|a| &a.entity_fields),
        text(&|a| &a.entity),
        time(&|a| a.first_seen),
        time(&|a| a.last_seen),
        text(&|a| &a.explanation),
        list(&|a| &a.evidence),
        text(&|a| &a.source),
        opt(&|a| a.user.as_deref()),
        opt(&|a| a.src_ip.as_deref()),
        opt(&|a| a.src_country.as_deref()),
        opt(&|a| a.project.as_deref()),
        opt(&|a| a.backend.as_deref()),
        Arc::new(ocsf.finish()),
    ];
    Ok(RecordBatch::try_new(alerts_schema(), columns)?)
}

/// Ids of every stored alert.
pub fn stored_ids(dir: &DataDir) -> Result<HashSet<String>> {
    let mut ids = HashSet::new();
    for f in parquet_files(&dir.alerts_dir())? {
        read_string_column(&f, "alert_id", |id| {
            ids.insert(id.to_string());
        })?;
    }
    Ok(ids)
}

/// Stores the alerts not stored yet; returns how many were new.
pub fn append(dir: &DataDir, alerts: &[Alert]) -> Result<usize> {
    if alerts.is_empty() {
        return Ok(0);
    }
    let known = stored_ids(dir)?;
    let mut seen = HashSet::new();
    let fresh: Vec<&Alert> = alerts
        .iter()
        .filter(|a| !known.contains(&a.alert_id) && seen.insert(a.alert_id.clone()))
        .collect();
    if fresh.is_empty() {
        return Ok(0);
    }
    let b = batch(&fresh)?;
    write_atomic(&dir.alerts_dir(), alerts_schema(), &[b]).context("cannot write the alerts")?;
    Ok(fresh.len())
}
