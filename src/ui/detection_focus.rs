//! Which detection the user is pointing at or has chosen: shared by the table, which
//! highlights rows, and the image, which emphasises boxes. Indices are into the visible
//! detections (class filter applied).

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DetectionFocus {
    /// Row under the pointer in the table.
    pub table_hovered: Option<usize>,
    /// Box under the pointer in the image (its row is highlighted and scrolled to).
    pub image_hovered: Option<usize>,
    /// Clicked row: its scale is shown and its centre's attention charted.
    pub selected: Option<usize>,
}

impl DetectionFocus {
    /// Emphasised in the image: hovered in either place, or selected.
    pub fn emphasised(&self, index: usize) -> bool {
        [self.table_hovered, self.image_hovered, self.selected].contains(&Some(index))
    }
}
