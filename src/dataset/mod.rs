//! Annotated datasets: PASCAL VOC XML, COCO JSON and YOLO txt, read into one in-memory form
//! (images with pixel boxes and class indices). Malformed files are errors that name the file
//! and the line or field.

mod beside;
mod coco;
mod collection;
mod error;
mod format;
mod open;
mod reader;
mod sample;
mod voc;
mod yolo;

pub use beside::{AnnotationSource, annotations_beside};
pub use coco::CocoReader;
pub use collection::Dataset;
pub use error::DatasetError;
pub use format::{Format, coco_splits, detect_format};
pub use open::open;
pub use reader::DatasetReader;
pub use sample::{Object, Sample};
pub use voc::{VocReader, annotation_xml, read_annotation, write_annotation};
pub use yolo::YoloReader;
