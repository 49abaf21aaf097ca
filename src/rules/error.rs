//! Errors in rule files: which file, where in it, what is wrong.

use std::fmt;

use std::net::IpAddr;

use ipnet::IpNet;

use crate::event::FieldId;

/// A problem in a rule file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    /// The file.
    pub file: String,
    /// Where in the document: `detection.selection.user|contains`, or `line 4 column 3`.
    pub place: String,
    /// What is wrong, and how to fix it when that is known.
    pub message: String,
}

impl RuleError {
    /// A new error.
    pub fn new(file: &str, place: &str, message: impl Into<String>) -> Self {
        RuleError {
            file: file.to_string(),
            place: place.to_string(),
            message: message.into(),
        }
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.file, self.place, self.message)
    }
}

impl std::error::Error for RuleError {}

/// Looks up an event field by name; the error suggests the nearest field name.
pub fn field_id(name: &str, file: &str, place: &str) -> Result<FieldId, RuleError> {
    FieldId::from_name(name).ok_or_else(|| {
        let nearest = FieldId::ALL
            .iter()
            .map(|f| (strsim::levenshtein(name, f.name()), f.name()))
            .min()
            .filter(|(d, _)| *d <= 3)
            .map(|(_, n)| format!(" (did you mean `{n}`?)"))
            .unwrap_or_default();
        RuleError::new(
            file,
            place,
            format!(
                "`{name}` is not an event field{nearest}; the fields are listed in schemas/event.md"
            ),
        )
    })
}

/// Reads a network (`10.0.0.0/8`, `2001:db8::/32`) or a single address.
pub fn network(text: &str, file: &str, place: &str) -> Result<IpNet, RuleError> {
    let t = text.trim();
    t.parse::<IpNet>()
        .or_else(|_| t.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| {
            RuleError::new(
                file,
                place,
                format!(
                    "`{t}` is not a network: write it as 10.0.0.0/8, 2001:db8::/32 or an address"
                ),
            )
        })
}
