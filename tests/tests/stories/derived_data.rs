//! What the store derives from the visits it keeps — each household's visited weeks and its
//! contacts per month — agrees with the visits, whether noted as they arrive or filled at open
//! for a database from before the tables existed.

use minqing_server::demo::{DemoSpec, generate};
use minqing_server::store::Db;
use minqing_tests::sql::{Sql, fresh_database, off_runtime};

const MONTHS: &str = "SELECT household_id, CAST(month AS TEXT), cadre_id, CAST(weekly AS TEXT),
                             CAST(contacts AS TEXT)
                      FROM household_months ORDER BY 1, 2, 3, 4";

#[tokio::test]
async fn monthly_contacts_agree_with_the_visits_and_are_filled_for_older_databases() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(dir.path());
    let state =
        minqing_server::open_state_with_clock(&url, minqing_tests::clock::shared()).await.unwrap();
    let s = state.clone();
    off_runtime(move || generate(&s, &DemoSpec::small())).unwrap();
    drop(state);

    let mut sql = Sql::open(&url);
    let visits = sql.count("SELECT COUNT(*) FROM visits", &[]);
    assert!(visits > 1000, "the demo county has visits: {visits}");
    // Every visit is counted once, in its household's month, by its cadre and kind.
    assert_eq!(sql.count("SELECT SUM(contacts) FROM household_months", &[]), visits);
    let in_person = sql.count("SELECT COUNT(*) FROM visits WHERE mode = 'in_person'", &[]);
    assert!(in_person > 0 && in_person < visits, "both kinds: {in_person} of {visits}");
    assert_eq!(
        sql.count("SELECT SUM(contacts) FROM household_months WHERE weekly", &[]),
        in_person
    );
    let by_cadre = "SELECT cadre_id, CAST(COUNT(*) AS TEXT) FROM visits GROUP BY cadre_id
                    ORDER BY cadre_id";
    let counted = "SELECT cadre_id, CAST(SUM(contacts) AS TEXT) FROM household_months
                   GROUP BY cadre_id ORDER BY cadre_id";
    assert_eq!(sql.rows(counted, &[]), sql.rows(by_cadre, &[]));
    let noted = sql.rows(MONTHS, &[]);

    // A database from before the table: emptied and marked as filled only to version 1, it is
    // filled at the next open to the same counts.
    sql.rows("DELETE FROM household_months", &[]);
    sql.rows("UPDATE meta SET value = '1' WHERE key = 'derived_version'", &[]);
    assert_eq!(sql.count("SELECT COUNT(*) FROM household_months", &[]), 0);
    let reopened = url.clone();
    off_runtime(move || Db::open(&reopened).map(drop)).unwrap();
    assert_eq!(sql.rows(MONTHS, &[]), noted);
    assert_eq!(sql.column("SELECT value FROM meta WHERE key = 'derived_version'", &[]), ["3"]);
}
