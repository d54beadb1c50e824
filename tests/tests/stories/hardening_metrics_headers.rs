//! `/metrics` and the office pages' headers as an outside tester found them: random HTTP
//! methods no longer grow the metrics without bound, the metrics say what format they are in,
//! they answer only their own machine (not a request a proxy forwarded) or the holder of the
//! metrics token, and every office page carries the security headers.

use minqing_server::state::Perimeter;
use minqing_tests::TestServer;
use minqing_tests::office::OfficeClient;
use reqwest::{Method, StatusCode};

async fn metrics(server: &TestServer, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(format!("{}/metrics", server.url));
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    request.send().await.expect("metrics")
}

#[tokio::test]
async fn random_methods_do_not_grow_the_metrics_and_the_format_is_declared() {
    let server = TestServer::start().await;
    let before = metrics(&server, &[]).await.text().await.unwrap().len();
    let http = reqwest::Client::new();
    for i in 0..300 {
        let method = Method::from_bytes(format!("M{i:04}X").as_bytes()).unwrap();
        let _ = http.request(method, format!("{}/healthz", server.url)).send().await.unwrap();
    }
    let answer = metrics(&server, &[]).await;
    assert_eq!(answer.status(), StatusCode::OK);
    let content_type = answer.headers()[reqwest::header::CONTENT_TYPE].to_str().unwrap().to_owned();
    let body = answer.text().await.unwrap();
    assert!(
        content_type.starts_with("application/openmetrics-text; version=1.0.0"),
        "the content type names the format sent: {content_type}"
    );
    assert!(body.trim_end().ends_with("# EOF"), "OpenMetrics ends with # EOF");
    assert!(body.contains("# TYPE minqing_http_requests counter"), "{body}");
    assert!(body.contains("method=\"OTHER\""), "{body}");
    assert!(!body.contains("M0001X"), "no label per method string");
    assert!(body.len() < before + 2_000, "{} bytes after, {before} before", body.len());
}

#[tokio::test]
async fn metrics_answer_only_this_machine_or_the_token_holder() {
    let server = TestServer::start().await;
    // Straight from loopback, as the monitoring agent on the machine asks: answered.
    assert_eq!(metrics(&server, &[]).await.status(), StatusCode::OK);
    // Forwarded by a proxy on the machine (the documented nginx): refused.
    let proxied = metrics(&server, &[("x-forwarded-for", "203.0.113.5")]).await;
    assert_eq!(proxied.status(), StatusCode::FORBIDDEN);
    let refusal: serde_json::Value = proxied.json().await.unwrap();
    assert!(refusal["message"].as_str().unwrap().starts_with("监控数据"), "{refusal}");

    let server = TestServer::start().await;
    server.state.set_perimeter(Perimeter {
        trusted_proxies: Vec::new(),
        metrics_token: Some("s3cret-metrics-token".into()),
    });
    let with = |token: &'static str| {
        let auth = format!("Bearer {token}");
        let server = &server;
        async move {
            metrics(server, &[("x-forwarded-for", "203.0.113.5"), ("authorization", &auth)])
                .await
                .status()
        }
    };
    assert_eq!(with("s3cret-metrics-token").await, StatusCode::OK);
    assert_eq!(with("s3cret-metrics-tokem").await, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn every_office_page_carries_the_security_headers() {
    let server = TestServer::start().await;
    server.county();
    let org = OfficeClient::login(&server.url, "org").await;
    let http = reqwest::Client::new();
    for path in
        ["/office/login", "/office", "/office/households", "/office/report", "/office/accounts"]
    {
        let resp = http
            .get(format!("{}{path}", server.url))
            .header("cookie", &org.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        let h = resp.headers();
        let get = |name: &str| h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let csp = get("content-security-policy");
        assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("script-src 'unsafe-inline'"), "{path}: {csp}");
        assert_eq!(get("x-frame-options"), "DENY", "{path}");
        assert_eq!(get("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(get("referrer-policy"), "no-referrer", "{path}");
        assert_eq!(get("cache-control"), "no-store", "{path}");
        let body = resp.text().await.unwrap();
        assert!(!body.contains("onclick="), "{path}: no inline handler the policy would block");
    }
    let script = http.get(format!("{}/office/print.js", server.url)).send().await.unwrap();
    assert_eq!(script.status(), StatusCode::OK);
    assert!(script.text().await.unwrap().contains("window.print()"));
}

#[tokio::test]
async fn the_phones_answers_carry_the_short_policy() {
    let server = TestServer::start().await;
    server.county();
    let phone = minqing_tests::ApiPhone::login(&server.url, "wang").await;
    let resp = reqwest::Client::new()
        .get(format!("{}/api/v1/sync/pull?cursor=0&limit=10", server.url))
        .bearer_auth(&phone.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let h = resp.headers();
    let get = |name: &str| h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    assert_eq!(get("content-security-policy"), "default-src 'none'; frame-ancestors 'none'");
    assert_eq!(get("x-content-type-options"), "nosniff");
    assert_eq!(get("cache-control"), "no-store");
    assert_eq!(get("x-frame-options"), "", "framing is already refused by the policy");
    assert_eq!(get("referrer-policy"), "", "a JSON answer has no links");
}
