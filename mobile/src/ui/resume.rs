//! Sync when the app comes back to the foreground: resume on a phone, focus on the desktop, the
//! network's return or the page shown again in a browser. (Without a window there is nothing to
//! resume: the hook does nothing.)

use std::sync::Arc;

use crate::services::Services;

/// Asks the background loop to sync whenever the app is resumed or its window regains focus.
#[cfg(any(feature = "desktop", feature = "mobile"))]
pub fn use_sync_on_resume(services: Arc<Services>) {
    #[cfg(feature = "desktop")]
    use dioxus::desktop as shell;
    #[cfg(all(feature = "mobile", not(feature = "desktop")))]
    use dioxus::mobile as shell;
    use shell::tao::event::{Event, WindowEvent};

    shell::use_wry_event_handler(move |event, _| {
        let resumed = matches!(
            event,
            Event::Resumed | Event::WindowEvent { event: WindowEvent::Focused(true), .. }
        );
        if resumed {
            services.request_sync();
        }
    });
}

/// In a browser: asks the background loop to sync when the network comes back (`online`) and
/// when the page is shown again (`visibilitychange`, `focus`), so a visit saved with no signal
/// goes out without a tap.
#[cfg(all(target_arch = "wasm32", not(any(feature = "desktop", feature = "mobile"))))]
pub fn use_sync_on_resume(services: Arc<Services>) {
    use dioxus::prelude::use_hook;
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
            let kick = Closure::<dyn FnMut()>::new(move || services.request_sync());
            let _ = target.add_event_listener_with_callback(event, kick.as_ref().unchecked_ref());
            // The app lives as long as the page: the listener is never removed.
            kick.forget();
        }
    });
}

/// Asks the background loop to sync whenever the app is resumed (no window: nothing to do).
#[cfg(not(any(feature = "desktop", feature = "mobile", target_arch = "wasm32")))]
pub fn use_sync_on_resume(_services: Arc<Services>) {}
