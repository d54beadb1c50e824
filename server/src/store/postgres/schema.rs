//! PostgreSQL migrations: numbered, applied in order under an advisory lock (several server
//! processes may start at once), never edited once released.

use super::statements::PgConn;
use crate::store::{StoreError, StoreResult};

/// Each migration, in order; migration `i` is recorded as version `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: accounts, devices, the op log, quarantine and merged state (as SQLite's migration 1).
    r#"
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE units (id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL);

CREATE TABLE villages (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    township_id TEXT NOT NULL REFERENCES units(id),
    population  BIGINT NOT NULL,
    standing    TEXT NOT NULL
);
CREATE INDEX villages_township ON villages(township_id);

CREATE TABLE cadres (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    unit_id       TEXT NOT NULL REFERENCES units(id),
    role          TEXT NOT NULL,
    phone         TEXT NOT NULL,
    title         TEXT NOT NULL,
    villages      TEXT NOT NULL,
    password_hash TEXT NOT NULL DEFAULT '',
    disabled      BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX cadres_unit ON cadres(unit_id);

CREATE TABLE devices (
    id           TEXT PRIMARY KEY,
    cadre_id     TEXT REFERENCES cadres(id),
    name         TEXT NOT NULL,
    token_hash   TEXT UNIQUE,
    created_ms   BIGINT NOT NULL,
    last_seen_ms BIGINT,
    revoked_ms   BIGINT,
    high_water   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX devices_cadre ON devices(cadre_id);

CREATE TABLE ops (
    server_seq   BIGINT PRIMARY KEY,
    op_id        TEXT NOT NULL UNIQUE,
    device_id    TEXT NOT NULL,
    device_seq   BIGINT NOT NULL,
    record_type  TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    household_id TEXT,
    unit_id      TEXT,
    body         TEXT NOT NULL,
    received_ms  BIGINT NOT NULL
);
CREATE INDEX ops_household ON ops(household_id, server_seq);
CREATE INDEX ops_record ON ops(record_type, record_id, server_seq);
CREATE INDEX ops_unit ON ops(unit_id, server_seq);
CREATE UNIQUE INDEX ops_device_seq ON ops(device_id, device_seq);

CREATE TABLE quarantine (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    device_id   TEXT NOT NULL,
    device_seq  BIGINT NOT NULL,
    op_id       TEXT,
    raw         TEXT NOT NULL,
    error       TEXT NOT NULL,
    message     TEXT NOT NULL,
    received_ms BIGINT NOT NULL
);
CREATE INDEX quarantine_device ON quarantine(device_id, device_seq);

CREATE TABLE households (
    id         TEXT PRIMARY KEY,
    village_id TEXT,
    cadre_id   TEXT,
    head_name  TEXT NOT NULL,
    status     TEXT NOT NULL,
    deleted    BOOLEAN NOT NULL,
    state      TEXT NOT NULL
);
CREATE INDEX households_cadre ON households(cadre_id);
CREATE INDEX households_village ON households(village_id);

CREATE TABLE visits (
    id           TEXT PRIMARY KEY,
    household_id TEXT NOT NULL,
    cadre_id     TEXT NOT NULL,
    visited_ms   BIGINT NOT NULL,
    mode         TEXT NOT NULL,
    body         TEXT NOT NULL
);
CREATE INDEX visits_household ON visits(household_id, visited_ms);
CREATE INDEX visits_cadre ON visits(cadre_id, visited_ms);
CREATE INDEX visits_time ON visits(visited_ms);

CREATE TABLE concern_events (
    op_id      TEXT PRIMARY KEY,
    concern_id TEXT NOT NULL,
    event      TEXT NOT NULL
);
CREATE INDEX concern_events_concern ON concern_events(concern_id);

CREATE TABLE concerns (
    id           TEXT PRIMARY KEY,
    household_id TEXT,
    category     TEXT,
    status       TEXT,
    raised_ms    BIGINT,
    deadline     TEXT,
    on_ledger    BOOLEAN NOT NULL,
    state        TEXT NOT NULL
);
CREATE INDEX concerns_household ON concerns(household_id);
CREATE INDEX concerns_status ON concerns(status);
"#,
    // 2: the office pages: browser sessions and the evaluations' rewards and criticisms.
    r#"
CREATE TABLE office_sessions (
    id_hash    TEXT PRIMARY KEY,
    cadre_id   TEXT NOT NULL REFERENCES cadres(id),
    csrf       TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    last_ms    BIGINT NOT NULL
);
CREATE INDEX office_sessions_last ON office_sessions(last_ms);

CREATE TABLE evaluation_notes (
    id         TEXT PRIMARY KEY,
    period     TEXT NOT NULL,
    unit_id    TEXT NOT NULL REFERENCES units(id),
    cadre_id   TEXT REFERENCES cadres(id),
    kind       TEXT NOT NULL,
    text       TEXT NOT NULL,
    author     TEXT NOT NULL REFERENCES cadres(id),
    created_ms BIGINT NOT NULL
);
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
    created_ms BIGINT NOT NULL,
    PRIMARY KEY (code, subject)
);
"#,
    // 4: administration: must-change passwords and the append-only audit log.
    r#"
ALTER TABLE cadres ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE audit (
    id          BIGSERIAL PRIMARY KEY,
    at_ms       BIGINT NOT NULL,
    cadre_id    TEXT,
    device_id   TEXT,
    address     TEXT,
    action      TEXT NOT NULL,
    record_type TEXT NOT NULL,
    record_id   TEXT,
    count       BIGINT NOT NULL
);
CREATE INDEX audit_cadre ON audit(cadre_id, at_ms);
CREATE INDEX audit_time ON audit(at_ms);
"#,
    // 5: the app version each phone last reported (its User-Agent's product token).
    r#"
ALTER TABLE devices ADD COLUMN app_version TEXT;
"#,
    // 6: ops are appended without a `server_seq` and numbered by `numbering.rs`;
    // `id` keeps their arrival order for the numbering.
    r#"
ALTER TABLE ops DROP CONSTRAINT ops_pkey;
ALTER TABLE ops ALTER COLUMN server_seq DROP NOT NULL;
ALTER TABLE ops ADD COLUMN id BIGSERIAL PRIMARY KEY;
CREATE UNIQUE INDEX ops_server_seq ON ops(server_seq);
CREATE INDEX ops_unnumbered ON ops(id) WHERE server_seq IS NULL;
"#,
    // 7: counties (a city's server holds several); the columns the office pages filter and sort
    // on; each household's weeks with an in-person visit (as SQLite's migration 6). Filled for
    // existing data by `store/derived.rs`.
    r#"
CREATE TABLE counties (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL
);
ALTER TABLE units ADD COLUMN county_id TEXT REFERENCES counties(id);
CREATE INDEX units_county ON units(county_id);

ALTER TABLE households ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE households ADD COLUMN address_key TEXT NOT NULL DEFAULT '';

ALTER TABLE concerns ADD COLUMN raised_by TEXT;
ALTER TABLE concerns ADD COLUMN escalated_ms BIGINT;
ALTER TABLE concerns ADD COLUMN done_ms BIGINT;
ALTER TABLE concerns ADD COLUMN households_affected BIGINT;
ALTER TABLE concerns ADD COLUMN ledger_opened_ms BIGINT;
CREATE INDEX concerns_raised ON concerns(raised_ms);
CREATE INDEX concerns_escalated ON concerns(escalated_ms);
CREATE INDEX concerns_on_ledger ON concerns(on_ledger) WHERE on_ledger;

CREATE TABLE household_weeks (
    household_id TEXT NOT NULL,
    week         BIGINT NOT NULL,
    cadre_id     TEXT NOT NULL,
    PRIMARY KEY (household_id, week)
);
CREATE INDEX household_weeks_cadre ON household_weeks(cadre_id, week);
"#,
    // 8: each household's contacts per month, cadre and kind (the monthly report's counts);
    // household-weeks are read by household only.
    r#"
CREATE TABLE household_months (
    household_id TEXT NOT NULL,
    month        BIGINT NOT NULL,
    cadre_id     TEXT NOT NULL,
    weekly       BOOLEAN NOT NULL,
    contacts     BIGINT NOT NULL,
    PRIMARY KEY (household_id, month, cadre_id, weekly)
);
DROP INDEX household_weeks_cadre;
"#,
    // 9: indexes for the office's reads: a county's concern counts read from an index, the
    // week's calls found by kind and time; the visits' unused time and cadre indexes dropped
    // (every read of visits goes by household, or by kind and time).
    r#"
CREATE INDEX concerns_counts ON concerns(household_id, status, deadline, on_ledger);
DROP INDEX concerns_household;
CREATE INDEX visits_mode_time ON visits(mode, visited_ms);
DROP INDEX visits_time;
DROP INDEX visits_cadre;
"#,
    // 10: 位置存疑 — a visit's fix far from its household's place, judged as it arrives
    // (`shared::place`), and the fixes a household's place is learned from; visits stored
    // before are not judged and teach nothing.
    r#"
ALTER TABLE visits ADD COLUMN place_doubt BOOLEAN NOT NULL DEFAULT FALSE;
-- The visit's good in-person fix, the household's place is learned from (NULL: none).
ALTER TABLE visits ADD COLUMN fix_lat DOUBLE PRECISION;
ALTER TABLE visits ADD COLUMN fix_lon DOUBLE PRECISION;
"#,
    // 11: photos (`shared::photo`), as SQLite's migration 10: the stored photos with their
    // thumbnails, uploads under way, and which visit or concern names which.
    r#"
CREATE TABLE photos (
    id          TEXT PRIMARY KEY,           -- SHA-256 of the JPEG, hex
    jpeg        BYTEA NOT NULL,
    thumb       BYTEA NOT NULL,              -- JPEG, longest edge THUMB_EDGE_PX
    received_ms BIGINT NOT NULL
);
CREATE TABLE photo_uploads (
    id          TEXT PRIMARY KEY,
    length      BIGINT NOT NULL,           -- the whole photo's size, as the phone announced it
    received    BYTEA NOT NULL,              -- the bytes so far
    updated_ms  BIGINT NOT NULL
);
CREATE TABLE photo_refs (
    photo_id     TEXT NOT NULL,
    record_id    TEXT NOT NULL,             -- the visit or concern
    household_id TEXT NOT NULL,
    cadre_id     TEXT NOT NULL,             -- who took it (only they may upload it)
    PRIMARY KEY (photo_id, record_id)
);
CREATE INDEX photo_refs_record ON photo_refs(record_id);
"#,
    // 12: as SQLite's migration 11: the responsible unit a concern is assigned to, and the
    // notifier's record.
    r#"
ALTER TABLE concerns ADD COLUMN assigned_unit TEXT;
CREATE INDEX concerns_assigned_unit ON concerns(assigned_unit) WHERE assigned_unit IS NOT NULL;
UPDATE concerns SET assigned_unit = (state::jsonb -> 'decision' ->> 'unit')
 WHERE (state::jsonb -> 'decision' ->> 'unit') IS NOT NULL;
CREATE TABLE notifications (
    day         TEXT NOT NULL,
    unit_id     TEXT NOT NULL,
    channel     TEXT NOT NULL,
    items       TEXT NOT NULL,
    body        TEXT NOT NULL,
    status      TEXT NOT NULL,
    attempts    INTEGER NOT NULL,
    last_error  TEXT,
    next_try_ms BIGINT,
    created_ms  BIGINT NOT NULL,
    sent_ms     BIGINT,
    PRIMARY KEY (day, unit_id, channel)
);
CREATE INDEX notifications_pending ON notifications(next_try_ms) WHERE status = 'pending';
"#,
    // 13: as SQLite's migration 12: a phone ordered erased.
    r#"
ALTER TABLE devices ADD COLUMN erase TEXT;
ALTER TABLE devices ADD COLUMN erase_requested_ms BIGINT;
ALTER TABLE devices ADD COLUMN erase_delivered_ms BIGINT;
ALTER TABLE devices ADD COLUMN erased_ms BIGINT;
"#,
    // 14: as SQLite's migration 14: the visits marked 位置存疑 by household and time.
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

/// Brings the schema up to date, one process at a time (under `lock`).
pub(super) fn migrate(conn: &mut PgConn, lock: i64) -> StoreResult<()> {
    let mut tx = conn.write()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&lock])?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY)")?;
    let done: i64 = tx
        .query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &[])?
        .first()
        .map_or(0, |r| r.get(0));
    if done as usize > MIGRATIONS.len() {
        return Err(StoreError::Database(format!(
            "the database is at schema {done}, newer than this server"
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(done as usize) {
        tx.batch_execute(sql)?;
        tx.execute("INSERT INTO schema_migrations (version) VALUES ($1)", &[&(i as i64 + 1)])?;
        tracing::info!(version = i + 1, "applied PostgreSQL migration");
    }
    tx.commit()?;
    Ok(())
}
