//! Learning-rate schedules: linear warm-up, then constant, step decay or cosine.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Schedule {
    Constant,
    /// Multiply by `gamma` at each milestone (in epochs).
    Step {
        milestones: Vec<usize>,
        gamma: f64,
    },
    /// Cosine from the base rate to `min_lr` over the run.
    Cosine {
        min_lr: f64,
    },
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule::Cosine { min_lr: 0.0 }
    }
}

/// The rate at `step` (0-based) of `total_steps`, with `steps_per_epoch` for step decay.
pub fn learning_rate(
    schedule: &Schedule,
    base: f64,
    warmup_steps: usize,
    step: usize,
    total_steps: usize,
    steps_per_epoch: usize,
) -> f64 {
    let scheduled = match schedule {
        Schedule::Constant => base,
        Schedule::Step { milestones, gamma } => {
            let epoch = step / steps_per_epoch.max(1);
            base * gamma.powi(milestones.iter().filter(|&&m| epoch >= m).count() as i32)
        }
        Schedule::Cosine { min_lr } => {
            let t = step as f64 / total_steps.max(1) as f64;
            min_lr + (base - min_lr) * 0.5 * (1.0 + (std::f64::consts::PI * t.min(1.0)).cos())
        }
    };
    if step < warmup_steps {
        // Linear from a third of the rate, as common SSD recipes warm up.
        let f = (step + 1) as f64 / warmup_steps as f64;
        scheduled * (1.0 / 3.0 + (2.0 / 3.0) * f)
    } else {
        scheduled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_are_hand_checked() {
        let step = Schedule::Step {
            milestones: vec![2, 4],
            gamma: 0.1,
        };
        // 10 steps per epoch: epochs 0–1 at 1e-3, 2–3 at 1e-4, then 1e-5.
        assert_eq!(learning_rate(&step, 1e-3, 0, 19, 100, 10), 1e-3);
        assert!((learning_rate(&step, 1e-3, 0, 20, 100, 10) - 1e-4).abs() < 1e-15);
        assert!((learning_rate(&step, 1e-3, 0, 45, 100, 10) - 1e-5).abs() < 1e-15);
        let cosine = Schedule::Cosine { min_lr: 0.0 };
        assert_eq!(learning_rate(&cosine, 1.0, 0, 0, 100, 10), 1.0);
        assert!((learning_rate(&cosine, 1.0, 0, 50, 100, 10) - 0.5).abs() < 1e-12);
        assert!(learning_rate(&cosine, 1.0, 0, 100, 100, 10).abs() < 1e-12);
        // Warm-up: a third of the rate rising linearly to the full rate at the last warm-up step.
        assert!(
            (learning_rate(&Schedule::Constant, 0.3, 3, 0, 100, 10)
                - 0.3 * (1.0 / 3.0 + 2.0 / 9.0))
                .abs()
                < 1e-12
        );
        assert!((learning_rate(&Schedule::Constant, 0.3, 3, 2, 100, 10) - 0.3).abs() < 1e-12);
        assert_eq!(learning_rate(&Schedule::Constant, 0.3, 3, 3, 100, 10), 0.3);
    }
}
