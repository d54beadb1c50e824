//! The phone's schema: `VERSION`, the current `SQL` for a new install, and `upgrade_from` for a
//! database made by an older app. A test checks that every upgraded old database equals a new
//! one.

use rusqlite::Connection;

/// The schema version this build writes.
pub const VERSION: i64 = 4;

/// The whole current schema, for a new install.
pub const SQL: &str = r#"
CREATE TABLE account (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    server_url    TEXT NOT NULL,
    token         TEXT NOT NULL,
    device_id     TEXT NOT NULL,
    cadre_id      TEXT NOT NULL,
    cadre         TEXT NOT NULL,            -- CadreBody as JSON
    last_seq      INTEGER NOT NULL DEFAULT 0,
    clock         TEXT NOT NULL,            -- HlcClock as JSON
    cursor        INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE sync_log (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    last_attempt_ms INTEGER,
    last_success_ms INTEGER,
    last_error      TEXT
) STRICT;

CREATE TABLE outbox (
    device_seq INTEGER PRIMARY KEY,
    op_id      TEXT NOT NULL UNIQUE,
    op         TEXT NOT NULL,               -- the Op as JSON
    acked      INTEGER NOT NULL DEFAULT 0,
    offset_ms  INTEGER NOT NULL DEFAULT 0   -- the clock offset the op was stamped with
) STRICT;
CREATE INDEX outbox_pending ON outbox(acked, device_seq);

CREATE TABLE units (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL
) STRICT;

CREATE TABLE villages (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    township_id TEXT NOT NULL,
    population  INTEGER NOT NULL,
    standing    TEXT NOT NULL
) STRICT;

CREATE TABLE households (
    id         TEXT PRIMARY KEY,
    village_id TEXT,
    head_name  TEXT NOT NULL,
    deleted    INTEGER NOT NULL,
    state      TEXT NOT NULL                -- HouseholdState as JSON
) STRICT;

CREATE TABLE visits (
    id           TEXT PRIMARY KEY,
    household_id TEXT NOT NULL,
    visited_ms   INTEGER NOT NULL,
    mode         TEXT NOT NULL,
    visit        TEXT NOT NULL              -- Visit as JSON
) STRICT;
CREATE INDEX visits_household ON visits(household_id, visited_ms);

CREATE TABLE amendments (
    id       TEXT PRIMARY KEY,
    visit_id TEXT NOT NULL,
    note     TEXT NOT NULL,
    body     TEXT                           -- AmendmentBody as JSON (version 3 on)
) STRICT;
CREATE INDEX amendments_visit ON amendments(visit_id);

CREATE TABLE concern_events (
    op_id      TEXT PRIMARY KEY,
    concern_id TEXT NOT NULL,
    event      TEXT NOT NULL                -- ConcernEvent as JSON
) STRICT;
CREATE INDEX concern_events_concern ON concern_events(concern_id);

CREATE TABLE concerns (
    id           TEXT PRIMARY KEY,
    household_id TEXT,
    raised_ms    INTEGER,
    state        TEXT NOT NULL              -- ConcernState as JSON
) STRICT;
CREATE INDEX concerns_household ON concerns(household_id);

CREATE TABLE rejections (
    op_id      TEXT PRIMARY KEY,
    device_seq INTEGER NOT NULL,
    error      TEXT NOT NULL,
    message    TEXT NOT NULL,
    at_ms      INTEGER NOT NULL,
    retimed_as TEXT                         -- the corrected copy sent instead, if any
) STRICT;

CREATE TABLE photos (
    id        TEXT PRIMARY KEY,             -- SHA-256 of the JPEG, hex
    record_id TEXT NOT NULL,                -- the visit or concern it was taken for
    thumb     BLOB NOT NULL,                -- what the screens show
    jpeg      BLOB,                         -- to send; NULL once the server has it or refused it
    taken_ms  INTEGER NOT NULL,
    refusal   TEXT                          -- the server's reason (a PhotoRefusal code)
) STRICT;
CREATE INDEX photos_record ON photos(record_id);
"#;

/// Version 1, as released; kept to test upgrades. Never edit.
#[cfg(test)]
pub const SQL_V1: &str = r#"
CREATE TABLE account (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    server_url    TEXT NOT NULL,
    token         TEXT NOT NULL,
    device_id     TEXT NOT NULL,
    cadre_id      TEXT NOT NULL,
    cadre         TEXT NOT NULL,            -- CadreBody as JSON
    last_seq      INTEGER NOT NULL DEFAULT 0,
    clock         TEXT NOT NULL,            -- HlcClock as JSON
    cursor        INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE sync_log (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    last_attempt_ms INTEGER,
    last_success_ms INTEGER,
    last_error      TEXT
) STRICT;

CREATE TABLE outbox (
    device_seq INTEGER PRIMARY KEY,
    op_id      TEXT NOT NULL UNIQUE,
    op         TEXT NOT NULL,               -- the Op as JSON
    acked      INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX outbox_pending ON outbox(acked, device_seq);

CREATE TABLE units (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL
) STRICT;

CREATE TABLE villages (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    township_id TEXT NOT NULL,
    population  INTEGER NOT NULL,
    standing    TEXT NOT NULL
) STRICT;

CREATE TABLE households (
    id         TEXT PRIMARY KEY,
    village_id TEXT,
    head_name  TEXT NOT NULL,
    deleted    INTEGER NOT NULL,
    state      TEXT NOT NULL                -- HouseholdState as JSON
) STRICT;

CREATE TABLE visits (
    id           TEXT PRIMARY KEY,
    household_id TEXT NOT NULL,
    visited_ms   INTEGER NOT NULL,
    mode         TEXT NOT NULL,
    visit        TEXT NOT NULL              -- Visit as JSON
) STRICT;
CREATE INDEX visits_household ON visits(household_id, visited_ms);

CREATE TABLE amendments (
    id       TEXT PRIMARY KEY,
    visit_id TEXT NOT NULL,
    note     TEXT NOT NULL
) STRICT;

CREATE TABLE concern_events (
    op_id      TEXT PRIMARY KEY,
    concern_id TEXT NOT NULL,
    event      TEXT NOT NULL                -- ConcernEvent as JSON
) STRICT;
CREATE INDEX concern_events_concern ON concern_events(concern_id);

CREATE TABLE concerns (
    id           TEXT PRIMARY KEY,
    household_id TEXT,
    raised_ms    INTEGER,
    state        TEXT NOT NULL              -- ConcernState as JSON
) STRICT;
CREATE INDEX concerns_household ON concerns(household_id);
"#;

/// Version 2, as released (version 1 and the rejections table); kept to test upgrades.
#[cfg(test)]
pub const SQL_V2: &str = r#"
CREATE TABLE rejections (
    op_id      TEXT PRIMARY KEY,
    device_seq INTEGER NOT NULL,
    error      TEXT NOT NULL,
    message    TEXT NOT NULL,
    at_ms      INTEGER NOT NULL
) STRICT;
"#;

/// Version 3, as released (version 2 and the clock offsets, corrected copies, amendment
/// bodies); kept to test upgrades.
#[cfg(test)]
pub const SQL_V3: &str = r#"
ALTER TABLE outbox ADD COLUMN offset_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rejections ADD COLUMN retimed_as TEXT;
ALTER TABLE amendments ADD COLUMN body TEXT;
CREATE INDEX amendments_visit ON amendments(visit_id);
"#;

/// Brings a database made by schema `version` up to [`VERSION`].
pub fn upgrade_from(conn: &Connection, version: i64) -> rusqlite::Result<()> {
    if version < 2 {
        // 2: ops the server refused, kept on the phone with the server's reason.
        conn.execute_batch(
            "CREATE TABLE rejections (
                op_id      TEXT PRIMARY KEY,
                device_seq INTEGER NOT NULL,
                error      TEXT NOT NULL,
                message    TEXT NOT NULL,
                at_ms      INTEGER NOT NULL
            ) STRICT;",
        )?;
    }
    if version < 3 {
        // 3: the clock offset each op was stamped with, to correct the stamps of a phone whose
        // clock ran fast (ops made before it are taken as stamped with no offset); the refusal
        // a corrected copy replaced; an amendment's whole body (corrections and voiding).
        conn.execute_batch(
            "ALTER TABLE outbox ADD COLUMN offset_ms INTEGER NOT NULL DEFAULT 0;
             ALTER TABLE rejections ADD COLUMN retimed_as TEXT;
             ALTER TABLE amendments ADD COLUMN body TEXT;
             CREATE INDEX amendments_visit ON amendments(visit_id);",
        )?;
    }
    if version < 4 {
        // 4: photos on visits and concerns, kept until the server has them.
        conn.execute_batch(
            "CREATE TABLE photos (
                id        TEXT PRIMARY KEY,
                record_id TEXT NOT NULL,
                thumb     BLOB NOT NULL,
                jpeg      BLOB,
                taken_ms  INTEGER NOT NULL,
                refusal   TEXT
            ) STRICT;
            CREATE INDEX photos_record ON photos(record_id);",
        )?;
    }
    Ok(())
}

/// Creates or upgrades the schema of `conn`; the version it was at (0: a new database).
pub fn init(conn: &mut Connection) -> rusqlite::Result<i64> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version == VERSION {
        return Ok(version);
    }
    let tx = conn.transaction()?;
    if version == 0 {
        tx.execute_batch(SQL)?;
    } else {
        upgrade_from(&tx, version)?;
    }
    tx.pragma_update(None, "user_version", VERSION)?;
    tx.commit()?;
    Ok(version)
}

