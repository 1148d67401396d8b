//! Static files (style sheets, scripts, icons) built into the binary from `src/web/static/` and
//! served under `/static/`: no CDN, nothing to deploy beside the binary. A page links a file by
//! [`url`], which adds a hash of its content, so browsers may keep it for a year and still get
//! the new one after an upgrade.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use include_dir::{Dir, include_dir};
use sha2::{Digest, Sha256};

use crate::files::hex;

static STATIC: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/src/web/static");

/// Where the files are served.
pub const PREFIX: &str = "/static/";

/// The URL of the static file `path` (`console.css`), with a hash of its content.
///
/// # Panics
/// If there is no such file: a page links only files that are built in, which every page's
/// test renders.
pub fn url(path: &str) -> String {
    static HASHES: OnceLock<Vec<(String, String)>> = OnceLock::new();
    let hashes = HASHES.get_or_init(|| files().map(|(path, bytes)| (path, hex(&Sha256::digest(bytes)[..6]))).collect());
    let (_, hash) = hashes.iter().find(|(known, _)| known == path).unwrap_or_else(|| panic!("no static file {path}"));
    format!("{PREFIX}{path}?v={hash}")
}

/// Every built-in file with its path below `static/`.
fn files() -> impl Iterator<Item = (String, &'static [u8])> {
    let mut dirs = vec![&STATIC];
    let mut found = Vec::new();
    while let Some(dir) = dirs.pop() {
        for entry in dir.entries() {
            if let Some(sub) = entry.as_dir() {
                dirs.push(sub);
            } else if let Some(file) = entry.as_file() {
                found.push((file.path().to_string_lossy().replace('\\', "/"), file.contents()));
            }
        }
    }
    found.into_iter()
}

/// `GET /static/{*path}`: the file, with its type, cached for a year (its URL changes with it).
pub async fn serve(Path(path): Path<String>) -> Response {
    let Some(file) = STATIC.get_file(&path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut response = file.contents().into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type(&path)));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

/// The media type of a static file, by its extension.
fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, extension)| extension) {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_file_has_a_known_type_and_a_hashed_url() {
        let files: Vec<(String, &[u8])> = files().collect();
        assert!(!files.is_empty());
        for (path, _) in &files {
            assert_ne!(content_type(path), "application/octet-stream", "{path}");
            assert!(url(path).starts_with(&format!("/static/{path}?v=")));
        }
    }
}
