//! Photos on the visit and concern forms (up to three, from the camera or the gallery, made
//! small before they are kept) and on the household's history (each with where it stands:
//! waiting, uploaded, or refused with the server's reason).

use dioxus::prelude::*;
use minqing_shared::label::Label;
use minqing_shared::photo::MAX_PER_RECORD;

use super::{use_lang, use_services};
use crate::i18n::{Key, t};
use crate::photo::{self, Camera, data_url};
use crate::store::{PhotoState, PhotoView, TakenPhoto};

/// `photos` with the pictures `pictures` taken in (up to the limit, none twice), or why one
/// could not be.
fn take_in(mut photos: Vec<TakenPhoto>, pictures: &[Vec<u8>]) -> (Vec<TakenPhoto>, Option<Key>) {
    let mut note = None;
    for bytes in pictures {
        match photo::take(bytes) {
            Ok(taken) => {
                if photos.len() < MAX_PER_RECORD && !photos.iter().any(|p| p.id == taken.id) {
                    photos.push(taken);
                }
            }
            Err(_) => note = Some(Key::PhotoUnreadable),
        }
    }
    (photos, note)
}

/// The form's photos: thumbnails with 删除, and the button that adds one (a file picker, which
/// on a phone offers the camera and the gallery; the test file of `MINQING_FAKE_PHOTO` when set).
#[component]
pub fn PhotoPicker(
    photos: Vec<TakenPhoto>,
    onchange: EventHandler<Vec<TakenPhoto>>,
    name: String,
) -> Element {
    let lang = use_lang()();
    let mut note = use_signal(|| None::<Key>);
    let full = photos.len() >= MAX_PER_RECORD;
    // Each thumbnail with the list its 删除 leaves.
    let shown: Vec<(String, String, Vec<TakenPhoto>)> = photos
        .iter()
        .map(|p| {
            let rest = photos.iter().filter(|q| q.id != p.id).cloned().collect();
            (p.id.to_string(), data_url(&p.thumb), rest)
        })
        .collect();
    let (before_fake, before_file) = (photos.clone(), photos);
    let camera = use_services().camera().clone();
    let fake = camera != Camera::Picker;
    rsx! {
        div { class: "photos",
            div { class: "field-label", {t(lang, Key::Photos)} }
            div { class: "photo-row",
                for (id, src, rest) in shown {
                    div { key: "{id}", class: "photo",
                        img { class: "photo-thumb", src: "{src}", alt: t(lang, Key::Photos) }
                        button {
                            r#type: "button",
                            class: "photo-remove",
                            title: t(lang, Key::RemovePhoto),
                            onclick: move |_| onchange.call(rest.clone()),
                            "×"
                        }
                    }
                }
            }
            if !full {
                if fake {
                    button {
                        id: "{name}-photo",
                        r#type: "button",
                        class: "btn btn-secondary photo-add",
                        onclick: move |_| match camera.file() {
                            Some(Ok(bytes)) => {
                                let (list, why) = take_in(before_fake.clone(), &[bytes]);
                                note.set(why);
                                onchange.call(list);
                            }
                            _ => note.set(Some(Key::PhotoUnreadable)),
                        },
                        {t(lang, Key::AddPhoto)}
                    }
                } else {
                    label { class: "btn btn-secondary photo-add",
                        {t(lang, Key::AddPhoto)}
                        input {
                            id: "{name}-photo",
                            r#type: "file",
                            accept: "image/*",
                            class: "hidden-file",
                            onchange: move |e| {
                                let files = e.files();
                                let before = before_file.clone();
                                note.set(Some(Key::PhotoWorking));
                                spawn(async move {
                                    let mut pictures = Vec::new();
                                    let mut unreadable = false;
                                    for file in files.into_iter().take(MAX_PER_RECORD) {
                                        match file.read_bytes().await {
                                            Ok(bytes) => pictures.push(bytes.to_vec()),
                                            Err(_) => unreadable = true,
                                        }
                                    }
                                    let (list, why) = take_in(before, &pictures);
                                    note.set(why.or(unreadable.then_some(Key::PhotoUnreadable)));
                                    onchange.call(list);
                                });
                            },
                        }
                    }
                }
            }
            if let Some(key) = note() {
                p { class: if key == Key::PhotoWorking { "hint" } else { "error" }, {t(lang, key)} }
            }
        }
    }
}

/// A record's stored photos, each with where it stands.
#[component]
pub fn PhotoStrip(photos: Vec<PhotoView>) -> Element {
    let lang = use_lang()();
    if photos.is_empty() {
        return rsx! {};
    }
    rsx! {
        div { class: "photo-row",
            for p in photos {
                div { key: "{p.id}", class: "photo",
                    img { class: "photo-thumb", src: "{data_url(&p.thumb)}", alt: t(lang, Key::Photos) }
                    match p.state {
                        PhotoState::Waiting => rsx! { span { class: "photo-state muted", {t(lang, Key::PhotoWaiting)} } },
                        PhotoState::Sent => rsx! { span { class: "photo-state ok-text", {t(lang, Key::PhotoSent)} } },
                        PhotoState::Refused(why) => rsx! {
                            span { class: "photo-state late-text", "{t(lang, Key::PhotoRefused)}：{why.label(lang)}" }
                        },
                    }
                }
            }
        }
    }
}
