//! The thin adapter every statement is written against, once for both backends.
//!
//! A statement is plain SQL that SQLite and PostgreSQL both accept, with `$N` placeholders
//! (SQLite reads them as named parameters; the SQLite adapter binds each by its number, so a
//! statement may use `$2` before `$1`, or `$1` twice). Parameters are [`Value`]s and rows come
//! back as owned [`Row`]s of values, decoded in one place per record (see `decode.rs`). What
//! truly differs between the backends is behind [`Conn`]: row locks, how ops are numbered, the
//! pull-scope query, and exclusive sections.

use minqing_shared::sync::Change;

use super::{Scope, Section, StoreError, StoreResult};

/// One parameter or column value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// An integer (SQLite INTEGER, PostgreSQL BIGINT or INTEGER).
    Int(i64),
    /// A real number.
    Real(f64),
    /// Text.
    Text(String),
    /// A boolean (SQLite stores 0 or 1).
    Bool(bool),
    /// Bytes (SQLite BLOB, PostgreSQL BYTEA): photos.
    Bytes(Vec<u8>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<u32> for Value {
    fn from(v: u32) -> Self {
        Value::Int(i64::from(v))
    }
}

impl From<u64> for Value {
    /// Sequence numbers and counts; none comes near `i64::MAX` (cursors are checked at the edge).
    fn from(v: u64) -> Self {
        Value::Int(i64::try_from(v).unwrap_or(i64::MAX))
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Real(v)
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}

impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Value::Bytes(v)
    }
}

