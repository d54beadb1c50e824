//! `minqing-bench`: the benchmarks, as programs that print figures (the machines are shared
//! and noisy, so no test times anything). Build with `--release`.
//!
//! - `minqing-bench [sync] [--phones N] [--concurrency N]`: phones pushing and pulling a day;
//! - `minqing-bench office [--db URL] [--counties N] [--rounds N]`: every office page and export.

use clap::{Parser, Subcommand};
use minqing_tests::bench::office::OfficeArgs;
use minqing_tests::bench::sync::SyncArgs;

#[derive(Debug, Parser)]
#[command(
    name = "minqing-bench",
    about = "Minqing's benchmarks: they print figures",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    sync: SyncArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Phones push a device-day each and pull, concurrently (the default).
    Sync(SyncArgs),
    /// The office pages and exports, as a township office, a county department and the
    /// Organization Department see them.
    Office(OfficeArgs),
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let cli = Cli::parse();
    match cli.command {
        None => minqing_tests::bench::sync::run(cli.sync).await,
        Some(Command::Sync(args)) => minqing_tests::bench::sync::run(args).await,
        Some(Command::Office(args)) => minqing_tests::bench::office::run(args).await,
    }
}
