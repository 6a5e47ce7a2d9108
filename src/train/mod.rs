//! Training: the authors' objective (matching, box encoding, hard negative mining, loss) and
//! their augmentation (with its known bugs fixed).

pub mod augment;
pub mod loss;
pub mod matching;

pub use loss::{MultiboxLoss, MultiboxLossConfig};
pub use matching::{MatchTargets, iou_matrix, match_priors, point_form};
