//! 登录 / 设置: server address, username, password, language; the account and logging out.

use dioxus::prelude::*;
use minqing_shared::label::Label;
use minqing_shared::sync::{PasswordProblem, check_new_password};

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
            ChangePasswordCard {}
        }
    }
}

/// Server address, username, password and the login button. After the server answers that the
/// password was set by the office (`password_change_required`), or when the cadre asks, the same
/// form asks for a new password twice, changes it and logs in with it.
#[component]
fn LoginForm() -> Element {
    let services = use_services();
    let lang = use_lang()();
    let revision = use_revision();
    let mut nav = use_nav();
    let (link_server, link_user) = use_hook(crate::platform::setup_link);
    let initial = services.clone();
    let mut server = use_signal(move || {
        let store = initial.store();
        let saved = store.account().ok().flatten().map(|a| a.server_url);
        saved
            .or_else(|| store.setting(SERVER_SETTING).ok().flatten())
            .or(link_server)
            .or_else(|| std::env::var(SERVER_ENV).ok())
            .unwrap_or_default()
    });
    let initial = services.clone();
    let mut username = use_signal(move || {
        link_user
            .or_else(|| initial.store().setting(USERNAME_SETTING).ok().flatten())
            .unwrap_or_default()
    });
    let mut password = use_signal(String::new);
    let mut new_password = use_signal(String::new);
    let mut again = use_signal(String::new);
    let mut changing = use_signal(|| false);
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<String>);

    let submit = move |_| {
        let services = services.clone();
        async move {
            let (url, user, pw) = (server(), username(), password());
            if url.trim().is_empty() || user.trim().is_empty() || pw.is_empty() {
                error.set(Some(t(lang, Key::LoginMissing).to_owned()));
                return;
            }
            let change = changing();
            if change && let Some(problem) = new_password_problem(&pw, &new_password(), &again()) {
                error.set(Some(t(lang, problem).to_owned()));
                return;
            }
            busy.set(true);
            error.set(None);
            // What failed decides the words: the change, or the login after a change that took.
            let result = if change {
                let new = new_password();
                match services.engine().change_password(url.trim(), user.trim(), &pw, &new).await {
                    Err(e) => Err((Key::ChangeFailed, e)),
                    Ok(()) => {
                        password.set(new.clone());
                        changing.set(false);
                        let logged_in = services.login(&url, &user, &new).await;
                        logged_in.map_err(|e| (Key::ChangedButLoginFailed, e))
                    }
                }
            } else {
                services.login(&url, &user, &pw).await.map_err(|e| (Key::LoginFailed, e))
            };
            busy.set(false);
            match result {
                Ok(()) => {
                    let store = services.store();
                    // Pre-filling next time is a convenience: a failure to remember is harmless.
                    let _ = store.set_setting(SERVER_SETTING, url.trim());
                    let _ = store.set_setting(USERNAME_SETTING, user.trim());
                    password.set(String::new());
                    new_password.set(String::new());
                    again.set(String::new());
                    changing.set(false);
                    nav.set(Nav::default());
                    bump(revision);
                }
                Err((_, e)) if must_change_password(&e) => {
                    changing.set(true);
                    error.set(Some(t(lang, Key::MustChangePassword).to_owned()));
                }
                Err((key, e)) => error.set(Some(i18n::labeled(lang, key, &reason(lang, &e)))),
            }
        }
    };
    let (button, busy_button) = if changing() {
        (Key::ChangeAndLogIn, Key::Changing)
    } else {
        (Key::LogIn, Key::LoggingIn)
    };
    rsx! {
        form {
            class: "form",
            onsubmit: move |e| e.prevent_default(),
            if changing() {
                h2 { class: "card-title", {t(lang, Key::ChangePassword)} }
                p { class: "muted small", {t(lang, Key::ChangePasswordIntro)} }
            }
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
                span { class: "field-label",
                    {t(lang, if changing() { Key::OldPassword } else { Key::Password })}
                }
                input {
                    id: "password",
                    class: "input",
                    r#type: "password",
                    autocomplete: "current-password",
                    oninput: move |e| password.set(e.value()),
                }
            }
            if changing() {
                NewPasswordFields { new_password, again }
            }
            if let Some(e) = error() {
                p { class: "error", "{e}" }
            }
            button {
                id: "login",
                class: "btn btn-primary",
                r#type: "submit",
                disabled: busy(),
                onclick: submit,
                {t(lang, if busy() { busy_button } else { button })}
            }
            button {
                id: "switch-mode",
                class: "link",
                r#type: "button",
                onclick: move |_| {
                    changing.toggle();
                    // The new-password fields mount empty: so must their values be.
                    new_password.set(String::new());
                    again.set(String::new());
                    error.set(None);
                },
                {t(lang, if changing() { Key::BackToLogin } else { Key::ChangePassword })}
            }
        }
    }
}

/// The new password, twice.
#[component]
fn NewPasswordFields(new_password: Signal<String>, again: Signal<String>) -> Element {
    let lang = use_lang()();
    rsx! {
        label { class: "field",
            span { class: "field-label", {t(lang, Key::NewPassword)} }
            input {
                id: "new-password",
                class: "input",
                r#type: "password",
                autocomplete: "new-password",
                oninput: move |e| new_password.set(e.value()),
            }
        }
        label { class: "field",
            span { class: "field-label", {t(lang, Key::NewPasswordAgain)} }
            input {
                id: "new-password-again",
                class: "input",
                r#type: "password",
                autocomplete: "new-password",
                oninput: move |e| again.set(e.value()),
            }
        }
    }
}

