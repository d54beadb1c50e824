//! The security headers of every office page and every answer of the server: a content
//! security policy that runs no inline script and loads nothing from elsewhere, no framing, no
//! content sniffing, no referrer, and nothing cached unless a route says otherwise (pages show
//! phone numbers and names).

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// The policy: styles inline (the pages carry their own stylesheet), the one script this server
/// serves ([`PRINT_JS_PATH`]), images from here or inline, forms posted only here.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; \
                       img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; \
                       base-uri 'none'";

/// Where the print buttons' script is served.
pub const PRINT_JS_PATH: &str = "/office/print.js";

/// Every button marked `data-print` prints the page (no inline handler: the policy runs none).
const PRINT_JS: &str = "document.querySelectorAll('[data-print]').forEach(function (b) {\n  \
                        b.addEventListener('click', function () { window.print(); });\n});\n";

/// `GET /office/print.js`.
pub async fn print_js() -> Response {
    let mut resp = PRINT_JS.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    resp
}

/// The policy of a JSON answer (the phones' API, errors): nothing in it is to run or be framed.
pub const JSON_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// Adds the security headers to an answer (keeping a `Cache-Control` or a policy a route set
/// itself: the web app at `/app/` has its own). A JSON answer is no page: it gets the short
/// policy and no framing or referrer header, which would cost every sync over 2G some 230
/// bytes for nothing (`frame-ancestors` already forbids framing).
pub async fn add(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    let json =
        h.get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        let csp = if json { JSON_CSP } else { CSP };
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(csp));
    }
    if !json {
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}
