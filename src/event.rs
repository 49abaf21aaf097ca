//! The normalized event: one flat record, defined once here.
//!
//! The `event_fields!` table below is the single definition. It generates the
//! Rust struct, the Arrow schema, the column builders that turn events into a
//! `RecordBatch`, and the field documentation that `schemas/` is checked against.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use datafusion::arrow::array::{
    Array, ArrayBuilder, ArrayRef, BooleanArray, BooleanBuilder, Float64Array, Float64Builder,
    Int64Array, Int64Builder, ListArray, ListBuilder, StringArray, StringBuilder,
    TimestampMicrosecondArray, TimestampMicrosecondBuilder, UInt32Array, UInt32Builder,
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
    /// A builder with room for `rows` values and `text` bytes of text in all.
    fn builder(rows: usize, text: usize) -> Self::Builder;
    /// Bytes of text this value adds to its column (to size the builder).
    fn text_len(&self) -> usize {
        0
    }
    /// The value as rules see it.
    fn view(&self) -> FieldValue<'_>;
    /// Reads a whole stored column back (a missing value becomes the type's default).
    fn read_column(array: &dyn Array) -> Result<Vec<Self>, ArrowError>
    where
        Self: Sized;
}

/// One field's value, borrowed from an event, as rules and alerts read it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldValue<'a> {
    /// Absent.
    Null,
    /// Text (also vocabulary values, in their stored form).
    Text(&'a str),
    /// Whole number.
    Int(i64),
    /// Number with a fraction.
    Float(f64),
    /// Yes or no.
    Bool(bool),
    /// A list of texts.
    List(&'a [String]),
    /// A point in time.
    Time(DateTime<Utc>),
}

impl FieldValue<'_> {
    /// The value as text, as alerts and group keys show it; `None` when absent or empty.
    pub fn to_text(&self) -> Option<String> {
        match self {
            FieldValue::Null => None,
            FieldValue::Text(s) => (!s.is_empty()).then(|| s.to_string()),
            FieldValue::Int(i) => Some(i.to_string()),
            FieldValue::Float(f) => Some(f.to_string()),
            FieldValue::Bool(b) => Some(b.to_string()),
            FieldValue::List(l) => (!l.is_empty()).then(|| l.join(",")),
            FieldValue::Time(t) => Some(t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
        }
    }

    /// The value as a number, when it is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            FieldValue::Int(i) => Some(*i as f64),
            FieldValue::Float(f) => Some(*f),
            FieldValue::Text(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

fn column<'a, T: 'static>(array: &'a dyn Array, want: &str) -> Result<&'a T, ArrowError> {
    array.as_any().downcast_ref::<T>().ok_or_else(|| {
        ArrowError::SchemaError(format!(
            "stored column has type {}, expected {want}",
            array.data_type()
        ))
    })
}

fn read_strings(array: &dyn Array) -> Result<Vec<Option<String>>, ArrowError> {
    let a = column::<StringArray>(array, "utf8")?;
    Ok(a.iter().map(|v| v.map(str::to_string)).collect())
}

impl ColumnValue for String {
    type Builder = StringBuilder;
    const KIND: ColumnKind = ColumnKind::Text;
    fn append(&self, b: &mut StringBuilder) {
        b.append_value(self);
    }
    fn builder(rows: usize, text: usize) -> StringBuilder {
        StringBuilder::with_capacity(rows, text)
    }
    fn text_len(&self) -> usize {
        self.len()
    }
    fn view(&self) -> FieldValue<'_> {
        FieldValue::Text(self)
    }
    fn read_column(array: &dyn Array) -> Result<Vec<Self>, ArrowError> {
        Ok(read_strings(array)?
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect())
    }
}

impl ColumnValue for Option<String> {
    type Builder = StringBuilder;
    const KIND: ColumnKind = ColumnKind::OptText;
    fn append(&self, b: &mut StringBuilder) {
        b.append_option(self.as_deref());
    }
    fn builder(rows: usize, text: usize) -> StringBuilder {
        StringBuilder::with_capacity(rows, text)
    }
    fn text_len(&self) -> usize {
        self.as_ref().map_or(0, String::len)
    }
    fn view(&self) -> FieldValue<'_> {
        self.as_deref().map_or(FieldValue::Null, FieldValue::Text)
    }
    fn read_column(array: &dyn Array) -> Result<Vec<Self>, ArrowError> {
        read_strings(array)
    }
}

impl ColumnValue for DateTime<Utc> {
    type Builder = TimestampMicrosecondBuilder;
    const KIND: ColumnKind = ColumnKind::Time;
    fn append(&self, b: &mut TimestampMicrosecondBuilder) {
        b.append_value(self.timestamp_micros());
    }
    fn builder(rows: usize, _: usize) -> TimestampMicrosecondBuilder {
        TimestampMicrosecondBuilder::with_capacity(rows)
    }
    fn view(&self) -> FieldValue<'_> {
        FieldValue::Time(*self)
    }
    fn read_column(array: &dyn Array) -> Result<Vec<Self>, ArrowError> {
        let a = column::<TimestampMicrosecondArray>(array, "timestamp(us)")?;
        Ok(a.iter()
            .map(|v| {
                v.and_then(DateTime::from_timestamp_micros)
                    .unwrap_or_default()
            })
            .collect())
    }
}

impl ColumnValue for Option<i64> {
    type Builder = Int64Builder;
    const KIND: ColumnKind = ColumnKind::OptInt;
    fn append(&self, b: &mut Int64Builder) {
        b.append_option(*self);
    }
    fn builder(rows: usize, _: usize) -> Int64Builder {
        Int64Builder::with_capacity(rows)
    }
    fn view(&self) -> FieldValue<'_> {
        self.map_or(FieldValue::Null, FieldValue::Int)
    }
    fn read_column(array: &dyn Array) -> Result<Vec<Self>, ArrowError> {
        Ok(column::<Int64Array>(array, "int64")?.iter().collect())
    }
}

