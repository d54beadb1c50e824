//! `minqing`: the phone app. On Linux desktop (development, the smoke test) build it with
//! `--features desktop`; on Android and iOS with `dx` and the `mobile` feature (docs/MOBILE.md).

#[cfg(feature = "desktop")]
fn main() {
    use dioxus::desktop::{Config, LogicalSize, WindowBuilder};
    let window =
        WindowBuilder::new().with_title("民情通").with_inner_size(LogicalSize::new(390.0, 844.0));
    dioxus::LaunchBuilder::desktop()
        .with_cfg(Config::new().with_window(window).with_menu(None))
        .launch(minqing_mobile::ui::App);
}

#[cfg(all(feature = "mobile", not(feature = "desktop")))]
fn main() {
    dioxus::LaunchBuilder::mobile().launch(minqing_mobile::ui::App);
}

#[cfg(all(feature = "web", not(any(feature = "desktop", feature = "mobile"))))]
fn main() {
    dioxus::LaunchBuilder::web().launch(minqing_mobile::ui::App);
}

#[cfg(not(any(feature = "desktop", feature = "mobile", feature = "web")))]
fn main() {
    eprintln!(
        "minqing: this build has no window. Run the app on Linux with\n  \
         cargo run -p minqing-mobile --features desktop --bin minqing\n\
         or build it for a phone with dx (see docs/MOBILE.md)."
    );
    std::process::exit(2);
}
