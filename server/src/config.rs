//! Command line and environment: one typed struct per command, a doc comment per field.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// 民情通 Minqing server: phones sync here; offices work here.
#[derive(Debug, Parser)]
#[command(name = "minqing-server", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// How log lines are written to standard error: `text` (coloured on a terminal, plain
    /// otherwise) or `json` (one object a line, for a log collector). `MINQING_LOG` sets the
    /// level, e.g. `MINQING_LOG=debug` or `MINQING_LOG=minqing_server::store=trace`.
    #[arg(long, global = true, value_enum, env = "MINQING_LOG_FORMAT", default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines; coloured only when standard error is a terminal.
    Text,
    /// One JSON object a line.
    Json,
}

/// The server's commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the sync API and the office pages.
    Serve(ServeArgs),
    /// Fill an empty database with the demo county, print the logins, then serve.
    Demo(DemoArgs),
    /// Write a consistent copy of a SQLite database while the server runs.
    Backup(BackupArgs),
    /// Import a roster (.xlsx with sheets 单位, 村, 干部, 联系户, or one .csv per sheet).
    Import(ImportArgs),
    /// Write the roster templates (民情通导入模板.xlsx and one CSV per sheet) into DIR.
    Template(TemplateArgs),
    /// Create, disable or enable an account, or reset its password.
    Account(AccountArgs),
    /// List devices with their last sync; revoke, wipe or retire one.
    Device(DeviceArgs),
    /// Search the audit log, or export it as CSV.
    Audit(AuditArgs),
}

