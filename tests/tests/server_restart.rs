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
