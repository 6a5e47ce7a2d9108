//! `assd analyze`'s charts, as PNG and SVG (plotters, with the bundled font): the class ×
//! scale heatmap of mean lift, the fired scale per object size, and per scale the spread of
//! the queries' entropy and distance.

use std::path::{Path, PathBuf};

use plotters::prelude::*;

use super::size::SizeBucket;
use super::spread::{BINS, MAX_DISTANCE};
use super::summary::Summary;
use crate::charts::{Area, Drawn, FONT, PlotError, draw_legend, render};

/// Classes the heatmap shows need this many objects…
const MIN_OBJECTS: usize = 5;
/// …and it shows at most this many (the most frequent).
const MAX_CLASSES: usize = 40;

/// Writes every chart of `summary` into `dir`; returns the files written.
pub fn write_plots(summary: &Summary, dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let mut written = Vec::new();
    let rows = heatmap_classes(summary);
    if !rows.is_empty() && summary.scales.iter().any(|s| s.mean_lift.is_some()) {
        let size = (
            220 + 90 * summary.scales.len() as u32,
            140 + 22 * rows.len() as u32,
        );
        written.extend(render(
            &dir.join("lift_by_class.png"),
            size,
            |a| lift_heatmap(a, summary, &rows),
            |a| lift_heatmap(a, summary, &rows),
        )?);
    }
    written.extend(render(
        &dir.join("fired_by_size.png"),
        (900, 480),
        |a| fired_by_size(a, summary),
        |a| fired_by_size(a, summary),
    )?);
    if summary
        .scales
        .iter()
        .any(|s| !s.entropy_histogram.is_empty())
    {
        written.extend(render(
            &dir.join("spread.png"),
            (1100, 440),
            |a| spread(a, summary),
            |a| spread(a, summary),
        )?);
    }
    Ok(written)
}

/// The heatmap's classes: those with ≥ MIN_OBJECTS objects, most frequent first.
fn heatmap_classes(summary: &Summary) -> Vec<(String, usize)> {
    let mut rows: Vec<(String, usize)> = (summary.frequent_classes(MIN_OBJECTS).into_iter())
        .map(|(class, n)| (class.to_string(), n))
        .collect();
    rows.truncate(MAX_CLASSES);
    rows
}

/// Lift on a diverging scale: blue below 1 (looks away), white at 1 (uniform), red above,
/// saturating at ¼ and 4.
/// (The app's Dataset view paints its cells with the same scale.)
pub fn lift_rgb(lift: f64) -> [u8; 3] {
    let t = (lift.max(1e-6).log2() / 2.0).clamp(-1.0, 1.0);
    let mix = |from: f64, to: f64, t: f64| (from + (to - from) * t) as u8;
    if t >= 0.0 {
        [255, mix(255.0, 60.0, t), mix(255.0, 50.0, t)]
    } else {
        [mix(255.0, 40.0, -t), mix(255.0, 90.0, -t), 255]
    }
}

fn lift_colour(lift: f64) -> RGBColor {
    let [r, g, b] = lift_rgb(lift);
    RGBColor(r, g, b)
}

