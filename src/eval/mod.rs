//! Detection quality on an annotated dataset: per-class AP under the VOC07 11-point, VOC
//! all-point and COCO-style AP@[.5:.95] summaries, precision/recall curves, and TIDE's error
//! breakdown; two models compared with a paired bootstrap over images.

pub mod ap;
mod bootstrap;
mod classes;
mod evaluate;
mod plot;
mod predict;
mod report;
mod tide;

pub use ap::{MatchRule, PrCurve, ScoredBox, TruthBox, box_iou, pr_curve};
pub use bootstrap::{Comparison, Interval, compare};
pub use classes::{ClassMatch, class_map, shared_with_model};
pub use evaluate::evaluate;
pub use plot::write_pr_curves;
pub use predict::{ImagePredictions, predict};
pub use report::{ClassResult, Report};
pub use tide::{TideCounts, TideImage, TideReport, tide, tide_images};
