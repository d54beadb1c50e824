//! SQLite migrations: numbered, applied in order, never edited once released. `user_version`
//! records how far a database has come.

use rusqlite::Connection;

use crate::store::{StoreError, StoreResult};

/// Each migration, in order; migration `i` moves `user_version` from `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: accounts, devices, the op log, quarantine and merged state.
    r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE units (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL
) STRICT;

CREATE TABLE villages (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    township_id TEXT NOT NULL REFERENCES units(id),
    population  INTEGER NOT NULL,
    standing    TEXT NOT NULL
) STRICT;
CREATE INDEX villages_township ON villages(township_id);

CREATE TABLE cadres (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    unit_id       TEXT NOT NULL REFERENCES units(id),
    role          TEXT NOT NULL,
    phone         TEXT NOT NULL,
    title         TEXT NOT NULL,
    villages      TEXT NOT NULL,           -- JSON array of village ids
    password_hash TEXT NOT NULL DEFAULT '',
    disabled      INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX cadres_unit ON cadres(unit_id);

CREATE TABLE devices (
    id           TEXT PRIMARY KEY,
    cadre_id     TEXT REFERENCES cadres(id), -- NULL for the server's own device
    name         TEXT NOT NULL,
    token_hash   TEXT UNIQUE,               -- NULL for the server's own device
    created_ms   INTEGER NOT NULL,
    last_seen_ms INTEGER,
    revoked_ms   INTEGER,
    high_water   INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX devices_cadre ON devices(cadre_id);

CREATE TABLE ops (
    server_seq   INTEGER PRIMARY KEY AUTOINCREMENT,
    op_id        TEXT NOT NULL UNIQUE,
    device_id    TEXT NOT NULL,
    device_seq   INTEGER NOT NULL,
    record_type  TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    household_id TEXT,                      -- the household it is about, for scope
    unit_id      TEXT,                      -- the unit it is addressed to, for scope
    body         TEXT NOT NULL,             -- the op as JSON
    received_ms  INTEGER NOT NULL
) STRICT;
CREATE INDEX ops_household ON ops(household_id, server_seq);
CREATE INDEX ops_record ON ops(record_type, record_id, server_seq);
CREATE INDEX ops_unit ON ops(unit_id, server_seq);
CREATE UNIQUE INDEX ops_device_seq ON ops(device_id, device_seq);

CREATE TABLE quarantine (
    id          INTEGER PRIMARY KEY,
    device_id   TEXT NOT NULL,
    device_seq  INTEGER NOT NULL,
    op_id       TEXT,
    raw         TEXT NOT NULL,
    error       TEXT NOT NULL,
    message     TEXT NOT NULL,
    received_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX quarantine_device ON quarantine(device_id, device_seq);

CREATE TABLE households (
    id         TEXT PRIMARY KEY,
    village_id TEXT,
    cadre_id   TEXT,
    head_name  TEXT NOT NULL,
    status     TEXT NOT NULL,
    deleted    INTEGER NOT NULL,
    state      TEXT NOT NULL                -- HouseholdState as JSON (values with stamps)
) STRICT;
CREATE INDEX households_cadre ON households(cadre_id);
CREATE INDEX households_village ON households(village_id);

CREATE TABLE visits (
    id           TEXT PRIMARY KEY,
    household_id TEXT NOT NULL,
    cadre_id     TEXT NOT NULL,
    visited_ms   INTEGER NOT NULL,
    mode         TEXT NOT NULL,
    body         TEXT NOT NULL              -- Visit as JSON
) STRICT;
CREATE INDEX visits_household ON visits(household_id, visited_ms);
CREATE INDEX visits_cadre ON visits(cadre_id, visited_ms);
CREATE INDEX visits_time ON visits(visited_ms);

CREATE TABLE concern_events (
    op_id      TEXT PRIMARY KEY,
    concern_id TEXT NOT NULL,
    event      TEXT NOT NULL                -- ConcernEvent as JSON
) STRICT;
CREATE INDEX concern_events_concern ON concern_events(concern_id);

CREATE TABLE concerns (
    id           TEXT PRIMARY KEY,
    household_id TEXT,
    category     TEXT,
    status       TEXT,
    raised_ms    INTEGER,
    deadline     TEXT,
    on_ledger    INTEGER NOT NULL,
    state        TEXT NOT NULL              -- ConcernState as JSON
) STRICT;
CREATE INDEX concerns_household ON concerns(household_id);
CREATE INDEX concerns_status ON concerns(status);
"#,
    // 2: the office pages: browser sessions and the evaluations' rewards and criticisms.
    r#"
CREATE TABLE office_sessions (
    id_hash    TEXT PRIMARY KEY,            -- SHA-256 of the cookie's random id
    cadre_id   TEXT NOT NULL REFERENCES cadres(id),
    csrf       TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    last_ms    INTEGER NOT NULL
) STRICT;
CREATE INDEX office_sessions_last ON office_sessions(last_ms);

CREATE TABLE evaluation_notes (
    id         TEXT PRIMARY KEY,
    period     TEXT NOT NULL,               -- e.g. 2026-Q4
    unit_id    TEXT NOT NULL REFERENCES units(id),
    cadre_id   TEXT REFERENCES cadres(id),
    kind       TEXT NOT NULL,               -- reward | criticism
    text       TEXT NOT NULL,
    author     TEXT NOT NULL REFERENCES cadres(id),
    created_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX evaluation_notes_period ON evaluation_notes(period, created_ms);
CREATE INDEX visits_mode_household ON visits(mode, household_id, visited_ms);
"#,
    // 3: the office's reasons for accepting assignment warnings.
    r#"
CREATE TABLE assignment_overrides (
    code       TEXT NOT NULL,               -- the rule, e.g. standing_mismatch
    subject    TEXT NOT NULL,               -- the cadre or unit it is about
    reason     TEXT NOT NULL,
    author     TEXT NOT NULL REFERENCES cadres(id),
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (code, subject)
) STRICT;
"#,
    // 4: administration: must-change passwords and the append-only audit log.
    r#"
ALTER TABLE cadres ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;

CREATE TABLE audit (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms       INTEGER NOT NULL,
    cadre_id    TEXT,                       -- the account, if known
    device_id   TEXT,                       -- the phone, or the server's device
    address     TEXT,                       -- the client's address, or the tool
    action      TEXT NOT NULL,              -- view | change
    record_type TEXT NOT NULL,              -- household, concern, pull …
    record_id   TEXT,
    count       INTEGER NOT NULL
) STRICT;
CREATE INDEX audit_cadre ON audit(cadre_id, at_ms);
CREATE INDEX audit_time ON audit(at_ms);
"#,
    // 5: the app version each phone last reported (its User-Agent's product token).
    r#"
ALTER TABLE devices ADD COLUMN app_version TEXT;
"#,
    // 6: counties (a city's server holds several); the columns the office pages filter and sort
    // on; each household's weeks with an in-person visit. Filled for existing data by
    // `store/derived.rs`.
    r#"
CREATE TABLE counties (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL
) STRICT;
ALTER TABLE units ADD COLUMN county_id TEXT REFERENCES counties(id);
CREATE INDEX units_county ON units(county_id);

ALTER TABLE households ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE households ADD COLUMN address_key TEXT NOT NULL DEFAULT '';

ALTER TABLE concerns ADD COLUMN raised_by TEXT;
ALTER TABLE concerns ADD COLUMN escalated_ms INTEGER;
ALTER TABLE concerns ADD COLUMN done_ms INTEGER;
ALTER TABLE concerns ADD COLUMN households_affected INTEGER;
ALTER TABLE concerns ADD COLUMN ledger_opened_ms INTEGER;
CREATE INDEX concerns_raised ON concerns(raised_ms);
CREATE INDEX concerns_escalated ON concerns(escalated_ms);
CREATE INDEX concerns_on_ledger ON concerns(on_ledger) WHERE on_ledger = 1;

CREATE TABLE household_weeks (
    household_id TEXT NOT NULL,
    week         INTEGER NOT NULL,          -- ISO week of China time, year * 100 + week
    cadre_id     TEXT NOT NULL,             -- who made the week's first in-person visit
    PRIMARY KEY (household_id, week)
) STRICT;
CREATE INDEX household_weeks_cadre ON household_weeks(cadre_id, week);
"#,
    // 7: each household's contacts per month, cadre and kind (the monthly report's counts);
    // household-weeks are read by household only.
    r#"
CREATE TABLE household_months (
    household_id TEXT NOT NULL,
    month        INTEGER NOT NULL,          -- month of China time, year * 100 + month
    cadre_id     TEXT NOT NULL,             -- who recorded the contacts
    weekly       INTEGER NOT NULL,          -- 1: the weekly (in-person) visit, 0: other contact
    contacts     INTEGER NOT NULL,
    PRIMARY KEY (household_id, month, cadre_id, weekly)
) STRICT;
DROP INDEX household_weeks_cadre;
"#,
    // 8: indexes for the office's reads: a county's concern counts read from an index, the
    // week's calls found by kind and time; the visits' unused time and cadre indexes dropped
    // (every read of visits goes by household, or by kind and time).
    r#"
CREATE INDEX concerns_counts ON concerns(household_id, status, deadline, on_ledger);
DROP INDEX concerns_household;
CREATE INDEX visits_mode_time ON visits(mode, visited_ms);
DROP INDEX visits_time;
DROP INDEX visits_cadre;
"#,
    // 9: 位置存疑 — a visit's fix far from its household's place, judged as it arrives
    // (`shared::place`), and the fixes a household's place is learned from; visits stored
    // before are not judged and teach nothing.
    r#"
ALTER TABLE visits ADD COLUMN place_doubt INTEGER NOT NULL DEFAULT 0;
-- The visit's good in-person fix, the household's place is learned from (NULL: none).
ALTER TABLE visits ADD COLUMN fix_lat REAL;
ALTER TABLE visits ADD COLUMN fix_lon REAL;
"#,
    // 10: photos (`shared::photo`), kept in the database beside the records they belong to
    // (one backup, one transaction, shared by every server on one PostgreSQL): the stored
    // photos with their thumbnails, uploads under way, and which visit or concern names which.
    r#"
CREATE TABLE photos (
    id          TEXT PRIMARY KEY,           -- SHA-256 of the JPEG, hex
    jpeg        BLOB NOT NULL,
    thumb       BLOB NOT NULL,              -- JPEG, longest edge THUMB_EDGE_PX
    received_ms INTEGER NOT NULL
) STRICT;
CREATE TABLE photo_uploads (
    id          TEXT PRIMARY KEY,
    length      INTEGER NOT NULL,           -- the whole photo's size, as the phone announced it
    received    BLOB NOT NULL,              -- the bytes so far
    updated_ms  INTEGER NOT NULL
) STRICT;
CREATE TABLE photo_refs (
    photo_id     TEXT NOT NULL,
    record_id    TEXT NOT NULL,             -- the visit or concern
    household_id TEXT NOT NULL,
    cadre_id     TEXT NOT NULL,             -- who took it (only they may upload it)
    PRIMARY KEY (photo_id, record_id)
) STRICT;
CREATE INDEX photo_refs_record ON photo_refs(record_id);
"#,
    // 11: the responsible unit 承办单位 a concern is assigned to (its desk 我的交办), and the
    // notifier's record 通知记录: one digest per unit, channel and day (never sent twice), with
    // its attempts.
    r#"
ALTER TABLE concerns ADD COLUMN assigned_unit TEXT;
CREATE INDEX concerns_assigned_unit ON concerns(assigned_unit) WHERE assigned_unit IS NOT NULL;
UPDATE concerns SET assigned_unit = json_extract(state, '$.decision.unit')
 WHERE json_extract(state, '$.decision.unit') IS NOT NULL;
CREATE TABLE notifications (
    day         TEXT NOT NULL,              -- the digest's China date
    unit_id     TEXT NOT NULL,
    channel     TEXT NOT NULL,              -- the configured channel's name
    items       TEXT NOT NULL,              -- the reminders' keys, as JSON
    body        TEXT NOT NULL,              -- the text sent
    status      TEXT NOT NULL,              -- pending | sent | failed
    attempts    INTEGER NOT NULL,
    last_error  TEXT,
    next_try_ms INTEGER,
    created_ms  INTEGER NOT NULL,
    sent_ms     INTEGER,
    PRIMARY KEY (day, unit_id, channel)
) STRICT;
CREATE INDEX notifications_pending ON notifications(next_try_ms) WHERE status = 'pending';
"#,
    // 12: a phone ordered erased (a lost one wiped, one handed over retired): the order, when it
    // was given, when the phone heard it, when it reported itself erased.
    r#"
ALTER TABLE devices ADD COLUMN erase TEXT;
ALTER TABLE devices ADD COLUMN erase_requested_ms INTEGER;
ALTER TABLE devices ADD COLUMN erase_delivered_ms INTEGER;
ALTER TABLE devices ADD COLUMN erased_ms INTEGER;
"#,
    // 13: `id`, the order ops arrived in, as PostgreSQL's `ops.id`: here the `server_seq` itself
    // (one writer numbers ops as they go in), so a statement may order the log by both.
    r#"
ALTER TABLE ops ADD COLUMN id INTEGER GENERATED ALWAYS AS (server_seq) VIRTUAL;
"#,
    // 14: the visits marked 位置存疑 by household and time: the evaluation counts a period's per
    // household, and a year's visits of a county are some 300,000 of which 2 % are doubted.
    r#"
CREATE INDEX visits_doubted ON visits(household_id, visited_ms) WHERE place_doubt;
"#,
    // 15: the log's unit index holds only the ops addressed to a unit (monthly reports, unit
    // profiles). Most ops have none, and each added an entry that no query reads (on PostgreSQL
    // twice: at insert, and again when numbered).
    r#"
DROP INDEX ops_unit;
CREATE INDEX ops_unit ON ops(unit_id, server_seq) WHERE unit_id IS NOT NULL;
"#,
];

/// Brings a database up to the latest migration.
pub(super) fn migrate(conn: &mut Connection) -> StoreResult<()> {
    let version: usize =
        conn.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))? as usize;
    if version > MIGRATIONS.len() {
        return Err(StoreError::Database(format!(
            "the database is at schema {version}, newer than this server ({})",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
        tracing::info!(version = i + 1, "applied SQLite migration");
    }
    Ok(())
}
