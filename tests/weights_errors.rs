//! Bad checkpoints and bad images give clear errors, never panics; own-format round trip.

mod common;

use std::path::{Path, PathBuf};

use assd::config::AssdConfig;
use assd::preprocess::{ImageLoadError, load_image};
use assd::weights::{WeightsError, load_model, read_checkpoint, save_model};
use burn::prelude::*;
use common::shared_fixture;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("assd-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn small_config() -> AssdConfig {
    AssdConfig::assd300().with_num_classes(3)
}

#[test]
fn own_format_round_trips_exactly() {
    let dir = scratch("roundtrip");
    let device = Device::flex();
    let model = small_config().init(&device).unwrap();
    let path = dir.join("m.safetensors");
    save_model(&model, &path).unwrap();
    // No temporary file is left behind.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    let loaded = load_model(&path, None, &device).unwrap();
    assert_eq!(
        loaded.config, model.config,
        "configuration comes back from the metadata"
    );
    let x = Tensor::<4>::random(
        [1, 3, 300, 300],
        burn::tensor::Distribution::Default,
        &device,
    );
    let a = model.forward(x.clone());
    let b = loaded.forward(x);
    let (la, lb) = (
        assd::inference::tensor_to_vec(a.conf),
        assd::inference::tensor_to_vec(b.conf),
    );
    assert_eq!(la, lb);
}

#[test]
fn wrong_shapes_name_the_key_and_both_shapes() {
    let dir = scratch("shapes");
    let device = Device::flex();
    let path = dir.join("m.safetensors");
    save_model(&small_config().init(&device).unwrap(), &path).unwrap();
    let err = load_model(&path, Some(AssdConfig::assd300()), &device).unwrap_err();
    match &err {
        WeightsError::ShapeMismatch {
            key,
            expected,
            found,
            ..
        } => {
            assert_eq!(key, "heads.conf.0.weight");
            assert_eq!(expected, &vec![84, 512, 3, 3]);
            assert_eq!(found, &vec![12, 512, 3, 3]);
        }
        other => panic!("expected a shape mismatch, got {other}"),
    }
    let message = err.to_string();
    assert!(
        message.contains("heads.conf.0.weight")
            && message.contains("[84, 512, 3, 3]")
            && message.contains("[12, 512, 3, 3]"),
        "{message}"
    );
}

#[test]
fn missing_and_unexpected_keys_are_listed() {
    let dir = scratch("keys");
    let device = Device::flex();
    let path = dir.join("m.safetensors");
    save_model(&small_config().init(&device).unwrap(), &path).unwrap();
    // An SSD300 checkpoint has no fusion/attention; loading it as ASSD300 lists what is missing.
    let ssd = dir.join("ssd.safetensors");
    save_model(
        &AssdConfig::ssd300()
            .with_num_classes(3)
            .init(&device)
            .unwrap(),
        &ssd,
    )
    .unwrap();
    let err = load_model(&ssd, Some(small_config()), &device).unwrap_err();
    let WeightsError::Keys {
        missing,
        unexpected,
        ..
    } = &err
    else {
        panic!("expected a key error, got {err}")
    };
    assert!(
        missing.iter().any(|k| k == "fusion.conv.weight"),
        "{missing:?}"
    );
    assert!(
        missing.iter().any(|k| k == "attention.0.query.weight"),
        "{missing:?}"
    );
    assert!(unexpected.is_empty(), "{unexpected:?}");
    assert!(err.to_string().contains("missing tensor(s)"));
}

#[test]
fn garbage_and_unknown_files_are_refused() {
    let dir = scratch("garbage");
    let pth = dir.join("junk.pth");
    std::fs::write(&pth, b"definitely not a zip or a pickle").unwrap();
    assert!(matches!(
        read_checkpoint(&pth),
        Err(WeightsError::Pytorch { .. })
    ));
    let st = dir.join("junk.safetensors");
    std::fs::write(&st, [0xffu8; 64]).unwrap();
    assert!(matches!(
        read_checkpoint(&st),
        Err(WeightsError::Safetensors { .. })
    ));
    let other = dir.join("weights.onnx");
    std::fs::write(&other, b"x").unwrap();
    assert!(matches!(
        read_checkpoint(&other),
        Err(WeightsError::UnknownFormat { .. })
    ));
    assert!(matches!(
        read_checkpoint(Path::new("/nonexistent/w.pth")),
        Err(WeightsError::Io { .. })
    ));
}

#[test]
fn a_pickle_that_calls_os_system_runs_nothing() {
    let dir = scratch("pickle");
    let marker = dir.join("pwned");
    // protocol 2: GLOBAL os.system, the marker command, TUPLE1, REDUCE, STOP.
    let cmd = format!("touch {}", marker.display());
    let mut bytes = b"\x80\x02cos\nsystem\n".to_vec();
    bytes.push(b'X');
    bytes.extend((cmd.len() as u32).to_le_bytes());
    bytes.extend(cmd.as_bytes());
    bytes.extend(b"\x85R.");
    let pth = dir.join("evil.pth");
    std::fs::write(&pth, &bytes).unwrap();
    let result = load_model(&pth, None, &Device::flex());
    assert!(
        result.is_err(),
        "an executable pickle must not load as a model"
    );
    assert!(!marker.exists(), "code from the checkpoint was executed");
}

