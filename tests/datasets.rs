//! Dataset readers on real data: BCCD in VOC form, and a BCCD subset converted here to COCO
//! JSON and YOLO txt, read back to the same boxes, and trained on and evaluated in each format.
//! Malformed files name the file and the line or field.

mod common;

use std::path::{Path, PathBuf};

use assd::dataset::{
    CocoReader, Dataset, DatasetError, DatasetReader, Format, VocReader, YoloReader, detect_format,
};

use assd::backend::DeviceChoice;
use assd::train::trainer::{load_datasets, validate};
use assd::train::{EpochReport, StepReport, TrainConfig, TrainObserver, train_on};
use burn::prelude::*;

fn bccd() -> Option<PathBuf> {
    common::shared_data("bccd")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("assd-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn bccd_reads_as_voc_with_its_splits() {
    let Some(root) = bccd() else { return };
    assert_eq!(detect_format(&root).unwrap(), Format::Voc);
    let all = VocReader::new(&root, None).read().unwrap();
    assert_eq!(all.classes, ["Platelets", "RBC", "WBC"]);
    assert_eq!(all.samples.len(), 364);
    // 4,888 boxes, a few of them zero-area (skipped, each named).
    assert_eq!(all.object_count() + all.skipped.len(), 4888);
    assert!(all.skipped.len() < 10, "{:?}", all.skipped);
    assert!(
        all.skipped
            .iter()
            .any(|s| s.contains("BloodImage_00338.xml:163: empty box"))
    );
    let first = &all.samples[0];
    assert!(first.image.ends_with("JPEGImages/BloodImage_00000.jpg"));
    assert!(first.image.is_file());
    assert_eq!((first.width, first.height), (640, 480));
    // <xmin>260 <ymin>177 <xmax>491 <ymax>376, 1-based → 0-based.
    assert_eq!(first.objects[0].class, 2);
    assert_eq!(first.objects[0].bbox, [259.0, 176.0, 490.0, 375.0]);
    let (boxes, labels) = first.targets();
    assert_eq!(labels[0], 3, "labels are 1-based, 0 is background");
    assert!(
        (boxes[0][0] - 176.0 / 480.0).abs() < 1e-7 && (boxes[0][1] - 259.0 / 640.0).abs() < 1e-7
    );
    for (split, n) in [("train", 205), ("val", 87), ("trainval", 292), ("test", 72)] {
        let d = VocReader::new(&root, Some(split)).read().unwrap();
        assert_eq!(d.samples.len(), n, "{split}");
        assert_eq!(d.classes, all.classes);
    }
}

/// Writes `dataset` as a COCO instances file (boxes `[x, y, w, h]`).
fn write_coco(dataset: &Dataset, path: &Path) {
    let images: Vec<_> = dataset
        .samples
        .iter()
        .enumerate()
        .map(|(i, s)| {
            serde_json::json!({
                "id": i + 100,
                "file_name": s.image.file_name().unwrap().to_string_lossy(),
                "width": s.width,
                "height": s.height,
            })
        })
        .collect();
    let mut annotations = Vec::new();
    for (i, s) in dataset.samples.iter().enumerate() {
        for o in &s.objects {
            let [x1, y1, x2, y2] = o.bbox;
            annotations.push(serde_json::json!({
                "id": annotations.len() + 1,
                "image_id": i + 100,
                // Gapped category ids, as COCO's.
                "category_id": (o.class + 1) * 10,
                "bbox": [x1, y1, x2 - x1, y2 - y1],
                "iscrowd": u8::from(o.difficult),
            }));
        }
    }
    let categories: Vec<_> = dataset
        .classes
        .iter()
        .enumerate()
        .map(|(i, name)| serde_json::json!({"id": (i + 1) * 10, "name": name}))
        .collect();
    let doc =
        serde_json::json!({"images": images, "annotations": annotations, "categories": categories});
    std::fs::write(path, serde_json::to_vec(&doc).unwrap()).unwrap();
}

/// Writes `dataset` in the YOLO layout under `root` (split `val`), copying the images.
fn write_yolo(dataset: &Dataset, root: &Path) {
    let (images, labels) = (root.join("images/val"), root.join("labels/val"));
    std::fs::create_dir_all(&images).unwrap();
    std::fs::create_dir_all(&labels).unwrap();
    let names: Vec<String> = dataset
        .classes
        .iter()
        .enumerate()
        .map(|(i, n)| format!("  {i}: {n}"))
        .collect();
    std::fs::write(
        root.join("data.yaml"),
        format!("path: .\nval: images/val\nnames:\n{}\n", names.join("\n")),
    )
    .unwrap();
    for s in &dataset.samples {
        let name = s.image.file_name().unwrap();
        std::fs::copy(&s.image, images.join(name)).unwrap();
        let (w, h) = (s.width as f32, s.height as f32);
        let lines: Vec<String> = s
            .objects
            .iter()
            .map(|o| {
                let [x1, y1, x2, y2] = o.bbox;
                format!(
                    "{} {:.6} {:.6} {:.6} {:.6}",
                    o.class,
                    (x1 + x2) / 2.0 / w,
                    (y1 + y2) / 2.0 / h,
                    (x2 - x1) / w,
                    (y2 - y1) / h
                )
            })
            .collect();
        let stem = Path::new(name).file_stem().unwrap().to_string_lossy();
        std::fs::write(labels.join(format!("{stem}.txt")), lines.join("\n")).unwrap();
    }
}

#[test]
fn a_bccd_subset_converted_to_coco_and_yolo_reads_back_the_same() {
    let Some(root) = bccd() else { return };
    let mut subset = VocReader::new(&root, Some("test")).read().unwrap();
    subset.samples.truncate(12);
    assert!(subset.object_count() > 100);

    let dir = temp_dir("coco");
    let json = dir.join("instances_test.json");
    write_coco(&subset, &json);
    let images = root.join("JPEGImages");
    assert_eq!(detect_format(&json).unwrap(), Format::Coco);
    let coco = CocoReader::new(&json, Some(&images)).read().unwrap();
    assert_eq!(coco, subset, "COCO round trip is exact");

    let yolo_root = temp_dir("yolo");
    write_yolo(&subset, &yolo_root);
    assert_eq!(detect_format(&yolo_root).unwrap(), Format::Yolo);
    let yolo = YoloReader::new(&yolo_root, Some("val")).read().unwrap();
    assert_eq!(yolo.classes, subset.classes);
    assert_eq!(yolo.samples.len(), subset.samples.len());
    for (a, b) in yolo.samples.iter().zip(&subset.samples) {
        assert_eq!(a.image.file_name(), b.image.file_name());
        assert_eq!((a.width, a.height), (b.width, b.height));
        assert_eq!(a.objects.len(), b.objects.len());
        for (p, q) in a.objects.iter().zip(&b.objects) {
            assert_eq!(p.class, q.class);
            for k in 0..4 {
                // Six decimals of a normalised coordinate: well under a pixel.
                assert!((p.bbox[k] - q.bbox[k]).abs() < 0.01, "{p:?} vs {q:?}");
            }
        }
    }

    // `assd train` and its validation (the `assd eval` code) read all three formats.
    for (name, data, format, split, images) in [
        ("voc", root.clone(), Format::Voc, Some("test"), None),
        (
            "coco",
            json.clone(),
            Format::Coco,
            None,
            Some(images.clone()),
        ),
        ("yolo", yolo_root.clone(), Format::Yolo, Some("val"), None),
    ] {
        let config = TrainConfig {
            model: "ssd-tiny".into(),
            data,
            format,
            train_split: split.map(str::to_string),
            val_split: split.map(str::to_string),
            images,
            max_steps: Some(2),
            batch_size: 2,
            augment: None,
            device: DeviceChoice::Cpu,
            eval_every: 0,
            ..TrainConfig::default()
        };
        let (train_set, _) = load_datasets(&config).unwrap();
        let train_set = Dataset {
            samples: train_set.samples[..12.min(train_set.samples.len())].to_vec(),
            ..train_set
        };
        let out = dir.join(format!("run-{name}"));
        let summary = train_on(&config, train_set.clone(), None, &out, false, &mut Quiet).unwrap();
        assert_eq!(summary.steps, 2, "{name}");
        let model = assd::weights::load_model(&summary.last, None, &Device::flex()).unwrap();
        assert_eq!(model.config.num_classes, 4, "{name}");
        let report = validate(&model, &Device::flex(), &train_set, Some(2)).unwrap();
        assert!((0.0..=1.0).contains(&report.map_voc_all), "{name}");
    }
    let _ = std::fs::remove_dir_all(dir);
    let _ = std::fs::remove_dir_all(yolo_root);
}

struct Quiet;

impl TrainObserver for Quiet {
    fn step(&mut self, _: &StepReport) {}
    fn epoch(&mut self, _: &EpochReport) {}
    fn note(&mut self, _: &str) {}
    fn should_stop(&self) -> bool {
        false
    }
}

fn voc_with(annotation: &str) -> (PathBuf, Result<Dataset, DatasetError>) {
    let root = temp_dir("voc-bad");
    std::fs::create_dir_all(root.join("Annotations")).unwrap();
    std::fs::write(root.join("Annotations/img_1.xml"), annotation).unwrap();
    let result = VocReader::new(&root, None).read();
    (root, result)
}

#[test]
fn malformed_files_name_the_file_and_the_line_or_field() {
    let good_object = "<object><name>cell</name><bndbox><xmin>2</xmin><ymin>3</ymin>\
                       <xmax>9</xmax><ymax>8</ymax></bndbox></object>";
    // Broken XML: unclosed tag.
    let (_, r) =
        voc_with("<annotation>\n<size><width>10</width><height>10</height></size>\n<object>\n");
    let message = r.unwrap_err().to_string();
    assert!(
        message.contains("img_1.xml:") && message.contains(':'),
        "{message}"
    );
    // A missing coordinate: the line of <bndbox>, the field name.
    let (_, r) = voc_with(&format!(
        "<annotation>\n<size><width>10</width><height>10</height></size>\n{good_object}\n\
         <object><name>cell</name>\n<bndbox><xmin>1</xmin><ymin>1</ymin><xmax>5</xmax></bndbox></object>\n</annotation>"
    ));
    let message = r.unwrap_err().to_string();
    assert!(
        message.contains("img_1.xml:5: ymax: missing <ymax>"),
        "{message}"
    );
    // A bad number.
    let (_, r) = voc_with(&format!(
        "<annotation>\n<size><width>ten</width><height>10</height></size>\n{good_object}\n</annotation>"
    ));
    let message = r.unwrap_err().to_string();
    assert!(
        message.contains("img_1.xml:2: width: 'ten' is not a number"),
        "{message}"
    );
    // An unknown class when the classes are fixed.
    let (root, r) = voc_with(&format!(
        "<annotation>\n<size><width>10</width><height>10</height></size>\n{good_object}\n</annotation>"
    ));
    assert_eq!(r.unwrap().samples[0].objects[0].bbox, [1.0, 2.0, 8.0, 7.0]);
    let message = VocReader::new(&root, None)
        .with_classes(vec!["dog".into()])
        .read()
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("img_1.xml:3: name: unknown class 'cell'"),
        "{message}"
    );

    // COCO: a syntax error has a line and column; a dangling reference names the entry.
    let dir = temp_dir("coco-bad");
    let json = dir.join("instances.json");
    std::fs::write(&json, "{\"images\": [\n{\"id\": 1,, }]}").unwrap();
    let message = CocoReader::new(&json, None).read().unwrap_err().to_string();
    assert!(message.contains("instances.json:2:"), "{message}");
    std::fs::write(
        &json,
        r#"{"images":[{"id":1,"file_name":"a.jpg","width":4,"height":4}],
            "annotations":[{"id":7,"image_id":1,"category_id":3,"bbox":[0,0,1,1]}],
            "categories":[{"id":1,"name":"cell"}]}"#,
    )
    .unwrap();
    let message = CocoReader::new(&json, None).read().unwrap_err().to_string();
    assert!(
        message.contains("annotations[0] (id 7).category_id: unknown category 3"),
        "{message}"
    );

    // YOLO: the label file and its line.
    let root = temp_dir("yolo-bad");
    std::fs::create_dir_all(root.join("images")).unwrap();
    std::fs::create_dir_all(root.join("labels")).unwrap();
    std::fs::write(root.join("data.yaml"), "names: [cell, dog]\n").unwrap();
    image::RgbImage::new(8, 6)
        .save(root.join("images/a.png"))
        .unwrap();
    std::fs::write(
        root.join("labels/a.txt"),
        "0 0.5 0.5 0.25 0.5\n\n1 0.5 1.5 0.1 0.1\n",
    )
    .unwrap();
    let message = YoloReader::new(&root, None).read().unwrap_err().to_string();
    assert!(
        message.contains("a.txt:3: cy: '1.5' is not a number in [0, 1]"),
        "{message}"
    );
    std::fs::write(root.join("labels/a.txt"), "2 0.5 0.5 0.25 0.5\n").unwrap();
    let message = YoloReader::new(&root, None).read().unwrap_err().to_string();
    assert!(
        message.contains("a.txt:1: class: '2' is not a class index below 2"),
        "{message}"
    );
    std::fs::write(root.join("labels/a.txt"), "1 0.5 0.5 0.25 0.5\n").unwrap();
    let ok = YoloReader::new(&root, None).read().unwrap();
    assert_eq!(ok.samples[0].objects[0].bbox, [3.0, 1.5, 5.0, 4.5]);
    std::fs::write(root.join("data.yaml"), "names: {0: cell, 2: dog}\n").unwrap();
    let message = YoloReader::new(&root, None).read().unwrap_err().to_string();
    assert!(
        message.contains("data.yaml: names: class index 1 is missing"),
        "{message}"
    );
}

