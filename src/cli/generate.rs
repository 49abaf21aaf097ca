//! `qtrail generate`: synthetic audit logs for load tests.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};

/// Arguments of `qtrail generate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many records.
    #[arg(long, default_value_t = 100_000)]
    pub events: u64,
    /// Over how many days (ending 2026-11-01).
    #[arg(long, default_value_t = 30)]
    pub days: u32,
    /// Seed for repeatable output.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Output file (default: stdout).
    #[arg(long, short)]
    pub out: Option<PathBuf>,
}

/// Runs `qtrail generate`.
pub fn run(args: &Args) -> Result<()> {
    let mut out: Box<dyn Write> = match &args.out {
        Some(p) => Box::new(BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    crate::synth::write_mixed(&mut out, args.events, args.days, args.seed)?;
    out.flush()?;
    Ok(())
}
