//! The app driven headless through egui_kittest: open, filter, click, read attention.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use assd::attention_query::attention_at;
use assd::backend::DeviceChoice;
use assd::ui::{Action, AppOptions, AssdApp, ExportKind, Settings};
use burn::prelude::*;
use common::shared_fixture;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

fn harness(options: AppOptions) -> Harness<'static, AssdApp> {
    // The worker's repaint requests go to a context of its own; the test polls instead.
    let app = AssdApp::with_context(&egui::Context::default(), options, Settings::default());
    Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_ui_state(|ui, app: &mut AssdApp| app.show(ui), app)
}

/// Steps the UI until the worker has answered everything (the model runs on the CPU);
/// returns the slowest frame while the worker was busy (the frame that takes in the result
/// is not counted).
fn wait_idle(h: &mut Harness<'_, AssdApp>) -> Duration {
    let start = Instant::now();
    let mut slowest = Duration::ZERO;
    loop {
        let frame = Instant::now();
        h.step();
        if h.state().session().is_idle() {
            eprintln!(
                "timings: frame taking in the worker's result {:?}",
                frame.elapsed()
            );
            break;
        }
        slowest = slowest.max(frame.elapsed());
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "the worker did not answer"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    h.run_steps(3);
    slowest
}

/// Clicks image pixel `[x, y]` wherever the view currently draws the image.
fn click_pixel(h: &mut Harness<'_, AssdApp>, [x, y]: [f32; 2]) {
    let rect = h.state().image_rect().expect("the image is drawn");
    let zoom = rect.width() / 500.0;
    let pos = rect.min + egui::vec2(x * zoom, y * zoom);
    h.hover_at(pos);
    h.run_steps(1);
    for pressed in [true, false] {
        h.event(egui::Event::PointerButton {
            pos,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        });
        h.run_steps(1);
    }
}

#[test]
fn missing_weights_are_reported_in_the_window() {
    let mut h = harness(AppOptions {
        path: Some("assets".into()),
        weights: Some("/nonexistent/weights.pth".into()),
        device: DeviceChoice::Cpu,
        fresh_settings: true,
        camera: None,
        ..Default::default()
    });
    wait_idle(&mut h);
    assert!(
        h.query_by_label_contains("/nonexistent/weights.pth")
            .is_some()
    );
    // The folder still opened: its first image is listed and selected.
    assert_eq!(
        h.state()
            .session()
            .current()
            .path
            .map(|p| p.file_name().unwrap().to_owned()),
        Some("astronaut.png".into())
    );
    assert!(h.query_by_label_contains("Open weights").is_some());
    // Without a model the image is still shown, and labels can be drawn on it.
    assert!(h.state().image_rect().is_some());
    assert!(h.state().visible_detections().is_empty());
    h.state_mut().apply(Action::SetAnnotating(true));
    h.key_press(egui::Key::W);
    h.run_steps(1);
    let rect = h.state().image_rect().unwrap();
    let (from, to) = (
        rect.min + egui::vec2(20.0, 20.0),
        rect.min + egui::vec2(80.0, 70.0),
    );
    h.hover_at(from);
    h.run_steps(1);
    h.event(egui::Event::PointerButton {
        pos: from,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: egui::Modifiers::NONE,
    });
    h.run_steps(1);
    h.hover_at(to);
    h.run_steps(1);
    h.event(egui::Event::PointerButton {
        pos: to,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: egui::Modifiers::NONE,
    });
    h.run_steps(2);
    assert_eq!(current_labels(&h).len(), 1);
}

#[test]
fn open_filter_click_and_read_attention() {
    let (Some(weights), Some(image)) = (
        shared_fixture("assd513/assd513_voc_fp16.pth"),
        shared_fixture("assd513/test_image.jpg"),
    ) else {
        return;
    };
    // A folder with the test image and a broken file, opened through the dialogs' code path.
    let dir = std::env::temp_dir().join(format!("assd-gui-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(&image, dir.join("a_test.jpg")).unwrap();
    std::fs::write(dir.join("b_broken.png"), b"not a png").unwrap();
    let mut h = harness(AppOptions {
        path: Some(dir.join("a_test.jpg")),
        weights: Some(weights.clone()),
        device: DeviceChoice::Cpu,
        fresh_settings: true,
        camera: None,
        ..Default::default()
    });
    let slowest = wait_idle(&mut h);
    eprintln!(
        "timings: slowest UI frame while the network ran {slowest:?}; first filter {:?}",
        h.state().session().current().timings().1
    );
    assert!(h.query_by_label("1 / 2").is_some());

    // Thresholds re-filter from the cached outputs: fewer boxes at 0.9 than at 0.5.
    let at_default = h.state().visible_detections().len();
    assert!(at_default > 0);
    assert!(
        h.query_by_label(&format!("{at_default} detections"))
            .is_some()
    );
    h.get_by_role_and_label(egui::accesskit::Role::Slider, "Confidence")
        .set_value_accesskit(0.9);
    h.run_steps(3);
    let at_high = h.state().visible_detections().len();
    assert!(at_high < at_default, "{at_high} vs {at_default}");
    assert!(h.query_by_label(&format!("{at_high} detections")).is_some());
    assert!(
        h.state().session().is_idle(),
        "re-filtering must not run the network"
    );
    let (inference, filter, _) = h.state().session().current().timings();
    eprintln!("timings: inference {inference:?}, threshold re-filter {filter:?}");

    // Click pixel (203.5, 180.5) of the 500×375 image.
    let click_started = Instant::now();
    click_pixel(&mut h, [203.5, 180.5]);
    wait_idle(&mut h);
    eprintln!(
        "timings: click → attention shown {:?} (read-back {:?})",
        click_started.elapsed(),
        h.state().session().current().timings().2
    );
    assert!(
        h.query_by_label("Scale 0: query cell (row 31, col 26) of 65×65")
            .is_some(),
        "the attention panel shows the clicked query cell"
    );
    let shown = h
        .state()
        .session()
        .current()
        .attention_scales()
        .expect("attention arrived")
        .to_vec();
    assert_eq!(shown.len(), 7);

    // The rows equal what `assd attention` computes for the same pixel.
    let device = Device::flex();
    let model = assd::weights::load_model(&weights, None, &device).unwrap();
    let detector = assd::Detector::new(model, device).unwrap();
    let inference = detector.infer(&assd::preprocess::load_image(&image).unwrap());
    let pixel = h.state().session().current().attention_pixel().unwrap();
    let expected = attention_at(&inference, pixel);
    for (got, want) in shown.iter().zip(&expected) {
        assert_eq!(got.cell, want.cell);
        assert_eq!(got.row, want.row, "scale {}", got.scale);
    }

    // Zoom in with the wheel over the image: the image grows, and a click still lands on the
    // cell under the pointer.
    let before = h.state().image_rect().unwrap();
    h.hover_at(before.center());
    for _ in 0..5 {
        h.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, 120.0),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Wheel,
            modifiers: egui::Modifiers::NONE,
        });
        h.run_steps(4);
    }
    let after = h.state().image_rect().unwrap();
    assert!(
        after.width() > before.width() * 1.2,
        "{before:?} → {after:?}"
    );
    click_pixel(&mut h, [250.5, 187.5]);
    wait_idle(&mut h);
    assert!(
        h.query_by_label("Scale 0: query cell (row 32, col 32) of 65×65")
            .is_some()
    );

    // Digit keys pick the scale shown large (and described in the panel).
    h.key_press(egui::Key::Num3);
    h.run_steps(2);
    assert!(
        h.query_by_label("Scale 2: query cell (row 8, col 8) of 17×17")
            .is_some()
    );

    // Export: the same writers as the CLI, atomically.
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let app = h.state();
    for (kind, name) in [
        (ExportKind::AnnotatedImage, "a.png"),
        (ExportKind::DetectionsJson, "d.json"),
        (ExportKind::AttentionImage, "att.png"),
        (ExportKind::AttentionRows, "rows.safetensors"),
    ] {
        app.export_to(kind, &out.join(name))
            .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
    }
    assert_eq!(
        image::open(out.join("a.png"))
            .unwrap()
            .to_rgb8()
            .dimensions(),
        (500, 375)
    );
    assert_eq!(
        image::open(out.join("att.png"))
            .unwrap()
            .to_rgb8()
            .dimensions(),
        (7 * 500, 375)
    );
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("d.json")).unwrap()).unwrap();
    assert_eq!(
        doc["images"][0]["detections"].as_array().unwrap().len(),
        at_high
    );
    let rows = common::load(&out.join("rows.safetensors"));
    let current = h.state().session().current().attention_scales().unwrap();
    assert_eq!(rows["scale3/row"].f32(), current[3].row);
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        4,
        "no temporary files left behind"
    );

    // Selecting a detection selects the scale that fired it and charts the attention kept
    // inside its box.
    let fired_by = h.state().visible_detections()[0].scale;
    h.state_mut().apply(Action::SelectDetection(0));
    wait_idle(&mut h);
    assert!(
        h.query_by_label_contains("box's centre that falls inside the box")
            .is_some()
    );
    assert!(
        h.query_by_label_contains(&format!("fired by scale {fired_by}"))
            .is_some()
    );

    // → moves to the broken file, which shows an inline error instead of crashing.
    h.key_press(egui::Key::ArrowRight);
    wait_idle(&mut h);
    assert!(h.query_by_label("2 / 2").is_some());
    assert!(h.query_by_label_contains("Cannot show").is_some());
    let _ = std::fs::remove_dir_all(Path::new(&dir));
}

