//! Training: the authors' objective (matching, box encoding, hard negative mining, loss) and
//! their augmentation (with its known bugs fixed).

pub mod augment;
pub mod data;
pub mod distill;
pub mod gpu_check;
pub mod loss;
pub mod matching;
pub mod resume;
pub mod schedule;
pub mod step;
pub mod trainer;

pub use loss::{MultiboxLoss, MultiboxLossConfig};
pub use matching::{MatchTargets, iou_matrix, match_priors, point_form};
pub use trainer::{
    EpochReport, StepReport, TrainConfig, TrainError, TrainObserver, TrainSummary, train, train_on,
};
