//! The server's log, written to a file or a pipe as a service manager does: plain text with no
//! colour codes, or one JSON object a line with `--log-format json`.

use std::process::{Command, Stdio};
use std::time::Duration;

use minqing_tests::sql::fresh_database;

const BINARY: &str = env!("CARGO_BIN_EXE_minqing-test-server");

/// Runs the server with `args` until it has opened the database, and returns what it logged.
fn log_of(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database(dir.path());
    let log = dir.path().join("server.log");
    let mut child = Command::new(BINARY)
        .args(args)
        .args(["serve", "--db", &db, "--listen", "127.0.0.1:0"])
        .env("MINQING_LOG", "info")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let text = loop {
        let text = std::fs::read_to_string(&log).unwrap();
        if text.contains("listening") || std::time::Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = child.kill();
    let _ = child.wait();
    assert!(text.contains("listening"), "the server started: {text}");
    text
}

#[test]
fn a_log_file_holds_plain_text_or_json_lines() {
    let text = log_of(&[]);
    assert!(!text.contains('\u{1b}'), "no colour codes in a file: {text:?}");
    assert!(text.lines().any(|l| l.contains("INFO") && l.contains("database ready")), "{text}");

    let json = log_of(&["--log-format", "json"]);
    let lines: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
        .collect();
    assert!(
        lines.iter().any(|l| l["level"] == "INFO" && l["fields"]["message"] == "database ready"),
        "{json}"
    );
}
