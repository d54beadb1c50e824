//! Photos: the bytes of those stored, with their thumbnails; uploads under way (resumed where
//! they stopped); and which visit or concern names which photo, for whom may upload one and who
//! may see it.
//!
//! Kept in the database, not as files beside it: a photo belongs to a record and goes with it
//! in one transaction and one backup (`minqing-server backup`), and every server on one
//! PostgreSQL sees the same photos without a shared volume. A photo is at most 2 MB and usually
//! under 200 KB; the office reads them one at a time.

use minqing_shared::ids::{CadreId, HouseholdId};
use minqing_shared::photo::PhotoId;
use uuid::Uuid;

use super::sql::{Value, args, in_list, placeholders};
use super::{StoreResult, Tx};

/// An upload under way that has not moved for this long is dropped (when the next one is
/// kept): a phone resumes within days, or it was lost.
pub const ABANDONED_UPLOAD_MS: i64 = 30 * 24 * 3600 * 1000;

/// One photo a record names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhotoRef {
    /// The photo.
    pub photo: PhotoId,
    /// The visit or concern.
    pub record: Uuid,
    /// The household it is about.
    pub household: HouseholdId,
    /// Who took it.
    pub cadre: CadreId,
}

/// An upload under way: the size announced and the bytes so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartialUpload {
    /// The whole photo's size.
    pub length: u64,
    /// What arrived.
    pub received: Vec<u8>,
}

