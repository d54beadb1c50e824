//! `minqing-bench sync`: N phones each push a device-day (20 visits and 5 concern updates) and
//! pull, concurrently, against a real server on loopback with SQLite; then one real phone
//! measures the bytes on the wire (through a counting proxy) and a cadre's first sync with a
//! year of history. Prints figures; the last line is the summary the docs quote. With
//! `MINQING_TEST_POSTGRES=postgres://…` it runs on a fresh PostgreSQL database instead.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{BenchCounty, day_ops, ms, percentile};
use crate::phone::ApiPhone;
use crate::proxy::{Proxy, ProxyConfig};
use crate::sql::off_runtime;
use crate::{PASSWORD, TestServer};
use minqing_mobile::Store;
use minqing_mobile::store::{Disposition, NewConcern, NewVisit};
use minqing_mobile::sync::{HttpTransport, SyncEngine, Transport};
use minqing_shared::concern::Category;
use minqing_shared::visit::{Topic, VisitMode};
use tokio::sync::Semaphore;

/// Logins at once: well below the failures one address may have in flight (Argon2 keeps the
/// cores busy with fewer anyway).
const LOGINS_IN_FLIGHT: usize = minqing_server::throttle::ADDRESS_FAILURES / 2;

fn day_visit(household: minqing_shared::ids::HouseholdId, i: usize) -> NewVisit {
    let concerns = if i % 4 == 0 {
        vec![NewConcern {
            photos: Vec::new(),
            category: Category::ALL[i % Category::ALL.len()],
            description: "机井年久失修，浇地困难，希望帮助协调维修".into(),
            disposition: Disposition::Open,
        }]
    } else {
        vec![]
    };
    NewVisit {
        photos: Vec::new(),
        household_id: household,
        mode: VisitMode::InPerson,
        topics: vec![Topic::KeyWork, Topic::HotIssues],
        policies: "讲解医保缴费和粮食补贴政策".into(),
        summary: format!("第{i}户：谈了今年玉米收成、冬季取暖和孩子上学，家中老人身体尚好"),
        gps: None,
        no_fix: None,
        visited_at: None,
        concerns,
    }
}

/// `minqing-bench sync`.
#[derive(Clone, Debug, clap::Args)]
pub struct SyncArgs {
    /// Phones that each push a device-day and pull.
    #[arg(long, default_value_t = 1000)]
    pub phones: usize,
    /// Phones in flight at once.
    #[arg(long, default_value_t = 50)]
    pub concurrency: usize,
}

