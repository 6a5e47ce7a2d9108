//! The CPU kernels this project patches into Burn Flex (`vendor/burn-flex`), against
//! references computed here.
//!
//! Convolutions use small integers for inputs, weights and biases: every partial sum is an
//! integer below 2^24, so f32 arithmetic is exact in any summation order and the result must
//! equal the reference exactly, on any CPU. A misplaced tap, a lost channel or a wrong padding
//! row cannot hide inside a tolerance.

use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2dConfig;
use burn::tensor::activation::softmax;
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Device, Tensor, TensorData};

/// Deterministic integers in -3..=3.
fn ints(len: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s % 7) as f32 - 3.0
        })
        .collect()
}

struct Case {
    batch: usize,
    c_in: usize,
    h: usize,
    w: usize,
    c_out: usize,
    k: [usize; 2],
    stride: [usize; 2],
    /// (before, after) per axis: TensorFlow's SAME pads more after than before.
    pad: [(usize, usize); 2],
    dilation: [usize; 2],
    /// 1, or `c_in` = `c_out` (depthwise).
    groups: usize,
    bias: bool,
}

/// The direct sum, in f64.
#[allow(clippy::needless_range_loop)]
fn reference(c: &Case, x: &[f32], w: &[f32], b: &[f32]) -> (Vec<f32>, [usize; 2]) {
    let span = |len: usize, axis: usize| {
        (len + c.pad[axis].0 + c.pad[axis].1 - c.dilation[axis] * (c.k[axis] - 1) - 1)
            / c.stride[axis]
            + 1
    };
    let (out_h, out_w) = (span(c.h, 0), span(c.w, 1));
    let (in_per_group, out_per_group) = (c.c_in / c.groups, c.c_out / c.groups);
    let mut out = vec![0.0f32; c.batch * c.c_out * out_h * out_w];
    for n in 0..c.batch {
        for o in 0..c.c_out {
            let group = o / out_per_group;
            for y in 0..out_h {
                for xx in 0..out_w {
                    let mut acc = if c.bias { b[o] as f64 } else { 0.0 };
                    for j in 0..in_per_group {
                        let i = group * in_per_group + j;
                        for ky in 0..c.k[0] {
                            for kx in 0..c.k[1] {
                                let iy = (y * c.stride[0] + ky * c.dilation[0]) as isize
                                    - c.pad[0].0 as isize;
                                let ix = (xx * c.stride[1] + kx * c.dilation[1]) as isize
                                    - c.pad[1].0 as isize;
                                if iy < 0 || ix < 0 || iy as usize >= c.h || ix as usize >= c.w {
                                    continue;
                                }
                                let xv =
                                    x[((n * c.c_in + i) * c.h + iy as usize) * c.w + ix as usize];
                                let wv = w[((o * in_per_group + j) * c.k[0] + ky) * c.k[1] + kx];
                                acc += xv as f64 * wv as f64;
                            }
                        }
                    }
                    out[((n * c.c_out + o) * out_h + y) * out_w + xx] = acc as f32;
                }
            }
        }
    }
    (out, [out_h, out_w])
}