/// Whether a database at `version` holds concerns folded before their stored state kept each
/// step's op (version 4 on), which voiding a step needs: they are folded again at open.
pub fn needs_refold(version: i64) -> bool {
    (1..4).contains(&version)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every table, index and column, as SQLite describes them, comparable across databases.
    fn describe(conn: &Connection) -> Vec<String> {
        let mut out = Vec::new();
        let mut stmt = conn
            .prepare("SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
            .unwrap();
        let objects: Vec<(String, String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for (kind, name, table) in objects {
            out.push(format!("{kind} {name} on {table}"));
            if kind == "table" {
                let mut cols = conn.prepare(&format!("PRAGMA table_xinfo({name})")).unwrap();
                let described: Vec<String> = cols
                    .query_map([], |r| {
                        Ok(format!(
                            "  {} {} notnull={} default={:?} pk={}",
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, i64>(3)?,
                            r.get::<_, Option<String>>(4)?,
                            r.get::<_, i64>(5)?
                        ))
                    })
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                out.extend(described);
            }
        }
        out
    }

    #[test]
    fn every_older_database_upgrades_to_equal_a_new_one() {
        let mut fresh = Connection::open_in_memory().unwrap();
        init(&mut fresh).unwrap();
        let expected = describe(&fresh);
        let v2 = format!("{SQL_V1}{SQL_V2}");
        let v3 = format!("{v2}{SQL_V3}");
        let older: &[(i64, &str)] = &[(1, SQL_V1), (2, &v2), (3, &v3)];
        assert_eq!(older.len() as i64, VERSION - 1, "keep a frozen copy of every released schema");
        for (version, sql) in older {
            let mut old = Connection::open_in_memory().unwrap();
            old.execute_batch(sql).unwrap();
            old.pragma_update(None, "user_version", version).unwrap();
            init(&mut old).unwrap();
            assert_eq!(describe(&old), expected, "upgrade from version {version}");
            let v: i64 = old.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
            assert_eq!(v, VERSION);
        }
    }

    #[test]
    fn opening_twice_changes_nothing() {
        let mut conn = Connection::open_in_memory().unwrap();
        init(&mut conn).unwrap();
        let before = describe(&conn);
        init(&mut conn).unwrap();
        assert_eq!(describe(&conn), before);
    }
}
