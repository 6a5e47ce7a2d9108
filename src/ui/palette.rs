//! Class colours as egui colours (the same as the exported images' boxes).

use crate::draw::class_color;

pub fn color32(class_id: usize) -> egui::Color32 {
    let [r, g, b] = class_color(class_id);
    egui::Color32::from_rgb(r, g, b)
}
