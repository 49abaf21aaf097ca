//! The shape of a rule file as written: Sigma fields plus the `qtrail:` block.
//!
//! These types only carry what the YAML says; `compile` turns them into matchers.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_yaml_ng::{Mapping, Value};

/// One YAML document of a rule file: a Sigma rule or a Sigma correlation rule.
#[derive(Debug, Clone, Deserialize)]
pub struct RuleDoc {
    /// Short title, shown in alerts.
    pub title: String,
    /// Stable id (Sigma uses a UUID); alerts carry it.
    pub id: Option<String>,
    /// A name other documents refer to (Sigma correlation `rules:`).
    pub name: Option<String>,
    /// Sigma status (experimental, test, stable, ...).
    pub status: Option<String>,
    /// What the rule detects and why it matters.
    pub description: Option<String>,
    /// Sigma tags: `attack.t1078`, `attack.credential_access`, ...
    #[serde(default)]
    pub tags: Vec<String>,
    /// informational, low, medium, high or critical.
    pub level: Option<String>,
    /// Sigma's log source; informational here (rules see the normalized event).
    pub logsource: Option<Value>,
    /// Sigma detection: named selections and a condition.
    pub detection: Option<Mapping>,
    /// Sigma correlation over other rules of the file.
    pub correlation: Option<CorrelationDoc>,
    /// Whether a base rule used by a correlation also alerts by itself (Sigma `generate`).
    #[serde(default)]
    pub generate: bool,
    /// Known benign causes.
    #[serde(default)]
    pub falsepositives: Vec<String>,
    /// What Sigma cannot say.
    pub qtrail: Option<QtrailBlock>,
    /// Other Sigma fields (author, date, references, ...) are accepted and kept aside.
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// Sigma correlation: `event_count`, `value_count` or `value_sum` per group in a timespan.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorrelationDoc {
    /// event_count, value_count or value_sum.
    #[serde(rename = "type")]
    pub kind: String,
    /// Names or ids of the rules whose matches are counted.
    pub rules: Vec<String>,
    /// Fields that make a group.
    #[serde(rename = "group-by", default)]
    pub group_by: Vec<String>,
    /// The window, e.g. `10m`.
    pub timespan: String,
    /// `{gte: 10}`, and `field:` for value_count and value_sum.
    pub condition: Mapping,
    /// Sigma `generate` on the correlation itself is accepted for compatibility.
    #[serde(default)]
    pub generate: Option<bool>,
}

/// The `qtrail:` block.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct QtrailBlock {
    /// Fields that name the entity an alert is about (and state is kept per): default `user`.
    pub entity: Option<OneOrMany>,
    /// After an alert, further hits for the same group are suppressed for this span (default 1h).
    pub suppress: Option<String>,
    /// Events that never alert: known users, networks, service identities.
    pub allow: Option<AllowDoc>,
    /// Test events and the expected verdict, run by `qtrail rules test`.
    #[serde(default)]
    pub tests: Vec<TestDoc>,
    /// The stateful kind's own block (`first_seen:`, `schedule:`, ...), at most one.
    #[serde(flatten)]
    pub kinds: BTreeMap<String, Value>,
}

/// A field name or a list of them.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    /// One.
    One(String),
    /// Several.
    Many(Vec<String>),
}

impl OneOrMany {
    /// As a list.
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// Allowlist entries: an event matching any of them never alerts.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AllowDoc {
    /// Users (case-insensitive).
    #[serde(default)]
    pub users: Vec<String>,
    /// Source networks, `10.0.0.0/8` or single addresses.
    #[serde(default)]
    pub cidrs: Vec<String>,
    /// Identity kinds: `service` lets machine identities through.
    #[serde(default)]
    pub user_kinds: Vec<String>,
    /// Projects (case-insensitive).
    #[serde(default)]
    pub projects: Vec<String>,
}

/// One test of a rule: events in, verdict out.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestDoc {
    /// What the test shows.
    pub name: String,
    /// Events as normalized-event fields; `repeat: N` and `every: 30s` make a burst,
    /// and `{i}` in a text field is replaced by the repetition's number.
    pub events: Vec<Mapping>,
    /// The verdict.
    pub expect: ExpectDoc,
}

/// What a test expects.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectDoc {
    /// Number of alerts.
    pub alerts: usize,
    /// The entity of every alert (`alice`, or `alice, proj-1` for several fields).
    pub entity: Option<String>,
    /// Text every alert's explanation contains.
    pub explanation_contains: Option<String>,
}
