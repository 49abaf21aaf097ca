//! Alerts: what the rule engine found, as stored in the `alerts` table and sent
//! on as OCSF Detection Findings.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::event::NormalizedEvent;
use crate::rules::Rule;
use crate::rules::kinds::Hit;

pub mod ocsf;
pub mod store;

/// One finding of one rule about one entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Stable id: hash of rule, entity and triggering event, so a re-run finds the same alert.
    pub alert_id: String,
    /// Event time of the triggering event.
    pub time: DateTime<Utc>,
    /// The rule's id.
    pub rule_id: String,
    /// The rule's title.
    pub rule_title: String,
    /// match, correlation, first_seen, schedule, share_spike or travel.
    pub rule_kind: String,
    /// informational, low, medium, high or critical.
    pub severity: String,
    /// OCSF severity_id, 1 (informational) to 5 (critical).
    pub severity_id: u8,
    /// The rule's tags (ATT&CK: attack.t1078, attack.credential_access).
    pub tags: Vec<String>,
    /// Names of the fields that make the entity (`user`).
    pub entity_fields: Vec<String>,
    /// The entity's values (`alice@qlab.example`).
    pub entity: String,
    /// Earliest event of the case.
    pub first_seen: DateTime<Utc>,
    /// Latest event of the case.
    pub last_seen: DateTime<Utc>,
    /// One line a human reads.
    pub explanation: String,
    /// Event ids that show the case, the triggering one first.
    pub evidence: Vec<String>,
    /// Source of the triggering event.
    pub source: String,
    /// Its user.
    pub user: Option<String>,
    /// Its source IP.
    pub src_ip: Option<String>,
    /// Its source country.
    pub src_country: Option<String>,
    /// Its project.
    pub project: Option<String>,
    /// Its backend.
    pub backend: Option<String>,
}

impl Alert {
    /// The alert a rule's hit makes, from the triggering event.
    pub fn new(rule: &Rule, entity: &str, hit: Hit, event: &NormalizedEvent) -> Alert {
        let mut h = Sha256::new();
        for part in [rule.id.as_str(), entity, event.event_id.as_str()] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        Alert {
            alert_id: hex::encode(&h.finalize()[..16]),
            time: event.time,
            rule_id: rule.id.clone(),
            rule_title: rule.title.clone(),
            rule_kind: rule.kind.name().to_string(),
            severity: rule.level.as_str().to_string(),
            severity_id: rule.level.severity_id(),
            tags: rule.tags.clone(),
            entity_fields: rule.entity.iter().map(|f| f.name().to_string()).collect(),
            entity: entity.to_string(),
            first_seen: hit.first_seen,
            last_seen: hit.last_seen,
            explanation: hit.explanation,
            evidence: hit.evidence,
            source: event.source.as_str().to_string(),
            user: event.user.clone(),
            src_ip: event.src_ip.clone(),
            src_country: event.src_country.clone(),
            project: event.project.clone(),
            backend: event.backend.clone(),
        }
    }

    /// One line for a terminal: time, severity, rule, explanation.
    pub fn line(&self) -> String {
        format!(
            "{}  {:<8}  {}  {}",
            self.time.format("%Y-%m-%d %H:%M:%S"),
            self.severity,
            self.rule_title,
            self.explanation
        )
    }
}
