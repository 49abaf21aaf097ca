//! `qtrail schema`: the normalized event's definition, as a JSON Schema or a field list.

use anyhow::Result;

use crate::event::{json_schema, markdown_table};

/// Arguments of `qtrail schema`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print a field table (name, type, meaning, OCSF) instead of the JSON Schema.
    #[arg(long)]
    pub fields: bool,
}

/// Runs `qtrail schema`.
pub fn run(args: &Args) -> Result<()> {
    if args.fields {
        print!("{}", markdown_table());
    } else {
        println!("{}", serde_json::to_string_pretty(&json_schema())?);
    }
    Ok(())
}
