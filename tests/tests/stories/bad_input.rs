//! The bad-input catalogue: every kind of bad push gets its stable error code, nothing bad is
//! stored, and the good ops in the same batch are kept.

use minqing_shared::concern::{Category, ConcernAction, Decision};
use minqing_shared::ids::HouseholdId;
use minqing_tests::phone::Answer;
use minqing_tests::{ApiPhone, County, TestServer};
use serde_json::{Value, json};

type Mutate = fn(&mut Value, &Ctx);

/// What a case may refer to.
struct Ctx {
    other_household: HouseholdId,
    other_cadre: String,
    far_future_hlc: u64,
}

async fn setup() -> (TestServer, County, ApiPhone, HouseholdId, Ctx) {
    let server = TestServer::start().await;
    let county = server.county();
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let (mine, create) = wang.new_household(county.village, "张老汉");
    assert!(wang.push(&[create]).await.ok().rejected.is_empty());
    let mut li = ApiPhone::login(&server.url, "li").await;
    let (theirs, create) = li.new_household(county.second_village, "李大娘");
    assert!(li.push(&[create]).await.ok().rejected.is_empty());
    let far = (minqing_tests::clock::now_ms() as u64 + 2 * 86_400_000) << 16;
    let ctx =
        Ctx { other_household: theirs, other_cadre: county.li.to_string(), far_future_hlc: far };
    (server, county, wang, mine, ctx)
}

#[tokio::test]
async fn every_bad_op_is_refused_with_its_code_and_the_good_ops_around_it_are_kept() {
    let (server, _county, mut wang, household, ctx) = setup().await;
    let cases: Vec<(&str, &str, Mutate)> = vec![
        ("an op that is not an object", "malformed_op", |op, _| *op = json!(42)),
        ("a summary that is a number", "malformed_op", |op, _| op["body"]["summary"] = json!(7)),
        ("a missing body", "malformed_op", |op, _| {
            op.as_object_mut().unwrap().remove("body");
        }),
        ("a field the server does not know", "malformed_op", |op, _| {
            op["body"]["mood"] = json!("happy")
        }),
        ("a negative seq", "malformed_op", |op, _| op["device_seq"] = json!(-3)),
        ("an id that is not a UUID", "malformed_op", |op, _| op["record_id"] = json!("visit-1")),
        ("a time that is not a time", "malformed_op", |op, _| {
            op["body"]["visited_at"] = json!("yesterday")
        }),
        ("an unknown record type", "unknown_value", |op, _| op["record_type"] = json!("spaceship")),
        ("an unknown visit mode", "unknown_value", |op, _| op["body"]["mode"] = json!("telepathy")),
        ("an unknown topic", "unknown_value", |op, _| op["body"]["topics"] = json!(["weather"])),
        // PostgreSQL's text cannot hold a NUL: the refusal quoting the value must not either.
        ("a NUL in an unknown value", "unknown_value", |op, _| {
            op["body"]["mode"] = json!("a\u{0}b")
        }),
        ("a schema from the future", "unsupported_schema", |op, _| {
            op["schema_version"] = json!(99)
        }),
        ("an oversize summary", "field_too_long", |op, _| {
            op["body"]["summary"] = json!("长".repeat(4001))
        }),
        ("control characters", "invalid_value", |op, _| op["body"]["summary"] = json!("bell\u{7}")),
        ("a place not on Earth", "invalid_value", |op, _| {
            op["body"]["gps"] = json!({"lat": 91.0, "lon": 0.0})
        }),
        ("a clock two days ahead", "clock_ahead", |op, c| op["hlc"] = json!(c.far_future_hlc)),
        ("a visit in the future", "clock_ahead", |op, _| {
            op["body"]["visited_at"] = json!("2099-01-01T00:00:00Z")
        }),
        ("an unknown household", "unknown_household", |op, _| {
            op["body"]["household_id"] = json!(HouseholdId::new())
        }),
        ("another cadre's household", "out_of_scope", |op, c| {
            op["body"]["household_id"] = json!(c.other_household)
        }),
        ("a visit in another cadre's name", "forged_author", |op, c| {
            op["body"]["cadre_id"] = json!(c.other_cadre)
        }),
        ("an op stamped by another device", "wrong_device", |op, _| {
            op["device_id"] = json!(uuid::Uuid::now_v7())
        }),
    ];
    for (name, code, mutate) in cases {
        let (_, good1) = wang.visit(household, "前一条好的");
        let (_, bad) = wang.visit(household, "被篡改的");
        let (_, good2) = wang.visit(household, "后一条好的");
        let mut bad_json = serde_json::to_value(&bad).unwrap();
        mutate(&mut bad_json, &ctx);
        let body = json!({"device_id": wang.device_id, "ops": [good1, bad_json, good2]});
        let answer = wang.push_json(&body).await.ok();
        assert_eq!(answer.acked_through, good2.device_seq, "{name}");
        let codes: Vec<_> =
            answer.rejected.iter().map(|r| (r.device_seq, r.error.as_str())).collect();
        assert_eq!(codes, vec![(bad.device_seq, code)], "{name}");
        assert!(!answer.rejected[0].message.is_empty(), "{name}");
        stored(&server, &[good1.op_id, good2.op_id], &[bad.op_id], name);
    }
}

