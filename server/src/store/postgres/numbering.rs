//! How PostgreSQL numbers ops across server processes, and the advisory locks it takes.
//!
//! Writers run in parallel (READ COMMITTED) and append their ops with no `server_seq`. Just
//! before commit, a writer that appended takes one transaction-level advisory lock, numbers its
//! ops `MAX + 1 …` in one statement, and commits, which releases the lock. So seqs are handed out
//! in commit order: the next writer can read the maximum only after this one committed, and a
//! pull (`server_seq > cursor`, which never sees an unnumbered row) can never see N+1 without N —
//! no cursor skips a late commit, none sees a change twice. Only the numbering and the commit are
//! serialised cluster-wide, not the checks and merges.

use super::statements::CachedTx;
use crate::store::{Section, StoreResult};

/// The advisory lock a writer takes to number its ops (an arbitrary constant: "民情" in GB2312
/// bytes), and migrations take to run one at a time.
pub(super) const WRITE_LOCK: i64 = 0xC3F1_C7E9;

/// Numbers this transaction's ops after everything committed before it, under the lock: two
/// statements in one round trip, the second with a snapshot taken after the lock is held, in
/// which the only unnumbered ops are this transaction's own (every committed one is numbered).
static NUMBER_OPS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT pg_advisory_xact_lock({WRITE_LOCK});
         UPDATE ops SET server_seq = top.max + fresh.n
         FROM (SELECT COALESCE(MAX(server_seq), 0) AS max FROM ops) AS top,
              (SELECT id, row_number() OVER (ORDER BY id) AS n
               FROM ops WHERE server_seq IS NULL) AS fresh
         WHERE ops.id = fresh.id"
    )
});

/// Numbers the ops this transaction appended (call just before commit).
pub(super) fn number_ops(tx: &mut CachedTx<'_>) -> StoreResult<()> {
    tx.batch_execute(&NUMBER_OPS)?;
    Ok(())
}

/// The advisory lock of a section: keys of their own, apart from [`WRITE_LOCK`].
pub(super) fn section_lock(section: Section) -> i64 {
    match section {
        Section::MonthlyReports => WRITE_LOCK + 1,
        Section::Roster => WRITE_LOCK + 2,
    }
}
