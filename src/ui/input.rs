//! Window-wide input: files dropped on the window, ←/→ (A/D) through the folder, 1–9 for the
//! scale shown large.

use super::action::Action;

/// 1–9 select the scale shown large.
const SCALE_KEYS: [egui::Key; 9] = [
    egui::Key::Num1,
    egui::Key::Num2,
    egui::Key::Num3,
    egui::Key::Num4,
    egui::Key::Num5,
    egui::Key::Num6,
    egui::Key::Num7,
    egui::Key::Num8,
    egui::Key::Num9,
];

/// A file dropped on the window: weights load, anything else opens.
pub fn dropped_file(ctx: &egui::Context) -> Option<Action> {
    let path = ctx.input(|i| {
        i.raw
            .dropped_files
            .iter()
            .map(|f| f.path().to_path_buf())
            .find(|p| !p.as_os_str().is_empty())
    })?;
    let weights = path
        .extension()
        .is_some_and(|e| e == "pth" || e == "pt" || e == "safetensors");
    Some(if weights {
        Action::LoadWeights(path)
    } else {
        Action::OpenPath(path)
    })
}

/// Paging through `count` files from `current` (none in live mode), and picking one of
/// `scales` scales.
pub fn navigation_keys(
    ctx: &egui::Context,
    current: Option<usize>,
    count: usize,
    scales: usize,
) -> Option<Action> {
    let (next, prev, digit) = ctx.input(|i| {
        (
            i.key_pressed(egui::Key::ArrowRight) || i.key_pressed(egui::Key::D),
            i.key_pressed(egui::Key::ArrowLeft) || i.key_pressed(egui::Key::A),
            SCALE_KEYS.iter().position(|k| i.key_pressed(*k)),
        )
    });
    if let Some(k) = digit.filter(|&k| k < scales) {
        return Some(Action::SelectScale(k));
    }
    let i = current?;
    if next && i + 1 < count {
        Some(Action::SelectImage(i + 1))
    } else if prev && i > 0 {
        Some(Action::SelectImage(i - 1))
    } else {
        None
    }
}
