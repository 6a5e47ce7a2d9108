//! Why a dataset cannot be read: each error names the file and the line or field.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file is not well-formed (XML, JSON, YAML).
    #[error("{path}:{line}:{column}: {message}")]
    Syntax {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    /// A field is missing or has a bad value.
    #[error("{path}:{line}: {field}: {message}")]
    Field {
        path: PathBuf,
        line: usize,
        field: String,
        message: String,
    },
    /// An entry of a structured file (JSON) that parses but does not make sense.
    #[error("{path}: {entry}: {message}")]
    Entry {
        path: PathBuf,
        entry: String,
        message: String,
    },
    #[error("{path}: {message}")]
    Layout { path: PathBuf, message: String },
}

pub(crate) fn read_to_string(path: &Path) -> Result<String, DatasetError> {
    std::fs::read_to_string(path).map_err(|source| DatasetError::Io {
        path: path.to_path_buf(),
        source,
    })
}
