//! Why a camera cannot deliver frames.

/// Why a camera cannot deliver frames. Each says what the user can do about it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CameraError {
    #[error("no camera found: plug one in, or play a folder of frames as a virtual camera")]
    NoCamera,
    #[error("permission to use {0} was denied: allow camera access for this program and retry")]
    PermissionDenied(String),
    #[error("{0} is in use by another program: close it and press Start again")]
    Busy(String),
    #[error("{0} was disconnected: plug it back in and press Start again")]
    Disconnected(String),
    #[error("{0}")]
    Other(String),
}
