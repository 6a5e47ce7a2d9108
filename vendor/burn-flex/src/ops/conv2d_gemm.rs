//! assd patch: 2D f32 convolution (groups = 1) as im2col tiles, each multiplied by one gemm
//! call that writes straight into the NCHW output.
//!
//! Why: Burn Flex 0.22.1's general path converts the whole input to NHWC on one thread,
//! reorders the weights on every call, multiplies 512-position tiles and scatters each result
//! column by column into the output; its 1×1 path hands one large gemm to the gemm crate's
//! own threading. On a 2-core AMD EPYC that ran ResNet-101's 3×3 convolutions at 40-76 GFLOP/s
//! and its 1×1 ones at ~100 (gemm alone reaches ~200 there). Here:
//! - the weights `[c_out, c_in, kh, kw]` are already the gemm's left operand
//!   `[c_out, c_in·kh·kw]` when im2col rows are ordered (c_in, kh, kw), so nothing is reordered;
//! - im2col reads NCHW rows directly (a contiguous copy per output row when stride is 1);
//! - each thread owns whole tiles of output positions: it fills its tile's columns (sized to
//!   stay in cache) and runs a single-threaded gemm whose destination is the output itself
//!   (row stride = output plane size), so there is no result buffer and no scatter;
//! - a 1×1, stride-1, unpadded convolution multiplies the input in place (no im2col);
//! - the output is not zeroed: each tile writes its bias (if any) into its own columns and the
//!   gemm writes, or accumulates onto the bias.
//!
//! Maps too small to give each thread a useful tile fall back to one gemm at a time with the
//! gemm crate's threading.

use alloc::vec;
use alloc::vec::Vec;
use burn_backend::DType;
use burn_backend::ops::ConvOptions;
use burn_std::{Bytes, Shape};

use super::depthwise2d::Conv2dArgs;
use crate::{FlexTensor, Layout};

/// Bytes of im2col columns one tile may hold (a tile is filled and consumed by one thread).
const TILE_BYTES: usize = 2 << 20;
/// Below this many output positions per tile, one gemm over the whole map with the gemm
/// crate's own threads is faster than per-thread tiles.
const MIN_TILE_POSITIONS: usize = 64;

/// The 2D convolutions this path takes, from Flex's 3D entry point: f32 is checked by the
/// caller; 3D shapes that are 2D (depth 1, kernel depth 1), one group, symmetric padding.
pub(crate) fn applies(x_shape: &[usize], w_shape: &[usize], options: &ConvOptions<3>) -> bool {
    x_shape.len() == 5
        && w_shape.len() == 5
        && x_shape[2] == 1
        && w_shape[2] == 1
        && options.groups == 1
        && options.stride[0] == 1
        && options.padding_begin()[0] == 0
        && options.padding_end() == options.padding_begin()
        && x_shape[1] == w_shape[1]
}

/// The same from the 2D entry point, where padding may be asymmetric (TensorFlow's "SAME"
/// with stride 2 on even maps): `[b, c_in, h, w]` ⊛ `[c_out, c_in, kh, kw]`, one group, a
/// non-empty output.
pub(crate) fn applies_2d(
    x_shape: &[usize],
    w_shape: &[usize],
    groups: usize,
    args: &Conv2dArgs,
) -> bool {
    x_shape.len() == 4
        && w_shape.len() == 4
        && groups == 1
        && x_shape[1] == w_shape[1]
        && args
            .out_len(0, x_shape[2], w_shape[2])
            .is_some_and(|n| n > 0)
        && args
            .out_len(1, x_shape[3], w_shape[3])
            .is_some_and(|n| n > 0)
}

/// Flex's 3D options of a 2D convolution as [`Conv2dArgs`].
pub(crate) fn args_of_3d(options: &ConvOptions<3>) -> Conv2dArgs {
    Conv2dArgs {
        stride: [options.stride[1], options.stride[2]],
        padding: [options.padding[1], options.padding[2]],
        dilation: [options.dilation[1], options.dilation[2]],
    }
}

/// One image's convolution geometry.
#[derive(Clone, Copy)]
struct Geometry {
    c_in: usize,
    in_h: usize,
    in_w: usize,
    k_h: usize,
    k_w: usize,
    stride_h: usize,
    stride_w: usize,
    pad_h: usize,
    pad_w: usize,
    dil_h: usize,
    dil_w: usize,
    out_h: usize,
    out_w: usize,
}

impl Geometry {
    fn is_pointwise(&self) -> bool {
        self.k_h == 1
            && self.k_w == 1
            && self.stride_h == 1
            && self.stride_w == 1
            && self.pad_h == 0
            && self.pad_w == 0
    }

    /// Fills `col` (`[c_in·k_h·k_w, len]`, row-major) with the input values that output
    /// positions `start..start + len` (flattened `oh·out_w + ow`) see; zeros where padding.
    fn im2col(&self, x: &[f32], start: usize, len: usize, col: &mut [f32]) {
        let plane = self.in_h * self.in_w;
        let taps = self.k_h * self.k_w;
        for c in 0..self.c_in {
            let x_c = &x[c * plane..(c + 1) * plane];
            for kh in 0..self.k_h {
                for kw in 0..self.k_w {
                    let row = &mut col[(c * taps + kh * self.k_w + kw) * len..][..len];
                    self.fill_row(x_c, kh, kw, start, row);
                }
            }
        }
    }

