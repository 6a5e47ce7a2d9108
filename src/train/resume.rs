//! The optimizer's state (SGD momentum) across a resume.
//!
//! Burn keys optimizer state by parameter id, and a safetensors checkpoint carries no ids: a
//! network loaded from one gets fresh ids, and the saved momentum would match nothing. So the
//! run folder also keeps `optimizer.bpk` (Burn's own record) and `param_ids.json` (module path
//! → id at save time); on resume the loaded network takes its old ids back, and the record
//! applies as if the run had never stopped.

use std::collections::BTreeMap;
use std::path::Path;

use burn::optim::{ModuleOptimizer, OptimizerRecord};
use burn::store::ModuleSnapshot;

use crate::fsutil::{temp_path, write_atomic};
use crate::model::Assd;

const OPTIMIZER_FILE: &str = "optimizer.bpk";
const IDS_FILE: &str = "param_ids.json";

/// Writes the optimizer's state and the network's parameter ids into `dir`, atomically.
pub fn save_optimizer(model: &Assd, optim: &ModuleOptimizer, dir: &Path) -> Result<(), String> {
    let ids: BTreeMap<String, u64> = model
        .collect(None, None, true)
        .into_iter()
        .filter_map(|t| t.param_id.map(|id| (t.name, id)))
        .collect();
    let path = dir.join(OPTIMIZER_FILE);
    let tmp = temp_path(&path);
    optim
        .save(&tmp)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    std::fs::rename(&tmp, &path).map_err(|e| format!("{}: {e}", path.display()))?;
    let json = serde_json::to_vec(&ids).map_err(|e| e.to_string())?;
    write_atomic(&dir.join(IDS_FILE), &json).map_err(|e| format!("{}: {e}", dir.display()))
}

/// Gives `model` back the parameter ids it had when `dir`'s optimizer state was saved, and
/// loads that state into `optim`. `Ok(None)` when the folder has no optimizer state (a run
/// from before it was saved): training then goes on with fresh momentum.
pub fn restore_optimizer(
    mut model: Assd,
    optim: ModuleOptimizer,
    dir: &Path,
) -> Result<(Assd, Option<ModuleOptimizer>), String> {
    let (path, ids_path) = (dir.join(OPTIMIZER_FILE), dir.join(IDS_FILE));
    if !path.is_file() || !ids_path.is_file() {
        return Ok((model, None));
    }
    let text =
        std::fs::read_to_string(&ids_path).map_err(|e| format!("{}: {e}", ids_path.display()))?;
    let ids: BTreeMap<String, u64> =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", ids_path.display()))?;
    let mut tensors = model.collect(None, None, true);
    for tensor in &mut tensors {
        tensor.param_id = Some(*ids.get(&tensor.name).ok_or_else(|| {
            format!(
                "{}: no id for {} (the network changed since the state was saved)",
                ids_path.display(),
                tensor.name
            )
        })?);
    }
    let result = model.apply(tensors, None, None, true);
    if let Some(error) = result.errors.first() {
        return Err(format!("{}: {error}", ids_path.display()));
    }
    // Burn builds the state on its default device (the GPU where there is one) and moves it
    // to each parameter's device at the next step; a driver that fails there must not end
    // the run, which can go on with fresh momentum.
    let record = OptimizerRecord::load(&path)
        .map_err(|e| format!("{}: unreadable optimizer state ({e})", path.display()))?;
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| optim.load_record(record))) {
        Ok(optim) => Ok((model, Some(optim))),
        Err(_) => Err(format!(
            "{}: the optimizer state could not be placed on a device",
            path.display()
        )),
    }
}
