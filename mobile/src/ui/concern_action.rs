//! Following up a concern after the visit: one recorded as 待处理 can still be solved, explained
//! or escalated with a 民情专题报告; an explained one can still be escalated.

use dioxus::prelude::*;
use minqing_shared::concern::{ConcernAction, ConcernStatus, SpecialReport};
use minqing_shared::ids::ConcernId;
use minqing_shared::permit::{self, Action, Class, Phase, Record};

use super::concern_form::{Choice, households_affected};
use super::{bump, confirm_saved, use_lang, use_revision, use_services, use_toast};
use crate::i18n::{Key, t};

/// The follow-ups a field cadre may take on a concern in `status`: the permission table's.
fn offered(status: ConcernStatus) -> Vec<(Choice, Key)> {
    let phase = Phase::of_concern(Some(status));
    permit::offered(Class::Field, Record::Concern, phase, false)
        .into_iter()
        .filter_map(|a| match a {
            Action::ResolveOnSpot => Some((Choice::ResolveOnSpot, Key::ResolveOnSpot)),
            Action::Explain => Some((Choice::Explain, Key::Explain)),
            Action::Escalate => Some((Choice::Escalate, Key::Escalate)),
            _ => None,
        })
        .collect()
}

/// The step to record, or what is missing.
fn action(
    choice: Choice,
    note: &str,
    title: &str,
    content: &str,
    households: &str,
) -> Result<ConcernAction, Key> {
    let note = note.trim().to_owned();
    match choice {
        Choice::Open => Err(Key::Disposition),
        Choice::ResolveOnSpot => Ok(ConcernAction::ResolveOnSpot { note }),
        Choice::Explain => Ok(ConcernAction::Explain { note }),
        Choice::Escalate if title.trim().is_empty() || content.trim().is_empty() => {
            Err(Key::NeedReport)
        }
        Choice::Escalate => Ok(ConcernAction::Escalate {
            report: SpecialReport {
                title: title.trim().to_owned(),
                content: content.trim().to_owned(),
                households_affected: households_affected(households)?,
            },
        }),
    }
}

/// The follow-up buttons and, once one is chosen, its small form.
#[component]
pub fn ConcernFollowUp(id: ConcernId, status: ConcernStatus) -> Element {
    let services = use_services();
    let lang = use_lang()();
    let revision = use_revision();
    let toast = use_toast();
    let mut chosen = use_signal(|| Choice::Open);
    let mut note = use_signal(String::new);
    let mut title = use_signal(String::new);
    let mut content = use_signal(String::new);
    let mut households = use_signal(String::new);
    let mut error = use_signal(|| None::<String>);
    let choices = offered(status);
    if choices.is_empty() {
        return rsx! {};
    }
    let save = move |_| {
        let typed = (note(), title(), content(), households());
        let step = match action(chosen(), &typed.0, &typed.1, &typed.2, &typed.3) {
            Ok(step) => step,
            Err(key) => return error.set(Some(t(lang, key).to_owned())),
        };
        match services.store().concern_step(id, step, services.now()) {
            Ok(()) => {
                services.request_sync();
                confirm_saved(&services, toast, t(lang, Key::Saved).to_owned());
                chosen.set(Choice::Open);
                for mut field in [note, title, content, households] {
                    field.set(String::new());
                }
                error.set(None);
                bump(revision);
            }
            Err(e) => error.set(Some(format!("{}: {e}", t(lang, Key::SaveFailed)))),
        }
    };
    rsx! {
        div { class: "follow-up",
            div { class: "field-label", {t(lang, Key::FollowUp)} }
            div { class: "chips three",
                for (choice, key) in choices.iter().copied() {
                    button {
                        key: "{key:?}",
                        r#type: "button",
                        class: if chosen() == choice { "chip on" } else { "chip" },
                        onclick: move |_| {
                            error.set(None);
                            chosen.set(if chosen() == choice { Choice::Open } else { choice });
                        },
                        {t(lang, key)}
                    }
                }
            }
            if matches!(chosen(), Choice::ResolveOnSpot | Choice::Explain) {
                input {
                    class: "input",
                    placeholder: t(lang, Key::DispositionNote),
                    oninput: move |e| note.set(e.value()),
                }
            }
            if chosen() == Choice::Escalate {
                div { class: "report",
                    div { class: "report-title", {t(lang, Key::SpecialReport)} }
                    input {
                        class: "input",
                        placeholder: t(lang, Key::ReportTitle),
                        oninput: move |e| title.set(e.value()),
                    }
                    textarea {
                        class: "input",
                        rows: "4",
                        placeholder: t(lang, Key::ReportContent),
                        oninput: move |e| content.set(e.value()),
                    }
                    input {
                        class: "input",
                        r#type: "number",
                        inputmode: "numeric",
                        min: "1",
                        placeholder: t(lang, Key::HouseholdsAffected),
                        oninput: move |e| households.set(e.value()),
                    }
                }
            }
            if let Some(e) = error() {
                p { class: "error", role: "alert", "{e}" }
            }
            if chosen() != Choice::Open {
                button { class: "btn btn-primary", onclick: save, {t(lang, Key::Save)} }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follow_ups_follow_the_workflow() {
        use ConcernStatus as S;
        let cases = [
            ("raised: all three", S::Raised, 3),
            ("explained: escalate only", S::Explained, 1),
            ("escalated: the office's turn", S::Escalated, 0),
            ("done: nothing", S::Done, 0),
        ];
        for (name, status, n) in cases {
            assert_eq!(offered(status).len(), n, "{name}");
        }
        assert_eq!(action(Choice::Escalate, "", "标题", " ", "").err(), Some(Key::NeedReport));
        assert!(matches!(
            action(Choice::Explain, " 已讲清政策 ", "", "", ""),
            Ok(ConcernAction::Explain { note }) if note == "已讲清政策"
        ));
    }

    #[test]
    fn a_special_report_carries_the_households_affected() {
        let escalate =
            |households: &str| action(Choice::Escalate, "", "机井", "需维修", households);
        assert!(matches!(
            escalate(" 12 "),
            Ok(ConcernAction::Escalate { report }) if report.households_affected == Some(12)
        ));
        assert!(matches!(
            escalate(""),
            Ok(ConcernAction::Escalate { report }) if report.households_affected.is_none()
        ));
        for wrong in ["0", "-3", "1.5", "十二", "100001"] {
            assert_eq!(escalate(wrong).err(), Some(Key::NeedHouseholds), "{wrong}");
        }
    }
}
