//! Editing labels with the pointer on the image, and drawing them: drag to draw (after W),
//! move or resize (a corner of the selected box), click to select (the smallest box under the
//! pointer, so nested boxes stay reachable).

use std::path::Path;

use egui::{Color32, Pos2, Rect, Stroke, StrokeKind, vec2};

use super::label_editor::{Drag, LabelEditor};
use super::palette::color32;
use crate::dataset::Object;

/// Corner handles grab within this many points.
const HANDLE: f32 = 6.0;
/// Boxes smaller than this (image pixels) are discarded when drawn.
const MIN_SIDE: f32 = 2.0;

fn normalised([x1, y1, x2, y2]: [f32; 4], [w, h]: [u32; 2]) -> [f32; 4] {
    let (w, h) = (w as f32, h as f32);
    [
        x1.min(x2).clamp(0.0, w),
        y1.min(y2).clamp(0.0, h),
        x1.max(x2).clamp(0.0, w),
        y1.max(y2).clamp(0.0, h),
    ]
}

fn corners([x1, y1, x2, y2]: [f32; 4]) -> [[f32; 2]; 4] {
    [[x1, y1], [x2, y1], [x2, y2], [x1, y2]]
}

/// Pointer editing on `path`'s image (`size` pixels) and drawing of its labels. `rect`
/// shows the image at `zoom` screen points per image pixel.
pub fn edit_labels(
    editor: &mut LabelEditor,
    response: &egui::Response,
    painter: &egui::Painter,
    rect: Rect,
    zoom: f32,
    path: &Path,
    size: [u32; 2],
) {
    let to_pixel = |p: Pos2| [(p.x - rect.min.x) / zoom, (p.y - rect.min.y) / zoom];
    let to_screen = |[x, y]: [f32; 2]| Pos2::new(rect.min.x + x * zoom, rect.min.y + y * zoom);
    let selected = editor.selected;
    let armed = editor.armed;
    let current_class = editor.current_class;
    let mut drag = editor.drag;
    let labels = editor.labels_for(path, size);
    // A drag starts where the button went down, not where egui noticed the movement.
    let origin = response
        .ctx
        .input(|i| i.pointer.press_origin())
        .or_else(|| response.interact_pointer_pos());
    if response.drag_started()
        && let Some(pos) = origin
    {
        let p = to_pixel(pos);
        let corner = selected.and_then(|i| {
            labels.objects.get(i).and_then(|o| {
                corners(o.bbox)
                    .iter()
                    .position(|c| to_screen(*c).distance(pos) <= HANDLE)
                    .map(|corner| (i, corner))
            })
        });
        let inside = labels.objects.iter().rposition(|o| {
            let [x1, y1, x2, y2] = o.bbox;
            p[0] >= x1 && p[0] <= x2 && p[1] >= y1 && p[1] <= y2
        });
        drag = if armed {
            Some(Drag::New { start: p, end: p })
        } else if let Some((index, corner)) = corner {
            Some(Drag::Resize { index, corner })
        } else {
            inside.map(|index| Drag::Move {
                index,
                grab: p,
                original: labels.objects[index].bbox,
            })
        };
    }
    let mut select = None;
    if response.dragged()
        && let Some(pos) = response.interact_pointer_pos()
    {
        let p = to_pixel(pos);
        match &mut drag {
            Some(Drag::New { end, .. }) => *end = p,
            Some(Drag::Move {
                index,
                grab,
                original,
            }) => {
                if let Some(o) = labels.objects.get_mut(*index) {
                    let [dx, dy] = [p[0] - grab[0], p[1] - grab[1]];
                    let [x1, y1, x2, y2] = *original;
                    // Moves keep the size: clamp the shift, not the corners.
                    let (w, h) = (size[0] as f32, size[1] as f32);
                    let dx = dx.clamp(-x1, w - x2);
                    let dy = dy.clamp(-y1, h - y2);
                    o.bbox = [x1 + dx, y1 + dy, x2 + dx, y2 + dy];
                    labels.dirty = true;
                    select = Some(*index);
                }
            }
            Some(Drag::Resize { index, corner }) => {
                if let Some(o) = labels.objects.get_mut(*index) {
                    let [mut x1, mut y1, mut x2, mut y2] = o.bbox;
                    match corner {
                        0 => (x1, y1) = (p[0], p[1]),
                        1 => (x2, y1) = (p[0], p[1]),
                        2 => (x2, y2) = (p[0], p[1]),
                        _ => (x1, y2) = (p[0], p[1]),
                    }
                    o.bbox = normalised([x1, y1, x2, y2], size);
                    labels.dirty = true;
                }
            }
            None => {}
        }
    }
    let mut disarm = false;
    let mut deselect = false;
    if response.drag_stopped() {
        if let Some(Drag::New { start, end }) = drag {
            let bbox = normalised([start[0], start[1], end[0], end[1]], size);
            if bbox[2] - bbox[0] >= MIN_SIDE && bbox[3] - bbox[1] >= MIN_SIDE {
                labels.objects.push(Object {
                    class: current_class,
                    bbox,
                    difficult: false,
                    area: None,
                });
                labels.dirty = true;
                select = Some(labels.objects.len() - 1);
            }
            disarm = true;
        }
        drag = None;
    }
    if response.clicked()
        && let Some(pos) = response.interact_pointer_pos()
    {
        let p = to_pixel(pos);
        // The smallest box under the pointer (nested boxes stay reachable).
        select = labels
            .objects
            .iter()
            .enumerate()
            .filter(|(_, o)| {
                let [x1, y1, x2, y2] = o.bbox;
                p[0] >= x1 && p[0] <= x2 && p[1] >= y1 && p[1] <= y2
            })
            .min_by(|(_, a), (_, b)| {
                let area = |o: &Object| (o.bbox[2] - o.bbox[0]) * (o.bbox[3] - o.bbox[1]);
                area(a).total_cmp(&area(b))
            })
            .map(|(i, _)| i);
        deselect = select.is_none();
    }
    let objects = labels.objects.clone();
    if select.is_some() || deselect {
        editor.selected = select;
    }
    if disarm {
        editor.armed = false;
    }
    editor.drag = drag;
    for (i, o) in objects.iter().enumerate() {
        let [x1, y1, x2, y2] = o.bbox;
        let r = Rect::from_min_max(to_screen([x1, y1]), to_screen([x2, y2]));
        let color = color32(o.class + 1);
        let chosen = editor.selected == Some(i);
        painter.rect_stroke(
            r,
            0.0,
            Stroke::new(if chosen { 3.0 } else { 2.0 }, color),
            StrokeKind::Middle,
        );
        let name = editor.classes.get(o.class).map_or("?", String::as_str);
        painter.text(
            r.left_top() + vec2(2.0, 2.0),
            egui::Align2::LEFT_TOP,
            name,
            egui::FontId::proportional(12.0),
            color,
        );
        if chosen {
            for c in corners(o.bbox) {
                painter.rect_filled(
                    Rect::from_center_size(to_screen(c), vec2(HANDLE, HANDLE)),
                    0.0,
                    Color32::WHITE,
                );
            }
        }
    }
    if let Some(Drag::New { start, end }) = editor.drag {
        let r = Rect::from_two_pos(to_screen(start), to_screen(end));
        painter.rect_stroke(r, 0.0, Stroke::new(1.5, Color32::WHITE), StrokeKind::Middle);
    }
}
