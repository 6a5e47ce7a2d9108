//! The authors' greedy NMS (ssd.pytorch lineage), reproduced operation for operation.

/// IoU of two `[y1, x1, y2, x2]` boxes as the authors compute it: no +1, intersection sides
/// clamped at 0, areas not clamped.
pub fn iou(a: [f32; 4], b: [f32; 4]) -> f32 {
    let h = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let w = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let inter = w * h;
    let area_a = (a[2] - a[0]) * (a[3] - a[1]);
    let area_b = (b[2] - b[0]) * (b[3] - b[1]);
    inter / ((area_b - inter) + area_a)
}

/// Indices into `boxes` kept by greedy NMS, highest score first.
///
/// Only the `top_k` highest scores enter; the current best is kept and every remaining box
/// with IoU **≤** `threshold` against it survives to the next round.
pub fn nms(boxes: &[[f32; 4]], scores: &[f32], threshold: f32, top_k: usize) -> Vec<usize> {
    // Ascending like torch.sort; ties broken by index for determinism.
    let ascending = |a: &usize, b: &usize| scores[*a].total_cmp(&scores[*b]).then(a.cmp(b));
    let mut remaining: Vec<usize> = (0..scores.len()).collect();
    // Only the top_k highest enter: partition them out in linear time, then sort just those.
    if remaining.len() > top_k {
        let cut = remaining.len() - top_k;
        if top_k > 0 {
            remaining.select_nth_unstable_by(cut, ascending);
        }
        remaining.drain(..cut);
    }
    remaining.sort_by(ascending);
    let mut keep = Vec::new();
    while let Some(best) = remaining.pop() {
        keep.push(best);
        // iou(best, rem) evaluates inter / ((rem_area − inter) + best_area), their order.
        remaining.retain(|&i| iou(boxes[best], boxes[i]) <= threshold);
    }
    keep
}
