//! One concern inside the visit form: category chips, what the household asks for, and what the
//! cadre did — 马上解决, 解释答复, or 上报 with a 民情专题报告.

use dioxus::prelude::*;
use minqing_shared::concern::{Category, SpecialReport};
use minqing_shared::label::Label;

use super::photos::PhotoPicker;
use super::use_lang;
use crate::i18n::{self, Key, t};
use crate::store::{Disposition, NewConcern, TakenPhoto};

/// What the cadre did at the doorstep (none chosen: recorded for later).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Choice {
    /// Recorded only.
    #[default]
    Open,
    /// 马上解决.
    ResolveOnSpot,
    /// 解释答复.
    Explain,
    /// 上报.
    Escalate,
}

impl Choice {
    const OFFERED: [(Choice, Key); 3] = [
        (Choice::ResolveOnSpot, Key::ResolveOnSpot),
        (Choice::Explain, Key::Explain),
        (Choice::Escalate, Key::Escalate),
    ];
}

/// A concern as the form holds it while the cadre types.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConcernDraft {
    /// Stable within the form (the editor's key: fields keep their text when another is removed).
    pub id: u64,
    /// The category, once chosen.
    pub category: Option<Category>,
    /// What the household asks for.
    pub description: String,
    /// What the cadre did.
    pub choice: Choice,
    /// How it was solved or explained.
    pub note: String,
    /// The special report's title (escalated).
    pub report_title: String,
    /// The special report's content (escalated).
    pub report_content: String,
    /// The special report's number of households affected 涉及户数, as typed (escalated).
    pub report_households: String,
    /// Photos of it, taken in.
    pub photos: Vec<TakenPhoto>,
}

/// The number of households affected a special report names: empty for none, else a whole
/// number from 1 to 100,000 (the ledger orders escalated concerns by it).
pub fn households_affected(text: &str) -> Result<Option<u32>, Key> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<u32>() {
        Ok(n) if (1..=100_000).contains(&n) => Ok(Some(n)),
        _ => Err(Key::NeedHouseholds),
    }
}

impl ConcernDraft {
    /// The concern to save, or what is missing.
    pub fn build(&self) -> Result<NewConcern, Key> {
        let category = self.category.ok_or(Key::NeedCategory)?;
        if self.description.trim().is_empty() {
            return Err(Key::NeedDescription);
        }
        let disposition = match self.choice {
            Choice::Open => Disposition::Open,
            Choice::ResolveOnSpot => Disposition::ResolvedOnSpot(self.note.clone()),
            Choice::Explain => Disposition::Explained(self.note.clone()),
            Choice::Escalate => {
                if self.report_title.trim().is_empty() || self.report_content.trim().is_empty() {
                    return Err(Key::NeedReport);
                }
                Disposition::Escalated(SpecialReport {
                    title: self.report_title.trim().to_owned(),
                    content: self.report_content.trim().to_owned(),
                    households_affected: households_affected(&self.report_households)?,
                })
            }
        };
        Ok(NewConcern {
            category,
            description: self.description.clone(),
            disposition,
            photos: self.photos.clone(),
        })
    }
}

/// The editor of the `index`-th concern of `drafts`.
#[component]
pub fn ConcernEditor(index: usize, drafts: Signal<Vec<ConcernDraft>>) -> Element {
    let lang = use_lang()();
    let Some(draft) = drafts.read().get(index).cloned() else { return rsx! {} };
    let mut edit = move |f: &dyn Fn(&mut ConcernDraft)| {
        if let Some(d) = drafts.write().get_mut(index) {
            f(d);
        }
    };
    rsx! {
        section { class: "card concern-editor",
            div { class: "concern-editor-head",
                h3 { {i18n::concern_n(lang, index + 1)} }
                button {
                    r#type: "button",
                    class: "link danger",
                    onclick: move |_| {
                        drafts.write().remove(index);
                    },
                    {t(lang, Key::RemoveConcern)}
                }
            }
            div { class: "field-label", {t(lang, Key::Category)} }
            div { id: "concern-{index}-categories", class: "chips",
                for category in Category::ALL.iter().copied() {
                    button {
                        key: "{category}",
                        r#type: "button",
                        class: if draft.category == Some(category) { "chip on" } else { "chip" },
                        onclick: move |_| edit(&|d| d.category = Some(category)),
                        "{category.label(lang)}"
                    }
                }
            }
            label { class: "field",
                span { class: "field-label", {t(lang, Key::Description)} }
                textarea {
                    id: "concern-{index}-description",
                    class: "input",
                    rows: "2",
                    placeholder: t(lang, Key::DescriptionHint),
                    initial_value: "{draft.description}",
                    oninput: move |e| {
                        let v = e.value();
                        edit(&|d| d.description = v.clone())
                    },
                }
            }
            PhotoPicker {
                photos: draft.photos.clone(),
                onchange: move |list: Vec<TakenPhoto>| edit(&|d| d.photos = list.clone()),
                name: "concern-{index}",
            }
            div { class: "field-label", {t(lang, Key::Disposition)} }
            div { class: "chips three",
                for (choice, key) in Choice::OFFERED {
                    button {
                        key: "{key:?}",
                        r#type: "button",
                        class: if draft.choice == choice { "chip on" } else { "chip" },
                        onclick: move |_| edit(&|d| {
                            d.choice = if d.choice == choice { Choice::Open } else { choice }
                        }),
                        {t(lang, key)}
                    }
                }
            }
            if matches!(draft.choice, Choice::ResolveOnSpot | Choice::Explain) {
                label { class: "field",
                    span { class: "field-label", {t(lang, Key::DispositionNote)} }
                    input {
                        class: "input",
                        initial_value: "{draft.note}",
                        oninput: move |e| {
                            let v = e.value();
                            edit(&|d| d.note = v.clone())
                        },
                    }
                }
            }
            if draft.choice == Choice::Escalate {
                div { class: "report",
                    div { class: "report-title", {t(lang, Key::SpecialReport)} }
                    input {
                        class: "input",
                        placeholder: t(lang, Key::ReportTitle),
                        initial_value: "{draft.report_title}",
                        oninput: move |e| {
                            let v = e.value();
                            edit(&|d| d.report_title = v.clone())
                        },
                    }
                    textarea {
                        class: "input",
                        rows: "4",
                        placeholder: t(lang, Key::ReportContent),
                        initial_value: "{draft.report_content}",
                        oninput: move |e| {
                            let v = e.value();
                            edit(&|d| d.report_content = v.clone())
                        },
                    }
                    label { class: "field",
                        span { class: "field-label", {t(lang, Key::HouseholdsAffected)} }
                        input {
                            id: "concern-{index}-households",
                            class: "input",
                            r#type: "number",
                            inputmode: "numeric",
                            min: "1",
                            initial_value: "{draft.report_households}",
                            oninput: move |e| {
                                let v = e.value();
                                edit(&|d| d.report_households = v.clone())
                            },
                        }
                    }
                }
            }
        }
    }
}