/// Steps on concerns that are shaped right but not allowed.
/// A push past 64 KiB (a phone back after weeks without signal) is read on a blocking thread:
/// the same answers as a small push, the bad op refused and the good ones around it kept.
#[tokio::test]
async fn a_big_push_is_read_like_a_small_one() {
    let (server, _county, mut wang, household, _ctx) = setup().await;
    let (mut ops, mut good, mut bad) = (Vec::new(), Vec::new(), None);
    for i in 0..120 {
        if i == 60 {
            let (_, op) = wang.visit(household, "被篡改的");
            let mut json = serde_json::to_value(&op).unwrap();
            json["body"]["mode"] = json!("telepathy");
            ops.push(json);
            bad = Some(op);
        }
        let (_, op) = wang.visit(household, &format!("第{i}次走访：{}", "谈了很多".repeat(60)));
        good.push(op.op_id);
        ops.push(serde_json::to_value(&op).unwrap());
    }
    let bad = bad.unwrap();
    let (_, last) = wang.visit(household, "最后一条");
    good.push(last.op_id);
    ops.push(serde_json::to_value(&last).unwrap());
    let body = json!({"device_id": wang.device_id, "ops": ops});
    assert!(body.to_string().len() > 64 * 1024, "the push is big enough");
    let answer = wang.push_json(&body).await.ok();
    assert_eq!(answer.acked_through, last.device_seq);
    let codes: Vec<_> = answer.rejected.iter().map(|r| (r.device_seq, r.error.as_str())).collect();
    assert_eq!(codes, vec![(bad.device_seq, "unknown_value")]);
    stored(&server, &good, &[bad.op_id], "a big push");
    // And a big body that is not JSON of a push's shape is refused whole.
    let url = format!("{}/api/v1/sync/push", server.url);
    let broken =
        format!("{{\"device_id\": \"{}\", \"ops\": [{}", wang.device_id, "1,".repeat(40_000));
    let resp = reqwest::Client::new()
        .post(&url)
        .bearer_auth(&wang.token)
        .header("content-type", "application/json")
        .body(broken)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "malformed_json");
}

#[tokio::test]
async fn concern_steps_out_of_turn_or_role_are_refused() {
    let (server, _county, mut wang, household, ctx) = setup().await;
    let d = chrono::NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
    let (concern, raise) = wang.raise(household, None, Category::Roads, "村口路面坑洼");
    assert!(wang.push(&[raise]).await.ok().rejected.is_empty());
    let empty = {
        let (_, mut op) = wang.raise(household, None, Category::Roads, "x");
        if let minqing_shared::sync::op::Payload::Concern(step) = &mut op.payload {
            if let ConcernAction::Raise { description, .. } = &mut step.action {
                description.clear();
            }
        }
        op
    };
    let assign = wang.step(
        concern,
        ConcernAction::Assign {
            decision: Decision {
                solution: "修路".into(),
                handler: "交通站".into(),
                unit: None,
                deadline: d,
                meeting_date: d,
            },
        },
    );
    let done = wang.step(concern, ConcernAction::Complete { note: String::new() });
    let mut forged = wang.step(concern, ConcernAction::Explain { note: "冒名".into() });
    if let minqing_shared::sync::op::Payload::Concern(step) = &mut forged.payload {
        step.actor = ctx.other_cadre.parse().unwrap();
    }
    let (_, foreign) = wang.raise(ctx.other_household, None, Category::Health, "不是我的户");
    let (_, good) = wang.visit(household, "好的");
    let ops = [
        empty.clone(),
        assign.clone(),
        done.clone(),
        forged.clone(),
        foreign.clone(),
        good.clone(),
    ];
    let answer = wang.push(&ops).await.ok();
    let codes: Vec<_> = answer.rejected.iter().map(|r| r.error.as_str()).collect();
    assert_eq!(
        codes,
        // A cadre's phone neither decides nor closes (办结) a concern: the office does.
        vec!["missing_field", "not_allowed", "not_allowed", "forged_author", "out_of_scope"]
    );
    stored(
        &server,
        &[good.op_id],
        &[empty.op_id, assign.op_id, done.op_id, forged.op_id, foreign.op_id],
        "steps",
    );
}

