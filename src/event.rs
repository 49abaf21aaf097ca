//! The normalized event: one flat record, defined once here.
//!
//! The `event_fields!` table below is the single definition. It generates the
//! Rust struct, the Arrow schema, the column builders that turn events into a
//! `RecordBatch`, and the field documentation that `schemas/` is checked against.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use datafusion::arrow::array::{
    ArrayBuilder, ArrayRef, BooleanBuilder, Float64Builder, Int64Builder, ListBuilder,
    StringBuilder, TimestampMicrosecondBuilder, UInt32Builder,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::record_batch::RecordBatch;

use crate::vocab::{Class, Client, Hardware, JobStatus, Outcome, Source, UserKind, Vocabulary};

/// What one column holds, as a JSON-Schema type and an Arrow type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// Non-null UTF-8 string.
    Text,
    /// Nullable UTF-8 string.
    OptText,
    /// Non-null UTC timestamp, microseconds.
    Time,
    /// Nullable 64-bit integer.
    OptInt,
    /// Nullable unsigned 32-bit integer.
    OptU32,
    /// Nullable 64-bit float.
    OptFloat,
    /// Nullable boolean.
    OptBool,
    /// List of strings (never null, possibly empty).
    TextList,
    /// One value of a closed vocabulary, stored as a string; never null.
    Enum(&'static [&'static str]),
    /// One value of a closed vocabulary, stored as a string; null when not applicable.
    OptEnum(&'static [&'static str]),
}

impl ColumnKind {
    /// The Arrow type the column is stored as.
    pub fn data_type(self) -> DataType {
        match self {
            ColumnKind::Text
            | ColumnKind::OptText
            | ColumnKind::Enum(_)
            | ColumnKind::OptEnum(_) => DataType::Utf8,
            ColumnKind::Time => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            ColumnKind::OptInt => DataType::Int64,
            ColumnKind::OptU32 => DataType::UInt32,
            ColumnKind::OptFloat => DataType::Float64,
            ColumnKind::OptBool => DataType::Boolean,
            ColumnKind::TextList => {
                DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)))
            }
        }
    }

    /// Whether the column may hold nulls.
    pub fn nullable(self) -> bool {
        !matches!(
            self,
            ColumnKind::Text | ColumnKind::Time | ColumnKind::TextList | ColumnKind::Enum(_)
        )
    }
}

/// The documentation of one field of the normalized event.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    /// Column name, snake_case, usable unquoted in SQL and search queries.
    pub name: &'static str,
    /// Type of the column.
    pub kind: ColumnKind,
    /// What the field means.
    pub doc: &'static str,
    /// The OCSF attribute it maps to on export.
    pub ocsf: &'static str,
}

/// A Rust field type that knows its column kind and how to append itself to a builder.
pub trait ColumnValue {
    /// The Arrow builder that collects values of this type.
    type Builder: ArrayBuilder + Default;
    /// Column kind of this Rust type.
    const KIND: ColumnKind;
    /// Appends one value.
    fn append(&self, builder: &mut Self::Builder);
}

impl ColumnValue for String {
    type Builder = StringBuilder;
    const KIND: ColumnKind = ColumnKind::Text;
    fn append(&self, b: &mut StringBuilder) {
        b.append_value(self);
    }
}

impl ColumnValue for Option<String> {
    type Builder = StringBuilder;
    const KIND: ColumnKind = ColumnKind::OptText;
    fn append(&self, b: &mut StringBuilder) {
        b.append_option(self.as_deref());
    }
}

impl ColumnValue for DateTime<Utc> {
    type Builder = TimestampMicrosecondBuilder;
    const KIND: ColumnKind = ColumnKind::Time;
    fn append(&self, b: &mut TimestampMicrosecondBuilder) {
        b.append_value(self.timestamp_micros());
    }
}

impl ColumnValue for Option<i64> {
    type Builder = Int64Builder;
    const KIND: ColumnKind = ColumnKind::OptInt;
    fn append(&self, b: &mut Int64Builder) {
        b.append_option(*self);
    }
}

