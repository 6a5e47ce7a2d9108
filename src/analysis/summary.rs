//! The dataset's figures: per object, per scale, and per class and size at each scale, as
//! `analysis.json` and CSV tables.

use std::collections::BTreeMap;

use serde::Serialize;

use super::grid::Grid;
use super::object_attention::ObjectAttention;
use super::size::SizeBucket;
use super::spread::Spread;

/// One object: a ground-truth box, or a detection where the images have no annotations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObjectRecord {
    pub image: String,
    pub class: String,
    #[serde(rename = "box")]
    pub bbox: [f32; 4],
    pub size: SizeBucket,
    /// `"gt"` or `"detection"`.
    pub source: &'static str,
    pub fired_scale: Option<usize>,
    /// One per attention scale (empty for a model without attention).
    pub per_scale: Vec<ObjectAttention>,
}

/// One scale over the dataset.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScaleSummary {
    pub index: usize,
    pub grid: [usize; 2],
    pub n: usize,
    /// Means over every query of every image (`None` without attention, or for N = 1).
    pub mean_entropy: Option<f64>,
    pub mean_distance: Option<f64>,
    pub objects: usize,
    pub mean_lift: Option<f64>,
    pub median_lift: Option<f64>,
    /// Queries per entropy bin (20 over [0, 1]) and per distance bin (20 over [0, √2]).
    pub entropy_histogram: Vec<u64>,
    pub distance_histogram: Vec<u64>,
}

/// One class (or size) at one scale.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupScale {
    pub objects: usize,
    pub mean_lift: Option<f64>,
    pub median_lift: Option<f64>,
    /// Objects of the group this scale fired for.
    pub fired: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub model: String,
    pub data: Vec<String>,
    pub images: usize,
    pub scales: Vec<ScaleSummary>,
    pub objects: Vec<ObjectRecord>,
    pub by_class: BTreeMap<String, Vec<GroupScale>>,
    pub by_size: BTreeMap<String, Vec<GroupScale>>,
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// The middle value (the mean of the two middle ones for an even count).
fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// Per scale, the group's figures over `objects`.
fn group(objects: &[&ObjectRecord], scales: usize) -> Vec<GroupScale> {
    (0..scales)
        .map(|s| {
            let lifts: Vec<f64> = objects
                .iter()
                .filter_map(|o| o.per_scale.get(s).map(|a| a.lift))
                .collect();
            GroupScale {
                objects: objects.len(),
                mean_lift: mean(&lifts),
                median_lift: median(&lifts),
                fired: objects.iter().filter(|o| o.fired_scale == Some(s)).count(),
            }
        })
        .collect()
}

impl Summary {
    /// The figures of `objects` over `images` images of a model with maps `grids`; `spreads`:
    /// per scale, its queries' entropy and distance (empty without attention).
    pub fn new(
        model: String,
        data: Vec<String>,
        images: usize,
        grids: &[Grid],
        spreads: &[Spread],
        objects: Vec<ObjectRecord>,
    ) -> Self {
        let all: Vec<&ObjectRecord> = objects.iter().collect();
        let per_scale = group(&all, grids.len());
        let scales = grids
            .iter()
            .zip(per_scale)
            .enumerate()
            .map(|(index, (grid, g))| ScaleSummary {
                index,
                grid: [grid.h, grid.w],
                n: grid.n(),
                mean_entropy: spreads.get(index).and_then(Spread::mean_entropy),
                mean_distance: spreads.get(index).and_then(Spread::mean_distance),
                objects: g.objects,
                mean_lift: g.mean_lift,
                median_lift: g.median_lift,
                entropy_histogram: spreads
                    .get(index)
                    .map_or(vec![], |s| s.entropy_bins.to_vec()),
                distance_histogram: (spreads.get(index))
                    .map_or(vec![], |s| s.distance_bins.to_vec()),
            })
            .collect();
        let mut classes: BTreeMap<&str, Vec<&ObjectRecord>> = BTreeMap::new();
        let mut sizes: BTreeMap<&str, Vec<&ObjectRecord>> = BTreeMap::new();
        for o in &objects {
            classes.entry(&o.class).or_default().push(o);
            sizes.entry(o.size.name()).or_default().push(o);
        }
        let grouped = |groups: BTreeMap<&str, Vec<&ObjectRecord>>| {
            (groups.into_iter())
                .map(|(name, members)| (name.to_string(), group(&members, grids.len())))
                .collect()
        };
        let by_class = grouped(classes);
        let by_size = grouped(sizes);
        Self {
            model,
            data,
            images,
            scales,
            objects,
            by_class,
            by_size,
        }
    }

