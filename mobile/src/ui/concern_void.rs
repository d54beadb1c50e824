//! 作废 on a concern: the cadre voids their own latest step — a concern recorded by mistake, or
//! the wrong disposition (马上解决 where it had to be 上报) — within seven days and before the
//! office acted on it, with a reason. The concern then stands as if the step had not been taken
//! (back to 待处理, or gone with a voided raise), and the right step is taken next.

use dioxus::prelude::*;
use minqing_shared::concern::ConcernAction;
use minqing_shared::permit::{self, Action, Class, Phase};
use minqing_shared::sync::merge::ConcernState;

use super::{bump, confirm_saved, use_lang, use_revision, use_services, use_toast};
use crate::i18n::{self, Key, t};

/// 作废 and, once opened, its reason and 确认作废.
#[component]
pub fn ConcernVoid(state: ConcernState) -> Element {
    let services = use_services();
    let lang = use_lang()();
    let revision = use_revision();
    let toast = use_toast();
    let mut open = use_signal(|| false);
    let mut reason = use_signal(String::new);
    let mut error = use_signal(|| None::<String>);
    let me = services.store().account().ok().flatten().map(|a| a.cadre_id);
    let Some((op, step)) = me.and_then(|me| state.voidable_by(me)) else { return rsx! {} };
    let phase = Phase::of_concern(state.status);
    let allowed = permit::permit(Class::Field, Action::VoidStep, phase, state.on_ledger()).is_ok()
        && permit::time::check_correction(step.at, services.real_now()).is_ok();
    if !allowed {
        return rsx! {};
    }
    let name = step.action.name();
    let label = i18n::void_step(lang, name);
    let id = state.id;
    let confirm = move |_| {
        let why = reason().trim().to_owned();
        if why.is_empty() {
            return error.set(Some(t(lang, Key::NeedVoidReason).to_owned()));
        }
        let void = ConcernAction::Void { step: op, reason: why };
        match services.store().concern_step(id, void, services.now()) {
            Ok(()) => {
                services.request_sync();
                confirm_saved(&services, toast, t(lang, Key::Voided).to_owned());
                open.set(false);
                bump(revision);
            }
            Err(e) => error.set(Some(format!("{}: {e}", t(lang, Key::SaveFailed)))),
        }
    };
    rsx! {
        div { class: "void",
            if !open() {
                button { class: "link danger", onclick: move |_| open.set(true), "{label}" }
            } else {
                div { class: "hint", {t(lang, Key::StepVoidHint)} }
                input {
                    id: "void-reason",
                    class: "input",
                    placeholder: t(lang, Key::VoidReason),
                    oninput: move |e| reason.set(e.value()),
                }
                if let Some(e) = error() {
                    p { class: "error", role: "alert", "{e}" }
                }
                div { class: "row-actions",
                    button { class: "btn btn-secondary", onclick: move |_| open.set(false), {t(lang, Key::Cancel)} }
                    button { class: "btn danger", onclick: confirm, {t(lang, Key::ConfirmVoid)} }
                }
            }
        }
    }
}
