//! How class logits become scores.

use serde::{Deserialize, Serialize};

/// How class logits become scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ScoreFunction {
    /// Softmax over all classes, background included (SSD, the authors' ASSD).
    #[default]
    Softmax,
    /// An independent sigmoid per class (TensorFlow's SSD models).
    Sigmoid,
}
