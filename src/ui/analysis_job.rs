//! The Dataset view's analysis as the worker runs it: one image per turn, between the
//! requests of the rest of the app, so browsing and the live view keep working meanwhile.

use std::path::PathBuf;

use crate::analysis::{Analyser, Objects, Summary};
use crate::dataset::{Dataset, Sample, annotations_beside};
use crate::eval::shared_with_model;
use crate::inference::Detector;
use crate::preprocess::load_image;

/// What to analyse: the open folder's images.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisRequest {
    pub folder: PathBuf,
    pub files: Vec<PathBuf>,
    /// Detections count from this score.
    pub conf: f32,
}

/// A finished analysis, with what the user should know about how it was made.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetAnalysis {
    pub summary: Summary,
    pub folder: PathBuf,
    /// Where the objects came from (the annotations found, or the detections).
    pub objects_from: String,
    /// Classes left out, unreadable images, a model without attention.
    pub notes: Vec<String>,
}

/// How the worker's analysis is going.
#[derive(Debug, Clone, PartialEq)]
pub enum AnalysisUpdate {
    Progress { done: usize, total: usize },
    Done(Box<DatasetAnalysis>),
    Failed(String),
    Cancelled,
}

/// An analysis under way.
pub struct AnalysisJob {
    request: AnalysisRequest,
    samples: Vec<Sample>,
    next: usize,
    analyser: Analyser,
    objects_from: String,
    notes: Vec<String>,
}

impl AnalysisJob {
    /// Finds the folder's annotations (else the detections are the objects) and matches their
    /// classes to the model's.
    pub fn start(request: AnalysisRequest, detector: &Detector) -> Result<Self, String> {
        if request.files.is_empty() {
            return Err("the folder has no images".into());
        }
        let mut notes = Vec::new();
        let (samples, objects_are, objects_from) =
            match annotations_beside(&request.folder, &request.files) {
                Some(read) => {
                    let (dataset, source) = read.map_err(|e| e.to_string())?;
                    if dataset.samples.is_empty() {
                        return Err(format!("{source} annotates none of the folder's images"));
                    }
                    notes.extend(dataset.skipped.iter().map(|s| format!("skipped: {s}")));
                    let names = &detector.head.class_names;
                    let (dataset, labels, shared) = shared_with_model(dataset, names)?;
                    notes.extend(shared);
                    let classes = dataset.classes.clone();
                    let from = format!("ground truth ({source})");
                    (
                        dataset.samples,
                        Objects::GroundTruth { classes, labels },
                        from,
                    )
                }
                None => {
                    let samples = Dataset::unannotated(request.files.clone()).samples;
                    let from = format!(
                        "detections with score ≥ {:.2} (no annotations found for this folder)",
                        request.conf
                    );
                    (samples, Objects::Detections, from)
                }
            };
        let analyser = Analyser::new(objects_are, request.conf);
        Ok(Self {
            request,
            samples,
            next: 0,
            analyser,
            objects_from,
            notes,
        })
    }

    /// Runs the next image; false once every image has run.
    pub fn step(&mut self, detector: &Detector) -> bool {
        if let Some(sample) = self.samples.get(self.next) {
            match load_image(&sample.image) {
                Ok(image) => {
                    let inference = detector.infer(&image);
                    self.analyser
                        .add(detector, sample, &inference, |_, _, _| {});
                }
                Err(e) => self.analyser.skip(&sample.image, &e.to_string()),
            }
            self.next += 1;
        }
        self.next < self.samples.len()
    }

    pub fn progress(&self) -> AnalysisUpdate {
        AnalysisUpdate::Progress {
            done: self.next,
            total: self.samples.len(),
        }
    }

    /// The figures of every image run.
    pub fn finish(self, detector: &Detector) -> DatasetAnalysis {
        let Self {
            request,
            analyser,
            objects_from,
            mut notes,
            ..
        } = self;
        if !analyser.unreadable.is_empty() {
            notes.push(format!(
                "{} unreadable images skipped: {}",
                analyser.unreadable.len(),
                analyser.unreadable.join("; ")
            ));
        }
        if analyser.has_attention() == Some(false) {
            notes.push(format!(
                "{} has no attention units: only which scale fires is shown",
                detector.config().name
            ));
        }
        let data = vec![request.folder.display().to_string()];
        let summary = analyser.finish(detector.config().name.clone(), data);
        DatasetAnalysis {
            summary,
            folder: request.folder,
            objects_from,
            notes,
        }
    }
}
