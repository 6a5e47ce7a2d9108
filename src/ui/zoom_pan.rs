//! How the central image is framed: zoom relative to fit-to-window, pan, and where it was
//! last drawn.

/// Zoom and pan of the image view.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ZoomPan {
    /// 1 = the whole image fits the panel.
    pub zoom: f32,
    /// Pan in screen points.
    pub offset: egui::Vec2,
    /// Where the image was drawn in the last frame (screen points).
    pub image_rect: Option<egui::Rect>,
}

impl Default for ZoomPan {
    fn default() -> Self {
        Self {
            zoom: 1.0,
            offset: egui::Vec2::ZERO,
            image_rect: None,
        }
    }
}

impl ZoomPan {
    /// Back to fit-to-window.
    pub fn fit(&mut self) {
        self.zoom = 1.0;
        self.offset = egui::Vec2::ZERO;
    }

    pub fn is_fitted(&self) -> bool {
        self.zoom == 1.0 && self.offset == egui::Vec2::ZERO
    }

    /// Zooms by `exp(scroll · 0.003)` (bounded) about `pointer`, keeping the image point
    /// under it where it is; `centre` is the panel's centre.
    pub fn scroll(&mut self, scroll: f32, pointer: egui::Pos2, centre: egui::Pos2) {
        let old = self.zoom;
        self.zoom = (old * (scroll * 0.003).exp()).clamp(0.25, 40.0);
        let image_centre = centre + self.offset;
        self.offset += (pointer - image_centre) * (1.0 - self.zoom / old);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zooming_keeps_the_point_under_the_pointer() {
        let mut view = ZoomPan::default();
        let centre = egui::pos2(100.0, 100.0);
        let pointer = egui::pos2(150.0, 80.0);
        // The pointer's offset from the image centre, in image units at zoom 1.
        let before = (pointer - (centre + view.offset)) / view.zoom;
        view.scroll(120.0, pointer, centre);
        let after = (pointer - (centre + view.offset)) / view.zoom;
        assert!((view.zoom - (0.36f32).exp()).abs() < 1e-6);
        assert!((before - after).length() < 1e-4, "{before:?} vs {after:?}");
        assert!(!view.is_fitted());
        view.fit();
        assert!(view.is_fitted());
        for _ in 0..100 {
            view.scroll(1000.0, pointer, centre);
        }
        assert_eq!(view.zoom, 40.0);
    }
}
