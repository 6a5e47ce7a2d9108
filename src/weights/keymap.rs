//! Names in the authors' PyTorch `state_dict` ↔ paths in [`crate::model::Assd`].

/// Maps an authors' key (after `module.` stripping) to the module path, or `None` for
/// keys that carry no parameter (`num_batches_tracked`) or are unknown.
///
/// `conv1.weight` → `backbone.conv1.weight`, `layer3.7.bn2.weight` →
/// `backbone.layer3.7.bn2.gamma`, `extra_layers.4.bias` → `extras.1.bn.beta`,
/// `att_layers.2.conv1.weight` → `attention.2.query.weight`, …
pub fn authors_to_module(key: &str) -> Option<String> {
    let (prefix, leaf) = key.rsplit_once('.')?;
    if leaf == "num_batches_tracked" {
        return None;
    }
    let parts: Vec<&str> = prefix.split('.').collect();
    let (path, is_bn) = match parts.as_slice() {
        ["conv1"] => ("backbone.conv1".to_string(), false),
        ["bn1"] => ("backbone.bn1".to_string(), true),
        [layer, block, rest @ ..] if layer.starts_with("layer") => {
            let inner = match rest {
                [name] if name.starts_with("conv") => (name.to_string(), false),
                [name] if name.starts_with("bn") => (name.to_string(), true),
                ["downsample", "0"] => ("downsample.conv".to_string(), false),
                ["downsample", "1"] => ("downsample.bn".to_string(), true),
                _ => return None,
            };
            (format!("backbone.{layer}.{block}.{}", inner.0), inner.1)
        }
        ["extra_layers", idx] => {
            // The authors' ModuleList interleaves conv, BN, ReLU.
            let idx: usize = idx.parse().ok()?;
            match idx % 3 {
                0 => (format!("extras.{}.conv", idx / 3), false),
                1 => (format!("extras.{}.bn", idx / 3), true),
                _ => return None,
            }
        }
        ["fusion_layers", idx] => (format!("fusion.lateral.{idx}"), false),
        ["fusion_bn"] => ("fusion.bn".to_string(), true),
        ["fusion_conv"] => ("fusion.conv".to_string(), false),
        ["att_layers", idx, conv] => {
            let role = match *conv {
                "conv1" => "query",
                "conv2" => "key",
                "conv3" => "value",
                _ => return None,
            };
            (format!("attention.{idx}.{role}"), false)
        }
        ["locs_layers", idx] => (format!("heads.loc.{idx}"), false),
        ["conf_layers", idx] => (format!("heads.conf.{idx}"), false),
        _ => return None,
    };
    let leaf = match (is_bn, leaf) {
        (true, "weight") => "gamma",
        (true, "bias") => "beta",
        (true, "running_mean" | "running_var") | (false, "weight" | "bias") => leaf,
        _ => return None,
    };
    Some(format!("{path}.{leaf}"))
}

#[cfg(test)]
mod tests {
    use super::authors_to_module as map;

    #[test]
    fn maps_every_kind_of_key() {
        assert_eq!(
            map("conv1.weight").as_deref(),
            Some("backbone.conv1.weight")
        );
        assert_eq!(
            map("bn1.running_var").as_deref(),
            Some("backbone.bn1.running_var")
        );
        assert_eq!(
            map("layer3.7.bn2.weight").as_deref(),
            Some("backbone.layer3.7.bn2.gamma")
        );
        assert_eq!(
            map("layer1.0.downsample.0.weight").as_deref(),
            Some("backbone.layer1.0.downsample.conv.weight")
        );
        assert_eq!(
            map("layer1.0.downsample.1.bias").as_deref(),
            Some("backbone.layer1.0.downsample.bn.beta")
        );
        assert_eq!(
            map("extra_layers.21.bias").as_deref(),
            Some("extras.7.conv.bias")
        );
        assert_eq!(
            map("extra_layers.22.running_mean").as_deref(),
            Some("extras.7.bn.running_mean")
        );
        assert_eq!(
            map("fusion_layers.2.weight").as_deref(),
            Some("fusion.lateral.2.weight")
        );
        assert_eq!(map("fusion_bn.bias").as_deref(), Some("fusion.bn.beta"));
        assert_eq!(
            map("att_layers.6.conv3.weight").as_deref(),
            Some("attention.6.value.weight")
        );
        assert_eq!(
            map("conf_layers.0.bias").as_deref(),
            Some("heads.conf.0.bias")
        );
        assert_eq!(
            map("locs_layers.4.weight").as_deref(),
            Some("heads.loc.4.weight")
        );
    }

    #[test]
    fn drops_bookkeeping_and_unknown_keys() {
        assert_eq!(map("bn1.num_batches_tracked"), None);
        assert_eq!(map("extra_layers.2.weight"), None);
        assert_eq!(map("fc.weight"), None);
        assert_eq!(map("nonsense"), None);
    }
}