impl ColumnValue for Option<u32> {
    type Builder = UInt32Builder;
    const KIND: ColumnKind = ColumnKind::OptU32;
    fn append(&self, b: &mut UInt32Builder) {
        b.append_option(*self);
    }
    fn builder(rows: usize, _: usize) -> UInt32Builder {
        UInt32Builder::with_capacity(rows)
    }
    fn view(&self) -> FieldValue<'_> {
        self.map_or(FieldValue::Null, |v| FieldValue::Int(v.into()))
    }
    fn read_column(array: &dyn Array) -> Result<Vec<Self>, ArrowError> {
        Ok(column::<UInt32Array>(array, "uint32")?.iter().collect())
    }
}

impl ColumnValue for Option<f64> {
    type Builder = Float64Builder;
    const KIND: ColumnKind = ColumnKind::OptFloat;
    fn append(&self, b: &mut Float64Builder) {
        b.append_option(*self);
    }
    fn builder(rows: usize, _: usize) -> Float64Builder {
        Float64Builder::with_capacity(rows)
    }
    fn view(&self) -> FieldValue<'_> {
        self.map_or(FieldValue::Null, FieldValue::Float)
    }
    fn read_column(array: &dyn Array) -> Result<Vec<Self>, ArrowError> {
        Ok(column::<Float64Array>(array, "float64")?.iter().collect())
    }
}

impl ColumnValue for Option<bool> {
    type Builder = BooleanBuilder;
    const KIND: ColumnKind = ColumnKind::OptBool;
    fn append(&self, b: &mut BooleanBuilder) {
        b.append_option(*self);
    }
    fn builder(rows: usize, _: usize) -> BooleanBuilder {
        BooleanBuilder::with_capacity(rows)
    }
    fn view(&self) -> FieldValue<'_> {
        self.map_or(FieldValue::Null, FieldValue::Bool)
    }
    fn read_column(array: &dyn Array) -> Result<Vec<Self>, ArrowError> {
        Ok(column::<BooleanArray>(array, "boolean")?.iter().collect())
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
    fn builder(rows: usize, text: usize) -> ListBuilder<StringBuilder> {
        ListBuilder::with_capacity(StringBuilder::with_capacity(rows, text), rows)
    }
    fn text_len(&self) -> usize {
        self.iter().map(String::len).sum()
    }
    fn view(&self) -> FieldValue<'_> {
        FieldValue::List(self)
    }
    fn read_column(array: &dyn Array) -> Result<Vec<Self>, ArrowError> {
        let a = column::<ListArray>(array, "list<utf8>")?;
        let mut out = Vec::with_capacity(a.len());
        for i in 0..a.len() {
            if a.is_null(i) {
                out.push(Vec::new());
                continue;
            }
            let values = a.value(i);
            let strings = read_strings(values.as_ref())?;
            out.push(strings.into_iter().flatten().collect());
        }
        Ok(out)
    }
}

impl<T: Vocabulary + Default> ColumnValue for T {
    type Builder = StringBuilder;
    const KIND: ColumnKind = ColumnKind::Enum(T::ALL);
    fn append(&self, b: &mut StringBuilder) {
        b.append_value(self.as_str());
    }
    fn builder(rows: usize, text: usize) -> StringBuilder {
        StringBuilder::with_capacity(rows, text)
    }
    fn text_len(&self) -> usize {
        self.as_str().len()
    }
    fn view(&self) -> FieldValue<'_> {
        FieldValue::Text(self.as_str())
    }
    fn read_column(array: &dyn Array) -> Result<Vec<Self>, ArrowError> {
        Ok(read_strings(array)?
            .into_iter()
            .map(|v| v.and_then(|s| T::parse(&s)).unwrap_or_default())
            .collect())
    }
}

