//! The `qtrail` binary: see `qtrail --help`.

fn main() -> std::process::ExitCode {
    match qtrail::cli::main() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
