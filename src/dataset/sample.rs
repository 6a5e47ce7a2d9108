//! One annotated image: its objects with pixel boxes and class indices.

use std::path::PathBuf;

/// One annotated object.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    /// Index into [`Dataset::classes`](crate::dataset::Dataset::classes).
    pub class: usize,
    /// `[x1, y1, x2, y2]` in pixels, 0-based, continuous (VOC's 1-based corners minus 1, as the
    /// authors' loader does).
    pub bbox: [f32; 4],
    /// VOC `difficult` / COCO `iscrowd`: left out of training, ignored by evaluation.
    pub difficult: bool,
    /// COCO's annotated area (of the segmentation, in pixels²), which its small / medium /
    /// large buckets use; `None` elsewhere, where the box's area stands in.
    pub area: Option<f32>,
}

impl Object {
    /// The area COCO's size buckets use: the annotated one, else the box's.
    pub fn bucket_area(&self) -> f32 {
        let [x1, y1, x2, y2] = self.bbox;
        self.area.unwrap_or((x2 - x1) * (y2 - y1))
    }
}

/// One image and its objects.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub image: PathBuf,
    pub width: u32,
    pub height: u32,
    pub objects: Vec<Object>,
}

impl Sample {
    /// Boxes normalised and y-first (`[y1, x1, y2, x2]`), with 1-based labels (0 is
    /// background), difficult objects dropped: the training targets.
    pub fn targets(&self) -> (Vec<[f32; 4]>, Vec<usize>) {
        let (w, h) = (self.width as f32, self.height as f32);
        self.objects
            .iter()
            .filter(|o| !o.difficult)
            .map(|o| {
                let [x1, y1, x2, y2] = o.bbox;
                ([y1 / h, x1 / w, y2 / h, x2 / w], o.class + 1)
            })
            .unzip()
    }
}