    /// One im2col row: tap (kh, kw) of one input channel for `row.len()` output positions.
    fn fill_row(&self, x_c: &[f32], kh: usize, kw: usize, start: usize, row: &mut [f32]) {
        let w_off = (kw * self.dil_w) as isize - self.pad_w as isize;
        let mut done = 0;
        while done < row.len() {
            let pos = start + done;
            let (oh, ow0) = (pos / self.out_w, pos % self.out_w);
            let seg = (self.out_w - ow0).min(row.len() - done);
            let dst = &mut row[done..done + seg];
            done += seg;
            let ih = (oh * self.stride_h + kh * self.dil_h) as isize - self.pad_h as isize;
            if ih < 0 || ih as usize >= self.in_h {
                dst.fill(0.0);
                continue;
            }
            let src = &x_c[ih as usize * self.in_w..][..self.in_w];
            if self.stride_w == 1 {
                // Output columns ow with 0 <= ow + w_off < in_w read src contiguously.
                let first = ((-w_off).max(0) as usize).clamp(ow0, ow0 + seg);
                let end = ((self.in_w as isize - w_off).max(0) as usize).clamp(first, ow0 + seg);
                dst[..first - ow0].fill(0.0);
                if end > first {
                    let a = (first as isize + w_off) as usize;
                    let b = (end as isize + w_off) as usize;
                    dst[first - ow0..end - ow0].copy_from_slice(&src[a..b]);
                }
                dst[end - ow0..].fill(0.0);
            } else {
                for (i, d) in dst.iter_mut().enumerate() {
                    let iw = ((ow0 + i) * self.stride_w) as isize + w_off;
                    *d = if iw >= 0 && (iw as usize) < self.in_w {
                        src[iw as usize]
                    } else {
                        0.0
                    };
                }
            }
        }
    }
}

/// Output base pointer shared by the threads; each writes only its own columns.
#[derive(Clone, Copy)]
struct OutPtr(*mut f32);
// SAFETY: tiles cover disjoint output columns, so no two threads write the same element.
unsafe impl Send for OutPtr {}
unsafe impl Sync for OutPtr {}
impl OutPtr {
    fn get(self) -> *mut f32 {
        self.0
    }
}