fn run(c: &Case, seed: u64) {
    let device = Device::flex();
    let x = ints(c.batch * c.c_in * c.h * c.w, seed);
    let w = ints(c.c_out * (c.c_in / c.groups) * c.k[0] * c.k[1], seed + 1);
    let b = ints(c.c_out, seed + 2);
    let (expected, [out_h, out_w]) = reference(c, &x, &w, &b);
    let y = conv2d(
        Tensor::<4>::from_data(TensorData::new(x, [c.batch, c.c_in, c.h, c.w]), &device),
        Tensor::<4>::from_data(
            TensorData::new(w, [c.c_out, c.c_in / c.groups, c.k[0], c.k[1]]),
            &device,
        ),
        c.bias
            .then(|| Tensor::<1>::from_data(TensorData::new(b, [c.c_out]), &device)),
        ConvOptions::new_with_padding(c.stride, c.pad, c.dilation, c.groups),
    );
    assert_eq!(y.dims(), [c.batch, c.c_out, out_h, out_w]);
    let got = y.into_data().try_to_vec::<f32>().expect("f32 output");
    let wrong = got.iter().zip(&expected).filter(|(g, e)| g != e).count();
    assert_eq!(
        wrong,
        0,
        "{wrong} of {} outputs differ: in {}×{}×{}×{}, out {}, kernel {:?}, stride {:?}, pad {:?}, \
         dilation {:?}, groups {}, bias {}",
        got.len(),
        c.batch,
        c.c_in,
        c.h,
        c.w,
        c.c_out,
        c.k,
        c.stride,
        c.pad,
        c.dilation,
        c.groups,
        c.bias
    );
}

#[test]
fn convolutions_equal_the_direct_sum() {
    #[rustfmt::skip]
    let cases = [
        // ResNet's 3×3 (stride 1 and 2), its 1×1 (stride 1 and 2), the 7×7 stem.
        Case { batch: 1, c_in: 16, h: 33, w: 33, c_out: 20, k: [3, 3], stride: [1, 1], pad: [(1, 1), (1, 1)], dilation: [1, 1], groups: 1, bias: false },
        Case { batch: 1, c_in: 8, h: 33, w: 31, c_out: 12, k: [3, 3], stride: [2, 2], pad: [(1, 1), (1, 1)], dilation: [1, 1], groups: 1, bias: true },
        Case { batch: 2, c_in: 24, h: 17, w: 17, c_out: 40, k: [1, 1], stride: [1, 1], pad: [(0, 0), (0, 0)], dilation: [1, 1], groups: 1, bias: true },
        Case { batch: 1, c_in: 24, h: 33, w: 33, c_out: 16, k: [1, 1], stride: [2, 2], pad: [(0, 0), (0, 0)], dilation: [1, 1], groups: 1, bias: false },
        Case { batch: 1, c_in: 3, h: 41, w: 37, c_out: 8, k: [7, 7], stride: [2, 2], pad: [(3, 3), (3, 3)], dilation: [1, 1], groups: 1, bias: false },
        // Enough im2col columns per thread for several tiles each (c_in·9·positions > 2 MiB).
        Case { batch: 1, c_in: 256, h: 24, w: 24, c_out: 9, k: [3, 3], stride: [1, 1], pad: [(1, 1), (1, 1)], dilation: [1, 1], groups: 1, bias: true },
        // Batches split into per-thread tiles; a 1×1 with padding takes the im2col path.
        Case { batch: 3, c_in: 5, h: 20, w: 20, c_out: 7, k: [3, 3], stride: [1, 1], pad: [(1, 1), (1, 1)], dilation: [1, 1], groups: 1, bias: true },
        Case { batch: 1, c_in: 4, h: 9, w: 9, c_out: 3, k: [1, 1], stride: [1, 1], pad: [(1, 1), (1, 1)], dilation: [1, 1], groups: 1, bias: false },
        // VGG's dilated conv6, also on maps smaller than its reach (taps entirely in padding).
        Case { batch: 1, c_in: 6, h: 19, w: 19, c_out: 5, k: [3, 3], stride: [1, 1], pad: [(6, 6), (6, 6)], dilation: [6, 6], groups: 1, bias: true },
        Case { batch: 2, c_in: 6, h: 3, w: 3, c_out: 5, k: [3, 3], stride: [1, 1], pad: [(6, 6), (6, 6)], dilation: [6, 6], groups: 1, bias: true },
        // The extras' unpadded 3×3 on 3×3 maps, heads on 1×1 maps, rectangular kernels.
        Case { batch: 1, c_in: 12, h: 3, w: 3, c_out: 8, k: [3, 3], stride: [1, 1], pad: [(0, 0), (0, 0)], dilation: [1, 1], groups: 1, bias: true },
        Case { batch: 1, c_in: 12, h: 1, w: 1, c_out: 8, k: [3, 3], stride: [1, 1], pad: [(1, 1), (1, 1)], dilation: [1, 1], groups: 1, bias: true },
        Case { batch: 1, c_in: 5, h: 14, w: 11, c_out: 6, k: [1, 5], stride: [1, 2], pad: [(0, 0), (2, 2)], dilation: [1, 1], groups: 1, bias: false },
        Case { batch: 1, c_in: 5, h: 14, w: 11, c_out: 6, k: [5, 2], stride: [3, 1], pad: [(2, 2), (1, 1)], dilation: [2, 1], groups: 1, bias: true },
    ];
    for (i, case) in cases.iter().enumerate() {
        run(case, 10 * i as u64 + 1);
    }
}

