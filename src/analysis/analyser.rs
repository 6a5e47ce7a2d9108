//! The dataset's figures built up one image at a time: an image's maps are read one scale at a
//! time and dropped once its objects and spreads have taken what they need, so memory stays
//! that of one image whatever the dataset's size.

use super::fired::fired_scale;
use super::grid::{Grid, object_cells};
use super::object_attention::{column_sums, object_attention};
use super::size::SizeBucket;
use super::spread::Spread;
use super::summary::{ObjectRecord, Summary};
use crate::dataset::Sample;
use crate::detect::DetectConfig;
use crate::inference::{Detector, Inference, tensor_to_vec};

/// What the objects of an image are.
#[derive(Debug, Clone, PartialEq)]
pub enum Objects {
    /// The ground-truth boxes (difficult ones left out): `classes` names the dataset's
    /// classes, `labels` gives each its model label (as `eval::shared_with_model` makes them).
    GroundTruth {
        classes: Vec<String>,
        labels: Vec<usize>,
    },
    /// The detections with score ≥ the threshold (images without annotations).
    Detections,
}

/// One object to analyse: its box, class name and the model label it is detected as.
struct Target {
    bbox: [f32; 4],
    class: String,
    label: usize,
}

/// The figures so far.
pub struct Analyser {
    objects_are: Objects,
    /// Detections count from this score (which scale fired; the objects of `Detections`).
    conf: f32,
    grids: Vec<Grid>,
    spreads: Vec<Spread>,
    objects: Vec<ObjectRecord>,
    analysed: usize,
    /// `path: why` of each image that could not be read.
    pub unreadable: Vec<String>,
    /// Scales with attention (`None` until an image has run).
    attention_scales: Option<usize>,
}

impl Analyser {
    pub fn new(objects_are: Objects, conf: f32) -> Self {
        Self {
            objects_are,
            conf,
            grids: Vec::new(),
            spreads: Vec::new(),
            objects: Vec::new(),
            analysed: 0,
            unreadable: Vec::new(),
            attention_scales: None,
        }
    }

    /// Adds `sample`'s forward pass `inference` by `detector`; `each_map(scale, n, map)` sees
    /// every scale's row-major `n`×`n` map before it is dropped (to write it out).
    pub fn add(
        &mut self,
        detector: &Detector,
        sample: &Sample,
        inference: &Inference,
        mut each_map: impl FnMut(usize, usize, &[f32]),
    ) {
        let size = inference.raw.image_size;
        let config = DetectConfig {
            conf_thresh: self.conf,
            ..detector.config().detect
        };
        let detections = detector.detections(inference, &config);
        let targets: Vec<Target> = match &self.objects_are {
            Objects::GroundTruth { classes, labels } => (sample.objects.iter())
                .filter(|o| !o.difficult)
                .map(|o| Target {
                    bbox: o.bbox,
                    class: classes[o.class].clone(),
                    label: labels[o.class],
                })
                .collect(),
            Objects::Detections => (detections.iter())
                .map(|d| Target {
                    bbox: d.bbox,
                    class: d.label.clone(),
                    label: d.class_id,
                })
                .collect(),
        };
        let source = match self.objects_are {
            Objects::GroundTruth { .. } => "gt",
            Objects::Detections => "detection",
        };
        if self.grids.is_empty() {
            self.grids = (inference.raw.feature_sizes.iter())
                .map(|&[h, w]| Grid { h, w })
                .collect();
            self.spreads = vec![Spread::default(); inference.attention.len()];
        }
        self.attention_scales
            .get_or_insert(inference.attention.len());
        let first = self.objects.len();
        for t in &targets {
            self.objects.push(ObjectRecord {
                image: sample.image.display().to_string(),
                class: t.class.clone(),
                bbox: t.bbox,
                size: SizeBucket::of(t.bbox),
                source,
                fired_scale: fired_scale(t.bbox, t.label, &detections, self.conf),
                per_scale: Vec::new(),
            });
        }
        // One scale's N×N map on the host at a time.
        for (s, beta) in inference.attention.iter().enumerate() {
            let [h, w] = inference.raw.feature_sizes[s];
            let grid = Grid { h, w };
            let map = tensor_to_vec(beta.clone());
            if let Some(spread) = self.spreads.get_mut(s) {
                spread.add_map(&map, grid);
            }
            let columns = column_sums(&map, grid.n());
            for (o, t) in self.objects[first..].iter_mut().zip(&targets) {
                let cells = object_cells(grid, t.bbox, size);
                o.per_scale
                    .push(object_attention(&map, grid.n(), &cells, &columns));
            }
            each_map(s, grid.n(), &map);
        }
        self.analysed += 1;
    }

    /// Counts an image that could not be read.
    pub fn skip(&mut self, image: &std::path::Path, why: &str) {
        self.unreadable.push(format!("{}: {why}", image.display()));
    }

    /// Whether the model has attention units (`None` before the first image).
    pub fn has_attention(&self) -> Option<bool> {
        self.attention_scales.map(|s| s > 0)
    }

    /// The figures of everything added, for `model` on `data`.
    pub fn finish(self, model: String, data: Vec<String>) -> Summary {
        Summary::new(
            model,
            data,
            self.analysed,
            &self.grids,
            &self.spreads,
            self.objects,
        )
    }
}
