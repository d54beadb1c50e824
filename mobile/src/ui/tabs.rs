//! Navigation: the screens, a small stack of them, the top bar and the bottom tab bar.

use dioxus::prelude::*;
use minqing_shared::ids::{HouseholdId, VisitId};

use super::{card, concerns, household, households, login, sync, use_lang, use_nav, use_toast};
use super::{propose, reminders, use_revision, use_services, visit_correct, visit_form, week};
use crate::i18n::{Key, t};

/// A bottom tab.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    /// 本周走访.
    Week,
    /// 联系户.
    Households,
    /// 民情.
    Concerns,
    /// 提醒.
    Reminders,
    /// 名片.
    Card,
    /// 同步.
    Sync,
}

impl Tab {
    /// The tabs, left to right.
    pub const ALL: [Tab; 6] =
        [Tab::Week, Tab::Households, Tab::Concerns, Tab::Reminders, Tab::Card, Tab::Sync];

    fn label(self) -> Key {
        match self {
            Tab::Week => Key::TabWeek,
            Tab::Households => Key::TabHouseholds,
            Tab::Concerns => Key::TabConcerns,
            Tab::Reminders => Key::TabReminders,
            Tab::Card => Key::TabCard,
            Tab::Sync => Key::TabSync,
        }
    }

    fn title(self) -> Key {
        match self {
            Tab::Week => Key::WeekTitle,
            Tab::Households => Key::HouseholdsTitle,
            Tab::Concerns => Key::ConcernsTitle,
            Tab::Reminders => Key::RemindersTitle,
            Tab::Card => Key::CardTitle,
            Tab::Sync => Key::SyncTitle,
        }
    }
}

/// A screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    /// A tab's main screen.
    Tab(Tab),
    /// One household with its history.
    Household(HouseholdId),
    /// The visit form for a household.
    Visit(HouseholdId),
    /// Correcting or voiding one of the cadre's visits.
    CorrectVisit(VisitId),
    /// Proposing a new household.
    ProposeHousehold,
    /// Login and settings.
    Settings,
}

impl Screen {
    fn title(self) -> Key {
        match self {
            Screen::Tab(tab) => tab.title(),
            Screen::Household(_) => Key::HouseholdTitle,
            Screen::Visit(_) => Key::VisitTitle,
            Screen::CorrectVisit(_) => Key::CorrectVisitTitle,
            Screen::ProposeHousehold => Key::ProposeTitle,
            Screen::Settings => Key::SettingsTitle,
        }
    }
}

/// Where the cadre is: a tab at the bottom of the stack, sub-screens above it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Nav {
    stack: Vec<Screen>,
}

impl Default for Nav {
    fn default() -> Self {
        Self { stack: vec![Screen::Tab(Tab::Week)] }
    }
}

impl Nav {
    /// The screen shown.
    pub fn current(&self) -> Screen {
        *self.stack.last().unwrap_or(&Screen::Tab(Tab::Week))
    }

    /// The tab the stack starts from.
    pub fn tab(&self) -> Tab {
        match self.stack.first() {
            Some(Screen::Tab(tab)) => *tab,
            _ => Tab::Week,
        }
    }

    /// Opens `screen` over the current one.
    pub fn push(&mut self, screen: Screen) {
        self.stack.push(screen);
    }

    /// Goes back one screen (never past the tab).
    pub fn back(&mut self) {
        if self.stack.len() > 1 {
            self.stack.pop();
        }
    }

    /// Switches to `tab`, forgetting the sub-screens.
    pub fn switch(&mut self, tab: Tab) {
        self.stack = vec![Screen::Tab(tab)];
    }

    /// Whether a back button makes sense.
    pub fn can_go_back(&self) -> bool {
        self.stack.len() > 1
    }
}

/// The logged-in app: top bar, the current screen, the tab bar.
#[component]
pub fn Shell() -> Element {
    let nav = use_nav();
    let screen = nav.read().current();
    rsx! {
        TopBar { title: screen.title(), can_go_back: nav.read().can_go_back() }
        ToastBanner {}
        // Keyed by screen, so every screen opens scrolled to its top.
        for shown in [screen] {
            main { key: "{shown:?}", class: "content", {view(shown)} }
        }
        if !matches!(screen, Screen::Visit(_) | Screen::CorrectVisit(_) | Screen::ProposeHousehold) {
            TabBar { active: nav.read().tab() }
        }
    }
}

/// The content of `screen`.
fn view(screen: Screen) -> Element {
    match screen {
        Screen::Tab(Tab::Week) => rsx! { week::WeekScreen {} },
        Screen::Tab(Tab::Households) => rsx! { households::HouseholdsScreen {} },
        Screen::Tab(Tab::Concerns) => rsx! { concerns::ConcernsScreen {} },
        Screen::Tab(Tab::Reminders) => rsx! { reminders::RemindersScreen {} },
        Screen::Tab(Tab::Card) => rsx! { card::CardScreen {} },
        Screen::Tab(Tab::Sync) => rsx! { sync::SyncScreen {} },
        Screen::Household(id) => rsx! { household::HouseholdScreen { id } },
        Screen::Visit(id) => rsx! { visit_form::VisitForm { id } },
        Screen::CorrectVisit(id) => rsx! { visit_correct::VisitCorrect { id } },
        Screen::ProposeHousehold => rsx! { propose::ProposeHousehold {} },
        Screen::Settings => rsx! { login::SettingsScreen {} },
    }
}

