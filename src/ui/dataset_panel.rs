//! The Dataset page: analyse the open folder (its annotations, else its detections) on the
//! worker, then read it: per-scale figures, the class (or size) × scale heatmap of mean lift,
//! which scale fires per size, and each scale's entropy and distance. A heatmap cell lists its
//! objects by lift; an object opens its image with the object marked and its attention shown.

use std::path::Path;

use egui::{Color32, Sense, Stroke, StrokeKind, vec2};

use super::action::Action;
#[cfg(test)]
use super::analysis_job::AnalysisUpdate;
use super::analysis_job::DatasetAnalysis;
use super::dataset_run::DatasetRun;
use super::dataset_view::{Cell, DatasetView, Rows};
use crate::analysis::{MAX_DISTANCE, SizeBucket, Summary, lift_rgb};

/// At most this many of a cell's objects are listed.
const LISTED: usize = 200;

/// What the page reads besides its own view.
pub struct Folder<'a> {
    pub path: Option<&'a Path>,
    pub images: usize,
    pub model_loaded: bool,
}

pub fn dataset_panel(
    ui: &mut egui::Ui,
    view: &mut DatasetView,
    run: &DatasetRun,
    folder: Folder<'_>,
) -> Option<Action> {
    let mut action = controls(ui, view, run, &folder);
    let Some(analysis) = &run.last else {
        ui.label(
            "Which scale attends to which objects? Analyse the folder: every image runs once \
             and each object's own cells are measured at every scale (lift 1 = uniform \
             attention).",
        );
        return action;
    };
    about(ui, analysis, folder.path);
    egui::ScrollArea::vertical().show(ui, |ui| {
        let summary = &analysis.summary;
        scales_table(ui, summary);
        ui.separator();
        // The cell's objects beside the heatmap, so a click shows them without scrolling.
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| lift_heatmap(ui, view, summary));
            ui.separator();
            ui.vertical(|ui| action = cell_objects(ui, view, summary).or(action.take()));
        });
        ui.separator();
        fired_by_size(ui, summary);
        spread(ui, view, summary);
    });
    action
}

/// Threshold, start or cancel, progress, and why the last run stopped.
fn controls(
    ui: &mut egui::Ui,
    view: &mut DatasetView,
    run: &DatasetRun,
    folder: &Folder<'_>,
) -> Option<Action> {
    let mut action = None;
    ui.horizontal(|ui| {
        ui.heading("Dataset");
        if let Some(path) = folder.path {
            ui.label(path.display().to_string());
        }
    });
    ui.horizontal(|ui| {
        let running = run.is_running();
        ui.add_enabled(
            !running,
            egui::Slider::new(&mut view.conf, 0.05..=0.95).text("detection threshold"),
        )
        .on_hover_text(
            "Which scale fired for an object counts detections from this score (and an \
             unannotated folder's objects are its detections from this score)",
        );
        if running {
            if ui.button("Cancel").clicked() {
                action = Some(Action::CancelAnalysis);
            }
        } else {
            let ready = folder.path.is_some() && folder.images > 0 && folder.model_loaded;
            let text = format!("Analyse {} images", folder.images);
            let button = ui.add_enabled(ready, egui::Button::new(text));
            let button = if folder.model_loaded {
                button.on_disabled_hover_text("open a folder of images first")
            } else {
                button.on_disabled_hover_text("load weights first")
            };
            if button.clicked() {
                action = Some(Action::AnalyseFolder { conf: view.conf });
            }
        }
    });
    if let Some((done, total)) = run.running {
        ui.add(
            egui::ProgressBar::new(done as f32 / total.max(1) as f32)
                .text(format!("{done} / {total} images")),
        );
    }
    if let Some(why) = &run.stopped {
        ui.colored_label(Color32::LIGHT_RED, format!("Analysis stopped: {why}"));
    }
    action
}

/// What the shown analysis is of.
fn about(ui: &mut egui::Ui, analysis: &DatasetAnalysis, folder: Option<&Path>) {
    let summary = &analysis.summary;
    ui.label(format!(
        "{}: {} objects in {} images; objects are the {}",
        summary.model,
        summary.objects.len(),
        summary.images,
        analysis.objects_from
    ));
    if folder.is_some_and(|f| f != analysis.folder) {
        ui.colored_label(
            Color32::YELLOW,
            format!(
                "This analysis is of {}, not the open folder",
                analysis.folder.display()
            ),
        );
    }
    for note in &analysis.notes {
        ui.colored_label(Color32::YELLOW, note);
    }
}

