//! The screens (Dioxus 0.7). The root puts the [`Services`] and a few small signals in context:
//! the language, the navigation stack, the background sync's status and a data revision that
//! screens read so they show fresh records after a save or a sync. Screens reach data only
//! through [`use_services`]; they never touch SQL or HTTP.

pub mod card;
pub mod concern_action;
pub mod concern_form;
pub mod concern_void;
pub mod concerns;
pub mod household;
pub mod households;
pub mod lock;
pub mod login;
pub mod photos;
pub mod propose;
pub mod reminders;
pub mod resume;
pub mod sync;
pub mod tabs;
pub mod visit_correct;
pub mod visit_form;
pub mod week;

use std::sync::Arc;

use dioxus::prelude::*;

use crate::i18n::{self, Key, LANG_SETTING, Lang, t};
use crate::services::{Services, SyncEvent};
use crate::sync::SyncReport;
use crate::vault::Vault;
pub use tabs::{Nav, Screen, Tab};

/// The app's stylesheet (one file, inlined).
pub const CSS: &str = include_str!("../../assets/app.css");

/// What the background sync is doing, for the screens to show.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SyncState {
    /// A sync is under way.
    pub running: bool,
    /// How the last sync ended (the error as text).
    pub last: Option<Result<SyncReport, String>>,
}

/// Bumped after every change of the local records (a save, a finished sync, a login), so that
/// screens reading the store render again.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Revision(pub u64);

/// A short confirmation shown over the screen ("已保存"), with a serial so a repeat restarts it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Toast(pub Option<(u64, String)>);

/// The root's inputs: the services (built by [`App`] on a phone, by tests from a temp folder).
#[derive(Props, Clone)]
pub struct RootProps {
    /// Store and sync.
    pub services: Arc<Services>,
    /// Whether to run the background sync loop (tests turn it off).
    #[props(default = true)]
    pub background_sync: bool,
}

impl PartialEq for RootProps {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.services, &other.services)
            && self.background_sync == other.background_sync
    }
}

impl std::fmt::Debug for RootProps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RootProps").field("background_sync", &self.background_sync).finish()
    }
}

/// The app as launched on a phone or desktop: the vault of its data folder.
#[cfg(not(target_arch = "wasm32"))]
#[allow(non_snake_case)]
pub fn App() -> Element {
    let vault =
        use_hook(|| Arc::new(Vault::new(&crate::services::data_dir(), crate::keys::Cost::PHONE)));
    rsx! { Vaulted { vault } }
}

/// The app as launched in a browser: the vault over what this browser saved in IndexedDB.
#[cfg(target_arch = "wasm32")]
#[allow(non_snake_case)]
pub fn App() -> Element {
    use crate::vault::{Shelf, image::Image};
    let vault = use_resource(|| async {
        let (image, keys) = crate::web::load().await?;
        let image = Image::loaded(image, keys.as_deref()).map_err(|e| e.to_string())?;
        Ok::<_, String>(Arc::new(Vault::on(
            Shelf::Image(Box::new(image)),
            crate::keys::Cost::PHONE,
        )))
    });
    let loaded = vault.read().clone();
    match loaded {
        Some(Ok(vault)) => rsx! { Vaulted { vault } },
        Some(Err(error)) => opened(Err(error)),
        None => rsx! { style { {CSS} } div { class: "app" } },
    }
}

/// Opens the store `vault` keeps — at once on a new phone (or the previous app's, to encrypt),
/// after the PIN or the password otherwise.
#[component]
fn Vaulted(vault: Arc<Vault>) -> Element {
    let for_app = {
        let vault = vault.clone();
        move |store: Arc<crate::store::Store>| Services::for_app(store, vault.clone())
    };
    let mut open = use_signal({
        let (vault, for_app) = (vault.clone(), for_app.clone());
        move || match vault.open() {
            Ok((_, Some(store))) => Some(Ok(for_app(Arc::new(store)))),
            Ok((_, None)) => None,
            Err(e) => Some(Err(e.to_string())),
        }
    });
    match open() {
        Some(services) => opened(services),
        None => rsx! {
            style { {CSS} }
            div { class: "app",
                lock::UnlockScreen {
                    vault: vault.clone(),
                    lang: Lang::Zh,
                    on_open: move |store| open.set(Some(Ok(for_app(store)))),
                }
            }
        },
    }
}