/// `[batch, c_in, 1, h, w]` ⊛ `[c_out, c_in, 1, k_h, k_w]` → `[batch, c_out, 1, out_h, out_w]`,
/// or the same without the depth axis (`[batch, c_in, h, w]` …), as the input comes.
pub(crate) fn conv2d_f32(
    x: FlexTensor,
    weight: FlexTensor,
    bias: Option<FlexTensor>,
    args: &Conv2dArgs,
) -> FlexTensor {
    let x = x.to_contiguous();
    let weight = weight.to_contiguous();
    let x_shape = x.layout().shape();
    let w_shape = weight.layout().shape();
    let with_depth = x_shape.len() == 5;
    let (h_axis, w_axis) = if with_depth { (3, 4) } else { (2, 3) };
    let (batch, c_in, in_h, in_w) = (x_shape[0], x_shape[1], x_shape[h_axis], x_shape[w_axis]);
    let (c_out, k_h, k_w) = (w_shape[0], w_shape[h_axis], w_shape[w_axis]);
    let [(pad_h, _), (pad_w, _)] = args.padding;
    let [stride_h, stride_w] = args.stride;
    let [dil_h, dil_w] = args.dilation;
    let g = Geometry {
        c_in,
        in_h,
        in_w,
        k_h,
        k_w,
        stride_h,
        stride_w,
        pad_h,
        pad_w,
        dil_h,
        dil_w,
        out_h: args.out_len(0, in_h, k_h).unwrap_or(0),
        out_w: args.out_len(1, in_w, k_w).unwrap_or(0),
    };
    let n = g.out_h * g.out_w;
    let k = c_in * k_h * k_w;
    let in_len = c_in * in_h * in_w;
    let out_len = c_out * n;
    let total = batch
        .checked_mul(out_len)
        .expect("conv: output tensor dimensions would overflow index calculations");

    let bias = bias.map(|b| b.to_contiguous());
    let bias: Option<&[f32]> = bias.as_ref().map(|b| b.storage());
    // Every output element is written by exactly one tile's gemm (below), so the buffer is not
    // zeroed first: a memset on one thread would cost as much as a small convolution.
    let mut output: Vec<f32> = Vec::with_capacity(total);
    if k == 0 {
        output.resize(total, 0.0);
        if let Some(bias) = bias {
            for image in output.chunks_mut(out_len.max(1)) {
                for (plane, &b) in image.chunks_mut(n.max(1)).zip(bias) {
                    plane.fill(b);
                }
            }
        }
    }

    if total > 0 && k > 0 {
        let x_data: &[f32] = x.storage();
        let w_data: &[f32] = weight.storage();
        let pointwise = g.is_pointwise();
        let threads = thread_count();
        // Tile length: split each image's positions evenly over the threads, in as many
        // rounds as it takes for one tile's columns to fit TILE_BYTES.
        let per_thread = n.div_ceil(threads);
        let rounds = if pointwise {
            1
        } else {
            (4 * k * per_thread).div_ceil(TILE_BYTES).max(1)
        };
        let tile = n.div_ceil(threads * rounds).max(1);
        let out = OutPtr(output.as_mut_ptr());

        // Multiplies tile `t` of image `b` (columns `start..start + len` of its output).
        let run =
            |b: usize, start: usize, len: usize, col: &mut Vec<f32>, par: gemm::Parallelism| {
                let x_b = &x_data[b * in_len..(b + 1) * in_len];
                let (rhs, rhs_rs) = if pointwise {
                    (x_b[start..].as_ptr(), n as isize)
                } else {
                    col.resize(k * len, 0.0);
                    g.im2col(x_b, start, len, col);
                    (col.as_ptr(), len as isize)
                };
                let dst = out.get().wrapping_add(b * out_len + start);
                if let Some(bias) = bias {
                    for (co, &value) in bias.iter().enumerate() {
                        // SAFETY: row co of this tile: output[b, co, start..start + len], inside the
                        // allocation and written by this tile only; still uninitialised, hence
                        // MaybeUninit (an `&mut [f32]` over it would be undefined behaviour).
                        let row = unsafe {
                            core::slice::from_raw_parts_mut(
                                dst.add(co * n).cast::<core::mem::MaybeUninit<f32>>(),
                                len,
                            )
                        };
                        row.fill(core::mem::MaybeUninit::new(value));
                    }
                }
                // SAFETY: dst = output[b, :, start..start + len] (row stride n) lies inside
                // `output`; lhs is [c_out, k] and rhs [k, len] with the strides given. Without a
                // bias the gemm only writes (read_dst = false), so the unset memory is never read.
                unsafe {
                    gemm::gemm(
                        c_out,
                        len,
                        k,
                        dst,
                        1,
                        n as isize,
                        bias.is_some(),
                        w_data.as_ptr(),
                        1,
                        k as isize,
                        rhs,
                        1,
                        rhs_rs,
                        1.0,
                        1.0,
                        false,
                        false,
                        false,
                        par,
                    );
                }
            };

        if threads > 1 && tile >= MIN_TILE_POSITIONS {
            let tiles_per_image = n.div_ceil(tile);
            run_tiles(batch * tiles_per_image, |t, col| {
                let (b, start) = (t / tiles_per_image, (t % tiles_per_image) * tile);
                run(b, start, tile.min(n - start), col, gemm::Parallelism::None);
            });
        } else {
            // Small maps: whole-map tiles (bounded by TILE_BYTES), gemm's own threading.
            let tile = if pointwise {
                n
            } else {
                n.min((TILE_BYTES / (4 * k)).max(MIN_TILE_POSITIONS))
            };
            let mut col = Vec::new();
            for b in 0..batch {
                for start in (0..n).step_by(tile) {
                    run(b, start, tile.min(n - start), &mut col, parallelism());
                }
            }
        }
    }

    if k > 0 {
        // SAFETY: the tiles above cover every (image, output channel, position) once and each
        // gemm wrote its block (f32 has no invalid bit patterns).
        unsafe { output.set_len(total) };
    }
    let out_shape = if with_depth {
        Shape::from(vec![batch, c_out, 1, g.out_h, g.out_w])
    } else {
        Shape::from(vec![batch, c_out, g.out_h, g.out_w])
    };
    FlexTensor::new(
        Bytes::from_elems(output),
        Layout::contiguous(out_shape),
        DType::F32,
    )
}

#[cfg(feature = "rayon")]
fn thread_count() -> usize {
    rayon::current_num_threads()
}

#[cfg(not(feature = "rayon"))]
fn thread_count() -> usize {
    1
}

#[cfg(feature = "rayon")]
fn parallelism() -> gemm::Parallelism {
    gemm::Parallelism::Rayon(0)
}

#[cfg(not(feature = "rayon"))]
fn parallelism() -> gemm::Parallelism {
    gemm::Parallelism::None
}

/// Runs `f(tile, scratch)` for every tile, one scratch buffer per worker.
#[cfg(feature = "rayon")]
fn run_tiles(count: usize, f: impl Fn(usize, &mut Vec<f32>) + Send + Sync) {
    use rayon::prelude::*;
    (0..count)
        .into_par_iter()
        .for_each_init(Vec::new, |col, t| f(t, col));
}

#[cfg(not(feature = "rayon"))]
fn run_tiles(count: usize, f: impl Fn(usize, &mut Vec<f32>)) {
    let mut col = Vec::new();
    for t in 0..count {
        f(t, &mut col);
    }
}
