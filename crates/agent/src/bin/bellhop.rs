//! `bellhop`, the agent's command line (crates/agent/src/cli).

fn main() -> std::process::ExitCode {
    bellhop_agent::cli::main()
}
