//! Helpers for the administration stories: the real `minqing-server` command line over a
//! story's database, rosters written as .csv inside the test, and a phone that logs in
//! with an imported account's own password.

use std::path::{Path, PathBuf};
use std::process::Command;

use minqing_shared::sync::HlcClock;

use crate::ApiPhone;
use crate::phone::{Answer, login};

/// What a command printed.
#[derive(Debug)]
pub struct CliOutput {
    /// Whether it exited with success.
    pub ok: bool,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl CliOutput {
    /// Both streams, for assertions and failure messages.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// Runs the server binary (`env!("CARGO_BIN_EXE_minqing-test-server")` in a story) as
/// `minqing-server ARGS --db DB` and waits for it.
pub fn cli(binary: &str, db_url: &str, args: &[&str]) -> CliOutput {
    // `template` works on files only.
    let db: &[&str] = if args.first() == Some(&"template") { &[] } else { &["--db", db_url] };
    let out = Command::new(binary)
        .args(args)
        .args(db)
        .env("MINQING_LOG", "warn")
        .output()
        .expect("run minqing-server");
    CliOutput {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The initial passwords an import or `account create` printed, by username.
pub fn passwords(stdout: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut in_table = false;
    for line in stdout.lines() {
        if line.starts_with("用户名 username") {
            in_table = true;
            continue;
        }
        if in_table {
            let cells: Vec<&str> = line.split(',').collect();
            if let [user, _, password] = cells.as_slice() {
                found.push(((*user).to_owned(), (*password).to_owned()));
            }
        }
    }
    found
}

/// A roster sheet: its name and rows (the first is the header).
pub type Sheet<'a> = (&'a str, Vec<Vec<&'a str>>);

/// Writes each sheet as `DIR/NAME.csv`; returns the files.
pub fn write_csvs(dir: &Path, sheets: &[Sheet<'_>]) -> Vec<PathBuf> {
    sheets
        .iter()
        .map(|(name, rows)| {
            let path = dir.join(format!("{name}.csv"));
            let text: String = rows.iter().map(|r| format!("{}\n", r.join(","))).collect();
            std::fs::write(&path, text).expect("write csv");
            path
        })
        .collect()
}

/// `POST /api/v1/auth/change-password`; returns the status and body.
pub async fn change_password(
    url: &str,
    username: &str,
    old: &str,
    new: &str,
) -> (u16, serde_json::Value) {
    let resp = reqwest::Client::new()
        .post(format!("{url}/api/v1/auth/change-password"))
        .json(&serde_json::json!({"username": username, "old_password": old, "new_password": new}))
        .send()
        .await
        .expect("change-password request");
    (resp.status().as_u16(), resp.json().await.expect("a JSON body"))
}

/// Logs in as `username` with `password`.
pub async fn phone(url: &str, username: &str, password: &str) -> ApiPhone {
    let answer: Answer<_> = login(url, username, password).await;
    let login = answer.ok();
    let mut clock = HlcClock::new();
    clock.observe_server_time(login.server_time, crate::clock::now_ms());
    ApiPhone {
        url: url.to_owned(),
        http: reqwest::Client::new(),
        token: login.token,
        device_id: login.device_id,
        cadre: login.cadre.id,
        seq: 0,
        clock,
        cursor: 0,
    }
}