fn lift_heatmap<DB: DrawingBackend>(
    area: &Area<DB>,
    summary: &Summary,
    rows: &[(String, usize)],
) -> Drawn {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    area.fill(&WHITE).map_err(e)?;
    let scales = summary.scales.len();
    let mut chart = ChartBuilder::on(area)
        .caption(
            "Mean lift per class and scale (1 = uniform; red: the object's cells look at it)",
            (FONT, 16),
        )
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(190)
        .build_cartesian_2d(0..scales, 0..rows.len())
        .map_err(e)?;
    // Ticks fall on the cells' edges: each labels the cell after it, moved to its centre.
    let (width, height) = chart.plotting_area().dim_in_pixel();
    let half_column = (width as usize / scales.max(1) / 2) as i32;
    let half_row = (height as usize / rows.len().max(1) / 2) as i32;
    let grid = |s: &usize| {
        (summary.scales.get(*s)).map_or(String::new(), |sc| {
            format!("{s}: {}×{}", sc.grid[0], sc.grid[1])
        })
    };
    // Rows run top to bottom, most frequent first.
    let label = |r: &usize| {
        (rows.len().checked_sub(r + 1))
            .map_or(String::new(), |i| format!("{} ({})", rows[i].0, rows[i].1))
    };
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(scales + 1)
        .y_labels(rows.len() + 1)
        .x_label_offset(half_column)
        .y_label_offset(-half_row)
        .x_label_formatter(&grid)
        .y_label_formatter(&label)
        .x_desc("scale (map size)")
        .label_style((FONT, 12))
        .draw()
        .map_err(e)?;
    for (i, (class, _)) in rows.iter().enumerate() {
        let y = rows.len() - 1 - i;
        for s in 0..scales {
            let lift = (summary.by_class.get(class))
                .and_then(|g| g.get(s))
                .and_then(|g| g.mean_lift);
            let colour = lift.map_or(RGBColor(220, 220, 220), lift_colour);
            let cell = Rectangle::new([(s, y), (s + 1, y + 1)], colour.filled());
            chart.draw_series([cell]).map_err(e)?;
            if let Some(lift) = lift {
                let text = Text::new(format!(" {lift:.2}"), (s, y + 1), (FONT, 12));
                chart.draw_series([text]).map_err(e)?;
            }
        }
    }
    Ok(())
}

fn fired_by_size<DB: DrawingBackend>(area: &Area<DB>, summary: &Summary) -> Drawn {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    area.fill(&WHITE).map_err(e)?;
    let scales = summary.scales.len();
    // Per size, objects fired by each scale and by none (the last column).
    let counts = summary.fired_by_size();
    let top = counts.iter().flatten().copied().max().unwrap_or(0).max(1);
    let mut chart = ChartBuilder::on(area)
        .caption(
            "Which scale fired, by object size (COCO buckets)",
            (FONT, 16),
        )
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(-0.5..scales as f64 + 0.5, 0.0..top as f64 * 1.1)
        .map_err(e)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(4 * (scales + 1))
        // Groups are centred on whole numbers: only those get a label.
        .x_label_formatter(&|x| {
            let s = x.round();
            match s as usize {
                _ if (x - s).abs() > 1e-6 || s < 0.0 => String::new(),
                k if k < scales => format!("scale {k}"),
                k if k == scales => "none".to_string(),
                _ => String::new(),
            }
        })
        .y_desc("objects")
        .label_style((FONT, 12))
        .draw()
        .map_err(e)?;
    let colours = [
        RGBColor(230, 120, 40),
        RGBColor(60, 140, 200),
        RGBColor(90, 170, 90),
    ];
    for (k, (size, row)) in SizeBucket::ALL.iter().zip(&counts).enumerate() {
        let colour = colours[k];
        let bars = row.iter().enumerate().map(|(s, &n)| {
            let x0 = s as f64 - 0.4 + 0.27 * k as f64;
            Rectangle::new([(x0, 0.0), (x0 + 0.25, n as f64)], colour.filled())
        });
        chart
            .draw_series(bars)
            .map_err(e)?
            .label(format!("{} ({})", size.name(), row.iter().sum::<usize>()))
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], colour.filled()));
    }
    draw_legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    Ok(())
}