impl From<&minqing_shared::photo::PhotoId> for Value {
    fn from(v: &minqing_shared::photo::PhotoId) -> Self {
        Value::Text(v.as_str().to_owned())
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

macro_rules! id_values {
    ($($id:ty),*) => {$(
        impl From<$id> for Value {
            fn from(v: $id) -> Self {
                Value::Text(v.to_string())
            }
        }
    )*};
}
id_values!(
    minqing_shared::ids::CadreId,
    minqing_shared::ids::ConcernId,
    minqing_shared::ids::CountyId,
    minqing_shared::ids::DeviceId,
    minqing_shared::ids::HouseholdId,
    minqing_shared::ids::OpId,
    minqing_shared::ids::UnitId,
    minqing_shared::ids::VillageId,
    minqing_shared::ids::VisitId,
    uuid::Uuid
);

/// The parameters of a statement: `args![a, b, c]` is `[Value::from(a), …]`.
macro_rules! args {
    ($($v:expr),* $(,)?) => { [$($crate::store::sql::Value::from($v)),*] };
}
pub(crate) use args;

/// A row as it came back: one value a column.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Row(pub Vec<Value>);

impl Row {
    fn at(&self, i: usize) -> StoreResult<&Value> {
        self.0.get(i).ok_or_else(|| StoreError::Corrupt(format!("no column {i}")))
    }

    fn wrong(&self, i: usize, want: &str) -> StoreError {
        StoreError::Corrupt(format!("column {i}: want {want}, found {:?}", self.0.get(i)))
    }

    /// A text column.
    pub fn text(&self, i: usize) -> StoreResult<String> {
        match self.at(i)? {
            Value::Text(s) => Ok(s.clone()),
            _ => Err(self.wrong(i, "text")),
        }
    }

    /// A text column that may be NULL.
    pub fn opt_text(&self, i: usize) -> StoreResult<Option<String>> {
        match self.at(i)? {
            Value::Null => Ok(None),
            _ => self.text(i).map(Some),
        }
    }

    /// A text column, borrowed.
    pub fn str(&self, i: usize) -> StoreResult<&str> {
        match self.at(i)? {
            Value::Text(s) => Ok(s),
            _ => Err(self.wrong(i, "text")),
        }
    }

    /// A bytes column.
    pub fn bytes(&self, i: usize) -> StoreResult<Vec<u8>> {
        match self.at(i)? {
            Value::Bytes(b) => Ok(b.clone()),
            _ => Err(self.wrong(i, "bytes")),
        }
    }

    /// An integer column.
    pub fn int(&self, i: usize) -> StoreResult<i64> {
        match self.at(i)? {
            Value::Int(n) => Ok(*n),
            _ => Err(self.wrong(i, "integer")),
        }
    }

    /// A real number (an integer column read as one too).
    pub fn float(&self, i: usize) -> StoreResult<f64> {
        match self.at(i)? {
            Value::Real(f) => Ok(*f),
            Value::Int(n) => Ok(*n as f64),
            _ => Err(self.wrong(i, "a real number")),
        }
    }

    /// An integer column that may be NULL.
    pub fn opt_int(&self, i: usize) -> StoreResult<Option<i64>> {
        match self.at(i)? {
            Value::Null => Ok(None),
            _ => self.int(i).map(Some),
        }
    }

    /// A boolean column (SQLite's 0/1 or PostgreSQL's BOOLEAN).
    pub fn bool(&self, i: usize) -> StoreResult<bool> {
        match self.at(i)? {
            Value::Bool(b) => Ok(*b),
            Value::Int(n) => Ok(*n != 0),
            _ => Err(self.wrong(i, "boolean")),
        }
    }

    /// A stored id or number, parsed from text.
    pub fn parse<T: std::str::FromStr>(&self, i: usize) -> StoreResult<T>
    where
        T::Err: std::fmt::Display,
    {
        super::parse(self.str(i)?)
    }

    /// A stored id that may be NULL.
    pub fn opt_parse<T: std::str::FromStr>(&self, i: usize) -> StoreResult<Option<T>>
    where
        T::Err: std::fmt::Display,
    {
        match self.at(i)? {
            Value::Null => Ok(None),
            _ => self.parse(i).map(Some),
        }
    }

    /// A stored enum code (`from` is the enum's `from_code`).
    pub fn code<T>(&self, i: usize, from: fn(&str) -> Option<T>) -> StoreResult<T> {
        super::code(self.str(i)?, from)
    }

    /// A JSON column.
    pub fn json<T: serde::de::DeserializeOwned>(&self, i: usize) -> StoreResult<T> {
        Ok(serde_json::from_str(self.str(i)?)?)
    }
}

/// One open transaction on one backend: the statements, and what differs.
pub trait Conn {
    /// Every row of `sql`.
    fn query(&mut self, sql: &str, params: &[Value]) -> StoreResult<Vec<Row>>;

    /// Runs `sql`; the number of rows it changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> StoreResult<u64>;

    /// Inserts `rows` (each `columns` values long, in order) with `head` (`INSERT INTO t (a, b)`)
    /// and `tail` (an `ON CONFLICT …` clause, or empty), as the backend does it best: SQLite a
    /// prepared one-row statement per row, PostgreSQL one statement for them all.
    fn insert_rows(
        &mut self,
        head: &str,
        columns: usize,
        tail: &str,
        rows: &[Vec<Value>],
    ) -> StoreResult<()>;

    /// The clause that locks the rows a write reads in order to change them (`FOR UPDATE OF
    /// alias` in a PostgreSQL write transaction; nothing on SQLite, whose one writer holds the
    /// whole database). Goes at the end of a `SELECT`.
    fn lock_rows(&self, alias: &str) -> String;

    /// Notes that ops this transaction appended, or met already stored, are to be numbered:
    /// SQLite numbered them as they went in; PostgreSQL numbers every op still without a number
    /// right after the commit (see `postgres/numbering.rs`).
    fn number_after_commit(&mut self);

    /// Holds `section` exclusively until the transaction ends (see [`Section`]).
    fn exclusive(&mut self, section: Section) -> StoreResult<()>;

    /// One page of the changes in `scope` after `cursor`, at most `limit`, leaving out those
    /// `except` made: each backend's own query (see `sqlite/scope.rs`, `postgres/scope.rs`),
    /// both held to `minqing_shared::scope` by a property test.
    fn changes_in_scope(
        &mut self,
        scope: Scope,
        cursor: u64,
        limit: u32,
        except: Option<minqing_shared::ids::DeviceId>,
    ) -> StoreResult<Vec<Change>>;
}

/// `$from, $from+1, …` for an `IN (…)` list of `n` values (at least one placeholder, so an
/// empty list still parses: pass no values and match nothing with a NULL).
pub fn placeholders(from: usize, n: usize) -> String {
    (from..from + n.max(1)).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// The values of an `IN (…)` list: `ids`, or one NULL (which matches nothing) when empty.
pub fn in_list<T: Into<Value> + Clone>(ids: &[T]) -> Vec<Value> {
    if ids.is_empty() { vec![Value::Null] } else { ids.iter().cloned().map(Into::into).collect() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_in_list_matches_nothing_but_parses() {
        assert_eq!(placeholders(3, 0), "$3");
        assert_eq!(in_list::<i64>(&[]), vec![Value::Null]);
        assert_eq!(placeholders(1, 3), "$1, $2, $3");
    }

    #[test]
    fn rows_decode_booleans_from_either_backend() {
        let row = Row(vec![Value::Int(1), Value::Bool(false), Value::Null]);
        assert!(row.bool(0).unwrap());
        assert!(!row.bool(1).unwrap());
        assert_eq!(row.opt_text(2).unwrap(), None);
        assert!(row.text(0).is_err());
    }
}
