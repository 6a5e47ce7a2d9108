//! assd patch: 2D f32 depthwise convolution (one filter per channel, groups = channels) that
//! takes its padding as given, asymmetric included, and works one output row at a time.
//!
//! Why: MobileNet's 3×3 depthwise layers ran at 3-13 GFLOP/s through Flex 0.22.1 (about 6 ms
//! of ASSD-MobileNet's forward pass on a 2-core Intel Xeon). TensorFlow's "SAME" padding on
//! even maps with stride 2 is asymmetric (nothing at the top/left, one row/column at the
//! bottom/right), which Flex serves by copying the whole input into a padded tensor first;
//! and its per-plane loop re-reads the output plane once per tap, in loops compiled for
//! baseline x86-64: one short loop per output row and tap, most of MobileNet's maps being
//! 19×19 or 10×10. Here each plane's padded input is split into stride×stride phase planes, so
//! that every tap becomes one long multiply-add over a contiguous run (see [`Plane`]), inside
//! macerator's SIMD dispatch.
//!
//! The sum of each output is formed in Flex's order (taps by kernel row then column, from
//! zero, bias last), with the same multiply and add per tap, so results are those of Flex's
//! depthwise path bit for bit. With a non-finite weight and padding, skipping the padded
//! taps would lose the NaN that `0 · inf` gives: `applies` leaves those to Flex.

use alloc::vec::Vec;
use core::mem::MaybeUninit;
use burn_backend::DType;
use burn_std::{Bytes, Shape};

use crate::{FlexTensor, Layout};

/// Stride, padding (begin, end) and dilation per spatial axis (height, width).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Conv2dArgs {
    pub stride: [usize; 2],
    pub padding: [(usize, usize); 2],
    pub dilation: [usize; 2],
}

impl Conv2dArgs {
    /// Output length along `axis` for input `len` and kernel `k`, or None when the
    /// (padded) input is shorter than the kernel's reach.
    pub(crate) fn out_len(&self, axis: usize, len: usize, k: usize) -> Option<usize> {
        let (begin, end) = self.padding[axis];
        let reach = self.dilation[axis] * (k.max(1) - 1) + 1;
        let padded = len + begin + end;
        (padded >= reach && self.stride[axis] > 0).then(|| (padded - reach) / self.stride[axis] + 1)
    }
}

/// Canonical 2D depthwise: `x` `[b, c, h, w]`, `weight` `[c, 1, kh, kw]`, groups = c, output
/// non-empty, and no non-finite weight when there is padding.
pub(crate) fn applies(
    x: &FlexTensor,
    weight: &FlexTensor,
    groups: usize,
    args: &Conv2dArgs,
) -> bool {
    let (xs, ws) = (x.layout().shape(), weight.layout().shape());
    if xs.len() != 4 || ws.len() != 4 {
        return false;
    }
    let c = xs[1];
    if groups != c || ws[0] != c || ws[1] != 1 || c == 0 || xs[0] == 0 {
        return false;
    }
    let (Some(oh), Some(ow)) = (args.out_len(0, xs[2], ws[2]), args.out_len(1, xs[3], ws[3]))
    else {
        return false;
    };
    if oh == 0 || ow == 0 {
        return false;
    }
    let padded = args.padding.iter().any(|&(b, e)| b != 0 || e != 0);
    if padded {
        let weight = weight.to_contiguous();
        let w: &[f32] = weight.storage();
        if w.iter().any(|v| !v.is_finite()) {
            return false;
        }
    }
    true
}

/// One plane's geometry, and where its taps read in the phase planes.
///
/// With stride s and dilation d, output (oh, ow) of tap (kh, kw) reads the zero-padded input P
/// at (oh·s + kh·d, ow·s + kw·d). Split P into s×s phase planes
/// `Q_ab[r][c] = P[r·s + a][c·s + b]`, each `q_h × q_w`; the tap then reads
/// `Q_{(kh·d) mod s, (kw·d) mod s}` at (oh + ⌊kh·d/s⌋, ow + ⌊kw·d/s⌋). Computing outputs on
/// rows `q_w` wide (the columns past `out_w` are discarded), every tap is one multiply-add over
/// a contiguous run of `out_h · q_w` values at a fixed offset.
#[derive(Clone, Copy)]
struct Plane {
    in_h: usize,
    in_w: usize,
    k_h: usize,
    k_w: usize,
    out_h: usize,
    out_w: usize,
    q_h: usize,
    q_w: usize,
    args: Conv2dArgs,
}

