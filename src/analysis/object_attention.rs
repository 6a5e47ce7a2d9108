//! How one object's cells attend to the object at one scale.

use serde::Serialize;

/// One object at one scale (A = the scale's N×N attention, M = the object's cells).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ObjectAttention {
    /// |M|.
    pub cells: usize,
    /// Mean over q ∈ M of Σ_{k∈M} A[q, k]: how much the object's cells look at the object.
    pub inside_mass: f64,
    /// inside mass / (|M| / N): 1 is what uniform attention gives.
    pub lift: f64,
    /// (1/N)·Σ_q Σ_{k∈M} A[q, k]: the share of all attention at the scale landing on it.
    pub received_share: f64,
}

/// Σ_q A[q, k] for every key k of the row-major `n`×`n` attention `map`: what each cell
/// receives, which every object's received share sums over its cells.
pub fn column_sums(map: &[f32], n: usize) -> Vec<f64> {
    let mut sums = vec![0.0f64; n];
    for row in map.chunks_exact(n.max(1)) {
        for (s, &a) in sums.iter_mut().zip(row) {
            *s += a as f64;
        }
    }
    sums
}

/// The figures of object cells `cells` in `map`, the row-major `n`×`n` attention whose
/// [`column_sums`] are `columns`.
pub fn object_attention(
    map: &[f32],
    n: usize,
    cells: &[usize],
    columns: &[f64],
) -> ObjectAttention {
    let row = |q: usize| &map[q * n..(q + 1) * n];
    let inside: f64 = cells
        .iter()
        .map(|&q| {
            let row = row(q);
            cells.iter().map(|&k| row[k] as f64).sum::<f64>()
        })
        .sum::<f64>()
        / cells.len() as f64;
    let received: f64 = cells.iter().map(|&k| columns[k]).sum::<f64>() / n as f64;
    ObjectAttention {
        cells: cells.len(),
        inside_mass: inside,
        lift: inside / (cells.len() as f64 / n as f64),
        received_share: received,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_attention_has_lift_one_and_receives_its_share_of_cells() {
        let n = 12;
        let map = vec![1.0 / n as f32; n * n];
        let a = object_attention(&map, n, &[2, 3, 7], &column_sums(&map, n));
        assert_eq!(a.cells, 3);
        assert!((a.inside_mass - 3.0 / 12.0).abs() < 1e-6);
        assert!((a.lift - 1.0).abs() < 1e-6);
        assert!((a.received_share - 3.0 / 12.0).abs() < 1e-6);
    }

    #[test]
    fn cells_looking_only_at_themselves_have_lift_n_over_m() {
        // Identity attention: each cell looks at itself alone.
        let n = 8;
        let mut map = vec![0.0; n * n];
        for q in 0..n {
            map[q * n + q] = 1.0;
        }
        let a = object_attention(&map, n, &[0, 5], &column_sums(&map, n));
        assert_eq!(a.inside_mass, 1.0);
        assert_eq!(a.lift, 4.0);
        assert_eq!(a.received_share, 2.0 / 8.0);
        // Everyone looks at cell 0: an object holding it gets all attention, its own too.
        let mut map = vec![0.0; n * n];
        for q in 0..n {
            map[q * n] = 1.0;
        }
        let a = object_attention(&map, n, &[0, 1], &column_sums(&map, n));
        assert_eq!((a.inside_mass, a.lift, a.received_share), (1.0, 4.0, 1.0));
    }
}
