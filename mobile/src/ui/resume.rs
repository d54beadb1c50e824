//! Sync when the app comes back to the foreground: resume on a phone, focus on the desktop.
//! (Without a window there is nothing to resume: the hook does nothing.)

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

/// Asks the background loop to sync whenever the app is resumed (no window: nothing to do).
#[cfg(not(any(feature = "desktop", feature = "mobile")))]
pub fn use_sync_on_resume(_services: Arc<Services>) {}
