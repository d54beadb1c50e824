//! A phone as the server sees it: logs in, stamps ops with a dense `device_seq` and a hybrid
//! logical clock, pushes and pulls over real HTTP. (The real app's store and engine live in
//! `minqing-mobile`; this client lets the server's stories say exactly what goes on the wire.)

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use minqing_shared::concern::{Category, ConcernAction, Step};
use minqing_shared::ids::{CadreId, ConcernId, DeviceId, HouseholdId, OpId, VillageId, VisitId};
use minqing_shared::sync::op::{HouseholdPatch, Payload, VisitBody};
use minqing_shared::sync::{
    Change, ErrorBody, Hlc, HlcClock, LoginResponse, Op, PullResponse, PushRequest, PushResponse,
    SCHEMA_VERSION,
};
use minqing_shared::visit::{Topic, VisitMode};
use uuid::Uuid;

/// The latest clock value any phone of this process stamped. A phone observes it before it
/// stamps, as a phone that had pulled every change before acting would: a story's steps follow
/// one another, and the server refuses a concern's step stamped before the steps it follows
/// (`stamped_out_of_order`) — which two phones' clocks, a millisecond apart, would otherwise
/// produce now and then. (An op dated in the past, `op_recorded_at`, keeps its own stamp.)
static LATEST: AtomicU64 = AtomicU64::new(0);

/// A logged-in device.
#[derive(Debug)]
pub struct ApiPhone {
    /// The server's base URL.
    pub url: String,
    /// The HTTP client.
    pub http: reqwest::Client,
    /// The device token.
    pub token: String,
    /// The device id.
    pub device_id: DeviceId,
    /// The account.
    pub cadre: CadreId,
    /// The last seq stamped.
    pub seq: u64,
    /// The device's clock.
    pub clock: HlcClock,
    /// The pull cursor.
    pub cursor: u64,
}

/// An HTTP answer: status and body.
#[derive(Debug)]
pub struct Answer<T> {
    /// The status.
    pub status: reqwest::StatusCode,
    /// The body, if it was a success.
    pub body: Result<T, ErrorBody>,
}

impl<T: serde::de::DeserializeOwned> Answer<T> {
    async fn from(resp: reqwest::Response) -> Self {
        let status = resp.status();
        let bytes = resp.bytes().await.expect("response body");
        let body = if status.is_success() {
            Ok(serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("{status}: {e}: {}", String::from_utf8_lossy(&bytes))))
        } else {
            Err(serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                panic!("{status} is not an error body ({e}): {}", String::from_utf8_lossy(&bytes))
            }))
        };
        Self { status, body }
    }

    /// The success body; panics with the error otherwise.
    pub fn ok(self) -> T {
        match self.body {
            Ok(t) => t,
            Err(e) => panic!("{}: {} {}", self.status, e.error, e.message),
        }
    }

    /// The error body; panics on success.
    pub fn err(self) -> ErrorBody {
        match self.body {
            Ok(_) => panic!("expected an error, got {}", self.status),
            Err(e) => e,
        }
    }
}

/// Logs in; returns the raw answer.
pub async fn login(url: &str, username: &str, password: &str) -> Answer<LoginResponse> {
    let resp = reqwest::Client::new()
        .post(format!("{url}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": username, "password": password, "device_name": "测试手机"}))
        .send()
        .await
        .expect("login request");
    Answer::from(resp).await
}

fn now_ms() -> i64 {
    crate::clock::now_ms()
}

impl ApiPhone {
    /// Logs in as `username` with the test password.
    pub async fn login(url: &str, username: &str) -> Self {
        let before = now_ms();
        let login = login(url, username, crate::PASSWORD).await.ok();
        let mut clock = HlcClock::new();
        clock.observe_server_time(login.server_time, before);
        Self {
            url: url.to_owned(),
            http: reqwest::Client::new(),
            token: login.token,
            device_id: login.device_id,
            cadre: login.cadre.id,
            seq: 0,
            clock,
            cursor: 0,
        }
    }

    /// Stamps the next op of this device, after every op stamped so far (see [`LATEST`]).
    pub fn op(&mut self, record_id: Uuid, payload: Payload) -> Op {
        self.seq += 1;
        self.clock.observe(Hlc(LATEST.load(Ordering::SeqCst)));
        let hlc = self.clock.tick(now_ms());
        LATEST.fetch_max(hlc.0, Ordering::SeqCst);
        Op {
            op_id: OpId::new(),
            device_id: self.device_id,
            device_seq: self.seq,
            record_id,
            schema_version: SCHEMA_VERSION,
            hlc,
            payload,
        }
    }

