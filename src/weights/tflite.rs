//! Import of TensorFlow Lite SSD-MobileNet files (`detect.tflite` of TensorFlow's COCO
//! detection zoo) into the project's format.
//!
//! The flatbuffer is read with the schema bindings `tract-tflite` maintains; the
//! post-processing op's options (a flexbuffer) with Google's `flexbuffers`. Every weight is
//! dequantized per tensor as `(q − zero_point)·scale` in f64 and rounded to f32; int32 biases
//! use their own scale, which must equal `input_scale·weight_scale`. Layers are mapped by
//! their TensorFlow Object Detection API names, and their padding, strides and activations
//! are checked against the `ssd-mobilenet` configuration: anything else is an error naming
//! the operator or tensor. Anchors come from the post-processing op's constant input.

use std::collections::BTreeMap;
use std::path::Path;

use tract_tflite::tflite;

use super::checkpoint::{Checkpoint, CheckpointFormat, HostTensor};
use super::error::WeightsError;
use crate::config::{AssdConfig, MOBILENET_STRIDES, PriorLayout};

/// What the import found besides the weights.
#[derive(Debug, Clone)]
pub struct TfliteImport {
    pub checkpoint: Checkpoint,
    /// `ssd-mobilenet` with the file's anchors, variances and NMS threshold.
    pub config: AssdConfig,
    /// Operators read, by type (for the report).
    pub op_counts: BTreeMap<String, usize>,
}

