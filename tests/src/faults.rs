//! A transport that fails on purpose, between the phone's engine and the real HTTP transport.

use std::sync::Mutex;

use minqing_mobile::sync::{HttpTransport, Transport, TransportError};
use minqing_shared::ids::HouseholdId;
use minqing_shared::photo::{PhotoId, UploadStatus};
use minqing_shared::sync::{
    ChangePasswordRequest, ChangePasswordResponse, HistoryResponse, LoginResponse, PullResponse,
    PushRequest, PushResponse,
};

/// What the next push meets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The request never reaches the server.
    DropRequest,
    /// The server commits, but the response is lost on the way back.
    DropResponse,
}

/// The real transport with faults injected into chosen pushes.
#[derive(Debug, Default)]
pub struct FaultyTransport {
    inner: HttpTransport,
    /// Faults for the coming pushes, first first; `None` lets one through.
    pub push_faults: Mutex<Vec<Option<Fault>>>,
    /// Whether the network is down altogether.
    pub offline: Mutex<bool>,
    /// Pushes attempted, including failed ones.
    pub pushes: Mutex<u32>,
    /// The next photo upload sends this many bytes of its body, then the connection is cut.
    pub cut_photo_after: Mutex<Option<usize>>,
    /// The offsets photo uploads started from, in order.
    pub photo_offsets: Mutex<Vec<u64>>,
}

impl FaultyTransport {
    /// Sets the faults of the coming pushes.
    pub fn plan(&self, faults: Vec<Option<Fault>>) {
        *self.push_faults.lock().unwrap() = faults;
    }

    /// Takes the network down or brings it back.
    pub fn set_offline(&self, offline: bool) {
        *self.offline.lock().unwrap() = offline;
    }

    fn down(&self) -> Result<(), TransportError> {
        if *self.offline.lock().unwrap() {
            Err(TransportError::Offline("no signal".into()))
        } else {
            Ok(())
        }
    }
}

/// Sends `PUT path` with the whole length announced but only `sent` bytes of `body`, then cuts
/// the connection (a phone losing signal halfway through a photo).
async fn cut_upload(url: &str, token: &str, path: &str, body: &[u8], sent: usize) {
    use tokio::io::AsyncWriteExt;
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = tokio::net::TcpStream::connect(host).await.expect("connect to the server");
    let head = format!(
        "PUT {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n{}: {}\r\nContent-Type: image/jpeg\r\nContent-Length: {}\r\n\r\n",
        minqing_shared::sync::PROTOCOL_HEADER,
        minqing_shared::sync::PROTOCOL_VERSION,
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body[..sent.min(body.len())]).await.unwrap();
    stream.flush().await.unwrap();
    // Let the server read what was sent before the line goes dead.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    drop(stream);
}

impl Transport for FaultyTransport {
    async fn login(
        &self,
        url: &str,
        user: &str,
        password: &str,
        device: &str,
    ) -> Result<LoginResponse, TransportError> {
        self.down()?;
        self.inner.login(url, user, password, device).await
    }

    async fn change_password(
        &self,
        url: &str,
        token: Option<&str>,
        req: &ChangePasswordRequest,
    ) -> Result<ChangePasswordResponse, TransportError> {
        self.down()?;
        self.inner.change_password(url, token, req).await
    }

    async fn push(
        &self,
        url: &str,
        token: &str,
        req: &PushRequest,
    ) -> Result<PushResponse, TransportError> {
        self.down()?;
        *self.pushes.lock().unwrap() += 1;
        let fault = {
            let mut faults = self.push_faults.lock().unwrap();
            if faults.is_empty() { None } else { faults.remove(0) }
        };
        match fault {
            Some(Fault::DropRequest) => {
                Err(TransportError::Offline("connection reset before sending".into()))
            }
            Some(Fault::DropResponse) => {
                let _ = self.inner.push(url, token, req).await?;
                Err(TransportError::Offline("connection reset while reading the answer".into()))
            }
            None => self.inner.push(url, token, req).await,
        }
    }

    async fn pull(
        &self,
        url: &str,
        token: &str,
        cursor: u64,
        limit: u32,
    ) -> Result<PullResponse, TransportError> {
        self.down()?;
        self.inner.pull(url, token, cursor, limit).await
    }

    async fn history(
        &self,
        url: &str,
        token: &str,
        household: HouseholdId,
        after: u64,
        through: u64,
    ) -> Result<HistoryResponse, TransportError> {
        self.down()?;
        self.inner.history(url, token, household, after, through).await
    }

    async fn photo_status(
        &self,
        url: &str,
        token: &str,
        id: &PhotoId,
    ) -> Result<UploadStatus, TransportError> {
        self.down()?;
        self.inner.photo_status(url, token, id).await
    }

    async fn upload_photo(
        &self,
        url: &str,
        token: &str,
        id: &PhotoId,
        offset: u64,
        length: u64,
        rest: Vec<u8>,
    ) -> Result<UploadStatus, TransportError> {
        self.down()?;
        self.photo_offsets.lock().unwrap().push(offset);
        let cut = self.cut_photo_after.lock().unwrap().take();
        if let Some(sent) = cut {
            let path = format!("/api/v1/photos/{id}?offset={offset}&length={length}");
            cut_upload(url, token, &path, &rest, sent).await;
            return Err(TransportError::Offline("connection cut while sending a photo".into()));
        }
        self.inner.upload_photo(url, token, id, offset, length, rest).await
    }

    async fn report_erased(&self, url: &str, token: &str) -> Result<(), TransportError> {
        self.down()?;
        self.inner.report_erased(url, token).await
    }
}

/// The real phone app's store and sync engine on a temporary database in `dir`, logged in as
/// `user` on the server at `url` and synced once, reading `clock`.
pub async fn app_phone(
    url: &str,
    user: &str,
    dir: &std::path::Path,
    clock: minqing_shared::clock::SharedClock,
) -> minqing_mobile::sync::SyncEngine<FaultyTransport> {
    let store = std::sync::Arc::new(minqing_mobile::Store::open(&dir.join("phone.db")).unwrap());
    let engine =
        minqing_mobile::sync::SyncEngine::new(store, FaultyTransport::default()).with_clock(clock);
    engine.login(url, user, crate::PASSWORD, "测试手机").await.unwrap();
    engine.sync_once().await.unwrap();
    engine
}
