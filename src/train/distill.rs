//! Distillation from a frozen teacher (`assd train --teacher W`): the student's class
//! probabilities and box offsets on every prior are pulled towards the teacher's, so the
//! student keeps what the teacher knew while its attention units learn, and unlabelled images
//! can be training data.
//!
//! Per prior, the class term is KL(teacher ‖ student) over the classes: softmax outputs give
//! Σ_c p_c·(log p_c − log q_c); sigmoid outputs (TensorFlow's SSD-MobileNet) treat each class
//! as its own yes/no and sum the Bernoulli KLs, written with softplus so that it is finite
//! for any logit. It is averaged over every prior of the batch. The box term is the L1
//! distance of the 4 offsets, weighted per prior by the teacher's highest foreground
//! probability (a background prior's offsets mean nothing) and divided by the weights' sum.
//! Both are multiplied by `weight` (`--distill`).

use burn::config::Config;
use burn::prelude::*;
use burn::tensor::activation::{log_softmax, relu, sigmoid, softmax};

use crate::config::ScoreFunction;
use crate::inference::DetectionHead;
use crate::model::Assd;

/// A frozen teacher: its network in inference mode on a device without autodiff, and the loss
/// that compares the student with it.
#[derive(Debug, Clone)]
pub struct Teacher {
    pub model: Assd,
    pub device: Device,
    pub loss: DistillLossConfig,
}

impl Teacher {
    /// The teacher's offsets `[batch, priors, 4]` and logits `[batch, priors, classes]` for
    /// `input` (`[batch, 3, size, size]`, row-major), on `device` (the student's), detached.
    pub fn outputs(
        &self,
        input: Vec<f32>,
        shape: [usize; 4],
        device: &Device,
    ) -> (Tensor<3>, Tensor<3>) {
        let x = Tensor::<4>::from_data(TensorData::new(input, shape), &self.device);
        let out = self.model.forward(x);
        (
            Tensor::from_data(out.loc.into_data(), device),
            Tensor::from_data(out.conf.into_data(), device),
        )
    }
}

#[derive(Config, Debug)]
pub struct DistillLossConfig {
    /// Factor on both distillation terms, relative to the MultiBox loss. Default: 1.
    #[config(default = 1.0)]
    pub weight: f32,
    /// The score function of teacher and student (they must share it). Default: softmax.
    #[config(default = "ScoreFunction::Softmax")]
    pub score: ScoreFunction,
}

/// The two terms, each already multiplied by the weight. Shape `[1]`.
#[derive(Debug, Clone)]
pub struct DistillLoss {
    pub class_kl: Tensor<1>,
    pub box_l1: Tensor<1>,
}

impl DistillLoss {
    pub fn total(&self) -> Tensor<1> {
        self.class_kl.clone() + self.box_l1.clone()
    }
}

/// softplus(x) = log(1 + eˣ), stable for any x.
fn softplus<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    relu(x.clone()) + (-x.abs()).exp().log1p()
}

impl DistillLossConfig {
    /// `loc` `[batch, priors, 4]` and `conf` `[batch, priors, classes]` logits of the student;
    /// `teacher_loc` and `teacher_conf` the same of the teacher (constants: no gradient).
    pub fn forward(
        &self,
        loc: Tensor<3>,
        conf: Tensor<3>,
        teacher_loc: Tensor<3>,
        teacher_conf: Tensor<3>,
    ) -> DistillLoss {
        let [batch, priors, classes] = conf.dims();
        let (teacher_loc, teacher_conf) = (teacher_loc.detach(), teacher_conf.detach());
        let (kl, p) = match self.score {
            ScoreFunction::Softmax => {
                let p = softmax(teacher_conf.clone(), 2);
                let kl = p.clone() * (log_softmax(teacher_conf, 2) - log_softmax(conf, 2));
                (kl, p)
            }
            ScoreFunction::Sigmoid => {
                let p = sigmoid(teacher_conf.clone());
                // log σ(x) = −softplus(−x), log(1 − σ(x)) = −softplus(x).
                let yes = p.clone() * (softplus(-conf.clone()) - softplus(-teacher_conf.clone()));
                let no = (p.clone().neg() + 1.0) * (softplus(conf) - softplus(teacher_conf));
                (yes + no, p)
            }
        };
        let class_kl = kl.sum() / (batch * priors).max(1) as f32;
        // The teacher's confidence that the prior holds an object: its best non-background class.
        let foreground = if classes > 1 {
            p.slice([0..batch, 0..priors, 1..classes]).max_dim(2)
        } else {
            p
        };
        let distance = (loc - teacher_loc).abs().sum_dim(2);
        let box_l1 = (distance * foreground.clone()).sum() / foreground.sum().clamp_min(1e-6);
        DistillLoss {
            class_kl: class_kl * self.weight,
            box_l1: box_l1 * self.weight,
        }
    }
}

