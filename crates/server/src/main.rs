fn main() -> anyhow::Result<()> {
    bellhop_server::cli::run()
}
