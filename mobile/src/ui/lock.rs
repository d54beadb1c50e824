//! The app lock: the PIN or the password before anything is shown, the PIN set after the first
//! login, and the previous app's database encrypted with the password and a PIN. The keys are
//! the vault's (`crate::vault`); in a browser each change of the key file is committed to
//! IndexedDB before the screen goes on (a wrong PIN is counted before it is told).

use std::sync::Arc;

use dioxus::prelude::*;

use super::{bump, use_lang, use_revision, use_services};
use crate::i18n::{Key, Lang, t};
use crate::keys::{KeyError, valid_pin};
use crate::store::Store;
use crate::vault::{Vault, VaultError};

/// How long the app may sit unused before it asks for the PIN again.
pub const LOCK_AFTER: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// What went wrong, for a person.
fn problem(lang: Lang, e: &VaultError, vault: &Vault) -> String {
    match e {
        VaultError::Key(KeyError::Wrong) => {
            let (usable, left) = vault.pin_state();
            if usable {
                match lang {
                    Lang::Zh => {
                        format!("{}，{left}{}", t(lang, Key::WrongPin), t(lang, Key::TriesLeft))
                    }
                    Lang::En => {
                        format!("{}: {left} {}", t(lang, Key::WrongPin), t(lang, Key::TriesLeft))
                    }
                }
            } else {
                t(lang, Key::WrongPassword).to_owned()
            }
        }
        VaultError::Key(KeyError::PinDisabled) => t(lang, Key::PinDisabled).to_owned(),
        VaultError::Key(KeyError::BadPin) => t(lang, Key::BadPin).to_owned(),
        other => other.to_string(),
    }
}

/// The PIN (or the password) before the data: at start (`on_open` gets the opened store), or
/// when the open app locked itself (`on_open` is not called; `on_checked` is).
#[component]
pub fn UnlockScreen(
    vault: Arc<Vault>,
    lang: Lang,
    on_open: EventHandler<Arc<Store>>,
    #[props(default)] relock: bool,
    #[props(default)] on_checked: Option<EventHandler<()>>,
) -> Element {
    let mut secret = use_signal(String::new);
    let mut by_password = use_signal(|| !vault.pin_state().0);
    let mut error = use_signal(|| None::<String>);
    // Each try gets a fresh, empty, focused field (keyed by the count).
    let mut tries = use_signal(|| 0u32);
    // Deriving the key takes a second or so: the button says so meanwhile.
    let mut busy = use_signal(|| false);
    let submit = {
        let vault = vault.clone();
        move |_| {
            if busy() {
                return;
            }
            busy.set(true);
            let (value, password) = (secret(), by_password());
            secret.set(String::new());
            let vault = vault.clone();
            spawn(async move {
                // Let 正在解锁… show before the derivation holds the thread.
                crate::platform::sleep(std::time::Duration::from_millis(30)).await;
                let result = if relock {
                    vault.check(&value, !password).map(|()| None)
                } else if password {
                    vault.unlock_with_password(&value).map(Some)
                } else {
                    vault.unlock_with_pin(&value).map(Some)
                };
                let result = match vault.flush().await {
                    Ok(()) => result,
                    Err(e) => Err(e),
                };
                tries += 1;
                busy.set(false);
                match result {
                    Ok(Some(store)) => on_open.call(Arc::new(store)),
                    Ok(None) => {
                        if let Some(done) = on_checked {
                            done.call(());
                        }
                    }
                    Err(e) => {
                        if matches!(e, VaultError::Key(KeyError::PinDisabled)) {
                            by_password.set(true);
                        }
                        error.set(Some(problem(lang, &e, &vault)));
                    }
                }
            });
        }
    };
    let pin_usable = vault.pin_state().0;
    // Forgot both the PIN and the password: start the phone over, after a warning.
    let mut forgot = use_signal(|| false);
    let start_over = {
        let vault = vault.clone();
        move |_| {
            // One start at a time: a second tap would delete the database the first just made.
            if busy() {
                return;
            }
            busy.set(true);
            match vault.start_over() {
                Ok(store) => {
                    let vault = vault.clone();
                    spawn(async move {
                        match vault.flush().await {
                            Ok(()) => on_open.call(Arc::new(store)),
                            Err(e) => {
                                busy.set(false);
                                error.set(Some(problem(lang, &e, &vault)));
                            }
                        }
                    });
                }
                Err(e) => {
                    busy.set(false);
                    error.set(Some(problem(lang, &e, &vault)));
                }
            }
        }
    };
    rsx! {
        div { class: "login",
            div { class: "login-brand",
                div { class: "login-logo", {t(lang, Key::AppName)} }
                p { class: "login-intro", {t(lang, Key::UnlockIntro)} }
            }
            section { class: "card",
                h2 { class: "card-title", {t(lang, Key::UnlockTitle)} }
                form { class: "form", onsubmit: move |e| e.prevent_default(),
                    for n in std::iter::once(tries() * 2 + u32::from(by_password())) {
                        label { key: "{n}", class: "field",
                            span { class: "field-label",
                                {t(lang, if by_password() { Key::Password } else { Key::Pin })}
                            }
                            input {
                                id: if by_password() { "unlock-password" } else { "unlock-pin" },
                                class: "input",
                                r#type: "password",
                                inputmode: if by_password() { "text" } else { "numeric" },
                                maxlength: if by_password() { "200" } else { "6" },
                                autocomplete: if by_password() { "current-password" } else { "off" },
                                onmounted: focus,
                                oninput: move |e| secret.set(e.value()),
                            }
                        }
                    }
                    if let Some(e) = error() { p { class: "error", role: "alert", "{e}" } }
                    button { id: "unlock", class: "btn btn-primary", r#type: "submit", onclick: submit,
                        disabled: busy(),
                        {t(lang, if busy() { Key::Unlocking } else { Key::Unlock })} }
                }
                div { class: "links",
                    if pin_usable {
                        button { class: "link",
                            onclick: move |_| {
                                by_password.set(!by_password());
                                secret.set(String::new());
                                error.set(None);
                            },
                            if by_password() { {t(lang, Key::UsePin)} } else { {t(lang, Key::UsePassword)} }
                        }
                    }
                    if !relock && !forgot() {
                        button { id: "forgot", class: "link muted", onclick: move |_| forgot.set(true),
                            {t(lang, Key::ForgotBoth)} }
                    }
                }
            }
            if forgot() {
                section { class: "card",
                    h2 { class: "card-title", {t(lang, Key::StartOverTitle)} }
                    p { class: "small", {t(lang, Key::StartOverIntro)} }
                    button { id: "start-over", class: "btn danger", onclick: start_over, disabled: busy(),
                        {t(lang, Key::StartOver)} }
                    button { id: "forgot-cancel", class: "link", onclick: move |_| forgot.set(false),
                        {t(lang, Key::Cancel)} }
                }
            }
        }
    }
}

