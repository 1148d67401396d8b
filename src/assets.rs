//! The data files the bot is made of (`corpus/`, later `dialogs/`): embedded in the binary so it
//! works from any directory, or read from a directory given on the command line.

use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

static CORPUS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/corpus");
static DIALOGS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/dialogs");

/// Where a family of data files comes from.
#[derive(Debug, Clone)]
pub enum Assets {
    /// The files shipped inside the binary.
    Embedded {
        /// What the files are, for messages ("corpus").
        kind: &'static str,
        /// The embedded directory.
        dir: &'static Dir<'static>,
    },
    /// Files in a directory on disk (`--corpus DIR`).
    Directory(PathBuf),
}

/// A data file that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum AssetError {
    /// The file does not exist.
    #[error("{place}: missing file {name}")]
    Missing { place: String, name: String },
    /// The file exists but could not be read, or is not UTF-8.
    #[error("{place}: cannot read {name}: {source}")]
    Unreadable { place: String, name: String, source: std::io::Error },
}

impl Assets {
    /// The corpus: the embedded one, or the files in `dir`.
    pub fn corpus(dir: Option<&Path>) -> Self {
        match dir {
            Some(dir) => Self::Directory(dir.to_path_buf()),
            None => Self::Embedded { kind: "corpus", dir: &CORPUS },
        }
    }

    /// The form definitions: the embedded ones, or the files in `dir`.
    pub fn dialogs(dir: Option<&Path>) -> Self {
        match dir {
            Some(dir) => Self::Directory(dir.to_path_buf()),
            None => Self::Embedded { kind: "dialogs", dir: &DIALOGS },
        }
    }

    /// The names of the files ending in `.{extension}`, sorted.
    pub fn names(&self, extension: &str) -> Result<Vec<String>, AssetError> {
        let suffix = format!(".{extension}");
        let mut names: Vec<String> = match self {
            Self::Embedded { dir, .. } => {
                dir.files().filter_map(|file| file.path().file_name()?.to_str().map(str::to_owned)).collect()
            }
            Self::Directory(path) => std::fs::read_dir(path)
                .map_err(|source| AssetError::Unreadable { place: self.place(), name: String::new(), source })?
                .filter_map(|entry| entry.ok()?.file_name().to_str().map(str::to_owned))
                .collect(),
        };
        names.retain(|name| name.ends_with(&suffix));
        names.sort();
        Ok(names)
    }

    /// Where the files come from, for messages.
    pub fn place(&self) -> String {
        match self {
            Self::Embedded { kind, .. } => format!("embedded {kind}"),
            Self::Directory(path) => path.display().to_string(),
        }
    }

    /// The text of the file `name`.
    pub fn read(&self, name: &str) -> Result<String, AssetError> {
        match self {
            Self::Embedded { dir, .. } => dir
                .get_file(name)
                .and_then(|file| file.contents_utf8())
                .map(str::to_owned)
                .ok_or_else(|| self.missing(name)),
            Self::Directory(path) => std::fs::read_to_string(path.join(name)).map_err(|source| match source.kind() {
                std::io::ErrorKind::NotFound => self.missing(name),
                _ => AssetError::Unreadable { place: self.place(), name: name.to_owned(), source },
            }),
        }
    }

    fn missing(&self, name: &str) -> AssetError {
        AssetError::Missing { place: self.place(), name: name.to_owned() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_corpus_has_its_manifest() {
        let text = Assets::corpus(None).read("corpus.toml").unwrap();
        assert!(text.contains("document"));
    }

    #[test]
    fn lists_files_by_extension_in_order() {
        let names = Assets::corpus(None).names("toml").unwrap();
        assert_eq!(
            names,
            [
                "anticipated.toml",
                "asks.toml",
                "corpus.toml",
                "decision.toml",
                "glossary.toml",
                "messages.toml",
                "smalltalk.toml",
                "synonyms.toml",
                "tiers.toml"
            ]
        );
    }

    #[test]
    fn a_missing_file_names_the_file_and_the_place() {
        let err = Assets::corpus(Some(Path::new("/nonexistent-dir"))).read("x.toml").unwrap_err();
        assert_eq!(err.to_string(), "/nonexistent-dir: missing file x.toml");
    }
}
