//! Enrichment: what qtrail adds to a normalized event before rules see it.

pub mod geoip;