fn opened(services: Result<Arc<Services>, String>) -> Element {
    match services {
        Ok(services) => rsx! { Root { services } },
        Err(error) => rsx! {
            style { {CSS} }
            div { class: "app",
                p { class: "error", "{t(Lang::Zh, Key::StoreError)} / {t(Lang::En, Key::StoreError)}: {error}" }
            }
        },
    }
}

/// The root: provides the context, starts the background sync once, shows the login screen or
/// the tabbed app.
#[allow(non_snake_case)]
pub fn Root(props: RootProps) -> Element {
    let services = use_context_provider(|| props.services.clone());
    let lang = use_context_provider(|| {
        let stored = services.store().setting(LANG_SETTING).ok().flatten();
        Signal::new(i18n::lang_from_setting(stored.as_deref()))
    });
    use_context_provider(|| Signal::new(Nav::default()));
    use_context_provider(|| Signal::new(Toast::default()));
    let sync_state = use_context_provider(|| Signal::new(SyncState::default()));
    let revision = use_context_provider(|| Signal::new(Revision::default()));
    let background = props.background_sync;
    let loop_services = services.clone();
    use_hook(move || {
        if background {
            spawn(background_sync(loop_services, sync_state, revision));
        }
    });
    let resumed = use_context_provider(|| Signal::new(resume::Resumed::default()));
    resume::use_resume(services.clone(), resumed);

    revision.read();
    let logged_in = services.store().account().ok().flatten().is_some_and(|a| !a.token.is_empty());
    let gate = gate(&services, logged_in);
    // The last touch, for the lock after a while unused (see `IdleLock`).
    let mut touched = use_context_provider(|| Signal::new(Touched(services.now())));
    let clock = services.clone();
    let touch = move || touched.set(Touched(clock.now()));
    let mut touch_key = touch.clone();
    let mut touch_pointer = touch;
    rsx! {
        style { {CSS} }
        div { class: "app", lang: lang().tag(),
            onpointerdown: move |_| touch_pointer(),
            onkeydown: move |_| touch_key(),
            match gate {
                Gate::Open if logged_in => rsx! { IdleLock { tabs::Shell {} } },
                Gate::Open => rsx! { login::LoginScreen {} },
                Gate::Erased => rsx! { ErasedScreen {} },
                other => gate_screen(other),
            }
        }
    }
}

/// What stands before the app's screens.
enum Gate {
    Open,
    Erased,
    /// The previous app's database, to encrypt.
    Encrypt,
    /// A PIN to set after the first login.
    SetPin,
}

fn gate(services: &Services, logged_in: bool) -> Gate {
    let vault = services.vault();
    if services.erased() {
        Gate::Erased
    } else if vault.is_some_and(|v| v.is_plain()) {
        Gate::Encrypt
    } else if logged_in && vault.is_some_and(|v| v.needs_pin()) {
        Gate::SetPin
    } else {
        Gate::Open
    }
}

/// The key screens.
fn gate_screen(gate: Gate) -> Element {
    match gate {
        Gate::Encrypt => rsx! { lock::EncryptScreen {} },
        Gate::SetPin => rsx! { lock::PinSetupScreen {} },
        Gate::Open | Gate::Erased => rsx! {},
    }
}

/// After the phone erased itself as ordered.
#[component]
fn ErasedScreen() -> Element {
    let lang = use_lang()();
    rsx! {
        section { class: "card",
            h2 { class: "card-title", {t(lang, Key::ErasedTitle)} }
            p { {t(lang, Key::ErasedIntro)} }
        }
    }
}

/// When the app was last touched (a tap, a click or a key anywhere).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Touched(chrono::DateTime<chrono::Utc>);