/// The paths that take asymmetric padding directly (one group through im2col + gemm,
/// depthwise through phase planes): MobileNet's shapes and odd ones — stride 2 and 3, SAME
/// padding after only, 1×N and N×1 kernels, channel counts that are not a multiple of any
/// SIMD width, dilation, batches, maps smaller than the kernel's reach.
#[test]
fn asymmetric_and_depthwise_convolutions_equal_the_direct_sum() {
    #[rustfmt::skip]
    let cases = [
        // MobileNet: conv0 (3×3 stride 2, SAME on an even map), depthwise stride 1 and 2.
        Case { batch: 1, c_in: 3, h: 30, w: 30, c_out: 8, k: [3, 3], stride: [2, 2], pad: [(0, 1), (0, 1)], dilation: [1, 1], groups: 1, bias: true },
        Case { batch: 1, c_in: 24, h: 19, w: 19, c_out: 24, k: [3, 3], stride: [1, 1], pad: [(1, 1), (1, 1)], dilation: [1, 1], groups: 24, bias: true },
        Case { batch: 1, c_in: 17, h: 38, w: 38, c_out: 17, k: [3, 3], stride: [2, 2], pad: [(0, 1), (0, 1)], dilation: [1, 1], groups: 17, bias: true },
        Case { batch: 2, c_in: 5, h: 10, w: 10, c_out: 5, k: [3, 3], stride: [2, 2], pad: [(0, 1), (0, 1)], dilation: [1, 1], groups: 5, bias: false },
        // Odd maps with SAME stride 2 (symmetric there), stride 3, 1×N and N×1, dilation.
        Case { batch: 1, c_in: 7, h: 19, w: 21, c_out: 7, k: [3, 3], stride: [2, 2], pad: [(1, 1), (1, 1)], dilation: [1, 1], groups: 7, bias: true },
        Case { batch: 1, c_in: 3, h: 23, w: 17, c_out: 3, k: [3, 3], stride: [3, 3], pad: [(0, 2), (1, 0)], dilation: [1, 1], groups: 3, bias: true },
        Case { batch: 1, c_in: 9, h: 13, w: 33, c_out: 9, k: [1, 5], stride: [1, 2], pad: [(0, 0), (2, 2)], dilation: [1, 1], groups: 9, bias: false },
        Case { batch: 1, c_in: 9, h: 33, w: 13, c_out: 9, k: [5, 1], stride: [2, 1], pad: [(1, 2), (0, 0)], dilation: [1, 1], groups: 9, bias: true },
        Case { batch: 1, c_in: 4, h: 15, w: 15, c_out: 4, k: [3, 3], stride: [1, 2], pad: [(2, 2), (2, 1)], dilation: [2, 2], groups: 4, bias: true },
        // Depthwise without padding, a 1×1 map, a map smaller than the kernel's reach.
        Case { batch: 1, c_in: 33, h: 6, w: 7, c_out: 33, k: [3, 3], stride: [1, 1], pad: [(0, 0), (0, 0)], dilation: [1, 1], groups: 33, bias: true },
        Case { batch: 1, c_in: 16, h: 1, w: 1, c_out: 16, k: [3, 3], stride: [1, 1], pad: [(1, 1), (1, 1)], dilation: [1, 1], groups: 16, bias: true },
        Case { batch: 1, c_in: 6, h: 2, w: 3, c_out: 6, k: [3, 3], stride: [2, 2], pad: [(3, 3), (2, 4)], dilation: [3, 3], groups: 6, bias: false },
        // One group with asymmetric padding: 1×N, N×1, stride 3, tiles over threads.
        Case { batch: 1, c_in: 5, h: 14, w: 11, c_out: 6, k: [1, 4], stride: [1, 2], pad: [(0, 0), (1, 2)], dilation: [1, 1], groups: 1, bias: true },
        Case { batch: 2, c_in: 5, h: 14, w: 11, c_out: 6, k: [4, 1], stride: [3, 1], pad: [(2, 1), (0, 0)], dilation: [1, 1], groups: 1, bias: false },
        Case { batch: 1, c_in: 64, h: 40, w: 40, c_out: 19, k: [3, 3], stride: [2, 2], pad: [(0, 1), (0, 1)], dilation: [1, 1], groups: 1, bias: true },
    ];
    for (i, case) in cases.iter().enumerate() {
        run(case, 100 + 10 * i as u64);
    }
}

