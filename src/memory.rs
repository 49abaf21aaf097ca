//! Allocator settings for the store phase of an ingest.
//!
//! mimalloc hands pages that stay free for a second back to the kernel. Storing
//! events frees a file's worth of buffers and fills new ones a little later, and
//! each page handed back is faulted in and zeroed again: 6-16% of the store
//! path's cycles were the kernel zeroing pages. Keeping them cut its CPU time by
//! 3-27% at the same peak memory (README, "Benchmarks"). Detection after storing,
//! and indexing while storing, must not keep them: their buffers then stay
//! resident (peak RSS at 1M with rules: 628 MiB → 921 MiB; with the index, from
//! 1M to 2M events: 998 MiB → 1152 MiB). Pages freed while they were kept are not
//! scheduled for return even after the setting comes back, so rules that run after
//! a store-only phase start with them resident (peak RSS 651 → 709 MiB at 1M).

use std::ffi::c_long;

/// mimalloc's `mi_option_purge_delay`, which the bindings do not name: in
/// mimalloc.h's option enum it comes just before `mi_option_use_numa_nodes`.
pub const PURGE_DELAY: libmimalloc_sys::mi_option_t = libmimalloc_sys::mi_option_use_numa_nodes - 1;

// Pinned to the enum the option number was read from (mimalloc 2 and 3 alike): a
// binding that renumbers its options fails the build here instead of the guard
// quietly setting some other option.
const _: () = assert!(libmimalloc_sys::mi_option_use_numa_nodes == 16 && PURGE_DELAY == 15);

/// Environment variables that set the purge delay (the second is its old name).
pub const PURGE_DELAY_VARS: [&str; 2] = ["MIMALLOC_PURGE_DELAY", "MIMALLOC_RESET_DELAY"];

/// The purge delay's defaults (ms) in mimalloc 3 and 2 (their options.c): an
/// option that reads otherwise is not the one meant, or was set by the user
/// (`MIMALLOC_PURGE_DELAY`), and is left alone.
pub const DEFAULT_PURGE_DELAYS: [c_long; 2] = [1000, 10];

/// Freed pages are kept for reuse while this lives; dropping it restores the
/// allocator's setting. Start and drop it while no other thread allocates: mimalloc
/// keeps its options in plain variables.
#[must_use = "pages are kept only while the guard lives"]
pub struct KeepFreedPages {
    previous: Option<c_long>,
}

impl KeepFreedPages {
    /// Keeps freed pages from now on; a no-op when the user set the delay in the
    /// environment or the setting is not the default.
    pub fn start() -> Self {
        if PURGE_DELAY_VARS
            .iter()
            .any(|v| std::env::var_os(v).is_some())
        {
            return KeepFreedPages { previous: None };
        }
        // SAFETY: mimalloc's option getter and setter, given a number of its option enum.
        let previous = unsafe {
            let now = libmimalloc_sys::mi_option_get(PURGE_DELAY);
            DEFAULT_PURGE_DELAYS.contains(&now).then(|| {
                libmimalloc_sys::mi_option_set(PURGE_DELAY, -1);
                now
            })
        };
        KeepFreedPages { previous }
    }

    /// Whether pages are being kept (false when the user set the delay).
    pub fn active(&self) -> bool {
        self.previous.is_some()
    }
}

impl Drop for KeepFreedPages {
    fn drop(&mut self) {
        if let Some(previous) = self.previous {
            // SAFETY: as in `start`.
            unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, previous) };
        }
    }
}
