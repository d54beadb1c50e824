//! 登录 / 设置: server address, username, password, language; the account and logging out.

use dioxus::prelude::*;
use minqing_shared::label::Label;

use super::{Nav, bump, use_lang, use_nav, use_revision, use_services};
use crate::i18n::{self, Key, LANG_SETTING, LANGUAGES, Lang, t};
use crate::sync::{SyncError, TransportError};

/// Settings key of the last server address typed.
pub const SERVER_SETTING: &str = "server_url";
/// Settings key of the last username typed.
pub const USERNAME_SETTING: &str = "username";
/// An environment variable that pre-fills the server address (development, the smoke test).
pub const SERVER_ENV: &str = "MINQING_SERVER";

/// The first screen on a new phone.
#[component]
pub fn LoginScreen() -> Element {
    let lang = use_lang()();
    rsx! {
        div { class: "login",
            div { class: "login-brand",
                div { class: "login-logo", {t(lang, Key::AppName)} }
                p { class: "login-intro", {t(lang, Key::LoginIntro)} }
            }
            section { class: "card",
                LoginForm {}
                LanguageSwitch {}
            }
        }
    }
}

/// Settings when logged in: language, the account, log out.
#[component]
pub fn SettingsScreen() -> Element {
    let services = use_services();
    let lang = use_lang()();
    let revision = use_revision();
    let mut nav = use_nav();
    let account = services.store().account().ok().flatten();
    let log_out = move |_| {
        if services.store().log_out().is_ok() {
            nav.set(Nav::default());
            bump(revision);
        }
    };
    rsx! {
        section { class: "card",
            LanguageSwitch {}
        }
        if let Some(account) = account {
            section { class: "card",
                h2 { class: "card-title", {t(lang, Key::LoggedInAs)} }
                div { class: "fact",
                    span { class: "fact-label", "{account.cadre.name}" }
                    span { "{account.cadre.unit_name} · {account.cadre.role.label(lang)}" }
                }
                div { class: "fact",
                    span { class: "fact-label", {t(lang, Key::ServerAddress)} }
                    span { class: "small", "{account.server_url}" }
                }
                button { class: "btn btn-secondary", onclick: log_out, {t(lang, Key::LogOut)} }
            }
        }
    }
}

/// Server address, username, password and the login button.
#[component]
fn LoginForm() -> Element {
    let services = use_services();
    let lang = use_lang()();
    let revision = use_revision();
    let mut nav = use_nav();
    let initial = services.clone();
    let mut server = use_signal(move || {
        let store = initial.store();
        let saved = store.account().ok().flatten().map(|a| a.server_url);
        saved
            .or_else(|| store.setting(SERVER_SETTING).ok().flatten())
            .or_else(|| std::env::var(SERVER_ENV).ok())
            .unwrap_or_default()
    });
    let initial = services.clone();
    let mut username = use_signal(move || {
        initial.store().setting(USERNAME_SETTING).ok().flatten().unwrap_or_default()
    });
    let mut password = use_signal(String::new);
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<String>);

    let log_in = move |_| {
        let services = services.clone();
        async move {
            let (url, user, pw) = (server(), username(), password());
            if url.trim().is_empty() || user.trim().is_empty() || pw.is_empty() {
                error.set(Some(t(lang, Key::LoginMissing).to_owned()));
                return;
            }
            busy.set(true);
            error.set(None);
            let result = services.login(&url, &user, &pw).await;
            busy.set(false);
            match result {
                Ok(()) => {
                    let store = services.store();
                    // Pre-filling next time is a convenience: a failure to remember is harmless.
                    let _ = store.set_setting(SERVER_SETTING, url.trim());
                    let _ = store.set_setting(USERNAME_SETTING, user.trim());
                    password.set(String::new());
                    nav.set(Nav::default());
                    bump(revision);
                }
                Err(e) => error.set(Some(login_error(lang, &e))),
            }
        }
    };
    rsx! {
        form {
            class: "form",
            onsubmit: move |e| e.prevent_default(),
            label { class: "field",
                span { class: "field-label", {t(lang, Key::ServerAddress)} }
                input {
                    id: "server",
                    class: "input",
                    r#type: "url",
                    autocomplete: "off",
                    initial_value: "{server}",
                    oninput: move |e| server.set(e.value()),
                }
            }
            label { class: "field",
                span { class: "field-label", {t(lang, Key::Username)} }
                input {
                    id: "username",
                    class: "input",
                    autocomplete: "username",
                    initial_value: "{username}",
                    oninput: move |e| username.set(e.value()),
                }
            }
            label { class: "field",
                span { class: "field-label", {t(lang, Key::Password)} }
                input {
                    id: "password",
                    class: "input",
                    r#type: "password",
                    oninput: move |e| password.set(e.value()),
                }
            }
            if let Some(e) = error() {
                p { class: "error", "{e}" }
            }
            button {
                id: "login",
                class: "btn btn-primary",
                r#type: "submit",
                disabled: busy(),
                onclick: log_in,
                {t(lang, if busy() { Key::LoggingIn } else { Key::LogIn })}
            }
        }
    }
}

/// Why the login failed, in the cadre's words.
fn login_error(lang: Lang, e: &SyncError) -> String {
    let reason = match e {
        SyncError::Transport(TransportError::Offline(_)) => t(lang, Key::ErrOffline).to_owned(),
        SyncError::Transport(TransportError::Server { status: 401, .. }) => {
            t(lang, Key::ErrCredentials).to_owned()
        }
        SyncError::Transport(TransportError::Server { body, .. }) => body.message.clone(),
        other => other.to_string(),
    };
    i18n::labeled(lang, Key::LoginFailed, &reason)
}

/// 中文 | English.
#[component]
fn LanguageSwitch() -> Element {
    let services = use_services();
    let mut lang = use_lang();
    let current = lang();
    rsx! {
        div { class: "field",
            span { class: "field-label", {t(current, Key::Language)} }
            div { class: "segmented",
                for (choice, name) in LANGUAGES {
                    button {
                        key: "{name}",
                        r#type: "button",
                        class: if choice == current { "segment on" } else { "segment" },
                        onclick: {
                            let services = services.clone();
                            move |_| {
                                lang.set(choice);
                                let _ = services.store().set_setting(LANG_SETTING, i18n::lang_setting(choice));
                            }
                        },
                        "{name}"
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use minqing_shared::sync::ErrorBody;

    #[test]
    fn login_failures_are_told_in_the_cadre_s_words() {
        let server = |status, error: &str| {
            SyncError::Transport(TransportError::Server {
                status,
                body: ErrorBody {
                    error: error.into(),
                    message: "too old".into(),
                    expected_seq: None,
                },
            })
        };
        let cases = [
            (
                "no signal",
                SyncError::Transport(TransportError::Offline("dns".into())),
                "登录失败：连不上服务器：请检查信号和服务器地址",
            ),
            ("wrong password", server(401, "invalid_credentials"), "登录失败：用户名或密码不对"),
            ("other refusal", server(426, "app_too_old"), "登录失败：too old"),
        ];
        for (name, error, want) in cases {
            assert_eq!(login_error(Lang::Zh, &error), want, "{name}");
        }
    }
}
