//! The server process is stopped and started again over the same database: nothing is lost.

use minqing_server::store::Db;
use minqing_shared::concern::Category;
use minqing_tests::sql::{fresh_database, off_runtime};
use minqing_tests::{ApiPhone, County, ServerProcess};

const BINARY: &str = env!("CARGO_BIN_EXE_minqing-test-server");

#[tokio::test]
async fn stopped_and_started_again_with_everything_intact() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database(dir.path());
    let county = off_runtime(|| County::seed(&Db::open(&db).unwrap())).unwrap();
    let server = ServerProcess::start(BINARY, &db);
    let mut phone = ApiPhone::login(&server.url, "wang").await;
    let (household, create) = phone.new_household(county.village, "张老汉");
    let (visit, visit_op) = phone.visit(household, "走访");
    let (_, raise) = phone.raise(household, Some(visit), Category::Electricity, "电压不稳");
    assert_eq!(phone.push(&[create, visit_op, raise]).await.ok().acked_through, 3);
    let before = ApiPhone::login(&server.url, "wang").await.pull_all().await;
    let status = server.terminate();
    assert!(status.success(), "graceful shutdown: {status}");

    let server = ServerProcess::start(BINARY, &db);
    phone.url = server.url.clone();
    // The old token still works; the device's high-water mark survived.
    let (_, next) = phone.visit(household, "重启后再走访");
    let answer = phone.push(&[next]).await.ok();
    assert_eq!(answer.acked_through, 4);
    let mut fresh = ApiPhone::login(&server.url, "wang").await;
    let after = fresh.pull_all().await;
    assert_eq!(after.len(), before.len() + 1);
    assert_eq!(&after[..before.len()], &before[..]);
}

#[tokio::test]
async fn an_online_backup_restores_to_the_same_data() {
    if minqing_tests::sql::postgres_url().is_some() {
        eprintln!(
            "SKIPPED: `minqing-server backup` is for SQLite; PostgreSQL is backed up with pg_dump"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database(dir.path());
    let county = off_runtime(|| County::seed(&Db::open(&db).unwrap())).unwrap();
    let server = ServerProcess::start(BINARY, &db);
    let mut phone = ApiPhone::login(&server.url, "wang").await;
    let (household, create) = phone.new_household(county.village, "张老汉");
    let (_, visit) = phone.visit(household, "备份前的走访");
    phone.push(&[create, visit]).await.ok();
    // Back up while the server runs.
    let copy = dir.path().join("backup.db");
    let out = std::process::Command::new(BINARY)
        .args(["backup", "--db", &db, copy.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    server.terminate();
    // Restore = serve the copy.
    let restored = ServerProcess::start(BINARY, &format!("sqlite://{}", copy.display()));
    let mut other = ApiPhone::login(&restored.url, "wang").await;
    let changes = other.pull_all().await;
    assert!(changes.iter().any(|c| c.op.record_id == household.0));
    assert_eq!(changes.len(), 2);
}
