//! ASSD (Attentive Single Shot MultiBox Detector) in Burn: the network, the authors'
//! checkpoint format, pre/post-processing, and the attention maps as first-class outputs.

pub mod analysis;
pub mod attention_query;
pub mod backend;
pub mod camera;
pub mod charts;
pub mod config;
pub mod cpu_kernels;
pub mod dataset;
pub mod detect;
pub mod draw;
pub mod eval;
pub mod export;
pub mod fsutil;
mod hsv;
pub mod image_files;
pub mod inference;
pub mod labels;
pub mod model;
pub mod preprocess;
pub mod train;
pub mod ui;
pub mod weights;

pub use config::assd_config::AssdConfig;
pub use inference::{Detector, Inference};
