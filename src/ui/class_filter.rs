//! The class filter: which classes' detections are hidden (the thresholds are settings).

use std::collections::{BTreeMap, BTreeSet};

use crate::detect::Detection;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClassFilter {
    hidden: BTreeSet<usize>,
}

impl ClassFilter {
    pub fn is_hidden(&self, class_id: usize) -> bool {
        self.hidden.contains(&class_id)
    }

    pub fn set_hidden(&mut self, class_id: usize, hidden: bool) {
        if hidden {
            self.hidden.insert(class_id);
        } else {
            self.hidden.remove(&class_id);
        }
    }

    /// `detections` without the hidden classes, in order (their indices are the table's rows).
    pub fn visible<'a>(&self, detections: &'a [Detection]) -> Vec<&'a Detection> {
        detections
            .iter()
            .filter(|d| !self.is_hidden(d.class_id))
            .collect()
    }
}

/// Label and number of detections per class id, in class order.
pub fn class_counts(detections: &[Detection]) -> BTreeMap<usize, (String, usize)> {
    let mut counts = BTreeMap::<usize, (String, usize)>::new();
    for d in detections {
        counts
            .entry(d.class_id)
            .or_insert_with(|| (d.label.clone(), 0))
            .1 += 1;
    }
    counts
}
