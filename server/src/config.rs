//! Command line and environment: one typed struct per command, a doc comment per field.

use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand};

/// 民情通 Minqing server: phones sync here; offices work here.
#[derive(Debug, Parser)]
#[command(name = "minqing-server", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The server's commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the sync API and the office pages.
    Serve(ServeArgs),
    /// Fill an empty database with the demo county, print the logins, then serve.
    Demo(ServeArgs),
    /// Write a consistent copy of a SQLite database while the server runs.
    Backup(BackupArgs),
}

/// Where the data lives and where to listen.
#[derive(Clone, Debug, Args)]
pub struct ServeArgs {
    /// Database URL: sqlite://PATH (the default) or postgres://…
    #[arg(long, env = "MINQING_DB", default_value = "sqlite://minqing.db")]
    pub db: String,
    /// Address to listen on.
    #[arg(long, env = "MINQING_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
}

/// A backup.
#[derive(Clone, Debug, Args)]
pub struct BackupArgs {
    /// Database URL of the live database.
    #[arg(long, env = "MINQING_DB", default_value = "sqlite://minqing.db")]
    pub db: String,
    /// The file to write; must not exist.
    pub out: String,
}