fn opt(v: Option<f64>) -> String {
    v.map_or("–".into(), |v| format!("{v:.3}"))
}

/// One row per scale: grid, spread, lift, and how many objects it fired for.
fn scales_table(ui: &mut egui::Ui, summary: &Summary) {
    egui::Grid::new("dataset-scales")
        .striped(true)
        .show(ui, |ui| {
            for head in [
                "scale",
                "grid",
                "entropy",
                "distance",
                "objects",
                "mean lift",
                "median",
                "fired",
            ] {
                ui.strong(head);
            }
            ui.end_row();
            for s in &summary.scales {
                ui.label(s.index.to_string());
                ui.label(format!("{}×{}", s.grid[0], s.grid[1]));
                ui.label(opt(s.mean_entropy));
                ui.label(opt(s.mean_distance));
                ui.label(s.objects.to_string());
                ui.label(opt(s.mean_lift));
                ui.label(opt(s.median_lift));
                ui.label(summary.fired_at(s.index).to_string());
                ui.end_row();
            }
        });
    if summary.scales.iter().all(|s| s.mean_lift.is_none()) {
        ui.label("This model has no attention: only which scale fires is shown.");
    }
}

/// The class (or size) × scale heatmap of mean lift; a click selects a cell.
fn lift_heatmap(ui: &mut egui::Ui, view: &mut DatasetView, summary: &Summary) {
    ui.horizontal(|ui| {
        ui.strong("Mean lift by");
        ui.radio_value(&mut view.rows, Rows::Class, "class");
        ui.radio_value(&mut view.rows, Rows::Size, "size");
        if view.rows == Rows::Class {
            ui.add(
                egui::DragValue::new(&mut view.min_objects)
                    .range(1..=1000)
                    .prefix("classes with ≥ ")
                    .suffix(" objects"),
            );
        }
    });
    ui.small("Blue: the object's cells look away from it; white: as uniform; red: at it.");
    let rows = view.heat_rows(summary);
    if rows.is_empty() {
        ui.label("No class has that many objects.");
        return;
    }
    let cell_size = vec2(58.0, 20.0);
    egui::Grid::new("dataset-lift")
        .spacing([2.0, 2.0])
        .show(ui, |ui| {
            ui.label("");
            for s in &summary.scales {
                ui.label(format!("scale {}", s.index));
            }
            ui.end_row();
            for row in &rows {
                ui.label(format!("{} ({})", row.name, row.objects));
                for (scale, lift) in row.lifts.iter().enumerate() {
                    let cell = Cell {
                        rows: view.rows,
                        name: row.name.clone(),
                        scale,
                    };
                    let selected = view.selected.as_ref() == Some(&cell);
                    let (rect, response) = ui.allocate_exact_size(cell_size, Sense::click());
                    let name = format!("{} at scale {scale}", row.name);
                    response
                        .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &name));
                    let (fill, text) = match lift {
                        Some(l) => {
                            let [r, g, b] = lift_rgb(*l);
                            (Color32::from_rgb(r, g, b), format!("{l:.2}"))
                        }
                        None => (Color32::from_gray(70), "–".into()),
                    };
                    let painter = ui.painter();
                    painter.rect_filled(rect, 2.0, fill);
                    if selected || response.hovered() {
                        let width = if selected { 2.5 } else { 1.0 };
                        let stroke = Stroke::new(width, Color32::BLACK);
                        painter.rect_stroke(rect, 2.0, stroke, StrokeKind::Inside);
                    }
                    painter.text(
                        rect.center(),
                        egui::Align2::CENTER_CENTER,
                        text,
                        egui::FontId::proportional(12.0),
                        Color32::BLACK,
                    );
                    if response.clicked() {
                        view.selected = Some(cell);
                        view.spread_scale = scale;
                    }
                }
                ui.end_row();
            }
        });
}

