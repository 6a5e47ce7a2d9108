//! SSD box coding with variances, in the authors' operation order (it matters for
//! bit-exactness in f32).

/// Offsets `[dy, dx, dh, dw]` + prior `[cy, cx, h, w]` → box `[y1, x1, y2, x2]`.
pub fn decode(loc: [f32; 4], prior: [f32; 4], variances: [f32; 2]) -> [f32; 4] {
    let cy = prior[0] + (loc[0] * variances[0]) * prior[2];
    let cx = prior[1] + (loc[1] * variances[0]) * prior[3];
    let h = prior[2] * (loc[2] * variances[1]).exp();
    let w = prior[3] * (loc[3] * variances[1]).exp();
    let y1 = cy - h / 2.0;
    let x1 = cx - w / 2.0;
    // The authors add the size to the already rounded corner.
    [y1, x1, h + y1, w + x1]
}

/// Box `[y1, x1, y2, x2]` + prior `[cy, cx, h, w]` → training target `[dy, dx, dh, dw]`.
pub fn encode(boxes: [f32; 4], prior: [f32; 4], variances: [f32; 2]) -> [f32; 4] {
    let cy = (boxes[0] + boxes[2]) / 2.0 - prior[0];
    let cx = (boxes[1] + boxes[3]) / 2.0 - prior[1];
    let cy = cy / (variances[0] * prior[2]);
    let cx = cx / (variances[0] * prior[3]);
    let h = ((boxes[2] - boxes[0]) / prior[2]).ln() / variances[1];
    let w = ((boxes[3] - boxes[1]) / prior[3]).ln() / variances[1];
    [cy, cx, h, w]
}
