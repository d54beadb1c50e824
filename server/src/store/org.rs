//! The organisation: units, villages and cadres (each cadre an account), and the devices that
//! log in with a cadre's token. Decoded into `shared`'s `Unit`, `Village` and `Cadre`.

use minqing_shared::ids::{CadreId, CountyId, DeviceId, UnitId, VillageId};
use minqing_shared::org::{Cadre, County, Role, Unit, UnitKind, Village};
use minqing_shared::sync::wire::EraseOrder;

use super::decode::{self, CADRE_COLUMNS, CADRE_WIDTH, UNIT_COLUMNS, VILLAGE_COLUMNS};
use super::sql::{args, in_list, placeholders};
use super::{StoreResult, Tx};

/// An account, as login needs it.
#[derive(Clone, Debug)]
pub struct Account {
    /// The cadre.
    pub cadre: Cadre,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Disabled accounts cannot log in.
    pub disabled: bool,
}

/// Who a device token belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceAuth {
    /// The device.
    pub device_id: DeviceId,
    /// Its cadre.
    pub cadre_id: CadreId,
    /// The cadre's role.
    pub role: Role,
    /// The cadre's unit.
    pub unit_id: UnitId,
    /// The cadre's unit's kind.
    pub unit_kind: UnitKind,
    /// The unit's county.
    pub county_id: CountyId,
    /// Set once the device is revoked (lost phone).
    pub revoked: bool,
    /// Set once the account is disabled.
    pub disabled: bool,
    /// An order to erase the phone, until it reports itself erased.
    pub erase: Option<EraseOrder>,
    /// Whether the phone was told of that order already (it is noted once).
    pub erase_delivered: bool,
}

/// A phone logging in, as [`Tx::insert_device`] registers it.
#[derive(Clone, Copy, Debug)]
pub struct NewDevice<'a> {
    /// Its new id.
    pub id: DeviceId,
    /// The account that logged in.
    pub cadre: CadreId,
    /// The name the phone gave.
    pub name: &'a str,
    /// The hash of its token.
    pub token_hash: &'a str,
    /// The app version it reported, if any.
    pub app_version: Option<&'a str>,
}

/// A device as the administrator sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceRow {
    /// Its id.
    pub id: DeviceId,
    /// Its cadre (none for a server's own device).
    pub cadre_id: Option<CadreId>,
    /// Its cadre's login name.
    pub username: Option<String>,
    /// The name the phone gave at login.
    pub name: String,
    /// When it logged in.
    pub created_ms: i64,
    /// When it last synced (written at most once a minute).
    pub last_seen_ms: Option<i64>,
    /// When it was revoked, if it was.
    pub revoked_ms: Option<i64>,
    /// The app version it last reported (`minqing-mobile/0.1.0`), if any.
    pub app_version: Option<String>,
    /// An order to erase it, with when it was given, heard by the phone, and carried out.
    pub erase: Option<EraseOrder>,
    /// When the order was given.
    pub erase_requested_ms: Option<i64>,
    /// When the phone heard it.
    pub erase_delivered_ms: Option<i64>,
    /// When the phone reported itself erased.
    pub erased_ms: Option<i64>,
}