/// The selected cell's objects, highest lift first; a click opens one.
fn cell_objects(ui: &mut egui::Ui, view: &DatasetView, summary: &Summary) -> Option<Action> {
    let Some(cell) = view.selected.as_ref() else {
        ui.label("Click a cell to list its objects.");
        return None;
    };
    let objects = view.cell_objects(summary);
    ui.strong(format!(
        "{} at scale {}: {} objects, highest lift first\n(click one to see it)",
        cell.name,
        cell.scale,
        objects.len()
    ));
    let mut action = None;
    egui::ScrollArea::vertical()
        .id_salt("dataset-objects")
        .max_height(520.0)
        .show(ui, |ui| {
            for (o, a) in objects.iter().take(LISTED) {
                let image = Path::new(&o.image);
                let name = image
                    .file_name()
                    .map_or_else(|| o.image.clone(), |n| n.to_string_lossy().into_owned());
                let fired = o.fired_scale.map_or("none".into(), |s| s.to_string());
                // The row's class is the cell's when rows are classes.
                let class = match cell.rows {
                    Rows::Class => String::new(),
                    Rows::Size => format!("  {}", o.class),
                };
                let text = format!(
                    "{name}{class}  {}  lift {:.2}  fired: {fired}",
                    o.size.name(),
                    a.lift
                );
                if ui.selectable_label(false, text).clicked() {
                    action = Some(Action::OpenObject {
                        image: image.to_path_buf(),
                        bbox: o.bbox,
                        scale: cell.scale,
                        label: format!("{} · lift {:.2} at scale {}", o.class, a.lift, cell.scale),
                    });
                }
            }
            if objects.len() > LISTED {
                ui.small(format!("… and {} more", objects.len() - LISTED));
            }
        });
    action
}

/// Per object size, how many objects each scale fired for (and none).
fn fired_by_size(ui: &mut egui::Ui, summary: &Summary) {
    ui.strong("Which scale fires, by object size");
    let scales = summary.scales.len();
    let counts = summary.fired_by_size();
    let colours = [
        Color32::from_rgb(90, 160, 230),
        Color32::from_rgb(240, 170, 60),
        Color32::from_rgb(120, 200, 120),
    ];
    egui_plot::Plot::new("dataset-fired")
        .height(170.0)
        .legend(egui_plot::Legend::default())
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .include_y(0.0)
        .x_axis_label(format!("scale (none = {scales})"))
        .y_axis_label("objects")
        .show(ui, |plot| {
            let sizes = SizeBucket::ALL.iter().zip(colours).zip(&counts);
            for (i, ((size, colour), row)) in sizes.enumerate() {
                let bars = (row.iter().enumerate())
                    .map(|(s, &n)| {
                        egui_plot::Bar::new(s as f64 + (i as f64 - 1.0) * 0.25, n as f64)
                            .width(0.24)
                    })
                    .collect();
                let chart = egui_plot::BarChart::new(size.name(), bars).color(colour);
                plot.bar_chart(chart);
            }
        });
}

/// One scale's histograms of its queries' entropy and distance.
fn spread(ui: &mut egui::Ui, view: &mut DatasetView, summary: &Summary) {
    let Some(last) = summary.scales.len().checked_sub(1) else {
        return;
    };
    if summary
        .scales
        .iter()
        .all(|s| s.entropy_histogram.is_empty())
    {
        return;
    }
    view.spread_scale = view.spread_scale.min(last);
    ui.horizontal(|ui| {
        ui.strong("How spread each query's attention is, at scale");
        ui.add(egui::DragValue::new(&mut view.spread_scale).range(0..=last));
    });
    let s = &summary.scales[view.spread_scale];
    ui.columns(2, |columns| {
        histogram(
            &mut columns[0],
            "entropy (1 = uniform)",
            &s.entropy_histogram,
            1.0,
        );
        let max = MAX_DISTANCE;
        histogram(
            &mut columns[1],
            "distance (image fractions)",
            &s.distance_histogram,
            max,
        );
    });
}

