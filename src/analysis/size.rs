//! COCO's object sizes by box area.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SizeBucket {
    /// Area < 32² pixels.
    Small,
    /// 32² ≤ area < 96².
    Medium,
    /// 96² ≤ area.
    Large,
}

impl SizeBucket {
    pub const ALL: [SizeBucket; 3] = [SizeBucket::Small, SizeBucket::Medium, SizeBucket::Large];

    pub fn of([x1, y1, x2, y2]: [f32; 4]) -> Self {
        let area = (x2 - x1) * (y2 - y1);
        if area < 32.0 * 32.0 {
            SizeBucket::Small
        } else if area < 96.0 * 96.0 {
            SizeBucket::Medium
        } else {
            SizeBucket::Large
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            SizeBucket::Small => "small",
            SizeBucket::Medium => "medium",
            SizeBucket::Large => "large",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_follow_coco_bounds() {
        assert_eq!(SizeBucket::of([0.0, 0.0, 31.0, 33.0]), SizeBucket::Small);
        assert_eq!(SizeBucket::of([0.0, 0.0, 32.0, 32.0]), SizeBucket::Medium);
        assert_eq!(SizeBucket::of([0.0, 0.0, 96.0, 95.9]), SizeBucket::Medium);
        assert_eq!(
            SizeBucket::of([10.0, 10.0, 106.0, 106.0]),
            SizeBucket::Large
        );
    }
}
