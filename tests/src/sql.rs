//! Which database a story runs on, and plain SQL against it for the story's checks. With
//! `MINQING_TEST_POSTGRES=postgres://…` set, every story gets a fresh PostgreSQL database of its
//! own; otherwise a fresh SQLite file. Checks use `$1`-style parameters, which both accept.

use std::path::Path;

/// Runs `f` on a thread of its own: the blocking PostgreSQL client must not run on an async
/// runtime's thread, and tests call it from async code.
pub fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| s.spawn(f).join().expect("database thread"))
}

/// The PostgreSQL server to test on, if any.
pub fn postgres_url() -> Option<String> {
    std::env::var("MINQING_TEST_POSTGRES").ok().filter(|u| !u.trim().is_empty())
}

/// A fresh, empty database for one story: a new PostgreSQL database when testing on
/// PostgreSQL, else a SQLite file in `dir`.
pub fn fresh_database(dir: &Path) -> String {
    match postgres_url() {
        Some(admin) => off_runtime(|| {
            let name = format!("minqing_t_{}", uuid::Uuid::now_v7().simple());
            let mut client =
                postgres::Client::connect(&admin, postgres::NoTls).unwrap_or_else(|e| {
                    panic!("connect to PostgreSQL at MINQING_TEST_POSTGRES={admin:?}: {e}")
                });
            drop_stale_databases(&mut client);
            // UTF-8 and the C collation whatever the cluster's defaults, as docs/DEPLOY.md asks
            // of a production database.
            client
                .batch_execute(&format!(
                    "CREATE DATABASE {name} ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' \
                     TEMPLATE template0"
                ))
                .expect("create a test database");
            with_dbname(&admin, &name)
        }),
        None => format!("sqlite://{}", dir.join("minqing.db").display()),
    }
}

/// Drops the test databases of earlier runs: a story's database is named after a UUIDv7, whose
/// timestamp says when it was made; those over two hours old belong to finished runs (a database
/// still in use refuses the drop, which is ignored). Without this they pile up and slow the
/// cluster.
fn drop_stale_databases(client: &mut postgres::Client) {
    let Ok(rows) =
        client.query("SELECT datname FROM pg_database WHERE datname LIKE 'minqing\\_t\\_%'", &[])
    else {
        return;
    };
    // The real time (not the stories' shifted clock): UUIDv7 stamps are real times.
    let now_ms = minqing_shared::clock::Clock::now_ms(&minqing_shared::clock::SystemClock);
    for row in rows {
        let name: String = row.get(0);
        let Some(made_ms) = name
            .strip_prefix("minqing_t_")
            .and_then(|id| uuid::Uuid::parse_str(id).ok())
            .and_then(|id| id.get_timestamp())
            .map(|t| t.to_unix().0 as i64 * 1000)
        else {
            continue;
        };
        if now_ms - made_ms > 2 * 3600 * 1000 {
            let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"));
        }
    }
}

/// `url` with its database name replaced.
fn with_dbname(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let base = match base[after_scheme..].find('/') {
        Some(i) => &base[..after_scheme + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// A plain SQL connection to a story's database.
pub enum Sql {
    /// SQLite.
    Sqlite(rusqlite::Connection),
    /// PostgreSQL: its URL; each query connects on a thread of its own (the blocking client may
    /// neither run nor be dropped on an async runtime's thread).
    Postgres(String),
}

impl std::fmt::Debug for Sql {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Sql::Sqlite(_) => "Sql::Sqlite",
            Sql::Postgres(_) => "Sql::Postgres",
        })
    }
}

impl Sql {
    /// Connects to the database at `url`.
    pub fn open(url: &str) -> Self {
        if let Some(path) = url.strip_prefix("sqlite://") {
            Sql::Sqlite(rusqlite::Connection::open(path).expect("open SQLite"))
        } else {
            Sql::Postgres(url.to_owned())
        }
    }

    /// The first column of every row, as text (NULL as empty).
    pub fn column(&mut self, sql: &str, params: &[&str]) -> Vec<String> {
        self.rows(sql, params).into_iter().map(|mut r| r.swap_remove(0)).collect()
    }

    /// A single integer (e.g. a COUNT).
    pub fn count(&mut self, sql: &str, params: &[&str]) -> i64 {
        self.column(&format!("SELECT CAST(({sql}) AS TEXT)"), params)[0]
            .parse()
            .expect("an integer")
    }

    /// Every row, each column as text (NULL as empty). Cast non-text columns in the SQL.
    pub fn rows(&mut self, sql: &str, params: &[&str]) -> Vec<Vec<String>> {
        match self {
            Sql::Sqlite(conn) => {
                let mut stmt = conn.prepare(sql).expect("prepare");
                let n = stmt.column_count();
                stmt.query_map(rusqlite::params_from_iter(params.iter()), |r| {
                    (0..n)
                        .map(|i| {
                            Ok(match r.get_ref(i)? {
                                rusqlite::types::ValueRef::Null => String::new(),
                                rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                                rusqlite::types::ValueRef::Real(v) => v.to_string(),
                                rusqlite::types::ValueRef::Text(t) => {
                                    String::from_utf8_lossy(t).into_owned()
                                }
                                rusqlite::types::ValueRef::Blob(b) => {
                                    String::from_utf8_lossy(b).into_owned()
                                }
                            })
                        })
                        .collect::<rusqlite::Result<Vec<String>>>()
                })
                .expect("query")
                .map(|r| r.expect("row"))
                .collect()
            }
            Sql::Postgres(url) => off_runtime(|| {
                let mut client = postgres::Client::connect(url, postgres::NoTls).expect("connect");
                let params: Vec<&(dyn postgres::types::ToSql + Sync)> =
                    params.iter().map(|p| p as &(dyn postgres::types::ToSql + Sync)).collect();
                client
                    .query(sql, &params)
                    .expect("query")
                    .iter()
                    .map(|row| {
                        (0..row.len())
                            .map(|i| row.get::<_, Option<String>>(i).unwrap_or_default())
                            .collect()
                    })
                    .collect()
            }),
        }
    }
}
