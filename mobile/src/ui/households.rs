//! 联系户: the cadre's households with a search box; the row is shared with 本周走访.

use dioxus::prelude::*;

use super::{Screen, StoreErrorNote, use_lang, use_nav, use_revision, use_services};
use crate::i18n::{self, Key, t};
use crate::store::HouseholdSummary;

/// The household list with search.
#[component]
pub fn HouseholdsScreen() -> Element {
    let services = use_services();
    let lang = use_lang()();
    let mut search = use_signal(String::new);
    let mut nav = use_nav();
    use_revision().read();
    let list = match services.store().households(&search.read(), services.today()) {
        Ok(list) => list,
        Err(e) => return rsx! { StoreErrorNote { message: e.to_string() } },
    };
    rsx! {
        div { class: "search",
            input {
                r#type: "search",
                class: "input",
                placeholder: t(lang, Key::SearchHint),
                initial_value: "{search}",
                oninput: move |e| search.set(e.value()),
            }
        }
        if list.is_empty() {
            p { class: "empty", {t(lang, Key::NoMatch)} }
        }
        div { class: "list card",
            for summary in list {
                HouseholdRow { key: "{summary.household.id}", summary, visit_button: false }
            }
        }
        // Below the list: the list's first row stays where a cadre expects it.
        button {
            id: "propose",
            class: "btn btn-secondary",
            onclick: move |_| nav.write().push(Screen::ProposeHousehold),
            {t(lang, Key::ProposeButton)}
        }
    }
}

/// One household in a list: tap for the detail; due ones get a "记录走访" button.
#[component]
pub fn HouseholdRow(summary: HouseholdSummary, visit_button: bool) -> Element {
    let lang = use_lang()();
    let mut nav = use_nav();
    let id = summary.household.id;
    let h = &summary.household;
    let place = [summary.village_name.as_str(), h.address.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ");
    let (badge_class, badge) = visit_badge(lang, &summary);
    rsx! {
        div { class: "row",
            button {
                class: "row-main",
                onclick: move |_| nav.write().push(Screen::Household(id)),
                div { class: "row-title", "{h.head_name}" }
                div { class: "row-sub", "{place}" }
                div { class: "row-badges",
                    span { class: "badge {badge_class}", "{badge}" }
                    if summary.place_doubt {
                        span { class: "badge late", {t(lang, Key::PlaceDoubt)} }
                    }
                    if summary.open_concerns > 0 {
                        span { class: "badge warn", {i18n::open_concerns(lang, summary.open_concerns)} }
                    }
                }
            }
            if visit_button {
                button {
                    class: "row-action",
                    onclick: move |_| nav.write().push(Screen::Visit(id)),
                    {t(lang, Key::RecordVisit)}
                }
            }
        }
    }
}

/// The visit badge of a household: done this week, waiting since …, or never visited.
pub fn visit_badge(lang: i18n::Lang, s: &HouseholdSummary) -> (&'static str, String) {
    if !s.due {
        return ("ok", t(lang, Key::VisitedThisWeek).to_owned());
    }
    match (s.weeks_missed, s.last_visit) {
        (0, Some(last)) => {
            ("due", format!("{} {}", t(lang, Key::LastVisit), i18n::short_date(lang, last)))
        }
        (0, None) => ("due", t(lang, Key::DueThisWeek).to_owned()),
        (n, _) => ("late", i18n::weeks_missed(lang, n)),
    }
}