/// The depthwise path forms each sum as Flex's own depthwise kernel does (same taps, same
/// order, same operations), so on arbitrary floats the two agree bit for bit. Flex's kernel is
/// reached through `conv3d` with a depth of one (the 2D entry point now takes the new path).
#[test]
fn depthwise_equals_flex_own_kernel_bit_for_bit() {
    use burn::tensor::module::conv3d;
    let device = Device::flex();
    let floats = |len: usize, seed: u64| -> Vec<f32> {
        ints(len, seed)
            .iter()
            .zip(ints(len, seed + 99))
            .map(|(a, b)| a * 0.37 + b * 0.0113 + 0.001)
            .collect()
    };
    for (i, &(c, h, w, stride, pad)) in [
        (24, 19, 19, 1, 1),
        (17, 37, 23, 2, 1),
        (48, 10, 10, 1, 1),
        (5, 150, 150, 2, 1),
    ]
    .iter()
    .enumerate()
    {
        let seed = 500 + 10 * i as u64;
        let x = floats(c * h * w, seed);
        let wt = floats(c * 9, seed + 1);
        let b = floats(c, seed + 2);
        let x4 = Tensor::<4>::from_data(TensorData::new(x.clone(), [1, c, h, w]), &device);
        let w4 = Tensor::<4>::from_data(TensorData::new(wt.clone(), [c, 1, 3, 3]), &device);
        let b1 = Tensor::<1>::from_data(TensorData::new(b, [c]), &device);
        let new = conv2d(
            x4.clone(),
            w4.clone(),
            Some(b1.clone()),
            ConvOptions::new([stride; 2], [pad; 2], [1, 1], c),
        );
        let flex = conv3d(
            x4.unsqueeze_dim(2),
            w4.unsqueeze_dim(2),
            Some(b1),
            ConvOptions::new([1, stride, stride], [0, pad, pad], [1, 1, 1], c),
        )
        .squeeze_dim::<4>(2);
        assert_eq!(new.dims(), flex.dims());
        let (new, flex) = (
            new.into_data().try_to_vec::<f32>().expect("f32"),
            flex.into_data().try_to_vec::<f32>().expect("f32"),
        );
        let differ = new.iter().zip(&flex).filter(|(a, b)| a != b).count();
        assert_eq!(
            differ, 0,
            "{c}×{h}×{w} stride {stride}: {differ} outputs differ"
        );
    }
}