#[test]
fn annotations_written_as_voc_read_back_the_same() {
    let Some(root) = bccd() else { return };
    let dataset = VocReader::new(&root, Some("val")).read().unwrap();
    let dir = temp_dir("voc-write");
    let mut classes = dataset.classes.clone();
    for sample in dataset.samples.iter().take(10) {
        let stem = sample
            .image
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let path = dir.join(format!("{stem}.xml"));
        assd::dataset::write_annotation(&path, sample, &dataset.classes).unwrap();
        let back = assd::dataset::read_annotation(&path, &sample.image, &mut classes).unwrap();
        assert_eq!(&back, sample);
    }
    assert_eq!(classes, dataset.classes, "no new classes appeared");
    // Names needing escapes, fractional corners and a new class survive the round trip.
    let sample = assd::dataset::Sample {
        image: dir.join("a.jpg"),
        width: 50,
        height: 40,
        objects: vec![assd::dataset::Object {
            class: 1,
            bbox: [1.5, 2.0, 30.25, 39.0],
            difficult: true,
            area: None,
        }],
    };
    let names = vec!["cell".to_string(), "R&D <cell>".to_string()];
    let path = dir.join("a.xml");
    assd::dataset::write_annotation(&path, &sample, &names).unwrap();
    let mut classes = vec!["cell".to_string()];
    let back = assd::dataset::read_annotation(&path, &sample.image, &mut classes).unwrap();
    assert_eq!(classes, names);
    assert_eq!(back, sample);
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        11,
        "no temporary files left"
    );
    let _ = std::fs::remove_dir_all(dir);
}
