//! Adding attention to a trained detector without changing what it computes.

use std::path::PathBuf;

use burn::prelude::*;
use burn::store::ModuleSnapshot;

use super::error::WeightsError;
use crate::config::AssdConfig;
use crate::model::Assd;

/// `model` with an ASSD attention unit added on every source (value convs at zero, so the
/// result computes exactly what `model` does): SSD-MobileNet → ASSD-MobileNet. `name` is the
/// new configuration's name.
pub fn add_attention(model: &Assd, name: &str, device: &Device) -> Result<Assd, WeightsError> {
    let config = AssdConfig {
        name: name.to_string(),
        ..model
            .config
            .clone()
            .with_attention(true)
            .with_attention_identity_init(true)
    };
    let mut out = config.init(device).map_err(|e| WeightsError::Config {
        path: PathBuf::from(name),
        message: e.to_string(),
    })?;
    let result = out.apply(model.collect(None, None, true), None, None, true);
    if let Some(err) = result.errors.first() {
        return Err(WeightsError::Apply(err.to_string()));
    }
    Ok(out)
}
