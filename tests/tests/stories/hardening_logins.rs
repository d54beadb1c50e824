//! The login throttle as an attacker meets it: behind the documented reverse proxy every
//! client has the proxy's address, so the throttle must count by the client's real one
//! (`X-Forwarded-For`, believed only from a configured proxy); a burst of concurrent wrong
//! passwords gets no more tries than the same tries in a row; and failures from one address do
//! not lock another out of a correct password.

use minqing_tests::{PASSWORD, TestServer};
use reqwest::StatusCode;

/// A login as `username` with `password`, through a proxy that says the client is `client`.
async fn login_from(
    server: &TestServer,
    client: Option<&str>,
    username: &str,
    password: &str,
) -> StatusCode {
    let mut request = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/login", server.url))
        .json(&serde_json::json!({"username": username, "password": password, "device_name": "p"}));
    if let Some(client) = client {
        request = request.header("x-forwarded-for", client);
    }
    request.send().await.expect("login").status()
}

async fn behind_proxy() -> TestServer {
    let server = TestServer::start().await;
    server.county();
    server.state.set_perimeter(minqing_server::state::Perimeter {
        trusted_proxies: vec!["127.0.0.1/32".parse().unwrap()],
        metrics_token: None,
    });
    server
}

#[tokio::test]
async fn one_address_guessing_behind_the_proxy_does_not_stop_the_county_s_logins() {
    let server = behind_proxy().await;
    let attacker = Some("203.0.113.5");
    for i in 0..minqing_server::throttle::ADDRESS_FAILURES {
        let status = login_from(&server, attacker, &format!("guess{i}"), "wrong-pass").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "guess {i}");
    }
    assert_eq!(
        login_from(&server, attacker, "wang", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "the guessing address waits, even with a right password"
    );
    // Every other client, through the same proxy, logs in.
    assert_eq!(login_from(&server, Some("198.51.100.7"), "wang", PASSWORD).await, StatusCode::OK);
    assert_eq!(
        login_from(&server, Some("198.51.100.8, 10.0.0.1"), "li", PASSWORD).await,
        StatusCode::OK,
        "the header's last address that is not a trusted proxy is the client"
    );
}

#[tokio::test]
async fn a_forwarded_for_header_from_anyone_but_a_trusted_proxy_is_ignored() {
    let server = TestServer::start().await;
    server.county();
    for i in 0..minqing_server::throttle::ADDRESS_FAILURES {
        let rotated = format!("192.0.2.{i}");
        let status = login_from(&server, Some(&rotated), &format!("guess{i}"), "wrong").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let status = login_from(&server, Some("192.0.2.200"), "guess-more", "wrong").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "rotating the header does not escape");
}

#[tokio::test]
async fn thirteen_concurrent_wrong_passwords_get_five_tries_and_the_rest_wait() {
    let server = TestServer::start().await;
    server.county();
    let mut tries = tokio::task::JoinSet::new();
    for i in 0..13 {
        let url = server.url.clone();
        tries.spawn(async move {
            reqwest::Client::new()
                .post(format!("{url}/api/v1/auth/login"))
                .json(&serde_json::json!({"username": "wang", "password": format!("wrong-{i}")}))
                .send()
                .await
                .expect("login")
                .status()
        });
    }
    let statuses = tries.join_all().await;
    let wrong = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let waited = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((wrong, waited), (minqing_server::throttle::PAIR_FAILURES, 8), "{statuses:?}");
}

#[tokio::test]
async fn failures_for_an_account_from_one_address_do_not_lock_out_its_owner_elsewhere() {
    let server = behind_proxy().await;
    let attacker = Some("203.0.113.9");
    for _ in 0..minqing_server::throttle::PAIR_FAILURES {
        assert_eq!(login_from(&server, attacker, "wang", "wrong").await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        login_from(&server, attacker, "wang", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // wang, on the phone, from the township's network.
    assert_eq!(login_from(&server, Some("198.51.100.20"), "wang", PASSWORD).await, StatusCode::OK);
}
