//! A phone for screen tests: a temp-file store with a fake login, filled through the same ops a
//! real phone writes, and the app rendered in a VirtualDom (see [`dom`]).

#![allow(dead_code)]

pub mod dom;

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use minqing_mobile::Store;
use minqing_mobile::location::Locator;
use minqing_mobile::photo::Camera;
use minqing_mobile::services::Services;
use minqing_mobile::store::{NewVisit, stamp_and_apply};
use minqing_mobile::sync::HttpTransport;
use minqing_shared::clock::{Clock, ShiftedClock, china_time};
use minqing_shared::concern::{ConcernAction, Step};
use minqing_shared::household::{HouseholdKind, HouseholdStatus};
use minqing_shared::ids::{CadreId, ConcernId, DeviceId, HouseholdId, UnitId, VillageId};
use minqing_shared::org::{Role, Standing};
use minqing_shared::sync::op::{CadreBody, HouseholdPatch, Payload, VillageBody};
use minqing_shared::sync::{CadreInfo, LoginResponse};
use minqing_shared::visit::{NoFix, Topic, VisitMode};
use uuid::Uuid;

/// A server address where nothing listens: the tests stay offline.
pub const NO_SERVER: &str = "http://127.0.0.1:9";

/// The cadre of the fixture.
pub const CADRE_NAME: &str = "王建国";
/// The cadre's unit.
pub const UNIT_NAME: &str = "城关镇";
/// The cadre's phone.
pub const CADRE_PHONE: &str = "13800138000";
/// The cadre's contact village.
pub const VILLAGE_NAME: &str = "东关村";

/// The tests' clock: a Wednesday noon in China, far from a week's or a month's turn, whatever
/// day the tests run on.
pub fn clock() -> &'static ShiftedClock {
    static CLOCK: std::sync::LazyLock<ShiftedClock> =
        std::sync::LazyLock::new(|| ShiftedClock::at(china_time(2026, 11, 25, 12, 0)));
    &CLOCK
}

/// Now, on the tests' clock.
pub fn now() -> DateTime<Utc> {
    clock().now()
}

/// A logged-in phone with its own temp database.
pub struct Phone {
    pub services: Arc<Services>,
    pub cadre: CadreId,
    pub village: VillageId,
    _dir: tempfile::TempDir,
}

impl Phone {
    /// A phone on which 王建国 of 城关镇 logged in (without a server), with his village.
    pub fn logged_in() -> Self {
        Self::logged_in_at(Locator::Fixed(Err(NoFix::Unavailable)))
    }

    /// The same phone, whose location fixes come from `locator`.
    pub fn logged_in_at(locator: Locator) -> Self {
        Self::logged_in_with(locator, Camera::Picker)
    }

    /// The same phone, whose camera gives the picture in `file`.
    pub fn logged_in_with_camera(file: std::path::PathBuf) -> Self {
        Self::logged_in_with(Locator::Fixed(Err(NoFix::Unavailable)), Camera::File(file))
    }

    fn logged_in_with(locator: Locator, camera: Camera) -> Self {
        Self::log_in(Self::logged_out_with(locator, camera))
    }

    /// A phone over `store` (an encrypted one, say) in `dir`, on which 王建国 logged in.
    #[allow(dead_code)]
    pub fn logged_in_on(dir: tempfile::TempDir, store: Store) -> Self {
        Self::logged_in_on_vault(dir, store, None)
    }

    /// [`Phone::logged_in_on`], its keys in `vault` (as the app's).
    #[allow(dead_code)]
    pub fn logged_in_on_vault(
        dir: tempfile::TempDir,
        store: Store,
        vault: Option<Arc<minqing_mobile::vault::Vault>>,
    ) -> Self {
        let clock = Arc::new(clock().clone());
        let mut services = Services::with_clock(Arc::new(store), HttpTransport::default(), clock);
        if let Some(vault) = vault {
            services = services.with_vault(vault);
        }
        let phone = Self {
            services: Arc::new(services),
            cadre: CadreId::new(),
            village: VillageId::new(),
            _dir: dir,
        };
        Self::log_in(phone)
    }

    /// Its folder, the phone closed (its database let go).
    #[allow(dead_code)]
    pub fn into_dir(self) -> tempfile::TempDir {
        self._dir
    }

