//! The `qtrail` binary: see `qtrail --help`.

// Events are many small strings made and freed at a high rate (JSON values,
// normalized fields, rule state): mimalloc does that several times faster than
// the system allocator (see the benchmarks in the README).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    match qtrail::cli::main() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
