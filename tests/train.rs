//! Evidence that training works: a tiny SSD trained for ~100 steps on 16 real BCCD images
//! (no augmentation) lowers its loss and reaches a mAP well above the untrained network's on
//! those images; the run folder has what it should, and resuming continues the run.

mod common;

use std::path::{Path, PathBuf};

use assd::backend::DeviceChoice;
use assd::config::AssdConfig;
use assd::train::schedule::Schedule;
use assd::train::trainer::{load_datasets, validate};
use assd::train::{EpochReport, StepReport, TrainConfig, TrainObserver, train};
use burn::prelude::*;

fn bccd() -> Option<PathBuf> {
    common::shared_data("bccd")
}

#[derive(Default)]
struct Record {
    losses: Vec<f32>,
    distill: Vec<f32>,
    epochs: Vec<EpochReport>,
    throughput: f64,
    notes: Vec<String>,
}

impl TrainObserver for Record {
    fn step(&mut self, r: &StepReport) {
        self.losses.push(r.loss);
        self.distill.push(r.loss_distill);
        self.throughput = r.images_per_sec;
    }
    fn epoch(&mut self, r: &EpochReport) {
        self.epochs.push(r.clone());
    }
    fn note(&mut self, message: &str) {
        eprintln!("{message}");
        self.notes.push(message.to_string());
    }
    fn should_stop(&self) -> bool {
        false
    }
}

fn mean(v: &[f32]) -> f32 {
    v.iter().sum::<f32>() / v.len() as f32
}

/// A VOC root with the first `n` BCCD training images, listed as both `train` and `test`.
fn bccd_subset(bccd: &Path, n: usize, name: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("assd-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    for dir in ["Annotations", "JPEGImages", "ImageSets/Main"] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
    }
    let ids: Vec<String> = std::fs::read_to_string(bccd.join("ImageSets/Main/train.txt"))
        .unwrap()
        .lines()
        .take(n)
        .map(str::to_string)
        .collect();
    for id in &ids {
        for (dir, ext) in [("Annotations", "xml"), ("JPEGImages", "jpg")] {
            let name = format!("{dir}/{id}.{ext}");
            std::fs::copy(bccd.join(&name), root.join(&name)).unwrap();
        }
    }
    for split in ["train", "test"] {
        std::fs::write(
            root.join(format!("ImageSets/Main/{split}.txt")),
            ids.join("\n"),
        )
        .unwrap();
    }
    root
}