    /// The classes with ≥ `min_objects` objects and their counts, most frequent first (then
    /// by name).
    pub fn frequent_classes(&self, min_objects: usize) -> Vec<(&str, usize)> {
        let mut rows: Vec<(&str, usize)> = (self.by_class.iter())
            .map(|(class, scales)| (class.as_str(), scales.first().map_or(0, |g| g.objects)))
            .filter(|(_, n)| *n >= min_objects)
            .collect();
        rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        rows
    }

    /// Objects scale `s` fired for.
    pub fn fired_at(&self, s: usize) -> usize {
        self.objects
            .iter()
            .filter(|o| o.fired_scale == Some(s))
            .count()
    }

    /// Per size ([`SizeBucket::ALL`] order), the objects each scale fired for, and those no
    /// scale fired for (the last column).
    pub fn fired_by_size(&self) -> Vec<Vec<usize>> {
        let scales = self.scales.len();
        (SizeBucket::ALL.iter())
            .map(|size| {
                let mut row = vec![0; scales + 1];
                for o in self.objects.iter().filter(|o| o.size == *size) {
                    row[o.fired_scale.filter(|&s| s < scales).unwrap_or(scales)] += 1;
                }
                row
            })
            .collect()
    }

    /// The per-scale table the terminal shows.
    pub fn table(&self) -> String {
        let opt = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.3}"));
        let mut out = format!(
            "{:<6} {:>8} {:>7} {:>8} {:>9} {:>8} {:>9} {:>11} {:>6}\n",
            "scale",
            "grid",
            "N",
            "entropy",
            "distance",
            "objects",
            "mean lift",
            "median lift",
            "fired"
        );
        for s in &self.scales {
            out += &format!(
                "{:<6} {:>8} {:>7} {:>8} {:>9} {:>8} {:>9} {:>11} {:>6}\n",
                s.index,
                format!("{}×{}", s.grid[0], s.grid[1]),
                s.n,
                opt(s.mean_entropy),
                opt(s.mean_distance),
                s.objects,
                opt(s.mean_lift),
                opt(s.median_lift),
                self.fired_at(s.index)
            );
        }
        out
    }

    /// `scale,grid_h,grid_w,n,mean_entropy,mean_distance,objects,mean_lift,median_lift`.
    pub fn scales_csv(&self) -> String {
        let mut out =
            "scale,grid_h,grid_w,n,mean_entropy,mean_distance,objects,mean_lift,median_lift\n"
                .to_string();
        for s in &self.scales {
            out += &format!(
                "{},{},{},{},{},{},{},{},{}\n",
                s.index,
                s.grid[0],
                s.grid[1],
                s.n,
                csv(s.mean_entropy),
                csv(s.mean_distance),
                s.objects,
                csv(s.mean_lift),
                csv(s.median_lift)
            );
        }
        out
    }

    /// `<key>,scale,objects,mean_lift,median_lift,fired` for `by_class` or `by_size`.
    pub fn groups_csv(key: &str, groups: &BTreeMap<String, Vec<GroupScale>>) -> String {
        let mut out = format!("{key},scale,objects,mean_lift,median_lift,fired\n");
        for (name, scales) in groups {
            for (s, g) in scales.iter().enumerate() {
                out += &format!(
                    "{},{s},{},{},{},{}\n",
                    csv_text(name),
                    g.objects,
                    csv(g.mean_lift),
                    csv(g.median_lift),
                    g.fired
                );
            }
        }
        out
    }

    /// One row per object and scale.
    pub fn objects_csv(&self) -> String {
        let mut out = "image,class,x1,y1,x2,y2,size,source,fired_scale,scale,cells,inside_mass,\
                       lift,received_share\n"
            .to_string();
        for o in &self.objects {
            let [x1, y1, x2, y2] = o.bbox;
            let head = format!(
                "{},{},{x1},{y1},{x2},{y2},{},{},{}",
                csv_text(&o.image),
                csv_text(&o.class),
                o.size.name(),
                o.source,
                o.fired_scale.map_or(String::new(), |s| s.to_string())
            );
            if o.per_scale.is_empty() {
                out += &format!("{head},,,,,\n");
            }
            for (s, a) in o.per_scale.iter().enumerate() {
                out += &format!(
                    "{head},{s},{},{},{},{}\n",
                    a.cells, a.inside_mass, a.lift, a.received_share
                );
            }
        }
        out
    }
}

