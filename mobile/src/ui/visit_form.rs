//! 记录走访: the visit form. Built for the doorstep: a visit with one topic and one concern takes
//! six taps plus typing (open, topic, add concern, category, disposition, save). It says 已保存
//! only after the store committed the visit, then asks the background loop to sync.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use dioxus::prelude::*;
use minqing_shared::calendar::china;
use minqing_shared::ids::HouseholdId;
use minqing_shared::label::Label;
use minqing_shared::permit::time::visit_days;
use minqing_shared::visit::{GeoFix, NoFix, Topic, VisitMode};

use super::concern_form::{ConcernDraft, ConcernEditor};
use super::photos::PhotoPicker;
use super::{StoreErrorNote, bump, confirm_saved, use_lang, use_nav, use_revision};
use super::{use_services, use_toast};
use crate::i18n::{Key, t, visit_day};
use crate::store::{NewVisit, TakenPhoto};

/// What the form holds.
#[derive(Clone, Debug, PartialEq)]
pub struct VisitDraft {
    /// In person or a call from the household.
    pub mode: VisitMode,
    /// Topics talked about.
    pub topics: Vec<Topic>,
    /// Policies explained.
    pub policies: String,
    /// What was said.
    pub summary: String,
    /// Concerns raised.
    pub concerns: Vec<ConcernDraft>,
    /// When: the day and the time (hh:mm, China) as set on the form.
    pub when: WhenDraft,
    /// The location fix taken when the form opened: `None` while the platform is still
    /// looking (saved as no fix in time).
    pub fix: Option<Result<GeoFix, NoFix>>,
    /// Photos of the visit, taken in.
    pub photos: Vec<TakenPhoto>,
}

/// The time of the visit as the form holds it: the day chosen and the time typed. Left as the
/// form opened it, it means "now".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WhenDraft {
    /// The day chosen.
    pub day: NaiveDate,
    /// The time typed, "hh:mm".
    pub time: String,
    /// The day and time the form opened with.
    pub opened: (NaiveDate, String),
}

impl WhenDraft {
    /// The form's time as it opens at `now` (the real time, China).
    pub fn opening(now: DateTime<Utc>) -> Self {
        let local = now.with_timezone(&china());
        let (day, time) = (local.date_naive(), local.format("%H:%M").to_string());
        Self { day, time: time.clone(), opened: (day, time) }
    }

    /// The moment set, or `None` for "now" (left as opened).
    pub fn build(&self) -> Result<Option<DateTime<Utc>>, Key> {
        if (self.day, self.time.as_str()) == (self.opened.0, self.opened.1.as_str()) {
            return Ok(None);
        }
        let time =
            NaiveTime::parse_from_str(self.time.trim(), "%H:%M").map_err(|_| Key::NeedTime)?;
        let local = self.day.and_time(time).and_local_timezone(china()).single();
        local.map(|at| Some(at.with_timezone(&Utc))).ok_or(Key::NeedTime)
    }
}

impl VisitDraft {
    /// The visit to save, or what is missing.
    pub fn build(&self, household_id: HouseholdId) -> Result<NewVisit, Key> {
        let concerns = self.concerns.iter().map(ConcernDraft::build).collect::<Result<_, _>>()?;
        let mut topics = self.topics.clone();
        topics.sort();
        Ok(NewVisit {
            household_id,
            mode: self.mode,
            topics,
            policies: self.policies.clone(),
            summary: self.summary.clone(),
            gps: self.fix.and_then(Result::ok),
            no_fix: match self.fix {
                Some(Err(why)) => Some(why),
                Some(Ok(_)) => None,
                None => Some(NoFix::Timeout),
            },
            visited_at: self.when.build()?,
            concerns,
            photos: self.photos.clone(),
        })
    }
}