/// TensorFlow's SAME padding on a stride-2 conv pads more at the bottom/right than at the
/// top/left; Flex pads the input first and then convolves unpadded.
#[test]
fn asymmetric_same_padding_equals_the_direct_sum_on_the_padded_input() {
    let device = Device::flex();
    let (c_in, c_out, size) = (3, 4, 10);
    let mut conv = Conv2dConfig::new([c_in, c_out], [3, 3])
        .with_stride([2, 2])
        .with_padding(PaddingConfig2d::Same)
        .with_bias(false)
        .init(&device);
    let w = ints(c_out * c_in * 9, 7);
    conv.weight = burn::module::Param::from_tensor(Tensor::<4>::from_data(
        TensorData::new(w.clone(), [c_out, c_in, 3, 3]),
        &device,
    ));
    let x = ints(c_in * size * size, 8);
    let y = conv.forward(Tensor::<4>::from_data(
        TensorData::new(x.clone(), [1, c_in, size, size]),
        &device,
    ));
    // SAME for 10 px, kernel 3, stride 2: 5 outputs, one padding row/column after, none before.
    let padded = size + 1;
    let mut xp = vec![0.0f32; c_in * padded * padded];
    for c in 0..c_in {
        for r in 0..size {
            for col in 0..size {
                xp[(c * padded + r) * padded + col] = x[(c * size + r) * size + col];
            }
        }
    }
    let case = Case {
        batch: 1,
        c_in,
        h: padded,
        w: padded,
        c_out,
        k: [3, 3],
        stride: [2, 2],
        pad: [(0, 0), (0, 0)],
        dilation: [1, 1],
        groups: 1,
        bias: false,
    };
    let (expected, dims) = reference(&case, &xp, &w, &[]);
    assert_eq!(dims, [5, 5]);
    assert_eq!(y.into_data().try_to_vec::<f32>().expect("f32"), expected);
}

/// Softmax over the last axis against f64, including rows with -inf (masked) entries and
/// values far below the row maximum, where exp underflows.
#[test]
fn softmax_matches_f64() {
    let device = Device::flex();
    let (rows, cols) = (37, 301);
    let mut values: Vec<f32> = (0..rows * cols)
        .map(|i| ((i * 7919 % 1000) as f32 / 1000.0 - 0.5) * 40.0)
        .collect();
    values[5] = f32::NEG_INFINITY;
    values[cols + 3] = -200.0;
    values[2 * cols + 1] = 90.0;
    let got = softmax(
        Tensor::<2>::from_data(TensorData::new(values.clone(), [rows, cols]), &device),
        1,
    )
    .into_data()
    .try_to_vec::<f32>()
    .expect("f32");
    for r in 0..rows {
        let row = &values[r * cols..(r + 1) * cols];
        let max = row.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v as f64));
        let sum: f64 = row.iter().map(|&v| (v as f64 - max).exp()).sum();
        for (c, &v) in row.iter().enumerate() {
            let d = v as f64 - max;
            let expected = d.exp() / sum;
            let g = got[r * cols + c] as f64;
            // A few f32 roundings (exp, sum, division), plus the rounding of x − max in f32,
            // which exp turns into a relative error of |x − max|·2⁻²⁴; below f32's normal
            // range (e^−87.3 ≈ 1.2e−38) a weight may be 0.
            let bound = if expected > 0.0 {
                (5e-7 + d.abs() * 6e-8) * expected + 1.2e-38
            } else {
                0.0
            };
            assert!(
                (g - expected).abs() <= bound,
                "row {r} col {c}: {g} vs {expected}"
            );
        }
    }
    assert!(got[5] == 0.0, "exp(-inf) must be exactly 0");
}

