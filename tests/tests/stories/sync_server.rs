//! Stories of the sync server: a real server on 127.0.0.1:0 over its own SQLite file, phones
//! talking to it over HTTP.

use minqing_shared::concern::{Category, ConcernAction, SpecialReport};
use minqing_shared::ids::HouseholdId;
use minqing_shared::sync::RecordType;
use minqing_shared::sync::op::Payload;
use minqing_tests::phone::login;
use minqing_tests::{ApiPhone, County, PASSWORD, TestServer};

async fn county_server() -> (TestServer, County) {
    let server = TestServer::start().await;
    let county = server.county();
    (server, county)
}

#[tokio::test]
async fn a_cadre_logs_in_and_a_wrong_password_is_refused() {
    let (server, county) = county_server().await;
    let ok = login(&server.url, "wang", PASSWORD).await;
    assert_eq!(ok.status, 200);
    let body = ok.ok();
    assert_eq!(body.token.len(), 64);
    assert_eq!(body.cadre.id, county.wang);
    assert_eq!(body.cadre.profile.name, "王建国");
    assert_eq!(body.cadre.profile.unit_name, "城关镇");
    assert!((body.server_time - minqing_tests::clock::now_ms()).abs() < 60_000);

    for (user, password) in [("wang", "wrong"), ("nobody", PASSWORD), ("", "")] {
        let refused = login(&server.url, user, password).await;
        assert_eq!(refused.status, 401, "{user}");
        assert_eq!(refused.err().error, "invalid_credentials");
    }
}

#[tokio::test]
async fn health_and_metrics_answer() {
    let (server, _) = county_server().await;
    let health: serde_json::Value =
        reqwest::get(format!("{}/healthz", server.url)).await.unwrap().json().await.unwrap();
    assert_eq!(health, serde_json::json!({"status": "ok"}));
    let _ = login(&server.url, "wang", "wrong").await;
    let metrics =
        reqwest::get(format!("{}/metrics", server.url)).await.unwrap().text().await.unwrap();
    assert!(metrics.contains("minqing_http_requests_total{route=\"/api/v1/auth/login\",method=\"POST\",status=\"401\"} 1"), "{metrics}");
    assert!(metrics.contains("minqing_db_call_seconds"), "{metrics}");
    let missing = reqwest::get(format!("{}/no/such/page", server.url)).await.unwrap();
    assert_eq!(missing.status(), 404);
    let body: serde_json::Value = missing.json().await.unwrap();
    assert_eq!(body["error"], "not_found");
}

#[tokio::test]
async fn a_visit_pushed_from_one_phone_is_pulled_by_the_cadre_s_other_phone() {
    let (server, county) = county_server().await;
    let mut phone = ApiPhone::login(&server.url, "wang").await;
    let (household, create) = phone.new_household(county.village, "张老汉");
    let (visit, visit_op) = phone.visit(household, "谈了今年的收成");
    let (concern, raise) =
        phone.raise(household, Some(visit), Category::DrinkingWater, "自来水管冻裂");
    let pushed = phone.push(&[create.clone(), visit_op.clone(), raise.clone()]).await.ok();
    assert_eq!(pushed.acked_through, 3);
    assert!(pushed.rejected.is_empty(), "{:?}", pushed.rejected);

    let mut tablet = ApiPhone::login(&server.url, "wang").await;
    let changes = tablet.pull_all().await;
    let ids: Vec<_> = changes.iter().map(|c| c.op.op_id).collect();
    for op in [&create, &visit_op, &raise] {
        assert!(ids.contains(&op.op_id), "{:?} missing", op.record_type());
    }
    let received_visit = changes.iter().find(|c| c.op.op_id == visit_op.op_id).unwrap();
    assert_eq!(received_visit.op, visit_op, "the op arrives exactly as sent");
    assert!(changes.windows(2).all(|w| w[0].server_seq < w[1].server_seq));
    assert_eq!(changes.iter().filter(|c| c.op.record_id == concern.0).count(), 1);

    // Another cadre's phone sees none of it.
    let mut li = ApiPhone::login(&server.url, "li").await;
    let theirs = li.pull_all().await;
    assert!(theirs.iter().all(|c| c.op.record_id != household.0 && c.op.record_id != visit.0));
}

