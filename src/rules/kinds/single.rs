//! The plain Sigma rule: every matching event is a finding (deduplicated and
//! suppressed per entity by the engine).

use super::{Hit, Kind, describe};
use crate::event::NormalizedEvent;

/// Alerts on each match.
#[derive(Debug, Clone, Default)]
pub struct Single {
    /// The rule's title, to open the explanation.
    pub title: String,
}

impl Kind for Single {
    fn name(&self) -> &'static str {
        "match"
    }
    fn stateful(&self) -> bool {
        false
    }
    fn observe(&mut self, event: &NormalizedEvent, _entity: &str) -> Option<Hit> {
        Some(Hit::single(
            event,
            format!("{}: {}", self.title, describe(event)),
        ))
    }
    no_state!();
}
