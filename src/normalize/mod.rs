//! Normalize: one parsed record in, one [`NormalizedEvent`] out.
//!
//! Each source format lives in its own file and implements [`Format`]. The
//! [`FORMATS`] table is the one place a format is registered; detection tries
//! them in order, so the more specific formats come first.

use crate::event::NormalizedEvent;
use json::prelude::*;

pub mod envelope;
pub mod fields;
pub mod json;
pub mod process;
pub mod redact;

mod azure_activity;
mod azure_quantum;
mod azure_quantum_audit;
mod braket_events;
mod cloudtrail;
mod entra;
mod gcp_audit;
mod ibm_quantum;
mod job_state;
mod keyvault;
mod okta;
mod vault;
mod webhook;

#[cfg(test)]
mod robustness;

/// A source format: how to recognise a record of it and how to normalize one.
pub trait Format: Sync {
    /// The name used by `--format` and in quarantine reasons (`okta`, `cloudtrail`, ...).
    fn name(&self) -> &'static str;
    /// Whether this parsed record is of this format. Cheap: look at a few keys.
    fn detect(&self, record: &Value) -> bool;
    /// Maps the record onto the normalized event. `event_id`, `ingested_at` and
    /// `raw` are filled in by the caller.
    fn normalize(&self, record: &Value) -> Result<NormalizedEvent, NormalizeError>;
    /// Dotted paths below which every string is a secret whatever its key is called
    /// (fingerprinted before `normalize` runs).
    fn secret_paths(&self) -> &'static [&'static str] {
        &[]
    }
}

impl std::fmt::Debug for dyn Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Every format qtrail reads, most specific first. Register a new format here.
pub static FORMATS: &[&dyn Format] = &[
    &webhook::Webhook,
    &braket_events::BraketEvents,
    &cloudtrail::CloudTrail,
    &okta::Okta,
    &vault::Vault,
    &gcp_audit::GcpAudit,
    &keyvault::KeyVault,
    &azure_quantum_audit::AzureQuantumAudit,
    &entra::Entra,
    &azure_activity::AzureActivity,
    &azure_quantum::AzureQuantum,
    &ibm_quantum::IbmQuantum,
];

/// Finds a format by its `--format` name.
pub fn format_by_name(name: &str) -> Option<&'static dyn Format> {
    FORMATS.iter().copied().find(|f| f.name() == name)
}

/// The names of every registered format, for help texts and errors.
pub fn format_names() -> Vec<&'static str> {
    FORMATS.iter().map(|f| f.name()).collect()
}

/// Finds the format of a parsed record.
pub fn detect(record: &Value) -> Option<&'static dyn Format> {
    FORMATS.iter().copied().find(|f| f.detect(record))
}

/// Why a record could not be normalized.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct NormalizeError(pub String);

impl NormalizeError {
    /// An error with a free-form message.
    pub fn new(msg: impl Into<String>) -> Self {
        NormalizeError(msg.into())
    }

    /// A required field is absent.
    pub fn missing(path: &str) -> Self {
        NormalizeError(format!("required field `{path}` is missing or empty"))
    }
}

#[cfg(test)]
mod conformance;

#[cfg(test)]
pub(crate) mod test_support {
    //! Shared by the format tests: normalize a fixture line with a given format.
    use super::*;

    /// Parses `json`, checks that `format` detects it and that no other format
    /// registered earlier claims it, then normalizes it.
    pub fn normalize_as(format: &str, json: &str) -> NormalizedEvent {
        let v = json::parse_owned(json).expect("test record is valid JSON");
        let found = detect(&v).unwrap_or_else(|| panic!("no format detected for {json}"));
        assert_eq!(found.name(), format, "detected the wrong format for {json}");
        found
            .normalize(&v)
            .unwrap_or_else(|e| panic!("{format} failed: {e}"))
    }

    /// Reads every JSON record of a fixture file (JSON lines or one array).
    pub fn fixture(path: &str) -> Vec<serde_json::Value> {
        let text =
            std::fs::read_to_string(format!("{}/fixtures/{path}", env!("CARGO_MANIFEST_DIR")))
                .unwrap_or_else(|e| panic!("fixture {path}: {e}"));
        serde_json::Deserializer::from_str(&text)
            .into_iter::<serde_json::Value>()
            .map(|v| v.expect("fixture is valid JSON"))
            .flat_map(|v| match v {
                serde_json::Value::Array(items) => items,
                other => vec![other],
            })
            .collect()
    }

    /// The text of a corpus file under `$QTRAIL_CORPUS`; `None` when it is unset, a
    /// panic when it is set but the file cannot be read (CI must not pass by skipping).
    pub fn corpus_text(rel: &str) -> Option<String> {
        let root = std::env::var("QTRAIL_CORPUS").ok()?;
        let path = std::path::Path::new(&root).join(rel);
        Some(std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "QTRAIL_CORPUS is set but {} cannot be read: {e}",
                path.display()
            )
        }))
    }

    /// The records of a corpus file under `$QTRAIL_CORPUS` (the shared third-party
    /// logs), unwrapped from the extraction's provenance (`log`, `event`, `item`).
    /// `None` when `QTRAIL_CORPUS` is unset; a panic when it is set but the file is
    /// missing, so CI cannot pass by skipping.
    pub fn corpus_records(rel: &str) -> Option<Vec<serde_json::Value>> {
        let text = corpus_text(rel)?;
        let mut out = Vec::new();
        for v in serde_json::Deserializer::from_str(&text).into_iter::<serde_json::Value>() {
            let v = v.unwrap_or_else(|e| panic!("{rel}: {e}"));
            let items = match v {
                serde_json::Value::Array(items) => items,
                serde_json::Value::Object(ref m) if m.contains_key("Records") => {
                    m["Records"].as_array().cloned().unwrap_or_default()
                }
                other => vec![other],
            };
            for item in items {
                let inner = ["log", "event", "item"]
                    .iter()
                    .find_map(|k| item.get(*k).filter(|x| x.is_object()).cloned())
                    .filter(|_| item.get("source_file").is_some());
                out.push(inner.unwrap_or(item));
            }
        }
        Some(out)
    }
}
