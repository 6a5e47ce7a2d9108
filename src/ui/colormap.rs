//! Colormaps for attention heatmaps, as piecewise-linear ramps through published anchor colours.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Colormap {
    #[default]
    Viridis,
    Turbo,
    Jet,
    Grey,
}

impl Colormap {
    pub const ALL: [Colormap; 4] = [
        Colormap::Viridis,
        Colormap::Turbo,
        Colormap::Jet,
        Colormap::Grey,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Colormap::Viridis => "viridis",
            Colormap::Turbo => "turbo",
            Colormap::Jet => "jet",
            Colormap::Grey => "grey",
        }
    }

    /// The ramp's anchor colours (0xRRGGBB), evenly spaced over [0, 1].
    pub fn anchors(self) -> &'static [u32] {
        match self {
            // matplotlib's viridis at 0, 1/8, …, 1.
            Colormap::Viridis => &[
                0x440154, 0x472d7b, 0x3b528b, 0x2c728e, 0x21918c, 0x28ae80, 0x5ec962, 0xaddc30,
                0xfde725,
            ],
            // Google's turbo at 0, 1/9, …, 1.
            Colormap::Turbo => &[
                0x30123b, 0x4662d7, 0x36aaf9, 0x1ae4b6, 0x72fe5e, 0xc8ef34, 0xfaba39, 0xf66b19,
                0xca2a04, 0x7a0403,
            ],
            // MATLAB's jet.
            Colormap::Jet => &[
                0x00007f, 0x0000ff, 0x007fff, 0x00ffff, 0x7fff7f, 0xffff00, 0xff7f00, 0xff0000,
                0x7f0000,
            ],
            Colormap::Grey => &[0x000000, 0xffffff],
        }
    }

    /// Colour of `value / max` raised to `gamma` (the heatmaps' mapping).
    pub fn rgb_scaled(self, value: f32, max: f32, gamma: f32) -> [u8; 3] {
        let max = if max > 0.0 { max } else { 1.0 };
        self.rgb((value / max).clamp(0.0, 1.0).powf(gamma))
    }

    /// Colour of `t` ∈ [0, 1] (clamped; NaN maps to 0).
    pub fn rgb(self, t: f32) -> [u8; 3] {
        let anchors = self.anchors();
        let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
        let x = t * (anchors.len() - 1) as f32;
        let i = (x.floor() as usize).min(anchors.len() - 2);
        let f = x - i as f32;
        let (a, b) = (anchors[i], anchors[i + 1]);
        let channel = |shift: u32| {
            let (ca, cb) = (((a >> shift) & 0xff) as f32, ((b >> shift) & 0xff) as f32);
            (ca + (cb - ca) * f).round() as u8
        };
        [channel(16), channel(8), channel(0)]
    }
}

#[cfg(test)]
mod tests {
    use super::Colormap;

    #[test]
    fn ends_and_midpoints_hit_the_anchors() {
        assert_eq!(Colormap::Viridis.rgb(0.0), [0x44, 0x01, 0x54]);
        assert_eq!(Colormap::Viridis.rgb(1.0), [0xfd, 0xe7, 0x25]);
        assert_eq!(Colormap::Viridis.rgb(0.5), [0x21, 0x91, 0x8c]);
        assert_eq!(Colormap::Grey.rgb(0.5), [128, 128, 128]);
        assert_eq!(Colormap::Jet.rgb(2.0), Colormap::Jet.rgb(1.0));
        assert_eq!(Colormap::Turbo.rgb(f32::NAN), Colormap::Turbo.rgb(0.0));
        // 0.25 of the maximum with γ = 0.5 maps to the middle of the ramp.
        assert_eq!(Colormap::Grey.rgb_scaled(1.0, 4.0, 0.5), [128, 128, 128]);
        assert_eq!(Colormap::Grey.rgb_scaled(1.0, 0.0, 1.0), [255, 255, 255]);
    }
}
