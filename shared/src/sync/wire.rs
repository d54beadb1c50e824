//! Request and response bodies of the HTTP API (DESIGN.md, "Fixed interfaces"). Fields are only
//! ever added, with `#[serde(default)]`, so old phones and new servers understand each other.

use serde::{Deserialize, Serialize};

use super::op::{CadreBody, Op};
use crate::ids::{CadreId, DeviceId, OpId};

/// The protocol version this build speaks, sent in the [`PROTOCOL_HEADER`] header.
pub const PROTOCOL_VERSION: u32 = 1;
/// The oldest protocol version the server still accepts.
pub const MIN_PROTOCOL_VERSION: u32 = 1;
/// The header that carries the client's protocol version.
pub const PROTOCOL_HEADER: &str = "x-minqing-protocol";
/// The most ops one push may carry.
pub const MAX_OPS_PER_PUSH: usize = 500;
/// The most bytes one push body may have, decompressed.
pub const MAX_PUSH_BYTES: usize = 1024 * 1024;
/// The largest page a pull returns.
pub const MAX_PULL_LIMIT: u32 = 1000;
/// A pull or history page stops once its changes reach this many bytes (as JSON), whatever its
/// `limit`: at least one change is always sent.
pub const MAX_PAGE_BYTES: usize = 1024 * 1024;
/// The most changes in one page of a household's history.
pub const MAX_HISTORY_PAGE: u32 = 500;
/// The highest cursor the server takes: its log is numbered with signed 64-bit integers.
pub const MAX_CURSOR: u64 = i64::MAX as u64;
/// How far ahead of the server's clock an op's clock may be before it is refused.
pub const MAX_CLOCK_AHEAD_MS: i64 = 60 * 60 * 1000;

/// `POST /api/v1/auth/login`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    /// The account's username.
    pub username: String,
    /// Its password.
    pub password: String,
    /// A name for the device, shown to administrators (e.g. "王建国的手机").
    #[serde(default)]
    pub device_name: String,
}

/// The shortest password an account may choose.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Why a new password is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordProblem {
    /// Fewer than [`MIN_PASSWORD_CHARS`] characters.
    TooShort,
    /// The same as the current one.
    SameAsOld,
}

/// The rule for a new password — the same on the phone, the office pages and the API.
pub fn check_new_password(old: &str, new: &str) -> Result<(), PasswordProblem> {
    if new.chars().count() < MIN_PASSWORD_CHARS {
        Err(PasswordProblem::TooShort)
    } else if new == old {
        Err(PasswordProblem::SameAsOld)
    } else {
        Ok(())
    }
}

/// `POST /api/v1/auth/change-password`: required before the first login after an import or a
/// reset (the login answers `403 password_change_required` until then).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangePasswordRequest {
    /// Login name.
    pub username: String,
    /// The current (e.g. initial) password.
    pub old_password: String,
    /// The new password: at least [`MIN_PASSWORD_CHARS`] characters, not the old one.
    pub new_password: String,
}

/// The answer to a password change. A change ends every device token and office session of the
/// account; a phone that sent its own token (`Authorization: Bearer`, the same account) gets a
/// new one here and keeps syncing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangePasswordResponse {
    /// Always `ok`.
    pub status: String,
    /// The calling device's new token, when it sent a valid one of the same account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// The answer to a successful login.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginResponse {
    /// The device token: send as `Authorization: Bearer <token>`. Shown once; only its hash is
    /// stored.
    pub token: String,
    /// The device id to stamp ops with.
    pub device_id: DeviceId,
    /// Who logged in.
    pub cadre: CadreInfo,
    /// The server's time, ms since the Unix epoch.
    pub server_time: i64,
}

/// A cadre as the login response describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CadreInfo {
    /// The cadre's id.
    pub id: CadreId,
    /// The profile.
    #[serde(flatten)]
    pub profile: CadreBody,
}

/// `POST /api/v1/sync/push`, as a well-behaved client sends it. (The server reads `ops` one by
/// one, so one malformed op does not spoil the batch.)
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    /// The pushing device; must be the token's device.
    pub device_id: DeviceId,
    /// Consecutive ops of that device, in `device_seq` order.
    pub ops: Vec<Op>,
}

/// The answer to a push.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    /// Every op of the device up to this seq is stored (accepted or quarantined).
    pub acked_through: u64,
    /// Ops refused, each with its reason; they are kept in quarantine and do not block others.
    #[serde(default)]
    pub rejected: Vec<Rejection>,
    /// The server's time, ms since the Unix epoch.
    pub server_time: i64,
}

/// One refused op.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// Its seq.
    pub device_seq: u64,
    /// Its id, when it could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op_id: Option<OpId>,
    /// A stable code, e.g. `out_of_scope`.
    pub error: String,
    /// For a person.
    pub message: String,
}

/// `GET /api/v1/sync/pull` query.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullQuery {
    /// The last `server_seq` the client has applied (0 at first).
    #[serde(default)]
    pub cursor: u64,
    /// The most changes to return.
    #[serde(default)]
    pub limit: Option<u32>,
}

/// One change in a pull: an op and its place in the server's log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// Its position in the server's log.
    pub server_seq: u64,
    /// The op.
    #[serde(flatten)]
    pub op: Op,
}

/// The answer to a pull.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    /// Changes in the caller's scope, in `server_seq` order.
    pub changes: Vec<Change>,
    /// The cursor to send next time.
    pub next_cursor: u64,
    /// Whether more changes are waiting.
    pub has_more: bool,
    /// The server's time, ms since the Unix epoch.
    pub server_time: i64,
    /// The county's 位置存疑 distance, metres (`shared::place`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_doubt_m: Option<u32>,
    /// An order to retire this phone (交回): send what is unsent, then erase. (A phone ordered
    /// wiped hears it as every endpoint's refusal, [`WIPE_REQUESTED`].) Absent otherwise, so a
    /// sync costs no byte for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erase: Option<EraseOrder>,
}

/// The answer to `GET /api/v1/sync/household/{id}/history?through=N`: every change of one
/// household up to `server_seq` N, for a phone the household was just assigned to (its pull
/// cursor is past the household's earlier history).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HistoryResponse {
    /// The household's changes (its profile, visits, concerns), in `server_seq` order: one page,
    /// after the query's `after`.
    pub changes: Vec<Change>,
    /// Whether more follow: ask again with `after` = the last change's `server_seq`.
    #[serde(default)]
    pub has_more: bool,
    /// The server's time, ms since the Unix epoch.
    pub server_time: i64,
}

/// Every error the API returns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// A stable code, e.g. `sequence_gap`.
    pub error: String,
    /// For a person.
    pub message: String,
    /// With `sequence_gap`: the seq the server expects next.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_seq: Option<u64>,
}

/// What the Organization Department ordered for a phone (账号管理, `minqing-server device`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EraseOrder {
    /// A lost phone: erase at once, without sending anything more.
    Wipe,
    /// A phone handed over: send what is unsent, then erase.
    Retire,
}

impl EraseOrder {
    /// Its stored code.
    pub fn code(self) -> &'static str {
        match self {
            EraseOrder::Wipe => "wipe",
            EraseOrder::Retire => "retire",
        }
    }

    /// From its stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        [EraseOrder::Wipe, EraseOrder::Retire].into_iter().find(|o| o.code() == code)
    }
}

/// The refusal a phone ordered wiped gets from every other endpoint (HTTP 403): it erases itself.
pub const WIPE_REQUESTED: &str = "wipe_requested";