impl ColumnValue for Option<u32> {
    type Builder = UInt32Builder;
    const KIND: ColumnKind = ColumnKind::OptU32;
    fn append(&self, b: &mut UInt32Builder) {
        b.append_option(*self);
    }
}

impl ColumnValue for Option<f64> {
    type Builder = Float64Builder;
    const KIND: ColumnKind = ColumnKind::OptFloat;
    fn append(&self, b: &mut Float64Builder) {
        b.append_option(*self);
    }
}

impl ColumnValue for Option<bool> {
    type Builder = BooleanBuilder;
    const KIND: ColumnKind = ColumnKind::OptBool;
    fn append(&self, b: &mut BooleanBuilder) {
        b.append_option(*self);
    }
}

impl ColumnValue for Vec<String> {
    type Builder = ListBuilder<StringBuilder>;
    const KIND: ColumnKind = ColumnKind::TextList;
    fn append(&self, b: &mut ListBuilder<StringBuilder>) {
        for v in self {
            b.values().append_value(v);
        }
        b.append(true);
    }
}

impl<T: Vocabulary> ColumnValue for T {
    type Builder = StringBuilder;
    const KIND: ColumnKind = ColumnKind::Enum(T::ALL);
    fn append(&self, b: &mut StringBuilder) {
        b.append_value(self.as_str());
    }
}

impl<T: Vocabulary> ColumnValue for Option<T> {
    type Builder = StringBuilder;
    const KIND: ColumnKind = ColumnKind::OptEnum(T::ALL);
    fn append(&self, b: &mut StringBuilder) {
        b.append_option(self.as_ref().map(|v| v.as_str()));
    }
}

