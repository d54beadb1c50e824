//! PostgreSQL numbers ops right after the transaction that stored them commits
//! (`server/src/store/postgres/numbering.rs`). A server stopped between the two leaves ops stored
//! but without a number: no pull sees them yet, and the next numbering — any later write, the
//! phone sending them again, or a server starting — numbers them after everything numbered
//! before. Every phone then gets them once. (SQLite numbers ops as they go in: nothing to check
//! there.)

use minqing_shared::ids::OpId;
use minqing_tests::sql::postgres_url;
use minqing_tests::{ApiPhone, TestServer};

/// Takes `op`'s number away, as if its server stopped right after the commit that stored it.
fn unnumber(server: &TestServer, op: OpId) {
    let id = op.to_string();
    let taken = server
        .sql()
        .column("UPDATE ops SET server_seq = NULL WHERE op_id = $1 RETURNING op_id", &[&id]);
    assert_eq!(taken, [id], "the op is the log's last, stored");
}

/// `op`'s number, if it has one.
fn number(server: &TestServer, op: OpId) -> Option<i64> {
    let n = server
        .sql()
        .column("SELECT CAST(server_seq AS TEXT) FROM ops WHERE op_id = $1", &[&op.to_string()]);
    n[0].parse().ok()
}

#[tokio::test]
async fn ops_a_stop_left_unnumbered_are_numbered_by_the_next_write_or_start() {
    if postgres_url().is_none() {
        println!("SKIPPED: only PostgreSQL numbers ops after commit (set MINQING_TEST_POSTGRES)");
        return;
    }
    let server = TestServer::start().await;
    let county = server.county();
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let mut tablet = ApiPhone::login(&server.url, "wang").await;
    let mut li = ApiPhone::login(&server.url, "li").await;
    let (home, create) = wang.new_household(county.village, "张老汉");
    wang.push(&[create]).await.ok();
    let (li_home, li_create) = li.new_household(county.second_village, "李大娘");
    li.push(&[li_create]).await.ok();
    let known = tablet.pull_all().await.len();
    assert!(known >= 1, "the tablet has wang's household");

    // Stored, then the server stopped before numbering it: nobody sees it.
    let (_, visit) = wang.visit(home, "停机前的走访");
    let visit_id = visit.op_id;
    wang.push(&[visit]).await.ok();
    unnumber(&server, visit_id);
    assert!(tablet.pull_all().await.is_empty(), "an op without a number is not pulled");

    // The next write anywhere numbers it, before its own op.
    let (_, li_visit) = li.visit(li_home, "另一位干部的走访");
    let li_visit_id = li_visit.op_id;
    li.push(&[li_visit]).await.ok();
    let (first, second) = (number(&server, visit_id), number(&server, li_visit_id));
    assert!(first.is_some() && first < second, "{first:?} then {second:?}: arrival order");
    let pulled = tablet.pull_all().await;
    assert_eq!(pulled.len(), 1, "wang's visit reaches his tablet, once");
    assert_eq!(pulled[0].op.op_id, visit_id);

    // Left unnumbered, and its phone sends it again (the numbering failed, the push got an
    // error): finding it stored numbers it.
    let (_, resent) = wang.visit(home, "重发的走访");
    let resent_id = resent.op_id;
    wang.push(std::slice::from_ref(&resent)).await.ok();
    unnumber(&server, resent_id);
    assert!(tablet.pull_all().await.is_empty());
    let answer = wang.push(&[resent]).await.ok();
    assert!(answer.rejected.is_empty(), "{:?}", answer.rejected);
    assert!(number(&server, resent_id) > second, "numbered when found stored");
    let pulled = tablet.pull_all().await;
    assert_eq!(pulled.iter().map(|c| c.op.op_id).collect::<Vec<_>>(), [resent_id]);

    // Left unnumbered with nothing written after it: a server starting numbers it.
    let (_, late) = wang.visit(home, "停机前的最后一次走访");
    let late_id = late.op_id;
    wang.push(&[late]).await.ok();
    unnumber(&server, late_id);
    let db_url = server.db_url.clone();
    let dir = server.stop().await;
    let server = TestServer::start_on(dir, db_url).await;
    assert!(number(&server, late_id) > second, "numbered at start, after every number before");
    tablet.url = server.url.clone();
    let pulled = tablet.pull_all().await;
    assert_eq!(pulled.iter().map(|c| c.op.op_id).collect::<Vec<_>>(), [late_id]);
    assert!(tablet.pull_all().await.is_empty(), "and only once");
}
