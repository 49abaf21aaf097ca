//! `--rules` and `--lateness`, shared by the commands that run rules.

use std::path::PathBuf;

use anyhow::{Result, bail};

use crate::rules::RuleSet;
use crate::rules::engine::EngineOptions;
use crate::rules::error::RuleError;

/// Which rules to run, and how to treat event time.
#[derive(Debug, Clone, clap::Args)]
pub struct RuleSource {
    /// A folder of rule files (*.yml) to run instead of the rules shipped with qtrail.
    #[arg(long, env = "QTRAIL_RULES", value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// How far behind the newest event (in event time) an event may arrive and still
    /// be evaluated in order; older ones are counted as late.
    #[arg(long, default_value = "10m", value_name = "SPAN")]
    pub lateness: String,
}

/// Lists rule errors the way a user fixes them: one per line, file first.
pub fn explain(errors: &[RuleError]) -> anyhow::Error {
    let lines: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
    anyhow::anyhow!(
        "{} problem(s) in the rule files:\n{}",
        errors.len(),
        lines.join("\n")
    )
}

impl RuleSource {
    /// Loads and compiles the rules.
    pub fn load(&self) -> Result<RuleSet> {
        let set = match &self.rules {
            Some(dir) => RuleSet::load_dir(dir)?,
            None => RuleSet::shipped(),
        };
        set.map_err(|e| explain(&e))
    }

    /// The engine's time settings.
    pub fn engine_options(&self) -> Result<EngineOptions> {
        let lateness = crate::time::parse_span(&self.lateness)?;
        if lateness < chrono::Duration::zero() {
            bail!("--lateness cannot be negative");
        }
        Ok(EngineOptions {
            lateness,
            ..EngineOptions::default()
        })
    }
}
