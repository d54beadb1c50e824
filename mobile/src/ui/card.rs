//! 名片: the cadre's contact card as a QR code filling the screen's width, with name, unit and
//! phone under it. A household scans it with the stock camera and saves the contact.

use dioxus::prelude::*;

use super::{StoreErrorNote, use_lang, use_revision, use_services};
use crate::i18n::{Key, t};

/// My card.
#[component]
pub fn CardScreen() -> Element {
    let services = use_services();
    let lang = use_lang()();
    use_revision().read();
    let card = match services.store().card() {
        Ok(Some(card)) => card,
        Ok(None) => return rsx! { p { class: "empty", {t(lang, Key::NoCard)} } },
        Err(e) => return rsx! { StoreErrorNote { message: e.to_string() } },
    };
    let svg = card.qr_svg();
    let unit = [card.unit.as_str(), card.title.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ");
    rsx! {
        section { class: "namecard",
            div { class: "qr", dangerous_inner_html: "{svg}" }
            div { class: "namecard-name", "{card.name}" }
            div { class: "namecard-unit", "{unit}" }
            div { class: "namecard-phone", "{card.phone}" }
            if !card.villages.is_empty() {
                div { class: "namecard-villages", {card.villages.join("、")} }
            }
            p { class: "namecard-hint", {t(lang, Key::CardHint)} }
        }
    }
}
