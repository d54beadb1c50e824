//! # minqing-server
//!
//! The sync server and office web of 民情通 Minqing. [`router`] builds every route over an
//! [`AppState`]; [`serve`] binds a listener and shuts down gracefully. Storage is behind
//! [`store::Tx`], with SQLite as the embedded default.

pub mod admin;
pub mod api;
pub mod app_files;
pub mod audit;
pub mod auth;
pub mod config;
pub mod demo;
pub mod error;
pub mod metrics;
pub mod notify;
pub mod office;
pub mod password;
pub mod router;
pub mod spreadsheet;
pub mod state;
pub mod store;
pub mod sync;
pub mod throttle;

use std::net::SocketAddr;

pub use router::router;
pub use state::AppState;
use tokio::net::TcpListener;

/// Opens the database at `url` (creating and migrating it) and builds the server's state.
pub async fn open_state(url: &str) -> Result<AppState, store::StoreError> {
    open_state_with_clock(url, std::sync::Arc::new(minqing_shared::clock::SystemClock)).await
}

/// [`open_state`], reading the time from `clock` (tests run on a clock they set).
pub async fn open_state_with_clock(
    url: &str,
    clock: minqing_shared::clock::SharedClock,
) -> Result<AppState, store::StoreError> {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || AppState::with_clock(store::Db::open(&url)?, clock))
        .await
        .map_err(|e| store::StoreError::Database(e.to_string()))?
}

/// Serves `state` on `listener` until `shutdown` completes, then finishes in-flight requests.
pub async fn serve_on(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}

/// Binds `addr` and serves until Ctrl-C or SIGTERM.
pub async fn serve(addr: SocketAddr, state: AppState) -> std::io::Result<()> {
    let listener = TcpListener::bind(addr).await?;
    tracing::info!(addr = %listener.local_addr()?, "listening");
    println!("minqing-server listening on http://{}", listener.local_addr()?);
    serve_on(listener, state, shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

/// The whole `minqing-server` program: logging, arguments, run; returns the exit code.
pub async fn main_entry() -> std::process::ExitCode {
    main_entry_with_clock(std::sync::Arc::new(minqing_shared::clock::SystemClock)).await
}

/// [`main_entry`] on `clock` (the stories' server process runs on the stories' clock).
pub async fn main_entry_with_clock(
    clock: minqing_shared::clock::SharedClock,
) -> std::process::ExitCode {
    use clap::Parser;
    let cli = config::Cli::parse();
    init_logging(cli.log_format);
    match run_cli(cli, clock).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("minqing-server: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Logs to standard error at the level `MINQING_LOG` names (`info` by default), as `format`
/// says; colour only on a terminal, so a log file or a journal holds plain text.
fn init_logging(format: config::LogFormat) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_env("MINQING_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        config::LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
        config::LogFormat::Json => logs.json().init(),
    }
}

/// Keeps the county's settings given on the command line in the database, where every server
/// process and every phone (through the pull) reads them; starts the notifier if its channels
/// file is given (a mistake in it stops the server here, with the line at fault).
async fn set_county_rules(
    state: &AppState,
    args: &config::ServeArgs,
) -> Result<(), Box<dyn std::error::Error>> {
    if let Some(path) = &args.notify_config {
        let config = notify::NotifyConfig::load(path)?;
        notify::spawn(state.clone(), config);
    }
    if let Some(m) = args.place_doubt_m {
        let db = state.clone();
        tokio::task::spawn_blocking(move || {
            db.db().write(|tx| tx.set_meta(store::PLACE_DOUBT_KEY, &m.to_string()))
        })
        .await??;
    }
    Ok(())
}

/// The `minqing-server` command line, on `clock`.
pub async fn run_cli(
    cli: config::Cli,
    clock: minqing_shared::clock::SharedClock,
) -> Result<(), Box<dyn std::error::Error>> {
    match cli.command {
        config::Command::Serve(args) => {
            let state = open_state_with_clock(&args.db, clock).await?;
            state.set_perimeter(args.perimeter());
            state.set_web_dir(args.web_dir.clone());
            set_county_rules(&state, &args).await?;
            serve(args.listen, state).await?;
        }
        config::Command::Demo(args) => {
            let state = open_state_with_clock(&args.serve.db, clock).await?;
            state.set_perimeter(args.serve.perimeter());
            state.set_web_dir(args.serve.web_dir.clone());
            set_county_rules(&state, &args.serve).await?;
            let db = state.clone();
            let counties = usize::from(args.counties);
            let summary =
                tokio::task::spawn_blocking(move || demo::ensure_demo(&db, counties)).await??;
            println!("{summary}");
            println!("Office pages: http://{}/office", args.serve.listen);
            println!(
                "Demo logins (password {}): demo-cadre, demo-office, demo-org",
                demo::DEMO_PASSWORD
            );
            serve(args.serve.listen, state).await?;
        }
        config::Command::Backup(args) => {
            let db = store::Db::open(&args.db)?;
            db.backup_to(&args.out)?;
            println!("backup written to {}", args.out);
        }
        admin => {
            // The administration commands block (Argon2, the database): off the runtime.
            let out = tokio::task::spawn_blocking(move || admin::run(admin)).await?;
            match out {
                Some(Ok(text)) => print!("{text}"),
                Some(Err(e)) => return Err(e.to_string().into()),
                None => unreachable!("every other command is an administration command"),
            }
        }
    }
    Ok(())
}
