//! The authors' MultiBox objective (`DEC_loss`): smooth-L1 on the positives' offsets, and
//! softmax cross-entropy on the positives plus the hardest negatives (3 per positive, ranked
//! by the mining loss), both divided by the batch's number of positives. For sigmoid models
//! (TensorFlow's SSD-MobileNet) the classification term is instead the sigmoid cross-entropy
//! summed over all outputs, an unmatched prior's target being column 0, and negatives are
//! ranked by that loss.

use burn::config::Config;
use burn::prelude::*;
use burn::tensor::activation::{log_softmax, relu};

use super::matching::MatchTargets;
use crate::config::ScoreFunction;
use crate::inference::tensor_to_vec;

#[derive(Config, Debug)]
pub struct MultiboxLossConfig {
    /// Negatives kept per positive. Default: 3.
    #[config(default = 3)]
    pub neg_pos_ratio: usize,
    /// The model's score function decides the classification loss. Default: softmax.
    #[config(default = "ScoreFunction::Softmax")]
    pub score: ScoreFunction,
}

/// The two terms (differentiable) and what went into them.
#[derive(Debug, Clone)]
pub struct MultiboxLoss {
    /// Smooth-L1 over the positives' 4 offsets, / N. Shape `[1]`.
    pub loc: Tensor<1>,
    /// Cross-entropy over positives and mined negatives, / N. Shape `[1]`.
    pub conf: Tensor<1>,
    /// Per image.
    pub num_pos: Vec<usize>,
    pub num_neg: Vec<usize>,
    /// `[batch · priors]`, row-major.
    pub pos: Vec<bool>,
    pub neg: Vec<bool>,
    /// The mining score of every prior (positives not yet zeroed): `lse(x) − x[t]`, or the
    /// summed sigmoid cross-entropy.
    pub mining: Vec<f32>,
}

impl MultiboxLoss {
    /// `loc + conf` (α = 1).
    pub fn total(&self) -> Tensor<1> {
        self.loc.clone() + self.conf.clone()
    }
}

impl MultiboxLossConfig {
    /// `loc`: `[batch, priors, 4]` offsets, `conf`: `[batch, priors, classes]` logits, and one
    /// [`MatchTargets`] per image.
    pub fn forward(
        &self,
        loc: Tensor<3>,
        conf: Tensor<3>,
        targets: &[MatchTargets],
    ) -> MultiboxLoss {
        let positives = targets.iter().map(MatchTargets::positives).sum();
        self.forward_shard(loc, conf, targets, positives)
    }

    /// [`forward`](Self::forward) on one shard of a batch split across devices: both terms are
    /// divided by the whole batch's positives (`batch_positives`), so that the shards'
    /// gradients add up to the whole batch's.
    pub fn forward_shard(
        &self,
        loc: Tensor<3>,
        conf: Tensor<3>,
        targets: &[MatchTargets],
        batch_positives: usize,
    ) -> MultiboxLoss {
        let device = loc.device();
        let [batch, priors, _] = conf.dims();
        let t_conf: Vec<usize> = targets
            .iter()
            .flat_map(|t| t.conf.iter().copied())
            .collect();
        let t_loc: Vec<f32> = targets
            .iter()
            .flat_map(|t| t.loc.iter().flat_map(|l| l.iter().copied()))
            .collect();
        let pos: Vec<bool> = t_conf.iter().map(|&c| c > 0).collect();
        let num_pos: Vec<usize> = pos
            .chunks(priors.max(1))
            .map(|image| image.iter().filter(|&&p| p).count())
            .collect();
        let n = batch_positives.max(1) as f32;

        // Mining score, detached, with the authors' global-max log-sum-exp. Computed on the
        // device so that only one score per prior (not the `classes` logits) comes to the host,
        // where the per-image ranking is a stable sort (burn's sorts read back to the host on
        // wgpu anyway, and are unstable).
        let t_class = Tensor::<3, Int>::from_data(
            TensorData::new(
                t_conf.iter().map(|&c| c as i64).collect::<Vec<i64>>(),
                [batch, priors, 1],
            ),
            &device,
        );
        // Per-prior classification loss `[batch, priors, 1]` and its detached mining score.
        let (class_loss, mining) = match self.score {
            ScoreFunction::Softmax => {
                let logits = conf.clone().detach();
                let global_max = logits.clone().max().reshape([1, 1, 1]);
                let lse = (logits.clone() - global_max.clone()).exp().sum_dim(2).log() + global_max;
                let mining = lse - logits.gather(2, t_class.clone());
                (-log_softmax(conf, 2).gather(2, t_class), mining)
            }
            ScoreFunction::Sigmoid => {
                let classes = conf.dims()[2];
                let mut onehot = vec![0f32; batch * priors * classes];
                for (i, &c) in t_conf.iter().enumerate() {
                    onehot[i * classes + c] = 1.0;
                }
                let z = Tensor::<3>::from_data(
                    TensorData::new(onehot, [batch, priors, classes]),
                    &device,
                );
                // max(x, 0) − x·z + log(1 + e^−|x|): stable for any logit.
                let bce = relu(conf.clone()) - conf.clone() * z + (-conf.abs()).exp().log1p();
                let loss = bce.sum_dim(2);
                (loss.clone(), loss.detach())
            }
        };
        let mining = tensor_to_vec(mining.reshape([batch * priors]));
        let mut neg = vec![false; batch * priors];
        let mut num_neg = Vec::with_capacity(batch);
        for (b, &image_pos) in num_pos.iter().enumerate() {
            let range = b * priors..(b + 1) * priors;
            let mut order: Vec<usize> = range.clone().collect();
            let score = |i: usize| if pos[i] { 0.0 } else { mining[i] };
            // Descending; a stable sort keeps equal scores in prior order.
            order.sort_by(|&a, &b| score(b).total_cmp(&score(a)));
            let k = (self.neg_pos_ratio * image_pos).min(priors.saturating_sub(1));
            for &i in &order[..k] {
                neg[i] = true;
            }
            num_neg.push(k);
        }

        let pos_mask = Tensor::<3>::from_data(
            TensorData::new(
                pos.iter()
                    .map(|&p| f32::from(u8::from(p)))
                    .collect::<Vec<f32>>(),
                [batch, priors, 1],
            ),
            &device,
        );
        let selected = Tensor::<3>::from_data(
            TensorData::new(
                pos.iter()
                    .zip(&neg)
                    .map(|(&p, &q)| f32::from(u8::from(p || q)))
                    .collect::<Vec<f32>>(),
                [batch, priors, 1],
            ),
            &device,
        );
        let t_loc = Tensor::<3>::from_data(TensorData::new(t_loc, [batch, priors, 4]), &device);
        // Smooth L1 (β = 1): with q = min(|d|, 1), q·(|d| − q/2) is ½d² below 1 and |d| − ½ above.
        let d = (loc - t_loc).abs();
        let q = d.clone().clamp_max(1.0);
        let loss_l = (q.clone() * (d - q * 0.5) * pos_mask).sum() / n;
        let loss_c = (class_loss * selected).sum() / n;
        MultiboxLoss {
            loc: loss_l,
            conf: loss_c,
            num_pos,
            num_neg,
            pos,
            neg,
            mining,
        }
    }
}