/// The current image's labels.
fn current_labels(h: &Harness<'_, AssdApp>) -> Vec<assd::dataset::Object> {
    let app = h.state();
    app.session()
        .current()
        .path
        .map(|p| app.editor().objects(p))
        .unwrap_or_default()
}

/// Where the app's settings would go on exit (the test only wants the labels written).
struct NoStorage;

impl eframe::Storage for NoStorage {
    fn get_string(&self, _key: &str) -> Option<String> {
        None
    }
    fn set_string(&mut self, _key: &str, _value: String) {}
    fn remove_string(&mut self, _key: &str) {}
    fn flush(&mut self) {}
}

/// Drags from image pixel `from` to `to` with the primary button.
fn drag_pixels(h: &mut Harness<'_, AssdApp>, from: [f32; 2], to: [f32; 2]) {
    let rect = h.state().image_rect().expect("the image is drawn");
    let zoom = rect.width() / 500.0;
    let at = |[x, y]: [f32; 2]| rect.min + egui::vec2(x * zoom, y * zoom);
    h.hover_at(at(from));
    h.run_steps(1);
    h.event(egui::Event::PointerButton {
        pos: at(from),
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: egui::Modifiers::NONE,
    });
    h.run_steps(1);
    for k in 1..=5 {
        let t = k as f32 / 5.0;
        h.hover_at(at([
            from[0] + (to[0] - from[0]) * t,
            from[1] + (to[1] - from[1]) * t,
        ]));
        h.run_steps(1);
    }
    h.event(egui::Event::PointerButton {
        pos: at(to),
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: egui::Modifiers::NONE,
    });
    h.run_steps(2);
}

