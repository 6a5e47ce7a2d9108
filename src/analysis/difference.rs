//! One model's per-scale figures minus another's on the same images (`assd analyze
//! --baseline`).

use super::summary::Summary;

/// This model minus the baseline at one scale (`None` where either lacks the figure).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScaleDifference {
    pub index: usize,
    pub mean_lift: Option<f64>,
    pub median_lift: Option<f64>,
    pub mean_entropy: Option<f64>,
    pub mean_distance: Option<f64>,
    /// Objects the scale fired for.
    pub fired: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// Scales both models have with the same grid.
    pub scales: Vec<ScaleDifference>,
}

fn minus(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    Some(a? - b?)
}

impl Difference {
    pub fn between(model: &Summary, baseline: &Summary) -> Self {
        let fired = |s: &Summary, k: usize| {
            s.objects
                .iter()
                .filter(|o| o.fired_scale == Some(k))
                .count() as i64
        };
        let scales = (model.scales.iter())
            .zip(&baseline.scales)
            .filter(|(a, b)| a.grid == b.grid)
            .map(|(a, b)| ScaleDifference {
                index: a.index,
                mean_lift: minus(a.mean_lift, b.mean_lift),
                median_lift: minus(a.median_lift, b.median_lift),
                mean_entropy: minus(a.mean_entropy, b.mean_entropy),
                mean_distance: minus(a.mean_distance, b.mean_distance),
                fired: fired(model, a.index) - fired(baseline, b.index),
            })
            .collect();
        Self { scales }
    }

    pub fn table(&self) -> String {
        let opt = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:+.3}"));
        let mut out = format!(
            "{:<6} {:>10} {:>12} {:>9} {:>10} {:>6}\n",
            "scale", "Δmean lift", "Δmedian lift", "Δentropy", "Δdistance", "Δfired"
        );
        for s in &self.scales {
            out += &format!(
                "{:<6} {:>10} {:>12} {:>9} {:>10} {:>+6}\n",
                s.index,
                opt(s.mean_lift),
                opt(s.median_lift),
                opt(s.mean_entropy),
                opt(s.mean_distance),
                s.fired
            );
        }
        out
    }

    pub fn csv(&self) -> String {
        let cell = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
        let mut out =
            "scale,d_mean_lift,d_median_lift,d_mean_entropy,d_mean_distance,d_fired\n".to_string();
        for s in &self.scales {
            out += &format!(
                "{},{},{},{},{},{}\n",
                s.index,
                cell(s.mean_lift),
                cell(s.median_lift),
                cell(s.mean_entropy),
                cell(s.mean_distance),
                s.fired
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{Grid, ObjectAttention, ObjectRecord, SizeBucket, Spread};

    fn summary(lift: f64, fired: Option<usize>) -> Summary {
        let object = ObjectRecord {
            image: "a.jpg".into(),
            class: "cat".into(),
            bbox: [0.0, 0.0, 50.0, 50.0],
            size: SizeBucket::Medium,
            source: "gt",
            fired_scale: fired,
            per_scale: vec![ObjectAttention {
                cells: 1,
                inside_mass: lift / 4.0,
                lift,
                received_share: 0.25,
            }],
        };
        let grids = [Grid { h: 2, w: 2 }];
        let mut spread = Spread::default();
        spread.add_map(&[0.25; 16], grids[0]);
        Summary::new("m".into(), vec![], 1, &grids, &[spread], vec![object])
    }

    #[test]
    fn differences_are_this_model_minus_the_baseline() {
        let d = Difference::between(&summary(3.0, Some(0)), &summary(1.0, None));
        assert_eq!(d.scales.len(), 1);
        assert_eq!(d.scales[0].mean_lift, Some(2.0));
        assert_eq!(d.scales[0].mean_entropy, Some(0.0));
        assert_eq!(d.scales[0].fired, 1);
        assert!(d.table().contains("+2.000"));
        assert_eq!(d.csv().lines().nth(1), Some("0,2,2,0,0,1"));
    }
}
