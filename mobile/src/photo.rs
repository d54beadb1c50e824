//! Photos on the phone: what the camera or the gallery gives is made small here — turned
//! upright, at most [`MAX_EDGE_PX`] on its longest edge, a JPEG of at most [`TARGET_BYTES`] —
//! before the store keeps it. Re-encoding also drops the file's metadata (EXIF: the camera's
//! own GPS position, the phone's model), which the office has no use for.
//!
//! The desktop smoke test and demonstrations without a camera name a file in [`FAKE_ENV`]: the
//! 拍照 button then takes that file instead of opening a picker.

use std::io::Cursor;

use base64::Engine;
use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageReader};
use minqing_shared::photo::{MAX_EDGE_PX, PhotoId, TARGET_BYTES, THUMB_EDGE_PX};

use crate::store::TakenPhoto;

/// The variable naming an image file the app uses instead of the camera.
pub const FAKE_ENV: &str = "MINQING_FAKE_PHOTO";

/// The JPEG quality tried first, and the lowest tried before the photo is made smaller.
const QUALITY: (u8, u8) = (82, 52);

/// Why a picture could not be taken in.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    /// Not an image this app reads (JPEG, PNG).
    #[error("unreadable image: {0}")]
    Unreadable(String),
}

/// The picture as the phone keeps and sends it: upright, at most [`MAX_EDGE_PX`] on its longest
/// edge, a JPEG of at most [`TARGET_BYTES`] (quality lowered first, then the size).
pub fn shrink(bytes: &[u8]) -> Result<Vec<u8>, PhotoError> {
    let unreadable = |e: image::ImageError| PhotoError::Unreadable(e.to_string());
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| PhotoError::Unreadable(e.to_string()))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(12_000);
    limits.max_image_height = Some(12_000);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut picture = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    picture.apply_orientation(orientation);
    let mut edge = MAX_EDGE_PX;
    loop {
        let small = if picture.width().max(picture.height()) > edge {
            picture.resize(edge, edge, FilterType::Triangle)
        } else {
            picture.clone()
        };
        let rgb = small.into_rgb8();
        let mut quality = QUALITY.0;
        loop {
            let mut out = Vec::new();
            JpegEncoder::new_with_quality(&mut out, quality)
                .encode_image(&rgb)
                .map_err(unreadable)?;
            if out.len() <= TARGET_BYTES || (quality <= QUALITY.1 && edge <= 320) {
                return Ok(out);
            }
            if quality <= QUALITY.1 {
                break;
            }
            quality -= 10;
        }
        edge = edge * 4 / 5;
    }
}

/// A picture from the camera or the gallery, taken in: made small, with its thumbnail and
/// its name.
pub fn take(bytes: &[u8]) -> Result<TakenPhoto, PhotoError> {
    let jpeg = shrink(bytes)?;
    let picture = image::load_from_memory_with_format(&jpeg, image::ImageFormat::Jpeg)
        .map_err(|e| PhotoError::Unreadable(e.to_string()))?;
    let small = picture.thumbnail(THUMB_EDGE_PX, THUMB_EDGE_PX).into_rgb8();
    let mut thumb = Vec::new();
    JpegEncoder::new_with_quality(&mut thumb, 70)
        .encode_image(&small)
        .map_err(|e| PhotoError::Unreadable(e.to_string()))?;
    Ok(TakenPhoto { id: PhotoId::of(&jpeg), jpeg, thumb })
}

/// A photo as an `img` source (the store's JPEG, shown without a file).
pub fn data_url(jpeg: &[u8]) -> String {
    format!("data:image/jpeg;base64,{}", base64::engine::general_purpose::STANDARD.encode(jpeg))
}

/// Where the forms' photos come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Camera {
    /// The platform's picker (on a phone: the camera or the gallery).
    Picker,
    /// Always this file (the desktop smoke test, the screen tests, a demonstration).
    File(std::path::PathBuf),
}

impl Camera {
    /// The picker, unless [`FAKE_ENV`] names a file (never in a browser).
    pub fn from_env() -> Self {
        #[cfg(not(target_arch = "wasm32"))]
        if let Some(path) = std::env::var_os(FAKE_ENV) {
            return Camera::File(path.into());
        }
        Camera::Picker
    }

    /// The file's picture, for [`Camera::File`].
    pub fn file(&self) -> Option<Result<Vec<u8>, PhotoError>> {
        match self {
            Camera::Picker => None,
            Camera::File(path) => Some(
                std::fs::read(path)
                    .map_err(|e| PhotoError::Unreadable(format!("{}: {e}", path.display()))),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageBuffer, Rgb};

    /// A noisy picture (noise does not compress: the hardest case for the size target).
    fn noisy(w: u32, h: u32) -> Vec<u8> {
        let mut seed = 12345u32;
        let img = ImageBuffer::from_fn(w, h, |_, _| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let b = seed.to_le_bytes();
            Rgb([b[1], b[2], b[3]])
        });
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, 95).encode_image(&img).unwrap();
        out
    }

    #[test]
    fn a_large_photo_is_made_small_enough() {
        let big = noisy(4000, 3000);
        assert!(big.len() > 2 * TARGET_BYTES);
        let small = shrink(&big).unwrap();
        assert!(small.len() <= TARGET_BYTES, "{} bytes", small.len());
        assert!(minqing_shared::photo::is_jpeg(&small));
        let back = image::load_from_memory(&small).unwrap();
        assert!(back.width().max(back.height()) <= MAX_EDGE_PX);
        assert_eq!(back.width() * 3, back.height() * 4, "the aspect ratio is kept");
    }

    #[test]
    fn a_small_png_becomes_a_jpeg_of_the_same_size() {
        let img = ImageBuffer::from_fn(300, 200, |x, y| Rgb([x as u8, y as u8, 128]));
        let mut png = Vec::new();
        img.write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        let out = shrink(&png).unwrap();
        let back = image::load_from_memory(&out).unwrap();
        assert_eq!((back.width(), back.height()), (300, 200));
        assert!(minqing_shared::photo::is_jpeg(&out));
    }

    #[test]
    fn a_taken_photo_is_named_by_its_jpeg_and_has_a_small_thumbnail() {
        let taken = take(&noisy(1600, 1200)).unwrap();
        assert_eq!(taken.id, PhotoId::of(&taken.jpeg));
        let thumb = image::load_from_memory(&taken.thumb).unwrap();
        assert_eq!(thumb.width().max(thumb.height()), THUMB_EDGE_PX);
    }

    #[test]
    fn what_is_not_an_image_is_refused() {
        assert!(matches!(shrink(b"not a picture"), Err(PhotoError::Unreadable(_))));
    }
}