/// The title bar, with a back button on sub-screens and the settings button on tabs.
#[component]
fn TopBar(title: Key, can_go_back: bool) -> Element {
    let lang = use_lang()();
    let mut nav = use_nav();
    rsx! {
        header { class: "topbar",
            if can_go_back {
                button {
                    class: "topbar-button back",
                    "aria-label": t(lang, Key::Back),
                    onclick: move |_| nav.write().back(),
                    svg { view_box: "0 0 24 24", class: "icon",
                        path { d: "M15 5l-7 7 7 7" }
                    }
                    span { {t(lang, Key::Back)} }
                }
            } else {
                span { class: "topbar-spacer" }
            }
            h1 { class: "topbar-title", {t(lang, title)} }
            if can_go_back {
                span { class: "topbar-spacer" }
            } else {
                button {
                    class: "topbar-button settings",
                    "aria-label": t(lang, Key::Settings),
                    onclick: move |_| nav.write().push(Screen::Settings),
                    svg { view_box: "0 0 24 24", class: "icon",
                        path { d: "M4 6.5h16M4 12h16M4 17.5h16" }
                        circle { cx: "9", cy: "6.5", r: "2.2", class: "knob" }
                        circle { cx: "15.5", cy: "12", r: "2.2", class: "knob" }
                        circle { cx: "7.5", cy: "17.5", r: "2.2", class: "knob" }
                    }
                }
            }
        }
    }
}

/// The bottom tab bar.
#[component]
fn TabBar(active: Tab) -> Element {
    let lang = use_lang()();
    let mut nav = use_nav();
    let mut toast = use_toast();
    let services = use_services();
    use_revision().read();
    // 提醒's badge: what it lists (the office's news since the cadre last looked).
    let store = services.store();
    let reminders = store
        .reminders_seen()
        .and_then(|seen| store.reminders(services.today(), seen))
        .map_or(0, |r| r.count());
    rsx! {
        nav { class: "tabbar",
            for tab in Tab::ALL {
                button {
                    key: "{tab:?}",
                    class: if tab == active { "tab active" } else { "tab" },
                    onclick: move |_| {
                        toast.set(Default::default());
                        nav.write().switch(tab);
                    },
                    TabIcon { tab }
                    span { class: "tab-label", {t(lang, tab.label())} }
                    if tab == Tab::Reminders && reminders > 0 {
                        span { class: "tab-badge", "{reminders}" }
                    }
                }
            }
        }
    }
}

/// A line icon for a tab (drawn, so no icon font is needed).
#[component]
fn TabIcon(tab: Tab) -> Element {
    let shape = match tab {
        Tab::Week => rsx! {
            rect { x: "3.5", y: "5", width: "17", height: "15", rx: "2" }
            path { d: "M3.5 10h17M8 3v4M16 3v4M8 14.5l2.5 2.5 5-5" }
        },
        Tab::Households => rsx! {
            path { d: "M3 11l9-7 9 7M5.5 9.5V20h13V9.5M10 20v-5.5h4V20" }
        },
        Tab::Concerns => rsx! {
            path { d: "M4 5h16v11H9l-5 4z" }
            path { d: "M8 9.5h8M8 12.5h5" }
        },
        Tab::Reminders => rsx! {
            path { d: "M6 16.5V11a6 6 0 0 1 12 0v5.5l1.5 2h-15z" }
            path { d: "M10 20.5a2 2 0 0 0 4 0" }
        },
        Tab::Card => rsx! {
            rect { x: "3.5", y: "3.5", width: "7", height: "7", rx: "1" }
            rect { x: "13.5", y: "3.5", width: "7", height: "7", rx: "1" }
            rect { x: "3.5", y: "13.5", width: "7", height: "7", rx: "1" }
            path { d: "M13.5 13.5h3v3h-3zM17.5 17.5h3v3h-3zM20.5 13.5v2M13.5 20.5h2" }
        },
        Tab::Sync => rsx! {
            path { d: "M19.5 9A8 8 0 0 0 5 7.5M4.5 15A8 8 0 0 0 19 16.5" }
            path { d: "M5 3.5v4h4M19 20.5v-4h-4" }
        },
    };
    rsx! {
        svg { class: "icon tab-icon", view_box: "0 0 24 24", {shape} }
    }
}

/// The "已保存" banner; it fades by itself (CSS) and is cleared on the next tab switch.
#[component]
fn ToastBanner() -> Element {
    let toast = use_toast();
    let current = toast.read().0.clone();
    rsx! {
        if let Some((serial, text)) = current {
            div { key: "{serial}", class: "toast", role: "status", "{text}" }
        }
    }
}
