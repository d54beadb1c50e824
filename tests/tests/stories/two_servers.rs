//! Two server processes on one PostgreSQL, 100 phones spread across both (each phone switching
//! servers between syncs): every phone converges, nothing lost or doubled. Runs only with
//! `MINQING_TEST_POSTGRES` (one SQLite file is one process's).

use std::collections::BTreeSet;
use std::sync::Arc;

use minqing_mobile::Store;
use minqing_mobile::store::{Disposition, NewConcern, NewVisit};
use minqing_mobile::sync::{HttpTransport, SyncEngine};
use minqing_server::AppState;
use minqing_server::store::Db;
use minqing_shared::concern::Category;
use minqing_shared::visit::{Topic, VisitMode};
use minqing_tests::bench::BenchCounty;
use minqing_tests::sql::{Sql, fresh_database, off_runtime, postgres_url};
use minqing_tests::{PASSWORD, ServerProcess};

const BINARY: &str = env!("CARGO_BIN_EXE_minqing-test-server");
const PHONES: usize = 100;
const ROUNDS: usize = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_phones_across_two_servers_converge() {
    if postgres_url().is_none() {
        eprintln!(
            "SKIPPED: two servers share a database only on PostgreSQL (set MINQING_TEST_POSTGRES)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database(dir.path());
    let county = off_runtime(|| {
        let state =
            AppState::with_clock(Db::open(&db).unwrap(), minqing_tests::clock::shared()).unwrap();
        BenchCounty::seed(&state, PHONES)
    })
    .unwrap();
    let servers = [ServerProcess::start(BINARY, &db), ServerProcess::start(BINARY, &db)];
    let urls: Vec<String> = servers.iter().map(|s| s.url.clone()).collect();

    let phones_dir = tempfile::tempdir().unwrap();
    let mut phones = Vec::new();
    for i in 0..PHONES {
        let store = Arc::new(Store::open(&phones_dir.path().join(format!("p{i}.db"))).unwrap());
        let engine = SyncEngine::new(store, HttpTransport::default())
            .with_clock(minqing_tests::clock::shared());
        engine.login(&urls[i % 2], &county.username(i), PASSWORD, "手机").await.unwrap();
        phones.push(Arc::new(engine));
    }
    // A second phone for every tenth cadre, on the other server, to check cross-server pulls.
    let mut twins = Vec::new();
    for i in (0..PHONES).step_by(10) {
        let store = Arc::new(Store::open(&phones_dir.path().join(format!("twin{i}.db"))).unwrap());
        let engine = SyncEngine::new(store, HttpTransport::default())
            .with_clock(minqing_tests::clock::shared());
        engine.login(&urls[(i + 1) % 2], &county.username(i), PASSWORD, "平板").await.unwrap();
        twins.push((i, engine));
    }
    for round in 0..ROUNDS {
        let mut tasks = Vec::new();
        for (i, phone) in phones.iter().enumerate() {
            let (phone, households, url) =
                (phone.clone(), county.households[i].clone(), urls[(i + round) % 2].clone());
            tasks.push(tokio::spawn(async move {
                // The load balancer sends this sync to either server.
                phone.store().write(|tx| {
                    tx.execute("UPDATE account SET server_url = ?1", [&url])?;
                    Ok(())
                })?;
                if round == 0 {
                    phone.sync_once().await.expect("first sync");
                }
                for k in 0..3 {
                    let concerns = if k == 0 {
                        vec![NewConcern {
                            photos: Vec::new(),
                            category: Category::ALL[(i + round) % 12],
                            description: "路灯坏了".into(),
                            disposition: Disposition::Open,
                        }]
                    } else {
                        vec![]
                    };
                    let visit = NewVisit {
                        photos: Vec::new(),
                        household_id: households[(round * 3 + k) % households.len()],
                        mode: VisitMode::InPerson,
                        topics: vec![Topic::LatestNews],
                        policies: String::new(),
                        summary: format!("第{round}轮第{k}次"),
                        gps: None,
                        no_fix: None,
                        visited_at: None,
                        concerns,
                    };
                    phone
                        .store()
                        .record_visit(&visit, minqing_tests::clock::now())
                        .expect("record");
                }
                phone.sync_once().await.map(|_| ())
            }));
        }
        for t in tasks {
            t.await.unwrap().expect("sync through either server");
        }
    }
    let mut sql = Sql::open(&db);
    let mut lost = 0;
    let mut doubled = 0;
    for phone in &phones {
        assert_eq!(phone.store().pending_count().unwrap(), 0);
        let made: Vec<String> = phone
            .store()
            .read(|c| {
                let mut s = c.prepare("SELECT op_id FROM outbox")?;
                let ids =
                    s.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
                Ok(ids)
            })
            .unwrap();
        for op in &made {
            match sql.count("SELECT COUNT(*) FROM ops WHERE op_id = $1", &[op]) {
                0 => lost += 1,
                1 => {}
                _ => doubled += 1,
            }
        }
    }
    assert_eq!((lost, doubled), (0, 0));
    // The log is dense and every op has one place in it.
    let (count, max) = (
        sql.count("SELECT COUNT(*) FROM ops", &[]),
        sql.count("SELECT MAX(server_seq) FROM ops", &[]),
    );
    assert_eq!(count, max, "server_seq has no gaps");
    assert_eq!(sql.count("SELECT COUNT(*) FROM visits", &[]), (PHONES * ROUNDS * 3) as i64);
    // Each twin, syncing through the other server, holds exactly what its cadre's phone made.
    for (i, twin) in &twins {
        twin.sync_once().await.unwrap();
        let ids = |s: &Store| -> BTreeSet<String> {
            s.read(|c| {
                let mut st = c.prepare("SELECT id FROM visits")?;
                let ids = st
                    .query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<BTreeSet<String>>>()?;
                Ok(ids)
            })
            .unwrap()
        };
        assert_eq!(ids(twin.store()), ids(phones[*i].store()), "cadre {i}'s two devices differ");
        assert_eq!(ids(twin.store()).len(), ROUNDS * 3);
    }
    drop(servers);
}
