//! Chaos: 50 phones work and sync through a proxy that cuts connections, drops responses after
//! the server committed, duplicates and delays requests; some phones' clocks are a day fast or
//! slow; the server process is killed with SIGKILL and restarted three times. At the end nothing
//! is lost or doubled, and every phone's state equals the server's for its scope.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use minqing_mobile::Store;
use minqing_mobile::store::{Disposition, NewConcern, NewVisit};
use minqing_mobile::sync::{HttpTransport, SyncEngine};
use minqing_shared::concern::Category;
use minqing_shared::visit::{Topic, VisitMode};
use minqing_tests::bench::BenchCounty;
use minqing_tests::proxy::{Proxy, ProxyConfig};
use minqing_tests::sql::{Sql, fresh_database, off_runtime};
use minqing_tests::{PASSWORD, ServerProcess};

const BINARY: &str = env!("CARGO_BIN_EXE_minqing-test-server");
const PHONES: usize = 50;
const ROUNDS: usize = 8;
const DAY_MS: i64 = 86_400_000;

fn chaos() -> ProxyConfig {
    ProxyConfig {
        cut_request: 0.1,
        drop_response: 0.1,
        duplicate: 0.1,
        delay: Duration::from_millis(5),
        ..ProxyConfig::default()
    }
}

struct Phone {
    engine: SyncEngine<HttpTransport>,
    skew_ms: i64,
    households: Vec<minqing_shared::ids::HouseholdId>,
    cadre: minqing_shared::ids::CadreId,
}

impl Phone {
    fn wall(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.engine.now_ms()).unwrap()
    }
}

