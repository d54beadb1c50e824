//! When the app comes back to the foreground — resume on a phone, focus on the desktop, the
//! network's return or the page shown again in a browser — it syncs, and the idle lock looks at
//! once whether the app sat unused too long (`Resumed`). (Without a window there is nothing to
//! resume: the hook does nothing.)

use std::sync::Arc;

use dioxus::prelude::*;

use crate::services::Services;

/// How many times the app came back to the foreground.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Resumed(pub u64);

#[cfg(any(feature = "desktop", feature = "mobile", target_arch = "wasm32"))]
fn resumed_now(services: &Services, mut resumed: Signal<Resumed>) {
    services.request_sync();
    resumed.with_mut(|r| r.0 += 1);
}

/// Syncs, and bumps `resumed`, whenever the app is resumed or its window regains focus.
#[cfg(any(feature = "desktop", feature = "mobile"))]
pub fn use_resume(services: Arc<Services>, resumed: Signal<Resumed>) {
    #[cfg(feature = "desktop")]
    use dioxus::desktop as shell;
    #[cfg(all(feature = "mobile", not(feature = "desktop")))]
    use dioxus::mobile as shell;
    use shell::tao::event::{Event, WindowEvent};

    shell::use_wry_event_handler(move |event, _| {
        let back = matches!(
            event,
            Event::Resumed | Event::WindowEvent { event: WindowEvent::Focused(true), .. }
        );
        if back {
            resumed_now(&services, resumed);
        }
    });
}

/// In a browser: syncs when the network comes back (`online`) and when the page is shown again
/// (`visibilitychange`, `focus`), so a visit saved with no signal goes out without a tap; bumps
/// `resumed` then too.
#[cfg(all(target_arch = "wasm32", not(any(feature = "desktop", feature = "mobile"))))]
pub fn use_resume(services: Arc<Services>, resumed: Signal<Resumed>) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use_hook(move || {
        let Some(window) = web_sys::window() else { return };
        let document = window.document();
        let page: &web_sys::EventTarget = document.as_ref().map_or(window.as_ref(), |d| d.as_ref());
        let targets: [(&web_sys::EventTarget, &str); 3] =
            [(window.as_ref(), "online"), (window.as_ref(), "focus"), (page, "visibilitychange")];
        for (target, event) in targets {
            let services = services.clone();
            let kick = Closure::<dyn FnMut()>::new(move || resumed_now(&services, resumed));
            let _ = target.add_event_listener_with_callback(event, kick.as_ref().unchecked_ref());
            // The app lives as long as the page: the listener is never removed.
            kick.forget();
        }
    });
}

/// Whenever the app is resumed (no window: nothing to do).
#[cfg(not(any(feature = "desktop", feature = "mobile", target_arch = "wasm32")))]
pub fn use_resume(_services: Arc<Services>, _resumed: Signal<Resumed>) {}