/// ReLU, ReLU6 and the clamps run through a vectorised map now; their results are those of
/// `f32::clamp` / PyTorch's NaN-propagating ReLU, on a tensor owned by the op (in place), one
/// still shared (copied) and a transposed view, including NaN, ±0, ±∞ and the bounds.
#[test]
fn relu_and_clamps_keep_their_values_on_every_layout() {
    use burn::tensor::activation::{relu, relu6};
    let device = Device::flex();
    let special = [
        f32::NAN,
        -0.0,
        0.0,
        f32::NEG_INFINITY,
        f32::INFINITY,
        5.9,
        6.0,
        6.1,
        -1.0,
        3.5,
    ];
    let values: Vec<f32> = (0..37 * 41)
        .map(|i| {
            special
                .get(i)
                .copied()
                .unwrap_or(((i * 7919) % 2000) as f32 / 100.0 - 10.0)
        })
        .collect();
    let expect_relu6: Vec<f32> = values.iter().map(|v| v.clamp(0.0, 6.0)).collect();
    let expect_relu: Vec<f32> = values
        .iter()
        .map(|&v| if v.is_nan() || v > 0.0 { v } else { 0.0 })
        .collect();
    let same = |got: Tensor<2>, want: &[f32], what: &str| {
        let got = got.into_data().try_to_vec::<f32>().expect("f32");
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            assert!(
                g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan()),
                "{what}: element {i}: got {g}, want {w}"
            );
        }
    };
    let t = || Tensor::<2>::from_data(TensorData::new(values.clone(), [37, 41]), &device);
    same(relu6(t()), &expect_relu6, "relu6 in place");
    same(relu(t()), &expect_relu, "relu in place");
    let shared = t();
    same(
        relu6(shared.clone()),
        &expect_relu6,
        "relu6 of a shared tensor",
    );
    same(
        relu(shared.clone()),
        &expect_relu,
        "relu of a shared tensor",
    );
    same(shared.clone().clamp_min(0.0), &expect_relu, "clamp_min");
    let clamp_max: Vec<f32> = values
        .iter()
        .map(|&v| if v.is_nan() || v < 6.0 { v } else { 6.0 })
        .collect();
    same(shared.clamp_max(6.0), &clamp_max, "clamp_max");
    // A transposed view: compare in its own (logical) order.
    let transposed = t().transpose();
    let mut want = vec![0.0f32; values.len()];
    for r in 0..37 {
        for c in 0..41 {
            want[c * 37 + r] = expect_relu6[r * 41 + c];
        }
    }
    same(relu6(transposed), &want, "relu6 of a transposed view");
}

/// The vectorised sigmoid (polynomial exp) against f64 over the whole useful range, the
/// saturated tails, ±∞ and NaN: within 3 ulp-scale relative error.
#[test]
fn sigmoid_matches_f64() {
    use burn::tensor::activation::sigmoid;
    let device = Device::flex();
    let mut values: Vec<f32> = (0..20_001).map(|i| (i as f32 - 10_000.0) / 100.0).collect();
    values.extend([
        f32::INFINITY,
        f32::NEG_INFINITY,
        1e-30,
        -1e-30,
        0.0,
        -0.0,
        88.0,
        -88.0,
        -104.0,
    ]);
    let n = values.len();
    let got = sigmoid(Tensor::<1>::from_data(
        TensorData::new(values.clone(), [n]),
        &device,
    ))
    .into_data()
    .try_to_vec::<f32>()
    .expect("f32");
    for (&x, &g) in values.iter().zip(&got) {
        let want = 1.0 / (1.0 + (-(x as f64)).exp());
        let err = (g as f64 - want).abs();
        assert!(
            err <= 3.6e-7 * want.max(f32::MIN_POSITIVE as f64) || err < 1e-37,
            "sigmoid({x}) = {g}, want {want}"
        );
    }
    let nan = sigmoid(Tensor::<1>::from_data(
        TensorData::new(vec![f32::NAN], [1]),
        &device,
    ));
    assert!(nan.into_data().try_to_vec::<f32>().expect("f32")[0].is_nan());
}