/// Runs the sync benchmark and prints its figures.
pub async fn run(args: SyncArgs) {
    let SyncArgs { phones, concurrency } = args;
    let server = TestServer::start().await;
    println!(
        "minqing-bench: {phones} phones, {concurrency} in flight, {}, loopback",
        server.state.db().backend()
    );
    let addr: std::net::SocketAddr = server.url.trim_start_matches("http://").parse().unwrap();
    let seeded = Instant::now();
    let county = off_runtime(|| BenchCounty::seed(&server.state, phones + 2)).expect("seed");
    println!("seeded {} cadres with 20 households each in {:.1?}", phones + 2, seeded.elapsed());

    // --- Load: every phone logs in (not timed: Argon2 is slow on purpose), then all push their
    // day and pull, concurrently.
    // Every bench phone logs in from 127.0.0.1, and the login throttle counts an attempt as a
    // failure until its password is checked: fewer logins in flight than one address may fail.
    let login_gate = Arc::new(Semaphore::new(concurrency.min(LOGINS_IN_FLIGHT)));
    let mut logins = Vec::new();
    for i in 0..phones {
        let (url, gate, county) = (server.url.clone(), login_gate.clone(), county.clone());
        logins.push(tokio::spawn(async move {
            let _permit = gate.acquire().await.unwrap();
            let mut phone = ApiPhone::login(&url, &county.username(i)).await;
            let ops = day_ops(&mut phone, &county.households[i]);
            (phone, ops)
        }));
    }
    let mut ready = Vec::new();
    for t in logins {
        ready.push(t.await.expect("login task"));
    }
    // A line to start a profiler on: the load begins.
    println!("logged in {} phones; the load begins", ready.len());
    let gate = Arc::new(Semaphore::new(concurrency));
    let writer_before = server.state.db().writer_load();
    let load = Instant::now();
    let mut tasks = Vec::new();
    for (mut phone, ops) in ready {
        let gate = gate.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire().await.unwrap();
            let ids: Vec<_> = ops.iter().map(|o| o.op_id).collect();
            let start = Instant::now();
            let answer = phone.push(&ops).await.ok();
            let push = start.elapsed();
            assert!(answer.rejected.is_empty(), "{:?}", answer.rejected);
            phone.pull_all().await;
            (push, ids)
        }));
    }
    let mut latencies = Vec::new();
    let mut sent = Vec::new();
    for t in tasks {
        let (push, ids) = t.await.expect("phone task");
        latencies.push(push);
        sent.extend(ids);
    }
    let load_time = load.elapsed();
    let ops_per_s = sent.len() as f64 / load_time.as_secs_f64();
    let (p50, p99) = (percentile(&mut latencies, 50.0), percentile(&mut latencies, 99.0));
    println!(
        "load: {} ops from {phones} phones in {load_time:.2?}: {ops_per_s:.0} ops/s merged (pushes and pulls)",
        sent.len()
    );
    println!("push latency: p50 {:.1} ms, p99 {:.1} ms", ms(p50), ms(p99));
    // SQLite's one writer: its time per op bounds the rate whatever the machine's noise.
    let writer_ms_per_kop = writer_before.zip(server.state.db().writer_load()).map(|(a, b)| {
        let (held, committing) = (b.held - a.held, b.committing - a.committing);
        let per_kop = ms(held) * 1000.0 / sent.len() as f64;
        println!(
            "writer: held {:.0} ms ({:.0} % of the load), committing {:.0} ms in {} commits; {per_kop:.1} ms held per 1,000 ops (at most {:.0} ops/s)",
            ms(held),
            held.as_secs_f64() * 100.0 / load_time.as_secs_f64(),
            ms(committing),
            b.commits - a.commits,
            1_000_000.0 / per_kop
        );
        per_kop
    });
    let (lost, duplicated) = county.audit(&server, &sent).expect("audit");
    println!("lost {lost}, duplicated {duplicated}");

    // --- Bytes on the wire, through a counting proxy, with the real phone engine.
    let proxy = Proxy::start(addr).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = |name: &str| {
        let store = Arc::new(Store::open(&dir.path().join(name)).unwrap());
        SyncEngine::new(store, HttpTransport::default()).with_clock(crate::clock::shared())
    };
    let user = county.username(phones);
    let a = engine("a.db");
    let b = engine("b.db");
    a.login(&proxy.url(), &user, PASSWORD, "A").await.unwrap();
    b.login(&proxy.url(), &user, PASSWORD, "B").await.unwrap();
    a.sync_once().await.unwrap();
    b.sync_once().await.unwrap();
    let households = county.households[phones].clone();
    for (i, h) in households.iter().enumerate() {
        a.store().record_visit(&day_visit(*h, i), crate::clock::now()).unwrap();
    }
    assert_eq!(a.store().pending_count().unwrap(), 25);
    let account = a.store().account().unwrap().unwrap();
    let ops = a.store().pending_ops(200, 64 * 1024).unwrap();
    let before = proxy.bytes();
    let req = minqing_shared::sync::PushRequest { device_id: account.device_id, ops };
    let resp = a.transport().push(&account.server_url, &account.token, &req).await.unwrap();
    let push_day = sum(proxy.bytes()) - sum(before);
    a.store()
        .acknowledge(resp.acked_through, &resp.rejected, crate::clock::now_ms(), resp.server_time)
        .unwrap();
    println!("push a day (25 ops) in 1 request: {push_day} bytes");

    let before = sum(proxy.bytes());
    let pulled = b.sync_once().await.unwrap();
    let pull_day = sum(proxy.bytes()) - before;
    println!(
        "pull a day into the cadre's other phone: {pull_day} bytes, {} changes, {} request(s)",
        pulled.pulled, pulled.requests
    );

    let before = sum(proxy.bytes());
    let noop = b.sync_once().await.unwrap();
    let noop_bytes = sum(proxy.bytes()) - before;
    println!("no-op sync: {noop_bytes} bytes in {} request(s)", noop.requests);

    a.store().record_visit(&day_visit(households[0], 99), crate::clock::now()).unwrap();
    let routine = a.sync_once().await.unwrap();
    println!("routine sync (a visit to send): {} requests", routine.requests);

    // --- A cadre's first sync with a year of history.
    let year_user = county.username(phones + 1);
    let history =
        off_runtime(|| county.add_year(&server.state, phones + 1)).expect("a year of history");
    let fresh = engine("year.db");
    fresh.login(&proxy.url(), &year_user, PASSWORD, "new phone").await.unwrap();
    let before = sum(proxy.bytes());
    let start = Instant::now();
    let first = fresh.sync_once().await.unwrap();
    let first_ms = start.elapsed();
    println!(
        "first sync with a year of history ({history} ops): {} changes in {} requests, {:.0} ms, {} bytes",
        first.pulled,
        first.requests,
        ms(first_ms),
        sum(proxy.bytes()) - before
    );
    // --- One phone over a 2G link: 50 kbit/s, 700 ms round trip, 3% loss.
    let slow = SyncEngine::new(
        Arc::new(Store::open(&dir.path().join("2g.db")).unwrap()),
        HttpTransport::with_client(
            reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap(),
        ),
    )
    .with_clock(crate::clock::shared());
    slow.login(&proxy.url(), &user, PASSWORD, "2G").await.unwrap();
    slow.sync_once().await.unwrap();
    let two_g = ProxyConfig {
        bandwidth: Some(50_000 / 8),
        rtt: Duration::from_millis(700),
        loss: 0.03,
        ..ProxyConfig::default()
    };
    proxy.set(two_g);
    for (i, h) in households.iter().enumerate() {
        slow.store().record_visit(&day_visit(*h, i), crate::clock::now()).unwrap();
    }
    let start = Instant::now();
    slow.sync_once().await.unwrap();
    let two_g_day = start.elapsed();
    println!("2G: a device-day (25 ops) pushed and pulled in {:.1} s", two_g_day.as_secs_f64());
    // Cut mid-push, then resume: what goes up again?
    for (i, h) in households.iter().enumerate() {
        slow.store().record_visit(&day_visit(*h, i + 100), crate::clock::now()).unwrap();
    }
    proxy.set(ProxyConfig { cut_request: 1.0, ..two_g });
    assert!(slow.sync_once().await.is_err());
    proxy.set(two_g);
    let (up_before, _) = proxy.bytes();
    let start = Instant::now();
    let resumed = slow.sync_once().await.unwrap();
    let (up_after, _) = proxy.bytes();
    println!(
        "2G: after a cut mid-push, resumed in {:.1} s; sent again: {} bytes up in {} push ({} ops, one batch)",
        start.elapsed().as_secs_f64(),
        up_after - up_before,
        resumed.requests - 1,
        resumed.pushed
    );
    proxy.set(ProxyConfig::default());

    let writer =
        writer_ms_per_kop.map(|w| format!(" writer_ms_per_kop={w:.1}")).unwrap_or_default();
    println!(
        "ops_per_s={:.0}{writer} p99_push_ms={:.0} push_day_bytes={push_day} pull_day_bytes={pull_day} noop_sync_bytes={noop_bytes} requests_per_sync={} first_sync_ms={:.0} lost={lost} duplicated={duplicated}",
        ops_per_s,
        ms(p99),
        routine.requests,
        ms(first_ms)
    );
}

fn sum((up, down): (u64, u64)) -> u64 {
    up + down
}