impl<T: Vocabulary> ColumnValue for Option<T> {
    type Builder = StringBuilder;
    const KIND: ColumnKind = ColumnKind::OptEnum(T::ALL);
    fn append(&self, b: &mut StringBuilder) {
        b.append_option(self.as_ref().map(|v| v.as_str()));
    }
    fn builder(rows: usize, text: usize) -> StringBuilder {
        StringBuilder::with_capacity(rows, text)
    }
    fn text_len(&self) -> usize {
        self.as_ref().map_or(0, |v| v.as_str().len())
    }
    fn view(&self) -> FieldValue<'_> {
        self.as_ref()
            .map_or(FieldValue::Null, |v| FieldValue::Text(v.as_str()))
    }
    fn read_column(array: &dyn Array) -> Result<Vec<Self>, ArrowError> {
        Ok(read_strings(array)?
            .into_iter()
            .map(|v| v.and_then(|s| T::parse(&s)))
            .collect())
    }
}

macro_rules! event_fields {
    ($( #[doc = $doc:literal] #[ocsf = $ocsf:literal] $name:ident : $ty:ty ),* $(,)?) => {
        /// One audit event in qtrail's normalized form. Field docs: `schemas/event.md`.
        #[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct NormalizedEvent {
            $( #[doc = $doc] pub $name: $ty, )*
        }

        /// Names a field of [`NormalizedEvent`], so rules look fields up without comparing strings.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[allow(non_camel_case_types)]
        pub enum FieldId {
            $( #[doc = $doc] $name, )*
        }

        impl FieldId {
            /// Every field, in column order.
            pub const ALL: &[FieldId] = &[ $( FieldId::$name, )* ];

            /// The field of that column name.
            pub fn from_name(name: &str) -> Option<FieldId> {
                match name {
                    $( stringify!($name) => Some(FieldId::$name), )*
                    _ => None,
                }
            }

            /// The column name.
            pub fn name(self) -> &'static str {
                match self {
                    $( FieldId::$name => stringify!($name), )*
                }
            }
        }

        impl NormalizedEvent {
            /// One field's value.
            pub fn get(&self, field: FieldId) -> FieldValue<'_> {
                match field {
                    $( FieldId::$name => self.$name.view(), )*
                }
            }
        }

        /// Turns stored rows back into events; columns missing from the batch stay empty.
        pub fn events_from_batch(batch: &RecordBatch) -> Result<Vec<NormalizedEvent>, ArrowError> {
            let mut out: Vec<NormalizedEvent> =
                (0..batch.num_rows()).map(|_| NormalizedEvent::default()).collect();
            $(
                if let Some(col) = batch.column_by_name(stringify!($name)) {
                    let values = <$ty as ColumnValue>::read_column(col.as_ref())
                        .map_err(|e| ArrowError::SchemaError(format!("column {}: {e}", stringify!($name))))?;
                    for (event, v) in out.iter_mut().zip(values) {
                        event.$name = v;
                    }
                }
            )*
            Ok(out)
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
            /// A builder with room for exactly these events: no column grows (and
            /// copies itself) while it fills.
            #[allow(non_snake_case)]
            pub fn sized_for<'a>(events: impl Iterator<Item = &'a NormalizedEvent>) -> Self {
                let mut rows = 0;
                $( let mut $name = 0usize; )*
                for e in events {
                    rows += 1;
                    $( $name += e.$name.text_len(); )*
                }
                EventBatchBuilder {
                    rows: 0,
                    $( $name: <$ty as ColumnValue>::builder(rows, $name), )*
                }
            }

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
    #[doc = "Normalized verb: login, logout, mfa, read, get (metadata, no secret value), list, write, delete, submit, cancel, issue, revoke, assign, unassign, request (a role asked for, not granted), renew (a token refreshed, no credential presented), password (a password step logged beside its sign-in), access (an app refused to a signed-in user), mfa_enable / mfa_disable / mfa_reset (factor management), ..."]
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
    #[doc = "The credential used: a keyed fingerprint (qfp:...) or a non-secret native id (AWS access key id, Vault HMAC'd accessor). On a token revoke, the credential revoked (null when the source does not name it)."]
    #[ocsf = "actor.session.credential_uid"]
    token_id: Option<String>,
    #[doc = "Login session, or the provider's job session for quantum jobs; for Vault, the HMAC of the client token (token_id holds its accessor)."]
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
    #[doc = "Organisation that holds the autonomous system of the source IP."]
    #[ocsf = "src_endpoint.autonomous_system.name"]
    src_asn_org: Option<String>,
    #[doc = "The source IP belongs to an anonymizer (VPN, public proxy, Tor exit), as the IdP or the GeoIP database says."]
    #[ocsf = "src_endpoint.proxy_endpoint (present) / unmapped.is_anonymous"]
    src_anonymous: Option<bool>,
    #[doc = "The source IP belongs to a hosting or cloud provider, per the GeoIP database."]
    #[ocsf = "unmapped.is_hosting"]
    src_hosting: Option<bool>,
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
    /// Adds `part` to the message, after what is there.
    pub fn append_message(&mut self, part: &str) {
        self.message = Some(match self.message.take() {
            Some(m) => format!("{m}; {part}"),
            None => part.to_string(),
        });
    }

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