/// The PIN, twice: after the first login (the key was just wrapped by the password).
#[component]
pub fn PinSetupScreen() -> Element {
    let services = use_services();
    let lang = use_lang()();
    let revision = use_revision();
    let pin = use_signal(String::new);
    let again = use_signal(String::new);
    let mut error = use_signal(|| None::<String>);
    let submit = move |_| {
        let Some(vault) = services.vault() else { return };
        if !valid_pin(&pin()) {
            error.set(Some(t(lang, Key::BadPin).to_owned()));
        } else if pin() != again() {
            error.set(Some(t(lang, Key::PinMismatch).to_owned()));
        } else if let Err(e) = vault.set_pin(&pin()) {
            error.set(Some(problem(lang, &e, vault)));
        } else {
            let vault = vault.clone();
            spawn(async move {
                match vault.flush().await {
                    Ok(()) => bump(revision),
                    Err(e) => error.set(Some(problem(lang, &e, &vault))),
                }
            });
        }
    };
    rsx! {
        section { class: "card",
            h2 { class: "card-title", {t(lang, Key::SetPinTitle)} }
            p { class: "small", {t(lang, Key::SetPinIntro)} }
            form { class: "form", onsubmit: move |e| e.prevent_default(),
                PinFields { pin, again }
                if let Some(e) = error() { p { class: "error", role: "alert", "{e}" } }
                button { id: "save-pin", class: "btn btn-primary", r#type: "submit", onclick: submit,
                    {t(lang, Key::SavePin)} }
            }
        }
    }
}

/// The previous app's database: the password and a PIN, then it is encrypted in place.
#[component]
pub fn EncryptScreen() -> Element {
    let services = use_services();
    let lang = use_lang()();
    let revision = use_revision();
    let mut password = use_signal(String::new);
    let pin = use_signal(String::new);
    let again = use_signal(String::new);
    let mut error = use_signal(|| None::<String>);
    let submit = move |_| {
        let Some(vault) = services.vault() else { return };
        if password().is_empty() {
            error.set(Some(t(lang, Key::WrongPassword).to_owned()));
        } else if !valid_pin(&pin()) {
            error.set(Some(t(lang, Key::BadPin).to_owned()));
        } else if pin() != again() {
            error.set(Some(t(lang, Key::PinMismatch).to_owned()));
        } else if let Err(e) = vault.encrypt(services.store(), &password(), &pin()) {
            error.set(Some(problem(lang, &e, vault)));
        } else {
            password.set(String::new());
            // In a browser: the image sealed and the key file, saved together.
            let services = services.clone();
            spawn(async move {
                match services.persist().await {
                    Ok(()) => bump(revision),
                    Err(e) => error.set(Some(e.to_string())),
                }
            });
        }
    };
    rsx! {
        section { class: "card",
            h2 { class: "card-title", {t(lang, Key::EncryptTitle)} }
            p { class: "small", {t(lang, Key::EncryptIntro)} }
            form { class: "form", onsubmit: move |e| e.prevent_default(),
                label { class: "field",
                    span { class: "field-label", {t(lang, Key::Password)} }
                    input { id: "encrypt-password", class: "input", r#type: "password",
                        autocomplete: "current-password", onmounted: focus,
                        oninput: move |e| password.set(e.value()) }
                }
                PinFields { pin, again, focus: false }
                if let Some(e) = error() { p { class: "error", role: "alert", "{e}" } }
                button { class: "btn btn-primary", r#type: "submit", onclick: submit,
                    {t(lang, Key::Encrypt)} }
            }
        }
    }
}

#[component]
fn PinFields(
    pin: Signal<String>,
    again: Signal<String>,
    #[props(default = true)] focus: bool,
) -> Element {
    let lang = use_lang()();
    let first = move |e: MountedEvent| async move {
        if focus {
            let _ = e.data().set_focus(true).await;
        }
    };
    rsx! {
        label { class: "field",
            span { class: "field-label", {t(lang, Key::Pin)} }
            input { id: "new-pin", class: "input", r#type: "password", inputmode: "numeric",
                maxlength: "6", autocomplete: "off", onmounted: first,
                oninput: move |e| pin.set(e.value()) }
        }
        label { class: "field",
            span { class: "field-label", {t(lang, Key::PinAgain)} }
            input { id: "new-pin-again", class: "input", r#type: "password", inputmode: "numeric",
                maxlength: "6", autocomplete: "off", oninput: move |e| again.set(e.value()) }
        }
    }
}

/// Puts the keyboard in a field as it appears (a PIN is typed at once).
async fn focus(e: MountedEvent) {
    let _ = e.data().set_focus(true).await;
}
