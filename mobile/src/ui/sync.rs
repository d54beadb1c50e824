//! 同步: what waits to go up, when the last sync succeeded, the last error, the records the
//! server refused with its reason, and "立即同步".

use dioxus::prelude::*;
use minqing_shared::label::Label;

use super::{StoreErrorNote, use_lang, use_revision, use_services, use_sync_state};
use crate::i18n::{self, Key, Lang, t};

/// A stored sync error in the cadre's words (the raw text is shown under it).
fn explain(lang: Lang, error: &str) -> String {
    if error.starts_with("offline") {
        t(lang, Key::ErrOffline).to_owned()
    } else if error.contains("log in again") || error.contains("revoked") {
        t(lang, Key::ErrSignedOut).to_owned()
    } else {
        error.to_owned()
    }
}

/// The sync screen.
#[component]
pub fn SyncScreen() -> Element {
    let services = use_services();
    let lang = use_lang()();
    let mut state = use_sync_state();
    use_revision().read();
    let info = match services.store().sync_info() {
        Ok(info) => info,
        Err(e) => return rsx! { StoreErrorNote { message: e.to_string() } },
    };
    let running = state.read().running;
    let online = info.last_success_ms.is_some() && info.last_error.is_none();
    let outcome = match &state.read().last {
        Some(Ok(report)) => {
            Some(("ok-text", i18n::sync_result(lang, report.pushed, report.pulled)))
        }
        Some(Err(e)) => Some(("late-text", explain(lang, e))),
        None => None,
    };
    let sync_now = move |_| {
        state.write().running = true;
        services.request_sync();
    };
    rsx! {
        section { class: "card sync-status",
            div { class: "sync-head",
                span { class: if online { "dot online" } else { "dot offline" } }
                span { class: "sync-state",
                    {t(lang, if online { Key::Online } else { Key::Offline })}
                }
            }
            div { class: "fact",
                span { class: "fact-label", {t(lang, Key::Pending)} }
                span { class: if info.pending > 0 { "strong due-text" } else { "strong ok-text" },
                    if info.pending > 0 {
                        {i18n::records(lang, info.pending)}
                    } else {
                        {t(lang, Key::AllUploaded)}
                    }
                }
            }
            if info.photos_waiting > 0 {
                div { class: "fact",
                    span { class: "fact-label", {t(lang, Key::PhotosWaiting)} }
                    span { id: "photos-waiting", class: "strong due-text", {i18n::photos(lang, info.photos_waiting)} }
                }
            }
            div { class: "fact",
                span { class: "fact-label", {t(lang, Key::LastSuccess)} }
                span { {i18n::moment_ms(lang, info.last_success_ms)} }
            }
            div { class: "fact",
                span { class: "fact-label", {t(lang, Key::LastAttempt)} }
                span { {i18n::moment_ms(lang, info.last_attempt_ms)} }
            }
            if let Some(error) = &info.last_error {
                div { class: "fact",
                    span { class: "fact-label", {t(lang, Key::LastError)} }
                    span { class: "late-text", {explain(lang, error)} }
                }
                div { class: "muted small error-detail", "{error}" }
            }
        }
        button {
            class: "btn btn-primary",
            disabled: running,
            onclick: sync_now,
            {t(lang, if running { Key::Syncing } else { Key::SyncNow })}
        }
        if running {
            div { class: "bar busy", div { class: "bar-fill" } }
        } else if let Some((class, text)) = outcome {
            p { class: "sync-outcome {class}", "{text}" }
        }
        if !info.photos_refused.is_empty() {
            h2 { class: "section-title", "{t(lang, Key::PhotoRefused)} · {info.photos_refused.len()}" }
            p { class: "muted small", {t(lang, Key::PhotosRefusedHint)} }
            div { class: "card list",
                for (i, why) in info.photos_refused.iter().enumerate() {
                    div { key: "{i}", class: "rejected strong", {why.label(lang)} }
                }
            }
        }
        if !info.rejected.is_empty() {
            h2 { class: "section-title", "{t(lang, Key::Rejected)} · {info.rejected.len()}" }
            p { class: "muted small", {t(lang, Key::RejectedHint)} }
            div { class: "card list",
                for r in info.rejected {
                    div { key: "{r.device_seq}", class: "rejected",
                        div { class: "strong", {i18n::rejected_op(lang, r.device_seq, &r.message)} }
                        div { class: "muted small", "{r.error} · {i18n::moment_ms(lang, Some(r.at_ms))}" }
                    }
                }
            }
        }
    }
}
