//! 新增联系户: the cadre proposes a household met in one of their villages (拟联系). It travels
//! as an op; the township office confirms and files it 备案. Until then it is listed, marked
//! 拟联系, and not counted in the week's figures (as the office counts them).

use dioxus::prelude::*;
use minqing_shared::household::HouseholdKind;
use minqing_shared::ids::VillageId;
use minqing_shared::label::Label;

use super::{StoreErrorNote, bump, confirm_saved, use_lang, use_nav, use_revision};
use super::{use_services, use_toast};
use crate::i18n::{Key, t};
use crate::store::NewHousehold;

/// The proposal form.
#[component]
pub fn ProposeHousehold() -> Element {
    let services = use_services();
    let lang = use_lang()();
    let mut nav = use_nav();
    let toast = use_toast();
    let revision = use_revision();
    let villages = match services.store().my_villages() {
        Ok(v) => v,
        Err(e) => return rsx! { StoreErrorNote { message: e.to_string() } },
    };
    let first = villages.first().map(|(id, _)| *id);
    let mut village = use_signal(|| first);
    let mut head = use_signal(String::new);
    let mut address = use_signal(String::new);
    let mut phone = use_signal(String::new);
    let mut kinds = use_signal(Vec::<HouseholdKind>::new);
    let mut error = use_signal(|| None::<String>);
    let save = move |_| {
        let Some(village_id) = village() else {
            return error.set(Some(t(lang, Key::NeedVillage).to_owned()));
        };
        if head().trim().is_empty() {
            return error.set(Some(t(lang, Key::NeedHeadName).to_owned()));
        }
        let new = NewHousehold {
            village_id,
            head_name: head(),
            address: address(),
            phone: phone(),
            kinds: kinds(),
        };
        match services.store().propose_household(&new, services.now()) {
            Ok(_) => {
                services.request_sync();
                confirm_saved(&services, toast, t(lang, Key::Proposed).to_owned());
                bump(revision);
                nav.write().back();
            }
            Err(e) => error.set(Some(format!("{}: {e}", t(lang, Key::SaveFailed)))),
        }
    };
    rsx! {
        div { class: "visit-form",
            section { class: "card",
                p { class: "hint", {t(lang, Key::ProposeHint)} }
                label { class: "field",
                    span { class: "field-label", {t(lang, Key::InVillage)} }
                    select {
                        id: "village",
                        class: "input",
                        onchange: move |e| village.set(e.value().parse::<VillageId>().ok()),
                        for (id, name) in villages {
                            option { key: "{id}", value: "{id}", selected: Some(id) == village(), "{name}" }
                        }
                    }
                }
                label { class: "field",
                    span { class: "field-label", {t(lang, Key::HeadName)} }
                    input { id: "head", class: "input", oninput: move |e| head.set(e.value()) }
                }
                label { class: "field",
                    span { class: "field-label", {t(lang, Key::GroupAddress)} }
                    input {
                        id: "address",
                        class: "input",
                        placeholder: t(lang, Key::AddressHint),
                        oninput: move |e| address.set(e.value()),
                    }
                }
                label { class: "field",
                    span { class: "field-label", {t(lang, Key::PhoneNumber)} }
                    input {
                        id: "phone",
                        class: "input",
                        r#type: "tel",
                        oninput: move |e| phone.set(e.value()),
                    }
                }
                div { class: "field-label", {t(lang, Key::HouseholdKinds)} }
                div { class: "chips",
                    for kind in HouseholdKind::ALL.iter().copied() {
                        button {
                            key: "{kind}",
                            r#type: "button",
                            class: if kinds.read().contains(&kind) { "chip on" } else { "chip" },
                            onclick: move |_| super::toggle(&mut kinds.write(), kind),
                            "{kind.label(lang)}"
                        }
                    }
                }
            }
            if let Some(e) = error() {
                p { class: "error", role: "alert", "{e}" }
            }
            div { class: "save-bar",
                button { id: "save", class: "btn btn-primary", onclick: save, {t(lang, Key::Propose)} }
            }
        }
    }
}