    fn log_in(phone: Self) -> Self {
        let now = now().timestamp_millis();
        let unit = UnitId::new();
        let login = LoginResponse {
            token: "device-token".into(),
            device_id: DeviceId::new(),
            cadre: CadreInfo {
                id: phone.cadre,
                profile: CadreBody {
                    name: CADRE_NAME.into(),
                    unit_id: unit,
                    unit_name: UNIT_NAME.into(),
                    role: Role::Ordinary,
                    phone: CADRE_PHONE.into(),
                    title: "包村干部".into(),
                    villages: vec![phone.village],
                },
            },
            server_time: now,
        };
        phone.store().save_login(NO_SERVER, &login, now).unwrap();
        let village = VillageBody {
            name: VILLAGE_NAME.into(),
            township_id: unit,
            population: 800,
            standing: Standing::Middle,
        };
        phone.apply(phone.village.0, Payload::Village(village));
        phone
    }

    /// A phone nobody logged in on yet.
    pub fn logged_out() -> Self {
        Self::logged_out_at(Locator::Fixed(Err(NoFix::Unavailable)))
    }

    /// A phone nobody logged in on yet, whose location fixes come from `locator`.
    pub fn logged_out_at(locator: Locator) -> Self {
        Self::logged_out_with(locator, Camera::Picker)
    }

    fn logged_out_with(locator: Locator, camera: Camera) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(&dir.path().join("minqing.db")).unwrap());
        let clock = Arc::new(clock().clone());
        let services = Services::with_clock(store, HttpTransport::default(), clock);
        let services = Arc::new(services.with_locator(locator).with_camera(camera));
        Self { services, cadre: CadreId::new(), village: VillageId::new(), _dir: dir }
    }

    pub fn store(&self) -> &Store {
        self.services.store()
    }

    /// The phone's database file.
    #[allow(dead_code)]
    pub fn db_path(&self) -> std::path::PathBuf {
        self._dir.path().join("minqing.db")
    }

    /// Writes one op as this phone would, in its own transaction.
    pub fn apply(&self, record: Uuid, payload: Payload) {
        let now = now().timestamp_millis();
        self.store().write(|tx| stamp_and_apply(tx, record, payload, now)).unwrap();
    }

    /// A confirmed household of the cadre's.
    pub fn household(&self, name: &str, address: &str, phone: &str) -> HouseholdId {
        self.household_with(name, address, phone, HouseholdStatus::Confirmed, &[])
    }

    /// A household with a status and kinds.
    pub fn household_with(
        &self,
        name: &str,
        address: &str,
        phone: &str,
        status: HouseholdStatus,
        kinds: &[HouseholdKind],
    ) -> HouseholdId {
        let id = HouseholdId::new();
        let patch = HouseholdPatch {
            village_id: Some(self.village),
            head_name: Some(name.into()),
            address: Some(address.into()),
            phone: Some(phone.into()),
            kinds: Some(kinds.to_vec()),
            cadre_id: Some(Some(self.cadre)),
            notes: Some(String::new()),
            status: Some(status),
            deleted: Some(false),
            retirement: None,
        };
        self.apply(id.0, Payload::Household(patch));
        id
    }

    /// An in-person visit `days_ago` days ago.
    pub fn visit(&self, household: HouseholdId, at: DateTime<Utc>, summary: &str) {
        let visit = NewVisit {
            photos: Vec::new(),
            household_id: household,
            mode: VisitMode::InPerson,
            topics: vec![Topic::KeyWork],
            policies: "讲解医保政策".into(),
            summary: summary.into(),
            gps: None,
            no_fix: None,
            visited_at: None,
            concerns: vec![],
        };
        self.store().record_visit(&visit, at).unwrap();
    }

    /// A step the office takes on a concern (arrives like a pulled op).
    pub fn office_step(&self, concern: ConcernId, action: ConcernAction) {
        self.office_step_at(concern, action, now());
    }

    /// A step the office took at `at` that reaches the phone only now.
    pub fn office_step_at(&self, concern: ConcernId, action: ConcernAction, at: DateTime<Utc>) {
        let step = Step { actor: CadreId::new(), at, action };
        self.apply(concern.0, Payload::Concern(step));
    }
}

/// Today in China, on the tests' clock.
pub fn today() -> NaiveDate {
    clock().today()
}

/// A moment `weeks` whole weeks before this week's Monday noon (China time).
pub fn weeks_ago(weeks: i64) -> DateTime<Utc> {
    let monday = minqing_shared::calendar::VisitWeek::of(today()).monday();
    let noon = monday.and_hms_opt(4, 0, 0).unwrap().and_utc(); // 12:00 in UTC+8
    noon - Duration::weeks(weeks)
}
