//! Query: SQL over what qtrail keeps, with DataFusion.

pub mod days;
pub mod review;
pub mod search;
pub mod sql;
