//! Sources: where records come from. Each source turns its input into framed
//! records that carry their position, so the end of the pipe can say where a
//! record (or a broken one) came from.

pub mod file;
pub mod framing;