/// Why `teacher` cannot teach `student`: they must predict the same classes (names and
/// order) on the same priors with the same score function, or their outputs do not line up.
pub fn check_teacher(
    teacher: &DetectionHead,
    teacher_name: &str,
    student: &DetectionHead,
    student_name: &str,
) -> Result<(), String> {
    let describe = |h: &DetectionHead| {
        format!(
            "{} priors, {} classes ({}), {:?} scores",
            h.priors.len(),
            h.config.num_classes,
            h.class_names
                .iter()
                .skip(1)
                .take(4)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
                + if h.class_names.len() > 5 { ", …" } else { "" },
            h.config.score
        )
    };
    let same_priors = teacher.priors.len() == student.priors.len()
        && (teacher.priors.iter().zip(&student.priors))
            .all(|(a, b)| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-5));
    let same_classes = teacher.config.num_classes == student.config.num_classes
        && teacher.class_names == student.class_names;
    if same_priors && same_classes && teacher.config.score == student.config.score {
        return Ok(());
    }
    let what = match (same_priors, same_classes) {
        (false, false) => "priors and classes differ",
        (false, true) => "priors differ",
        (true, false) => "classes differ",
        (true, true) => "score functions differ",
    };
    Err(format!(
        "the teacher cannot teach this student: {what}. Teacher {teacher_name}: {}; student \
         {student_name}: {}",
        describe(teacher),
        describe(student)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tensor(values: &[f32], shape: [usize; 3]) -> Tensor<3> {
        Tensor::from_data(TensorData::new(values.to_vec(), shape), &Device::flex())
    }

    fn scalar(t: Tensor<1>) -> f32 {
        crate::inference::tensor_to_vec(t)[0]
    }

    #[test]
    fn a_teacher_equal_to_the_student_costs_nothing() {
        let loc = [0.1, -0.2, 0.3, 0.4, 1.0, 2.0, -1.0, 0.0];
        let conf = [2.0, -1.0, 0.5, -3.0, 4.0, 0.0];
        for score in [ScoreFunction::Softmax, ScoreFunction::Sigmoid] {
            let config = DistillLossConfig::new().with_score(score);
            let l = config.forward(
                tensor(&loc, [1, 2, 4]),
                tensor(&conf, [1, 2, 3]),
                tensor(&loc, [1, 2, 4]),
                tensor(&conf, [1, 2, 3]),
            );
            assert_eq!(scalar(l.class_kl), 0.0, "{score:?}");
            assert_eq!(scalar(l.box_l1), 0.0, "{score:?}");
        }
    }

    #[test]
    fn kl_and_box_distance_of_a_hand_checked_prior() {
        // Teacher logits [0, 0]: p = (½, ½). Student [ln 3, 0]: q = (¾, ¼).
        // KL = ½·ln(½/¾) + ½·ln(½/¼) = ½·ln(4/3).
        let want = 0.5 * (4.0f32 / 3.0).ln();
        let teacher_loc = tensor(&[0.0; 4], [1, 1, 4]);
        let loc = tensor(&[1.0, -2.0, 0.5, 0.0], [1, 1, 4]);
        let softmax = DistillLossConfig::new().with_weight(2.0).forward(
            loc.clone(),
            tensor(&[3f32.ln(), 0.0], [1, 1, 2]),
            teacher_loc.clone(),
            tensor(&[0.0, 0.0], [1, 1, 2]),
        );
        assert!((scalar(softmax.class_kl) - 2.0 * want).abs() < 1e-6);
        // One prior: the weighted mean of its L1 distance is the distance itself.
        assert!((scalar(softmax.box_l1) - 2.0 * 3.5).abs() < 1e-6);
        // Sigmoid: each class is a yes/no. Teacher 0 → ½; student ln 3 → ¾: the same KL for
        // the first class, zero for the second (equal logits).
        let sigmoid = DistillLossConfig::new()
            .with_score(ScoreFunction::Sigmoid)
            .forward(
                loc,
                tensor(&[3f32.ln(), 0.0], [1, 1, 2]),
                teacher_loc,
                tensor(&[0.0, 0.0], [1, 1, 2]),
            );
        assert!((scalar(sigmoid.class_kl) - want).abs() < 1e-6);
    }

    #[test]
    fn confident_priors_weigh_more_in_the_box_term() {
        // Prior 0: teacher sure of class 1 (weight ≈ 1), offsets off by 1 each. Prior 1:
        // background (weight ≈ 0), offsets off by 10: barely counts.
        let teacher_conf = tensor(&[-20.0, 20.0, 20.0, -20.0], [1, 2, 2]);
        let l = DistillLossConfig::new().forward(
            tensor(&[1.0, 1.0, 1.0, 1.0, 10.0, 10.0, 10.0, 10.0], [1, 2, 4]),
            teacher_conf.clone(),
            tensor(&[0.0; 8], [1, 2, 4]),
            teacher_conf,
        );
        let box_l1 = scalar(l.box_l1);
        assert!((box_l1 - 4.0).abs() < 1e-4, "{box_l1}");
    }
}

#[cfg(test)]
mod teacher_tests {
    use super::*;
    use crate::config::AssdConfig;

    fn head(preset: &str) -> DetectionHead {
        DetectionHead::new(AssdConfig::preset(preset).unwrap()).unwrap()
    }

    #[test]
    fn a_teacher_with_other_priors_or_classes_is_refused_naming_both() {
        let student = head("assd-mobilenet");
        assert_eq!(
            check_teacher(&head("ssd-mobilenet"), "t", &student, "s"),
            Ok(())
        );
        let error =
            check_teacher(&head("assd-tiny"), "tiny.safetensors", &student, "me").unwrap_err();
        assert!(
            error.contains("tiny.safetensors") && error.contains("me"),
            "{error}"
        );
        let (t, s) = (head("assd-tiny"), &student);
        for h in [&t, s] {
            assert!(
                error.contains(&format!("{} priors", h.priors.len())),
                "{error}"
            );
        }
        let mut fewer = AssdConfig::preset("assd-mobilenet").unwrap();
        fewer.num_classes = 21;
        fewer.class_names = None;
        let error =
            check_teacher(&DetectionHead::new(fewer).unwrap(), "voc", &student, "s").unwrap_err();
        assert!(error.contains("classes differ"), "{error}");
    }
}