#[test]
fn fine_tuning_keeps_every_layer_but_the_class_heads() {
    let Some(bccd) = bccd() else { return };
    let root = bccd_subset(&bccd, 2, "finetune");
    // A 21-class (VOC) assd-tiny checkpoint as the starting point for 3 BCCD classes.
    let device = Device::flex();
    let voc = AssdConfig::preset("assd-tiny")
        .unwrap()
        .init(&device)
        .unwrap();
    let weights = root.join("voc.safetensors");
    assd::weights::save_model(&voc, &weights).unwrap();
    let config = TrainConfig {
        data: root.clone(),
        train_split: Some("train".into()),
        val_split: Some("test".into()),
        weights: Some(weights.clone()),
        max_steps: Some(1),
        batch_size: 2,
        augment: None,
        device: DeviceChoice::Cpu,
        eval_every: 0,
        ..TrainConfig::default()
    };
    let mut record = Record::default();
    let summary = train(&config, &root.join("run"), false, &mut record).unwrap();
    assert_eq!(summary.steps, 1);
    let tuned = assd::weights::load_model(&summary.last, None, &device).unwrap();
    assert_eq!(tuned.config.num_classes, 4);
    // One small SGD step moves weights only slightly: the backbone starts from the
    // checkpoint (a fresh init would differ completely).
    let first = |m: &assd::model::Assd| match &m.backbone {
        assd::model::Backbone::Tiny(t) => t.convs[0]
            .weight
            .val()
            .into_data()
            .try_to_vec::<f32>()
            .unwrap(),
        _ => unreachable!("assd-tiny has the tiny backbone"),
    };
    let (a, b) = (first(&voc), first(&tuned));
    let diff = a
        .iter()
        .zip(&b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max);
    assert!(diff < 1e-2, "backbone moved by {diff}");
    // A stop request (Ctrl-C, Cancel) ends the run after the current step with a checkpoint.
    struct StopAfter(usize, usize);
    impl TrainObserver for StopAfter {
        fn step(&mut self, _: &StepReport) {
            self.0 += 1;
        }
        fn epoch(&mut self, _: &EpochReport) {}
        fn note(&mut self, _: &str) {}
        fn should_stop(&self) -> bool {
            self.0 >= self.1
        }
    }
    let stopping = TrainConfig {
        max_steps: Some(50),
        batch_size: 1,
        ..config.clone()
    };
    let stopped = train(
        &stopping,
        &root.join("run-stop"),
        false,
        &mut StopAfter(0, 3),
    )
    .unwrap();
    assert!(stopped.stopped_early);
    assert_eq!(stopped.steps, 3);
    assert!(stopped.last.is_file());

    // Another architecture is refused, naming both.
    let ssd = AssdConfig::preset("ssd-tiny")
        .unwrap()
        .init(&device)
        .unwrap();
    assd::weights::save_model(&ssd, &weights).unwrap();
    let message = train(&config, &root.join("run2"), false, &mut Record::default())
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("ssd-tiny") && message.contains("assd-tiny"),
        "{message}"
    );
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn a_tiny_ssd_learns_bccd() {
    let Some(bccd) = bccd() else { return };
    // A 16-image VOC root: the same images for training and validation.
    let root = bccd_subset(&bccd, 16, "train");
    let epochs = 24;
    let config = TrainConfig {
        model: "ssd-tiny".into(),
        data: root.clone(),
        train_split: Some("train".into()),
        val_split: Some("test".into()),
        epochs,
        batch_size: 4,
        lr: 5e-3,
        warmup_steps: 20,
        schedule: Schedule::Constant,
        augment: None,
        device: DeviceChoice::Cpu,
        eval_every: epochs,
        ..TrainConfig::default()
    };

    // The untrained network, initialised as training starts it.
    let (_, val) = load_datasets(&config).unwrap();
    let val = val.expect("a validation split");
    let device = Device::flex();
    let untrained = AssdConfig::preset("ssd-tiny")
        .unwrap()
        .with_num_classes(4)
        .init(&device)
        .unwrap();
    let before = validate(&untrained, &device, &val, None).unwrap();

    let out = root.join("run");
    let mut record = Record::default();
    let summary = train(&config, &out, false, &mut record).unwrap();
    assert_eq!(summary.steps, epochs * 4);
    let (first, last) = (
        mean(&record.losses[..10]),
        mean(&record.losses[record.losses.len() - 10..]),
    );
    let after = record
        .epochs
        .last()
        .and_then(|e| e.validation.clone())
        .expect("validated at the last epoch");
    eprintln!(
        "loss {first:.3} -> {last:.3}; mAP VOC07 {:.4} -> {:.4}, VOC all {:.4} -> {:.4}, .5:.95 {:.4} -> {:.4}; {:.1} images/s",
        before.map_voc07,
        after.map_voc07,
        before.map_voc_all,
        after.map_voc_all,
        before.map_coco,
        after.map_coco,
        record.throughput
    );
    eprint!("{}", after.table());
    assert!(last < 0.7 * first, "the loss fell: {first} -> {last}");
    assert!(
        after.map_voc_all > before.map_voc_all + 0.03,
        "mAP rose: {} -> {}",
        before.map_voc_all,
        after.map_voc_all
    );
    for file in [
        "config.json",
        "last.safetensors",
        "best.safetensors",
        "metrics.csv",
        "state.json",
    ] {
        assert!(out.join(file).is_file(), "{file}");
    }
    let metrics = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
    assert_eq!(metrics.lines().count(), 1 + epochs);

    // Resume for one more epoch: the step count continues and metrics.csv grows.
    let more = TrainConfig {
        epochs: epochs + 1,
        ..config
    };
    let mut record = Record::default();
    let resumed = train(&more, &out, true, &mut record).unwrap();
    assert_eq!(resumed.steps, (epochs + 1) * 4);
    assert_eq!(record.losses.len(), 4);
    let metrics = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
    assert_eq!(metrics.lines().count(), 2 + epochs);
    let _ = std::fs::remove_dir_all(&root);
}

