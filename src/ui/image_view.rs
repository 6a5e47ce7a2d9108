//! The central image: detections, the selected scale's attention heatmap, the query crosshair;
//! clicking (or hovering, when enabled) a pixel asks for its attention. While labels are edited,
//! the label editor takes the pointer instead.

use std::path::Path;

use egui::{Color32, Rect, Sense, Stroke, StrokeKind, vec2};

use super::action::Action;
use super::attention_state::AttentionView;
use super::detection_focus::DetectionFocus;
use super::label_editor::LabelEditor;
use super::label_layer::edit_labels;
use super::layers::{cell_rect, crosshair, paint_layers, to_screen};
use super::library::{Entry, Library};
use super::palette::color32;
use super::settings::HeatmapSettings;
use super::zoom_pan::ZoomPan;
use crate::attention_query::query_cell;
use crate::detect::Detection;

/// What there is to show.
pub enum Picture<'a> {
    /// No image open.
    Nothing,
    Failed {
        path: &'a Path,
        error: &'a str,
    },
    /// Not decoded yet: running, or (`model_loaded` false) waiting for weights.
    Waiting {
        model_loaded: bool,
    },
    Ready {
        path: &'a Path,
        entry: &'a Entry,
        model_loaded: bool,
    },
}

impl<'a> Picture<'a> {
    /// What `library` has for the image at `path`.
    pub fn new(path: Option<&'a Path>, library: &'a Library, model_loaded: bool) -> Self {
        let Some(path) = path else {
            return Picture::Nothing;
        };
        match (library.error(path), library.entry(path)) {
            (Some(error), _) => Picture::Failed { path, error },
            (None, Some(entry)) => Picture::Ready {
                path,
                entry,
                model_loaded,
            },
            (None, None) => Picture::Waiting { model_loaded },
        }
    }
}

/// What is drawn over the image.
pub struct Overlay<'a> {
    pub attention: Option<&'a AttentionView>,
    pub selected_scale: usize,
    pub heatmap: &'a HeatmapSettings,
    pub show_boxes: bool,
    /// The visible detections (class filter applied).
    pub detections: &'a [&'a Detection],
    /// An object of the dataset analysis to mark, when it is on this image.
    pub marked: Option<&'a MarkedObject>,
}

/// An object the Dataset view opened: its box and the tag it carries.
#[derive(Debug, Clone, PartialEq)]
pub struct MarkedObject {
    pub image: std::path::PathBuf,
    pub bbox: [f32; 4],
    pub label: String,
}

fn box_area([x1, y1, x2, y2]: [f32; 4]) -> f32 {
    (x2 - x1) * (y2 - y1)
}

