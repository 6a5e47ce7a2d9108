//! Prior boxes, box coding, NMS and the authors' `Detect`, plus post-processing to pixels.
//!
//! Everything here is y-first as in the authors' code: priors are (cy, cx, h, w), boxes are
//! (y1, x1, y2, x2), normalised to the network input.

mod boxes;
pub(crate) mod detector;
mod nms;
pub(crate) mod priors;

pub use boxes::{decode, encode};
pub use detector::{DetectConfig, Detection, RawDetection, detect, detect_classes, to_pixels};
pub use nms::{iou, nms};
pub use priors::{PriorInfo, prior_boxes, prior_info};