impl Tx<'_> {
    /// Notes which photos `refs` name (a record stored again names them again: kept once).
    pub(super) fn note_photo_refs(&mut self, refs: &[PhotoRef]) -> StoreResult<()> {
        let rows: Vec<Vec<Value>> =
            refs.iter().map(|r| args![&r.photo, r.record, r.household, r.cadre].to_vec()).collect();
        self.insert_rows(
            "INSERT INTO photo_refs (photo_id, record_id, household_id, cadre_id)",
            4,
            "ON CONFLICT (photo_id, record_id) DO NOTHING",
            &rows,
        )
    }

    /// Forgets the photos `records` named (a voided visit; concerns stored again), in one
    /// statement.
    pub(super) fn forget_photo_refs(&mut self, records: &[Uuid]) -> StoreResult<()> {
        if records.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "DELETE FROM photo_refs WHERE record_id IN ({})",
            placeholders(1, records.len())
        );
        self.execute(&sql, &in_list(records))?;
        Ok(())
    }

    /// Whether `cadre` took a photo named `id` for a record stored here (only they upload it).
    pub fn photo_taken_by(&mut self, id: &PhotoId, cadre: CadreId) -> StoreResult<bool> {
        let row = self.query_opt(
            "SELECT 1 FROM photo_refs WHERE photo_id = $1 AND cadre_id = $2 LIMIT 1",
            &args![id, cadre],
        )?;
        Ok(row.is_some())
    }

    /// The households whose records name `id` (who may see a photo is who may see one of them).
    pub fn photo_households(&mut self, id: &PhotoId) -> StoreResult<Vec<HouseholdId>> {
        self.query("SELECT DISTINCT household_id FROM photo_refs WHERE photo_id = $1", &args![id])?
            .iter()
            .map(|r| r.parse(0))
            .collect()
    }

    /// The photos each of `records` names, each with whether its bytes are here yet; in the
    /// order the records named them is not kept, so by id.
    pub fn photos_of(&mut self, records: &[Uuid]) -> StoreResult<Vec<(Uuid, PhotoId, bool)>> {
        if records.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT r.record_id, r.photo_id, p.id IS NOT NULL FROM photo_refs r
             LEFT JOIN photos p ON p.id = r.photo_id
             WHERE r.record_id IN ({}) ORDER BY r.record_id, r.photo_id",
            placeholders(1, records.len())
        );
        self.query(&sql, &in_list(records))?
            .iter()
            .map(|r| Ok((r.parse(0)?, r.parse(1)?, r.bool(2)?)))
            .collect()
    }

    /// Whether the photo is stored.
    pub fn photo_stored(&mut self, id: &PhotoId) -> StoreResult<bool> {
        Ok(self.query_opt("SELECT 1 FROM photos WHERE id = $1", &args![id])?.is_some())
    }

    /// A stored photo's bytes, or its thumbnail's.
    pub fn photo(&mut self, id: &PhotoId, thumb: bool) -> StoreResult<Option<Vec<u8>>> {
        let column = if thumb { "thumb" } else { "jpeg" };
        self.query_opt(&format!("SELECT {column} FROM photos WHERE id = $1"), &args![id])?
            .map(|r| r.bytes(0))
            .transpose()
    }

    /// The upload of `id` under way, if any.
    pub fn photo_upload(&mut self, id: &PhotoId) -> StoreResult<Option<PartialUpload>> {
        self.query_opt("SELECT length, received FROM photo_uploads WHERE id = $1", &args![id])?
            .map(|r| {
                Ok(PartialUpload {
                    length: u64::try_from(r.int(0)?).unwrap_or(0),
                    received: r.bytes(1)?,
                })
            })
            .transpose()
    }

    /// Keeps what arrived of an upload, to resume from — unless the photo is stored by now, or
    /// a longer part of the same upload is already kept (a cut task that finished late).
    pub fn save_photo_upload(
        &mut self,
        id: &PhotoId,
        upload: &PartialUpload,
        now_ms: i64,
    ) -> StoreResult<()> {
        if self.photo_stored(id)? {
            return Ok(());
        }
        // Parts nobody came back to (the phone was lost, the record voided) go after a month.
        self.execute(
            "DELETE FROM photo_uploads WHERE updated_ms < $1",
            &args![now_ms - ABANDONED_UPLOAD_MS],
        )?;
        self.execute(
            "INSERT INTO photo_uploads (id, length, received, updated_ms) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO UPDATE SET length = excluded.length,
               received = excluded.received, updated_ms = excluded.updated_ms
             WHERE photo_uploads.length <> excluded.length
                OR length(photo_uploads.received) < length(excluded.received)",
            &args![id, upload.length, upload.received.clone(), now_ms],
        )?;
        Ok(())
    }

    /// Drops an upload under way (finished, refused, or started over).
    pub fn drop_photo_upload(&mut self, id: &PhotoId) -> StoreResult<()> {
        self.execute("DELETE FROM photo_uploads WHERE id = $1", &args![id])?;
        Ok(())
    }

    /// Stores a checked photo and its thumbnail, and drops its upload.
    pub fn store_photo(
        &mut self,
        id: &PhotoId,
        jpeg: Vec<u8>,
        thumb: Vec<u8>,
        now_ms: i64,
    ) -> StoreResult<()> {
        self.execute(
            "INSERT INTO photos (id, jpeg, thumb, received_ms) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO NOTHING",
            &args![id, jpeg, thumb, now_ms],
        )?;
        self.drop_photo_upload(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Db;

    #[test]
    fn parts_left_for_a_month_are_dropped_when_the_next_part_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&format!("sqlite://{}", dir.path().join("p.db").display())).unwrap();
        let photo = |b: u8| PhotoId::of(&[b; 8]);
        let part = PartialUpload { length: 100, received: vec![1; 10] };
        let day = 24 * 3600 * 1000;
        db.write(|tx| tx.save_photo_upload(&photo(1), &part, 0)).unwrap();
        db.write(|tx| tx.save_photo_upload(&photo(2), &part, 20 * day)).unwrap();
        let kept = |db: &Db, p: &PhotoId| db.read(|tx| tx.photo_upload(p)).unwrap().is_some();
        assert!(kept(&db, &photo(1)) && kept(&db, &photo(2)));
        db.write(|tx| tx.save_photo_upload(&photo(3), &part, 31 * day)).unwrap();
        assert!(!kept(&db, &photo(1)), "untouched for 31 days: dropped");
        assert!(kept(&db, &photo(2)) && kept(&db, &photo(3)), "11 days old, and the new one");
    }
}