#[test]
fn truncated_authors_checkpoint_is_an_error() {
    let Some(src) = shared_fixture("assd513/assd513_voc_fp16.pth") else {
        return;
    };
    let dir = scratch("truncated");
    let bytes = std::fs::read(&src).unwrap();
    for keep in [bytes.len() / 2, bytes.len() - 100, 1000] {
        let path = dir.join("truncated.pth");
        std::fs::write(&path, &bytes[..keep]).unwrap();
        let err = load_model(&path, None, &Device::flex()).unwrap_err();
        assert!(
            matches!(err, WeightsError::Pytorch { .. }),
            "{keep} bytes: {err}"
        );
    }
}

#[test]
fn authors_checkpoint_with_the_wrong_class_count_names_their_key() {
    let Some(src) = shared_fixture("assd513/assd513_voc_fp16.pth") else {
        return;
    };
    let err = load_model(
        &src,
        Some(AssdConfig::assd513().with_num_classes(81)),
        &Device::flex(),
    )
    .unwrap_err();
    let message = err.to_string();
    assert!(message.contains("conf_layers.0.weight"), "{message}");
    assert!(
        message.contains("[324, 512, 3, 3]") && message.contains("[84, 512, 3, 3]"),
        "{message}"
    );
}

#[test]
fn corrupt_truncated_and_huge_images_are_errors() {
    let dir = scratch("images");
    let junk = dir.join("junk.jpg");
    std::fs::write(&junk, b"\xff\xd8\xff\xe0 this is not really a jpeg").unwrap();
    assert!(matches!(
        load_image(&junk),
        Err(ImageLoadError::Decode { .. })
    ));

    // A real PNG cut in half.
    let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8, y as u8, 7]));
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let cut = dir.join("cut.png");
    std::fs::write(&cut, &png[..png.len() / 2]).unwrap();
    assert!(load_image(&cut).is_err());
    let whole = dir.join("whole.png");
    std::fs::write(&whole, &png).unwrap();
    assert_eq!(load_image(&whole).unwrap().dimensions(), (64, 48));

    // A PNG header claiming 100000×100000 pixels is refused before any allocation.
    let huge = dir.join("huge.png");
    std::fs::write(&huge, png_header(100_000, 100_000)).unwrap();
    let err = load_image(&huge).unwrap_err();
    assert!(matches!(err, ImageLoadError::Decode { .. }), "{err}");
    assert!(load_image(&dir.join("missing.png")).is_err());
}

/// PNG signature + IHDR (8-bit RGB) + an empty IDAT.
fn png_header(width: u32, height: u32) -> Vec<u8> {
    fn chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
        let mut out = (data.len() as u32).to_be_bytes().to_vec();
        let mut body = kind.to_vec();
        body.extend(data);
        out.extend(&body);
        out.extend(crc32(&body).to_be_bytes());
        out
    }
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(chunk(b"IHDR", &ihdr));
    out.extend(chunk(b"IDAT", &[]));
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in bytes {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn tflite_files_that_do_not_map_name_what_is_wrong() {
    let dir = scratch("tflite");
    // Not a flatbuffer at all.
    let garbage = dir.join("garbage.tflite");
    std::fs::write(&garbage, b"TFL3 but not really a model").unwrap();
    let err = read_checkpoint(&garbage).unwrap_err().to_string();
    assert!(
        err.contains("garbage.tflite") && err.contains("flatbuffer"),
        "{err}"
    );

    let Some(tflite) = common::shared_model("ssd-mobilenet-v1-coco/detect.tflite") else {
        return;
    };
    let bytes = std::fs::read(&tflite).unwrap();
    // Truncated: the verifier refuses it (no panic, no out-of-bounds read).
    let cut = dir.join("cut.tflite");
    std::fs::write(&cut, &bytes[..bytes.len() / 3]).unwrap();
    let err = read_checkpoint(&cut).unwrap_err().to_string();
    assert!(err.contains("cut.tflite"), "{err}");

    // A layer the port does not know: one head's output renamed.
    let name = b"BoxPredictor_3/BoxEncodingPredictor/BiasAdd";
    let at = bytes
        .windows(name.len())
        .position(|w| w == name)
        .expect("the tensor name is in the file");
    let mut renamed = bytes.clone();
    renamed[at + name.len() - 1] = b'X';
    let odd = dir.join("odd.tflite");
    std::fs::write(&odd, &renamed).unwrap();
    let err = read_checkpoint(&odd).unwrap_err().to_string();
    assert!(
        err.contains("BoxPredictor_3/BoxEncodingPredictor/BiasAdX")
            && err.contains("CONV_2D")
            && err.contains("not a layer of SSD-MobileNetV1"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
