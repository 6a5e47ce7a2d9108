//! What a panel asks the app to do: panels change their own state directly and return
//! anything that reaches further (the worker, another panel's state, the file system) as an
//! `Action`, which the app applies in one place.

use std::path::PathBuf;

use super::exports::ExportKind;
use crate::camera::SourceSpec;

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// An image (its folder becomes the list) or a folder.
    OpenPath(PathBuf),
    LoadWeights(PathBuf),
    /// Show image `index` of the file list (leaving live mode).
    SelectImage(usize),
    /// Show scale `k` large over the image.
    SelectScale(usize),
    /// Highlight visible detection `index`, show its scale and its centre's attention.
    SelectDetection(usize),
    /// Add visible detection `index` as a label of the current image.
    AcceptDetection(usize),
    /// The attention of the query cells containing this pixel of the current image.
    QueryAttention([f32; 2]),
    SetAnnotating(bool),
    /// Write the current image's `ExportKind` to the path.
    Export(ExportKind, PathBuf),
    StartCamera(SourceSpec),
    StopCamera,
    PauseCamera(bool),
    CloseCamera,
    /// Save the shown frame, its annotated copy and its detections.
    Snapshot,
    /// Fine-tune the loaded model on the labelled images of the folder.
    StartFinetune,
    /// Analyse the open folder (Dataset view); detections count from score `conf`.
    AnalyseFolder {
        conf: f32,
    },
    CancelAnalysis,
    /// Open `image` with `bbox` (an object of the dataset analysis) marked, scale `scale`
    /// shown large and the attention of the box's centre on screen; `label` tags the box.
    OpenObject {
        image: PathBuf,
        bbox: [f32; 4],
        scale: usize,
        label: String,
    },
    /// A line for the status bar (the outcome of something a panel did itself).
    Report(String),
}
