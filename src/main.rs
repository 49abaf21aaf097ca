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

/// Lets glibc keep freed memory for reuse. zstd (through parquet) allocates its
/// compression contexts from glibc, not from mimalloc, and frees them with every
/// file: served from fresh mappings, each would be faulted in and zeroed anew.
fn keep_freed_memory() {
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
