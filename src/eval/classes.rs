//! Which dataset class is which model output.

use crate::dataset::Dataset;
use crate::labels::canonical_class_name;

/// How a dataset's classes meet a model's outputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassMatch {
    /// Per dataset class, the model's label (1-based), or `None` where the model lacks it.
    pub labels: Vec<Option<usize>>,
    /// No name was shared, so the classes were paired in order (the caller may say so).
    pub by_position: bool,
}

/// `dataset` restricted to the classes the model predicts, with each kept class's model label
/// (1-based), and notes to show the user: classes matched by position, or left out because
/// the model does not predict them (named).
pub fn shared_with_model(
    dataset: Dataset,
    model_names: &[String],
) -> Result<(Dataset, Vec<usize>, Vec<String>), String> {
    let matched = class_map(&dataset, model_names)?;
    let mut notes = Vec::new();
    if matched.by_position {
        notes.push(format!(
            "class names differ ({} vs the model's); matching them by position",
            dataset.classes.join(", ")
        ));
    }
    let map = matched.labels;
    let left_out: Vec<&str> = (dataset.classes.iter())
        .zip(&map)
        .filter(|(_, m)| m.is_none())
        .map(|(c, _)| c.as_str())
        .collect();
    if !left_out.is_empty() {
        notes.push(format!(
            "using the {} classes the model and the dataset share; left out (the model does \
             not predict them): {}",
            map.len() - left_out.len(),
            left_out.join(", ")
        ));
    }
    let (dataset, labels) = dataset.restricted_to(&map);
    Ok((dataset, labels, notes))
}

/// Dataset classes → model labels: by name (VOC and COCO spellings meet, see
/// [`canonical_class_name`]) when any class is shared, else by position over the model's
/// named outputs when the counts agree.
pub fn class_map(dataset: &Dataset, model_names: &[String]) -> Result<ClassMatch, String> {
    let foreground: Vec<String> = model_names[1.min(model_names.len())..]
        .iter()
        .map(|n| canonical_class_name(n))
        .collect();
    let by_name: Vec<Option<usize>> = dataset
        .classes
        .iter()
        .map(|c| {
            let c = canonical_class_name(c);
            foreground
                .iter()
                .position(|m| !m.is_empty() && *m == c)
                .map(|i| i + 1)
        })
        .collect();
    if by_name.iter().any(Option::is_some) {
        return Ok(ClassMatch {
            labels: by_name,
            by_position: false,
        });
    }
    let named: Vec<(usize, &String)> = model_names
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(_, n)| !n.is_empty())
        .collect();
    if named.len() == dataset.classes.len() {
        return Ok(ClassMatch {
            labels: named.iter().map(|&(label, _)| Some(label)).collect(),
            by_position: true,
        });
    }
    Err(format!(
        "the model and the dataset share no class: the model predicts {} classes ({}), the \
         dataset has {} ({})",
        named.len(),
        named
            .iter()
            .map(|(_, s)| s.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        dataset.classes.len(),
        dataset.classes.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::{COCO_LABELMAP, VOC_CLASSES};

    fn dataset(classes: &[&str]) -> Dataset {
        Dataset {
            classes: classes.iter().map(|s| s.to_string()).collect(),
            samples: Vec::new(),
            skipped: Vec::new(),
        }
    }

    #[test]
    fn a_voc_model_on_coco_data_scores_the_shared_classes() {
        let voc: Vec<String> = VOC_CLASSES.iter().map(|s| s.to_string()).collect();
        let coco = dataset(&["person", "airplane", "truck", "couch", "tv", "dining table"]);
        let map = class_map(&coco, &voc).unwrap().labels;
        // person 15, aeroplane 1, (no truck), sofa 18, tvmonitor 20, diningtable 11.
        assert_eq!(
            map,
            vec![Some(15), Some(1), None, Some(18), Some(20), Some(11)]
        );
    }

    #[test]
    fn a_coco_model_on_voc_data_finds_every_voc_class() {
        let coco: Vec<String> = COCO_LABELMAP.iter().map(|s| s.to_string()).collect();
        let voc = dataset(&VOC_CLASSES[1..]);
        let map = class_map(&voc, &coco).unwrap().labels;
        assert!(map.iter().all(Option::is_some), "{map:?}");
        // aeroplane → COCO id 5 (airplane), motorbike → 4, tvmonitor → 72.
        assert_eq!((map[0], map[13], map[19]), (Some(5), Some(4), Some(72)));
    }

    #[test]
    fn no_shared_name_falls_back_to_position_or_fails() {
        let model: Vec<String> = ["background", "a", "b"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            class_map(&dataset(&["x", "y"]), &model).unwrap(),
            ClassMatch {
                labels: vec![Some(1), Some(2)],
                by_position: true
            }
        );
        // By position over the named outputs only: an unnamed column is skipped.
        let gapped: Vec<String> = ["background", "a", "", "b"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            class_map(&dataset(&["x", "y"]), &gapped).unwrap().labels,
            vec![Some(1), Some(3)]
        );
        let err = class_map(&dataset(&["x"]), &model).unwrap_err();
        assert!(err.contains("share no class"), "{err}");
    }
}