fn spread<DB: DrawingBackend>(area: &Area<DB>, summary: &Summary) -> Drawn {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    area.fill(&WHITE).map_err(e)?;
    let halves = area.split_evenly((1, 2));
    let panels = [
        ("Entropy of each query's attention (1 = uniform)", 1.0, true),
        (
            "Distance each query looks (image fractions)",
            MAX_DISTANCE,
            false,
        ),
    ];
    for (half, (title, max, entropy)) in halves.iter().zip(panels) {
        let shares: Vec<(usize, Vec<f64>)> = (summary.scales.iter())
            .filter_map(|s| {
                let h = if entropy {
                    &s.entropy_histogram
                } else {
                    &s.distance_histogram
                };
                let total: u64 = h.iter().sum();
                (total > 0).then(|| {
                    (
                        s.index,
                        h.iter().map(|&n| n as f64 / total as f64).collect(),
                    )
                })
            })
            .collect();
        let top = shares
            .iter()
            .flat_map(|(_, v)| v)
            .copied()
            .fold(0.0, f64::max)
            .max(0.05);
        let mut chart = ChartBuilder::on(half)
            .caption(title, (FONT, 15))
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(50)
            .build_cartesian_2d(0.0..max, 0.0..top * 1.1)
            .map_err(e)?;
        chart
            .configure_mesh()
            .y_desc("share of queries")
            .label_style((FONT, 12))
            .draw()
            .map_err(e)?;
        for (k, (scale, values)) in shares.iter().enumerate() {
            let colour = Palette99::pick(k).to_rgba();
            let width = max / BINS as f64;
            let points = values
                .iter()
                .enumerate()
                .map(|(b, &v)| ((b as f64 + 0.5) * width, v));
            chart
                .draw_series(LineSeries::new(points, colour.stroke_width(2)))
                .map_err(e)?
                .label(format!("scale {scale}"))
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 15, y)], colour));
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{Grid, ObjectAttention, ObjectRecord, Spread};

    #[test]
    fn lift_colours_diverge_around_one() {
        assert_eq!(lift_colour(1.0), RGBColor(255, 255, 255));
        assert_eq!(lift_colour(4.0), RGBColor(255, 60, 50));
        assert_eq!(lift_colour(0.25), RGBColor(40, 90, 255));
        assert_eq!(lift_colour(100.0), lift_colour(4.0), "saturates");
    }

    #[test]
    fn the_charts_are_written_as_png_and_svg_with_the_frequent_classes() {
        let object = |class: &str, side: f32, fired: Option<usize>| ObjectRecord {
            image: "a.jpg".into(),
            class: class.into(),
            bbox: [0.0, 0.0, side, side],
            size: SizeBucket::of([0.0, 0.0, side, side]),
            source: "gt",
            fired_scale: fired,
            per_scale: vec![
                ObjectAttention {
                    cells: 1,
                    inside_mass: 0.5,
                    lift: 2.0,
                    received_share: 0.25,
                };
                2
            ],
        };
        let mut objects: Vec<ObjectRecord> = (0..6).map(|_| object("cat", 20.0, Some(0))).collect();
        objects.extend((0..2).map(|_| object("dog", 200.0, None)));
        let grids = [Grid { h: 2, w: 2 }, Grid { h: 1, w: 1 }];
        let mut spread = Spread::default();
        spread.add_map(&[0.25; 16], grids[0]);
        let s = Summary::new("m".into(), vec![], 1, &grids, &[spread], objects);
        assert_eq!(
            heatmap_classes(&s),
            [("cat".to_string(), 6)],
            "dogs are too few"
        );
        let dir = std::env::temp_dir().join(format!("assd-plots-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let written = write_plots(&s, &dir).unwrap();
        let names: Vec<String> = (written.iter())
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        for name in ["lift_by_class", "fired_by_size", "spread"] {
            assert!(names.contains(&format!("{name}.png")), "{names:?}");
            assert!(names.contains(&format!("{name}.svg")), "{names:?}");
        }
        let svg = std::fs::read_to_string(dir.join("lift_by_class.svg")).unwrap();
        assert!(
            svg.contains("cat (6)") && !svg.contains("dog"),
            "the row labels"
        );
        assert!(svg.contains("2.00"), "the cell values");
        let png = image::open(dir.join("fired_by_size.png")).unwrap();
        assert_eq!((png.width(), png.height()), (900, 480));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