macro_rules! event_fields {
    ($( #[doc = $doc:literal] #[ocsf = $ocsf:literal] $name:ident : $ty:ty ),* $(,)?) => {
        /// One audit event in qtrail's normalized form. Field docs: `schemas/event.md`.
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct NormalizedEvent {
            $( #[doc = $doc] pub $name: $ty, )*
        }

        /// Every field of [`NormalizedEvent`], in column order.
        pub const FIELDS: &[FieldSpec] = &[
            $( FieldSpec { name: stringify!($name), kind: <$ty as ColumnValue>::KIND, doc: $doc, ocsf: $ocsf }, )*
        ];

        /// Collects events column by column into Arrow arrays.
        #[derive(Default)]
        #[allow(non_snake_case)]
        pub struct EventBatchBuilder {
            rows: usize,
            $( $name: <$ty as ColumnValue>::Builder, )*
        }

        impl EventBatchBuilder {
            /// Appends one event as a row.
            pub fn push(&mut self, event: &NormalizedEvent) {
                self.rows += 1;
                $( event.$name.append(&mut self.$name); )*
            }

            /// Builds the batch and leaves the builder empty for reuse.
            pub fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
                self.rows = 0;
                let columns: Vec<ArrayRef> = vec![ $( {
                    let array: ArrayRef = ArrayBuilder::finish(&mut self.$name);
                    // The Arrow builders produce a timestamp without a zone; stamp UTC on it.
                    crate::event::with_column_type(array, <$ty as ColumnValue>::KIND)
                }, )* ];
                RecordBatch::try_new(event_schema(), columns)
            }
        }
    };
}

event_fields! {
    #[doc = "Stable id: hash of source and native id (or of the record when it has none), so replays dedupe."]
    #[ocsf = "metadata.uid"]
    event_id: String,
    #[doc = "When the event happened, UTC."]
    #[ocsf = "time"]
    time: DateTime<Utc>,
    #[doc = "When qtrail ingested it, UTC."]
    #[ocsf = "metadata.logged_time"]
    ingested_at: DateTime<Utc>,
    #[doc = "Which kind of log the record came from."]
    #[ocsf = "metadata.product.name"]
    source: Source,
    #[doc = "The record's own id in its source (Okta uuid, CloudTrail eventID, Vault request id, ...)."]
    #[ocsf = "metadata.original_uid"]
    source_id: Option<String>,
    #[doc = "What kind of activity this is."]
    #[ocsf = "class_uid (authentication 3002, role_change/account 3001, others 6003)"]
    class: Class,
    #[doc = "Normalized verb: login, logout, mfa, read, list, write, delete, submit, cancel, issue, revoke, assign, ..."]
    #[ocsf = "activity_name"]
    action: String,
    #[doc = "The source's own name for the operation (eventType, eventName, methodName, Vault path operation)."]
    #[ocsf = "api.operation"]
    operation: Option<String>,
    #[doc = "Whether it worked."]
    #[ocsf = "status_id / status"]
    outcome: Outcome,
    #[doc = "Why it failed (error code and message), or other outcome detail."]
    #[ocsf = "status_detail"]
    reason: Option<String>,
    #[doc = "Human-readable summary of the event as the source words it."]
    #[ocsf = "message"]
    message: Option<String>,
    #[doc = "The acting principal: login name, e-mail, ARN or service principal."]
    #[ocsf = "actor.user.name"]
    user: Option<String>,
    #[doc = "The acting principal's stable id in its directory."]
    #[ocsf = "actor.user.uid"]
    user_id: Option<String>,
    #[doc = "Whether the actor is a person or a machine identity."]
    #[ocsf = "actor.user.type"]
    user_kind: UserKind,
    #[doc = "The credential used: a keyed fingerprint (qfp:...) or a non-secret native id (AWS access key id, Vault HMAC'd accessor)."]
    #[ocsf = "actor.session.credential_uid"]
    token_id: Option<String>,
    #[doc = "Login session, or the provider's job session for quantum jobs."]
    #[ocsf = "actor.session.uid"]
    session_id: Option<String>,
    #[doc = "Roles, groups or policies the actor acted with."]
    #[ocsf = "actor.user.groups"]
    roles: Vec<String>,
    #[doc = "Whether multi-factor authentication was used, when the source says."]
    #[ocsf = "is_mfa"]
    mfa: Option<bool>,
    #[doc = "The user acted upon (role granted to, account created, password reset)."]
    #[ocsf = "user.name"]
    target_user: Option<String>,
    #[doc = "The role, group or privilege granted or removed."]
    #[ocsf = "privileges"]
    target_role: Option<String>,
    #[doc = "Source IP address of the request."]
    #[ocsf = "src_endpoint.ip"]
    src_ip: Option<String>,
    #[doc = "ISO country code (or name, as the source gives it) of the source IP."]
    #[ocsf = "src_endpoint.location.country"]
    src_country: Option<String>,
    #[doc = "City of the source IP."]
    #[ocsf = "src_endpoint.location.city"]
    src_city: Option<String>,
    #[doc = "Autonomous system number of the source IP."]
    #[ocsf = "src_endpoint.autonomous_system.number"]
    src_asn: Option<u32>,
    #[doc = "Latitude of the source IP."]
    #[ocsf = "src_endpoint.location.lat"]
    src_lat: Option<f64>,
    #[doc = "Longitude of the source IP."]
    #[ocsf = "src_endpoint.location.long"]
    src_lon: Option<f64>,
    #[doc = "Raw user-agent string."]
    #[ocsf = "http_request.user_agent"]
    user_agent: Option<String>,
    #[doc = "Kind of client: notebook, cli, sdk, pipeline, console, browser, service, unknown."]
    #[ocsf = "src_endpoint.type"]
    client: Client,
    #[doc = "The API service called (CloudTrail eventSource, GCP serviceName, Azure resource provider)."]
    #[ocsf = "api.service.name"]
    service: Option<String>,
    #[doc = "Quantum hardware vendor for jobs (ionq, quantinuum, rigetti, ibm, ...)."]
    #[ocsf = "cloud.provider"]
    provider: Option<String>,
    #[doc = "Tenancy unit: AWS account, GCP project, Azure subscription or workspace, IBM instance."]
    #[ocsf = "cloud.account.uid"]
    project: Option<String>,
    #[doc = "Directory or organisation: Entra tenant, Okta org, AWS organisation."]
    #[ocsf = "cloud.org.uid"]
    tenant: Option<String>,
    #[doc = "Cloud region or location."]
    #[ocsf = "cloud.region"]
    region: Option<String>,
    #[doc = "The object acted on: secret name or ARN, Vault path, key vault URI, job ARN."]
    #[ocsf = "resources[0].uid"]
    resource: Option<String>,
    #[doc = "Quantum backend or device (ionq.qpu.aria-1, ibm_brisbane, a Braket device ARN)."]
    #[ocsf = "resources[type=device].name"]
    backend: Option<String>,
    #[doc = "Real quantum hardware or a simulator; null for events that are not about a backend."]
    #[ocsf = "resources[type=device].type"]
    hardware: Option<Hardware>,
    #[doc = "Provider's job or task id."]
    #[ocsf = "resources[type=job].uid"]
    job_id: Option<String>,
    #[doc = "Job lifecycle state the record reports."]
    #[ocsf = "resources[type=job].status"]
    job_status: Option<JobStatus>,
    #[doc = "Shots requested."]
    #[ocsf = "unmapped.shots"]
    shots: Option<i64>,
    #[doc = "Time spent executing on the backend, seconds."]
    #[ocsf = "unmapped.qpu_seconds"]
    qpu_seconds: Option<f64>,
    #[doc = "Time between submission and start of execution, seconds."]
    #[ocsf = "unmapped.queue_seconds"]
    queue_seconds: Option<f64>,
    #[doc = "Cost billed or estimated, in `currency`."]
    #[ocsf = "unmapped.cost"]
    cost: Option<f64>,
    #[doc = "ISO currency code of `cost`."]
    #[ocsf = "unmapped.currency"]
    currency: Option<String>,
    #[doc = "Request id for correlation (CloudTrail requestID, Vault request id)."]
    #[ocsf = "api.request.uid"]
    request_id: Option<String>,
    #[doc = "The original record, byte for byte; re-serialized only when a secret had to be replaced by its fingerprint."]
    #[ocsf = "raw_data"]
    raw: String,
}

/// Re-types an array built by a plain builder into the column's declared Arrow type.
pub(crate) fn with_column_type(array: ArrayRef, kind: ColumnKind) -> ArrayRef {
    match kind {
        ColumnKind::Time => {
            let ts = array
                .as_any()
                .downcast_ref::<datafusion::arrow::array::TimestampMicrosecondArray>()
                .expect("time columns are built as microsecond timestamps")
                .clone()
                .with_timezone("UTC");
            Arc::new(ts)
        }
        _ => array,
    }
}

/// The Arrow schema of the `events` table, derived from [`FIELDS`].
pub fn event_schema() -> SchemaRef {
    static SCHEMA: std::sync::OnceLock<SchemaRef> = std::sync::OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            Arc::new(Schema::new(
                FIELDS
                    .iter()
                    .map(|f| Field::new(f.name, f.kind.data_type(), f.kind.nullable()))
                    .collect::<Vec<_>>(),
            ))
        })
        .clone()
}