    /// An op this phone recorded at `at` (in the past: made offline then, sent only now).
    pub fn op_recorded_at(&mut self, record_id: Uuid, payload: Payload, at: DateTime<Utc>) -> Op {
        let mut op = self.op(record_id, payload);
        if at.timestamp_millis() < now_ms() {
            op.hlc = Hlc::from_ms(at.timestamp_millis());
        }
        op
    }

    /// A new household of this cadre in `village`.
    pub fn new_household(&mut self, village: VillageId, head: &str) -> (HouseholdId, Op) {
        let id = HouseholdId::new();
        let patch = HouseholdPatch {
            village_id: Some(village),
            head_name: Some(head.into()),
            address: Some("三组 12号".into()),
            phone: Some("13900000000".into()),
            cadre_id: Some(Some(self.cadre)),
            ..HouseholdPatch::default()
        };
        (id, self.op(id.0, Payload::Household(patch)))
    }

    /// A visit to `household` now.
    pub fn visit(&mut self, household: HouseholdId, summary: &str) -> (VisitId, Op) {
        self.visit_at(household, summary, crate::clock::now())
    }

    /// A visit to `household` at `at`, recorded then.
    pub fn visit_at(
        &mut self,
        household: HouseholdId,
        summary: &str,
        at: DateTime<Utc>,
    ) -> (VisitId, Op) {
        let id = VisitId::new();
        let body = VisitBody {
            photos: Vec::new(),
            household_id: household,
            cadre_id: self.cadre,
            visited_at: at,
            mode: VisitMode::InPerson,
            topics: vec![Topic::HotIssues],
            policies: "讲解医保缴费政策".into(),
            summary: summary.into(),
            gps: None,
            no_fix: None,
        };
        (id, self.op_recorded_at(id.0, Payload::Visit(body), at))
    }

    /// A concern raised by `household` at `visit`.
    pub fn raise(
        &mut self,
        household: HouseholdId,
        visit: Option<VisitId>,
        category: Category,
        text: &str,
    ) -> (ConcernId, Op) {
        let id = ConcernId::new();
        let action = ConcernAction::Raise {
            photos: Vec::new(),
            household_id: household,
            visit_id: visit,
            category,
            description: text.into(),
        };
        (id, self.step(id, action))
    }

    /// Escalating concern `id` with a special report titled `title` (上报).
    pub fn escalate(&mut self, id: ConcernId, title: &str) -> Op {
        let report = minqing_shared::concern::SpecialReport {
            title: title.into(),
            content: "需维修".into(),
            households_affected: None,
        };
        self.step(id, ConcernAction::Escalate { report })
    }

    /// A step on concern `id`.
    pub fn step(&mut self, id: ConcernId, action: ConcernAction) -> Op {
        let step = Step { actor: self.cadre, at: crate::clock::now(), action };
        self.op(id.0, Payload::Concern(step))
    }

    fn auth(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        req.bearer_auth(&self.token)
    }

    /// Pushes `ops` as one batch (serialized straight from the protocol's request, as the app
    /// does: through a `serde_json::Value` it cost the benchmark's phones, which share the
    /// server's cores, a twentieth of them).
    pub async fn push(&mut self, ops: &[Op]) -> Answer<PushResponse> {
        self.push_json(&PushRequest { device_id: self.device_id, ops: ops.to_vec() }).await
    }

    /// Pushes any JSON body.
    pub async fn push_json(&mut self, body: &impl serde::Serialize) -> Answer<PushResponse> {
        let resp = self
            .auth(self.http.post(format!("{}/api/v1/sync/push", self.url)))
            .json(body)
            .send()
            .await
            .expect("push request");
        let answer = Answer::<PushResponse>::from(resp).await;
        if let Ok(r) = &answer.body {
            self.clock.observe_server_time(r.server_time, now_ms());
        }
        answer
    }

    /// Pulls one page after the cursor, without moving it.
    pub async fn pull_page(&self, cursor: u64, limit: u32) -> Answer<PullResponse> {
        let resp = self
            .auth(
                self.http
                    .get(format!("{}/api/v1/sync/pull?cursor={cursor}&limit={limit}", self.url)),
            )
            .send()
            .await
            .expect("pull request");
        Answer::from(resp).await
    }

    /// Pulls every page after the cursor, moving it; returns the changes.
    pub async fn pull_all(&mut self) -> Vec<Change> {
        let mut all = Vec::new();
        loop {
            let page = self.pull_page(self.cursor, 200).await.ok();
            self.clock.observe_server_time(page.server_time, now_ms());
            for c in &page.changes {
                self.clock.observe(c.op.hlc);
            }
            all.extend(page.changes);
            self.cursor = page.next_cursor;
            if !page.has_more {
                return all;
            }
        }
    }
}
