//! Files users send for forms: copied into the files directory under their SHA-256, described by
//! a [`FileRef`] whose type is read from the content (a renamed program or web page is not a
//! photo). Adapters store what they receive here before handing it to the bot core.

use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::dialog::flow::MAX_FILE_BYTES;
use crate::dialog::value::FileRef;

/// The directory files are kept in.
#[derive(Debug, Clone)]
pub struct FileStore {
    dir: PathBuf,
}

impl FileStore {
    /// Files under `dir` (created if missing).
    pub fn open(dir: impl Into<PathBuf>) -> io::Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(Self { dir })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Keeps `bytes` received as `name`; the type (and the stored file's extension) is read from
    /// the content, whatever the name or the channel says.
    pub fn keep(&self, name: &str, bytes: &[u8]) -> io::Result<FileRef> {
        let sha256 = hex(&Sha256::digest(bytes));
        let (mime, extension) = content_type(bytes);
        let location = self.dir.join(format!("{sha256}.{extension}"));
        std::fs::write(&location, bytes)?;
        Ok(FileRef {
            location: location.to_string_lossy().into_owned(),
            name: name.to_owned(),
            mime: mime.to_owned(),
            size: bytes.len() as u64,
            sha256,
        })
    }

    /// Keeps a copy of the file at `path` (the terminal chat's way of sending a file). A file
    /// over the size limit is not copied: its reference has no location and its real size, so
    /// the form can explain the limit.
    pub fn keep_copy(&self, path: &Path) -> io::Result<FileRef> {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file").to_owned();
        let size = std::fs::metadata(path)?.len();
        if size > MAX_FILE_BYTES {
            return Ok(FileRef::unkept(name.clone(), mime_of(&name).to_owned(), size));
        }
        self.keep(&name, &std::fs::read(path)?)
    }
}

/// A type nothing recognised.
const UNKNOWN: (&str, &str) = ("application/octet-stream", "bin");

/// The MIME type and extension of `bytes`, read from their content: the types forms accept are
/// told apart, anything else is unknown.
fn content_type(bytes: &[u8]) -> (&'static str, &'static str) {
    match infer::get(bytes) {
        Some(kind)
            if matches!(
                kind.mime_type(),
                "image/jpeg" | "image/png" | "image/webp" | "image/heif" | "application/pdf"
            ) =>
        {
            (kind.mime_type(), kind.extension())
        }
        _ => UNKNOWN,
    }
}

/// The MIME type a file name claims, by extension (only the types forms accept are told apart),
/// for a file not fetched (too large) and so not read.
pub fn mime_of(name: &str) -> &'static str {
    let extension = Path::new(name).extension().and_then(|e| e.to_str()).unwrap_or_default().to_lowercase();
    match extension.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "webp" => "image/webp",
        "heic" => "image/heic",
        "pdf" => "application/pdf",
        _ => UNKNOWN.0,
    }
}

/// `bytes` as lowercase hexadecimal.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_files_are_named_by_content_and_described() {
        let dir = tempfile::tempdir().unwrap();
        let files = FileStore::open(dir.path()).unwrap();
        let file = files.keep("证书.PDF", b"%PDF-1.4 a certificate").unwrap();
        assert_eq!(file.mime, "application/pdf");
        assert_eq!(file.size, 22);
        assert_eq!(file.sha256.len(), 64);
        assert!(file.location.ends_with(&format!("{}.pdf", file.sha256)));
        assert_eq!(std::fs::read(&file.location).unwrap(), b"%PDF-1.4 a certificate");
    }

    #[test]
    fn the_type_is_read_from_the_content_not_the_name() {
        let dir = tempfile::tempdir().unwrap();
        let files = FileStore::open(dir.path()).unwrap();
        let photo = files.keep("scan.pdf", b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00").unwrap();
        assert_eq!(photo.mime, "image/jpeg");
        assert!(photo.location.ends_with(".jpg"), "{}", photo.location);
        let programs: [&[u8]; 4] = [
            b"MZ\x90\x00\x03\x00\x00\x00",
            b"\x7FELF\x02\x01\x01\x00",
            b"<!DOCTYPE html><html><script>",
            b"#!/bin/sh\nrm -rf ~",
        ];
        for bytes in programs {
            let kept = files.keep("证书.jpg", bytes).unwrap();
            assert_eq!(
                (kept.mime.as_str(), kept.location.ends_with(".bin")),
                ("application/octet-stream", true),
                "{bytes:?}"
            );
        }
    }

    #[test]
    fn types_are_read_from_the_extension() {
        assert_eq!(mime_of("a.JPG"), "image/jpeg");
        assert_eq!(mime_of("a.exe"), "application/octet-stream");
        assert_eq!(mime_of("noextension"), "application/octet-stream");
    }
}
