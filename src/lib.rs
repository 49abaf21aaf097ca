//! qtrail: the audit trail and anomaly detector for shared quantum hardware.
//!
//! Data flows one way through the modules: [`sources`] read bytes and frame
//! records, [`normalize`] maps each onto the [`event::NormalizedEvent`], [`store`]
//! keeps events in Parquet, [`query`] answers SQL over them, and [`pipeline`]
//! wires the stages together for `qtrail ingest`.

pub mod alerts;
pub mod cli;
pub mod detect;
pub mod enrich;
pub mod event;
pub mod memory;
pub mod normalize;
pub mod pipeline;
pub mod query;
pub mod rules;
pub mod sources;
pub mod store;
pub mod synth;
pub mod time;
pub mod vocab;