fn csv(v: Option<f64>) -> String {
    v.map_or(String::new(), |v| v.to_string())
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
fn csv_text(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// An object of a `side`×`side` box at the origin (image `/data/<class>-<side>.jpg`) with
/// `lifts` per scale: the analysis's and the Dataset page's tests build summaries of these.
#[cfg(test)]
pub fn test_object(class: &str, side: f32, fired: Option<usize>, lifts: &[f64]) -> ObjectRecord {
    let bbox = [0.0, 0.0, side, side];
    ObjectRecord {
        image: format!("/data/{class}-{side}.jpg"),
        class: class.into(),
        bbox,
        size: SizeBucket::of(bbox),
        source: "gt",
        fired_scale: fired,
        per_scale: (lifts.iter())
            .map(|&lift| ObjectAttention {
                cells: 1,
                inside_mass: lift / 4.0,
                lift,
                received_share: 0.25,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_classes_and_sizes_aggregate_lift_and_fired_counts() {
        let grids = [Grid { h: 2, w: 2 }, Grid { h: 1, w: 1 }];
        let objects = vec![
            test_object("cat", 10.0, Some(0), &[1.0, 1.0]),
            test_object("cat", 200.0, Some(1), &[3.0, 1.0]),
            test_object("dog", 50.0, None, &[2.0, 1.0]),
        ];
        let mut spread = Spread::default();
        spread.add_map(&[0.25; 16], grids[0]);
        let s = Summary::new("m".into(), vec!["d".into()], 1, &grids, &[spread], objects);
        assert_eq!(s.scales[0].objects, 3);
        assert_eq!(s.scales[0].mean_lift, Some(2.0));
        assert_eq!(s.scales[0].median_lift, Some(2.0));
        assert!((s.scales[0].mean_entropy.unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(
            s.scales[1].mean_entropy, None,
            "no spread given for scale 1"
        );
        let cat = &s.by_class["cat"];
        assert_eq!(
            (cat[0].objects, cat[0].mean_lift, cat[0].median_lift),
            (2, Some(2.0), Some(2.0))
        );
        assert_eq!((cat[0].fired, cat[1].fired), (1, 1));
        assert_eq!(s.by_class["dog"][0].fired, 0);
        assert_eq!(s.by_size["small"][0].objects, 1);
        assert_eq!(s.by_size["medium"][0].mean_lift, Some(2.0));
        assert_eq!(s.by_size["large"][1].fired, 1);
        assert!(s.table().contains("2×2"));
        assert_eq!(s.objects_csv().lines().count(), 1 + 3 * 2);
        assert!(Summary::groups_csv("class", &s.by_class).contains("cat,0,2,2,2,1"));
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["objects"][0]["size"], "small");
        assert_eq!(json["objects"][0]["box"][2], 10.0);
        assert_eq!(json["scales"][0]["grid"], serde_json::json!([2, 2]));
    }

    #[test]
    fn medians_of_even_counts_average_the_middle_pair() {
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }
}