impl Plane {
    fn new(input: [usize; 2], kernel: [usize; 2], output: [usize; 2], args: Conv2dArgs) -> Plane {
        let reach = |axis: usize| (kernel[axis].max(1) - 1) * args.dilation[axis] / args.stride[axis];
        Plane {
            in_h: input[0],
            in_w: input[1],
            k_h: kernel[0],
            k_w: kernel[1],
            out_h: output[0],
            out_w: output[1],
            q_h: output[0] + reach(0),
            q_w: output[1] + reach(1),
            args,
        }
    }

    /// Values per phase plane: `q_h` rows and one zero row of slack, so that every tap's run
    /// of `out_h · q_w` stays inside its phase.
    fn phase_len(&self) -> usize {
        (self.q_h + 1) * self.q_w
    }

    /// Scratch for one plane: the phase planes, then the `out_h × q_w` accumulator.
    fn scratch_len(&self) -> usize {
        self.args.stride[0] * self.args.stride[1] * self.phase_len() + self.out_h * self.q_w
    }

    /// Fills the phase planes of the zero-padded `input` into `q`. Inlined into the caller's
    /// SIMD context, so the copies are compiled for its vectors.
    #[inline(always)]
    fn fill_phases(&self, input: &[f32], q: &mut [f32]) {
        let [s_h, s_w] = self.args.stride;
        let [(top, _), (left, _)] = self.args.padding;
        let len = self.phase_len();
        for a in 0..s_h {
            for b in 0..s_w {
                let phase = &mut q[(a * s_w + b) * len..][..len];
                for (r, dst) in phase.chunks_exact_mut(self.q_w).enumerate() {
                    let ih = (r * s_h + a)
                        .checked_sub(top)
                        .filter(|&ih| ih < self.in_h && r < self.q_h);
                    let Some(ih) = ih else {
                        dst.fill(0.0);
                        continue;
                    };
                    let src = &input[ih * self.in_w..][..self.in_w];
                    if s_w == 1 {
                        // Column c holds src[c − left] where that is inside the row.
                        let first = left.min(self.q_w);
                        let end = (left + self.in_w).min(self.q_w);
                        dst[..first].fill(0.0);
                        dst[first..end].copy_from_slice(&src[..end - first]);
                        dst[end..].fill(0.0);
                    } else {
                        // Column c holds src[c·s + b − left]: zeros, a strided run, zeros.
                        let first = left.saturating_sub(b).div_ceil(s_w).min(self.q_w);
                        let end = (self.in_w + left)
                            .saturating_sub(b)
                            .div_ceil(s_w)
                            .clamp(first, self.q_w);
                        dst[..first].fill(0.0);
                        let start = (first * s_w + b).saturating_sub(left);
                        let run = &mut dst[first..end];
                        if let Some(last) = run.len().checked_sub(1) {
                            let src = &src[start..=start + last * s_w];
                            if s_w == 2 {
                                // A constant stride, which the compiler turns into vector
                                // loads and shuffles (MobileNet's stride-2 layers).
                                for (i, d) in run.iter_mut().enumerate() {
                                    // SAFETY: 2i ≤ 2·last, the slice's last index.
                                    *d = unsafe { *src.get_unchecked(2 * i) };
                                }
                            } else {
                                for (i, d) in run.iter_mut().enumerate() {
                                    // SAFETY: i·s_w ≤ last·s_w, the slice's last index.
                                    *d = unsafe { *src.get_unchecked(i * s_w) };
                                }
                            }
                        }
                        dst[end..].fill(0.0);
                    }
                }
            }
        }
    }
}

