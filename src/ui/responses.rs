//! Taking in the worker's answers: each goes to the parts it concerns.

use super::attention_state::AttentionState;
use super::current::shown_path;
use super::dataset_run::DatasetRun;
use super::library::{Entry, Library};
use super::live::Live;
use super::model::{Model, WeightsState};
use super::settings::Settings;
use super::worker::Response;

/// The parts the worker's answers change.
pub struct Inbox<'a> {
    pub ctx: &'a egui::Context,
    pub settings: &'a mut Settings,
    pub model: &'a mut Model,
    pub library: &'a mut Library,
    pub attention: &'a mut AttentionState,
    pub live: Option<&'a mut Live>,
    pub dataset: &'a mut DatasetRun,
}

/// Applies `response`; true when the current file may need running again (new weights, or
/// an answer for another image while a newer one was selected).
pub fn take_response(response: Response, inbox: Inbox<'_>) -> bool {
    let Inbox {
        ctx,
        settings,
        model,
        library,
        attention,
        live,
        dataset,
    } = inbox;
    match response {
        Response::WeightsLoaded {
            path,
            head,
            device,
            notice,
        } => {
            // Other weights bring their own NMS and top-k (they differ per family); the same
            // weights as last time keep the user's, and the display threshold always stays
            // the user's.
            if settings.places.last_weights.as_ref() != Some(&path) {
                settings.detection.nms_thresh = head.config.detect.nms_thresh;
                settings.detection.top_k = head.config.detect.top_k;
            }
            settings.places.last_weights = Some(path.clone());
            model.loaded(path, head, device, notice);
            library.clear_results();
            attention.clear_shown();
            true
        }
        Response::WeightsFailed { path, error } => {
            model.weights = WeightsState::Failed { path, error };
            false
        }
        Response::Inferred {
            path,
            image,
            raw,
            elapsed,
        } => {
            let entry = Entry::decoded(ctx, path.display().to_string(), image, raw, elapsed);
            library.insert(path, entry);
            true
        }
        Response::Failed { path, error } => {
            // An attention request re-runs the network when its maps were dropped; if that
            // fails, nothing else will answer it.
            if shown_path(library, live.as_deref()) == Some(path.as_path()) {
                attention.give_up();
            }
            library.fail(path, error);
            true
        }
        Response::FrameInferred {
            key,
            frame_id,
            captured_at,
            image,
            raw,
            elapsed,
            attention: rows,
        } => {
            let Some(live) = live else {
                return false;
            };
            live.took(frame_id, captured_at, elapsed);
            library.show_frame(ctx, key.clone(), image, raw, elapsed);
            if let Some((pixel, scales, took)) = rows {
                attention.arrived(key, pixel, scales, took);
            }
            false
        }
        Response::Attention {
            path,
            pixel,
            scales,
            elapsed,
        } => {
            attention.arrived(path, pixel, scales, elapsed);
            false
        }
        Response::Analysis(update) => {
            dataset.update(update);
            false
        }
    }
}
