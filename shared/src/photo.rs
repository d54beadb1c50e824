//! Photos 照片 on a visit or a concern: named by their content (SHA-256), made small on the
//! phone, uploaded after the ops in their own resumable requests, checked by the server. The
//! limits and the checks are here, once, for the phone and the server.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::label::labeled_enum;

/// Most photos on one visit or one concern.
pub const MAX_PER_RECORD: usize = 3;
/// The longest edge of a photo as the phone keeps and sends it, in pixels.
pub const MAX_EDGE_PX: u32 = 1280;
/// The size the phone makes a photo fit (JPEG quality, then size, are lowered until it does).
pub const TARGET_BYTES: usize = 200 * 1024;
/// The largest photo the server takes: ten times the phone's target, so only a photo that did
/// not come through the app is refused.
pub const MAX_UPLOAD_BYTES: u64 = 2 * 1024 * 1024;
/// The longest edge of the thumbnails the office pages show, in pixels.
pub const THUMB_EDGE_PX: u32 = 240;

/// A photo's name: the lowercase hex SHA-256 of its bytes. The same photo sent twice is one
/// photo; a photo cannot be swapped for another under its name.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhotoId(String);

impl PhotoId {
    /// The name of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        PhotoId(hex::encode(Sha256::digest(bytes)))
    }

    /// The 64 hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PhotoId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PhotoId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhotoId({})", &self.0[..12])
    }
}

/// Why a text is not a photo's name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a photo id is 64 lowercase hex digits")]
pub struct BadPhotoId;

impl FromStr for PhotoId {
    type Err = BadPhotoId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let hex =
            s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if hex { Ok(PhotoId(s.to_owned())) } else { Err(BadPhotoId) }
    }
}

impl TryFrom<String> for PhotoId {
    type Error = BadPhotoId;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<PhotoId> for String {
    fn from(id: PhotoId) -> Self {
        id.0
    }
}

labeled_enum! {
    /// Why the server refused a photo. Final: the phone shows it and sends that photo no more;
    /// the visit or concern it belongs to is not affected.
    pub enum PhotoRefusal {
        TooLarge = "photo_too_large" => ("照片超过2MB", "The photo is larger than 2 MB"),
        NotJpeg = "photo_not_jpeg" => ("不是JPEG照片", "Not a JPEG photo"),
        HashMismatch = "photo_hash_mismatch" => ("照片内容与编号不符（传输损坏）", "The photo's content does not match its name (damaged on the way)"),
        Unreadable = "photo_unreadable" => ("照片无法打开", "The photo cannot be opened"),
    }
}

/// Whether `bytes` start like a JPEG file (SOI marker and the next marker's lead byte).
pub fn is_jpeg(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xD8, 0xFF])
}

/// Checks a whole uploaded photo against its name: size, type (magic bytes), content. The
/// server also decodes it (to make the thumbnail), which [`PhotoRefusal::Unreadable`] reports.
pub fn check_upload(id: &PhotoId, bytes: &[u8]) -> Result<(), PhotoRefusal> {
    if bytes.len() as u64 > MAX_UPLOAD_BYTES {
        return Err(PhotoRefusal::TooLarge);
    }
    if !is_jpeg(bytes) {
        return Err(PhotoRefusal::NotJpeg);
    }
    if PhotoId::of(bytes) != *id {
        return Err(PhotoRefusal::HashMismatch);
    }
    Ok(())
}

/// How much of a photo the server holds: the answer to `GET /api/v1/photos/{id}` and to each
/// upload. An upload continues from `received`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadStatus {
    /// Bytes received so far (all of them once complete).
    pub received: u64,
    /// Whether the photo is stored.
    pub complete: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    const JPEG_START: [u8; 4] = [0xFF, 0xD8, 0xFF, 0xE0];

    #[test]
    fn a_photo_is_named_by_its_sha256() {
        let id = PhotoId::of(b"abc");
        assert_eq!(id.as_str(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(id.as_str().parse::<PhotoId>().unwrap(), id);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(serde_json::from_str::<PhotoId>(&json).unwrap(), id);
    }

    #[test]
    fn names_that_are_not_sha256_hex_are_refused() {
        for bad in
            ["", "abc", &"A".repeat(64), &"g".repeat(64), &"a".repeat(63), "../../etc/passwd"]
        {
            assert!(bad.parse::<PhotoId>().is_err(), "{bad}");
            assert!(serde_json::from_str::<PhotoId>(&format!("\"{bad}\"")).is_err(), "{bad}");
        }
    }

    #[test]
    fn uploads_are_checked_for_size_type_and_content() {
        let mut jpeg = JPEG_START.to_vec();
        jpeg.extend_from_slice(b"rest of the file");
        let id = PhotoId::of(&jpeg);
        assert_eq!(check_upload(&id, &jpeg), Ok(()));
        let png = b"\x89PNG\r\n\x1a\nrest".to_vec();
        assert_eq!(check_upload(&PhotoId::of(&png), &png), Err(PhotoRefusal::NotJpeg));
        let mut other = jpeg.clone();
        other.push(0);
        assert_eq!(check_upload(&id, &other), Err(PhotoRefusal::HashMismatch));
        let mut big = JPEG_START.to_vec();
        big.resize(MAX_UPLOAD_BYTES as usize + 1, 0);
        assert_eq!(check_upload(&PhotoId::of(&big), &big), Err(PhotoRefusal::TooLarge));
        let mut at_limit = JPEG_START.to_vec();
        at_limit.resize(MAX_UPLOAD_BYTES as usize, 0);
        assert_eq!(check_upload(&PhotoId::of(&at_limit), &at_limit), Ok(()));
    }
}