/// How many pull notes (the audit line, the device's last sync) the server has written.
fn pull_notes(server: &TestServer) -> usize {
    let metrics = server.state.metrics().render();
    let line = metrics.lines().find(|l| l.contains("db_call_seconds_count{call=\"pull_noted\"}"));
    line.and_then(|l| l.rsplit(' ').next()).map_or(0, |n| n.parse().unwrap())
}

#[tokio::test]
async fn a_routine_sync_writes_the_device_s_last_sync_once() {
    let (server, county) = county_server().await;
    let mut phone = ApiPhone::login(&server.url, "wang").await;
    let (household, create) = phone.new_household(county.village, "张老汉");
    phone.push(&[create]).await.ok();
    assert!(phone.pull_all().await.is_empty(), "its own op is not sent back");
    assert_eq!(pull_notes(&server), 0, "the push noted the sync: the empty pull writes nothing");
    let seen =
        server.sql().count("SELECT COUNT(*) FROM devices WHERE last_seen_ms IS NOT NULL", &[]);
    assert!(seen >= 1, "the push wrote the device's last sync");

    // A pull with no push before it writes the note (once a minute), and one that carried
    // records writes its audit line.
    let mut tablet = ApiPhone::login(&server.url, "wang").await;
    assert_eq!(tablet.pull_all().await.len(), 1);
    assert_eq!(pull_notes(&server), 1);
    let (_, visit) = phone.visit(household, "再次走访");
    phone.push(&[visit]).await.ok();
    assert_eq!(tablet.pull_all().await.len(), 1);
    assert_eq!(pull_notes(&server), 2, "the visit pulled is audited");
}

#[tokio::test]
async fn the_same_batch_sent_twice_is_stored_once() {
    let (server, county) = county_server().await;
    let mut phone = ApiPhone::login(&server.url, "wang").await;
    let (household, create) = phone.new_household(county.village, "张老汉");
    let (_, visit) = phone.visit(household, "第一次走访");
    let batch = [create, visit];
    let first = phone.push(&batch).await.ok();
    // The response was lost; the phone sends the same batch again.
    let again = phone.push(&batch).await.ok();
    assert_eq!(first.acked_through, 2);
    assert_eq!(again.acked_through, 2);
    assert!(again.rejected.is_empty());
    // A phone's own ops do not come back to it; the cadre's other phone sees each once.
    assert!(phone.pull_all().await.is_empty());
    let changes = ApiPhone::login(&server.url, "wang").await.pull_all().await;
    assert_eq!(changes.iter().filter(|c| c.op.record_type() == RecordType::Visit).count(), 1);
    assert_eq!(changes.iter().filter(|c| c.op.record_type() == RecordType::Household).count(), 1);
}

#[tokio::test]
async fn a_gap_in_the_sequence_is_answered_with_the_expected_seq() {
    let (server, county) = county_server().await;
    let mut phone = ApiPhone::login(&server.url, "wang").await;
    let (household, create) = phone.new_household(county.village, "张老汉");
    let (_, v1) = phone.visit(household, "一");
    assert_eq!(phone.push(&[create, v1]).await.ok().acked_through, 2);
    let (_, v3) = phone.visit(household, "三");
    let (_, v4) = phone.visit(household, "四");
    let (_, v5) = phone.visit(household, "五");
    // Op 3 never arrives; 4 and 5 do.
    let gap = phone.push(&[v4.clone(), v5.clone()]).await;
    assert_eq!(gap.status, 409);
    let err = gap.err();
    assert_eq!(err.error, "sequence_gap");
    assert_eq!(err.expected_seq, Some(3));
    // Resent from 3, all is well.
    assert_eq!(phone.push(&[v3, v4, v5]).await.ok().acked_through, 5);
}