/// 走访时间: a day of this week or last, and a time.
#[component]
pub fn WhenPicker(when: Signal<WhenDraft>, hint: Key, children: Element) -> Element {
    let services = use_services();
    let lang = use_lang()();
    let (first_day, today) = visit_days(services.real_now());
    let days: Vec<NaiveDate> = first_day.iter_days().take_while(|d| *d <= today).collect();
    rsx! {
        section { class: "card when",
            div { class: "field-label", {t(lang, Key::VisitTime)} }
            div { class: "when-row",
                select {
                    id: "visit-day",
                    class: "input",
                    onchange: move |e| {
                        if let Ok(day) = e.value().parse::<NaiveDate>() {
                            when.write().day = day;
                        }
                    },
                    for day in days.into_iter().rev() {
                        option {
                            key: "{day}",
                            value: "{day}",
                            selected: day == when.read().day,
                            {visit_day(lang, day, today)}
                        }
                    }
                }
                input {
                    id: "visit-time",
                    class: "input time",
                    r#type: "time",
                    initial_value: "{when.read().time}",
                    oninput: move |e| when.write().time = e.value(),
                }
            }
            div { class: "hint", {t(lang, hint)} }
            {children}
        }
    }
}

/// 入户走访 / 群众来电.
#[component]
pub fn ModePicker(mode: Signal<VisitMode>) -> Element {
    let lang = use_lang()();
    rsx! {
        div { class: "segmented",
            for m in VisitMode::ALL.iter().copied() {
                button {
                    key: "{m}",
                    r#type: "button",
                    class: if mode() == m { "segment on" } else { "segment" },
                    onclick: move |_| mode.set(m),
                    "{m.label(lang)}"
                }
            }
        }
    }
}

/// What was said, and the policies explained.
#[component]
pub fn VisitTexts(summary: Signal<String>, policies: Signal<String>) -> Element {
    let lang = use_lang()();
    rsx! {
        label { class: "field",
            span { class: "field-label", {t(lang, Key::Summary)} }
            textarea {
                id: "summary",
                class: "input",
                rows: "3",
                placeholder: t(lang, Key::SummaryHint),
                initial_value: "{summary}",
                oninput: move |e| summary.set(e.value()),
            }
        }
        label { class: "field",
            span { class: "field-label", {t(lang, Key::Policies)} }
            input {
                id: "policies",
                class: "input",
                placeholder: t(lang, Key::PoliciesHint),
                initial_value: "{policies}",
                oninput: move |e| policies.set(e.value()),
            }
        }
    }
}

