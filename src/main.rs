//! The `qtrail` binary: see `qtrail --help`.

// Events are many small strings made and freed at a high rate (JSON values,
// normalized fields, rule state): mimalloc does that several times faster than
// the system allocator (see the benchmarks in the README).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // `qtrail search ... | head` closes the pipe early: end quietly, as Unix tools do,
    // instead of panicking on the next write.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of one signal before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    keep_freed_memory();
    match qtrail::cli::main() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// mimalloc's `mi_option_purge_delay`, which the bindings do not name: in
/// mimalloc.h's option enum it comes just before `mi_option_use_numa_nodes`.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t =
    libmimalloc_sys::mi_option_use_numa_nodes - 1;

/// The purge delay's defaults (ms) in mimalloc 3 and 2 (options.c): an option that
/// reads otherwise is not the one meant, or was set by the user, and is left alone.
const DEFAULT_PURGE_DELAYS: [std::ffi::c_long; 2] = [1000, 10];

/// Keeps freed memory for reuse instead of handing it back to the kernel.
///
/// mimalloc returns pages that stay free for a second; an ingest frees a file's
/// buffers and fills new ones later, and each page handed back is faulted in and
/// zeroed again (6-16% of an ingest's cycles, in the kernel).
/// Every qtrail command runs to an end, so memory kept is returned at exit; the
/// peak is unchanged. `MIMALLOC_PURGE_DELAY` in the environment still wins.
///
/// zstd (through parquet) allocates its compression contexts from glibc, not from
/// mimalloc, and frees them with every file: served from fresh mappings, each
/// would be faulted in and zeroed anew.
fn keep_freed_memory() {
    // SAFETY: mimalloc's option getter and setter, given an option number of its enum.
    unsafe {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none()
            && DEFAULT_PURGE_DELAYS.contains(&libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY))
        {
            libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1);
        }
    }
    // SAFETY: setting allocator options before any other thread starts.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    unsafe {
        // Large blocks from the heap, not a mapping each; the heap's top kept. 32 MiB
        // is the largest threshold glibc accepts on 64-bit; a refused one would
        // leave the trim setting to pin the threshold at 128 KiB instead.
        if libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20) == 1 {
            libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
        }
    }
}
