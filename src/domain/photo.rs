//! Photos a customer adds to a request: the limits (which also feed the form's hint and the browser-side
//! check) and what counts as an image. A file is judged by its first bytes, never by its name or the type
//! the browser claims: both are whatever the sender wants them to be.
use serde::{Deserialize, Serialize};

use super::error::FieldError;

/// The form field that carries the photos.
pub const FIELD: &str = "photos";
/// At most this many photos per request.
pub const MAX_PHOTOS: usize = 5;
/// At most this many bytes per photo (10 MiB).
pub const MAX_PHOTO_BYTES: usize = 10 * 1024 * 1024;
/// The same limit in whole megabytes, as messages show it.
pub const MAX_PHOTO_MB: usize = MAX_PHOTO_BYTES / (1024 * 1024);
/// What the file input offers; the server checks content regardless.
pub const ACCEPT: &str = "image/jpeg,image/png,image/webp";

/// The image formats the portal accepts and serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImageKind {
    Jpeg,
    Png,
    Webp,
}

impl ImageKind {
    pub fn mime(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Png => "image/png",
            ImageKind::Webp => "image/webp",
        }
    }

    /// The extension of stored objects and download names.
    pub fn extension(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "jpg",
            ImageKind::Png => "png",
            ImageKind::Webp => "webp",
        }
    }

    /// The kind a stored content type names (what was sniffed at upload).
    pub fn from_mime(mime: &str) -> Option<Self> {
        [ImageKind::Jpeg, ImageKind::Png, ImageKind::Webp].into_iter().find(|k| k.mime() == mime)
    }
}

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1A, b'\n'];

/// The image kind the content's magic bytes announce, if it is one the portal accepts.
pub fn sniff(content: &[u8]) -> Option<ImageKind> {
    if content.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageKind::Jpeg)
    } else if content.starts_with(&PNG_SIGNATURE) {
        Some(ImageKind::Png)
    } else if content.len() >= 12 && &content[..4] == b"RIFF" && &content[8..12] == b"WEBP" {
        Some(ImageKind::Webp)
    } else {
        None
    }
}

/// Checks one uploaded file (its whole content, already capped at [`MAX_PHOTO_BYTES`] + 1 by the reader).
/// An empty file is not an image either.
pub fn check(content: &[u8]) -> Result<ImageKind, FieldError> {
    if content.len() > MAX_PHOTO_BYTES {
        return Err(FieldError::TooLarge { max_mb: MAX_PHOTO_MB });
    }
    sniff(content).ok_or(FieldError::NotAnImage)
}

/// The browser's early check of the files picked in the form (sizes and the types the browser guesses from
/// names): a quick hint before a long upload. The server checks the content again regardless.
pub fn check_chosen<'a>(files: impl IntoIterator<Item = (u64, &'a str)>) -> Option<FieldError> {
    let files: Vec<_> = files.into_iter().collect();
    if files.len() > MAX_PHOTOS {
        return Some(FieldError::TooManyPhotos { max: MAX_PHOTOS });
    }
    if files.iter().any(|(size, _)| *size > MAX_PHOTO_BYTES as u64) {
        return Some(FieldError::TooLarge { max_mb: MAX_PHOTO_MB });
    }
    if files.iter().any(|(_, mime)| ImageKind::from_mime(mime).is_none()) {
        return Some(FieldError::NotAnImage);
    }
    None
}

/// A photo as pages show it: where to load it from (the URL already carries whatever grants access).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoRef {
    pub id: i64,
    pub url: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_formats_are_recognised_by_content() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), Some(ImageKind::Jpeg));
        assert_eq!(sniff(&[0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1A, b'\n', 0, 0]), Some(ImageKind::Png));
        assert_eq!(sniff(b"RIFF\x24\0\0\0WEBPVP8 "), Some(ImageKind::Webp));
    }

    #[test]
    fn other_content_is_not_an_image() {
        assert_eq!(sniff(b"hello, I am a text file named evil.jpg"), None);
        assert_eq!(sniff(b"GIF89a"), None, "GIF is not accepted");
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVEfmt "), None, "a RIFF that is not WebP");
        assert_eq!(sniff(b"RIFF"), None, "too short to be WebP");
        assert_eq!(sniff(&[0x89, b'P', b'N', b'G']), None, "a truncated PNG signature");
        assert_eq!(sniff(b"<svg xmlns='http://www.w3.org/2000/svg'/>"), None);
        assert_eq!(sniff(&[]), None);
    }

    #[test]
    fn check_reports_size_and_content() {
        let mut big = vec![0xFF, 0xD8, 0xFF];
        big.resize(MAX_PHOTO_BYTES + 1, 0);
        assert_eq!(check(&big), Err(FieldError::TooLarge { max_mb: 10 }));
        big.truncate(MAX_PHOTO_BYTES);
        assert_eq!(check(&big), Ok(ImageKind::Jpeg), "exactly the limit is allowed");
        assert_eq!(check(&[]), Err(FieldError::NotAnImage));
        assert_eq!(check(b"%PDF-1.7"), Err(FieldError::NotAnImage));
    }

    #[test]
    fn the_browser_side_check_counts_sizes_and_types() {
        let ok = (1000, "image/png");
        assert_eq!(check_chosen([ok; 5]), None);
        assert_eq!(check_chosen([ok; 6]), Some(FieldError::TooManyPhotos { max: 5 }));
        assert_eq!(
            check_chosen([ok, (MAX_PHOTO_BYTES as u64 + 1, "image/jpeg")]),
            Some(FieldError::TooLarge { max_mb: 10 })
        );
        assert_eq!(check_chosen([(10, "application/pdf")]), Some(FieldError::NotAnImage));
        assert_eq!(check_chosen([]), None);
    }

    #[test]
    fn kinds_round_trip_through_their_mime_type() {
        for kind in [ImageKind::Jpeg, ImageKind::Png, ImageKind::Webp] {
            assert_eq!(ImageKind::from_mime(kind.mime()), Some(kind));
            assert!(ACCEPT.contains(kind.mime()));
        }
        assert_eq!(ImageKind::from_mime("text/html"), None);
        assert_eq!(ImageKind::Jpeg.extension(), "jpg");
    }
}
