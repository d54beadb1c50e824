//! 民情: the cadre's concerns, open ones first, with the office's answer — the joint meeting's
//! solution, the person responsible 承办人, the deadline 完成时限, and 办结.

use dioxus::prelude::*;
use minqing_shared::concern::{ConcernAction, ConcernStatus};
use minqing_shared::label::Label;
use minqing_shared::sync::merge::ConcernState;

use super::concern_action::ConcernFollowUp;
use super::concern_void::ConcernVoid;
use super::{Screen, StoreErrorNote, use_lang, use_nav, use_revision, use_services};
use crate::i18n::{self, Key, t};

/// My concerns.
#[component]
pub fn ConcernsScreen() -> Element {
    let services = use_services();
    let lang = use_lang()();
    use_revision().read();
    let all = match services.store().concerns() {
        Ok(all) => all,
        Err(e) => return rsx! { StoreErrorNote { message: e.to_string() } },
    };
    let (closed, open): (Vec<_>, Vec<_>) =
        all.into_iter().partition(|v| v.state.status.is_some_and(|s| s.is_closed()));
    rsx! {
        if open.is_empty() && closed.is_empty() {
            p { class: "empty", {t(lang, Key::NoConcerns)} }
        }
        if !open.is_empty() {
            h2 { class: "section-title", "{t(lang, Key::OpenConcerns)} · {open.len()}" }
            for view in open {
                ConcernCard {
                    key: "{view.state.id}",
                    state: view.state,
                    household_name: Some(view.household_name),
                }
            }
        }
        if !closed.is_empty() {
            h2 { class: "section-title", "{t(lang, Key::ClosedConcerns)} · {closed.len()}" }
            for view in closed {
                ConcernCard {
                    key: "{view.state.id}",
                    state: view.state,
                    household_name: Some(view.household_name),
                }
            }
        }
    }
}

/// The CSS class of a status badge.
fn status_class(status: ConcernStatus) -> &'static str {
    match status {
        ConcernStatus::Raised => "due",
        ConcernStatus::Escalated | ConcernStatus::Assigned => "info",
        ConcernStatus::Overdue => "late",
        ConcernStatus::ResolvedOnSpot | ConcernStatus::Explained | ConcernStatus::Done => "ok",
    }
}

/// One concern: category, household, what was asked, where it stands and who handles it.
#[component]
pub fn ConcernCard(state: ConcernState, household_name: Option<String>) -> Element {
    let lang = use_lang()();
    let mut nav = use_nav();
    let status = state.effective_status(use_services().today());
    let category = state.category.map(|c| c.label(lang)).unwrap_or_default();
    let household = state.household_id;
    let photos = use_services().store().photos_of(state.id.0, &state.photos).unwrap_or_default();
    // The responsible unit's progress reports 进展, as they reach the phone.
    let progress: Vec<(chrono::DateTime<chrono::Utc>, String)> = state
        .history
        .iter()
        .filter_map(|s| match &s.action {
            ConcernAction::Progress { note } => Some((s.at, note.clone())),
            _ => None,
        })
        .collect();
    rsx! {
        article { class: "card concern",
            div { class: "concern-head",
                span { class: "concern-category", "{category}" }
                if let Some(status) = status {
                    span { class: "badge {status_class(status)}", "{status.label(lang)}" }
                }
            }
            if let (Some(name), Some(id)) = (household_name, household) {
                button {
                    class: "link",
                    onclick: move |_| nav.write().push(Screen::Household(id)),
                    "{name}"
                }
            }
            p { class: "concern-text", "{state.description}" }
            super::photos::PhotoStrip { photos }
            if let Some(at) = state.raised_at {
                div { class: "fact",
                    span { class: "fact-label", {t(lang, Key::RaisedOn)} }
                    span { {i18n::date_time(lang, at)} }
                }
            }
            if !state.note.is_empty() {
                div { class: "fact",
                    span { class: "fact-label", {t(lang, Key::DispositionNote)} }
                    span { "{state.note}" }
                }
            }
            if let Some(report) = &state.report {
                div { class: "fact",
                    span { class: "fact-label", {t(lang, Key::SpecialReport)} }
                    span { "{report.title}" }
                }
            }
            if let Some(decision) = &state.decision {
                div { class: "decision",
                    div { class: "fact",
                        span { class: "fact-label", {t(lang, Key::Handler)} }
                        span { class: "strong", "{decision.handler}" }
                    }
                    div { class: "fact",
                        span { class: "fact-label", {t(lang, Key::Deadline)} }
                        span {
                            class: if status == Some(ConcernStatus::Overdue) { "strong late-text" } else { "strong" },
                            {i18n::date(lang, decision.deadline)}
                        }
                    }
                    div { class: "fact",
                        span { class: "fact-label", {t(lang, Key::Solution)} }
                        span { "{decision.solution}" }
                    }
                    for (at, note) in progress {
                        div { class: "fact",
                            span { class: "fact-label", {t(lang, Key::Progress)} }
                            span { {i18n::date(lang, minqing_shared::calendar::china_date(at))} " · {note}" }
                        }
                    }
                }
            } else if status == Some(ConcernStatus::Escalated) {
                div { class: "fact muted", {t(lang, Key::AwaitingMeeting)} }
            }
            if let Some(done) = state.done_at {
                div { class: "fact",
                    span { class: "fact-label", {t(lang, Key::DoneOn)} }
                    span { class: "strong ok-text", {i18n::date_time(lang, done)} }
                }
            }
            if state.on_ledger() {
                span { class: "badge late", {t(lang, Key::OnLedger)} }
            }
            if let Some(status) = state.status {
                ConcernFollowUp { id: state.id, status }
            }
            ConcernVoid { state: state.clone() }
        }
    }
}
