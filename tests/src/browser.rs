//! A headless Chromium driven over the W3C WebDriver protocol (Debian's `chromium` and
//! `chromium-driver`), for the office pages' browser story: navigate, type, click, read the
//! page, take screenshots and print to PDF. No JavaScript test framework is needed.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// The browser and its driver, if both are installed (`MINQING_CHROMIUM` and
/// `MINQING_CHROMEDRIVER` override the Debian paths).
pub fn installed() -> Option<(String, String)> {
    let chromium = std::env::var("MINQING_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let driver =
        std::env::var("MINQING_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    (Path::new(&chromium).exists() && Path::new(&driver).exists()).then_some((chromium, driver))
}

/// A headless Chromium session.
#[derive(Debug)]
pub struct Browser {
    driver: Child,
    base: String,
    http: reqwest::Client,
}

fn decode_base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let digits: Vec<u8> = text.bytes().filter_map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, d)| acc | (u32::from(*d) << (18 - 6 * i)));
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..chunk.len().saturating_sub(1)]);
    }
    out
}

impl Browser {
    /// Starts chromedriver and a headless Chromium (1366 px wide, an office PC's screen).
    pub async fn start(chromium: &str, driver: &str) -> Self {
        let options = json!({
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-background-networking", "--disable-dev-shm-usage",
                     "--window-size=1366,900", "--lang=zh-CN"]
        });
        Self::start_with(driver, options).await
    }

    /// Starts a headless Chromium as a phone: 390×844 CSS pixels at 3×, touch, `zh-CN`, keeping
    /// its profile (service workers, IndexedDB) in `profile` so that another start reopens it.
    pub async fn start_phone(chromium: &str, driver: &str, profile: &Path) -> Self {
        let options = json!({
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-background-networking", "--disable-dev-shm-usage",
                     "--lang=zh-CN", "--accept-lang=zh-CN",
                     format!("--user-data-dir={}", profile.display())],
            "mobileEmulation": {
                "deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 3.0, "touch": true},
                "userAgent": "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 \
                              (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"
            }
        });
        Self::start_with(driver, options).await
    }

    async fn start_with(driver: &str, options: Value) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ready = http.get(format!("{base}/status")).send().await;
            if let Ok(r) = ready {
                let status: Value = r.json().await.unwrap_or_default();
                if status["value"]["ready"] == true {
                    break;
                }
            }
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": options
        }}});
        let session: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .expect("session")
            .json()
            .await
            .expect("json");
        let id = session["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {session}"));
        Self { driver: child, base: format!("{base}/session/{id}"), http }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            req = req.json(&body);
        }
        let answer: Value = req.send().await.expect("webdriver").json().await.expect("json");
        if answer["value"].get("error").is_some() {
            panic!("webdriver {path}: {}", answer["value"]);
        }
        answer["value"].clone()
    }

    /// Opens `url`.
    pub async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({"url": url}))).await;
    }

    /// The current URL.
    pub async fn url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None).await.as_str().unwrap_or_default().to_owned()
    }

    /// Waits (up to 10 s) until the current URL contains `fragment`: a click on a form's button
    /// returns before the browser has loaded the answer.
    pub async fn wait_url(&self, fragment: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.url().await.contains(fragment) {
            assert!(Instant::now() < deadline, "never reached {fragment}: at {}", self.url().await);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits (up to 10 s) until the page contains `text`.
    pub async fn wait_text(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.source().await.contains(text) {
            assert!(Instant::now() < deadline, "{text} never appeared at {}", self.url().await);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The page's HTML.
    pub async fn source(&self) -> String {
        self.call(reqwest::Method::GET, "/source", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    async fn find(&self, css: &str) -> String {
        let found = self
            .call(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        found[ELEMENT].as_str().unwrap_or_else(|| panic!("no element {css}")).to_owned()
    }

    /// Types `text` into the element `css`.
    pub async fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/value"),
            Some(json!({"text": text})),
        )
        .await;
    }

    /// Clicks the element `css`, scrolled to the middle of the screen first (a long form's
    /// button may sit under the fixed save bar, which would take the click).
    pub async fn click(&self, css: &str) {
        let id = self.find(css).await;
        let element = json!({ ELEMENT: id });
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({
                "script": "arguments[0].scrollIntoView({block: 'center'});",
                "args": [element],
            })),
        )
        .await;
        self.call(reqwest::Method::POST, &format!("/element/{id}/click"), Some(json!({}))).await;
    }

    /// Runs a script in the page and returns its value.
    pub async fn script(&self, script: &str) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    /// Saves a PNG of the whole page (the window grown to the page's height).
    pub async fn screenshot(&self, path: &Path) {
        let height = self
            .script("return document.documentElement.scrollHeight")
            .await
            .as_u64()
            .unwrap_or(900);
        let rect = json!({"width": 1366, "height": height.clamp(600, 6000) + 120});
        self.call(reqwest::Method::POST, "/window/rect", Some(rect)).await;
        let png = self.call(reqwest::Method::GET, "/screenshot", None).await;
        std::fs::write(path, decode_base64(png.as_str().unwrap_or_default()))
            .expect("write a screenshot");
        self.call(
            reqwest::Method::POST,
            "/window/rect",
            Some(json!({"width": 1366, "height": 900})),
        )
        .await;
    }

    /// Saves a PNG of what the window shows (a phone's screen).
    pub async fn screenshot_screen(&self, path: &Path) {
        let png = self.call(reqwest::Method::GET, "/screenshot", None).await;
        std::fs::write(path, decode_base64(png.as_str().unwrap_or_default()))
            .expect("write a screenshot");
    }

    /// Runs a DevTools-protocol command on the page (e.g. `Network.emulateNetworkConditions`).
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/goog/cdp/execute",
            Some(json!({"cmd": cmd, "params": params})),
        )
        .await
    }

    /// Cuts the page off the network, or brings it back (DevTools' offline emulation: the
    /// page's requests fail, `navigator.onLine` follows, `online`/`offline` events fire).
    pub async fn set_offline(&self, offline: bool) {
        self.cdp("Network.enable", json!({})).await;
        let conditions = json!({"offline": offline, "latency": 0,
                                "downloadThroughput": -1, "uploadThroughput": -1});
        self.cdp("Network.emulateNetworkConditions", conditions).await;
    }

    /// Waits (up to `secs`) until `script` returns true.
    pub async fn wait_until(&self, script: &str, secs: u64) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while self.script(script).await != Value::Bool(true) {
            assert!(Instant::now() < deadline, "never true: {script}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Prints the page to an A4 PDF, backgrounds included.
    pub async fn print_pdf(&self) -> Vec<u8> {
        let options = json!({"background": true, "page": {"width": 21.0, "height": 29.7}});
        let pdf = self.call(reqwest::Method::POST, "/print", Some(options)).await;
        decode_base64(pdf.as_str().unwrap_or_default())
    }

    /// Ends the session and the driver.
    pub async fn quit(mut self) {
        let _ = self.http.delete(&self.base).send().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_round_trips_known_values() {
        assert_eq!(super::decode_base64("TWFu"), b"Man");
        assert_eq!(super::decode_base64("TWE="), b"Ma");
        assert_eq!(super::decode_base64("TQ=="), b"M");
    }
}