/// Locks the open app after [`lock::LOCK_AFTER`] without a touch: the PIN (or the password)
/// again. Checked every 15 seconds, and at once when the app comes back to the foreground (a
/// phone resumed after a while in the background shows the lock, not the last screen). The
/// background sync goes on meanwhile.
#[component]
fn IdleLock(children: Element) -> Element {
    let services = use_services();
    let lang = use_lang()();
    let mut touched = use_context::<Signal<Touched>>();
    let resumed = use_context::<Signal<resume::Resumed>>();
    let mut locked = use_signal(|| false);
    let clock = services.clone();
    let lock_if_idle = move || {
        let after = chrono::Duration::from_std(lock::LOCK_AFTER).unwrap_or_default();
        if !*locked.peek() && clock.now() - touched.peek().0 >= after {
            locked.set(true);
        }
    };
    let every_while = lock_if_idle.clone();
    use_future(move || {
        let mut lock_if_idle = every_while.clone();
        async move {
            loop {
                crate::platform::sleep(std::time::Duration::from_secs(15)).await;
                lock_if_idle();
            }
        }
    });
    let mut on_resume = lock_if_idle;
    use_effect(move || {
        resumed.read();
        on_resume();
    });
    let Some(vault) = services.vault().cloned() else { return children };
    if locked() {
        return rsx! {
            lock::UnlockScreen {
                vault,
                lang,
                relock: true,
                on_open: |_| {},
                on_checked: move |()| {
                    touched.set(Touched(services.now()));
                    locked.set(false);
                },
            }
        };
    }
    children
}

/// The one long-lived sync task: runs the services' loop and mirrors its events into the
/// status signal.
async fn background_sync(
    services: Arc<Services>,
    mut state: Signal<SyncState>,
    mut revision: Signal<Revision>,
) {
    services
        .run_background(move |event| match event {
            SyncEvent::Started => state.write().running = true,
            SyncEvent::Finished(result) => {
                state.set(SyncState {
                    running: false,
                    last: Some(result.map_err(|e| e.to_string())),
                });
                revision.write().0 += 1;
            }
        })
        .await;
}

/// The app's services.
pub fn use_services() -> Arc<Services> {
    use_context::<Arc<Services>>()
}

/// The UI language (a signal: the settings screen changes it).
pub fn use_lang() -> Signal<Lang> {
    use_context::<Signal<Lang>>()
}

/// The navigation stack.
pub fn use_nav() -> Signal<Nav> {
    use_context::<Signal<Nav>>()
}

/// The background sync's status.
pub fn use_sync_state() -> Signal<SyncState> {
    use_context::<Signal<SyncState>>()
}

/// The data revision; reading it makes a component render again after changes.
pub fn use_revision() -> Signal<Revision> {
    use_context::<Signal<Revision>>()
}

/// The confirmation banner.
pub fn use_toast() -> Signal<Toast> {
    use_context::<Signal<Toast>>()
}

/// Shows "已保存" (`text`) once the save is durable: at once on a phone or desktop, whose store
/// commits to disk; in a browser after the database's snapshot is committed to IndexedDB (or
/// the failure instead).
pub fn confirm_saved(services: &Arc<Services>, toast: Signal<Toast>, text: String) {
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = services;
        show_toast(toast, text);
    }
    #[cfg(target_arch = "wasm32")]
    {
        let services = services.clone();
        // Not tied to the form: the form closes on save, and the confirmation must still come.
        dioxus::core::spawn_forever(async move {
            match services.persist().await {
                Ok(()) => show_toast(toast, text),
                Err(e) => show_toast(toast, format!("{}: {e}", t(Lang::Zh, Key::SaveFailed))),
            }
        });
    }
}

/// Shows `text` in the confirmation banner.
pub fn show_toast(mut toast: Signal<Toast>, text: String) {
    let serial = toast.peek().0.as_ref().map_or(0, |(n, _)| n + 1);
    toast.set(Toast(Some((serial, text))));
}

/// Adds `x` to a chip list, or takes it out if there (topics, kinds).
pub fn toggle<T: PartialEq>(list: &mut Vec<T>, x: T) {
    match list.iter().position(|y| *y == x) {
        Some(at) => {
            list.remove(at);
        }
        None => list.push(x),
    }
}

/// Records that the local data changed.
pub fn bump(mut revision: Signal<Revision>) {
    revision.write().0 += 1;
}

/// A line telling that the store could not be read.
#[component]
pub fn StoreErrorNote(message: String) -> Element {
    let lang = use_lang()();
    rsx! {
        p { class: "error", "{t(lang, Key::StoreError)}: {message}" }
    }
}
