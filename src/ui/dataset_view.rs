//! What the Dataset view shows of an analysis: the rows of its heatmap (classes or sizes),
//! the cell chosen, and the scale whose spreads are charted; plus which page the central
//! area shows.

use crate::analysis::{GroupScale, ObjectAttention, ObjectRecord, SizeBucket, Summary};

/// The central area: the image, or the open folder's dataset analysis.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Page {
    #[default]
    Image,
    Dataset,
}

/// Rows of the heatmap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Rows {
    #[default]
    Class,
    Size,
}

/// A heatmap cell: a class (or size) at a scale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub rows: Rows,
    pub name: String,
    pub scale: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DatasetView {
    pub page: Page,
    /// Detections count from this score (which scale fired; objects of unannotated folders).
    pub conf: f32,
    pub rows: Rows,
    /// Classes with fewer objects are left out of the heatmap (their mean says little).
    pub min_objects: usize,
    pub selected: Option<Cell>,
    /// The scale whose entropy and distance histograms are shown.
    pub spread_scale: usize,
}

impl Default for DatasetView {
    fn default() -> Self {
        Self {
            page: Page::Image,
            conf: 0.3,
            rows: Rows::Class,
            min_objects: 5,
            selected: None,
            spread_scale: 0,
        }
    }
}

/// One heatmap row: its name, object count and per-scale mean lift.
pub struct HeatRow {
    pub name: String,
    pub objects: usize,
    pub lifts: Vec<Option<f64>>,
}

impl DatasetView {
    /// The heatmap's rows of `summary`: classes with ≥ `min_objects` objects by count (most
    /// first, then by name), or the three sizes in order.
    pub fn heat_rows(&self, summary: &Summary) -> Vec<HeatRow> {
        let lifts = |scales: &Vec<GroupScale>| scales.iter().map(|g| g.mean_lift).collect();
        match self.rows {
            Rows::Class => (summary.frequent_classes(self.min_objects).into_iter())
                .map(|(name, objects)| HeatRow {
                    name: name.to_string(),
                    objects,
                    lifts: lifts(&summary.by_class[name]),
                })
                .collect(),
            Rows::Size => (SizeBucket::ALL.iter())
                .filter_map(|s| summary.by_size.get(s.name()).map(|g| (s.name(), g)))
                .map(|(name, scales)| HeatRow {
                    name: name.to_string(),
                    objects: scales.first().map_or(0, |g| g.objects),
                    lifts: lifts(scales),
                })
                .collect(),
        }
    }

    /// The objects of the selected cell, highest lift at its scale first.
    pub fn cell_objects<'a>(
        &self,
        summary: &'a Summary,
    ) -> Vec<(&'a ObjectRecord, &'a ObjectAttention)> {
        let Some(cell) = &self.selected else {
            return Vec::new();
        };
        let mut objects: Vec<_> = (summary.objects.iter())
            .filter(|o| match cell.rows {
                Rows::Class => o.class == cell.name,
                Rows::Size => o.size.name() == cell.name,
            })
            .filter_map(|o| o.per_scale.get(cell.scale).map(|a| (o, a)))
            .collect();
        objects.sort_by(|a, b| b.1.lift.total_cmp(&a.1.lift));
        objects
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use crate::analysis::Grid;

    /// An object that scale 0 fired for.
    pub fn object(class: &str, side: f32, lifts: &[f64]) -> ObjectRecord {
        crate::analysis::test_object(class, side, Some(0), lifts)
    }

    pub fn summary(objects: Vec<ObjectRecord>) -> Summary {
        let grids = [Grid { h: 2, w: 2 }, Grid { h: 1, w: 1 }];
        Summary::new("m".into(), vec![], 1, &grids, &[], objects)
    }

    #[test]
    fn rows_are_classes_with_enough_objects_most_first() {
        let mut objects = vec![object("cat", 10.0, &[1.0, 2.0]); 2];
        objects.extend(vec![object("dog", 50.0, &[3.0, 1.0]); 3]);
        objects.push(object("eel", 200.0, &[1.0, 1.0]));
        let s = summary(objects);
        let mut view = DatasetView {
            min_objects: 2,
            ..DatasetView::default()
        };
        let rows = view.heat_rows(&s);
        let names: Vec<_> = rows.iter().map(|r| (r.name.as_str(), r.objects)).collect();
        assert_eq!(names, [("dog", 3), ("cat", 2)]);
        assert_eq!(rows[0].lifts, [Some(3.0), Some(1.0)]);
        view.rows = Rows::Size;
        let sizes: Vec<_> = view.heat_rows(&s).into_iter().map(|r| r.name).collect();
        assert_eq!(sizes, ["small", "medium", "large"]);
    }

    #[test]
    fn a_cells_objects_come_highest_lift_first() {
        let s = summary(vec![
            object("cat", 10.0, &[1.5, 0.5]),
            object("cat", 12.0, &[4.0, 0.1]),
            object("dog", 12.0, &[9.0, 9.0]),
        ]);
        let mut view = DatasetView::default();
        assert!(view.cell_objects(&s).is_empty(), "nothing selected");
        view.selected = Some(Cell {
            rows: Rows::Class,
            name: "cat".into(),
            scale: 0,
        });
        let lifts: Vec<f64> = view.cell_objects(&s).iter().map(|(_, a)| a.lift).collect();
        assert_eq!(lifts, [4.0, 1.5]);
        view.selected = Some(Cell {
            rows: Rows::Size,
            name: "small".into(),
            scale: 1,
        });
        assert_eq!(view.cell_objects(&s).len(), 3, "all three are small");
        assert_eq!(view.cell_objects(&s)[0].1.lift, 9.0);
    }
}
