//! The trait every on-disk format's reader implements.

use super::collection::Dataset;
use super::error::DatasetError;

/// A way of reading a dataset from disk.
pub trait DatasetReader {
    fn read(&self) -> Result<Dataset, DatasetError>;
}
