//! Attention over a dataset: how much each object's own cells attend to the object, at every
//! scale, how spread each scale's attention is, and which scale fires for which objects
//! (`assd analyze`; the definitions are in the README).

mod analyser;
mod difference;
mod fired;
mod grid;
mod object_attention;
mod plots;
mod size;
mod spread;
mod summary;

pub use analyser::{Analyser, Objects};
pub use difference::{Difference, ScaleDifference};
pub use fired::fired_scale;
pub use grid::{Grid, object_cells};
pub use object_attention::{ObjectAttention, column_sums, object_attention};
pub use plots::{lift_rgb, write_plots};
pub use size::SizeBucket;
pub use spread::{Distances, MAX_DISTANCE, Spread, distance, entropy};
#[cfg(test)]
pub use summary::test_object;
pub use summary::{GroupScale, ObjectRecord, ScaleSummary, Summary};