fn one_connection_per_request() -> HttpTransport {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    HttpTransport::with_client(client)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_lost_or_doubled_through_cuts_duplicates_skewed_clocks_and_server_kills() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database(dir.path());
    let county = {
        let state = minqing_server::open_state_with_clock(&db, minqing_tests::clock::shared())
            .await
            .unwrap();
        off_runtime(|| BenchCounty::seed(&state, PHONES)).unwrap()
    };
    let mut server = ServerProcess::start(BINARY, &db);
    let proxy = Proxy::start(server.url.trim_start_matches("http://").parse().unwrap()).await;

    let phones_dir = tempfile::tempdir().unwrap();
    let mut phones = Vec::new();
    for i in 0..PHONES {
        let store = Arc::new(Store::open(&phones_dir.path().join(format!("p{i}.db"))).unwrap());
        let skew_ms = match i % 5 {
            1 => DAY_MS,
            2 => -DAY_MS,
            _ => 0,
        };
        let engine = SyncEngine::new(store, one_connection_per_request()).with_clock(
            std::sync::Arc::new(minqing_shared::clock::ShiftedClock::with_offset(
                minqing_tests::clock::clock().offset_ms() + skew_ms,
            )),
        );
        engine.login(&proxy.url(), &county.username(i), PASSWORD, "手机").await.unwrap();
        engine.sync_once().await.unwrap();
        phones.push(Arc::new(Phone {
            engine,
            skew_ms,
            households: county.households[i].clone(),
            cadre: county.cadres[i],
        }));
    }
    proxy.set(chaos());

    let mut kills = 0;
    for round in 0..ROUNDS {
        let mut tasks = Vec::new();
        for (i, phone) in phones.iter().enumerate() {
            let phone = phone.clone();
            tasks.push(tokio::spawn(async move {
                for k in 0..2 {
                    let h = phone.households[(round * 2 + k) % phone.households.len()];
                    let concerns = if (i + round + k) % 3 == 0 {
                        vec![NewConcern {
                            photos: Vec::new(),
                            category: Category::ALL[(i + round) % 12],
                            description: format!("第{round}轮反映的问题"),
                            disposition: if k == 0 {
                                Disposition::Open
                            } else {
                                Disposition::Explained("已解释".into())
                            },
                        }]
                    } else {
                        vec![]
                    };
                    let visit = NewVisit {
                        photos: Vec::new(),
                        household_id: h,
                        mode: VisitMode::InPerson,
                        topics: vec![Topic::HotIssues],
                        policies: String::new(),
                        summary: format!("手机{i}第{round}轮第{k}次走访"),
                        gps: None,
                        no_fix: None,
                        visited_at: None,
                        concerns,
                    };
                    phone.engine.store().record_visit(&visit, phone.wall()).unwrap();
                }
                // Failures are expected here: the network is hostile.
                let _ = phone.engine.sync_once().await;
            }));
        }
        if round % 2 == 1 && kills < 3 {
            // Kill the server while the phones are mid-sync, then bring it back.
            tokio::time::sleep(Duration::from_millis(30)).await;
            server.kill();
            kills += 1;
            server = ServerProcess::start(BINARY, &db);
            proxy.set_upstream(server.url.trim_start_matches("http://").parse().unwrap());
        }
        for t in tasks {
            t.await.unwrap();
        }
    }
    assert_eq!(kills, 3);
    let faults = proxy.stats.faults.load(std::sync::atomic::Ordering::Relaxed);
    assert!(faults > 20, "the proxy misbehaved only {faults} times");

    // The network heals: every phone syncs until nothing is pending (bounded).
    proxy.set(ProxyConfig::default());
    for phone in &phones {
        let mut ok = false;
        for _ in 0..5 {
            if phone.engine.sync_once().await.is_ok()
                && phone.engine.store().pending_count().unwrap() == 0
            {
                ok = true;
                break;
            }
        }
        assert!(ok, "a phone could not finish syncing");
        // Pull again, so each phone has what the others' faults delayed.
        phone.engine.sync_once().await.unwrap();
    }

    let mut sql = Sql::open(&db);
    let mut lost = 0;
    let mut doubled = 0;
    for (i, phone) in phones.iter().enumerate() {
        let store = phone.engine.store();
        let info = store.sync_info().unwrap();
        assert!(
            info.rejected.is_empty(),
            "phone {i} (clock {} ms off) had ops refused: {:?}",
            phone.skew_ms,
            info.rejected
        );
        // Every op the phone made is on the server exactly once.
        let made: Vec<String> = store
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
        // The phone's visits and concerns equal the server's for its households.
        let cadre = phone.cadre.to_string();
        let server_visits: BTreeMap<String, serde_json::Value> = sql
            .rows("SELECT v.id, v.body FROM visits v JOIN households h ON h.id = v.household_id WHERE h.cadre_id = $1", &[&cadre])
            .into_iter()
            .map(|r| (r[0].clone(), serde_json::from_str(&r[1]).unwrap()))
            .collect();
        let phone_visits: BTreeMap<String, serde_json::Value> = store
            .read(|c| {
                let mut s = c.prepare("SELECT id, visit FROM visits")?;
                let rows = s
                    .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
                    .map(|r| r.map(|(id, v)| (id, serde_json::from_str(&v).unwrap())))
                    .collect::<rusqlite::Result<_>>()?;
                Ok(rows)
            })
            .unwrap();
        assert_eq!(phone_visits, server_visits, "phone {i}: visits differ");
        let server_concerns: BTreeMap<String, serde_json::Value> = sql
            .rows("SELECT c.id, c.state FROM concerns c JOIN households h ON h.id = c.household_id WHERE h.cadre_id = $1", &[&cadre])
            .into_iter()
            .map(|r| (r[0].clone(), serde_json::from_str(&r[1]).unwrap()))
            .collect();
        let phone_concerns: BTreeMap<String, serde_json::Value> = store
            .read(|c| {
                let mut s = c.prepare("SELECT id, state FROM concerns")?;
                let rows = s
                    .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
                    .map(|r| r.map(|(id, state)| (id, serde_json::from_str(&state).unwrap())))
                    .collect::<rusqlite::Result<_>>()?;
                Ok(rows)
            })
            .unwrap();
        assert_eq!(phone_concerns, server_concerns, "phone {i}: concerns differ");
        // A skewed phone recorded true times: no visit is more than a minute in the future.
        let latest = sql.count(
            "SELECT COALESCE(MAX(visited_ms), 0) FROM visits v JOIN households h ON h.id = v.household_id WHERE h.cadre_id = $1",
            &[&cadre],
        );
        assert!(latest <= minqing_tests::clock::now_ms() + 60_000, "phone {i} stamped the future");
    }
    let expected_visits = (PHONES * ROUNDS * 2) as i64;
    let visits = sql.count("SELECT COUNT(*) FROM visits", &[]);
    println!(
        "chaos: {PHONES} phones, {ROUNDS} rounds, {faults} faults, 3 kills: lost={lost} doubled={doubled} visits={visits}"
    );
    assert_eq!((lost, doubled), (0, 0));
    assert_eq!(visits, expected_visits);
}
