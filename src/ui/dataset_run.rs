//! The open folder's dataset analysis as the session tracks it: under way (how far), its
//! last result, or why it stopped.

use std::sync::Arc;

use super::analysis_job::{AnalysisUpdate, DatasetAnalysis};

#[derive(Default)]
pub struct DatasetRun {
    /// Images done and in all, while one runs.
    pub running: Option<(usize, usize)>,
    /// The last finished analysis (kept while another runs).
    pub last: Option<Arc<DatasetAnalysis>>,
    /// Why the last run did not finish.
    pub stopped: Option<String>,
}

impl DatasetRun {
    /// A run of `total` images was asked for.
    pub fn started(&mut self, total: usize) {
        self.running = Some((0, total));
        self.stopped = None;
    }

    /// Takes in the worker's report.
    pub fn update(&mut self, update: AnalysisUpdate) {
        match update {
            AnalysisUpdate::Progress { done, total } => self.running = Some((done, total)),
            AnalysisUpdate::Done(analysis) => {
                self.running = None;
                self.last = Some(Arc::from(analysis));
            }
            AnalysisUpdate::Failed(why) => {
                self.running = None;
                self.stopped = Some(why);
            }
            AnalysisUpdate::Cancelled => {
                self.running = None;
                self.stopped = Some("cancelled".into());
            }
        }
    }

    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }
}
