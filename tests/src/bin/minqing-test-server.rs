//! The server binary, built inside this crate so that its stories can start, kill and restart a
//! real server process (`CARGO_BIN_EXE_minqing-test-server`).

#[tokio::main]
async fn main() -> std::process::ExitCode {
    minqing_server::main_entry().await
}
