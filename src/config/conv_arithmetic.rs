//! Output sides of convolution and pooling windows: the arithmetic from which feature-map sizes
//! are derived.

/// Output side of a convolution or pooling window (PyTorch floor mode).
pub(crate) fn conv_out(
    size: i64,
    kernel: usize,
    stride: usize,
    padding: usize,
    dilation: usize,
) -> i64 {
    let effective = (dilation * (kernel - 1) + 1) as i64;
    (size + 2 * padding as i64 - effective).div_euclid(stride as i64) + 1
}

/// Output side of a TensorFlow "SAME" convolution: ⌈size / stride⌉.
pub(crate) fn same_out(size: i64, stride: usize) -> i64 {
    if size < 1 {
        return size;
    }
    (size + stride as i64 - 1).div_euclid(stride as i64)
}

/// Output side of a pooling window with `ceil_mode=True` (PyTorch semantics: the last window
/// must start inside the input or its left padding).
pub(crate) fn pool_out_ceil(size: i64, kernel: usize, stride: usize, padding: usize) -> i64 {
    let numerator = size + 2 * padding as i64 - kernel as i64;
    let mut out = (numerator + stride as i64 - 1).div_euclid(stride as i64) + 1;
    if (out - 1) * stride as i64 >= size + padding as i64 {
        out -= 1;
    }
    out
}
