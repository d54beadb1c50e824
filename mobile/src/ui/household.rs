//! 联系户详情: one household — tap to call, record a visit, its concerns and its visits.

use dioxus::prelude::*;
use minqing_shared::household::HouseholdStatus;
use minqing_shared::ids::HouseholdId;
use minqing_shared::label::Label;
use minqing_shared::permit::time::check_correction;
use minqing_shared::visit::Visit;

use super::concerns::ConcernCard;
use super::households::visit_badge;
use super::photos::PhotoStrip;
use super::{Screen, StoreErrorNote, bump, use_lang, use_nav, use_revision, use_services};
use crate::i18n::{self, Key, t};
use crate::store::PhotoView;

/// The household's page.
#[component]
pub fn HouseholdScreen(id: HouseholdId) -> Element {
    let services = use_services();
    let lang = use_lang()();
    let mut nav = use_nav();
    let revision = use_revision();
    revision.read();
    let mut error = use_signal(|| None::<String>);
    let me = services.store().account().ok().flatten().map(|a| a.cadre_id);
    let detail = match services.store().household_detail(id, services.today()) {
        Ok(Some(detail)) => detail,
        Ok(None) => return rsx! { p { class: "empty", {t(lang, Key::UnknownHousehold)} } },
        Err(e) => return rsx! { StoreErrorNote { message: e.to_string() } },
    };
    let s = &detail.summary;
    let h = &s.household;
    let (badge_class, badge) = visit_badge(lang, s);
    let kinds: Vec<&str> = h.kinds.iter().map(|k| k.label(lang)).collect();
    let now = services.real_now();
    let confirm = move |_| match services.store().confirm_household(id, services.now()) {
        Ok(()) => {
            services.request_sync();
            bump(revision);
        }
        Err(e) => error.set(Some(e.to_string())),
    };
    let (open, closed): (Vec<_>, Vec<_>) =
        detail.concerns.iter().cloned().partition(|c| !c.status.is_some_and(|s| s.is_closed()));
    rsx! {
        section { class: "card household-head",
            div { class: "household-name", "{h.head_name}" }
            div { class: "row-sub", "{s.village_name} · {h.address}" }
            div { class: "row-badges",
                span { class: "badge {badge_class}", "{badge}" }
                span { class: "badge plain", "{h.status.label(lang)}" }
                for kind in kinds {
                    span { class: "badge plain", "{kind}" }
                }
            }
            if !h.notes.is_empty() {
                p { class: "notes", {i18n::labeled(lang, Key::Notes, &h.notes)} }
            }
            if h.phone.is_empty() {
                p { class: "muted", {t(lang, Key::NoPhone)} }
            } else {
                a { class: "btn btn-call", href: "tel:{h.phone}",
                    svg { class: "icon", view_box: "0 0 24 24",
                        path { d: "M6.5 3.5h3l1.5 4-2 1.5a11 11 0 0 0 6 6l1.5-2 4 1.5v3a2 2 0 0 1-2 2A16 16 0 0 1 4.5 5.5a2 2 0 0 1 2-2z" }
                    }
                    span { "{t(lang, Key::Call)} {h.phone}" }
                }
            }
            button {
                class: "btn btn-primary",
                onclick: move |_| nav.write().push(Screen::Visit(id)),
                {t(lang, Key::RecordVisit)}
            }
            if h.status == HouseholdStatus::Proposed {
                button { class: "btn btn-secondary", onclick: confirm, {t(lang, Key::ConfirmHousehold)} }
            }
            if let Some(e) = error() {
                p { class: "error", "{e}" }
            }
        }
        h2 { class: "section-title", "{t(lang, Key::HouseholdConcerns)} · {detail.concerns.len()}" }
        if detail.concerns.is_empty() {
            p { class: "empty small", {t(lang, Key::NoHouseholdConcerns)} }
        }
        for view in open.into_iter().chain(closed) {
            ConcernCard { key: "{view.id}", state: view, household_name: None }
        }
        h2 { class: "section-title", "{t(lang, Key::VisitHistory)} · {detail.visits.len()}" }
        if detail.visits.is_empty() {
            p { class: "empty small", {t(lang, Key::NoVisits)} }
        }
        for (visit, place) in detail.visits.into_iter().zip(detail.places) {
            VisitEntry {
                photos: detail.photos.iter().filter(|p| p.record == visit.id.0).cloned().collect::<Vec<_>>(),
                key: "{visit.id}",
                place: i18n::place(lang, &place),
                doubtful: place.is_doubtful(),
                correctable: check_correction(visit.visited_at, now).is_ok()
                    && Some(visit.cadre_id) == me,
                visit,
            }
        }
    }
}

/// One visit in the history.
#[component]
fn VisitEntry(
    visit: Visit,
    place: String,
    doubtful: bool,
    correctable: bool,
    photos: Vec<PhotoView>,
) -> Element {
    let lang = use_lang()();
    let mut nav = use_nav();
    let id = visit.id;
    let topics: Vec<&str> = visit.topics.iter().map(|t| t.label(lang)).collect();
    rsx! {
        article { class: "card visit",
            div { class: "visit-head",
                span { class: "visit-when", {i18n::date_time(lang, visit.visited_at)} }
                span { class: "badge plain", "{visit.mode.label(lang)}" }
                if doubtful {
                    span { class: "badge late", {t(lang, Key::PlaceDoubt)} }
                }
            }
            if visit.counts_as_weekly_visit() {
                div { class: if doubtful { "visit-place doubt" } else { "visit-place" }, "{place}" }
            }
            if !topics.is_empty() {
                div { class: "visit-topics", {topics.join("、")} }
            }
            if !visit.summary.is_empty() {
                p { class: "visit-summary", "{visit.summary}" }
            }
            if !visit.policies.is_empty() {
                p { class: "visit-policies", {i18n::labeled(lang, Key::Policies, &visit.policies)} }
            }
            PhotoStrip { photos }
            if correctable {
                button {
                    class: "link",
                    onclick: move |_| nav.write().push(Screen::CorrectVisit(id)),
                    {t(lang, Key::CorrectVisit)}
                }
            }
        }
    }
}
