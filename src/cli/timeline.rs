//! `qtrail timeline --user|--token|--ip|--session|--job VALUE`: one entity's story.

use anyhow::Result;

use super::Cli;
use super::time_range::TimeRange;
use crate::query::search::{LINE_COLUMNS, resolve, timeline_lines};
use crate::store::index::{EventIndex, TimeOrder};
use crate::store::layout::DataDir;

/// Arguments of `qtrail timeline`.
#[derive(Debug, clap::Args)]
#[command(
    group = clap::ArgGroup::new("entity").required(true),
    after_help = "Every event of one entity across all sources, oldest first: time, source, \
class/action, outcome, user, source IP (country), resource/backend/job, reason.\n\n\
Examples:\n  qtrail timeline --user alice@example.org --since 48h\n  \
qtrail timeline --token qfp:3f2a... --since 2026-10-01 --until 2026-10-03"
)]
pub struct Args {
    /// The user (login name, e-mail or ARN; or directory id).
    #[arg(long, group = "entity", value_name = "NAME")]
    pub user: Option<String>,
    /// The credential fingerprint or access key id.
    #[arg(long, group = "entity", value_name = "TOKEN_ID")]
    pub token: Option<String>,
    /// The source IP address.
    #[arg(long, group = "entity", value_name = "ADDR")]
    pub ip: Option<String>,
    /// The login or job session id.
    #[arg(long, group = "entity", value_name = "ID")]
    pub session: Option<String>,
    /// The provider's job id.
    #[arg(long, group = "entity", value_name = "ID")]
    pub job: Option<String>,
    /// The time range.
    #[command(flatten)]
    pub range: TimeRange,
    /// At most this many events (the oldest ones; all are counted).
    #[arg(long, default_value_t = 1000)]
    pub limit: usize,
}

/// Runs `qtrail timeline`.
pub fn run(cli: &Cli, args: &Args) -> Result<()> {
    let dir = DataDir::open_existing(&cli.data_dir)?;
    let index = EventIndex::open_existing(&dir)?;
    super::warn_unindexed(&index, &dir)?;
    let (since, until) = args.range.micros()?;
    let entity: [(&[&str], &Option<String>); 5] = [
        (&["user", "user_id"], &args.user),
        (&["token_id"], &args.token),
        (&["src_ip"], &args.ip),
        (&["session_id"], &args.session),
        (&["job_id"], &args.job),
    ];
    let Some((fields, value)) = entity
        .into_iter()
        .find_map(|(fields, v)| Some((fields, v.as_deref()?)))
    else {
        anyhow::bail!("name the entity: --user, --token, --ip, --session or --job");
    };
    let query = index.any_exact(fields, value)?;
    let found = index.search(query, since, until, args.limit, TimeOrder::OldestFirst)?;
    let batch = resolve(&dir, &found.hits, Some(LINE_COLUMNS))?;
    println!(
        "{} events{}",
        found.total,
        if found.total > found.hits.len() {
            format!(
                ", oldest {} shown (raise --limit or narrow --since/--until)",
                found.hits.len()
            )
        } else {
            String::new()
        }
    );
    for line in timeline_lines(&batch) {
        println!("{line}");
    }
    Ok(())
}
