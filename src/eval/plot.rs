//! Precision/recall curves (PNG and SVG): the classes with the most ground truth and the mean
//! over all classes, each drawn as the interpolated precision AP integrates (the envelope,
//! as steps), with the legend inside the chart giving each curve's VOC all-point AP.

use std::path::{Path, PathBuf};

use plotters::prelude::*;

use super::ap::PrCurve;
use super::report::Report;
use crate::charts::{Area, Drawn, FONT, PlotError, draw_legend, render};
use crate::draw::class_color;

/// Classes drawn beside the mean (the most frequent).
const SHOWN: usize = 8;

/// The envelope of a curve as steps: precision max(p[i..]) held from recall[i-1] to
/// recall[i], starting at recall 0.
pub fn envelope_steps(curve: &PrCurve) -> Vec<(f64, f64)> {
    let mut envelope = curve.precision.clone();
    for i in (0..envelope.len().saturating_sub(1)).rev() {
        envelope[i] = envelope[i].max(envelope[i + 1]);
    }
    let mut points = Vec::with_capacity(2 * envelope.len() + 1);
    let mut from = 0.0;
    for (&r, &p) in curve.recall.iter().zip(&envelope) {
        if r > from || points.is_empty() {
            points.push((from, p));
            points.push((r, p));
        }
        from = r;
    }
    points
}

/// The mean over classes of the envelope sampled at recall 0, 0.01, …, 1.
pub fn mean_envelope(curves: &[&PrCurve]) -> Vec<(f64, f64)> {
    (0..=100)
        .map(|k| {
            let level = k as f64 / 100.0;
            let sum: f64 = curves
                .iter()
                .map(|c| {
                    let i = c.recall.partition_point(|&r| r < level);
                    c.precision[i.min(c.precision.len())..]
                        .iter()
                        .copied()
                        .fold(0.0, f64::max)
                })
                .sum();
            (level, sum / curves.len().max(1) as f64)
        })
        .collect()
}

/// Writes the chart to `png` and beside it as SVG; returns the files written.
pub fn write_pr_curves(report: &Report, png: &Path) -> Result<Vec<PathBuf>, PlotError> {
    render(
        png,
        (900, 600),
        |a| pr_chart(a, report),
        |a| pr_chart(a, report),
    )
}

fn pr_chart<DB: DrawingBackend>(area: &Area<DB>, report: &Report) -> Drawn {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    area.fill(&WHITE).map_err(e)?;
    let mut scored: Vec<(usize, &super::report::ClassResult)> = (report.classes.iter())
        .enumerate()
        .filter(|(_, c)| c.positives > 0)
        .collect();
    scored.sort_by(|a, b| b.1.positives.cmp(&a.1.positives).then(a.0.cmp(&b.0)));
    let mut chart = ChartBuilder::on(area)
        .caption(
            format!(
                "Precision/recall (VOC matching, IoU > 0.5): the {} most frequent of {} classes",
                scored.len().min(SHOWN),
                scored.len()
            ),
            (FONT, 16),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..1.0, 0.0..1.02)
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc("recall")
        .y_desc("interpolated precision")
        .label_style((FONT, 12))
        .draw()
        .map_err(e)?;
    for (class, result) in scored.iter().take(SHOWN) {
        let [r, g, b] = class_color(class + 1);
        let colour = RGBColor(r, g, b);
        chart
            .draw_series(LineSeries::new(
                envelope_steps(&result.curve),
                colour.stroke_width(2),
            ))
            .map_err(e)?
            .label(format!(
                "{} ({} GT): AP {:.3}",
                result.class, result.positives, result.ap_voc_all
            ))
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], colour.stroke_width(2)));
    }
    let curves: Vec<&PrCurve> = scored.iter().map(|(_, c)| &c.curve).collect();
    if !curves.is_empty() {
        chart
            .draw_series(LineSeries::new(
                mean_envelope(&curves),
                BLACK.stroke_width(3),
            ))
            .map_err(e)?
            .label(format!(
                "mean of {} classes: mAP {:.3}",
                curves.len(),
                report.map_voc_all
            ))
            .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], BLACK.stroke_width(3)));
    }
    draw_legend(&mut chart, SeriesLabelPosition::LowerLeft)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_envelope_is_drawn_as_steps_from_recall_zero() {
        // Precision 1, ½, ⅔, ½ at recall ⅓, ⅓, ⅔, ⅔: envelope 1 up to ⅓, ⅔ up to ⅔.
        let third = 1.0 / 3.0;
        let curve = PrCurve {
            recall: vec![third, third, 2.0 * third, 2.0 * third],
            precision: vec![1.0, 0.5, 2.0 / 3.0, 0.5],
            positives: 3,
        };
        let steps = envelope_steps(&curve);
        assert_eq!(
            steps,
            [
                (0.0, 1.0),
                (third, 1.0),
                (third, 2.0 / 3.0),
                (2.0 * third, 2.0 / 3.0)
            ]
        );
        // The mean of the curve with itself is the curve, sampled: ⅔ at recall 0.5, 0 past ⅔.
        let mean = mean_envelope(&[&curve, &curve]);
        assert_eq!(mean[0], (0.0, 1.0));
        assert_eq!(mean[50], (0.5, 2.0 / 3.0));
        assert_eq!(mean[70].1, 0.0);
    }
}
