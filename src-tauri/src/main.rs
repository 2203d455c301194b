// Without a console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    // Started as `bellhop` (the Linux packages' link to this program): the command line. Windows
    // builds have no console to print to, so there the CLI stays a program of its own.
    #[cfg(not(windows))]
    if bellhop_desktop::started_as_cli() {
        return bellhop_agent::cli::main();
    }
    bellhop_desktop::run();
    std::process::ExitCode::SUCCESS
}