fn bad(path: &Path, message: impl Into<String>) -> WeightsError {
    WeightsError::Tflite {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Where a TFLite convolution goes in the network, and what it must look like there.
struct Layer {
    /// Module path, e.g. `backbone.blocks.3.depthwise`.
    module: String,
    depthwise: bool,
    /// The stride the configuration gives it.
    stride: usize,
}

/// The layer of `config` (SSD-MobileNet) whose output tensor is `name`.
fn module_for(name: &str, config: &AssdConfig) -> Option<Layer> {
    let layer = name
        .strip_suffix("/Relu6")
        .or_else(|| name.strip_suffix("/BiasAdd"))?;
    let conv = |module: String, depthwise: bool, stride: usize| {
        Some(Layer {
            module,
            depthwise,
            stride,
        })
    };
    if let Some(rest) = layer.strip_prefix("FeatureExtractor/MobilenetV1/MobilenetV1/Conv2d_") {
        if rest == "0" {
            return conv("backbone.conv0".into(), false, MOBILENET_STRIDES[0]);
        }
        let (index, kind) = rest.split_once('_')?;
        let index: usize = index.parse().ok().filter(|i| (1..=13).contains(i))?;
        let block = format!("backbone.blocks.{}", index - 1);
        return match kind {
            "depthwise" => conv(format!("{block}.depthwise"), true, MOBILENET_STRIDES[index]),
            "pointwise" => conv(format!("{block}.pointwise"), false, 1),
            _ => None,
        };
    }
    if let Some(rest) = layer.strip_prefix("FeatureExtractor/MobilenetV1/Conv2d_13_pointwise_") {
        // `1_Conv2d_<j>_1x1_<c>` (squeeze) and `2_Conv2d_<j>_3x3_s2_<c>` (source), j = 2…5.
        let (part, rest) = rest.split_once("_Conv2d_")?;
        let j: usize = rest
            .split('_')
            .next()?
            .parse()
            .ok()
            .filter(|j| (2..=5).contains(j))?;
        let index = 2 * (j - 2)
            + match part {
                "1" => 0,
                "2" => 1,
                _ => return None,
            };
        return conv(
            format!("extras.{index}.conv"),
            false,
            config.extras.get(index)?.stride,
        );
    }
    let rest = layer.strip_prefix("BoxPredictor_")?;
    let (k, head) = rest.split_once('/')?;
    let k: usize = k.parse().ok()?;
    match head {
        "BoxEncodingPredictor" => conv(format!("heads.loc.{k}"), false, 1),
        "ClassPredictor" => conv(format!("heads.conf.{k}"), false, 1),
        _ => None,
    }
}

/// A quantized (or float) constant tensor as f32, with its shape.
fn dequantize(
    path: &Path,
    model: &tflite::Model,
    tensor: &tflite::Tensor,
) -> Result<(Vec<usize>, Vec<f32>, f64), WeightsError> {
    let name = tensor.name().unwrap_or("?");
    let shape: Vec<usize> = tensor
        .shape()
        .map(|s| s.iter().map(|d| d.max(0) as usize).collect())
        .unwrap_or_default();
    let data = model
        .buffers()
        .and_then(|b| {
            let i = tensor.buffer() as usize;
            (i < b.len()).then(|| b.get(i))
        })
        .and_then(|b| b.data())
        .ok_or_else(|| bad(path, format!("tensor '{name}' has no constant data")))?;
    let bytes = data.bytes();
    let (scale, zero) = tensor
        .quantization()
        .and_then(|q| {
            let s = q.scale().filter(|s| !s.is_empty())?.get(0) as f64;
            let z = q
                .zero_point()
                .filter(|z| !z.is_empty())
                .map_or(0, |z| z.get(0));
            Some((s, z as f64))
        })
        .unwrap_or((1.0, 0.0));
    let values: Vec<f64> = match tensor.type_() {
        tflite::TensorType::UINT8 => bytes.iter().map(|&q| q as f64).collect(),
        tflite::TensorType::INT8 => bytes.iter().map(|&q| q as i8 as f64).collect(),
        tflite::TensorType::INT32 => bytes
            .chunks_exact(4)
            .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64)
            .collect(),
        tflite::TensorType::FLOAT32 => {
            let v: Vec<f32> = bytes
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            return Ok((shape, v, 1.0));
        }
        other => {
            return Err(bad(
                path,
                format!("tensor '{name}' has type {other:?}, not uint8/int8/int32/float32"),
            ));
        }
    };
    if values.len() != shape.iter().product::<usize>() {
        return Err(bad(
            path,
            format!(
                "tensor '{name}': {} values for shape {shape:?}",
                values.len()
            ),
        ));
    }
    let f = values
        .iter()
        .map(|&q| ((q - zero) * scale) as f32)
        .collect();
    Ok((shape, f, scale))
}

/// `[O, kh, kw, I]` (TFLite conv) → `[O, I, kh, kw]`; `[1, kh, kw, C]` (depthwise) →
/// `[C, 1, kh, kw]`.
fn to_oihw(shape: &[usize], data: &[f32], depthwise: bool) -> (Vec<usize>, Vec<f32>) {
    let [o, kh, kw, i] = [shape[0], shape[1], shape[2], shape[3]];
    let (out_c, in_c) = if depthwise { (i, 1) } else { (o, i) };
    let mut out = vec![0f32; out_c * in_c * kh * kw];
    for a in 0..o {
        for y in 0..kh {
            for x in 0..kw {
                for b in 0..i {
                    let v = data[((a * kh + y) * kw + x) * i + b];
                    let (oc, ic) = if depthwise { (b, 0) } else { (a, b) };
                    out[((oc * in_c + ic) * kh + y) * kw + x] = v;
                }
            }
        }
    }
    (vec![out_c, in_c, kh, kw], out)
}

/// Reads `detect.tflite` (SSD-MobileNetV1, TensorFlow's export) into a checkpoint for
/// `ssd-mobilenet`.
pub fn read_tflite(path: &Path) -> Result<TfliteImport, WeightsError> {
    let bytes = std::fs::read(path).map_err(|source| WeightsError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let model = tflite::root_as_model(&bytes)
        .map_err(|e| bad(path, format!("not a TensorFlow Lite flatbuffer: {e}")))?;
    let graph = model
        .subgraphs()
        .filter(|g| g.len() == 1)
        .map(|g| g.get(0))
        .ok_or_else(|| bad(path, "expected exactly one subgraph"))?;
    let tensors = graph.tensors().ok_or_else(|| bad(path, "no tensors"))?;
    let ops = graph.operators().ok_or_else(|| bad(path, "no operators"))?;
    let codes = model
        .operator_codes()
        .ok_or_else(|| bad(path, "no operator codes"))?;
    let tensor = |i: i32| -> Result<tflite::Tensor, WeightsError> {
        usize::try_from(i)
            .ok()
            .filter(|&i| i < tensors.len())
            .map(|i| tensors.get(i))
            .ok_or_else(|| bad(path, format!("tensor index {i} out of range")))
    };

    let mut config = AssdConfig::ssd_mobilenet();
    let mut checkpoint = Checkpoint::empty(path, CheckpointFormat::Tflite, None);
    let mut op_counts = BTreeMap::new();
    let mut anchors = None;
    for (index, op) in ops.iter().enumerate() {
        let code = codes.get(op.opcode_index() as usize);
        // Files from before schema v3a keep small codes in the deprecated field only.
        let builtin = code
            .builtin_code()
            .0
            .max(code.deprecated_builtin_code() as i32);
        let builtin = tflite::BuiltinOperator(builtin);
        let inputs: Vec<i32> = op.inputs().map(|v| v.iter().collect()).unwrap_or_default();
        let outputs: Vec<i32> = op.outputs().map(|v| v.iter().collect()).unwrap_or_default();
        let out_name = match outputs.first() {
            Some(&o) => tensor(o)?.name().unwrap_or("?").to_string(),
            None => String::new(),
        };
        let label = format!("operator {index} ({builtin:?} → '{out_name}')");
        *op_counts.entry(format!("{builtin:?}")).or_insert(0) += 1;
        match builtin {
            tflite::BuiltinOperator::CONV_2D | tflite::BuiltinOperator::DEPTHWISE_CONV_2D => {
                let depthwise = builtin == tflite::BuiltinOperator::DEPTHWISE_CONV_2D;
                let Layer {
                    module,
                    depthwise: expect_dw,
                    stride: want,
                } = module_for(&out_name, &config)
                    .ok_or_else(|| bad(path, format!("{label}: not a layer of SSD-MobileNetV1")))?;
                if depthwise != expect_dw {
                    return Err(bad(path, format!("{label}: unexpected operator type")));
                }
                let (padding, stride) = if depthwise {
                    let o = op
                        .builtin_options_as_depthwise_conv_2_doptions()
                        .ok_or_else(|| bad(path, format!("{label}: no options")))?;
                    if o.depth_multiplier() > 1 {
                        return Err(bad(path, format!("{label}: depth multiplier > 1")));
                    }
                    (o.padding(), (o.stride_h(), o.stride_w()))
                } else {
                    let o = op
                        .builtin_options_as_conv_2_doptions()
                        .ok_or_else(|| bad(path, format!("{label}: no options")))?;
                    (o.padding(), (o.stride_h(), o.stride_w()))
                };
                if padding != tflite::Padding::SAME {
                    return Err(bad(path, format!("{label}: padding {padding:?}, not SAME")));
                }
                let want = want as i32;
                if stride != (want, want) {
                    return Err(bad(
                        path,
                        format!("{label}: stride {stride:?}, the network has {want}"),
                    ));
                }
                let [x, w, b] = [0, 1, 2].map(|k| inputs.get(k).copied().unwrap_or(-1));
                let (x, w, b) = (tensor(x)?, tensor(w)?, tensor(b)?);
                let (w_shape, w_data, w_scale) = dequantize(path, &model, &w)?;
                if w_shape.len() != 4 {
                    return Err(bad(
                        path,
                        format!(
                            "{label}: weight '{}' has shape {w_shape:?}",
                            w.name().unwrap_or("?")
                        ),
                    ));
                }
                let (b_shape, b_data, b_scale) = dequantize(path, &model, &b)?;
                let x_scale = x
                    .quantization()
                    .and_then(|q| q.scale())
                    .filter(|s| !s.is_empty())
                    .map_or(1.0, |s| s.get(0) as f64);
                if b.type_() == tflite::TensorType::INT32
                    && ((b_scale - x_scale * w_scale) / b_scale).abs() > 1e-5
                {
                    return Err(bad(
                        path,
                        format!(
                            "{label}: bias '{}' scale {b_scale} ≠ input scale × weight scale {}",
                            b.name().unwrap_or("?"),
                            x_scale * w_scale
                        ),
                    ));
                }
                let (shape, data) = to_oihw(&w_shape, &w_data, depthwise);
                for (leaf, shape, data, source) in [
                    ("weight", shape, data, w.name()),
                    ("bias", b_shape, b_data, b.name()),
                ] {
                    let key = format!("{module}.{leaf}");
                    if checkpoint.tensors.contains_key(&key) {
                        return Err(bad(path, format!("{label}: a second '{module}'")));
                    }
                    checkpoint
                        .file_names
                        .insert(key.clone(), source.unwrap_or("?").to_string());
                    checkpoint.tensors.insert(key, HostTensor { shape, data });
                }
            }
            tflite::BuiltinOperator::RESHAPE
            | tflite::BuiltinOperator::CONCATENATION
            | tflite::BuiltinOperator::LOGISTIC => {}
            tflite::BuiltinOperator::CUSTOM
                if code.custom_code() == Some("TFLite_Detection_PostProcess") =>
            {
                let options = op.custom_options().map(|o| o.bytes().to_vec());
                let options = options
                    .ok_or_else(|| bad(path, format!("{label}: no post-processing options")))?;
                read_postprocess_options(path, &label, &options, &mut config)?;
                let a = tensor(inputs.get(2).copied().unwrap_or(-1))?;
                let (shape, data, _) = dequantize(path, &model, &a)?;
                if shape.len() != 2 || shape[1] != 4 {
                    return Err(bad(
                        path,
                        format!("{label}: anchors have shape {shape:?}, not [P, 4]"),
                    ));
                }
                anchors = Some(
                    data.chunks_exact(4)
                        .map(|c| [c[0], c[1], c[2], c[3]])
                        .collect::<Vec<_>>(),
                );
            }
            other => {
                return Err(bad(
                    path,
                    format!(
                        "{label}: operator {other:?}{} is not part of SSD-MobileNetV1",
                        code.custom_code()
                            .map(|c| format!(" '{c}'"))
                            .unwrap_or_default()
                    ),
                ));
            }
        }
    }
    let anchors =
        anchors.ok_or_else(|| bad(path, "no TFLite_Detection_PostProcess op (no anchors)"))?;
    if let PriorLayout::Stored { boxes, .. } = &mut config.priors {
        if boxes.len() != anchors.len() {
            return Err(bad(
                path,
                format!(
                    "{} anchors stored, the network predicts {}",
                    anchors.len(),
                    boxes.len()
                ),
            ));
        }
        *boxes = anchors;
    }
    checkpoint.stored_config = Some(config.clone());
    Ok(TfliteImport {
        checkpoint,
        config,
        op_counts,
    })
}

/// `y_scale`, `x_scale`, `h_scale`, `w_scale` → variances; `nms_iou_threshold` → default NMS.
fn read_postprocess_options(
    path: &Path,
    label: &str,
    options: &[u8],
    config: &mut AssdConfig,
) -> Result<(), WeightsError> {
    let fail = |what: String| bad(path, format!("{label}: {what}"));
    let root = flexbuffers::Reader::get_root(options)
        .map_err(|e| fail(format!("unreadable options: {e}")))?;
    let map = root
        .get_map()
        .map_err(|e| fail(format!("options are not a map: {e}")))?;
    let number = |key: &str| -> Result<f64, WeightsError> {
        use flexbuffers::FlexBufferType::{Float, Int, UInt};
        let value = map
            .index(key)
            .map_err(|_| fail(format!("option '{key}' missing")))?;
        match value.flexbuffer_type() {
            Int | UInt | Float => Ok(value.as_f64()),
            other => Err(fail(format!("option '{key}' is a {other:?}, not a number"))),
        }
    };
    let [y, x, h, w] = [
        number("y_scale")?,
        number("x_scale")?,
        number("h_scale")?,
        number("w_scale")?,
    ];
    if y != x || h != w {
        return Err(fail(format!(
            "box scales y {y}, x {x}, h {h}, w {w}: centre and size scales must be equal per pair"
        )));
    }
    config.variances = [(1.0 / y) as f32, (1.0 / h) as f32];
    let classes = number("num_classes")? as usize;
    if classes + 1 != config.num_classes {
        return Err(fail(format!(
            "{classes} classes, the network has {} outputs",
            config.num_classes
        )));
    }
    config.detect.nms_thresh = number("nms_iou_threshold")? as f32;
    Ok(())
}