#[tokio::test]
async fn one_bad_op_among_good_ones_is_quarantined_and_blocks_nothing() {
    let (server, county) = county_server().await;
    let mut phone = ApiPhone::login(&server.url, "wang").await;
    let (household, create) = phone.new_household(county.village, "张老汉");
    let (_, bad) = phone.raise(household, None, Category::Roads, "村口路面坑洼");
    let (_, good) = phone.visit(household, "走访");
    let mut bad_json = serde_json::to_value(&bad).unwrap();
    bad_json["body"]["category"] = serde_json::json!("teleportation");
    let body = serde_json::json!({
        "device_id": phone.device_id,
        "ops": [serde_json::to_value(&create).unwrap(), bad_json, serde_json::to_value(&good).unwrap()],
    });
    let answer = phone.push_json(&body).await.ok();
    assert_eq!(answer.acked_through, 3);
    assert_eq!(answer.rejected.len(), 1);
    assert_eq!(answer.rejected[0].device_seq, 2);
    assert_eq!(answer.rejected[0].error, "unknown_value");
    assert!(answer.rejected[0].message.contains("teleportation"), "{}", answer.rejected[0].message);
    // The answer was lost and the phone sends the batch again: the refusal is told again.
    let again = phone.push_json(&body).await.ok();
    assert_eq!(again.acked_through, 3);
    assert_eq!(again.rejected, answer.rejected);
    let mut other = ApiPhone::login(&server.url, "wang").await;
    let ids: Vec<_> = other.pull_all().await.into_iter().map(|c| c.op.op_id).collect();
    assert!(ids.contains(&create.op_id) && ids.contains(&good.op_id));
    assert!(!ids.contains(&bad.op_id));
    // The refused op is kept aside on the server, with its reason.
    let rows =
        server.sql().rows("SELECT CAST(device_seq AS TEXT), error, raw FROM quarantine", &[]);
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0][0].as_str(), rows[0][1].as_str()), ("2", "unknown_value"));
    assert!(rows[0][2].contains("teleportation"));
}

#[tokio::test]
async fn a_second_op_with_the_id_of_the_first_in_one_batch_is_not_stored_under_it() {
    let (server, county) = county_server().await;
    let mut phone = ApiPhone::login(&server.url, "wang").await;
    let (household, create) = phone.new_household(county.village, "张老汉");
    let (_, first) = phone.visit(household, "谈了秋收");
    let (_, mut second) = phone.visit(household, "另一份记录，借用第一条的编号");
    second.op_id = first.op_id;
    let answer = phone.push(&[create.clone(), first.clone(), second.clone()]).await.ok();
    assert_eq!(answer.acked_through, 3);
    // The log keeps the first op as it was sent, and nothing of the second.
    let mut other = ApiPhone::login(&server.url, "wang").await;
    let pulled: Vec<_> = other.pull_all().await.into_iter().map(|c| c.op).collect();
    let under_the_id: Vec<_> = pulled.iter().filter(|op| op.op_id == first.op_id).collect();
    assert_eq!(under_the_id, vec![&first]);
    assert!(!pulled.iter().any(|op| op.record_id == second.record_id));
}

