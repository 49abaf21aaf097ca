//! `qtrail rules check|test`: validate rule files and run their tests.

use anyhow::Result;

use super::rule_source::RuleSource;
use crate::rules::selftest::run_all;

/// Arguments of `qtrail rules`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do with the rules.
    #[command(subcommand)]
    pub action: Action,
}

/// `qtrail rules` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Compile every rule file and list the rules; errors name the file, the place and the problem.
    Check(RuleSource),
    /// Run every rule's own test events and compare with the expected verdicts.
    Test(TestArgs),
}

/// Arguments of `qtrail rules test`.
#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// The rules.
    #[command(flatten)]
    pub source: RuleSource,
    /// Print the alerts of passing tests too.
    #[arg(long)]
    pub show_alerts: bool,
}

/// Runs `qtrail rules`.
pub fn run(args: &Args) -> Result<()> {
    match &args.action {
        Action::Check(source) => {
            let set = source.load()?;
            println!("{:<38} {:<12} {:<13} title", "id", "kind", "level");
            for r in &set.rules {
                println!(
                    "{:<38} {:<12} {:<13} {}",
                    r.id,
                    r.kind.name(),
                    r.level.as_str(),
                    r.title
                );
            }
            println!("{} rules compiled, no problems", set.rules.len());
            Ok(())
        }
        Action::Test(t) => {
            let set = t.source.load()?;
            let (outcomes, _) = run_all(set, t.source.engine_options()?);
            let failed = outcomes.iter().filter(|o| !o.passed).count();
            for o in &outcomes {
                let mark = if o.passed { "ok  " } else { "FAIL" };
                println!("{mark} {}: {}", o.file, o.name);
                if !o.passed || (t.show_alerts && !o.detail.is_empty()) {
                    println!("      {}", o.detail);
                }
            }
            println!(
                "{} tests, {} passed, {failed} failed",
                outcomes.len(),
                outcomes.len() - failed
            );
            if failed > 0 {
                anyhow::bail!("{failed} rule test(s) failed");
            }
            Ok(())
        }
    }
}