/// The visit form for one household.
#[component]
pub fn VisitForm(id: HouseholdId) -> Element {
    let services = use_services();
    let lang = use_lang()();
    let mut nav = use_nav();
    let toast = use_toast();
    let revision = use_revision();
    let mode = use_signal(|| VisitMode::InPerson);
    let mut topics = use_signal(Vec::<Topic>::new);
    let policies = use_signal(String::new);
    let summary = use_signal(String::new);
    let mut drafts = use_signal(Vec::<ConcernDraft>::new);
    let mut photos = use_signal(Vec::<TakenPhoto>::new);
    let mut error = use_signal(|| None::<String>);
    let opened = use_hook(|| WhenDraft::opening(services.real_now()));
    let when = use_signal(|| opened.clone());
    // The fix is asked for as the form opens, so it is there by the time of saving.
    let mut fix = use_signal(|| None::<Result<GeoFix, NoFix>>);
    use_hook(|| {
        let locator = services.locator().clone();
        spawn(async move { fix.set(Some(locator.fix().await)) })
    });

    let household = match services.store().household_detail(id, services.today()) {
        Ok(Some(detail)) => detail.summary,
        Ok(None) => return rsx! { p { class: "empty", {t(lang, Key::UnknownHousehold)} } },
        Err(e) => return rsx! { StoreErrorNote { message: e.to_string() } },
    };
    let name = household.household.head_name.clone();
    let save = move |_| {
        let draft = VisitDraft {
            mode: mode(),
            topics: topics(),
            policies: policies(),
            summary: summary(),
            concerns: drafts(),
            when: when(),
            fix: fix(),
            photos: photos(),
        };
        let visit = match draft.build(id) {
            Ok(visit) => visit,
            Err(key) => return error.set(Some(t(lang, key).to_owned())),
        };
        match services.store().record_visit(&visit, services.now()) {
            Ok(_) => {
                services.request_sync();
                confirm_saved(&services, toast, format!("{} · {name}", t(lang, Key::Saved)));
                bump(revision);
                nav.write().back();
            }
            Err(e) => error.set(Some(format!("{}: {e}", t(lang, Key::SaveFailed)))),
        }
    };
    let draft_ids: Vec<u64> = drafts.read().iter().map(|d| d.id).collect();
    rsx! {
        div { class: "visit-form",
            section { class: "card form-head",
                div { class: "household-name", "{household.household.head_name}" }
                div { class: "row-sub", "{household.village_name} · {household.household.address}" }
                ModePicker { mode }
            }
            WhenPicker { when, hint: Key::VisitTimeHint,
                div { id: "fix", class: "hint fix", {crate::i18n::fix_status(lang, fix())} }
            }
            section { class: "card",
                div { class: "field-label", {t(lang, Key::Topics)} }
                div { class: "chips",
                    for topic in Topic::ALL.iter().copied() {
                        button {
                            key: "{topic}",
                            r#type: "button",
                            class: if topics.read().contains(&topic) { "chip on" } else { "chip" },
                            onclick: move |_| super::toggle(&mut topics.write(), topic),
                            "{topic.label(lang)}"
                        }
                    }
                }
                VisitTexts { summary, policies }
                PhotoPicker { photos: photos(), onchange: move |list| photos.set(list), name: "visit" }
            }
            for (index, draft_id) in draft_ids.into_iter().enumerate() {
                ConcernEditor { key: "{draft_id}", index, drafts }
            }
            button {
                id: "add-concern",
                r#type: "button",
                class: "btn btn-secondary",
                onclick: move |_| {
                    let id = drafts.peek().iter().map(|d| d.id + 1).max().unwrap_or(0);
                    drafts.write().push(ConcernDraft { id, ..ConcernDraft::default() });
                },
                {t(lang, Key::AddConcern)}
            }
            if let Some(e) = error() {
                p { class: "error", role: "alert", "{e}" }
            }
            div { class: "save-bar",
                button { id: "save", class: "btn btn-primary", onclick: save, {t(lang, Key::Save)} }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::concern_form::Choice;
    use minqing_shared::concern::Category;

    #[test]
    fn a_draft_says_what_is_missing() {
        let h = HouseholdId::new();
        let concern = ConcernDraft {
            category: Some(Category::Roads),
            description: "村口路坏了".into(),
            ..ConcernDraft::default()
        };
        let draft = |c: ConcernDraft| VisitDraft {
            mode: VisitMode::InPerson,
            topics: vec![Topic::HotIssues],
            policies: String::new(),
            summary: "谈了修路".into(),
            concerns: vec![c],
            when: WhenDraft::opening(minqing_shared::clock::china_time(2026, 11, 25, 12, 0)),
            fix: None,
            photos: Vec::new(),
        };
        let cases = [
            ("complete", concern.clone(), None),
            (
                "no category",
                ConcernDraft { category: None, ..concern.clone() },
                Some(Key::NeedCategory),
            ),
            (
                "no text",
                ConcernDraft { description: " ".into(), ..concern.clone() },
                Some(Key::NeedDescription),
            ),
            (
                "escalated without report",
                ConcernDraft { choice: Choice::Escalate, ..concern.clone() },
                Some(Key::NeedReport),
            ),
        ];
        for (name, c, want) in cases {
            assert_eq!(draft(c).build(h).err(), want, "{name}");
        }
    }

    #[test]
    fn the_time_left_as_opened_means_now_and_a_set_one_is_china_time() {
        let opened = WhenDraft::opening(minqing_shared::clock::china_time(2026, 11, 25, 12, 7));
        assert_eq!(opened.time, "12:07");
        assert_eq!(opened.build(), Ok(None));
        let evening = WhenDraft {
            day: "2026-11-24".parse().unwrap(),
            time: "19:30".into(),
            ..opened.clone()
        };
        assert_eq!(
            evening.build(),
            Ok(Some(minqing_shared::clock::china_time(2026, 11, 24, 19, 30)))
        );
        let blank = WhenDraft { time: String::new(), ..evening };
        assert_eq!(blank.build(), Err(Key::NeedTime));
    }
}
