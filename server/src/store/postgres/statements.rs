//! A pooled PostgreSQL connection that keeps its prepared statements, and the conversions
//! between PostgreSQL's types and [`Value`]s. The blocking client's
//! `query(&str, …)` prepares the statement on every call — a round trip of its own before the one
//! that runs it — so each connection keeps the statements it prepared, by their SQL, and
//! [`CachedTx`] offers the client's query methods over them. Prepared statements belong to the
//! session, not the transaction, so they outlive rollbacks.

use std::collections::HashMap;

use bytes::BytesMut;
use postgres::error::SqlState;
use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, Error, NoTls, Row, Statement, Transaction};
use r2d2_postgres::PostgresConnectionManager;

use crate::store::sql::{self, Value};
use crate::store::{StoreError, StoreResult};

/// At most this many statements are kept per connection (the SQL of a few office filters is
/// built at run time); past it, the cache starts again.
const MAX_STATEMENTS: usize = 512;

/// A connection and its prepared statements.
pub struct PgConn {
    client: Client,
    statements: HashMap<String, Statement>,
}

impl std::fmt::Debug for PgConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgConn").field("statements", &self.statements.len()).finish()
    }
}

impl PgConn {
    /// Starts a read-write transaction (READ COMMITTED).
    pub fn write(&mut self) -> Result<CachedTx<'_>, Error> {
        Ok(CachedTx { tx: self.client.transaction()?, statements: &mut self.statements })
    }

    /// Runs statements without parameters in one round trip, outside any transaction of ours
    /// (a string with its own `BEGIN … COMMIT`).
    pub fn batch_execute(&mut self, sql: &str) -> Result<(), Error> {
        self.client.batch_execute(sql)
    }

    /// Starts a read-only, repeatable-read transaction: one snapshot for the whole read.
    pub fn read(&mut self) -> Result<CachedTx<'_>, Error> {
        let tx = self
            .client
            .build_transaction()
            .read_only(true)
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .start()?;
        Ok(CachedTx { tx, statements: &mut self.statements })
    }
}

/// r2d2's manager for [`PgConn`]: `r2d2_postgres`'s, with the statements beside the client.
#[derive(Debug)]
pub struct PgManager(pub PostgresConnectionManager<NoTls>);

impl r2d2::ManageConnection for PgManager {
    type Connection = PgConn;
    type Error = Error;

    fn connect(&self) -> Result<PgConn, Error> {
        Ok(PgConn { client: self.0.connect()?, statements: HashMap::new() })
    }

    fn is_valid(&self, conn: &mut PgConn) -> Result<(), Error> {
        self.0.is_valid(&mut conn.client)
    }

    fn has_broken(&self, conn: &mut PgConn) -> bool {
        self.0.has_broken(&mut conn.client)
    }
}

/// A transaction whose queries run the connection's prepared statements.
pub struct CachedTx<'a> {
    tx: Transaction<'a>,
    statements: &'a mut HashMap<String, Statement>,
}

type Params<'p> = &'p [&'p (dyn ToSql + Sync)];

impl CachedTx<'_> {
    fn statement(&mut self, sql: &str) -> Result<Statement, Error> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.tx.prepare(sql)?;
        if self.statements.len() >= MAX_STATEMENTS {
            self.statements.clear();
        }
        self.statements.insert(sql.to_owned(), s.clone());
        Ok(s)
    }

    /// Forgets `sql`'s statement when PostgreSQL says it no longer fits the schema (a column's
    /// type changed under a running server) or no longer exists: this transaction fails, the
    /// next one prepares it afresh.
    fn checked<T>(&mut self, sql: &str, result: Result<T, Error>) -> Result<T, Error> {
        if let Err(e) = &result {
            let stale = [SqlState::FEATURE_NOT_SUPPORTED, SqlState::INVALID_SQL_STATEMENT_NAME];
            if e.code().is_some_and(|c| stale.contains(c)) {
                self.statements.remove(sql);
            }
        }
        result
    }

    /// The types PostgreSQL gives `sql`'s parameters (prepared once, like every statement).
    pub fn parameter_types(&mut self, sql: &str) -> Result<Vec<Type>, Error> {
        Ok(self.statement(sql)?.params().to_vec())
    }

    /// Every row of `sql`.
    pub fn query(&mut self, sql: &str, params: Params<'_>) -> Result<Vec<Row>, Error> {
        let s = self.statement(sql)?;
        let result = self.tx.query(&s, params);
        self.checked(sql, result)
    }

    /// Runs `sql`; the number of rows it changed.
    pub fn execute(&mut self, sql: &str, params: Params<'_>) -> Result<u64, Error> {
        let s = self.statement(sql)?;
        let result = self.tx.execute(&s, params);
        self.checked(sql, result)
    }

    /// Runs statements without parameters, in one round trip (not prepared).
    pub fn batch_execute(&mut self, sql: &str) -> Result<(), Error> {
        self.tx.batch_execute(sql)
    }

    /// Commits.
    pub fn commit(self) -> Result<(), Error> {
        self.tx.commit()
    }
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Text(s) => s.to_sql(ty, out),
            Value::Bool(b) => b.to_sql(ty, out),
            Value::Real(f) => f.to_sql(ty, out),
            Value::Bytes(b) => b.to_sql(ty, out),
            Value::Int(n) => match *ty {
                Type::INT2 => i16::try_from(*n)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(*n)?.to_sql(ty, out),
                Type::FLOAT8 => (*n as f64).to_sql(ty, out),
                Type::BOOL => (*n != 0).to_sql(ty, out),
                _ => n.to_sql(ty, out),
            },
        }
    }

    fn accepts(_ty: &Type) -> bool {
        // The statement decides the type; `to_sql` converts to it or fails with the reason.
        true
    }

    to_sql_checked!();
}

/// A row of PostgreSQL's, as [`Value`]s by each column's type.
pub fn row(r: &Row) -> StoreResult<sql::Row> {
    let mut values = Vec::with_capacity(r.len());
    for (i, column) in r.columns().iter().enumerate() {
        let v = match *column.type_() {
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => {
                r.try_get::<_, Option<String>>(i)?.map_or(Value::Null, Value::Text)
            }
            Type::INT8 => r.try_get::<_, Option<i64>>(i)?.map_or(Value::Null, Value::Int),
            Type::INT4 => {
                r.try_get::<_, Option<i32>>(i)?.map_or(Value::Null, |n| Value::Int(n.into()))
            }
            Type::INT2 => {
                r.try_get::<_, Option<i16>>(i)?.map_or(Value::Null, |n| Value::Int(n.into()))
            }
            Type::BOOL => r.try_get::<_, Option<bool>>(i)?.map_or(Value::Null, Value::Bool),
            Type::FLOAT8 => r.try_get::<_, Option<f64>>(i)?.map_or(Value::Null, Value::Real),
            Type::BYTEA => r.try_get::<_, Option<Vec<u8>>>(i)?.map_or(Value::Null, Value::Bytes),
            ref other => {
                return Err(StoreError::Corrupt(format!(
                    "column {} has type {other}: cast it in the statement",
                    column.name()
                )));
            }
        };
        values.push(v);
    }
    Ok(sql::Row(values))
}
