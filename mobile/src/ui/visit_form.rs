//! 记录走访: the visit form. Built for the doorstep: a visit with one topic and one concern takes
//! six taps plus typing (open, topic, add concern, category, disposition, save). It says 已保存
//! only after the store committed the visit, then asks the background loop to sync.

use dioxus::prelude::*;
use minqing_shared::ids::HouseholdId;
use minqing_shared::label::Label;
use minqing_shared::visit::{Topic, VisitMode};

use super::concern_form::{ConcernDraft, ConcernEditor};
use super::{StoreErrorNote, bump, confirm_saved, use_lang, use_nav, use_revision};
use super::{use_services, use_toast};
use crate::i18n::{Key, t};
use crate::store::NewVisit;

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
            gps: None,
            concerns,
        })
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
    let mut mode = use_signal(|| VisitMode::InPerson);
    let mut topics = use_signal(Vec::<Topic>::new);
    let mut policies = use_signal(String::new);
    let mut summary = use_signal(String::new);
    let mut drafts = use_signal(Vec::<ConcernDraft>::new);
    let mut error = use_signal(|| None::<String>);

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
            section { class: "card",
                div { class: "field-label", {t(lang, Key::Topics)} }
                div { class: "chips",
                    for topic in Topic::ALL.iter().copied() {
                        button {
                            key: "{topic}",
                            r#type: "button",
                            class: if topics.read().contains(&topic) { "chip on" } else { "chip" },
                            onclick: move |_| {
                                let mut list = topics.write();
                                if let Some(at) = list.iter().position(|t| *t == topic) {
                                    list.remove(at);
                                } else {
                                    list.push(topic);
                                }
                            },
                            "{topic.label(lang)}"
                        }
                    }
                }
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
}
