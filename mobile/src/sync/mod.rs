//! Background sync: push the outbox in batches, then pull pages into the store. The network is
//! behind [`Transport`], so tests can cut it; [`HttpTransport`] is the real one (reqwest with
//! rustls only — OpenSSL breaks Android builds).

mod engine;
mod http;

pub use engine::{Backoff, SyncEngine, SyncError, SyncReport};
pub use http::HttpTransport;

use minqing_shared::ids::HouseholdId;
use minqing_shared::photo::{PhotoId, UploadStatus};
use minqing_shared::sync::{
    ChangePasswordRequest, ChangePasswordResponse, ErrorBody, HistoryResponse, LoginResponse,
    PullResponse, PushRequest, PushResponse,
};

/// Why a request did not get a good answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// No answer: no signal, a cut connection, a timeout.
    #[error("offline: {0}")]
    Offline(String),
    /// The server answered with an error.
    #[error("{status}: {} ({})", .body.message, .body.error)]
    Server {
        /// The HTTP status.
        status: u16,
        /// The server's error body.
        body: ErrorBody,
    },
    /// The answer could not be read.
    #[error("unreadable answer: {0}")]
    Decode(String),
}

/// `Send` on a phone or desktop, where the engine's futures may move between threads; nothing
/// in a browser, whose HTTP futures (the page's `fetch`) live on its one thread.
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSend: Send {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send> MaybeSend for T {}
/// `Send` on a phone or desktop; nothing in a browser.
#[cfg(target_arch = "wasm32")]
pub trait MaybeSend {}
#[cfg(target_arch = "wasm32")]
impl<T> MaybeSend for T {}

/// The calls a phone makes.
pub trait Transport: Send + Sync {
    /// `POST /api/v1/auth/login`.
    fn login(
        &self,
        server_url: &str,
        username: &str,
        password: &str,
        device_name: &str,
    ) -> impl Future<Output = Result<LoginResponse, TransportError>> + MaybeSend;
    /// `POST /api/v1/auth/change-password`, with the phone's token if it is logged in (so that
    /// it gets a new one: the change ends every other).
    fn change_password(
        &self,
        server_url: &str,
        token: Option<&str>,
        req: &ChangePasswordRequest,
    ) -> impl Future<Output = Result<ChangePasswordResponse, TransportError>> + MaybeSend;
    /// `POST /api/v1/sync/push`.
    fn push(
        &self,
        server_url: &str,
        token: &str,
        req: &PushRequest,
    ) -> impl Future<Output = Result<PushResponse, TransportError>> + MaybeSend;
    /// `GET /api/v1/sync/pull`.
    fn pull(
        &self,
        server_url: &str,
        token: &str,
        cursor: u64,
        limit: u32,
    ) -> impl Future<Output = Result<PullResponse, TransportError>> + MaybeSend;
    /// `GET /api/v1/sync/household/{id}/history?through=N&after=M`: one page.
    fn history(
        &self,
        server_url: &str,
        token: &str,
        household: HouseholdId,
        after: u64,
        through: u64,
    ) -> impl Future<Output = Result<HistoryResponse, TransportError>> + MaybeSend;
    /// `GET /api/v1/photos/{id}`: how much of a photo the server holds.
    fn photo_status(
        &self,
        server_url: &str,
        token: &str,
        id: &PhotoId,
    ) -> impl Future<Output = Result<UploadStatus, TransportError>> + MaybeSend;
    /// `PUT /api/v1/photos/{id}?offset=N&length=L`: the photo's bytes from `offset` on (`rest`).
    fn upload_photo(
        &self,
        server_url: &str,
        token: &str,
        id: &PhotoId,
        offset: u64,
        length: u64,
        rest: Vec<u8>,
    ) -> impl Future<Output = Result<UploadStatus, TransportError>> + MaybeSend;
    /// `POST /api/v1/device/erased`: the phone erased itself as ordered.
    fn report_erased(
        &self,
        server_url: &str,
        token: &str,
    ) -> impl Future<Output = Result<(), TransportError>> + MaybeSend;
}