/// The image view. `view` is zoomed and panned here; `focus.image_hovered` is set to the box
/// under the pointer. With `editor`, drags and clicks edit labels; else a click (or the hover,
/// when following the pointer) asks for that pixel's attention.
pub fn image_view(
    ui: &mut egui::Ui,
    picture: Picture<'_>,
    overlay: Overlay<'_>,
    view: &mut ZoomPan,
    focus: &mut DetectionFocus,
    editor: Option<&mut LabelEditor>,
) -> Option<Action> {
    let (path, entry, model_loaded) = match picture {
        Picture::Nothing => {
            ui.centered_and_justified(|ui| {
                ui.label("Open an image or a folder: File menu, or drag it onto the window.")
            });
            return None;
        }
        Picture::Failed { path, error } => {
            ui.colored_label(
                Color32::LIGHT_RED,
                format!("Cannot show {}: {error}", path.display()),
            );
            return None;
        }
        Picture::Waiting { model_loaded } => {
            ui.centered_and_justified(|ui| {
                if model_loaded {
                    ui.spinner();
                } else {
                    ui.label("Load weights to run the detector (File > Open weights…).");
                }
            });
            return None;
        }
        Picture::Ready {
            path,
            entry,
            model_loaded,
        } => (path, entry, model_loaded),
    };
    let size = entry.size();
    if !model_loaded {
        ui.label("No model loaded: File > Open weights… to detect (labels can still be drawn).");
    }
    let (response, painter) = ui.allocate_painter(ui.available_size(), Sense::click_and_drag());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, "image view"));
    let area = response.rect;
    let painter = painter.with_clip_rect(area);
    let fit = (area.width() / size[0] as f32).min(area.height() / size[1] as f32);
    // Scroll zooms about the pointer, drag pans, double-click fits the window again.
    if response.double_clicked() {
        view.fit();
    }
    // While editing labels a drag edits boxes; otherwise it pans.
    if response.dragged() && editor.is_none() {
        view.offset += response.drag_delta();
    }
    let scroll = if response.hovered() {
        ui.input(|i| i.smooth_scroll_delta.y)
    } else {
        0.0
    };
    if scroll != 0.0
        && let Some(pointer) = response.hover_pos()
    {
        view.scroll(scroll, pointer, area.center());
    }
    let zoom = fit * view.zoom;
    let rect = Rect::from_center_size(
        area.center() + view.offset,
        vec2(size[0] as f32 * zoom, size[1] as f32 * zoom),
    );
    view.image_rect = Some(rect);
    let attention = overlay.attention;
    let heat = attention.and_then(|v| v.heat.get(overlay.selected_scale));
    let texture = entry.texture.as_ref().map(|t| t.id());
    paint_layers(&painter, rect, texture, heat, overlay.heatmap.style(), 0);
    if let Some(v) = attention
        && let Some(scale) = v.scales.get(overlay.selected_scale)
    {
        let cell = query_cell(v.pixel, size, scale.shape);
        crosshair(&painter, rect, cell_rect(rect, scale.shape, cell));
    }
    // The smallest visible box under the pointer: emphasised here, highlighted in the table.
    let pointer_pixel = response
        .hover_pos()
        .map(|p| [(p.x - rect.min.x) / zoom, (p.y - rect.min.y) / zoom]);
    let under_pointer = pointer_pixel
        .filter(|_| overlay.show_boxes)
        .and_then(|[x, y]| {
            overlay
                .detections
                .iter()
                .enumerate()
                .filter(|(_, d)| {
                    let [x1, y1, x2, y2] = d.bbox;
                    x >= x1 && x <= x2 && y >= y1 && y <= y2
                })
                .min_by(|(_, a), (_, b)| box_area(a.bbox).total_cmp(&box_area(b.bbox)))
                .map(|(i, _)| i)
        });
    focus.image_hovered = under_pointer;
    if overlay.show_boxes {
        draw_boxes(&painter, rect, size, overlay.detections, focus);
    }
    if let Some(marked) = overlay.marked.filter(|m| m.image == path) {
        draw_marked(&painter, rect, size, marked);
    }
    let response = match under_pointer.and_then(|i| overlay.detections.get(i)) {
        Some(d) => {
            let [x1, y1, x2, y2] = d.bbox;
            let text = format!(
                "{} {:.3}\nbox {x1:.0}, {y1:.0}, {x2:.0}, {y2:.0}\nfired by scale {}, prior {}",
                d.label, d.score, d.scale, d.prior
            );
            response.on_hover_text_at_pointer(text)
        }
        None => response,
    };
    if let Some(editor) = editor {
        edit_labels(editor, &response, &painter, rect, zoom, path, size);
        return None;
    }
    let pointer = if overlay.heatmap.follow_hover {
        response.hover_pos()
    } else {
        None
    };
    let clicked = if response.clicked() {
        response.interact_pointer_pos()
    } else {
        None
    };
    let pos = clicked.or(pointer)?;
    let pixel = [
        ((pos.x - rect.min.x) / zoom).clamp(0.0, size[0] as f32 - 1.0),
        ((pos.y - rect.min.y) / zoom).clamp(0.0, size[1] as f32 - 1.0),
    ];
    // Hovering only asks again when the finest scale's query cell changes.
    let finest = entry.raw.feature_sizes.first().copied().unwrap_or([1, 1]);
    let shown = attention.map(|v| query_cell(v.pixel, size, finest));
    (clicked.is_some() || shown != Some(query_cell(pixel, size, finest)))
        .then_some(Action::QueryAttention(pixel))
}

