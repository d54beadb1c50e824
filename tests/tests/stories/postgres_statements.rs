//! PostgreSQL connections keep their prepared statements (`server/src/store/postgres/statements.rs`).
//! When the schema changes under a running server, a kept statement no longer fits: the request
//! that meets it fails, and the next one on that connection prepares it again — the server does
//! not stay broken until it restarts.

use minqing_tests::server::open_db;
use minqing_tests::sql::{fresh_database, off_runtime, postgres_url};

#[test]
fn a_statement_made_stale_by_a_schema_change_is_prepared_again() {
    if postgres_url().is_none() {
        println!(
            "SKIPPED: prepared statements are kept only on PostgreSQL (set MINQING_TEST_POSTGRES)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(dir.path());
    let db = open_db(&url);
    off_runtime(|| {
        db.write(|tx| tx.set_meta("probe", "1")).unwrap();
        // Prepare and keep the read on (likely) every pooled connection.
        for _ in 0..16 {
            assert_eq!(db.read(|tx| tx.meta("probe")).unwrap().as_deref(), Some("1"));
        }
        let mut admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        admin.batch_execute("ALTER TABLE meta ALTER COLUMN value TYPE VARCHAR(200)").unwrap();
        // Each pooled connection (at most 8) may fail once; then every read works again.
        let results: Vec<_> = (0..24).map(|_| db.read(|tx| tx.meta("probe"))).collect();
        let failures = results.iter().filter(|r| r.is_err()).count();
        assert!(failures <= 8, "{failures} failures: stale statements were not dropped");
        let last = results.last().unwrap().as_ref().expect("the last read works");
        assert_eq!(last.as_deref(), Some("1"));
        println!("{failures} stale statement(s) met and prepared again");
    });
}
