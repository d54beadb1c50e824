//! 更正走访: the cadre corrects one of their visits (time, mode, what was said) or voids it
//! 作废, within seven days, always with a reason. It travels as an amendment op; the visit op
//! itself never changes, so the office sees both.

use dioxus::prelude::*;
use minqing_shared::ids::VisitId;
use minqing_shared::sync::op::AmendmentBody;
use minqing_shared::visit::{Visit, VisitMode};

use super::visit_form::{ModePicker, VisitTexts, WhenDraft, WhenPicker};
use super::{StoreErrorNote, bump, confirm_saved, use_lang, use_nav, use_revision};
use super::{use_services, use_toast};
use crate::i18n::{Key, t};

/// What the correction form holds.
#[derive(Clone, Debug, PartialEq)]
pub struct CorrectionDraft {
    /// The time.
    pub when: WhenDraft,
    /// The mode.
    pub mode: VisitMode,
    /// What was said.
    pub summary: String,
    /// Policies explained.
    pub policies: String,
    /// Why.
    pub reason: String,
}

impl CorrectionDraft {
    /// The form as it opens on `visit`.
    pub fn of(visit: &Visit) -> Self {
        Self {
            when: WhenDraft::opening(visit.visited_at),
            mode: visit.mode,
            summary: visit.summary.clone(),
            policies: visit.policies.clone(),
            reason: String::new(),
        }
    }

    /// The amendment: the fields that differ from `visit` (or `void`), or what is missing.
    pub fn build(&self, visit: &Visit, void: bool) -> Result<AmendmentBody, Key> {
        if self.reason.trim().is_empty() {
            return Err(Key::NeedReason);
        }
        let mut a = AmendmentBody::new(visit.id, visit.cadre_id, self.reason.trim());
        if void {
            a.void = true;
            return Ok(a);
        }
        a.visited_at = self.when.build()?;
        a.mode = (self.mode != visit.mode).then_some(self.mode);
        let (summary, policies) = (self.summary.trim(), self.policies.trim());
        a.summary = (summary != visit.summary).then(|| summary.to_owned());
        a.policies = (policies != visit.policies).then(|| policies.to_owned());
        if a.visited_at.is_none() && a.mode.is_none() && a.summary.is_none() && a.policies.is_none()
        {
            return Err(Key::NothingChanged);
        }
        Ok(a)
    }
}

/// The correction form for one visit.
#[component]
pub fn VisitCorrect(id: VisitId) -> Element {
    let services = use_services();
    let lang = use_lang()();
    let mut nav = use_nav();
    let toast = use_toast();
    let revision = use_revision();
    let visit = match services.store().visit(id) {
        Ok(Some(visit)) => visit,
        Ok(None) => return rsx! { p { class: "empty", {t(lang, Key::Voided)} } },
        Err(e) => return rsx! { StoreErrorNote { message: e.to_string() } },
    };
    let opened = use_hook(|| CorrectionDraft::of(&visit));
    let when = use_signal(|| opened.when.clone());
    let mode = use_signal(|| opened.mode);
    let summary = use_signal(|| opened.summary.clone());
    let policies = use_signal(|| opened.policies.clone());
    let mut reason = use_signal(String::new);
    let mut error = use_signal(|| None::<String>);
    let submit = {
        let services = services.clone();
        let visit = visit.clone();
        move |void: bool| {
            let draft = CorrectionDraft {
                when: when(),
                mode: mode(),
                summary: summary(),
                policies: policies(),
                reason: reason(),
            };
            let amendment = match draft.build(&visit, void) {
                Ok(a) => a,
                Err(key) => return error.set(Some(t(lang, key).to_owned())),
            };
            match services.store().amend_visit(amendment, services.now()) {
                Ok(()) => {
                    services.request_sync();
                    let done = if void { Key::Voided } else { Key::Corrected };
                    confirm_saved(&services, toast, t(lang, done).to_owned());
                    bump(revision);
                    nav.write().back();
                }
                Err(e) => error.set(Some(format!("{}: {e}", t(lang, Key::SaveFailed)))),
            }
        }
    };
    let mut save = submit.clone();
    let mut void = submit;
    rsx! {
        div { class: "visit-form",
            WhenPicker { when, hint: Key::CorrectionTimeHint, {} }
            section { class: "card",
                ModePicker { mode }
                VisitTexts { summary, policies }
                label { class: "field",
                    span { class: "field-label", {t(lang, Key::CorrectionReason)} }
                    input {
                        id: "reason",
                        class: "input",
                        placeholder: t(lang, Key::CorrectionReasonHint),
                        oninput: move |e| reason.set(e.value()),
                    }
                }
            }
            if let Some(e) = error() {
                p { class: "error", role: "alert", "{e}" }
            }
            p { class: "hint", {t(lang, Key::VoidHint)} }
            button {
                id: "void",
                r#type: "button",
                class: "btn btn-secondary danger",
                onclick: move |_| void(true),
                {t(lang, Key::VoidVisit)}
            }
            div { class: "save-bar",
                button {
                    id: "save",
                    class: "btn btn-primary",
                    onclick: move |_| save(false),
                    {t(lang, Key::SaveCorrection)}
                }
            }
        }
    }
}
