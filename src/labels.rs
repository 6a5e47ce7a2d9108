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

/// TensorFlow's COCO label map: entry j is COCO category id j, and the ten ids COCO never
/// used (12, 26, 29, 30, 45, 66, 68, 69, 71, 83) are empty: those outputs are not classes.
pub const COCO_LABELMAP: [&str; 91] = [
    "background",
    "person",
    "bicycle",
    "car",
    "motorcycle",
    "airplane",
    "bus",
    "train",
    "truck",
    "boat",
    "traffic light",
    "fire hydrant",
    "",
    "stop sign",
    "parking meter",
    "bench",
    "bird",
    "cat",
    "dog",
    "horse",
    "sheep",
    "cow",
    "elephant",
    "bear",
    "zebra",
    "giraffe",
    "",
    "backpack",
    "umbrella",
    "",
    "",
    "handbag",
    "tie",
    "suitcase",
    "frisbee",
    "skis",
    "snowboard",
    "sports ball",
    "kite",
    "baseball bat",
    "baseball glove",
    "skateboard",
    "surfboard",
    "tennis racket",
    "bottle",
    "",
    "wine glass",
    "cup",
    "fork",
    "knife",
    "spoon",
    "bowl",
    "banana",
    "apple",
    "sandwich",
    "orange",
    "broccoli",
    "carrot",
    "hot dog",
    "pizza",
    "donut",
    "cake",
    "chair",
    "couch",
    "potted plant",
    "bed",
    "",
    "dining table",
    "",
    "",
    "toilet",
    "",
    "tv",
    "laptop",
    "mouse",
    "remote",
    "keyboard",
    "cell phone",
    "microwave",
    "oven",
    "toaster",
    "sink",
    "refrigerator",
    "",
    "book",
    "clock",
    "vase",
    "scissors",
    "teddy bear",
    "hair drier",
    "toothbrush",
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

/// A class name in a form that compares equal across VOC's and COCO's spellings: lower case,
/// letters and digits only, and VOC's names mapped to COCO's (aeroplane → airplane, motorbike
/// → motorcycle, sofa → couch, tvmonitor → tv; diningtable and pottedplant already agree with
/// "dining table" and "potted plant" once spaces go).
pub fn canonical_class_name(name: &str) -> String {
    let plain: String = name
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    match plain.as_str() {
        "aeroplane" => "airplane".into(),
        "motorbike" => "motorcycle".into(),
        "sofa" => "couch".into(),
        "tvmonitor" | "tvmonitors" => "tv".into(),
        _ => plain,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voc_and_coco_names_meet() {
        for (voc, coco) in [
            ("aeroplane", "airplane"),
            ("motorbike", "motorcycle"),
            ("sofa", "couch"),
            ("tvmonitor", "tv"),
            ("diningtable", "dining table"),
            ("pottedplant", "potted plant"),
            ("person", "person"),
        ] {
            assert_eq!(
                canonical_class_name(voc),
                canonical_class_name(coco),
                "{voc}"
            );
        }
        assert_ne!(canonical_class_name("car"), canonical_class_name("truck"));
        // Every VOC class has a COCO counterpart.
        let coco: Vec<String> = COCO_LABELMAP
            .iter()
            .map(|n| canonical_class_name(n))
            .collect();
        for voc in &VOC_CLASSES[1..] {
            assert!(coco.contains(&canonical_class_name(voc)), "{voc}");
        }
    }
}