impl Tx<'_> {
    /// A unit by id.
    pub fn unit(&mut self, id: UnitId) -> StoreResult<Option<Unit>> {
        let sql = format!("SELECT {UNIT_COLUMNS} FROM units u WHERE u.id = $1");
        self.query_opt(&sql, &args![id])?.map(|r| decode::unit(&r, 0)).transpose()
    }

    /// Every unit, by name.
    pub fn all_units(&mut self) -> StoreResult<Vec<Unit>> {
        let sql = format!("SELECT {UNIT_COLUMNS} FROM units u ORDER BY u.name");
        self.query(&sql, &[])?.iter().map(|r| decode::unit(r, 0)).collect()
    }

    /// The units of `county`, by name.
    pub fn county_units(&mut self, county: CountyId) -> StoreResult<Vec<Unit>> {
        let sql =
            format!("SELECT {UNIT_COLUMNS} FROM units u WHERE u.county_id = $1 ORDER BY u.name");
        self.query(&sql, &args![county])?.iter().map(|r| decode::unit(r, 0)).collect()
    }

    /// The units of `ids` that exist.
    pub fn units(&mut self, ids: &[UnitId]) -> StoreResult<Vec<Unit>> {
        let sql = format!(
            "SELECT {UNIT_COLUMNS} FROM units u WHERE u.id IN ({})",
            placeholders(1, ids.len())
        );
        self.query(&sql, &in_list(ids))?.iter().map(|r| decode::unit(r, 0)).collect()
    }

    /// Creates or replaces a unit.
    pub fn put_unit(&mut self, u: &Unit) -> StoreResult<()> {
        self.execute(
            "INSERT INTO units (id, name, kind, county_id) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind,
               county_id = excluded.county_id",
            &args![u.id, u.name.as_str(), u.kind.code(), u.county_id],
        )?;
        Ok(())
    }

    /// A county by id.
    pub fn county(&mut self, id: CountyId) -> StoreResult<Option<County>> {
        self.query_opt("SELECT id, name FROM counties WHERE id = $1", &args![id])?
            .map(|r| Ok(County { id: r.parse(0)?, name: r.text(1)? }))
            .transpose()
    }

    /// Every county, by name.
    pub fn counties(&mut self) -> StoreResult<Vec<County>> {
        self.query("SELECT id, name FROM counties ORDER BY name", &[])?
            .iter()
            .map(|r| Ok(County { id: r.parse(0)?, name: r.text(1)? }))
            .collect()
    }

    /// Creates or renames a county.
    pub fn put_county(&mut self, c: &County) -> StoreResult<()> {
        self.execute(
            "INSERT INTO counties (id, name) VALUES ($1, $2)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name",
            &args![c.id, c.name.as_str()],
        )?;
        Ok(())
    }

    /// A village by id.
    pub fn village(&mut self, id: VillageId) -> StoreResult<Option<Village>> {
        Ok(self.villages(&[id])?.pop())
    }

    /// The villages of `ids` that exist.
    pub fn villages(&mut self, ids: &[VillageId]) -> StoreResult<Vec<Village>> {
        let sql = format!(
            "SELECT {VILLAGE_COLUMNS} FROM villages v WHERE v.id IN ({}) ORDER BY v.name",
            placeholders(1, ids.len())
        );
        self.query(&sql, &in_list(ids))?.iter().map(|r| decode::village(r, 0)).collect()
    }

    /// Every village, by name.
    pub fn all_villages(&mut self) -> StoreResult<Vec<Village>> {
        let sql = format!("SELECT {VILLAGE_COLUMNS} FROM villages v ORDER BY v.name");
        self.query(&sql, &[])?.iter().map(|r| decode::village(r, 0)).collect()
    }

    /// Creates or replaces a village.
    pub fn put_village(&mut self, v: &Village) -> StoreResult<()> {
        self.execute(
            "INSERT INTO villages (id, name, township_id, population, standing)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name,
               township_id = excluded.township_id, population = excluded.population,
               standing = excluded.standing",
            &args![v.id, v.name.as_str(), v.township_id, v.population, v.standing.code()],
        )?;
        Ok(())
    }

    /// A cadre by id.
    pub fn cadre(&mut self, id: CadreId) -> StoreResult<Option<Cadre>> {
        Ok(self.cadres(&[id])?.pop())
    }

    /// The cadres of `ids` that exist.
    pub fn cadres(&mut self, ids: &[CadreId]) -> StoreResult<Vec<Cadre>> {
        let sql = format!(
            "SELECT {CADRE_COLUMNS} FROM cadres c WHERE c.id IN ({}) ORDER BY c.name",
            placeholders(1, ids.len())
        );
        self.query(&sql, &in_list(ids))?.iter().map(|r| decode::cadre(r, 0)).collect()
    }

    /// Every cadre (accounts of every role), by name.
    pub fn all_cadres(&mut self) -> StoreResult<Vec<Cadre>> {
        let sql = format!("SELECT {CADRE_COLUMNS} FROM cadres c ORDER BY c.name");
        self.query(&sql, &[])?.iter().map(|r| decode::cadre(r, 0)).collect()
    }

    /// Creates or replaces a cadre (and sets its login, if `password_hash` is given).
    pub fn put_cadre(&mut self, c: &Cadre, password_hash: Option<&str>) -> StoreResult<()> {
        self.execute(
            "INSERT INTO cadres (id, username, name, unit_id, role, phone, title, villages,
                                 password_hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, COALESCE($9, ''))
             ON CONFLICT (id) DO UPDATE SET username = excluded.username, name = excluded.name,
               unit_id = excluded.unit_id, role = excluded.role, phone = excluded.phone,
               title = excluded.title, villages = excluded.villages,
               password_hash = COALESCE($9, cadres.password_hash)",
            &args![
                c.id,
                c.username.as_str(),
                c.name.as_str(),
                c.unit_id,
                c.role.code(),
                c.phone.as_str(),
                c.title.as_str(),
                serde_json::to_string(&c.villages)?,
                password_hash
            ],
        )?;
        Ok(())
    }

    /// An account by login name.
    pub fn account_by_username(&mut self, username: &str) -> StoreResult<Option<Account>> {
        let sql = format!(
            "SELECT {CADRE_COLUMNS}, c.password_hash, c.disabled FROM cadres c
             WHERE c.username = $1"
        );
        self.query_opt(&sql, &args![username])?
            .map(|r| {
                Ok(Account {
                    cadre: decode::cadre(&r, 0)?,
                    password_hash: r.text(CADRE_WIDTH)?,
                    disabled: r.bool(CADRE_WIDTH + 1)?,
                })
            })
            .transpose()
    }

    /// Registers a device with the hash of its token and the app version it reported.
    pub fn insert_device(&mut self, d: &NewDevice<'_>, now_ms: i64) -> StoreResult<()> {
        self.execute(
            "INSERT INTO devices (id, cadre_id, name, token_hash, created_ms, app_version)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &args![d.id, d.cadre, d.name, d.token_hash, now_ms, d.app_version],
        )?;
        Ok(())
    }

    /// Registers the server's own device, which stamps office actions.
    pub fn insert_server_device(
        &mut self,
        device: DeviceId,
        name: &str,
        now_ms: i64,
    ) -> StoreResult<()> {
        self.execute(
            "INSERT INTO devices (id, name, created_ms) VALUES ($1, $2, $3)",
            &args![device, name, now_ms],
        )?;
        Ok(())
    }

    /// The device a token hash belongs to.
    pub fn device_by_token_hash(&mut self, token_hash: &str) -> StoreResult<Option<DeviceAuth>> {
        self.query_opt(
            "SELECT d.id, d.cadre_id, c.role, c.unit_id, u.kind, d.revoked_ms, c.disabled,
                    u.county_id, d.erase, d.erase_delivered_ms
             FROM devices d JOIN cadres c ON c.id = d.cadre_id JOIN units u ON u.id = c.unit_id
             WHERE d.token_hash = $1",
            &args![token_hash],
        )?
        .map(|r| {
            Ok(DeviceAuth {
                device_id: r.parse(0)?,
                cadre_id: r.parse(1)?,
                role: r.code(2, Role::from_code)?,
                unit_id: r.parse(3)?,
                unit_kind: r.code(4, UnitKind::from_code)?,
                county_id: r.parse(7)?,
                revoked: r.opt_int(5)?.is_some(),
                disabled: r.bool(6)?,
                erase: r.opt_text(8)?.as_deref().and_then(EraseOrder::from_code),
                erase_delivered: r.opt_int(9)?.is_some(),
            })
        })
        .transpose()
    }

    /// Marks a device as lost: its token stops working at once. Whether it was in use.
    pub fn revoke_device(&mut self, device: DeviceId, now_ms: i64) -> StoreResult<bool> {
        let n = self.execute(
            "UPDATE devices SET revoked_ms = $2 WHERE id = $1 AND revoked_ms IS NULL",
            &args![device, now_ms],
        )?;
        Ok(n == 1)
    }

    /// Orders a phone erased at its next contact; whether the order was taken (not for a phone
    /// revoked or erased already; a retirement may be turned into a wipe, not back).
    pub fn order_erase(
        &mut self,
        device: DeviceId,
        order: EraseOrder,
        now_ms: i64,
    ) -> StoreResult<bool> {
        let n = self.execute(
            "UPDATE devices SET erase = $2, erase_requested_ms = $3, erase_delivered_ms = NULL
             WHERE id = $1 AND revoked_ms IS NULL AND erased_ms IS NULL AND token_hash IS NOT NULL
               AND (erase IS NULL OR (erase = 'retire' AND $2 = 'wipe'))",
            &args![device, order.code(), now_ms],
        )?;
        Ok(n == 1)
    }

    /// Notes that the phone heard its order (first time only).
    pub fn note_erase_delivered(&mut self, device: DeviceId, now_ms: i64) -> StoreResult<()> {
        self.execute(
            "UPDATE devices SET erase_delivered_ms = $2
             WHERE id = $1 AND erase IS NOT NULL AND erase_delivered_ms IS NULL",
            &args![device, now_ms],
        )?;
        Ok(())
    }

    /// The phone reports itself erased: its token ends with it. Whether it had an order.
    pub fn mark_erased(&mut self, device: DeviceId, now_ms: i64) -> StoreResult<bool> {
        let n = self.execute(
            "UPDATE devices SET erased_ms = $2, revoked_ms = COALESCE(revoked_ms, $2),
                    erase_delivered_ms = COALESCE(erase_delivered_ms, $2)
             WHERE id = $1 AND erase IS NOT NULL AND erased_ms IS NULL",
            &args![device, now_ms],
        )?;
        Ok(n == 1)
    }

    /// Records that a device was seen, with the app version it reported (kept when `None`).
    pub fn touch_device(
        &mut self,
        device: DeviceId,
        now_ms: i64,
        app_version: Option<&str>,
    ) -> StoreResult<()> {
        self.execute(
            "UPDATE devices SET last_seen_ms = $2, app_version = COALESCE($3, app_version)
             WHERE id = $1",
            &args![device, now_ms, app_version],
        )?;
        Ok(())
    }

    /// Devices, of one account or of all (servers' own devices included), by login name.
    pub fn devices(&mut self, cadre: Option<CadreId>) -> StoreResult<Vec<DeviceRow>> {
        self.query(
            "SELECT d.id, d.cadre_id, c.username, d.name, d.created_ms, d.last_seen_ms,
                    d.revoked_ms, d.app_version, d.erase, d.erase_requested_ms,
                    d.erase_delivered_ms, d.erased_ms
             FROM devices d LEFT JOIN cadres c ON c.id = d.cadre_id
             WHERE (CAST($1 AS TEXT) IS NULL OR d.cadre_id = $1)
             ORDER BY c.username, d.created_ms",
            &args![cadre],
        )?
        .iter()
        .map(|r| {
            Ok(DeviceRow {
                id: r.parse(0)?,
                cadre_id: r.opt_parse(1)?,
                username: r.opt_text(2)?,
                name: r.text(3)?,
                created_ms: r.int(4)?,
                last_seen_ms: r.opt_int(5)?,
                revoked_ms: r.opt_int(6)?,
                app_version: r.opt_text(7)?,
                erase: r.opt_text(8)?.as_deref().and_then(EraseOrder::from_code),
                erase_requested_ms: r.opt_int(9)?,
                erase_delivered_ms: r.opt_int(10)?,
                erased_ms: r.opt_int(11)?,
            })
        })
        .collect()
    }
}
