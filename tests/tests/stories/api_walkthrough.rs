//! The curl walk-through in docs/API.md works exactly as written, against a real demo server.

use std::process::Command;

use minqing_server::demo::{DemoSpec, generate};
use minqing_tests::TestServer;

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The shell block under "Walk-through with curl".
fn walkthrough() -> String {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/API.md")).unwrap();
    let section = doc.split("## Walk-through with curl").nth(1).expect("the walk-through section");
    let block = section.split("```sh\n").nth(1).expect("a sh block");
    block.split("\n```").next().unwrap().to_owned()
}

#[tokio::test]
async fn the_curl_walkthrough_in_the_api_doc_works_as_written() {
    if !(have("curl") && have("jq")) {
        // scripts/test installs both; a bare `cargo test` on a machine without them says so.
        eprintln!("SKIPPED: the API walk-through needs curl and jq");
        return;
    }
    // The walk-through stamps its op with `date`, as a reader would: the system's clock.
    let server =
        TestServer::start_with_clock(std::sync::Arc::new(minqing_shared::clock::SystemClock)).await;
    let state = server.state.clone();
    tokio::task::spawn_blocking(move || generate(&state, &DemoSpec::small()))
        .await
        .unwrap()
        .unwrap();
    let script = walkthrough().replacen(
        "SERVER=http://127.0.0.1:8080",
        &format!("SERVER={}", server.url),
        1,
    );
    assert!(script.contains(&server.url), "the walk-through starts by naming the server");
    let work = tempfile::tempdir().unwrap();
    let out = tokio::process::Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .current_dir(work.path())
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains(r#""acked_through":1,"rejected":[]"#), "{stdout}");
    assert!(stdout.trim_end().ends_with(r#""用curl记录的走访""#), "{stdout}");
}