impl NormalizedEvent {
    /// A new event of `source` at `time`; everything else starts empty or unknown.
    pub fn new(source: Source, time: DateTime<Utc>, class: Class, action: &str) -> Self {
        NormalizedEvent {
            source,
            time,
            class,
            action: action.to_string(),
            ..Default::default()
        }
    }

    /// The day partition (`YYYY-MM-DD`) the event is stored under.
    pub fn day(&self) -> String {
        self.time.format("%Y-%m-%d").to_string()
    }
}

/// A JSON Schema (draft 2020-12) of the normalized event, generated from [`FIELDS`].
pub fn json_schema() -> serde_json::Value {
    use serde_json::{Map, Value, json};
    let mut props = Map::new();
    let mut required = Vec::new();
    for f in FIELDS {
        let mut p = match f.kind {
            ColumnKind::Text => json!({"type": "string"}),
            ColumnKind::OptText => json!({"type": ["string", "null"]}),
            ColumnKind::Time => json!({"type": "string", "format": "date-time"}),
            ColumnKind::OptInt => json!({"type": ["integer", "null"]}),
            ColumnKind::OptU32 => {
                json!({"type": ["integer", "null"], "minimum": 0, "maximum": u32::MAX})
            }
            ColumnKind::OptFloat => json!({"type": ["number", "null"]}),
            ColumnKind::OptBool => json!({"type": ["boolean", "null"]}),
            ColumnKind::TextList => json!({"type": "array", "items": {"type": "string"}}),
            ColumnKind::Enum(values) => json!({"type": "string", "enum": values}),
            ColumnKind::OptEnum(values) => {
                let mut v: Vec<Value> = values.iter().map(|s| json!(s)).collect();
                v.push(Value::Null);
                json!({"enum": v})
            }
        };
        p["description"] = json!(f.doc);
        p["x-ocsf"] = json!(f.ocsf);
        if !f.kind.nullable() {
            required.push(json!(f.name));
        }
        props.insert(f.name.to_string(), p);
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://qtrail.dev/schemas/event.schema.json",
        "title": "qtrail normalized event",
        "description": "One audit event from any source, flat, as stored in the `events` Parquet table. Generated from src/event.rs by `qtrail schema`.",
        "type": "object",
        "additionalProperties": false,
        "required": required,
        "properties": props,
    })
}