#[tokio::test]
async fn households_a_phone_may_not_write_are_refused() {
    let (server, county, mut wang, household, ctx) = setup().await;
    let filed = wang.op(
        household.0,
        minqing_shared::sync::op::Payload::Household(minqing_shared::sync::op::HouseholdPatch {
            status: Some(minqing_shared::household::HouseholdStatus::Filed),
            ..Default::default()
        }),
    );
    let (_, mut bad_phone) = wang.new_household(county.village, "电话有误");
    if let minqing_shared::sync::op::Payload::Household(p) = &mut bad_phone.payload {
        p.phone = Some("call me maybe".into());
    }
    let (_, other_village) = wang.new_household(county.other_village, "外乡户");
    let unit = wang.op(
        uuid::Uuid::now_v7(),
        minqing_shared::sync::op::Payload::Unit(minqing_shared::sync::op::UnitBody {
            name: "假单位".into(),
            kind: minqing_shared::org::UnitKind::Township,
            county_id: None,
        }),
    );
    let edit_theirs = wang.op(
        ctx.other_household.0,
        minqing_shared::sync::op::Payload::Household(minqing_shared::sync::op::HouseholdPatch {
            notes: Some("改别人的户".into()),
            ..Default::default()
        }),
    );
    let (_, good) = wang.visit(household, "好的");
    let ops = [
        filed.clone(),
        bad_phone.clone(),
        other_village.clone(),
        unit.clone(),
        edit_theirs.clone(),
        good.clone(),
    ];
    let answer = wang.push(&ops).await.ok();
    let codes: Vec<_> = answer.rejected.iter().map(|r| r.error.as_str()).collect();
    assert_eq!(
        codes,
        vec!["not_allowed", "invalid_value", "out_of_scope", "not_allowed", "out_of_scope"]
    );
    stored(
        &server,
        &[good.op_id],
        &[filed.op_id, bad_phone.op_id, other_village.op_id, unit.op_id, edit_theirs.op_id],
        "households",
    );
}