/// The app on the folder `dir` with `weights`, in label-editing mode.
fn labelling(dir: &Path, weights: std::path::PathBuf) -> Harness<'static, AssdApp> {
    let mut h = harness(AppOptions {
        path: Some(dir.to_path_buf()),
        weights: Some(weights),
        device: DeviceChoice::Cpu,
        fresh_settings: true,
        ..Default::default()
    });
    wait_idle(&mut h);
    h.get_by_label("Edit labels").click();
    h.run_steps(2);
    h
}

#[test]
fn labels_are_drawn_edited_saved_and_autosaved() {
    let (Some(weights), Some(image)) = (
        shared_fixture("assd513/assd513_voc_fp16.pth"),
        shared_fixture("assd513/test_image.jpg"),
    ) else {
        return;
    };
    let weights_path = weights.clone();
    let dir = std::env::temp_dir().join(format!("assd-labels-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(&image, dir.join("a.jpg")).unwrap();
    std::fs::copy(&image, dir.join("b.jpg")).unwrap();
    let mut h = labelling(&dir, weights);

    // W, then a drag draws a box of the current class.
    assert!(
        h.query_by_label("Class of new boxes:").is_some(),
        "annotating"
    );
    h.key_press(egui::Key::W);
    h.run_steps(1);
    assert!(
        h.query_by_label("Drag on the image to draw the new box.")
            .is_some(),
        "W arms a new box"
    );
    drag_pixels(&mut h, [100.0, 120.0], [220.0, 200.0]);
    let labels = current_labels(&h);
    assert_eq!(labels.len(), 1, "{labels:?}");
    for (got, want) in labels[0].bbox.iter().zip([100.0, 120.0, 220.0, 200.0]) {
        assert!((got - want).abs() < 1.5, "{:?}", labels[0].bbox);
    }
    assert!(h.query_by_label("1 labels (unsaved)").is_some());

    // Dragging inside moves it (same size).
    drag_pixels(&mut h, [150.0, 150.0], [170.0, 140.0]);
    let moved = current_labels(&h)[0].bbox;
    assert!(
        (moved[0] - 120.0).abs() < 1.5 && (moved[1] - 110.0).abs() < 1.5,
        "{moved:?}"
    );
    assert!(((moved[2] - moved[0]) - 120.0).abs() < 0.01);

    // Ctrl+S writes VOC XML beside the image.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::S);
    h.run_steps(2);
    let xml = dir.join("a.xml");
    let mut classes = Vec::new();
    let saved = assd::dataset::read_annotation(&xml, &dir.join("a.jpg"), &mut classes).unwrap();
    assert_eq!(saved.objects.len(), 1);
    assert_eq!(classes, ["object"]);

    // Del removes the selected box; moving to the next image auto-saves that.
    h.key_press(egui::Key::Delete);
    h.run_steps(1);
    assert!(current_labels(&h).is_empty());
    h.key_press(egui::Key::D);
    wait_idle(&mut h);
    assert!(h.query_by_label("2 / 2").is_some());
    let saved = assd::dataset::read_annotation(&xml, &dir.join("a.jpg"), &mut classes).unwrap();
    assert!(saved.objects.is_empty(), "auto-saved on image change");

    // A detection becomes a label with one click; everything unsaved is written on exit.
    let first = h.state().visible_detections()[0].clone();
    h.state_mut().apply(Action::AcceptDetection(0));
    let labels = current_labels(&h);
    assert_eq!(labels.len(), 1);
    assert_eq!(labels[0].bbox, first.bbox);
    eframe::App::save(h.state_mut(), &mut NoStorage);
    let mut classes = vec!["object".to_string()];
    let saved =
        assd::dataset::read_annotation(&dir.join("b.xml"), &dir.join("b.jpg"), &mut classes)
            .unwrap();
    assert_eq!(classes[saved.objects[0].class], first.label);
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 4, "images and their XML only: {names:?}");

    // Fine-tune on the labelled image in the background, then switch to the result; the
    // labels and the original weights are untouched.
    let original = std::fs::read(&weights_path).unwrap();
    h.state_mut().finetune_mut().steps = 2;
    h.state_mut().finetune_mut().lr = 1e-4;
    h.state_mut().apply(Action::StartFinetune);
    h.run_steps(1);
    assert!(
        h.state_mut().finetune_mut().job.is_some(),
        "fine-tuning did not start: {:?}",
        h.query_by_label_contains("cannot fine-tune")
            .map(|n| format!("{n:?}"))
    );
    let started = Instant::now();
    while h.state_mut().finetune_mut().running() {
        h.step();
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "fine-tuning did not finish"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    h.run_steps(2);
    let finetune = h.state_mut().finetune_mut();
    let tuned = (finetune.weights())
        .unwrap_or_else(|| panic!("fine-tuning failed: {:?}", finetune.error()));
    assert!(tuned.is_file() && tuned.starts_with(&dir));
    assert!(h.query_by_label_contains("Fine-tuned weights:").is_some());
    assert!(h.query_by_label("step 2 / 2").is_some());
    h.get_by_label("Use them").click();
    h.run_steps(1);
    wait_idle(&mut h);
    let model = assd::weights::load_model(&tuned, None, &Device::flex()).unwrap();
    assert_eq!(
        model.config.class_names.as_deref().unwrap(),
        [
            "background".to_string(),
            "object".to_string(),
            first.label.clone()
        ]
    );
    assert!(
        h.query_by_label_contains(&format!("{} ·", model.config.name))
            .is_some()
    );
    assert_eq!(std::fs::read(&weights_path).unwrap(), original);
    assert!(dir.join("b.xml").is_file());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn labelling_with_a_trained_model_starts_from_its_classes() {
    let Some(image) = shared_fixture("assd513/test_image.jpg") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("assd-label-classes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(&image, dir.join("a.jpg")).unwrap();
    // What `assd train` writes: the class names travel with the weights.
    let mut config = assd::AssdConfig::preset("ssd-tiny")
        .unwrap()
        .with_num_classes(3);
    config.class_names = Some(vec!["background".into(), "RBC".into(), "WBC".into()]);
    let weights = dir.join("cells.safetensors");
    assd::weights::save_model(&config.init(&Device::flex()).unwrap(), &weights).unwrap();
    let h = labelling(&dir, weights);
    assert_eq!(h.state().editor().classes, ["RBC", "WBC"]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A folder of `copies` copies of the cat photo, each labelled (VOC XML beside it) with one
/// cat box.
fn labelled_cats(name: &str, copies: usize) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("assd-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..copies {
        std::fs::copy("assets/chelsea.png", dir.join(format!("cat{i}.png"))).unwrap();
        let xml = format!(
            "<annotation><filename>cat{i}.png</filename><size><width>451</width>\
             <height>300</height><depth>3</depth></size><object><name>cat</name>\
             <difficult>0</difficult><bndbox><xmin>61</xmin><ymin>21</ymin><xmax>301</xmax>\
             <ymax>291</ymax></bndbox></object></annotation>"
        );
        std::fs::write(dir.join(format!("cat{i}.xml")), xml).unwrap();
    }
    dir
}

#[test]
fn the_dataset_page_analyses_the_folder_and_leads_to_an_object() {
    let dir = labelled_cats("dataset-page", 5);
    let mut h = harness(AppOptions {
        path: Some(dir.clone()),
        device: DeviceChoice::Cpu,
        fresh_settings: true,
        ..Default::default()
    });
    wait_idle(&mut h);
    h.get_by_label("Dataset").click();
    h.run_steps(2);
    h.get_by_label("Analyse 5 images").click();
    h.run_steps(1);
    assert!(!h.state().session().is_idle(), "the analysis runs");
    wait_idle(&mut h);

    let run = &h.state().session().dataset;
    assert_eq!(run.stopped, None);
    let analysis = run.last.clone().expect("finished");
    assert!(analysis.objects_from.contains("XML beside"), "{analysis:?}");
    let summary = &analysis.summary;
    assert_eq!((summary.images, summary.objects.len()), (5, 5));
    let scales = h.state().session().model.scales();
    assert!(scales > 2);
    // Five copies of one image: the same figures for each, at every scale.
    let first = &summary.objects[0];
    assert_eq!(first.class, "cat");
    assert_eq!(first.bbox, [60.0, 20.0, 300.0, 290.0]);
    assert_eq!(first.per_scale.len(), scales);
    for o in &summary.objects {
        assert_eq!(o.per_scale, first.per_scale);
        assert_eq!(o.fired_scale, first.fired_scale);
    }
    for a in &first.per_scale {
        assert!(a.lift.is_finite() && a.lift > 0.0, "{a:?}");
        assert!(a.cells > 0);
    }
    assert!(h.query_by_label("cat (5)").is_some(), "the heatmap row");

    // A cell lists its objects; one opens its image at that scale, marked, with the
    // attention of its centre.
    h.get_by_label("cat at scale 2").click();
    h.run_steps(2);
    let row = h.get_all_by_label_contains(".png  ").next().unwrap();
    row.click();
    h.run_steps(1);
    wait_idle(&mut h);
    let app = h.state();
    assert_eq!(app.dataset_view().page, assd::ui::Page::Image);
    let marked = app.marked().expect("the object is marked");
    assert_eq!(marked.bbox, [60.0, 20.0, 300.0, 290.0]);
    assert!(marked.label.starts_with("cat · lift "), "{}", marked.label);
    let current = app.session().current();
    assert_eq!(current.path, Some(marked.image.as_path()));
    assert_eq!(app.session().attention.selected_scale, 2);
    assert_eq!(current.attention_pixel(), Some([180.0, 155.0]));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_dataset_page_without_annotations_analyses_the_detections() {
    let dir = labelled_cats("dataset-detections", 1);
    std::fs::remove_file(dir.join("cat0.xml")).unwrap();
    let mut h = harness(AppOptions {
        path: Some(dir.clone()),
        device: DeviceChoice::Cpu,
        fresh_settings: true,
        ..Default::default()
    });
    wait_idle(&mut h);
    h.get_by_label("Dataset").click();
    h.run_steps(2);
    h.get_by_label("Analyse 1 images").click();
    h.run_steps(1);
    wait_idle(&mut h);
    let analysis = h.state().session().dataset.last.clone().expect("finished");
    assert!(analysis.objects_from.contains("detections"), "{analysis:?}");
    let objects = &analysis.summary.objects;
    assert!(!objects.is_empty(), "the cat is detected");
    assert!(objects.iter().all(|o| o.source == "detection"));
    assert!(objects.iter().any(|o| o.class == "cat"), "{objects:?}");
    std::fs::remove_dir_all(&dir).ok();
}