/// `import`.
#[derive(Clone, Debug, Args)]
pub struct ImportArgs {
    /// Database URL: sqlite://PATH (the default) or postgres://…
    #[arg(long, env = "MINQING_DB", default_value = "sqlite://minqing.db")]
    pub db: String,
    /// Report row by row what would be created or changed, and every error; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write the new accounts' initial passwords to this new file (mode 600) instead of
    /// printing them.
    #[arg(long)]
    pub passwords: Option<PathBuf>,
    /// The county to import into (created if new); needed when the database holds several.
    #[arg(long)]
    pub county: Option<String>,
    /// The roster: one .xlsx, or .csv files (单位.csv, 村.csv, 干部.csv, 联系户.csv).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// `template`.
#[derive(Clone, Debug, Args)]
pub struct TemplateArgs {
    /// The folder to write the templates into (created if missing).
    pub dir: PathBuf,
}

/// `account`.
#[derive(Clone, Debug, Args)]
pub struct AccountArgs {
    /// Database URL: sqlite://PATH (the default) or postgres://…
    #[arg(long, env = "MINQING_DB", default_value = "sqlite://minqing.db", global = true)]
    pub db: String,
    /// What to do.
    #[command(subcommand)]
    pub action: AccountAction,
}

/// What to do with an account.
#[derive(Clone, Debug, Subcommand)]
pub enum AccountAction {
    /// Create an account; prints its initial password, to be changed at the first login.
    Create {
        /// Login name.
        username: String,
        /// Full name.
        #[arg(long)]
        name: String,
        /// The unit's name (it must exist).
        #[arg(long)]
        unit: String,
        /// 主要领导 / 班子成员 / 中层干部 / 一般干部 / 联系户办公室 / 组织部 / 管理员
        #[arg(long)]
        role: String,
        /// Mobile number.
        #[arg(long)]
        phone: String,
        /// Job title, printed on the card.
        #[arg(long, default_value = "")]
        title: String,
        /// Contact village(s), 乡镇/村名, separated by 、
        #[arg(long, default_value = "")]
        villages: String,
        /// The county of the unit; needed when the database holds several.
        #[arg(long)]
        county: Option<String>,
    },
    /// Disable an account: it cannot log in and its phones are refused.
    Disable {
        /// Login name.
        username: String,
    },
    /// Enable a disabled account.
    Enable {
        /// Login name.
        username: String,
    },
    /// Set a new random password that must be changed at the next login.
    ResetPassword {
        /// Login name.
        username: String,
    },
}

/// `device`.
#[derive(Clone, Debug, Args)]
pub struct DeviceArgs {
    /// Database URL: sqlite://PATH (the default) or postgres://…
    #[arg(long, env = "MINQING_DB", default_value = "sqlite://minqing.db", global = true)]
    pub db: String,
    /// What to do.
    #[command(subcommand)]
    pub action: DeviceAction,
}

/// What to do with devices.
#[derive(Clone, Debug, Subcommand)]
pub enum DeviceAction {
    /// List devices (of one account, or all) with their last sync.
    List {
        /// Only this account's devices.
        username: Option<String>,
    },
    /// Revoke a device (a lost phone): it is refused at its next request.
    Revoke {
        /// The device id, as `device list` shows it.
        device: String,
    },
    /// Wipe a lost phone: at its next contact it erases its database, keys and photos (sending
    /// nothing more) and reports it; the office sees 已擦除.
    Wipe {
        /// The device id, as `device list` shows it.
        device: String,
    },
    /// Retire a phone handed over: at its next contact it sends what it has not sent, then
    /// erases itself and reports it.
    Retire {
        /// The device id, as `device list` shows it.
        device: String,
    },
}

/// `audit`.
#[derive(Clone, Debug, Args)]
pub struct AuditArgs {
    /// Database URL: sqlite://PATH (the default) or postgres://…
    #[arg(long, env = "MINQING_DB", default_value = "sqlite://minqing.db")]
    pub db: String,
    /// Only this account's lines (login name).
    #[arg(long)]
    pub who: Option<String>,
    /// Only lines from this day on (YYYY-MM-DD, China Standard Time).
    #[arg(long)]
    pub since: Option<String>,
    /// Print CSV (for Excel) instead of a table.
    #[arg(long)]
    pub csv: bool,
    /// At most this many lines, newest first.
    #[arg(long, default_value_t = 10_000)]
    pub limit: u32,
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
    /// A reverse proxy (address or network, e.g. `127.0.0.1` or `10.0.0.0/8`) whose
    /// `X-Forwarded-For` names the client, for the login throttle and the audit log; repeat or
    /// separate with commas. Without it the header is ignored.
    #[arg(long = "trusted-proxy", env = "MINQING_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_proxy)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// A bearer token that lets a monitoring system read `/metrics` from elsewhere than the
    /// server's own machine (without it, `/metrics` answers only loopback requests that no
    /// proxy forwarded).
    #[arg(long, env = "MINQING_METRICS_TOKEN")]
    pub metrics_token: Option<String>,
    /// The county's 位置存疑 distance: a visit whose fix lies farther than this many metres from
    /// its household's place is marked (kept in the database; default 500).
    #[arg(long, env = "MINQING_PLACE_DOUBT_M", value_parser = clap::value_parser!(u32).range(50..=20_000))]
    pub place_doubt_m: Option<u32>,
    /// The notifier's channels file (TOML): the daily digest's hour and its DingTalk, WeCom,
    /// webhook and SMS channels per unit (see docs/DEPLOY.md). Without it nothing is sent.
    #[arg(long, env = "MINQING_NOTIFY_CONFIG")]
    pub notify_config: Option<std::path::PathBuf>,
    /// The phone app's web build, served at /app/ (scripts/build-web writes it to target/web).
    #[arg(long, env = "MINQING_WEB_DIR", default_value = crate::app_files::DEFAULT_WEB_DIR)]
    pub web_dir: std::path::PathBuf,
}

/// `demo`.
#[derive(Clone, Debug, Args)]
pub struct DemoArgs {
    /// Where to serve.
    #[command(flatten)]
    pub serve: ServeArgs,
    /// How many counties to build (a city's server holds several; each has its own
    /// Organization Department). The first's logins are demo-org, demo-office, demo-cadre; the
    /// second's x02-demo-org and so on.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=50))]
    pub counties: u16,
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

impl ServeArgs {
    /// What the server is told about the network around it.
    pub fn perimeter(&self) -> crate::state::Perimeter {
        crate::state::Perimeter {
            trusted_proxies: self.trusted_proxies.clone(),
            metrics_token: self.metrics_token.clone().filter(|t| !t.trim().is_empty()),
        }
    }
}

/// A proxy's address (`127.0.0.1`) or network (`10.0.0.0/8`).
fn parse_proxy(s: &str) -> Result<ipnet::IpNet, String> {
    let s = s.trim();
    s.parse::<ipnet::IpNet>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("not an address or network: {s}"))
}
