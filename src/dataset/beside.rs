//! The annotations of a folder of images, found where the usual layouts keep them: what the
//! app's Dataset view analyses for the folder it has open.

use std::path::{Path, PathBuf};

use super::coco::CocoReader;
use super::collection::Dataset;
use super::error::DatasetError;
use super::reader::DatasetReader;
use super::voc::{VocReader, read_annotation};
use super::yolo::YoloReader;

/// Where a folder's annotations were found.
#[derive(Debug, Clone, PartialEq)]
pub enum AnnotationSource {
    /// `<parent>/annotations/instances_<folder name>.json`.
    Coco(PathBuf),
    /// The folder is a VOC root's `JPEGImages/`.
    Voc(PathBuf),
    /// The folder is a YOLO root's `images/` or `images/<split>/`.
    Yolo(PathBuf),
    /// VOC XML files beside the images (what the app's label editor writes).
    Beside,
}

impl std::fmt::Display for AnnotationSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Coco(json) => write!(f, "COCO {}", json.display()),
            Self::Voc(root) => write!(f, "VOC {}", root.display()),
            Self::Yolo(root) => write!(f, "YOLO {}", root.display()),
            Self::Beside => f.write_str("VOC XML beside the images"),
        }
    }
}

/// The annotations of the images in `folder` (`files`: its images): a COCO root's split
/// folder, a VOC root's `JPEGImages/`, a YOLO root's image folder, or XML files beside the
/// images; `None` when none of these is there. Only the images in `files` are kept.
pub fn annotations_beside(
    folder: &Path,
    files: &[PathBuf],
) -> Option<Result<(Dataset, AnnotationSource), DatasetError>> {
    let (source, read) = read_layout(folder, files)?;
    Some(read.map(|dataset| (only(dataset, files), source)))
}

fn read_layout(
    folder: &Path,
    files: &[PathBuf],
) -> Option<(AnnotationSource, Result<Dataset, DatasetError>)> {
    let name = folder.file_name()?.to_string_lossy().into_owned();
    let parent = folder.parent()?;
    let json = parent
        .join("annotations")
        .join(format!("instances_{name}.json"));
    if json.is_file() {
        let read = CocoReader::new(&json, Some(folder)).read();
        return Some((AnnotationSource::Coco(json), read));
    }
    if name == "JPEGImages" && parent.join("Annotations").is_dir() {
        let read = VocReader::new(parent, None).read();
        return Some((AnnotationSource::Voc(parent.to_path_buf()), read));
    }
    if name == "images" && parent.join("labels").is_dir() {
        let read = YoloReader::new(parent, None).read();
        return Some((AnnotationSource::Yolo(parent.to_path_buf()), read));
    }
    if let Some(root) = parent.parent()
        && parent.file_name().is_some_and(|n| n == "images")
        && root.join("labels").join(&name).is_dir()
    {
        let read = YoloReader::new(root, Some(&name)).read();
        return Some((AnnotationSource::Yolo(root.to_path_buf()), read));
    }
    let labelled: Vec<&PathBuf> = files
        .iter()
        .filter(|f| f.with_extension("xml").is_file())
        .collect();
    if labelled.is_empty() {
        return None;
    }
    Some((AnnotationSource::Beside, read_beside(&labelled)))
}

/// The images of `labelled` with their XML files; classes in order of appearance.
fn read_beside(labelled: &[&PathBuf]) -> Result<Dataset, DatasetError> {
    let mut classes = Vec::new();
    let mut samples = Vec::new();
    for image in labelled {
        samples.push(read_annotation(
            &image.with_extension("xml"),
            image,
            &mut classes,
        )?);
    }
    Ok(Dataset {
        classes,
        samples,
        skipped: Vec::new(),
    })
}

/// `dataset` with only the samples whose image is one of `files` (compared by canonical path,
/// so `a/./b.jpg` and `a/b.jpg` meet).
fn only(mut dataset: Dataset, files: &[PathBuf]) -> Dataset {
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let wanted: std::collections::HashSet<PathBuf> = files.iter().map(|f| canonical(f)).collect();
    dataset
        .samples
        .retain(|s| wanted.contains(&canonical(&s.image)));
    dataset
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh folder for test `name`.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("assd-beside-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn xml(file: &str, class: &str) -> String {
        format!(
            "<annotation><filename>{file}</filename><size><width>40</width><height>30</height>\
             <depth>3</depth></size><object><name>{class}</name><difficult>0</difficult>\
             <bndbox><xmin>2</xmin><ymin>3</ymin><xmax>20</xmax><ymax>25</ymax></bndbox>\
             </object></annotation>"
        )
    }

    #[test]
    fn xml_files_beside_the_images_are_their_annotations() {
        let dir = scratch("beside");
        let (a, b) = (dir.join("a.jpg"), dir.join("b.jpg"));
        for f in [&a, &b] {
            image::RgbImage::new(40, 30).save(f).unwrap();
        }
        write(&dir.join("a.xml"), &xml("a.jpg", "cat"));
        let (dataset, source) = annotations_beside(&dir, &[a.clone(), b]).unwrap().unwrap();
        assert_eq!(source, AnnotationSource::Beside);
        assert_eq!(dataset.classes, ["cat"]);
        assert_eq!(dataset.samples.len(), 1, "b.jpg has no labels");
        assert_eq!(dataset.samples[0].objects[0].bbox, [1.0, 2.0, 19.0, 24.0]);
    }

    #[test]
    fn a_folder_without_annotations_has_none() {
        let dir = scratch("none");
        let a = dir.join("a.jpg");
        image::RgbImage::new(4, 4).save(&a).unwrap();
        assert!(annotations_beside(&dir, &[a]).is_none());
    }

    #[test]
    fn a_voc_root_is_found_from_its_image_folder_and_cut_to_the_files() {
        let dir = scratch("voc");
        let images = dir.join("JPEGImages");
        let mut files = Vec::new();
        for id in ["x", "y"] {
            let f = images.join(format!("{id}.jpg"));
            std::fs::create_dir_all(&images).unwrap();
            image::RgbImage::new(40, 30).save(&f).unwrap();
            let annotation = dir.join(format!("Annotations/{id}.xml"));
            write(&annotation, &xml(&format!("{id}.jpg"), "dog"));
            files.push(f);
        }
        let (dataset, source) = annotations_beside(&images, &files[..1]).unwrap().unwrap();
        assert_eq!(source, AnnotationSource::Voc(dir.clone()));
        assert_eq!(dataset.samples.len(), 1);
        assert!(dataset.samples[0].image.ends_with("x.jpg"));
    }

    #[test]
    fn a_malformed_annotation_is_an_error_naming_the_file() {
        let dir = scratch("malformed");
        let a = dir.join("a.jpg");
        image::RgbImage::new(4, 4).save(&a).unwrap();
        write(&dir.join("a.xml"), "<annotation><object>");
        let error = annotations_beside(&dir, &[a]).unwrap().unwrap_err();
        assert!(error.to_string().contains("a.xml"), "{error}");
    }
}
