//! One optimisation step, on one device or data-parallel across several.
//!
//! Data parallelism is Burn's own scheme (what burn-train's multi-device strategy does): the
//! batch is split into one shard per device, each device runs forward and backward on a
//! [`fork`](burn::module::Module::fork) of the model, and the optimizer's
//! [`step_multi`](burn::optim::ModuleOptimizer::step_multi) adds the shards' gradients
//! (`MultiGradientsParams`) and updates each parameter on one device. Each shard's loss is
//! divided by the whole batch's positives, so the summed gradient is the whole batch's
//! gradient, as on one device.

use burn::optim::{GradientsParams, ModuleOptimizer, MultiGradientsParams};
use burn::prelude::*;

use super::data::Batch;
use super::distill::Teacher;
use super::loss::MultiboxLossConfig;
use super::matching::MatchTargets;
use crate::inference::tensor_to_vec;
use crate::model::Assd;

/// The loss of one step, summed over the shards (the whole batch's loss).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepLoss {
    pub total: f32,
    pub loc: f32,
    pub conf: f32,
    /// The distillation terms (0 without a teacher).
    pub distill: f32,
}

/// Contiguous shards of `size` images over `devices` devices (sizes differ by at most one;
/// a batch smaller than the device count uses fewer devices).
pub fn shard_ranges(size: usize, devices: usize) -> Vec<std::ops::Range<usize>> {
    let devices = devices.clamp(1, size.max(1));
    let (base, extra) = (size / devices, size % devices);
    let mut start = 0;
    (0..devices)
        .map(|i| {
            let len = base + usize::from(i < extra);
            let range = start..start + len;
            start += len;
            range
        })
        .filter(|r| !r.is_empty())
        .collect()
}

/// Forward and backward of one shard on `device`: its gradients and its share of the loss.
fn shard_gradients(
    model: Assd,
    device: &Device,
    input: Vec<f32>,
    targets: &[MatchTargets],
    input_size: usize,
    whole: Whole,
    objective: Objective<'_>,
) -> (GradientsParams, StepLoss) {
    let Whole {
        positives: batch_positives,
        images: batch_size,
    } = whole;
    let (loss_fn, teacher) = (objective.loss, objective.teacher);
    let shape = [targets.len(), 3, input_size, input_size];
    let taught = teacher.map(|t| (t, t.outputs(input.clone(), shape, device)));
    let x = Tensor::<4>::from_data(TensorData::new(input, shape), device);
    let output = model.forward(x);
    // A shard's share of the batch: the distillation terms are means over the batch's priors.
    let share = targets.len() as f32 / batch_size.max(1) as f32;
    let distill = taught.map(|(t, (loc, conf))| {
        let d = t
            .loss
            .forward(output.loc.clone(), output.conf.clone(), loc, conf);
        d.total() * share
    });
    let loss = loss_fn.forward_shard(output.loc, output.conf, targets, batch_positives);
    let scalar = |t: Tensor<1>| {
        tensor_to_vec(t.inner())
            .first()
            .copied()
            .unwrap_or(f32::NAN)
    };
    let (loc, conf) = (scalar(loss.loc.clone()), scalar(loss.conf.clone()));
    let distilled = distill.as_ref().map_or(0.0, |d| scalar(d.clone()));
    let total = match distill {
        Some(d) => loss.total() + d,
        None => loss.total(),
    };
    let grads = GradientsParams::from_grads(total.backward(), &model);
    (
        grads,
        StepLoss {
            total: loc + conf + distilled,
            loc,
            conf,
            distill: distilled,
        },
    )
}

/// The whole batch a shard is part of: its losses are shares of the whole batch's.
#[derive(Debug, Clone, Copy)]
struct Whole {
    positives: usize,
    images: usize,
}

/// What a step minimises: the MultiBox loss, and optionally the distance to a teacher.
#[derive(Debug, Clone, Copy)]
pub struct Objective<'a> {
    pub loss: &'a MultiboxLossConfig,
    pub teacher: Option<&'a Teacher>,
}

/// Updates `model` (on `devices[0]`) with one batch, split across `devices` (autodiff
/// devices). A device that fails during its shard is an error, and no update is made.
pub fn train_step(
    model: &Assd,
    optim: &mut ModuleOptimizer,
    lr: f64,
    batch: Batch,
    devices: &[Device],
    input_size: usize,
    objective: Objective<'_>,
) -> Result<(Assd, StepLoss), String> {
    let whole = Whole {
        positives: batch.targets.iter().map(MatchTargets::positives).sum(),
        images: batch.size,
    };
    let pixels = 3 * input_size * input_size;
    let shards = shard_ranges(batch.size, devices.len());
    if shards.len() <= 1 {
        let (grads, loss) = shard_gradients(
            model.clone(),
            &devices[0],
            batch.input,
            &batch.targets,
            input_size,
            whole,
            objective,
        );
        return Ok((optim.step(lr, model.clone(), grads), loss));
    }
    // One thread per device, as burn-train does, so the devices work at the same time.
    let results: Vec<Result<(GradientsParams, Device, StepLoss), String>> =
        std::thread::scope(|scope| {
            let handles: Vec<_> = shards
                .iter()
                .zip(devices)
                .map(|(range, device)| {
                    let replica = model.clone().fork(device);
                    let input = batch.input[range.start * pixels..range.end * pixels].to_vec();
                    let targets = &batch.targets[range.clone()];
                    scope.spawn(move || {
                        let (grads, loss) = shard_gradients(
                            replica, device, input, targets, input_size, whole, objective,
                        );
                        (grads, device.clone(), loss)
                    })
                })
                .collect();
            handles
                .into_iter()
                .enumerate()
                .map(|(i, h)| {
                    h.join().map_err(|panic| {
                        let why = panic
                            .downcast_ref::<String>()
                            .map(String::as_str)
                            .or_else(|| panic.downcast_ref::<&str>().copied())
                            .unwrap_or("unknown error");
                        format!("device {i} failed during a training step: {why}")
                    })
                })
                .collect()
        });
    let mut loss = StepLoss {
        total: 0.0,
        loc: 0.0,
        conf: 0.0,
        distill: 0.0,
    };
    let mut multi = MultiGradientsParams::default();
    for result in results {
        let (grads, device, shard_loss) = result?;
        loss.total += shard_loss.total;
        loss.loc += shard_loss.loc;
        loss.conf += shard_loss.conf;
        loss.distill += shard_loss.distill;
        multi.grads.push((grads, device));
    }
    // The update leaves each parameter on the device that summed its gradient; bring the
    // model back to the main device, where it is validated and saved.
    let model = optim.step_multi(lr, model.clone(), multi).fork(&devices[0]);
    Ok((model, loss))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_the_batch_evenly() {
        assert_eq!(shard_ranges(8, 1), vec![0..8]);
        assert_eq!(shard_ranges(8, 2), vec![0..4, 4..8]);
        assert_eq!(shard_ranges(7, 3), vec![0..3, 3..5, 5..7]);
        assert_eq!(shard_ranges(2, 4), vec![0..1, 1..2]);
        assert_eq!(shard_ranges(0, 2), Vec::<std::ops::Range<usize>>::new());
    }
}