#[tokio::test]
async fn whole_requests_that_are_bad_get_a_clear_error_and_store_nothing() {
    let (server, _county, mut wang, household, _ctx) = setup().await;
    let url = format!("{}/api/v1/sync/push", server.url);
    let http = reqwest::Client::builder().no_gzip().build().unwrap();
    let before = op_count(&server);
    let raw = |body: Vec<u8>| {
        http.post(&url)
            .bearer_auth(&wang.token)
            .header("content-type", "application/json")
            .body(body)
    };
    let cases: Vec<(&str, reqwest::RequestBuilder, u16, &str)> = vec![
        ("malformed JSON", raw(b"{\"device_id\": ".to_vec()), 400, "malformed_json"),
        ("an array, not an object", raw(b"[]".to_vec()), 400, "malformed_json"),
        (
            "no ops",
            raw(json!({"device_id": wang.device_id}).to_string().into_bytes()),
            400,
            "malformed_json",
        ),
        (
            "ops that are not a list",
            raw(json!({"device_id": wang.device_id, "ops": "many"}).to_string().into_bytes()),
            400,
            "malformed_json",
        ),
        (
            "a device id that is not a UUID",
            raw(json!({"device_id": "phone", "ops": []}).to_string().into_bytes()),
            400,
            "malformed_json",
        ),
        (
            "invalid UTF-8",
            raw(b"{\"device_id\": \"\xff\xfe\", \"ops\": []}".to_vec()),
            400,
            "malformed_json",
        ),
        (
            "another device's id",
            raw(json!({"device_id": uuid::Uuid::now_v7(), "ops": []}).to_string().into_bytes()),
            403,
            "wrong_device",
        ),
        (
            "a body over 1 MiB",
            raw(json!({"device_id": wang.device_id, "ops": [], "pad": "x".repeat(1_100_000)})
                .to_string()
                .into_bytes()),
            413,
            "body_too_large",
        ),
        (
            "gzip that is not gzip",
            raw(b"not gzip at all".to_vec()).header("content-encoding", "gzip"),
            400,
            "unreadable_body",
        ),
        ("no token", http.post(&url).body("{}"), 401, "missing_token"),
        (
            "a made-up token",
            http.post(&url).bearer_auth("f".repeat(64)).body("{}"),
            401,
            "invalid_token",
        ),
        (
            "an app too old",
            raw(b"{}".to_vec()).header("x-minqing-protocol", "0"),
            426,
            "app_too_old",
        ),
    ];
    for (name, req, status, code) in cases {
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), status, "{name}");
        let body: Value = resp.json().await.unwrap_or_else(|e| panic!("{name}: not JSON: {e}"));
        assert_eq!(body["error"], code, "{name}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{name}");
    }
    // Too many ops, and a seq far past the end.
    let many: Vec<_> = (0..501).map(|_| wang.visit(household, "x").1).collect();
    let answer = wang.push(&many).await;
    assert_eq!((answer.status.as_u16(), answer.err().error.as_str()), (413, "too_many_ops"));
    let (_, mut far) = wang.visit(household, "跳号");
    far.device_seq = u64::MAX;
    let answer: Answer<_> = wang.push(&[far]).await;
    assert_eq!(answer.status, 409);
    assert_eq!(answer.err().expected_seq, Some(2));
    // Bad pulls.
    for query in ["cursor=-1", "cursor=abc", "cursor=1&limit=many"] {
        let resp = http
            .get(format!("{}/api/v1/sync/pull?{query}", server.url))
            .bearer_auth(&wang.token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "{query}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"], "bad_query", "{query}");
    }
    assert_eq!(op_count(&server), before, "nothing was stored");
    // The revoked token, replayed.
    let device = wang.device_id;
    server.write(|tx| tx.revoke_device(device, 0));
    let replay = wang.push(&[]).await;
    assert_eq!((replay.status.as_u16(), replay.err().error.as_str()), (401, "token_revoked"));
}

#[tokio::test]
async fn injection_text_is_stored_as_text() {
    let (server, _county, mut wang, household, _ctx) = setup().await;
    let nasty = [
        "'); DROP TABLE visits; --",
        "\" OR 1=1 --",
        "<script>alert('民情')</script>",
        "<img src=x onerror=alert(1)>",
        "Robert'); DELETE FROM ops WHERE ('1'='1",
    ];
    let ops: Vec<_> = nasty.iter().map(|t| wang.visit(household, t).1).collect();
    assert!(wang.push(&ops).await.ok().rejected.is_empty());
    let mut other = ApiPhone::login(&server.url, "wang").await;
    let summaries: Vec<String> = other
        .pull_all()
        .await
        .into_iter()
        .filter_map(|c| match c.op.payload {
            minqing_shared::sync::op::Payload::Visit(v) => Some(v.summary),
            _ => None,
        })
        .collect();
    for text in nasty {
        assert!(summaries.iter().any(|s| s == text), "{text} came back changed");
    }
    assert!(op_count(&server) >= 7, "the tables are intact");
}

fn op_count(server: &TestServer) -> i64 {
    server.sql().count("SELECT COUNT(*) FROM ops", &[])
}

/// Asserts that `kept` ops are in the log and `refused` ones are not (but are in quarantine).
fn stored(
    server: &TestServer,
    kept: &[minqing_shared::ids::OpId],
    refused: &[minqing_shared::ids::OpId],
    name: &str,
) {
    let mut sql = server.sql();
    for id in kept {
        let n = sql.count("SELECT COUNT(*) FROM ops WHERE op_id = $1", &[&id.to_string()]);
        assert_eq!(n, 1, "{name}: a good op was lost");
    }
    for id in refused {
        let n = sql.count("SELECT COUNT(*) FROM ops WHERE op_id = $1", &[&id.to_string()]);
        assert_eq!(n, 0, "{name}: a bad op was stored");
        // An op that could not be read has no op id: find it by the seq it was acknowledged at.
        let seq = sql.count("SELECT MAX(device_seq) FROM quarantine", &[]).to_string();
        let q = sql.count(
            "SELECT COUNT(*) FROM quarantine WHERE op_id = $1 OR raw LIKE '%' || $1 || '%' OR (op_id IS NULL AND CAST(device_seq AS TEXT) = $2)",
            &[&id.to_string(), &seq],
        );
        assert!(q >= 1, "{name}: the refused op is not in quarantine");
    }
}
