//! `assd eval`'s COCO-style AP against pycocotools: the same detections (SSD-MobileNet on
//! coco128, stored with pycocotools' own AP and AP50 of them) must score the same, and so must
//! AP75 and the small / medium / large APs (tests/fixtures/coco128_pycocotools.json, written by
//! scripts/fixtures/coco128_pycocotools.py).

mod common;

use assd::eval::{ImagePredictions, evaluate, tide, tide_images};
use assd::labels::COCO_LABELMAP;

#[test]
fn coco_ap_matches_pycocotools_on_coco128() {
    let Some(root) = common::shared_data("coco128") else {
        return;
    };
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/coco128_ssd_mobilenet_detections.safetensors");
    let bytes = std::fs::read(&path).unwrap();
    let (_, header) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    let meta = header.metadata().clone().unwrap();
    let want_ap: f64 = meta["ap"].parse().unwrap();
    let want_ap50: f64 = meta["ap50"].parse().unwrap();
    let rows = common::load(&path)["detections"].f32();

    let dataset = assd::dataset::open(&root, assd::dataset::Format::Auto, None, None).unwrap();
    assert_eq!(dataset.samples.len(), 128);
    let mut predictions = vec![ImagePredictions::default(); dataset.samples.len()];
    let image_of = |id: u64| {
        dataset.samples.iter().position(|s| {
            s.image
                .file_stem()
                .and_then(|n| n.to_str())
                .and_then(|n| n.parse::<u64>().ok())
                == Some(id)
        })
    };
    for r in rows.chunks_exact(7) {
        let image = image_of(r[0] as u64).expect("a coco128 image");
        let name = COCO_LABELMAP[r[1] as usize];
        // Detections of classes without ground truth in coco128 have no dataset class.
        if let Some(class) = dataset.classes.iter().position(|c| c == name) {
            predictions[image]
                .boxes
                .push((class, r[2], [r[3], r[4], r[5], r[6]]));
        }
    }
    let report = evaluate(&dataset, &predictions);
    eprintln!(
        "AP {} vs pycocotools {want_ap}; AP50 {} vs {want_ap50}",
        report.map_coco, report.map50_coco
    );
    assert!((report.map_coco - want_ap).abs() < 1e-9);
    assert!((report.map50_coco - want_ap50).abs() < 1e-9);

    let reference: serde_json::Value = serde_json::from_slice(
        &std::fs::read(path.with_file_name("coco128_pycocotools.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        reference["ap"].as_f64(),
        Some(want_ap),
        "one set of detections"
    );
    for (name, got) in [
        ("ap75", Some(report.map75_coco)),
        ("ap_small", report.map_small),
        ("ap_medium", report.map_medium),
        ("ap_large", report.map_large),
    ] {
        let want = reference[name].as_f64().unwrap();
        let got = got.unwrap_or_else(|| panic!("{name}: no class has objects of that size"));
        eprintln!("{name} {got} vs pycocotools {want}");
        assert!(
            (got - want).abs() < 1e-9,
            "{name}: {got} vs pycocotools {want}"
        );
    }

    // TIDE against tidecv 1.0.1 on the same detections (tests/fixtures/coco128_tide.json,
    // written by scripts/fixtures/coco128_tide.py).
    let reference: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path.with_file_name("coco128_tide.json")).unwrap())
            .unwrap();
    let t = tide(&tide_images(&dataset, &predictions));
    let counts = serde_json::to_value(t.counts).unwrap();
    assert_eq!(counts, reference["counts"], "errors of each kind");
    for (name, got) in [
        ("ap50", t.ap50),
        ("cls", t.cls),
        ("loc", t.loc),
        ("both", t.both),
        ("dupe", t.dupe),
        ("bkg", t.bkg),
        ("miss", t.miss),
        ("false_pos", t.false_pos),
        ("false_neg", t.false_neg),
    ] {
        let want = reference[name].as_f64().unwrap();
        eprintln!("TIDE {name} {got} vs tidecv {want}");
        assert!((got - want).abs() < 1e-9, "{name}: {got} vs tidecv {want}");
    }
}
