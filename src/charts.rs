//! Rendering a chart twice, as PNG and SVG, written atomically (plotters, with the bundled
//! font so no system font library is needed).

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;

use crate::export::png_bytes;
use crate::fsutil::write_atomic;

/// The family name charts use for text (the bundled DejaVu Sans Mono Bold).
pub const FONT: &str = "sans-serif";

#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error("drawing {what}: {message}")]
    Draw { what: String, message: String },
    #[error("writing {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

pub type Area<DB> = DrawingArea<DB, Shift>;
/// What a chart's drawing function returns (plotters' error, as text).
pub type Drawn = Result<(), String>;

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bundled font is valid (the binary's own bytes); without it text is left out.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, crate::draw::FONT_BYTES);
    });
}

/// Draws a chart into `png` and `png` with the extension `svg` (atomically); returns both.
/// `draw_png` and `draw_svg` are the same drawing on the two backends.
pub fn render(
    png: &Path,
    (w, h): (u32, u32),
    draw_png: impl Fn(&Area<BitMapBackend<'_>>) -> Drawn,
    draw_svg: impl Fn(&Area<SVGBackend<'_>>) -> Drawn,
) -> Result<Vec<PathBuf>, PlotError> {
    register_font();
    let failed = |message: String| PlotError::Draw {
        what: png.display().to_string(),
        message,
    };
    let mut pixels = vec![0u8; (w * h * 3) as usize];
    {
        let area = BitMapBackend::with_buffer(&mut pixels, (w, h)).into_drawing_area();
        draw_png(&area).map_err(failed)?;
        area.present().map_err(|e| failed(e.to_string()))?;
    }
    let mut text = String::new();
    {
        let area = SVGBackend::with_string(&mut text, (w, h)).into_drawing_area();
        draw_svg(&area).map_err(failed)?;
        area.present().map_err(|e| failed(e.to_string()))?;
    }
    let image = image::RgbImage::from_raw(w, h, pixels)
        .ok_or_else(|| failed("the bitmap has the wrong size".into()))?;
    let png_bytes = png_bytes(&image).map_err(|e| failed(e.to_string()))?;
    let svg = png.with_extension("svg");
    for (path, bytes) in [(png, png_bytes), (svg.as_path(), text.into_bytes())] {
        write_atomic(path, &bytes).map_err(|source| PlotError::Write {
            path: path.to_path_buf(),
            source,
        })?;
    }
    Ok(vec![png.to_path_buf(), svg])
}

/// The chart's legend at `position`, on a light box with the chart font.
pub fn draw_legend<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> Drawn
where
    DB: DrawingBackend + 'a,
    CT: CoordTranslate,
{
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font((FONT, 12))
        .draw()
        .map_err(|e| e.to_string())
}
