//! `/app/`: the phone app's web build, served from `--web-dir` with the policy a WebAssembly app
//! needs, revalidated on every start (the service worker keeps the offline copy); before a build
//! is installed, a clear page says how to make one.

use minqing_tests::TestServer;
use reqwest::StatusCode;

#[tokio::test]
async fn the_web_build_is_served_at_app_with_its_policy() {
    let server = TestServer::start().await;
    let web = server.dir().join("web");
    server.state.set_web_dir(web.clone());
    let missing = reqwest::get(format!("{}/app/", server.url)).await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(missing.text().await.unwrap().contains("网页版尚未安装"));

    std::fs::create_dir_all(&web).unwrap();
    std::fs::write(web.join("index.html"), "<!doctype html><title>民情通</title>").unwrap();
    std::fs::write(web.join("minqing_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    let http =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let bare = http.get(format!("{}/app", server.url)).send().await.unwrap();
    assert_eq!(bare.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(bare.headers()["location"], "/app/");
    let page = http
        .get(format!("{}/app/?server=https%3A%2F%2Fx&user=wang", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(page.headers()["cache-control"], "no-cache");
    assert!(page.text().await.unwrap().contains("民情通"));
    let wasm = http.get(format!("{}/app/minqing_bg.wasm", server.url)).send().await.unwrap();
    assert_eq!(wasm.headers()["content-type"], "application/wasm");
    std::fs::write(server.dir().join("secret.txt"), "outside").unwrap();
    let outside = http.get(format!("{}/app/%2e%2e/secret.txt", server.url)).send().await.unwrap();
    assert_eq!(outside.status(), StatusCode::NOT_FOUND, "nothing outside the web folder");
}
