//! `minqing-bench office`: every office page and export, as a township office, a county
//! department and the Organization Department see them, over a city of demo counties (or an
//! existing database). Prints each page's median and 95th percentile; the last line is the
//! summary the docs quote. With `MINQING_TEST_POSTGRES=postgres://…` and no `--db` the city is
//! generated on a fresh PostgreSQL database.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use minqing_shared::calendar::{Period, VisitWeek, YearMonth};
use minqing_shared::clock::SystemClock;

use super::{ms, percentile};
use crate::TestServer;
use crate::office::OfficeClient;
use crate::sql::off_runtime;

/// `minqing-bench office`.
#[derive(Clone, Debug, clap::Args)]
pub struct OfficeArgs {
    /// An existing database holding the demo city (`sqlite:…` or `postgres://…`); without it a
    /// city is generated into a fresh one.
    #[arg(long, conflicts_with = "url")]
    pub db: Option<String>,
    /// A running server holding the demo city, e.g. `http://127.0.0.1:8080` (on loopback:
    /// nothing else is benchmarked); without it the benchmark serves the database itself.
    #[arg(long)]
    pub url: Option<String>,
    /// Demo counties to generate (without `--db`).
    #[arg(long, default_value_t = 1)]
    pub counties: usize,
    /// Times each page is fetched per account.
    #[arg(long, default_value_t = 20)]
    pub rounds: usize,
    /// The accounts to log in as (the township office, a county department's office and the
    /// Organization Department of the first county).
    #[arg(long = "as", default_values_t = ["demo-office".to_owned(), "office-d01".to_owned(), "demo-org".to_owned()])]
    pub accounts: Vec<String>,
}

/// The demo password (docs/OFFICE.md).
const DEMO_PASSWORD: &str = "minqing-demo";

/// Runs the office benchmark and prints its figures.
pub async fn run(args: OfficeArgs) {
    let clock: minqing_shared::clock::SharedClock = Arc::new(SystemClock);
    let server = match &args.url {
        Some(url) => {
            println!("minqing-bench office: the server at {url}");
            None
        }
        None => Some(serve(&args, clock.clone()).await),
    };
    let url =
        server.as_ref().map_or_else(|| args.url.clone().unwrap_or_default(), |s| s.url.clone());

    let today = clock.today();
    let week = VisitWeek::of(today);
    let month = YearMonth::of(today);
    let last_month = month.prev();
    let quarter = Period::quarter_of(today).code();
    let year = Period::year_of(today).code();
    let pages: Vec<String> = vec![
        "/office".into(),
        "/office/households".into(),
        "/office/households?page=3".into(),
        "/office/households?status=proposed".into(),
        "/office/households?q=%E7%8E%8B".into(),
        "/office/households.csv".into(),
        "/office/households/new".into(),
        "/office/week".into(),
        format!("/office/week?week={}", week.prev()),
        "/office/concerns".into(),
        "/office/concerns?status=escalated".into(),
        "/office/concerns?age=stale".into(),
        "/office/report".into(),
        format!("/office/report?month={last_month}"),
        format!("/office/report/export.xlsx?month={last_month}"),
        format!("/office/report/export.csv?month={last_month}"),
        "/office/meeting".into(),
        "/office/ledger".into(),
        "/office/evaluation".into(),
        format!("/office/evaluation?period={quarter}"),
        format!("/office/evaluation?period={year}"),
        format!("/office/evaluation/notice?period={quarter}"),
        "/office/cards".into(),
        "/office/accounts".into(),
        "/office/audit".into(),
        "/office/audit.csv".into(),
        "/office/import".into(),
    ];
    let mut times: BTreeMap<String, Vec<Duration>> = BTreeMap::new();
    for user in &args.accounts {
        let office = OfficeClient::login_with(&url, user, DEMO_PASSWORD).await;
        // One household and one concern the account sees, from its own lists.
        let mut paths = pages.clone();
        let households = office.get("/office/households").await;
        if let Some(id) = first_link(&households.body, "/office/households/") {
            paths.push(format!("/office/households/{id}"));
        }
        let concerns = office.get("/office/concerns").await;
        if let Some(id) = first_link(&concerns.body, "/office/concerns/") {
            paths.push(format!("/office/concerns/{id}"));
        }
        for _ in 0..args.rounds {
            for path in &paths {
                let start = Instant::now();
                let (status, _, body) = office.get_bytes(path).await;
                let took = start.elapsed();
                // The organization-only pages answer an office with a refusal page: timed too.
                assert!(
                    status.is_success() || status.as_u16() == 403,
                    "{user} {path}: {status} {}",
                    String::from_utf8_lossy(&body)
                );
                times.entry(format!("{user} {}", label(path))).or_default().push(took);
            }
        }
    }
    let mut worst = (Duration::ZERO, String::new());
    for (page, list) in &mut times {
        let (p50, p95) = (percentile(list, 50.0), percentile(list, 95.0));
        println!("{page:<58} p50 {:>7.1} ms  p95 {:>7.1} ms", ms(p50), ms(p95));
        if p95 > worst.0 {
            worst = (p95, page.clone());
        }
    }
    println!("office_pages={} p95_ms_max={:.1} slowest={:?}", times.len(), ms(worst.0), worst.1);
    if let Some(server) = server {
        server.stop().await;
    }
}

/// A server over `--db`, or over a fresh database with a new demo city.
async fn serve(args: &OfficeArgs, clock: minqing_shared::clock::SharedClock) -> TestServer {
    let dir = tempfile::tempdir().expect("temp dir");
    let db_url = args.db.clone().unwrap_or_else(|| crate::sql::fresh_database(dir.path()));
    let server = TestServer::start_on_with_clock(dir, db_url, clock).await;
    println!("minqing-bench office: {}, loopback", server.state.db().backend());
    if args.db.is_none() {
        let start = Instant::now();
        let state = server.state.clone();
        let counties = args.counties;
        let summary = off_runtime(move || minqing_server::demo::ensure_demo(&state, counties))
            .expect("generate the demo city");
        println!("generated {counties} demo counties in {:.1?}", start.elapsed());
        println!("{summary}");
    }
    server
}

/// The path with ids replaced, so each account's detail pages group as one.
fn label(path: &str) -> String {
    path.split('/')
        .map(|part| if uuid::Uuid::parse_str(part).is_ok() { "{id}" } else { part })
        .collect::<Vec<_>>()
        .join("/")
}

/// The first id linked under `prefix` in `html`.
fn first_link(html: &str, prefix: &str) -> Option<String> {
    let needle = format!("href=\"{prefix}");
    html.match_indices(&needle).find_map(|(at, _)| {
        let rest = &html[at + needle.len()..];
        let id: String = rest.chars().take_while(|c| c.is_ascii_hexdigit() || *c == '-').collect();
        uuid::Uuid::parse_str(&id).is_ok().then_some(id)
    })
}
