//! `assd analyze` end to end with the built-in model: its JSON's numbers for an object equal
//! those recomputed here from the maps it dumped, the dumped maps' rows equal what
//! `assd attention` reads at a pixel, and a folder without annotations is analysed through
//! its detections.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn assd() -> Command {
    Command::new(env!("CARGO_BIN_EXE_assd"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("assd-analyze-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(args: &[&str]) -> String {
    let out = assd().args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "assd {args:?}: {stderr}");
    stderr
}

/// The figures of box `b` from map `a` (row-major n×n over an h×w grid, image w_img×h_img),
/// computed straight from the definitions.
fn recompute(a: &[f64], [h, w]: [usize; 2], [wi, hi]: [f64; 2], b: [f64; 4]) -> [f64; 4] {
    let n = h * w;
    let mut cells: Vec<usize> = (0..n)
        .filter(|&k| {
            let cx = ((k % w) as f64 + 0.5) * wi / w as f64;
            let cy = ((k / w) as f64 + 0.5) * hi / h as f64;
            b[0] <= cx && cx <= b[2] && b[1] <= cy && cy <= b[3]
        })
        .collect();
    if cells.is_empty() {
        let col = (((b[0] + b[2]) / 2.0 * w as f64 / wi) as usize).min(w - 1);
        let row = (((b[1] + b[3]) / 2.0 * h as f64 / hi) as usize).min(h - 1);
        cells.push(row * w + col);
    }
    let m = cells.len() as f64;
    let inside: f64 = cells
        .iter()
        .map(|&q| cells.iter().map(|&k| a[q * n + k]).sum::<f64>())
        .sum::<f64>()
        / m;
    let received: f64 = (0..n)
        .map(|q| cells.iter().map(|&k| a[q * n + k]).sum::<f64>())
        .sum::<f64>()
        / n as f64;
    [m, inside, inside / (m / n as f64), received]
}

#[test]
fn the_json_agrees_with_the_dumped_maps_and_assd_attention() {
    let Some(root) = common::shared_data("coco128") else {
        return;
    };
    let out = scratch("coco");
    let root = root.display().to_string();
    let dir = out.display().to_string();
    let args = [
        "analyze",
        "--data",
        &root,
        "--out",
        &dir,
        "--limit",
        "3",
        "--dump-maps",
    ];
    run(&[&args[..], &["--device", "cpu"]].concat());
    let json: Value =
        serde_json::from_slice(&std::fs::read(out.join("analysis.json")).unwrap()).unwrap();
    assert_eq!(json["images"], 3);
    let scales = json["scales"].as_array().unwrap();
    assert_eq!(
        scales.len(),
        6,
        "the built-in ASSD-MobileNet has six scales"
    );
    let objects = json["objects"].as_array().unwrap();
    assert!(
        objects.len() > 3,
        "coco128's first images hold several objects"
    );
    for s in scales {
        let entropy = s["mean_entropy"].as_f64();
        if s["n"] == 1 {
            assert!(entropy.is_none(), "undefined for N = 1: {s}");
        } else {
            assert!(entropy.is_some_and(|e| (0.0..=1.0).contains(&e)), "{s}");
        }
        assert_eq!(s["objects"].as_u64().unwrap() as usize, objects.len());
    }
    for file in ["scales.csv", "by_class.csv", "by_size.csv", "objects.csv"] {
        assert!(out.join(file).is_file(), "{file}");
    }
    // Every object's per-scale figures, recomputed from its image's dumped maps.
    let mut checked = 0;
    for o in objects.iter().take(12) {
        assert_eq!(o["source"], "gt");
        let image = PathBuf::from(o["image"].as_str().unwrap());
        let stem = image.file_stem().unwrap().to_string_lossy().into_owned();
        let maps_path = out.join("maps").join(format!("{stem}.safetensors"));
        let maps = common::load(&maps_path);
        let bytes = std::fs::read(&maps_path).unwrap();
        let (_, header) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
        let meta = header.metadata().clone().unwrap();
        assert_eq!(Path::new(&meta["image"]), image);
        let size = [
            meta["width"].parse().unwrap(),
            meta["height"].parse().unwrap(),
        ];
        let b: Vec<f64> = (o["box"].as_array().unwrap().iter())
            .map(|v| v.as_f64().unwrap())
            .collect();
        for (s, got) in o["per_scale"].as_array().unwrap().iter().enumerate() {
            let map = &maps[&format!("scale_{s}")];
            let grid = scales[s]["grid"].as_array().unwrap();
            let grid = [
                grid[0].as_u64().unwrap() as usize,
                grid[1].as_u64().unwrap() as usize,
            ];
            assert_eq!(map.shape, [grid[0] * grid[1]; 2]);
            let want = recompute(&map.data, grid, size, [b[0], b[1], b[2], b[3]]);
            let names = ["cells", "inside_mass", "lift", "received_share"];
            for (name, want) in names.iter().zip(want) {
                let got = got[name].as_f64().unwrap();
                // The maps are the f32 the JSON was computed from; sums in f64 both times.
                assert!(
                    (got - want).abs() <= 1e-9 * want.abs().max(1.0),
                    "{name}: {got} vs {want}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 24);

    // The dumped map's row at a pixel is what `assd attention` reads there.
    let first = PathBuf::from(objects[0]["image"].as_str().unwrap());
    let stem = first.file_stem().unwrap().to_string_lossy().into_owned();
    let maps = common::load(&out.join("maps").join(format!("{stem}.safetensors")));
    let rows = out.join("rows.safetensors");
    let first_arg = first.display().to_string();
    let rows_arg = rows.display().to_string();
    run(&[
        "attention",
        &first_arg,
        "--at",
        "100,80",
        "--out",
        &rows_arg,
        "--device",
        "cpu",
    ]);
    let rows = common::load(&rows);
    for s in 0..scales.len() {
        let cell = rows[&format!("scale{s}/cell")].usize();
        let w = scales[s]["grid"][1].as_u64().unwrap() as usize;
        let n = scales[s]["n"].as_u64().unwrap() as usize;
        let q = cell[0] * w + cell[1];
        let map = &maps[&format!("scale_{s}")].data;
        assert_eq!(
            rows[&format!("scale{s}/row")].data,
            map[q * n..(q + 1) * n],
            "scale {s}"
        );
    }
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn a_folder_without_annotations_is_analysed_through_its_detections() {
    let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
    let out = scratch("assets");
    let assets_arg = assets.display().to_string();
    let dir = out.display().to_string();
    // The built-in model against itself as the baseline: every difference is zero.
    let builtin = assd::weights::DEFAULT_WEIGHTS;
    let args = [
        "analyze",
        "--data",
        &assets_arg,
        "--out",
        &dir,
        "--baseline",
        builtin,
    ];
    let stderr = run(&[&args[..], &["--device", "cpu"]].concat());
    assert!(stderr.contains("analysing the detections"), "{stderr}");
    let json: Value =
        serde_json::from_slice(&std::fs::read(out.join("analysis.json")).unwrap()).unwrap();
    let objects = json["objects"].as_array().unwrap();
    assert!(
        !objects.is_empty(),
        "the sample photos hold detections ≥ 0.3"
    );
    for o in objects {
        assert_eq!(o["source"], "detection");
        // A detection's own prior fires for it.
        assert!(o["fired_scale"].as_u64().is_some(), "{o}");
    }
    assert!(!json["by_class"].as_object().unwrap().is_empty());
    let baseline: Value =
        serde_json::from_slice(&std::fs::read(out.join("baseline/analysis.json")).unwrap())
            .unwrap();
    assert_eq!(baseline["objects"], json["objects"]);
    let difference = std::fs::read_to_string(out.join("difference.csv")).unwrap();
    let rows: Vec<&str> = difference.lines().skip(1).collect();
    assert_eq!(rows.len(), 6);
    for (s, row) in rows.iter().enumerate() {
        let want = if s == 5 {
            format!("{s},0,0,,0,0")
        } else {
            format!("{s},0,0,0,0,0")
        };
        assert_eq!(*row, want, "scale {s}: {difference}");
    }
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn a_model_without_attention_still_says_which_scale_fires() {
    let Some(ssd) = common::shared_model("ssd-mobilenet-v1-coco/detect.tflite") else {
        return;
    };
    let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
    let out = scratch("ssd");
    let (assets_arg, ssd_arg) = (assets.display().to_string(), ssd.display().to_string());
    let dir = out.display().to_string();
    let args = [
        "analyze",
        "--data",
        &assets_arg,
        "--out",
        &dir,
        "-w",
        &ssd_arg,
    ];
    let stderr = run(&[&args[..], &["--device", "cpu"]].concat());
    assert!(stderr.contains("has no attention units"), "{stderr}");
    let json: Value =
        serde_json::from_slice(&std::fs::read(out.join("analysis.json")).unwrap()).unwrap();
    let objects = json["objects"].as_array().unwrap();
    assert!(!objects.is_empty());
    assert!(
        objects
            .iter()
            .all(|o| o["per_scale"].as_array().unwrap().is_empty())
    );
    let scales = json["scales"].as_array().unwrap();
    assert_eq!(scales.len(), 6);
    assert!(
        scales
            .iter()
            .all(|s| s["mean_lift"].is_null() && s["mean_entropy"].is_null())
    );
    let fired: u64 = (json["by_size"].as_object().unwrap().values())
        .flat_map(|per_scale| per_scale.as_array().unwrap())
        .map(|g| g["fired"].as_u64().unwrap())
        .sum();
    assert_eq!(
        fired as usize,
        objects.len(),
        "each detection fires at its own scale"
    );
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn an_empty_folder_is_a_clear_error() {
    let empty = scratch("empty");
    let out = scratch("empty-out");
    let output = assd()
        .args(["analyze", "--data", &empty.display().to_string()])
        .args(["--out", &out.display().to_string(), "--device", "cpu"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not a dataset"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
