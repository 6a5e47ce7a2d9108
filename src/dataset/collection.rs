//! A whole dataset in memory ([`Dataset`]: class names and samples), and the ways training and
//! evaluation relabel, merge, split and restrict one.

use super::sample::{Object, Sample};

/// A dataset: class names and samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub classes: Vec<String>,
    pub samples: Vec<Sample>,
    /// Annotations skipped (e.g. zero-area boxes), each naming its file and line.
    pub skipped: Vec<String>,
}

impl Dataset {
    /// `images` without annotations (no classes, no objects; sizes unknown until read).
    pub fn unannotated(images: Vec<std::path::PathBuf>) -> Dataset {
        Dataset {
            classes: Vec::new(),
            samples: (images.into_iter())
                .map(|image| Sample {
                    image,
                    width: 0,
                    height: 0,
                    objects: Vec::new(),
                })
                .collect(),
            skipped: Vec::new(),
        }
    }

    pub fn object_count(&self) -> usize {
        self.samples.iter().map(|s| s.objects.len()).sum()
    }

    /// The classes renamed to a model's outputs: class c becomes model label `labels[c]`
    /// (1-based), and the class list is `model_names[1..]`, so class index = label − 1.
    pub fn relabelled(self, labels: &[usize], model_names: &[String]) -> Dataset {
        let samples = renumbered(self.samples, |c| Some(labels[c] - 1));
        Dataset {
            classes: model_names.get(1..).unwrap_or_default().to_vec(),
            samples,
            skipped: self.skipped,
        }
    }

    /// Both datasets' images; `other`'s classes are matched to this one's by name, new ones
    /// appended.
    pub fn merged(mut self, other: Dataset) -> Dataset {
        let index: Vec<usize> = other
            .classes
            .iter()
            .map(|c| match self.classes.iter().position(|x| x == c) {
                Some(i) => i,
                None => {
                    self.classes.push(c.clone());
                    self.classes.len() - 1
                }
            })
            .collect();
        self.samples
            .extend(renumbered(other.samples, |c| Some(index[c])));
        self.skipped.extend(other.skipped);
        self
    }

    /// (every image but each k-th, each k-th): a fixed held-out split (k ≥ 2), in reading order.
    pub fn split_every(self, k: usize) -> (Dataset, Dataset) {
        let k = k.max(2);
        let (mut kept, mut held) = (Vec::new(), Vec::new());
        for (i, s) in self.samples.into_iter().enumerate() {
            if i % k == k - 1 {
                held.push(s);
            } else {
                kept.push(s);
            }
        }
        let make = |samples| Dataset {
            classes: self.classes.clone(),
            samples,
            skipped: Vec::new(),
        };
        let mut train = make(kept);
        train.skipped = self.skipped.clone();
        (train, make(held))
    }

    /// The split `assd train --holdout-every k [--val-every j]` and `assd eval` agree on:
    /// every k-th image is held out; with `j`, every j-th of the rest is the validation part
    /// instead. Returns (training images, the part validated or evaluated on).
    pub fn holdout(self, k: usize, val_every: Option<usize>) -> (Dataset, Dataset) {
        let (kept, held_out) = self.split_every(k);
        match val_every {
            Some(j) => kept.split_every(j),
            None => (kept, held_out),
        }
    }

    /// Only the classes `map` gives a value for (e.g. the model labels of the classes a model
    /// shares with the dataset), renumbered in order, their objects kept and the others
    /// dropped; returns the dataset and the kept classes' values.
    pub fn restricted_to<T: Copy>(self, map: &[Option<T>]) -> (Dataset, Vec<T>) {
        let mut index = vec![None; self.classes.len()];
        let mut classes = Vec::new();
        let mut values = Vec::new();
        for (c, name) in self.classes.iter().enumerate() {
            if let Some(v) = map.get(c).copied().flatten() {
                index[c] = Some(classes.len());
                classes.push(name.clone());
                values.push(v);
            }
        }
        let samples = renumbered(self.samples, |c| index[c]);
        (
            Dataset {
                classes,
                samples,
                skipped: self.skipped,
            },
            values,
        )
    }
}

/// Every object's class `c` replaced by `class(c)`; objects it maps to `None` are dropped.
fn renumbered(samples: Vec<Sample>, class: impl Fn(usize) -> Option<usize>) -> Vec<Sample> {
    samples
        .into_iter()
        .map(|s| Sample {
            objects: s
                .objects
                .into_iter()
                .filter_map(|o| class(o.class).map(|class| Object { class, ..o }))
                .collect(),
            ..s
        })
        .collect()
}
