//! Live mode driven headless: a folder-backed virtual camera goes through the same stream,
//! worker and UI as a webcam. Frames never queue, boxes and pinned attention follow the
//! stream, snapshots are written, unplugging (removing the folder) is reported and a restart
//! works; a missing webcam is a message, not a crash.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assd::backend::DeviceChoice;
use assd::camera::{SourceSpec, StreamState};
use assd::ui::{Action, AppOptions, AssdApp, LiveStatus, Settings};
use common::shared_fixture;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

fn harness(options: AppOptions) -> Harness<'static, AssdApp> {
    let app = AssdApp::with_context(&egui::Context::default(), options, Settings::default());
    Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_ui_state(|ui, app: &mut AssdApp| app.show(ui), app)
}

/// Steps the UI until `done` holds of the app, failing after `timeout`.
fn step_until(
    h: &mut Harness<'_, AssdApp>,
    what: &str,
    timeout: Duration,
    done: impl Fn(&AssdApp) -> bool,
) {
    let start = Instant::now();
    loop {
        h.step();
        if done(h.state()) {
            return;
        }
        assert!(
            start.elapsed() < timeout,
            "timed out waiting for {what}: {:?}",
            h.state().session().live_status()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Steps the UI until `done` holds of the live status (the model runs on the CPU).
fn wait_for(
    h: &mut Harness<'_, AssdApp>,
    what: &str,
    done: impl Fn(&LiveStatus) -> bool,
) -> LiveStatus {
    step_until(h, what, Duration::from_secs(300), |app| {
        app.session().live_status().is_some_and(|s| done(&s))
    });
    let status = h.state().session().live_status();
    h.run_steps(2);
    h.state()
        .session()
        .live_status()
        .or(status)
        .expect("live status present once done held")
}

/// Every captured frame was shown, dropped, or is the one waiting / in flight: nothing queues.
fn assert_no_backlog(s: &LiveStatus) {
    let accounted = s.inferred + s.dropped;
    assert!(
        s.captured >= accounted && s.captured - accounted <= 2,
        "frames queued: {s:?}"
    );
}

fn write_frames(dir: &Path, test_image: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let image = image::open(test_image).unwrap().to_rgb8();
    image.save(dir.join("frame_0.png")).unwrap();
    image::imageops::flip_horizontal(&image)
        .save(dir.join("frame_1.png"))
        .unwrap();
}

#[test]
fn virtual_camera_streams_detects_follows_attention_and_survives_unplugging() {
    let (Some(weights), Some(image)) = (
        shared_fixture("assd513/assd513_voc_fp16.pth"),
        shared_fixture("assd513/test_image.jpg"),
    ) else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("assd-live-{}", std::process::id()));
    let frames = dir.join("frames");
    write_frames(&frames, &image);
    let mut h = harness(AppOptions {
        path: None,
        weights: Some(weights),
        device: DeviceChoice::Cpu,
        fresh_settings: true,
        camera: Some(SourceSpec::Virtual {
            folder: frames.clone(),
            fps: 8.0,
        }),
        ..Default::default()
    });
    let first = wait_for(&mut h, "the first frame", |s| s.inferred >= 1);
    assert!(matches!(first.state, StreamState::Running(_)), "{first:?}");
    assert!(!h.state().visible_detections().is_empty());
    assert!(h.query_by_label_contains("virtual camera").is_some());

    // Pin a pixel: the next frames arrive with its attention at every scale.
    h.state_mut().apply(Action::QueryAttention([250.0, 187.0]));
    let pinned_at = h.state().session().live_status().unwrap().inferred;
    let s = wait_for(&mut h, "two more frames", |s| s.inferred >= pinned_at + 2);
    // The newest frame's rows are read after its detections arrive; under load that can take
    // a few UI steps more.
    step_until(
        &mut h,
        "the newest frame's attention",
        Duration::from_secs(60),
        |app| app.session().current().attention_scales().is_some(),
    );
    let scales = h
        .state()
        .session()
        .current()
        .attention_scales()
        .expect("attention follows the stream");
    assert_eq!(scales.len(), 7);
    assert_eq!(
        h.state().session().current().attention_pixel(),
        Some([250.0, 187.0])
    );
    assert!(
        h.query_by_label("Scale 0: query cell (row 32, col 32) of 65×65")
            .is_some()
    );

    // The camera ran at its own pace while the model, far slower, took only the newest frame.
    assert!(s.camera_fps > 4.0 && s.camera_fps < 12.0, "{s:?}");
    assert!(s.dropped > 0 && s.inference_fps > 0.0, "{s:?}");
    assert!(
        s.last_frame_id > s.inferred,
        "frames were skipped, not queued: {s:?}"
    );
    assert_no_backlog(&s);
    eprintln!(
        "live: camera {:.1} fps, inference {:.2} fps, latency {:?}, {} shown / {} dropped / {} captured",
        s.camera_fps, s.inference_fps, s.latency, s.inferred, s.dropped, s.captured
    );

    // Snapshot: the frame, the annotated frame and the detections, side by side.
    let snaps = dir.join("snaps");
    h.state_mut().settings.camera.snapshot_folder = Some(snaps.clone());
    let saved = h.state_mut().snapshot().expect("snapshot");
    let names: Vec<String> = std::fs::read_dir(&snaps)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    let stem = saved.file_stem().unwrap().to_string_lossy().into_owned();
    let json: serde_json::Value = serde_json::from_slice(
        &std::fs::read(snaps.join(format!("{stem}_detections.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(json["images"][0]["path"], format!("{stem}.png"));
    assert_eq!(
        json["images"][0]["detections"].as_array().unwrap().len(),
        h.state().visible_detections().len()
    );
    assert_eq!(image::open(&saved).unwrap().width(), 500);

    // Pause: the camera stays open, nothing new reaches the model.
    h.state_mut().apply(Action::PauseCamera(true));
    let paused = wait_for(&mut h, "the pause", |s| {
        matches!(s.state, StreamState::Paused(_))
    });
    assert!(h.query_by_label("Resume").is_some());
    h.state_mut().apply(Action::PauseCamera(false));
    wait_for(&mut h, "a frame after resuming", |s| {
        s.inferred > paused.inferred + 1
    });

    // Unplug: the folder disappears mid-stream. The app says so and keeps the last frame.
    std::fs::remove_dir_all(&frames).unwrap();
    let unplugged = wait_for(&mut h, "the unplug", |s| s.error.is_some());
    assert!(
        unplugged
            .error
            .as_deref()
            .unwrap()
            .contains("was disconnected"),
        "{unplugged:?}"
    );
    assert!(h.query_by_label_contains("was disconnected").is_some());
    assert!(h.state().session().current().path.is_some());
    assert!(!h.state().visible_detections().is_empty());

    // Re-plug and press Start: frames flow again.
    write_frames(&frames, &image);
    h.get_by_label("Start").click();
    h.run_steps(2);
    wait_for(&mut h, "a frame after restarting", |s| {
        s.error.is_none() && s.inferred >= 1
    });

    // Leaving live mode goes back to an empty folder view without crashing.
    h.state_mut().apply(Action::CloseCamera);
    h.run_steps(2);
    assert!(h.state().session().live_status().is_none());
    let _ = std::fs::remove_dir_all(PathBuf::from(&dir));
}

#[test]
fn a_missing_webcam_is_reported_and_the_app_keeps_running() {
    let mut h = harness(AppOptions {
        path: None,
        weights: None,
        device: DeviceChoice::Cpu,
        fresh_settings: true,
        camera: Some(SourceSpec::Webcam {
            index: 97,
            name: "camera 97".into(),
            format: Default::default(),
        }),
        ..Default::default()
    });
    let s = wait_for(&mut h, "the failure", |s| s.error.is_some());
    let error = s.error.unwrap();
    assert!(
        error.contains("no camera found") || error.contains("camera 97"),
        "{error}"
    );
    assert!(h.query_by_label(&error).is_some());
    assert!(h.query_by_label("Start").is_some(), "the user can retry");
}
