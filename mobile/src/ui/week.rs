//! 本周走访: this week's progress and the households still due, most overdue first.

use dioxus::prelude::*;

use super::households::HouseholdRow;
use super::{StoreErrorNote, use_lang, use_revision, use_services};
use crate::i18n::{self, Key, t};

/// This week's visits.
#[component]
pub fn WeekScreen() -> Element {
    let services = use_services();
    let lang = use_lang()();
    use_revision().read();
    let week = match services.store().week(services.today()) {
        Ok(week) => week,
        Err(e) => return rsx! { StoreErrorNote { message: e.to_string() } },
    };
    let percent = (week.visited * 100).checked_div(week.total).unwrap_or(0);
    let (due, done): (Vec<_>, Vec<_>) = week.households.into_iter().partition(|h| h.due);
    rsx! {
        section { class: "card progress-card",
            div { class: "progress-week", {i18n::week_label(lang, week.week)} }
            div { class: "progress-row",
                div {
                    div { class: "progress-figure", {i18n::progress(week.visited, week.total)} }
                    div { class: "progress-caption", {t(lang, Key::Visited)} }
                    div { class: "progress-note", {t(lang, Key::CountsActive)} }
                }
                div { class: "progress-due",
                    div { class: "progress-figure due", "{due.len()}" }
                    div { class: "progress-caption", {t(lang, Key::DueThisWeek)} }
                }
            }
            div { class: "bar",
                div { class: "bar-fill", style: "width: {percent}%" }
            }
        }
        if due.is_empty() && done.is_empty() {
            // Nothing at all on the phone (proposed households are listed though not counted).
            p { class: "empty", {t(lang, Key::NoHouseholds)} }
        } else if due.is_empty() {
            p { class: "all-done", {t(lang, Key::AllVisited)} }
        }
        if !due.is_empty() {
            h2 { class: "section-title", "{t(lang, Key::DueThisWeek)} · {due.len()}" }
            div { class: "list card",
                for summary in due {
                    HouseholdRow { key: "{summary.household.id}", summary, visit_button: true }
                }
            }
        }
        if !done.is_empty() {
            h2 { class: "section-title", "{t(lang, Key::VisitedThisWeek)} · {done.len()}" }
            div { class: "list card",
                for summary in done {
                    HouseholdRow { key: "{summary.household.id}", summary, visit_button: false }
                }
            }
        }
    }
}
