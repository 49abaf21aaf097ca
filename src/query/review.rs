//! Access reviews over the stored events: accounts that no longer sign in,
//! credentials left unused or used for too long, and credentials that several
//! principals share or that act with no principal named.
//!
//! Each report is one SQL query over `events`, so what it says can be checked with
//! `qtrail sql`. Every report sees the events up to `as_of` only, and names the
//! report in its first column, so the rows of several reports can share one JSON
//! stream.

use anyhow::Result;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use datafusion::arrow::record_batch::RecordBatch;

use crate::store::layout::DataDir;
use crate::time::format_span;

/// One access-review report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Report {
    /// Principals that once succeeded, were seen before the idle window and have no
    /// successful activity inside it (and the failed attempts on them since, which
    /// deserve a look). Names that never succeeded (a spray's guesses) are no accounts.
    Dormant,
    /// Long-lived credentials not revoked and unused for the idle window, or in use
    /// for longer than the maximum age (rotation overdue). Temporary AWS keys and
    /// Vault tokens expire by themselves and are left out.
    Tokens,
    /// Credentials used by more than one principal, or with no principal named.
    /// Issuing and revoking a credential is not using it: an admin who revokes a
    /// token does not share it.
    Shared,
}

impl Report {
    /// The name in the `report` column and in headings.
    pub fn name(self) -> &'static str {
        match self {
            Report::Dormant => "dormant",
            Report::Tokens => "tokens",
            Report::Shared => "shared",
        }
    }

    /// What the report lists, for its heading.
    pub fn title(self, opts: &ReviewOptions) -> String {
        let idle = format_span(opts.idle);
        match self {
            Report::Dormant => {
                format!("Dormant accounts: seen before, no successful activity in the last {idle}")
            }
            Report::Tokens => format!(
                "Long-lived credentials unused for {idle} and not revoked, or in use for over {}",
                format_span(opts.max_age)
            ),
            Report::Shared => {
                "Credentials used by more than one principal, or with none named".to_string()
            }
        }
    }
}

/// What the reports measure against.
#[derive(Debug, Clone, Copy)]
pub struct ReviewOptions {
    /// The review's "now": later events are not seen.
    pub as_of: DateTime<Utc>,
    /// No activity for this long makes an account dormant or a credential stale.
    pub idle: Duration,
    /// A credential first seen longer ago than this and still in use is long-lived.
    pub max_age: Duration,
}

/// Credentials that expire by themselves, which no review needs to revoke: AWS
/// temporary keys (`ASIA…`: role sessions, STS) and Vault tokens (accessors; a
/// login's token lives for its TTL).
const TEMPORARY: &str = "(source = 'cloudtrail' AND token_id LIKE 'ASIA%' OR source = 'vault')";

fn ts(t: DateTime<Utc>) -> String {
    format!(
        "TIMESTAMP '{}'",
        t.to_rfc3339_opts(SecondsFormat::Micros, true)
    )
}

/// The query behind a report.
pub fn sql(report: Report, opts: &ReviewOptions) -> String {
    let as_of = ts(opts.as_of);
    let cutoff = ts(opts.as_of - opts.idle);
    let born = ts(opts.as_of - opts.max_age);
    let name = report.name();
    // A principal named as known, not as unknown, when its events disagree.
    let kind = "coalesce(max(CASE WHEN user_kind <> 'unknown' THEN user_kind END), 'unknown')";
    let sorted = |col: &str| {
        format!(
            "array_to_string(array_sort(array_agg(DISTINCT {col}) FILTER (WHERE {col} IS NOT NULL)), ', ')"
        )
    };
    match report {
        Report::Dormant => format!(
            "SELECT '{name}' AS report, \"user\", {kind} AS user_kind, {sources} AS sources, \
               min(time) AS first_seen, \
               max(CASE WHEN outcome = 'success' THEN time END) AS last_success, \
               max(CASE WHEN class = 'authentication' AND outcome = 'success' THEN time END) AS last_sign_in, \
               sum(CASE WHEN outcome = 'failure' AND time >= {cutoff} THEN 1 ELSE 0 END) AS failures_since \
             FROM events WHERE \"user\" IS NOT NULL AND time <= {as_of} \
             GROUP BY \"user\" \
             HAVING min(time) < {cutoff} \
               AND max(CASE WHEN outcome = 'success' THEN time END) < {cutoff} \
             ORDER BY failures_since DESC, last_success ASC NULLS FIRST, \"user\"",
            sources = sorted("source"),
        ),
        Report::Tokens => format!(
            "SELECT '{name}' AS report, token_id, \
               CASE WHEN coalesce(last_used < {cutoff}, true) THEN 'stale' ELSE 'long-lived' END AS finding, \
               users, sources, first_seen, last_used, events \
             FROM ( \
               SELECT token_id, {users} AS users, {sources} AS sources, min(time) AS first_seen, \
                 max(CASE WHEN outcome = 'success' AND action <> 'revoke' THEN time END) AS last_used, \
                 max(CASE WHEN action = 'revoke' AND outcome = 'success' THEN time END) AS revoked, \
                 count(*) AS events \
               FROM events WHERE token_id IS NOT NULL AND time <= {as_of} \
                 AND NOT {temporary} \
               GROUP BY token_id) \
             WHERE revoked IS NULL \
               AND (coalesce(last_used < {cutoff}, true) AND first_seen < {cutoff} \
                    OR first_seen < {born} AND last_used >= {cutoff}) \
             ORDER BY finding DESC, last_used ASC NULLS FIRST, token_id",
            users = sorted("\"user\""),
            sources = sorted("source"),
            temporary = TEMPORARY,
        ),
        Report::Shared => format!(
            "SELECT '{name}' AS report, token_id, \
               count(DISTINCT \"user\") AS principals, {users} AS users, \
               sum(CASE WHEN \"user\" IS NULL THEN 1 ELSE 0 END) AS unattributed, \
               count(DISTINCT src_ip) AS addresses, {countries} AS countries, \
               count(*) AS events, min(time) AS first_seen, max(time) AS last_seen \
             FROM events WHERE token_id IS NOT NULL AND time <= {as_of} \
               AND action NOT IN ('issue', 'revoke') \
             GROUP BY token_id \
             HAVING count(DISTINCT \"user\") > 1 OR sum(CASE WHEN \"user\" IS NULL THEN 1 ELSE 0 END) > 0 \
             ORDER BY principals DESC, unattributed DESC, token_id",
            users = sorted("\"user\""),
            countries = sorted("src_country"),
        ),
    }
}

/// Runs one report.
pub async fn run(dir: &DataDir, report: Report, opts: &ReviewOptions) -> Result<Vec<RecordBatch>> {
    super::sql::run(dir, &sql(report, opts)).await
}
