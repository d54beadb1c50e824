//! Device tokens (256 random bits, only the SHA-256 stored) and the extractor that turns a
//! `Bearer` token into the device and account behind it; passwords are `crate::password`'s.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use minqing_shared::sync::wire::{EraseOrder, WIPE_REQUESTED};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::DeviceAuth;

/// A new device token: 256 random bits, hex.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Compares two tokens in time independent of where they differ.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The address a request came from: the peer's IP, or — when the peer is a proxy the server
/// was told to trust (`--trusted-proxy`) — the nearest address in `X-Forwarded-For` that is not
/// itself a trusted proxy. From any other peer the header is ignored: a client could rotate it
/// to escape the login throttle. `unknown` when the server was not started with connection info
/// (as in `oneshot` tests).
#[derive(Clone, Debug)]
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(client_address(parts, state)))
    }
}

/// See [`ClientAddr`].
pub fn client_address(parts: &Parts, state: &AppState) -> String {
    let Some(peer) = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip())
    else {
        return "unknown".to_owned();
    };
    let trusted = &state.perimeter().trusted_proxies;
    let is_trusted = |ip: &std::net::IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer.to_string();
    }
    // Each proxy appends the address it got the request from: read from the right, past our
    // own proxies, to the first address they did not add themselves (an entry that is not an
    // address stops the walk at the last one that was).
    let forwarded: Vec<&str> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    let mut client = peer;
    for entry in forwarded.into_iter().rev() {
        let Ok(ip) = entry.trim().parse::<std::net::IpAddr>() else { break };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client.to_string()
}

/// The client's product and version, from its `User-Agent` (the phone sends
/// `minqing-mobile/<version>`): the first token, printable ASCII, at most 64 characters.
#[derive(Clone, Debug, Default)]
pub struct ClientVersion(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientVersion {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let version = parts
            .headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .and_then(|ua| ua.split_whitespace().next())
            .map(|t| t.chars().filter(char::is_ascii_graphic).take(64).collect::<String>())
            .filter(|t| !t.is_empty());
        Ok(ClientVersion(version))
    }
}

/// The device and account behind a request's `Authorization: Bearer` token. A phone ordered
/// wiped is refused (`wipe_requested`) — nothing more it sends is taken, nothing is sent to it,
/// and it erases itself on hearing it (which is noted as the order delivered).
#[derive(Clone, Debug)]
pub struct Device(pub DeviceAuth);

impl FromRequestParts<AppState> for Device {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let OrderedDevice(d) = OrderedDevice::from_request_parts(parts, state).await?;
        if d.erase == Some(EraseOrder::Wipe) {
            let device = d.device_id;
            let noted = if d.erase_delivered {
                Ok(())
            } else {
                state
                    .write("erase_delivered", move |tx, state| {
                        Ok(tx.note_erase_delivered(device, state.now_ms())?)
                    })
                    .await
            };
            // The refusal matters more than the note: the phone erases either way.
            if let Err(e) = noted {
                tracing::warn!(%device, error = ?e, "could not note the wipe order heard");
            }
            return Err(ApiError::forbidden(
                WIPE_REQUESTED,
                "组织部已要求擦除本机数据 (this phone is ordered wiped)",
            ));
        }
        Ok(Device(d))
    }
}

/// [`Device`], a phone ordered erased included: what the erase order's own endpoints take.
#[derive(Clone, Debug)]
pub struct OrderedDevice(pub DeviceAuth);

impl FromRequestParts<AppState> for OrderedDevice {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::unauthorized(
                    "missing_token",
                    "请先登录 (log in and send Authorization: Bearer <token>)",
                )
            })?;
        let hash = token_hash(token);
        let db = state.db().clone();
        let found =
            tokio::task::spawn_blocking(move || db.read(|tx| tx.device_by_token_hash(&hash)))
                .await??;
        match found {
            None => Err(ApiError::unauthorized(
                "invalid_token",
                "登录已失效，请重新登录 (the token is not valid; log in again)",
            )),
            Some(d) if d.revoked => Err(ApiError::unauthorized(
                "token_revoked",
                "此设备已退出登录（报失，或账号密码已修改），请重新登录 (this device is signed out: \
             reported lost, or the account's password changed; log in again)",
            )),
            Some(d) if d.disabled => Err(ApiError::forbidden(
                "account_disabled",
                "此账号已停用，请联系组织部 (this account is disabled)",
            )),
            Some(d) => Ok(OrderedDevice(d)),
        }
    }
}

/// A request that may carry a device token (a password change): a missing, unknown or ended
/// token is no device, not a refusal.
impl axum::extract::OptionalFromRequestParts<AppState> for Device {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, ApiError> {
        match <Device as FromRequestParts<AppState>>::from_request_parts(parts, state).await {
            Ok(device) => Ok(Some(device)),
            Err(e) if e.status().is_client_error() => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_stored_hashed() {
        let a = new_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, new_token());
        assert_ne!(token_hash(&a), a);
        assert_eq!(token_hash(&a), token_hash(&a));
    }
}
