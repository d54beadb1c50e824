//! The real transport: HTTPS (rustls) with compressed bodies both ways.

#[cfg(not(target_arch = "wasm32"))]
use std::time::Duration;

use minqing_shared::ids::HouseholdId;
use minqing_shared::photo::{PhotoId, UploadStatus};
use minqing_shared::sync::{
    ChangePasswordRequest, ChangePasswordResponse, ErrorBody, HistoryResponse, LoginResponse,
    PROTOCOL_HEADER, PROTOCOL_VERSION, PullResponse, PushRequest, PushResponse,
};
use serde::de::DeserializeOwned;

use super::{Transport, TransportError};

/// reqwest over rustls, gzip both ways, bounded timeouts.
#[derive(Clone, Debug)]
pub struct HttpTransport {
    client: reqwest::Client,
}

impl Default for HttpTransport {
    #[cfg(not(target_arch = "wasm32"))]
    fn default() -> Self {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("minqing-mobile/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("a client with static settings builds");
        Self { client }
    }

    /// In a browser the page's `fetch` sets its own timeouts and user agent (a browser does
    /// not let a page choose it; the server reads the app's version from the protocol header).
    #[cfg(target_arch = "wasm32")]
    fn default() -> Self {
        Self { client: reqwest::Client::new() }
    }
}

impl HttpTransport {
    /// A transport over a client of the caller's (e.g. one connection per request).
    pub fn with_client(client: reqwest::Client) -> Self {
        Self { client }
    }

    /// `GET path` as the device `token`, answered with JSON.
    async fn get<T: DeserializeOwned>(
        &self,
        server_url: &str,
        token: &str,
        path: &str,
    ) -> Result<T, TransportError> {
        let resp = self
            .client
            .get(url(server_url, path))
            .bearer_auth(token)
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION)
            .send()
            .await
            .map_err(offline)?;
        answer(resp).await
    }
}

fn offline(e: reqwest::Error) -> TransportError {
    TransportError::Offline(e.to_string())
}

async fn answer<T: DeserializeOwned>(resp: reqwest::Response) -> Result<T, TransportError> {
    let status = resp.status();
    let bytes = resp.bytes().await.map_err(offline)?;
    if status.is_success() {
        serde_json::from_slice(&bytes).map_err(|e| TransportError::Decode(e.to_string()))
    } else {
        let body = serde_json::from_slice::<ErrorBody>(&bytes).unwrap_or_else(|_| ErrorBody {
            error: "http_error".into(),
            message: String::from_utf8_lossy(&bytes).chars().take(200).collect(),
            expected_seq: None,
        });
        Err(TransportError::Server { status: status.as_u16(), body })
    }
}

fn url(base: &str, path: &str) -> String {
    format!("{}{path}", base.trim_end_matches('/'))
}

fn gzip(json: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(json).expect("writing to memory cannot fail");
    enc.finish().expect("writing to memory cannot fail")
}

impl Transport for HttpTransport {
    async fn login(
        &self,
        server_url: &str,
        username: &str,
        password: &str,
        device_name: &str,
    ) -> Result<LoginResponse, TransportError> {
        let body = serde_json::json!({"username": username, "password": password, "device_name": device_name});
        let resp = self
            .client
            .post(url(server_url, "/api/v1/auth/login"))
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION)
            .json(&body)
            .send()
            .await
            .map_err(offline)?;
        answer(resp).await
    }

    async fn change_password(
        &self,
        server_url: &str,
        token: Option<&str>,
        req: &ChangePasswordRequest,
    ) -> Result<ChangePasswordResponse, TransportError> {
        let mut request = self
            .client
            .post(url(server_url, "/api/v1/auth/change-password"))
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let resp = request.json(req).send().await.map_err(offline)?;
        answer::<ChangePasswordResponse>(resp).await
    }

    async fn push(
        &self,
        server_url: &str,
        token: &str,
        req: &PushRequest,
    ) -> Result<PushResponse, TransportError> {
        let json = serde_json::to_vec(req).map_err(|e| TransportError::Decode(e.to_string()))?;
        let resp = self
            .client
            .post(url(server_url, "/api/v1/sync/push"))
            .bearer_auth(token)
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::CONTENT_ENCODING, "gzip")
            .body(gzip(&json))
            .send()
            .await
            .map_err(offline)?;
        answer(resp).await
    }

    async fn pull(
        &self,
        server_url: &str,
        token: &str,
        cursor: u64,
        limit: u32,
    ) -> Result<PullResponse, TransportError> {
        self.get(server_url, token, &format!("/api/v1/sync/pull?cursor={cursor}&limit={limit}"))
            .await
    }

    async fn history(
        &self,
        server_url: &str,
        token: &str,
        household: HouseholdId,
        after: u64,
        through: u64,
    ) -> Result<HistoryResponse, TransportError> {
        let path =
            format!("/api/v1/sync/household/{household}/history?through={through}&after={after}");
        self.get(server_url, token, &path).await
    }

    async fn photo_status(
        &self,
        server_url: &str,
        token: &str,
        id: &PhotoId,
    ) -> Result<UploadStatus, TransportError> {
        self.get(server_url, token, &format!("/api/v1/photos/{id}")).await
    }

    async fn upload_photo(
        &self,
        server_url: &str,
        token: &str,
        id: &PhotoId,
        offset: u64,
        length: u64,
        rest: Vec<u8>,
    ) -> Result<UploadStatus, TransportError> {
        let path = format!("/api/v1/photos/{id}?offset={offset}&length={length}");
        let resp = self
            .client
            .put(url(server_url, &path))
            .bearer_auth(token)
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION)
            .header(reqwest::header::CONTENT_TYPE, "image/jpeg")
            .body(rest)
            .send()
            .await
            .map_err(offline)?;
        answer(resp).await
    }

    async fn report_erased(&self, server_url: &str, token: &str) -> Result<(), TransportError> {
        let resp = self
            .client
            .post(url(server_url, "/api/v1/device/erased"))
            .bearer_auth(token)
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION)
            .send()
            .await
            .map_err(offline)?;
        answer::<serde_json::Value>(resp).await.map(|_| ())
    }
}
