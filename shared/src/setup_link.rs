//! The setup link 安装链接 a county hands to each cadre (printed as a QR code on the office's
//! setup sheet, or sent in a work chat): it opens the phone app in the phone's browser at the
//! server's `/app/`, with the username filled in. The app reads the server from the page it was
//! opened on, or from a `server` parameter when the app is served apart from the sync API.

use crate::card::{byte_mode_qr, svg_of};

/// Where the server serves the phone app's web build.
pub const APP_PATH: &str = "/app/";

/// The link that opens the app at `server` (e.g. `https://minqing.example.gov.cn`) for
/// `username`.
pub fn setup_link(server: &str, username: &str) -> String {
    let user: String = form_urlencoded::byte_serialize(username.as_bytes()).collect();
    format!("{}{APP_PATH}?user={user}", server.trim_end_matches('/'))
}

/// The link as a QR code in SVG, at least `min_px` wide and high.
pub fn setup_qr_svg(link: &str, min_px: u32) -> String {
    let code = byte_mode_qr(link).expect("a link of a few hundred bytes fits a QR code");
    svg_of(&code, min_px)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_names_the_app_and_the_user_escaped() {
        assert_eq!(
            setup_link("https://minqing.example.gov.cn/", "wang"),
            "https://minqing.example.gov.cn/app/?user=wang"
        );
        assert_eq!(
            setup_link("http://127.0.0.1:8080", "王 a&b"),
            "http://127.0.0.1:8080/app/?user=%E7%8E%8B+a%26b"
        );
        assert!(setup_qr_svg(&setup_link("https://x", "wang"), 200).starts_with("<?xml"));
    }
}
