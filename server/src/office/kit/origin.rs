//! The address phones reach this server at, as the office's browser did: `https` when the
//! documented proxy says so (`X-Forwarded-Proto`), and the `Host` the browser asked for. The
//! setup links the office prints start with it.

use axum::http::HeaderMap;

/// Whether the request reached the proxy over HTTPS (`X-Forwarded-Proto: https`, which
/// docs/DEPLOY.md's nginx sets).
pub fn behind_https(headers: &HeaderMap) -> bool {
    headers.get("x-forwarded-proto").is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"))
}

/// `scheme://host` of the request (`http://127.0.0.1:8080` when it names none).
pub fn public_origin(headers: &HeaderMap) -> String {
    let https = behind_https(headers);
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            !h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("127.0.0.1:8080");
    format!("{}://{host}", if https { "https" } else { "http" })
}
