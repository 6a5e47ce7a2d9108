//! `assd eval` end to end: ground truth made of the model's own best detections must score
//! AP 1 under both VOC summaries, at the authors' evaluation threshold, and the report and the
//! precision/recall curves are written.

mod common;

use std::process::Command;

use assd::detect::DetectConfig;
use burn::prelude::*;
use common::shared_fixture;

#[test]
fn eval_scores_the_models_own_best_boxes_as_perfect() {
    let (Some(weights), Some(image)) = (
        shared_fixture("assd513/assd513_voc_fp16.pth"),
        shared_fixture("assd513/test_image.jpg"),
    ) else {
        return;
    };
    let device = Device::flex();
    let model = assd::weights::load_model(&weights, None, &device).unwrap();
    let detector = assd::Detector::new(model, device).unwrap();
    let inference = detector.infer(&assd::preprocess::load_image(&image).unwrap());
    let detections = detector.detections(&inference, &DetectConfig::default());
    // The best car (7) and person (15): detections come sorted by score within a class.
    let best = |class: usize| {
        detections
            .iter()
            .filter(|d| d.class_id == class)
            .max_by(|a, b| a.score.total_cmp(&b.score))
            .cloned()
            .expect("a detection of the class")
    };
    let objects: String = [best(7), best(15)]
        .iter()
        .map(|d| {
            let [x1, y1, x2, y2] = d.bbox.map(|v| v + 1.0);
            format!(
                "<object><name>{}</name><difficult>0</difficult><bndbox><xmin>{x1:.4}</xmin>\
                 <ymin>{y1:.4}</ymin><xmax>{x2:.4}</xmax><ymax>{y2:.4}</ymax></bndbox></object>\n",
                d.label
            )
        })
        .collect();
    let root = std::env::temp_dir().join(format!("assd-eval-{}", std::process::id()));
    std::fs::create_dir_all(root.join("Annotations")).unwrap();
    std::fs::create_dir_all(root.join("JPEGImages")).unwrap();
    std::fs::copy(&image, root.join("JPEGImages/img1.jpg")).unwrap();
    std::fs::write(
        root.join("Annotations/img1.xml"),
        format!(
            "<annotation><filename>img1.jpg</filename><size><width>500</width>\
             <height>375</height></size>\n{objects}</annotation>"
        ),
    )
    .unwrap();
    let (json, curves) = (root.join("report.json"), root.join("pr.png"));
    let out = Command::new(env!("CARGO_BIN_EXE_assd"))
        .args(["eval", "--device", "cpu", "--weights"])
        .arg(&weights)
        .arg("--data")
        .arg(&root)
        .arg("--json")
        .arg(&json)
        .arg("--curves")
        .arg(&curves)
        .arg("--tide")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("AP VOC07: 11-point at IoU > 0.5"),
        "{stdout}"
    );
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let classes = report["classes"].as_array().unwrap();
    assert_eq!(classes.len(), 20, "VOC's classes");
    for name in ["car", "person"] {
        let c = classes.iter().find(|c| c["class"] == name).unwrap();
        assert_eq!(c["positives"], 1);
        assert_eq!(c["ap_voc07"], 1.0, "{name}: {c}");
        assert_eq!(c["ap_voc_all"], 1.0, "{name}: {c}");
        let coco = c["ap_coco"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&coco));
    }
    // Means only over classes with ground truth.
    assert_eq!(report["map_voc07"], 1.0);
    for key in ["map75_coco", "map_small", "map_medium", "map_large"] {
        assert!(report.get(key).is_some(), "{key} in {report}");
    }
    // The labels are the model's own boxes: every size present scores 1 at IoU 0.5 and up.
    assert_eq!(report["map75_coco"], 1.0);
    let tide = &report["tide"];
    for key in ["cls", "loc", "both", "dupe", "bkg", "miss"] {
        let dap = tide[key]
            .as_f64()
            .unwrap_or_else(|| panic!("tide.{key} in {tide}"));
        assert!(dap >= 0.0, "{key}: {dap}");
    }
    assert!(tide["false_pos"].as_f64().is_some() && tide["false_neg"].as_f64().is_some());
    assert!(stdout.contains("TIDE (dAP50"), "{stdout}");
    assert_eq!(image::open(&curves).unwrap().width(), 900);
    let svg = std::fs::read_to_string(curves.with_extension("svg")).unwrap();
    assert!(
        svg.contains("mean of 2 classes"),
        "the legend names the mean"
    );
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn a_model_compared_with_itself_differs_by_zero_within_a_zero_interval() {
    let root = std::env::temp_dir().join(format!("assd-compare-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("Annotations")).unwrap();
    std::fs::create_dir_all(root.join("JPEGImages")).unwrap();
    for i in 0..3 {
        std::fs::copy(
            "assets/chelsea.png",
            root.join(format!("JPEGImages/c{i}.png")),
        )
        .unwrap();
        std::fs::write(
            root.join(format!("Annotations/c{i}.xml")),
            format!(
                "<annotation><filename>c{i}.png</filename><size><width>451</width>\
                 <height>300</height></size><object><name>cat</name><difficult>0</difficult>\
                 <bndbox><xmin>61</xmin><ymin>21</ymin><xmax>301</xmax><ymax>291</ymax>\
                 </bndbox></object></annotation>"
            ),
        )
        .unwrap();
    }
    let json = root.join("report.json");
    let out = Command::new(env!("CARGO_BIN_EXE_assd"))
        .args(["eval", "--device", "cpu", "--data"])
        .arg(&root)
        .args([
            "--compare",
            "builtin:assd-mobilenet-coco",
            "--resamples",
            "300",
        ])
        .arg("--json")
        .arg(&json)
        .arg("--curves")
        .arg(root.join("pr.png"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("paired bootstrap over images (300 resamples"),
        "{stdout}"
    );
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let c = &report["compare"];
    assert_eq!(c["images"], 3);
    assert_eq!(c["map_a"], report["map_coco"]);
    assert_eq!(c["map_a"], c["map_b"]);
    for key in ["delta_map", "delta_map50"] {
        for end in ["estimate", "low", "high"] {
            assert_eq!(c[key][end], 0.0, "{key}.{end} in {c}");
        }
    }
    let _ = std::fs::remove_dir_all(&root);
}
