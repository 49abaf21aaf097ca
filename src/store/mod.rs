//! Keep: events and quarantined records as Parquet files in the data directory.
//!
//! Files are written whole under a hidden temporary name, synced, and renamed,
//! so a reader (or a crash) never sees half a file.

pub mod events;
pub mod index;
pub mod layout;
pub mod parquet_file;
pub mod quarantine;
pub mod raw_tokenizer;
pub mod replay;