/// `[b, c, h, w]` ⊛ `[c, 1, kh, kw]` (+ bias `[c]`) → `[b, c, out_h, out_w]`. Call only where
/// [`applies`] holds.
pub(crate) fn depthwise2d_f32(
    x: FlexTensor,
    weight: FlexTensor,
    bias: Option<FlexTensor>,
    args: &Conv2dArgs,
) -> FlexTensor {
    let x = x.to_contiguous();
    let weight = weight.to_contiguous();
    let (xs, ws) = (x.layout().shape(), weight.layout().shape());
    let (batch, channels, in_h, in_w) = (xs[0], xs[1], xs[2], xs[3]);
    let (k_h, k_w) = (ws[2], ws[3]);
    let out_h = args.out_len(0, in_h, k_h).unwrap_or(0);
    let out_w = args.out_len(1, in_w, k_w).unwrap_or(0);
    let plane = Plane::new([in_h, in_w], [k_h, k_w], [out_h, out_w], *args);
    let out_spatial = out_h * out_w;
    let total = batch * channels * out_spatial;
    let bias = bias.map(|b| b.to_contiguous());
    let bias: Option<&[f32]> = bias.as_ref().map(|b| b.storage());
    let x_data: &[f32] = x.storage();
    let w_data: &[f32] = weight.storage();
    let in_spatial = in_h * in_w;
    let taps = k_h * k_w;

    // Not zeroed: every output is written once, by its plane.
    let mut output: Vec<f32> = Vec::with_capacity(total);
    let uninit = &mut output.spare_capacity_mut()[..total];
    let work = |bc: usize, out: &mut [MaybeUninit<f32>], scratch: &mut Vec<f32>| {
        let c = bc % channels;
        scratch.resize(plane.scratch_len(), 0.0);
        plane_f32(
            out,
            &x_data[bc * in_spatial..][..in_spatial],
            &w_data[c * taps..][..taps],
            bias.map(|b| b[c]),
            plane,
            scratch,
        );
    };
    #[cfg(feature = "rayon")]
    {
        use rayon::prelude::*;
        // Enough planes per task that scheduling stays small next to the work (the 10×10 maps
        // of the deep layers are 100 outputs each).
        let min_planes = (4096 / out_spatial.max(1)).max(1);
        uninit
            .par_chunks_mut(out_spatial.max(1))
            .with_min_len(min_planes)
            .enumerate()
            .for_each_init(Vec::new, |scratch, (bc, out)| work(bc, out, scratch));
    }
    #[cfg(not(feature = "rayon"))]
    {
        let mut scratch = Vec::new();
        for (bc, out) in uninit.chunks_mut(out_spatial.max(1)).enumerate() {
            work(bc, out, &mut scratch);
        }
    }

    // SAFETY: the planes above cover all `total` outputs and `plane_f32` writes every one.
    unsafe { output.set_len(total) };
    FlexTensor::new(
        Bytes::from_elems(output),
        Layout::contiguous(Shape::from(alloc::vec![batch, channels, out_h, out_w])),
        DType::F32,
    )
}

/// One (image, channel) plane into `out` (`out_h × out_w`); `scratch` is
/// [`Plane::scratch_len`] long.
#[cfg_attr(feature = "simd", macerator::with_simd)]
fn plane_f32<#[cfg(feature = "simd")] S: macerator::Simd>(
    out: &mut [MaybeUninit<f32>],
    input: &[f32],
    w: &[f32],
    bias: Option<f32>,
    p: Plane,
    scratch: &mut [f32],
) {
    let [s_h, s_w] = p.args.stride;
    let [d_h, d_w] = p.args.dilation;
    let (q, acc) = scratch.split_at_mut(s_h * s_w * p.phase_len());
    p.fill_phases(input, q);
    // Output rows in blocks whose accumulator stays in L1 (~8 KB) across the taps.
    let block_rows = (2048 / p.q_w).clamp(1, p.out_h.max(1));
    let acc = &mut acc[..p.out_h * p.q_w];
    for (block, acc) in acc.chunks_mut(block_rows * p.q_w).enumerate() {
        let first = block * block_rows * p.q_w;
        acc.fill(0.0);
        // Taps by kernel row, then column, each `input · w + sum`: Flex's order and operations.
        for kh in 0..p.k_h {
            let (a, dr) = ((kh * d_h) % s_h, (kh * d_h) / s_h);
            for kw in 0..p.k_w {
                let (b, dc) = ((kw * d_w) % s_w, (kw * d_w) / s_w);
                let wv = w[kh * p.k_w + kw];
                let start = (a * s_w + b) * p.phase_len() + dr * p.q_w + dc + first;
                let src = &q[start..][..acc.len()];
                for (o, &v) in acc.iter_mut().zip(src) {
                    *o = v * wv + *o;
                }
            }
        }
    }
    for (row, ext) in out.chunks_exact_mut(p.out_w).zip(acc.chunks_exact(p.q_w)) {
        match bias {
            Some(bias) => {
                for (o, &v) in row.iter_mut().zip(ext) {
                    o.write(v + bias);
                }
            }
            None => {
                for (o, &v) in row.iter_mut().zip(ext) {
                    o.write(v);
                }
            }
        }
    }
}
