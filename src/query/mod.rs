//! Query: SQL over what qtrail keeps, with DataFusion.

pub mod sql;
