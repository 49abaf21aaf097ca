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

/// Keeps freed memory for reuse instead of handing it back to the kernel at once.
/// Ingest frees a file's worth of events and zstd contexts every few seconds and
/// allocates them again: given back, every page of it would be faulted in and
/// zeroed anew (about 140k page faults per million events; 3k when kept).
fn keep_freed_memory() {
    // SAFETY: setting allocator options before any other thread starts.
    unsafe {
        // mimalloc: never purge freed pages (they are reused within seconds). The
        // crate names no constant for this option: it is 15 in mimalloc.h's
        // `mi_option_e`, whose numbers mimalloc keeps stable (retired options stay
        // as `deprecated_*` placeholders). `MIMALLOC_VERBOSE=1` shows it set.
        const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
        libmimalloc_sys::mi_option_set(PURGE_DELAY, -1);
        // glibc, which the zstd and C libraries allocate from: serve large blocks
        // from the heap (not a fresh mapping each) and do not trim the heap's top.
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 64 << 20);
            libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
        }
    }
}
