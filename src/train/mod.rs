//! Training: the authors' objective (matching, box encoding, hard negative mining, loss).

pub mod loss;
pub mod matching;

pub use loss::{MultiboxLoss, MultiboxLossConfig};
pub use matching::{MatchTargets, iou_matrix, match_priors, point_form};
