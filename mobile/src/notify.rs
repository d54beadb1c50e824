//! The morning reminder as a local notification 提醒通知: on a day with households still due,
//! once, from [`MORNING_HOUR`](minqing_shared::reminders::MORNING_HOUR) China time, where the
//! platform allows one — the web notification of the desktop webview and of the browser (asked
//! for permission the first time); on Android and iOS the same webview API stands in until the
//! OS notification plugin is wired (docs/MOBILE.md). Tests record what would be shown.

use std::sync::{Arc, Mutex};

/// Where notifications go.
#[derive(Clone, Debug, Default)]
pub enum Notifier {
    /// Nowhere (screen tests, a phone without a UI).
    #[default]
    Off,
    /// The platform's notifications.
    Platform,
    /// Kept in a list, for tests.
    Recorded(Arc<Mutex<Vec<(String, String)>>>),
}

/// What the platform said about a notification.
pub type Shown = Result<(), String>;

impl Notifier {
    /// Shows `title` and `body`, or says why not.
    pub async fn show(&self, title: &str, body: &str) -> Shown {
        match self {
            Notifier::Off => Err("notifications are off".into()),
            Notifier::Recorded(list) => {
                list.lock().unwrap_or_else(|p| p.into_inner()).push((title.into(), body.into()));
                Ok(())
            }
            Notifier::Platform => platform_show(title, body).await,
        }
    }
}

/// The script both webviews run (the browser build runs it as the module `web/notify.js`, its
/// CSP allowing no eval): permission asked once, then the notification; answers "shown" or why
/// not.
pub const NOTIFY_JS: &str = r#"
if (!("Notification" in window)) return "unsupported";
let permission = Notification.permission;
if (permission === "default") permission = await Notification.requestPermission();
if (permission !== "granted") return permission;
new Notification(TITLE, { body: BODY, tag: "minqing-morning" });
return "shown";
"#;

#[cfg(not(target_arch = "wasm32"))]
async fn platform_show(title: &str, body: &str) -> Shown {
    let quote = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
    let js = NOTIFY_JS.replace("TITLE", &quote(title)).replace("BODY", &quote(body));
    match dioxus::document::eval(&js).await {
        Ok(serde_json::Value::String(s)) if s == "shown" => Ok(()),
        Ok(other) => Err(other.to_string()),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(target_arch = "wasm32")]
async fn platform_show(title: &str, body: &str) -> Shown {
    crate::web::notify(title, body).await
}