/// 修改密码 in the settings of a logged-in phone: the current password and the new one twice.
/// The phone stays logged in. The fields are not controlled (`value`), as a controlled field loses
/// fast keystrokes in the webview; after a change the form is replaced by the confirmation, which
/// empties it.
#[component]
fn ChangePasswordCard() -> Element {
    let services = use_services();
    let lang = use_lang()();
    let mut old = use_signal(String::new);
    let mut new_password = use_signal(String::new);
    let mut again = use_signal(String::new);
    let mut busy = use_signal(|| false);
    let mut outcome = use_signal(|| None::<Result<(), String>>);
    let submit = move |_| {
        let services = services.clone();
        async move {
            let (old_pw, new_pw) = (old(), new_password());
            if old_pw.is_empty() {
                outcome.set(Some(Err(t(lang, Key::LoginMissing).to_owned())));
                return;
            }
            if let Some(problem) = new_password_problem(&old_pw, &new_pw, &again()) {
                outcome.set(Some(Err(t(lang, problem).to_owned())));
                return;
            }
            let store = services.store();
            let server = store.account().ok().flatten().map(|a| a.server_url).unwrap_or_default();
            let user = store.setting(USERNAME_SETTING).ok().flatten().unwrap_or_default();
            busy.set(true);
            let result = services.change_password(&server, &user, &old_pw, &new_pw).await;
            busy.set(false);
            outcome.set(Some(
                result.map_err(|e| i18n::labeled(lang, Key::ChangeFailed, &reason(lang, &e))),
            ));
            if outcome().is_some_and(|o| o.is_ok()) {
                old.set(String::new());
                new_password.set(String::new());
                again.set(String::new());
            }
        }
    };
    if outcome() == Some(Ok(())) {
        return rsx! {
            section { class: "card",
                h2 { class: "card-title", {t(lang, Key::ChangePassword)} }
                p { class: "ok-text", {t(lang, Key::PasswordChanged)} }
                button {
                    id: "change-password-again",
                    class: "link",
                    r#type: "button",
                    onclick: move |_| outcome.set(None),
                    {t(lang, Key::ChangePassword)}
                }
            }
        };
    }
    rsx! {
        section { class: "card",
            h2 { class: "card-title", {t(lang, Key::ChangePassword)} }
            form { class: "form", onsubmit: move |e| e.prevent_default(),
                label { class: "field",
                    span { class: "field-label", {t(lang, Key::OldPassword)} }
                    input {
                        id: "old-password",
                        class: "input",
                        r#type: "password",
                        autocomplete: "current-password",
                        oninput: move |e| old.set(e.value()),
                    }
                }
                NewPasswordFields { new_password, again }
                if let Some(Err(e)) = outcome() {
                    p { class: "error", "{e}" }
                }
                button {
                    id: "change-password",
                    class: "btn btn-secondary",
                    r#type: "submit",
                    disabled: busy(),
                    onclick: submit,
                    {t(lang, if busy() { Key::Changing } else { Key::ChangePassword })}
                }
            }
        }
    }
}

/// What is wrong with a new password before asking the server: too short, the old one again,
/// or the two entries differ.
fn new_password_problem(old: &str, new: &str, again: &str) -> Option<Key> {
    match check_new_password(old, new) {
        Err(PasswordProblem::TooShort) => Some(Key::PasswordTooShort),
        Err(PasswordProblem::SameAsOld) => Some(Key::PasswordSame),
        Ok(()) if new != again => Some(Key::PasswordMismatch),
        Ok(()) => None,
    }
}

/// Whether the server refused a login until the password set by the office is changed.
fn must_change_password(e: &SyncError) -> bool {
    matches!(
        e,
        SyncError::Transport(TransportError::Server { status: 403, body })
            if body.error == "password_change_required"
    )
}

/// Why a login or a password change failed, in the cadre's words.
fn reason(lang: Lang, e: &SyncError) -> String {
    match e {
        SyncError::Transport(TransportError::Offline(_)) => t(lang, Key::ErrOffline).to_owned(),
        SyncError::Transport(TransportError::Server { status: 401, .. }) => {
            t(lang, Key::ErrCredentials).to_owned()
        }
        SyncError::Transport(TransportError::Server { body, .. }) => body.message.clone(),
        other => other.to_string(),
    }
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
            assert_eq!(
                i18n::labeled(Lang::Zh, Key::LoginFailed, &reason(Lang::Zh, &error)),
                want,
                "{name}"
            );
        }
        assert!(must_change_password(&server(403, "password_change_required")));
        assert!(!must_change_password(&server(403, "account_disabled")));
        assert!(!must_change_password(&server(401, "invalid_credentials")));
    }

    #[test]
    fn a_new_password_is_checked_before_it_is_sent() {
        let cases = [
            ("too short", "initial-1", "short", "short", Some(Key::PasswordTooShort)),
            ("eight characters", "initial-1", "12345678", "12345678", None),
            (
                "eight Chinese characters",
                "initial-1",
                "我的新密码很长",
                "我的新密码很长",
                Some(Key::PasswordTooShort),
            ),
            ("the old one", "initial-1", "initial-1", "initial-1", Some(Key::PasswordSame)),
            (
                "typed differently",
                "initial-1",
                "new-pass-1",
                "new-pass-2",
                Some(Key::PasswordMismatch),
            ),
            ("good", "initial-1", "新密码abc123", "新密码abc123", None),
        ];
        for (name, old, new, again, want) in cases {
            assert_eq!(new_password_problem(old, new, again), want, "{name}");
        }
    }
}
