//! A transport that fails on purpose, between the phone's engine and the real HTTP transport.

use std::sync::Mutex;

use minqing_mobile::sync::{HttpTransport, Transport, TransportError};
use minqing_shared::ids::HouseholdId;
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