/// A small ssd-tiny run on `root` from the weights in `init` (so that runs can be compared).
fn short_run(root: &Path, init: &Path, epochs: usize, devices: usize) -> TrainConfig {
    TrainConfig {
        model: "ssd-tiny".into(),
        data: root.to_path_buf(),
        train_split: Some("train".into()),
        val_split: Some("test".into()),
        weights: Some(init.to_path_buf()),
        epochs,
        batch_size: 4,
        lr: 5e-3,
        warmup_steps: 0,
        schedule: Schedule::Constant,
        augment: None,
        device: DeviceChoice::Cpu,
        devices,
        eval_every: 0,
        ..TrainConfig::default()
    }
}

/// Trains per `config` into `out` and returns what the observer saw.
fn recorded_run(config: &TrainConfig, out: &Path, resume: bool) -> Record {
    let mut record = Record::default();
    train(config, out, resume, &mut record).unwrap();
    record
}

fn max_relative_difference(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs() / x.abs().max(1e-6))
        .fold(0.0, f32::max)
}

fn ssd_tiny_init(root: &Path) -> PathBuf {
    let init = root.join("init.safetensors");
    let model = AssdConfig::preset("ssd-tiny")
        .unwrap()
        .with_num_classes(4)
        .init(&Device::flex())
        .unwrap();
    assd::weights::save_model(&model, &init).unwrap();
    init
}

