//! 提醒: what needs the cadre, computed offline from what the phone holds — the households still
//! due this week and the days left, the concerns whose deadline is near or passed, and what the
//! office did on them since the cadre last looked. The tab's badge counts them.

use dioxus::prelude::*;
use minqing_shared::ids::HouseholdId;
use minqing_shared::label::Label;

use super::households::HouseholdRow;
use super::{Screen, StoreErrorNote, bump, use_lang, use_nav, use_revision, use_services};
use crate::i18n::{self, Key, t};
use crate::store::{DeadlineReminder, OfficeNews};

/// The 提醒 screen. Opening it marks the office's news seen (they stay listed until it is left).
#[component]
pub fn RemindersScreen() -> Element {
    let services = use_services();
    let lang = use_lang()();
    let revision = use_revision();
    revision.read();
    let seen = use_hook(|| services.store().reminders_seen().unwrap_or(0));
    let marking = services.clone();
    use_effect(move || {
        if marking.store().mark_reminders_seen().is_ok() {
            bump(revision);
        }
    });
    let r = match services.store().reminders(services.today(), seen) {
        Ok(r) => r,
        Err(e) => return rsx! { StoreErrorNote { message: e.to_string() } },
    };
    rsx! {
        if r.count() == 0 {
            p { class: "empty", {t(lang, Key::NoReminders)} }
        }
        if !r.due.is_empty() {
            h2 { class: "section-title", {i18n::due_this_week(lang, r.due.len(), r.days_left)} }
            div { class: "card list",
                for summary in r.due {
                    HouseholdRow { key: "{summary.household.id}", summary, visit_button: true }
                }
            }
        }
        if !r.deadlines.is_empty() {
            h2 { class: "section-title", {t(lang, Key::DeadlinesSection)} }
            div { class: "card list",
                for d in r.deadlines {
                    DeadlineRow { key: "{d.concern.state.id}", reminder: d }
                }
            }
        }
        if !r.news.is_empty() {
            h2 { class: "section-title", {t(lang, Key::NewsSection)} }
            div { class: "card list",
                for (i, n) in r.news.into_iter().enumerate() {
                    NewsRow { key: "{i}", news: n }
                }
            }
        }
    }
}

/// A concern with its deadline: 还剩2天, 今天到期, 已逾期3天.
#[component]
fn DeadlineRow(reminder: DeadlineReminder) -> Element {
    let lang = use_lang()();
    let state = &reminder.concern.state;
    let deadline = state.decision.as_ref().map(|d| d.deadline);
    let class = if reminder.days < 0 { "badge late" } else { "badge due" };
    rsx! {
        ReminderRow { household: state.household_id,
            div { class: "row-title", "{state.description}" }
            div { class: "row-sub", "{reminder.concern.household_name}" }
            div { class: "row-badges",
                if let Some(deadline) = deadline {
                    span { class: "badge plain", "{t(lang, Key::Deadline)} {i18n::short_date(lang, deadline)}" }
                }
                span { class: "{class}", {i18n::days_to_deadline(lang, reminder.days)} }
            }
        }
    }
}

/// One step the office took: 已交办 (with the handler and the deadline), 已办结, 挂账督办, 询问 ….
#[component]
fn NewsRow(news: OfficeNews) -> Element {
    let lang = use_lang()();
    let state = &news.concern.state;
    let (zh, en) = news.step.action.name();
    let what = if lang == i18n::Lang::Zh { zh } else { en };
    let detail = match &news.step.action {
        minqing_shared::concern::ConcernAction::Assign { decision } => {
            i18n::decision_line(lang, &decision.handler, decision.deadline)
        }
        minqing_shared::concern::ConcernAction::Complete { note }
        | minqing_shared::concern::ConcernAction::Progress { note }
        | minqing_shared::concern::ConcernAction::Supervise { note, .. } => note.clone(),
        minqing_shared::concern::ConcernAction::PutOnLedger { reason, .. } => reason.clone(),
        _ => String::new(),
    };
    let category = state.category.map(|c| c.label(lang)).unwrap_or_default();
    rsx! {
        ReminderRow { household: state.household_id,
            div { class: "row-title", "{what} · {category}" }
            div { class: "row-sub", "{news.concern.household_name} · {state.description}" }
            if !detail.is_empty() {
                div { class: "row-sub", "{detail}" }
            }
            div { class: "muted small", {i18n::date_time(lang, news.step.at)} }
        }
    }
}

/// A row that opens its household.
#[component]
fn ReminderRow(household: Option<HouseholdId>, children: Element) -> Element {
    let mut nav = use_nav();
    rsx! {
        button {
            class: "row-main reminder",
            onclick: move |_| {
                if let Some(h) = household {
                    nav.write().push(Screen::Household(h));
                }
            },
            {children}
        }
    }
}
