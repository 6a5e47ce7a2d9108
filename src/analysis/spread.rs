//! How spread one query's attention is: its normalised entropy and the mean distance it
//! looks across.

use super::grid::Grid;

/// −Σ_k A[q,k]·ln A[q,k] / ln N of one row: 1 for uniform, 0 for a single key; `None` for
/// N = 1, where it is undefined.
pub fn entropy(row: &[f32]) -> Option<f64> {
    if row.len() < 2 {
        return None;
    }
    let h: f64 = row
        .iter()
        .filter(|&&a| a > 0.0)
        .map(|&a| -(a as f64) * (a as f64).ln())
        .sum();
    Some(h / (row.len() as f64).ln())
}

/// Σ_k A[q,k]·‖centre_q − centre_k‖ of query `q`'s row, centres in image fractions.
pub fn distance(row: &[f32], q: usize, grid: Grid) -> f64 {
    Distances::of(grid).from_query(row, q)
}

/// The distance between two cell centres of a grid depends only on their row and column
/// offsets: one table per grid spares a square root (and a division) per key.
pub struct Distances {
    w: usize,
    /// `[dr · w + dc]` = √((dc/w)² + (dr/h)²).
    table: Vec<f64>,
}

impl Distances {
    pub fn of(grid: Grid) -> Self {
        let (h, w) = (grid.h as f64, grid.w as f64);
        let table = (0..grid.h)
            .flat_map(|dr| {
                (0..grid.w)
                    .map(move |dc| ((dc as f64 / w).powi(2) + (dr as f64 / h).powi(2)).sqrt())
            })
            .collect();
        Self { w: grid.w, table }
    }

    /// [`distance`] of query `q`'s row.
    pub fn from_query(&self, row: &[f32], q: usize) -> f64 {
        let w = self.w.max(1);
        let (rq, cq) = (q / w, q % w);
        let mut sum = 0.0;
        for (r, keys) in row.chunks_exact(w).enumerate() {
            let dr = r.abs_diff(rq);
            let by_column = &self.table[dr * w..(dr + 1) * w];
            // Columns left of the query, then from it rightwards: offsets without abs_diff.
            let (left, right) = keys.split_at(cq.min(keys.len()));
            for (i, &a) in left.iter().enumerate() {
                sum += a as f64 * by_column[cq - i];
            }
            for (dc, &a) in right.iter().enumerate() {
                sum += a as f64 * by_column[dc];
            }
        }
        sum
    }
}

/// Bins of the entropy (over [0, 1]) and distance (over [0, √2]) histograms.
pub const BINS: usize = 20;

/// The largest distance two cell centres can be apart, in image fractions.
pub const MAX_DISTANCE: f64 = std::f64::consts::SQRT_2;

/// Sums and histograms of entropy and distance over queries, for a scale's figures.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Spread {
    pub queries: u64,
    pub entropy_sum: f64,
    /// Queries with a defined entropy (all of them unless N = 1).
    pub entropy_queries: u64,
    pub distance_sum: f64,
    /// Queries per entropy bin [k/BINS, (k+1)/BINS) (1 goes in the last).
    pub entropy_bins: [u64; BINS],
    /// Queries per distance bin of width √2/BINS.
    pub distance_bins: [u64; BINS],
}

fn bin(value: f64, max: f64) -> usize {
    ((value / max * BINS as f64).floor().max(0.0) as usize).min(BINS - 1)
}

impl Spread {
    /// Adds every query of `map` (row-major N×N over `grid`).
    pub fn add_map(&mut self, map: &[f32], grid: Grid) {
        let n = grid.n();
        let distances = Distances::of(grid);
        for (q, row) in map.chunks_exact(n).enumerate() {
            self.queries += 1;
            if let Some(e) = entropy(row) {
                self.entropy_sum += e;
                self.entropy_queries += 1;
                self.entropy_bins[bin(e, 1.0)] += 1;
            }
            let d = distances.from_query(row, q);
            self.distance_sum += d;
            self.distance_bins[bin(d, MAX_DISTANCE)] += 1;
        }
    }

    pub fn mean_entropy(&self) -> Option<f64> {
        (self.entropy_queries > 0).then(|| self.entropy_sum / self.entropy_queries as f64)
    }

    pub fn mean_distance(&self) -> Option<f64> {
        (self.queries > 0).then(|| self.distance_sum / self.queries as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_rows_have_entropy_one_and_one_hot_rows_zero() {
        assert!((entropy(&[0.25; 4]).unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(entropy(&[0.0, 1.0, 0.0]), Some(0.0));
        // Half on two of four keys: ln 2 / ln 4.
        assert!((entropy(&[0.5, 0.5, 0.0, 0.0]).unwrap() - 0.5).abs() < 1e-12);
        assert_eq!(entropy(&[1.0]), None, "undefined for N = 1");
    }

    #[test]
    fn a_one_hot_row_looks_exactly_as_far_as_its_key() {
        // 2×4 map: cell 0 at (1/8, 1/4), cell 7 at (7/8, 3/4).
        let grid = Grid { h: 2, w: 4 };
        let mut row = [0.0; 8];
        row[7] = 1.0;
        let want = (0.75f64.powi(2) + 0.5f64.powi(2)).sqrt();
        assert!((distance(&row, 0, grid) - want).abs() < 1e-12);
        // Looking at itself: distance 0.
        let mut own = [0.0; 8];
        own[3] = 1.0;
        assert_eq!(distance(&own, 3, grid), 0.0);
        let mut spread = Spread::default();
        let mut map = vec![0.0; 64];
        for q in 0..8 {
            map[q * 8 + q] = 1.0;
        }
        spread.add_map(&map, grid);
        assert_eq!(spread.queries, 8);
        assert_eq!((spread.entropy_bins[0], spread.distance_bins[0]), (8, 8));
        let mut uniform = Spread::default();
        uniform.add_map(&[0.125; 64], grid);
        assert_eq!(
            uniform.entropy_bins[BINS - 1],
            8,
            "entropy 1 is in the last bin"
        );
        assert_eq!(
            (spread.mean_entropy(), spread.mean_distance()),
            (Some(0.0), Some(0.0))
        );
        let mut one = Spread::default();
        one.add_map(&[1.0], Grid { h: 1, w: 1 });
        assert_eq!((one.mean_entropy(), one.mean_distance()), (None, Some(0.0)));
    }
}
