//! Class names.

/// PASCAL VOC classes in the authors' order; index 0 is background.
pub const VOC_CLASSES: [&str; 21] = [
    "background",
    "aeroplane",
    "bicycle",
    "bird",
    "boat",
    "bottle",
    "bus",
    "car",
    "cat",
    "chair",
    "cow",
    "diningtable",
    "dog",
    "horse",
    "motorbike",
    "person",
    "pottedplant",
    "sheep",
    "sofa",
    "train",
    "tvmonitor",
];

/// Names for a model with `num_classes` classes: VOC's for 21, `class<i>` otherwise.
pub fn class_names(num_classes: usize) -> Vec<String> {
    if num_classes == VOC_CLASSES.len() {
        VOC_CLASSES.iter().map(|s| s.to_string()).collect()
    } else {
        (0..num_classes)
            .map(|i| {
                if i == 0 {
                    "background".to_string()
                } else {
                    format!("class{i}")
                }
            })
            .collect()
    }
}
