//! A scale's feature map laid over the image: which cells an object owns.

/// An `h`×`w` feature map over a `width`×`height` image. Cell (r, c) covers
/// x ∈ [c·W/w, (c+1)·W/w), y ∈ [r·H/h, (r+1)·H/h); cell index n = r·w + c.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    pub h: usize,
    pub w: usize,
}

impl Grid {
    pub fn n(self) -> usize {
        self.h * self.w
    }

    /// Cell `n`'s centre in image fractions ((c + ½)/w, (r + ½)/h).
    pub fn centre(self, n: usize) -> [f64; 2] {
        let (r, c) = (n / self.w, n % self.w);
        [
            (c as f64 + 0.5) / self.w as f64,
            (r as f64 + 0.5) / self.h as f64,
        ]
    }
}

/// The cells object box `[x1, y1, x2, y2]` (pixels of a `size` image) owns: those whose centre
/// lies in it (bounds included); if none, the one cell containing the box's centre.
pub fn object_cells(
    grid: Grid,
    [x1, y1, x2, y2]: [f32; 4],
    [width, height]: [u32; 2],
) -> Vec<usize> {
    let (width, height) = (width as f64, height as f64);
    let (x1, y1, x2, y2) = (x1 as f64, y1 as f64, x2 as f64, y2 as f64);
    let cells: Vec<usize> = (0..grid.n())
        .filter(|&n| {
            let [fx, fy] = grid.centre(n);
            let (cx, cy) = (fx * width, fy * height);
            x1 <= cx && cx <= x2 && y1 <= cy && cy <= y2
        })
        .collect();
    if !cells.is_empty() {
        return cells;
    }
    let (cx, cy) = ((x1 + x2) / 2.0, (y1 + y2) / 2.0);
    let col = ((cx.max(0.0) * grid.w as f64 / width).floor() as usize).min(grid.w - 1);
    let row = ((cy.max(0.0) * grid.h as f64 / height).floor() as usize).min(grid.h - 1);
    vec![row * grid.w + col]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_object_owns_the_cells_whose_centres_it_covers() {
        // A 4×4 map over a 400×200 image: cell centres at x 50, 150, 250, 350 and y 25, 75, …
        let grid = Grid { h: 4, w: 4 };
        assert_eq!(grid.centre(5), [0.375, 0.375]);
        // x 40..160 covers centres 50 and 150; y 20..80 covers 25 and 75 (bounds included).
        assert_eq!(
            object_cells(grid, [40.0, 25.0, 160.0, 75.0], [400, 200]),
            [0, 1, 4, 5]
        );
    }

    #[test]
    fn a_box_with_no_centre_inside_takes_the_cell_of_its_own_centre() {
        let grid = Grid { h: 4, w: 4 };
        // 60..90 × 30..40 holds no centre; its centre (75, 35) lies in cell (row 0, col 0).
        assert_eq!(
            object_cells(grid, [60.0, 30.0, 90.0, 40.0], [400, 200]),
            [0]
        );
        // A box at the far corner lands in the last cell.
        assert_eq!(
            object_cells(grid, [390.0, 190.0, 400.0, 200.0], [400, 200]),
            [15]
        );
    }
}
