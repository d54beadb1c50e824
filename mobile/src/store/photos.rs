//! Photos on the phone: each kept with its thumbnail from the moment the visit or concern is
//! saved, in the same transaction; its JPEG stays until the server has it (or refuses it), then
//! only the thumbnail is kept, so a year of photos does not fill the phone (or the browser's
//! saved copy of the database).

use minqing_shared::photo::{PhotoId, PhotoRefusal};
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use super::{Result, Store, StoreError};

/// A photo taken in, ready to keep: the JPEG (already made small) and its thumbnail.
#[derive(Clone, PartialEq, Eq)]
pub struct TakenPhoto {
    /// Its name.
    pub id: PhotoId,
    /// The JPEG to send.
    pub jpeg: Vec<u8>,
    /// What the screens show.
    pub thumb: Vec<u8>,
}

impl std::fmt::Debug for TakenPhoto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TakenPhoto").field("id", &self.id).field("bytes", &self.jpeg.len()).finish()
    }
}

/// Where a photo stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhotoState {
    /// Kept on the phone, to be sent.
    Waiting,
    /// The server has it.
    Sent,
    /// The server refused it (the record it belongs to is not affected).
    Refused(PhotoRefusal),
}

/// A photo as the screens show it.
#[derive(Clone, PartialEq, Eq)]
pub struct PhotoView {
    /// Its name.
    pub id: PhotoId,
    /// The visit or concern it belongs to.
    pub record: Uuid,
    /// The thumbnail, JPEG.
    pub thumb: Vec<u8>,
    /// Sent, waiting or refused.
    pub state: PhotoState,
}

impl std::fmt::Debug for PhotoView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhotoView").field("id", &self.id).field("state", &self.state).finish()
    }
}

/// Keeps `photos`, taken for `record`, in the caller's transaction; their names, in order.
pub(super) fn keep(
    tx: &Connection,
    record: Uuid,
    photos: &[TakenPhoto],
    now_ms: i64,
) -> Result<Vec<minqing_shared::photo::PhotoId>> {
    if photos.len() > minqing_shared::photo::MAX_PER_RECORD {
        return Err(StoreError::Invalid(format!(
            "最多{}张照片 (at most {} photos)",
            minqing_shared::photo::MAX_PER_RECORD,
            minqing_shared::photo::MAX_PER_RECORD
        )));
    }
    let mut ids: Vec<PhotoId> = Vec::new();
    for p in photos {
        if ids.contains(&p.id) {
            continue;
        }
        tx.execute(
            "INSERT INTO photos (id, record_id, thumb, jpeg, taken_ms) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (id) DO NOTHING",
            params![p.id.as_str(), record.to_string(), p.thumb, p.jpeg, now_ms],
        )?;
        ids.push(p.id.clone());
    }
    Ok(ids)
}

/// A photo's row as stored: id, record, thumbnail, whether its JPEG is still here, refusal.
type PhotoRow = (String, String, Vec<u8>, bool, Option<String>);

fn view(r: &rusqlite::Row<'_>) -> rusqlite::Result<PhotoRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, bool>(3)?, r.get(4)?))
}

fn decode(row: PhotoRow) -> Result<PhotoView> {
    let (id, record, thumb, waiting, refusal) = row;
    let state = match refusal {
        Some(code) => PhotoState::Refused(
            PhotoRefusal::from_code(&code).ok_or_else(|| StoreError::Corrupt(code.clone()))?,
        ),
        None if waiting => PhotoState::Waiting,
        None => PhotoState::Sent,
    };
    Ok(PhotoView { id: super::parse(&id)?, record: super::parse(&record)?, thumb, state })
}

/// The photos each record names (its visit's or concern's list), in the order they were taken;
/// a picture named by both a visit and its concern shows on both.
pub(super) fn of_records(c: &Connection, records: &[(Uuid, &[PhotoId])]) -> Result<Vec<PhotoView>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, record_id, thumb, jpeg IS NOT NULL, refusal, taken_ms FROM photos WHERE id = ?1",
    )?;
    let mut out = Vec::new();
    for (record, photos) in records {
        let mut found = Vec::new();
        for photo in *photos {
            if let Some(row) = stmt
                .query_row([photo.as_str()], |r| Ok((view(r)?, r.get::<_, i64>(5)?)))
                .optional()?
            {
                found.push(row);
            }
        }
        found.sort_by_key(|(_, taken)| *taken);
        for (row, _) in found {
            let mut photo = decode(row)?;
            photo.record = *record;
            out.push(photo);
        }
    }
    Ok(out)
}

impl Store {
    /// The photos still to send, oldest first: name and JPEG. The photos of a visit voided
    /// meanwhile are dropped first: no record names them any more, the server would never take
    /// them.
    pub fn photos_to_send(&self) -> Result<Vec<(PhotoId, Vec<u8>)>> {
        const ORPHANS: &str = "FROM photos WHERE jpeg IS NOT NULL
            AND record_id NOT IN (SELECT id FROM visits)
            AND record_id NOT IN (SELECT id FROM concerns)";
        let orphans: i64 = self
            .read(|c| Ok(c.query_row(&format!("SELECT COUNT(*) {ORPHANS}"), [], |r| r.get(0))?))?;
        if orphans > 0 {
            self.write(|c| Ok(c.execute(&format!("DELETE {ORPHANS}"), [])?))?;
        }
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, jpeg FROM photos WHERE jpeg IS NOT NULL AND refusal IS NULL
                 ORDER BY taken_ms, rowid",
            )?;
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter().map(|(id, jpeg)| Ok((super::parse(&id)?, jpeg))).collect()
        })
    }

    /// The server has the photo: only its thumbnail is kept.
    pub fn photo_sent(&self, id: &PhotoId) -> Result<()> {
        self.write(|tx| {
            tx.execute("UPDATE photos SET jpeg = NULL WHERE id = ?1", [id.as_str()])?;
            Ok(())
        })
    }

    /// The server refused the photo: it is shown so, and not sent again.
    pub fn photo_refused(&self, id: &PhotoId, why: PhotoRefusal) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE photos SET jpeg = NULL, refusal = ?2 WHERE id = ?1",
                params![id.as_str(), why.code()],
            )?;
            Ok(())
        })
    }

    /// The photos of one visit or concern.
    pub fn photos_of(&self, record: Uuid, photos: &[PhotoId]) -> Result<Vec<PhotoView>> {
        self.read(|c| of_records(c, &[(record, photos)]))
    }

    /// One photo's JPEG while the phone still has it (before it is sent).
    pub fn photo_jpeg(&self, id: &PhotoId) -> Result<Option<Vec<u8>>> {
        self.read(|c| {
            Ok(c.query_row("SELECT jpeg FROM photos WHERE id = ?1", [id.as_str()], |r| {
                r.get::<_, Option<Vec<u8>>>(0)
            })
            .optional()?
            .flatten())
        })
    }
}

/// Photos waiting, and the reasons of those refused (for the sync screen).
pub(super) fn counts(c: &Connection) -> Result<(u64, Vec<PhotoRefusal>)> {
    let waiting = c.query_row(
        "SELECT COUNT(*) FROM photos WHERE jpeg IS NOT NULL AND refusal IS NULL",
        [],
        |r| r.get::<_, i64>(0),
    )? as u64;
    let mut stmt =
        c.prepare_cached("SELECT refusal FROM photos WHERE refusal IS NOT NULL ORDER BY taken_ms")?;
    let refused = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .filter_map(|r| r.ok().and_then(|code| PhotoRefusal::from_code(&code)))
        .collect();
    Ok((waiting, refused))
}