/// The Markdown table of every field, as `schemas/event.md` embeds it.
pub fn markdown_table() -> String {
    let mut out = String::from("| field | type | meaning | OCSF |\n|---|---|---|---|\n");
    for f in FIELDS {
        let ty = match f.kind {
            ColumnKind::Enum(v) => format!("enum: {}", v.join(", ")),
            ColumnKind::OptEnum(v) => format!("enum or null: {}", v.join(", ")),
            k => {
                format!("{:?}", k.data_type()).to_lowercase()
                    + if k.nullable() { ", null" } else { "" }
            }
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | `{}` |\n",
            f.name, ty, f.doc, f.ocsf
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema_file(name: &str) -> String {
        std::fs::read_to_string(format!("{}/schemas/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    #[test]
    fn committed_json_schema_matches_the_definition() {
        let committed: serde_json::Value =
            serde_json::from_str(&schema_file("event.schema.json")).unwrap();
        assert_eq!(
            committed,
            json_schema(),
            "schemas/event.schema.json is stale: run `qtrail schema > schemas/event.schema.json`"
        );
    }

    #[test]
    fn field_page_documents_every_field() {
        let page = schema_file("event.md");
        assert!(
            page.contains(&markdown_table()),
            "schemas/event.md is stale: paste `qtrail schema --fields` into it"
        );
    }

    #[test]
    fn batch_columns_follow_the_schema() {
        let mut b = EventBatchBuilder::default();
        let mut e = NormalizedEvent::new(Source::Vault, Utc::now(), Class::SecretAccess, "read");
        e.roles = vec!["default".into(), "qpu".into()];
        e.hardware = Some(Hardware::Qpu);
        b.push(&e);
        b.push(&NormalizedEvent::default());
        let batch = b.finish().unwrap();
        assert_eq!(batch.num_rows(), 2);
        assert_eq!(batch.schema(), event_schema());
        let source = batch
            .column_by_name("source")
            .unwrap()
            .as_any()
            .downcast_ref::<datafusion::arrow::array::StringArray>()
            .unwrap();
        assert_eq!(source.value(0), "vault");
        let hw = batch.column_by_name("hardware").unwrap();
        assert!(hw.is_null(1));
    }
}