#[tokio::test]
async fn pushes_outside_the_cadre_s_scope_are_refused_per_op() {
    let (server, county) = county_server().await;
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let (household, create) = wang.new_household(county.village, "张老汉");
    wang.push(&[create]).await.ok();

    let mut li = ApiPhone::login(&server.url, "li").await;
    let (_, visit) = li.visit(household, "不是我的联系户");
    // A household in a village that is not li's.
    let (_, foreign) = li.new_household(county.village, "冒名户");
    // A visit claiming to be wang's, sent from li's phone.
    let (own, own_create) = li.new_household(county.second_village, "李大娘");
    let (_, mut forged) = li.visit(own, "冒名走访");
    if let Payload::Visit(body) = &mut forged.payload {
        body.cadre_id = county.wang;
    }
    let (_, unknown) = li.visit(HouseholdId::new(), "不存在的户");
    let answer = li.push(&[visit, foreign, own_create, forged, unknown]).await.ok();
    assert_eq!(answer.acked_through, 5);
    let codes: Vec<(u64, &str)> =
        answer.rejected.iter().map(|r| (r.device_seq, r.error.as_str())).collect();
    assert_eq!(
        codes,
        vec![
            (1, "out_of_scope"),
            (2, "out_of_scope"),
            (4, "forged_author"),
            (5, "unknown_household")
        ]
    );
    // li's own household went through.
    let mut li_tablet = ApiPhone::login(&server.url, "li").await;
    assert!(li_tablet.pull_all().await.iter().any(|c| c.op.record_id == own.0));
}

#[tokio::test]
async fn office_steps_from_a_phone_and_illegal_transitions_are_refused() {
    let (server, county) = county_server().await;
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let (household, create) = wang.new_household(county.village, "张老汉");
    let (concern, raise) = wang.raise(household, None, Category::Irrigation, "机井坏了");
    let done_too_early = wang.step(concern, ConcernAction::Complete { note: String::new() });
    let escalate = wang.step(
        concern,
        ConcernAction::Escalate {
            report: SpecialReport {
                title: "机井".into(),
                content: "需打新井".into(),
                households_affected: Some(30),
            },
        },
    );
    let explain_after = wang.step(concern, ConcernAction::Explain { note: "已上报".into() });
    let ledger =
        wang.step(concern, ConcernAction::PutOnLedger { reason: "多户".into(), item: None });
    let ops = [create, raise, done_too_early, escalate, explain_after, ledger];
    let answer = wang.push(&ops).await.ok();
    let codes: Vec<(u64, &str)> =
        answer.rejected.iter().map(|r| (r.device_seq, r.error.as_str())).collect();
    // Closing (办结) and the ledger are the office's and the department's, not a phone's; an
    // escalated concern is not explained afterwards.
    assert_eq!(codes, vec![(3, "not_allowed"), (5, "illegal_transition"), (6, "not_allowed")]);
}

#[tokio::test]
async fn a_revoked_phone_is_refused_at_its_next_request() {
    let (server, _) = county_server().await;
    let mut phone = ApiPhone::login(&server.url, "wang").await;
    assert_eq!(phone.pull_page(0, 10).await.status, 200);
    let device = phone.device_id;
    let revoked = server.write(|tx| tx.revoke_device(device, 0));
    assert!(revoked);
    let answer = phone.pull_page(0, 10).await;
    assert_eq!(answer.status, 401);
    assert_eq!(answer.err().error, "token_revoked");
    let push = phone.push(&[]).await;
    assert_eq!(push.status, 401);
    // Other devices of the same cadre keep working.
    let other = ApiPhone::login(&server.url, "wang").await;
    assert_eq!(other.pull_page(0, 10).await.status, 200);
    // No token, or a made-up one.
    let bare = reqwest::get(format!("{}/api/v1/sync/pull?cursor=0", server.url)).await.unwrap();
    assert_eq!(bare.status(), 401);
    phone.token = "0".repeat(64);
    assert_eq!(phone.pull_page(0, 10).await.err().error, "invalid_token");
}

