//! An office browser without a browser: logs in through the login form, keeps the session
//! cookie, reads pages and posts forms with the page's CSRF token, and never follows redirects
//! (so stories can assert them).

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

/// A page or form answer.
#[derive(Debug)]
pub struct Page {
    /// The status.
    pub status: StatusCode,
    /// Where a redirect points, if it is one.
    pub location: Option<String>,
    /// The body as text.
    pub body: String,
}

/// A logged-in office browser.
#[derive(Debug)]
pub struct OfficeClient {
    /// The server's base URL.
    pub url: String,
    http: reqwest::Client,
    /// The session cookie (`name=value`).
    pub cookie: String,
    /// The session's CSRF token, as the pages carry it.
    pub csrf: String,
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client")
}

fn set_cookie(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

/// The value of the hidden input `name` in a page.
pub fn hidden(body: &str, name: &str) -> Option<String> {
    let at = body.find(&format!("name=\"{name}\" value=\""))?;
    let rest = &body[at + name.len() + 15..];
    Some(rest[..rest.find('"')?].to_owned())
}

/// Posts the login form as a browser would (its double-submit token included); returns the
/// answer and the `Set-Cookie` of the session, if any.
pub async fn login_form(url: &str, username: &str, password: &str) -> (Page, Option<String>) {
    login_form_with(url, &[("username", username), ("password", password)]).await
}

/// Posts the login form with `fields` (and the form's token); the answer and the session
/// cookie, if one was set.
pub async fn login_form_with(url: &str, fields: &[(&str, &str)]) -> (Page, Option<String>) {
    let http = client();
    let form = http.get(format!("{url}/office/login")).send().await.expect("login page");
    let login_cookie = set_cookie(&form, "minqing_login").expect("a login cookie");
    let token = hidden(&form.text().await.expect("body"), "_login").expect("a login token");
    let pair = login_cookie.split(';').next().unwrap_or_default().to_owned();
    let resp = http
        .post(format!("{url}/office/login"))
        .header(COOKIE, pair)
        .form(&[&[("_login", token.as_str())], fields].concat())
        .send()
        .await
        .expect("login post");
    let session = set_cookie(&resp, "minqing_office");
    (page(resp).await, session)
}

async fn page(resp: reqwest::Response) -> Page {
    let status = resp.status();
    let location = resp.headers().get(LOCATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
    Page { status, location, body: resp.text().await.expect("body") }
}

impl OfficeClient {
    /// A browser without a session.
    pub fn anonymous(url: &str) -> Self {
        Self { url: url.to_owned(), http: client(), cookie: String::new(), csrf: String::new() }
    }

    /// Logs in as `username` with the test password.
    pub async fn login(url: &str, username: &str) -> Self {
        Self::login_with(url, username, crate::PASSWORD).await
    }

    /// Logs in as `username` with `password`.
    pub async fn login_with(url: &str, username: &str, password: &str) -> Self {
        let (answer, session) = login_form(url, username, password).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "login of {username}: {}", answer.body);
        let cookie = session.expect("a session cookie");
        let cookie = cookie.split(';').next().unwrap_or_default().to_owned();
        let mut me = Self { url: url.to_owned(), http: client(), cookie, csrf: String::new() };
        let home = me.get("/office").await;
        assert_eq!(home.status, StatusCode::OK, "{}", home.body);
        me.csrf = hidden(&home.body, "_csrf").expect("a CSRF token on the page");
        me
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Page {
        let resp = self
            .http
            .get(format!("{}{path}", self.url))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .expect("GET");
        page(resp).await
    }

    /// `GET path` as bytes, with the content type.
    pub async fn get_bytes(&self, path: &str) -> (StatusCode, String, Vec<u8>) {
        let resp = self
            .http
            .get(format!("{}{path}", self.url))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .expect("GET");
        let status = resp.status();
        let ct = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (status, ct, resp.bytes().await.expect("body").to_vec())
    }

    /// Posts a form with the session's CSRF token added.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut all = vec![("_csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Uploads `bytes` as the form's `file` named `file_name`, with the session's CSRF token and
    /// `fields`, as a browser's multipart form does.
    pub async fn upload(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Page {
        let mut form = reqwest::multipart::Form::new().text("_csrf", self.csrf.clone());
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        let part = reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned());
        let resp = self
            .http
            .post(format!("{}{path}", self.url))
            .header(COOKIE, &self.cookie)
            .multipart(form.part("file", part))
            .send()
            .await
            .expect("POST");
        page(resp).await
    }

    /// Posts exactly `fields` (no CSRF token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let resp = self
            .http
            .post(format!("{}{path}", self.url))
            .header(COOKIE, &self.cookie)
            .form(fields)
            .send()
            .await
            .expect("POST");
        page(resp).await
    }
}
