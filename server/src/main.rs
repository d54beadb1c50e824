#[tokio::main]
async fn main() -> std::process::ExitCode {
    minqing_server::main_entry().await
}