/// The marked object: a white box outlined in black (it stands out from every class colour)
/// with its tag below.
fn draw_marked(painter: &egui::Painter, rect: Rect, size: [u32; 2], marked: &MarkedObject) {
    let [x1, y1, x2, y2] = marked.bbox;
    let r = Rect::from_min_max(
        to_screen(rect, size, [x1, y1]),
        to_screen(rect, size, [x2, y2]),
    );
    painter.rect_stroke(r, 0.0, Stroke::new(4.0, Color32::BLACK), StrokeKind::Middle);
    painter.rect_stroke(r, 0.0, Stroke::new(2.0, Color32::WHITE), StrokeKind::Middle);
    let font = egui::FontId::proportional(13.0);
    let galley = painter.layout_no_wrap(marked.label.clone(), font, Color32::BLACK);
    let tag = Rect::from_min_size(egui::pos2(r.min.x, r.max.y), galley.size() + vec2(6.0, 2.0));
    painter.rect_filled(tag, 0.0, Color32::WHITE);
    painter.galley(tag.min + vec2(3.0, 1.0), galley, Color32::BLACK);
}

fn draw_boxes(
    painter: &egui::Painter,
    rect: Rect,
    size: [u32; 2],
    detections: &[&Detection],
    focus: &DetectionFocus,
) {
    let font = egui::FontId::proportional(12.0);
    for (i, d) in detections.iter().enumerate() {
        let [x1, y1, x2, y2] = d.bbox;
        let r = Rect::from_min_max(
            to_screen(rect, size, [x1, y1]),
            to_screen(rect, size, [x2, y2]),
        );
        let color = color32(d.class_id);
        let width = if focus.emphasised(i) { 3.0 } else { 1.5 };
        painter.rect_stroke(r, 0.0, Stroke::new(width, color), StrokeKind::Middle);
        let text = format!("{} {:.2}", d.label, d.score);
        let galley = painter.layout_no_wrap(text, font.clone(), Color32::BLACK);
        let tag = Rect::from_min_size(
            r.min - vec2(0.0, galley.size().y),
            galley.size() + vec2(4.0, 0.0),
        );
        painter.rect_filled(tag, 0.0, color);
        painter.galley(tag.min + vec2(2.0, 0.0), galley, Color32::BLACK);
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use egui_kittest::kittest::Queryable;

    use super::*;
    use crate::ui::settings::Settings;
    use crate::ui::test_support::{detection, entry, harness};

    struct State {
        entry: Entry,
        view: ZoomPan,
        focus: DetectionFocus,
        editor: Option<LabelEditor>,
        heatmap: HeatmapSettings,
        actions: Vec<Action>,
    }

    /// A 200×100 image with a box at pixels (20, 10)–(60, 50), drawn 2 points per pixel.
    fn view(editor: Option<LabelEditor>) -> egui_kittest::Harness<'static, State> {
        let boxes = vec![detection(3, "car", [20.0, 10.0, 60.0, 50.0], 0)];
        let state = State {
            entry: entry(200, 100, &[4], boxes),
            view: ZoomPan::default(),
            focus: DetectionFocus::default(),
            editor,
            heatmap: Settings::default().heatmap,
            actions: Vec::new(),
        };
        harness([400.0, 200.0], state, |ui, s: &mut State| {
            let path = Path::new("a.png");
            let visible: Vec<&Detection> = s.entry.detections.iter().collect();
            let overlay = Overlay {
                attention: None,
                selected_scale: 0,
                heatmap: &s.heatmap,
                show_boxes: true,
                detections: &visible,
                marked: None,
            };
            let picture = Picture::Ready {
                path,
                entry: &s.entry,
                model_loaded: true,
            };
            let (view, focus) = (&mut s.view, &mut s.focus);
            let action = image_view(ui, picture, overlay, view, focus, s.editor.as_mut());
            s.actions.extend(action);
        })
    }

    /// The screen point of image pixel `[x, y]` where the view last drew the image.
    fn at(h: &egui_kittest::Harness<'_, State>, [x, y]: [f32; 2]) -> egui::Pos2 {
        let rect = h.state().view.image_rect.expect("drawn");
        let zoom = rect.width() / 200.0;
        rect.min + egui::vec2(x * zoom, y * zoom)
    }

    fn click(h: &mut egui_kittest::Harness<'_, State>, pos: egui::Pos2) {
        h.hover_at(pos);
        h.run();
        for pressed in [true, false] {
            h.event(egui::Event::PointerButton {
                pos,
                button: egui::PointerButton::Primary,
                pressed,
                modifiers: egui::Modifiers::NONE,
            });
            h.run();
        }
    }

    #[test]
    fn a_click_asks_for_that_pixels_attention_and_hovering_a_box_focuses_it() {
        let mut h = view(None);
        h.run();
        let rect = h.state().view.image_rect.expect("drawn");
        let aspect = rect.width() / rect.height();
        assert!(
            (aspect - 2.0).abs() < 1e-3 && rect.width() > 300.0,
            "fits the panel: {rect:?}"
        );
        let pos = at(&h, [40.5, 30.5]);
        click(&mut h, pos);
        let asked: Vec<_> = h.state().actions.clone();
        let [Action::QueryAttention([x, y])] = asked.as_slice() else {
            panic!("{asked:?}");
        };
        assert!((x - 40.5).abs() < 0.6 && (y - 30.5).abs() < 0.6, "{x}, {y}");
        assert_eq!(
            h.state().focus.image_hovered,
            Some(0),
            "the car is under the pointer"
        );
        h.hover_at(at(&h, [150.0, 80.0]));
        h.run();
        assert_eq!(h.state().focus.image_hovered, None);
    }

    #[test]
    fn with_the_editor_a_drag_after_w_draws_a_label_and_asks_for_nothing() {
        let mut editor = LabelEditor::default();
        editor.set_enabled(true, None);
        editor.armed = true;
        let mut h = view(Some(editor));
        h.run();
        let (from, to) = (at(&h, [100.0, 20.0]), at(&h, [150.0, 70.0]));
        h.hover_at(from);
        h.run();
        h.event(egui::Event::PointerButton {
            pos: from,
            button: egui::PointerButton::Primary,
            pressed: true,
            modifiers: egui::Modifiers::NONE,
        });
        h.run();
        for k in 1..=4 {
            h.hover_at(from + (to - from) * (k as f32 / 4.0));
            h.run();
        }
        h.event(egui::Event::PointerButton {
            pos: to,
            button: egui::PointerButton::Primary,
            pressed: false,
            modifiers: egui::Modifiers::NONE,
        });
        h.run();
        let editor = h.state().editor.as_ref().unwrap();
        let labels = editor.objects(Path::new("a.png"));
        assert_eq!(labels.len(), 1, "{labels:?}");
        for (got, want) in labels[0].bbox.iter().zip([100.0, 20.0, 150.0, 70.0]) {
            assert!((got - want).abs() < 1.0, "{:?}", labels[0].bbox);
        }
        assert!(!editor.armed, "one box per W");
        assert!(h.state().actions.is_empty());
        assert_eq!(
            h.state().view,
            ZoomPan {
                image_rect: h.state().view.image_rect,
                ..ZoomPan::default()
            },
            "a drag while editing does not pan"
        );
    }

    #[test]
    fn an_image_that_failed_says_why() {
        let path = PathBuf::from("broken.png");
        let mut h = egui_kittest::Harness::new_ui(move |ui| {
            let heatmap = Settings::default().heatmap;
            let overlay = Overlay {
                attention: None,
                selected_scale: 0,
                heatmap: &heatmap,
                show_boxes: true,
                detections: &[],
                marked: None,
            };
            let picture = Picture::Failed {
                path: &path,
                error: "not a PNG",
            };
            let (mut view, mut focus) = (ZoomPan::default(), DetectionFocus::default());
            image_view(ui, picture, overlay, &mut view, &mut focus, None);
        });
        h.run();
        assert!(
            h.query_by_label("Cannot show broken.png: not a PNG")
                .is_some()
        );
    }
}
