//! A checkpoint in host memory: every tensor keyed by module path, where it came from, and the
//! configuration it was made for.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::error::WeightsError;
use crate::config::{AssdConfig, BackboneKind};

/// A tensor read into host memory.
#[derive(Debug, Clone, PartialEq)]
pub struct HostTensor {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

/// Which on-disk format a checkpoint came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckpointFormat {
    /// The authors' `torch.save(state_dict)` zip.
    Pytorch,
    /// The project's own safetensors file (module paths, config in metadata).
    Safetensors,
    /// A TensorFlow Lite SSD-MobileNet (dequantized on import).
    Tflite,
}

/// Every tensor of a checkpoint, keyed by module path.
#[derive(Debug, Clone)]
pub struct Checkpoint {
    pub path: PathBuf,
    pub format: CheckpointFormat,
    pub tensors: BTreeMap<String, HostTensor>,
    /// Module path → the tensor's name in the file (for error messages).
    pub file_names: BTreeMap<String, String>,
    /// Names in the file that correspond to no parameter of any ASSD network.
    pub unmapped: Vec<String>,
    /// Configuration stored in the file's metadata (own format only).
    pub stored_config: Option<AssdConfig>,
    /// Scalar tensors in the file that hold no weights (`num_batches_tracked`).
    pub bookkeeping: usize,
}

impl Checkpoint {
    pub(super) fn empty(
        path: &Path,
        format: CheckpointFormat,
        stored_config: Option<AssdConfig>,
    ) -> Self {
        Self {
            path: path.to_path_buf(),
            format,
            tensors: BTreeMap::new(),
            file_names: BTreeMap::new(),
            unmapped: Vec::new(),
            stored_config,
            bookkeeping: 0,
        }
    }

    /// Number of scalar weights (BN running statistics excluded).
    pub fn num_params(&self) -> usize {
        self.tensors
            .iter()
            .filter(|(k, _)| !k.ends_with(".running_mean") && !k.ends_with(".running_var"))
            .map(|(_, t)| t.data.len())
            .sum()
    }

    fn shape_of(&self, path: &str) -> Option<&[usize]> {
        self.tensors.get(path).map(|t| t.shape.as_slice())
    }

    /// The configuration this checkpoint was made for: the stored one for the project's own
    /// files; otherwise recognised from its tensors (backbone, classes, fusion, attention,
    /// and the input size from the head layout).
    pub fn detect_config(&self) -> Result<AssdConfig, WeightsError> {
        if let Some(config) = &self.stored_config {
            return Ok(config.clone());
        }
        let fail = |reason: &str| WeightsError::UnknownConfig {
            path: self.path.clone(),
            reason: reason.to_string(),
        };
        let resnet = self.tensors.contains_key("backbone.layer1.0.conv1.weight");
        let vgg = self.tensors.contains_key("backbone.convs.0.weight");
        let conf0 = self
            .shape_of("heads.conf.0.weight")
            .ok_or_else(|| fail("it has no first confidence head (conf_layers.0.weight)"))?;
        let scales = self
            .tensors
            .keys()
            .filter(|k| k.starts_with("heads.conf.") && k.ends_with(".weight"))
            .count();
        let mut config = match (resnet, vgg, scales) {
            (true, _, 7) => AssdConfig::assd513(),
            (false, true, 6) => AssdConfig::ssd300(),
            (false, true, 7) => AssdConfig::ssd512(),
            _ => {
                return Err(fail(
                    "neither a ResNet-101 (7 scales) nor a VGG16 (6 or 7 scales) ASSD layout",
                ));
            }
        };
        let boxes0 = config.scales[0].boxes_per_location();
        if conf0[0] % boxes0 != 0 {
            return Err(fail(&format!(
                "conf head 0 has {} outputs, not a multiple of {boxes0} boxes",
                conf0[0]
            )));
        }
        config.num_classes = conf0[0] / boxes0;
        config.fusion = self.tensors.contains_key("fusion.conv.weight");
        config.attention = self.tensors.contains_key("attention.0.query.weight");
        if config.backbone == BackboneKind::Vgg16 {
            config.extras_batch_norm = self.tensors.contains_key("extras.0.bn.gamma");
        }
        if config.backbone == BackboneKind::ResNet101
            && self
                .shape_of("extras.7.conv.weight")
                .is_some_and(|s| s.len() == 4 && s[2] == 2)
        {
            config = AssdConfig::assd321()
                .with_num_classes(config.num_classes)
                .with_fusion(config.fusion)
                .with_attention(config.attention);
        }
        config.name = match (config.backbone, config.fusion, config.attention) {
            (BackboneKind::Vgg16, false, false) => format!("ssd{}", config.input_size),
            (_, true, true) => format!("assd{}", config.input_size),
            (_, fusion, attention) => format!(
                "assd{}{}{}",
                config.input_size,
                if fusion { "" } else { "-nofusion" },
                if attention { "" } else { "-noattention" }
            ),
        };
        Ok(config)
    }
}
