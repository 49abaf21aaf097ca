//! `--since` / `--until`, shared by the commands that look at a time range.

use anyhow::Result;
use chrono::Utc;

use crate::time::parse_time;

/// A time range given on the command line.
#[derive(Debug, clap::Args)]
pub struct TimeRange {
    /// Only events at or after this time: RFC 3339, a day (2026-10-01) or an age (24h, 7d).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only events before this time (same forms as --since).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
}

impl TimeRange {
    /// The bounds in microseconds since the epoch, ages counted back from now.
    pub fn micros(&self) -> Result<(Option<i64>, Option<i64>)> {
        let now = Utc::now();
        let bound = |t: &Option<String>| -> Result<Option<i64>> {
            Ok(t.as_deref()
                .map(|t| parse_time(t, now))
                .transpose()?
                .map(|t| t.timestamp_micros()))
        };
        Ok((bound(&self.since)?, bound(&self.until)?))
    }
}