#[test]
fn a_resumed_run_continues_exactly_with_its_momentum() {
    let Some(bccd) = bccd() else { return };
    let root = bccd_subset(&bccd, 8, "resume");
    let init = ssd_tiny_init(&root);
    // 3 epochs of 2 steps straight through...
    let straight = recorded_run(&short_run(&root, &init, 3, 1), &root.join("a"), false);
    // ...and the same run stopped after epoch 1 and resumed.
    let first = recorded_run(&short_run(&root, &init, 1, 1), &root.join("b"), false);
    assert!(root.join("b/optimizer.bpk").is_file());
    // A copy of the stopped run with a damaged optimizer state: the run says so and goes on
    // with momentum restarted from zero.
    std::fs::create_dir_all(root.join("c")).unwrap();
    for f in [
        "config.json",
        "last.safetensors",
        "state.json",
        "metrics.csv",
        "param_ids.json",
    ] {
        std::fs::copy(root.join("b").join(f), root.join("c").join(f)).unwrap();
    }
    std::fs::write(root.join("c/optimizer.bpk"), b"not a burnpack file").unwrap();
    let resumed = recorded_run(&short_run(&root, &init, 3, 1), &root.join("b"), true);
    let no_momentum = recorded_run(&short_run(&root, &init, 3, 1), &root.join("c"), true);

    assert!(
        resumed
            .notes
            .iter()
            .any(|n| n.contains("momentum) restored")),
        "{:?}",
        resumed.notes
    );
    assert!(
        no_momentum
            .notes
            .iter()
            .any(|n| n.contains("optimizer.bpk") && n.contains("momentum starts afresh")),
        "{:?}",
        no_momentum.notes
    );
    assert_eq!(first.losses[..], straight.losses[..2]);
    assert_eq!(resumed.losses.len(), 4);
    let with = max_relative_difference(&straight.losses[2..], &resumed.losses);
    let without = max_relative_difference(&straight.losses[2..], &no_momentum.losses);
    eprintln!(
        "straight {:?}\nresumed {:?} (max rel. diff {with:.2e})\nno momentum {:?} ({without:.2e})",
        straight.losses, resumed.losses, no_momentum.losses
    );
    assert!(with < 1e-5, "resumed run diverged: {with}");
    assert!(
        without > 100.0 * with.max(1e-7),
        "losing the momentum should show: {without} vs {with}"
    );
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn data_parallel_training_matches_one_device() {
    let Some(bccd) = bccd() else { return };
    let root = bccd_subset(&bccd, 8, "parallel");
    let init = ssd_tiny_init(&root);
    let one = recorded_run(&short_run(&root, &init, 2, 1), &root.join("one"), false);
    // Two replicas of the CPU device: each takes half of every batch.
    let two = recorded_run(&short_run(&root, &init, 2, 2), &root.join("two"), false);
    let diff = max_relative_difference(&one.losses, &two.losses);
    eprintln!(
        "one device {:?}\ntwo devices {:?} (max rel. diff {diff:.2e})",
        one.losses, two.losses
    );
    assert_eq!(two.losses.len(), 4);
    // Same gradients (the shards' losses are divided by the whole batch's positives), so the
    // same losses step after step, up to summation order.
    assert!(
        diff < 1e-4,
        "data parallel diverged from one device: {diff}"
    );
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn config_files_parse_as_json_or_toml_and_name_unknown_fields() {
    let dir = std::env::temp_dir().join(format!("assd-trainconfig-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let toml = dir.join("run.toml");
    std::fs::write(
        &toml,
        "model = \"assd300\"\nbatch_size = 16\nfreeze_backbone = true\n[schedule]\nkind = \"step\"\nmilestones = [8, 11]\ngamma = 0.1\n",
    )
    .unwrap();
    let c = TrainConfig::from_file(&toml).unwrap();
    assert_eq!(
        (c.model.as_str(), c.batch_size, c.freeze_backbone),
        ("assd300", 16, true)
    );
    assert_eq!(
        c.schedule,
        Schedule::Step {
            milestones: vec![8, 11],
            gamma: 0.1
        }
    );
    assert_eq!(c.momentum, 0.9, "unnamed fields keep their defaults");
    let json = dir.join("run.json");
    std::fs::write(&json, r#"{"model": "ssd300", "batchsize": 4}"#).unwrap();
    let message = TrainConfig::from_file(&json).unwrap_err().to_string();
    assert!(
        message.contains("run.json") && message.contains("batchsize"),
        "{message}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_train_command_reads_a_config_file_and_flags_override_it() {
    let Some(bccd) = bccd() else { return };
    let root = bccd_subset(&bccd, 2, "train-cli");
    let config = root.join("run.toml");
    std::fs::write(
        &config,
        format!(
            "model = \"ssd-tiny\"\ndata = {:?}\nbatch_size = 2\nmax_steps = 50\neval_every = 0\ndevice = \"cpu\"\n",
            root.display().to_string()
        ),
    )
    .unwrap();
    let out = root.join("run");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_assd"))
        .args(["train", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .args(["--max-steps", "2", "--no-augment", "--train-split", "train"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("done after 2 steps"), "{stdout}");
    let written: TrainConfig =
        serde_json::from_slice(&std::fs::read(out.join("config.json")).unwrap()).unwrap();
    assert_eq!(written.model, "ssd-tiny");
    assert_eq!(written.max_steps, Some(2), "the flag overrides the file");
    assert_eq!(written.batch_size, 2, "the file overrides the default");
    assert!(written.augment.is_none());
    let model =
        assd::weights::load_model(&out.join("last.safetensors"), None, &Device::flex()).unwrap();
    assert_eq!(
        model.config.class_names.unwrap(),
        ["background", "Platelets", "RBC", "WBC"]
    );
    // A bad config names the file and the field.
    std::fs::write(&config, "model = \"ssd-tiny\"\nbatchsize = 2\n").unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_assd"))
        .args(["train", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("run.toml") && stderr.contains("batchsize"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn the_coco_model_fine_tunes_its_attention_on_coco_images() {
    // The built-in ASSD-MobileNet on two COCO folders (classes merged by name), every 32nd
    // image held out; only the attention units train.
    let (Some(coco128), Some(mini)) = (
        common::shared_data("coco128"),
        common::shared_data("coco-mini-train"),
    ) else {
        return;
    };
    let config = TrainConfig {
        model: "assd-mobilenet".into(),
        data: coco128,
        more_data: vec![mini],
        holdout_every: Some(32),
        weights: Some(PathBuf::from(assd::weights::BUILTIN_WEIGHTS)),
        freeze_backbone: true,
        freeze_extras: true,
        freeze_heads: true,
        epochs: 1,
        max_steps: Some(2),
        batch_size: 2,
        lr: 1e-3,
        warmup_steps: 0,
        augment: None,
        device: DeviceChoice::Cpu,
        ..TrainConfig::default()
    };
    let (train_set, held_out) = load_datasets(&config).unwrap();
    // 128 + 80 images; every 32nd of them held out.
    assert_eq!(
        train_set.samples.len() + held_out.as_ref().unwrap().samples.len(),
        208
    );
    assert_eq!(held_out.as_ref().unwrap().samples.len(), 6);
    let root = std::env::temp_dir().join(format!("assd-coco-ft-{}", std::process::id()));
    let mut record = Record::default();
    let summary = train(&config, &root, false, &mut record).unwrap();
    assert_eq!(summary.steps, 2);
    assert!(
        record
            .notes
            .iter()
            .any(|n| n.contains("keeping the initial model's 91 outputs"))
    );

    let device = Device::flex();
    let builtin = assd::weights::load_model(
        std::path::Path::new(assd::weights::BUILTIN_WEIGHTS),
        None,
        &device,
    )
    .unwrap();
    let tuned = assd::weights::load_model(&summary.last, None, &device).unwrap();
    // The whole configuration travels on: classes, ids, stored anchors, preprocessing.
    assert_eq!(tuned.config.num_classes, 91);
    assert_eq!(tuned.config.class_names, builtin.config.class_names);
    assert_eq!(tuned.config.priors, builtin.config.priors);
    assert_eq!(tuned.config.preprocess, builtin.config.preprocess);
    use burn::store::ModuleSnapshot;
    let tensors = |m: &assd::model::Assd| {
        m.collect(None, None, true)
            .into_iter()
            .map(|t| (t.name.clone(), t.to_bytes().unwrap().to_vec()))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let (before, after) = (tensors(&builtin), tensors(&tuned));
    for (name, bytes) in &before {
        let changed = after[name] != *bytes;
        // Only the attention units move (the value convs leave zero first).
        assert_eq!(changed, name.starts_with("attention."), "{name}");
    }
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn distillation_from_the_built_in_model_adds_its_term_and_a_foreign_teacher_is_refused() {
    let Some(coco128) = common::shared_data("coco128") else {
        return;
    };
    let builtin = PathBuf::from(assd::weights::BUILTIN_WEIGHTS);
    let config = TrainConfig {
        model: "assd-mobilenet".into(),
        data: coco128,
        holdout_every: Some(32),
        weights: Some(builtin.clone()),
        teacher: Some(builtin.clone()),
        distill: 2.0,
        freeze_backbone: true,
        freeze_extras: true,
        epochs: 1,
        max_steps: Some(2),
        batch_size: 2,
        lr: 1e-3,
        warmup_steps: 0,
        augment: None,
        device: DeviceChoice::Cpu,
        ..TrainConfig::default()
    };
    let root = std::env::temp_dir().join(format!("assd-distill-{}", std::process::id()));
    let mut record = Record::default();
    let summary = train(&config, &root, false, &mut record).unwrap();
    assert_eq!(summary.steps, 2);
    assert!(
        record.notes.iter().any(|n| n.contains("distilling from")),
        "{:?}",
        record.notes
    );
    assert_eq!(record.distill.len(), 2);
    for (total, distill) in record.losses.iter().zip(&record.distill) {
        assert!(distill.is_finite() && *distill >= 0.0, "{distill}");
        assert!(total > distill, "the MultiBox terms are in the total too");
    }
    assert!(
        record.distill[1] > 0.0,
        "after a step the student differs from its teacher"
    );

    // A teacher with other priors and classes cannot teach: both are named.
    let foreign = TrainConfig {
        model: "ssd-tiny".into(),
        weights: None,
        teacher: Some(builtin),
        ..config
    };
    let error = train(
        &foreign,
        &root.join("foreign"),
        false,
        &mut Record::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("priors and classes differ"), "{error}");
    assert!(
        error.contains("builtin:assd-mobilenet-coco") && error.contains("ssd-tiny"),
        "{error}"
    );
    let _ = std::fs::remove_dir_all(&root);
}
