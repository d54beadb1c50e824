//! A property target on push decoding and merge: arbitrary JSON ops, valid ops with one field
//! replaced by arbitrary JSON, and arbitrary request bodies. No panic, every answer well-formed,
//! and nothing invalid ever reaches the log. Bounded: `MINQING_FUZZ_CASES` cases (default 200).

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::Request;
use minqing_server::store::{DeviceAuth, NewDevice, Scope};
use minqing_server::{AppState, sync};
use minqing_shared::ids::{DeviceId, HouseholdId};
use minqing_shared::org::{Role, UnitKind};
use minqing_shared::sync::Op;
use minqing_shared::sync::validate::validate_op;
use minqing_tests::{ApiPhone, TestServer};
use proptest::prelude::*;
use serde_json::{Value, json};
use tower::ServiceExt;

struct World {
    county: minqing_shared::ids::CountyId,
    server: TestServer,
    auth: DeviceAuth,
    template: Vec<Value>,
    runtime: tokio::runtime::Runtime,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let (server, auth, template) = runtime.block_on(async {
            let server = TestServer::start().await;
            let county = server.county();
            let mut phone = ApiPhone::login(&server.url, "wang").await;
            let (household, create): (HouseholdId, Op) =
                phone.new_household(county.village, "张老汉");
            let (visit, v) = phone.visit(household, "走访");
            let (_, raise) = phone.raise(
                household,
                Some(visit),
                minqing_shared::concern::Category::Health,
                "看病难",
            );
            let template: Vec<Value> =
                [&create, &v, &raise].iter().map(|o| serde_json::to_value(o).unwrap()).collect();
            let device = DeviceId::new();
            let new = NewDevice {
                id: device,
                cadre: county.wang,
                name: "fuzz",
                token_hash: "fuzz-token-hash",
                app_version: None,
            };
            server.write(|tx| tx.insert_device(&new, 0));
            // The unmodified ops go in first, so the log the checks read is never empty.
            let answer = phone.push(&[create.clone(), v.clone(), raise.clone()]).await.ok();
            assert!(answer.rejected.is_empty(), "{:?}", answer.rejected);
            let auth = DeviceAuth {
                device_id: device,
                cadre_id: county.wang,
                role: Role::Ordinary,
                unit_id: county.township,
                unit_kind: UnitKind::Township,
                county_id: county.county,
                revoked: false,
                disabled: false,
                erase: None,
                erase_delivered: false,
            };
            (server, auth, template)
        });
        let county = auth.county_id;
        World { county, server, auth, template, runtime }
    })
}

fn cases() -> u32 {
    std::env::var("MINQING_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(200)
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        ".{0,40}".prop_map(Value::from),
        prop::sample::select(vec![
            "visit",
            "household",
            "concern",
            "raise",
            "assign",
            "in_person",
            "irrigation",
            ""
        ])
        .prop_map(Value::from),
        Just(Value::from(uuid::Uuid::now_v7().to_string())),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A valid op with one field, at any depth, replaced by arbitrary JSON.
fn mutated_op() -> impl Strategy<Value = Value> {
    (0usize..3, any::<prop::sample::Index>(), any_json()).prop_map(|(which, at, replacement)| {
        let mut op = world().template[which].clone();
        let mut paths = Vec::new();
        collect_paths(&op, &mut Vec::new(), &mut paths);
        let path = &paths[at.index(paths.len())];
        *pointer(&mut op, path) = replacement;
        op
    })
}

fn collect_paths(v: &Value, here: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(here.clone());
    if let Value::Object(m) = v {
        for (k, child) in m {
            here.push(k.clone());
            collect_paths(child, here, out);
            here.pop();
        }
    }
}

fn pointer<'a>(v: &'a mut Value, path: &[String]) -> &'a mut Value {
    path.iter().fold(v, |v, k| &mut v[k.as_str()])
}

/// Every op logged after `seq` passes the same checks a push does.
fn logged_after_are_valid(state: &AppState, seq: u64) {
    let county = Scope::County(world().county);
    let changes = state.db().read(|tx| tx.changes_since(county, seq, 10_000, None)).unwrap();
    for change in changes {
        validate_op(&change.op).unwrap_or_else(|e| panic!("{e}: {:?}", change.op));
    }
}

/// Pushes `ops` with seqs continuing from the device's high-water mark, then checks that what
/// it stored is valid.
fn push(state: &AppState, auth: &DeviceAuth, mut ops: Vec<Value>) {
    let high = state.db().read(|tx| tx.high_water(auth.device_id)).unwrap();
    let before = state.db().read(|tx| tx.last_seq()).unwrap();
    for (i, op) in ops.iter_mut().enumerate() {
        if let Value::Object(m) = op {
            if i % 2 == 0 {
                m.insert("device_seq".into(), json!(high + 1 + i as u64));
                m.insert("device_id".into(), json!(auth.device_id));
            }
        }
    }
    let n = ops.len();
    let raw = ops.iter().map(|op| serde_json::value::to_raw_value(op).unwrap()).collect();
    let batch = sync::Batch::read(auth.device_id, raw);
    let result =
        state.db().write(|tx| sync::push(tx, auth, &batch, minqing_tests::clock::now_ms(), None));
    match result {
        Ok(out) => {
            assert!(out.response.acked_through >= high);
            assert!(out.response.rejected.len() <= n);
            assert!(
                out.response.rejected.iter().all(|r| !r.error.is_empty() && !r.message.is_empty())
            );
        }
        Err(e) => assert!(e.status().is_client_error(), "{e:?}"),
    }
    logged_after_are_valid(state, before);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_ops_never_panic(ops in prop::collection::vec(any_json(), 0..6)) {
        let w = world();
        push(&w.server.state, &w.auth, ops);
    }

    #[test]
    fn valid_ops_with_a_field_replaced_never_panic_or_store_garbage(ops in prop::collection::vec(mutated_op(), 1..5)) {
        let w = world();
        push(&w.server.state, &w.auth, ops);
    }

    #[test]
    fn arbitrary_request_bodies_get_a_json_error(body in prop::collection::vec(any::<u8>(), 0..300), gzip in any::<bool>()) {
        let w = world();
        let mut req = Request::post("/api/v1/sync/push")
            .header("authorization", "Bearer none")
            .header("content-type", "application/json");
        if gzip {
            req = req.header("content-encoding", "gzip");
        }
        let response = w.runtime.block_on(minqing_server::router(w.server.state.clone()).oneshot(req.body(Body::from(body)).unwrap())).unwrap();
        prop_assert!(response.status().is_client_error());
        let bytes = w.runtime.block_on(axum::body::to_bytes(response.into_body(), 1 << 16)).unwrap();
        let err: Value = serde_json::from_slice(&bytes).unwrap();
        prop_assert!(err["error"].is_string());
    }
}

#[test]
fn nothing_invalid_is_in_the_log() {
    // Each property checks what its own pushes stored; this reads the whole log, which holds at
    // least the unmodified ops whatever ran before.
    let w = world();
    let bodies = w.server.sql().column("SELECT body FROM ops", &[]);
    assert!(bodies.len() >= 3, "the unmodified ops are in the log");
    for body in bodies {
        let op: Op = serde_json::from_str(&body).unwrap();
        validate_op(&op).unwrap();
    }
}