#[tokio::test]
async fn pulls_page_through_every_change_once_in_order() {
    let (server, county) = county_server().await;
    let mut phone = ApiPhone::login(&server.url, "wang").await;
    let (household, create) = phone.new_household(county.village, "张老汉");
    let mut ops = vec![create];
    for i in 0..119 {
        ops.push(phone.visit(household, &format!("第{i}次走访")).1);
    }
    assert_eq!(phone.push(&ops).await.ok().acked_through, 120);
    let phone = ApiPhone::login(&server.url, "wang").await;
    let mut cursor = 0;
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = phone.pull_page(cursor, 50).await.ok();
        pages += 1;
        assert!(page.changes.len() <= 50);
        seen.extend(page.changes.iter().map(|c| (c.server_seq, c.op.op_id)));
        cursor = page.next_cursor;
        if !page.has_more {
            break;
        }
    }
    let pushed: Vec<_> = ops.iter().map(|o| o.op_id).collect();
    let mine: Vec<_> = seen.iter().map(|(_, id)| *id).filter(|id| pushed.contains(id)).collect();
    assert_eq!(mine, pushed, "every op once, in push order");
    assert!(seen.windows(2).all(|w| w[0].0 < w[1].0));
    assert!(pages >= 3);
    // Past the end: an empty page, the same cursor.
    let end = phone.pull_page(cursor, 50).await.ok();
    assert!(end.changes.is_empty() && !end.has_more && end.next_cursor == cursor);
}

#[tokio::test]
async fn an_office_pulls_its_township_and_the_organization_department_the_county() {
    let (server, county) = county_server().await;
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let (ours, create) = wang.new_household(county.village, "张老汉");
    wang.push(&[create]).await.ok();
    let mut zhao = ApiPhone::login(&server.url, "zhao").await;
    let (theirs, create) = zhao.new_household(county.other_village, "赵大爷");
    zhao.push(&[create]).await.ok();

    let mut office = ApiPhone::login(&server.url, "office").await;
    let seen: Vec<_> = office.pull_all().await.into_iter().map(|c| c.op.record_id).collect();
    assert!(seen.contains(&ours.0) && !seen.contains(&theirs.0));
    let mut org = ApiPhone::login(&server.url, "org").await;
    let seen: Vec<_> = org.pull_all().await.into_iter().map(|c| c.op.record_id).collect();
    assert!(seen.contains(&ours.0) && seen.contains(&theirs.0));
}

#[tokio::test]
async fn responses_are_compressed_when_the_client_accepts_it() {
    let (server, county) = county_server().await;
    let mut phone = ApiPhone::login(&server.url, "wang").await;
    let (household, create) = phone.new_household(county.village, "张老汉");
    let mut ops = vec![create];
    for i in 0..40 {
        ops.push(phone.visit(household, &format!("第{i}次走访，谈了收成和医保")).1);
    }
    phone.push(&ops).await.ok();
    let phone = ApiPhone::login(&server.url, "wang").await;
    let raw = reqwest::Client::builder().no_gzip().no_zstd().build().unwrap();
    let resp = raw
        .get(format!("{}/api/v1/sync/pull?cursor=0&limit=100", server.url))
        .bearer_auth(&phone.token)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-encoding"], "gzip");
    let compressed = resp.bytes().await.unwrap().len();
    let plain = raw
        .get(format!("{}/api/v1/sync/pull?cursor=0&limit=100", server.url))
        .bearer_auth(&phone.token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .len();
    assert!(compressed * 4 < plain, "gzip {compressed} vs plain {plain}");
}

#[tokio::test]
async fn oversize_and_malformed_pushes_get_a_clear_error() {
    let (server, county) = county_server().await;
    let mut phone = ApiPhone::login(&server.url, "wang").await;
    let (household, _) = phone.new_household(county.village, "张老汉");
    let ops: Vec<_> = (0..501).map(|_| phone.visit(household, "x").1).collect();
    let too_many = phone.push(&ops).await;
    assert_eq!(too_many.status, 413);
    assert_eq!(too_many.err().error, "too_many_ops");
    let huge =
        serde_json::json!({"device_id": phone.device_id, "ops": [], "pad": "字".repeat(400_000)});
    let too_big = phone.push_json(&huge).await;
    assert_eq!(too_big.status, 413);
    assert_eq!(too_big.err().error, "body_too_large");
    let resp = phone
        .http
        .post(format!("{}/api/v1/sync/push", server.url))
        .bearer_auth(&phone.token)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let err: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(err["error"], "malformed_json");
}