/// Bins of equal width over [0, `max`], as shares of all queries.
fn histogram(ui: &mut egui::Ui, label: &str, bins: &[u64], max: f64) {
    let total = bins.iter().sum::<u64>().max(1) as f64;
    let width = max / bins.len().max(1) as f64;
    let bars = (bins.iter().enumerate())
        .map(|(k, &n)| egui_plot::Bar::new((k as f64 + 0.5) * width, n as f64 / total).width(width))
        .collect();
    egui_plot::Plot::new(format!("dataset-{label}"))
        .height(140.0)
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .include_x(0.0)
        .include_x(max)
        .include_y(0.0)
        .x_axis_label(label)
        .y_axis_label("share of queries")
        .show(ui, |plot| {
            plot.bar_chart(egui_plot::BarChart::new(label, bars))
        });
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::Arc;

    use egui_kittest::kittest::{NodeT, Queryable};

    use super::*;
    use crate::ui::dataset_view::Page;
    use crate::ui::dataset_view::tests::{object, summary};
    use crate::ui::test_support::harness;

    struct State {
        view: DatasetView,
        run: DatasetRun,
        model_loaded: bool,
        actions: Vec<Action>,
    }

    fn page(run: DatasetRun, model_loaded: bool) -> egui_kittest::Harness<'static, State> {
        let state = State {
            view: DatasetView {
                page: Page::Dataset,
                ..DatasetView::default()
            },
            run,
            model_loaded,
            actions: Vec::new(),
        };
        harness([900.0, 1200.0], state, |ui, s: &mut State| {
            let folder = Folder {
                path: Some(Path::new("/data")),
                images: 3,
                model_loaded: s.model_loaded,
            };
            s.actions
                .extend(dataset_panel(ui, &mut s.view, &s.run, folder));
        })
    }

    fn analysed() -> DatasetRun {
        let mut objects = vec![object("cat", 10.0, &[1.0, 2.0]); 4];
        objects.push(object("cat", 12.0, &[5.0, 0.5]));
        objects.push(object("dog", 50.0, &[3.0, 1.0]));
        DatasetRun {
            last: Some(Arc::new(DatasetAnalysis {
                summary: summary(objects),
                folder: PathBuf::from("/data"),
                objects_from: "ground truth (VOC XML beside the images)".into(),
                notes: vec!["using the 2 classes the model and the dataset share".into()],
            })),
            ..DatasetRun::default()
        }
    }

    #[test]
    fn analysing_asks_the_app_with_the_threshold_and_needs_a_model() {
        let mut h = page(DatasetRun::default(), false);
        h.run();
        h.get_by_label("Analyse 3 images").click();
        h.run();
        assert!(h.state().actions.is_empty(), "disabled without a model");
        h.state_mut().model_loaded = true;
        h.run();
        h.get_by_label("Analyse 3 images").click();
        h.run();
        assert_eq!(h.state().actions, [Action::AnalyseFolder { conf: 0.3 }]);
    }

    #[test]
    fn a_run_shows_progress_and_can_be_cancelled() {
        let mut run = DatasetRun::default();
        run.started(3);
        run.update(AnalysisUpdate::Progress { done: 1, total: 3 });
        let mut h = page(run, true);
        h.run();
        assert!(h.query_by_label_contains("1 / 3 images").is_some());
        h.get_by_label("Cancel").click();
        h.run();
        assert_eq!(h.state().actions, [Action::CancelAnalysis]);
        h.state_mut().run.update(AnalysisUpdate::Cancelled);
        h.run();
        assert!(h.query_by_label("Analysis stopped: cancelled").is_some());
    }

    #[test]
    fn a_heatmap_cell_lists_its_objects_and_one_opens_its_image() {
        let mut h = page(analysed(), true);
        h.run();
        assert!(h.query_by_label_contains("6 objects in 1 images").is_some());
        assert!(h.query_by_label("cat (5)").is_some(), "cat has 5 objects");
        assert!(h.query_by_label("dog (1)").is_none(), "dog has too few");
        h.get_by_label("cat at scale 0").click();
        h.run();
        let cell = h.state().view.selected.clone().unwrap();
        assert_eq!((cell.name.as_str(), cell.scale), ("cat", 0));
        assert!(
            h.query_by_label_contains("cat at scale 0: 5 objects")
                .is_some()
        );
        // The highest lift comes first: the 12-pixel cat (lift 5).
        let rows = h.get_all_by_label_contains("  lift ").collect::<Vec<_>>();
        let first = rows[0]
            .accesskit_node()
            .label()
            .unwrap_or_default()
            .to_string();
        assert!(first.starts_with("cat-12.jpg"), "{first}");
        rows[0].click();
        h.run();
        assert_eq!(
            h.state().actions,
            [Action::OpenObject {
                image: PathBuf::from("/data/cat-12.jpg"),
                bbox: [0.0, 0.0, 12.0, 12.0],
                scale: 0,
                label: "cat · lift 5.00 at scale 0".into(),
            }]
        );
    }

    #[test]
    fn rows_by_size_and_the_notes_are_shown() {
        let mut h = page(analysed(), true);
        h.run();
        assert!(h.query_by_label_contains("share").is_some(), "the notes");
        h.get_by_label("size").click();
        h.run();
        assert!(h.query_by_label("small (5)").is_some());
        h.get_by_label("small at scale 1").click();
        h.run();
        assert!(
            h.query_by_label_contains("small at scale 1: 5 objects")
                .is_some()
        );
    }
}
