//! A form that posts files to a multipart server function. Without JavaScript it is a plain
//! `multipart/form-data` form: the server function answers with a redirect, and a failure comes back in the
//! URL (`__err`) exactly as for an `ActionForm`. Once hydrated, the submit is sent with `XMLHttpRequest`
//! instead, which (unlike `fetch`) reports upload progress: the page shows a progress bar, the submit
//! button waits, and the answer either navigates or puts the errors beside the fields.
use leptos::prelude::*;
use leptos::server::ServerActionError;
use leptos::server_fn::error::ServerFnUrlError;
use leptos::server_fn::ServerFn;

use crate::domain::{AppError, FieldError};
use crate::i18n::*;

/// The state of one upload form. Cheap to copy into closures.
#[derive(Clone, Copy)]
pub struct Upload {
    /// The server function's URL (the form's `action`).
    pub path: &'static str,
    /// The last answer's error (or the one a plain form post was sent back with).
    pub error: RwSignal<Option<AppError>>,
    /// What the browser found wrong with the picked files before sending anything.
    pub photo_error: RwSignal<Option<FieldError>>,
    pub pending: RwSignal<bool>,
    /// The share sent so far (0 to 1) while a submission is under way.
    pub progress: RwSignal<Option<f64>>,
    /// Successful submissions that stayed on this page (a reply on the page it answers): the form was
    /// cleared, and whatever shows the result reloads on this.
    pub done: RwSignal<u64>,
}

impl Upload {
    pub fn new<S: ServerFn<Error = AppError>>() -> Self {
        let sent_back = use_context::<ServerActionError>()
            .filter(|e| e.path() == S::PATH)
            .map(|e| ServerFnUrlError::<AppError>::decode_err(e.err()));
        Self {
            path: S::PATH,
            error: RwSignal::new(sent_back),
            photo_error: RwSignal::new(None),
            pending: RwSignal::new(false),
            progress: RwSignal::new(None),
            done: RwSignal::new(0),
        }
    }

    /// The error as the field components take it.
    pub fn error(&self) -> Signal<Option<AppError>> {
        self.error.into()
    }
}

/// The `<form>`: plain multipart post without JavaScript, sent with progress once hydrated.
#[component]
pub fn UploadForm(upload: Upload, children: Children) -> impl IntoView {
    let form = NodeRef::<leptos::html::Form>::new();
    #[cfg(feature = "hydrate")]
    let navigate = leptos_router::hooks::use_navigate();
    #[cfg(feature = "hydrate")]
    let location = leptos_router::hooks::use_location();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        #[cfg(feature = "hydrate")]
        {
            ev.prevent_default();
            if let Some(form) = form.get_untracked() {
                send(upload, &form, location.pathname.get_untracked(), navigate.clone());
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    view! {
        <form method="post" enctype="multipart/form-data" action=upload.path node_ref=form on:submit=on_submit>
            {children()}
        </form>
    }
}

/// The progress bar while a submission is being sent.
#[component]
pub fn UploadProgress(upload: Upload) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        upload.progress.get().map(|share| {
            let percent = (share * 100.0).round();
            view! {
                <div class="field upload-progress">
                    <label for="upload-progress">{t!(i18n, photos.progress)}</label>
                    <progress id="upload-progress" max="100" value=percent.to_string()>
                        {format!("{percent}%")}
                    </progress>
                </div>
            }
        })
    }
}

/// Sends the form like the browser would, but through `XMLHttpRequest` with JSON answers.
#[cfg(feature = "hydrate")]
fn send(
    upload: Upload,
    form: &web_sys::HtmlFormElement,
    here: String,
    navigate: impl Fn(&str, leptos_router::NavigateOptions) + 'static,
) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    if upload.pending.get_untracked() || upload.photo_error.get_untracked().is_some() {
        return;
    }
    let (Ok(data), Ok(xhr)) = (web_sys::FormData::new_with_form(form), web_sys::XmlHttpRequest::new()) else {
        // No way to send it ourselves: let the browser post the form.
        let _ = form.submit();
        return;
    };
    if xhr.open_with_async("POST", upload.path, true).is_err()
        || xhr.set_request_header("Accept", "application/json").is_err()
    {
        let _ = form.submit();
        return;
    }
    let on_progress = Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
        if e.length_computable() && e.total() > 0.0 {
            upload.progress.set(Some(e.loaded() / e.total()));
        }
    });
    if let Ok(target) = xhr.upload() {
        target.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    }
    let request = xhr.clone();
    let sent_form = form.clone();
    // Runs once (success, failure or abort); it owns the progress handler, so both are freed with it.
    let on_done = Closure::once_into_js(move || {
        drop(on_progress);
        upload.pending.set(false);
        upload.progress.set(None);
        match answer(&request) {
            // Back to this very page: start the form over instead of navigating nowhere.
            Ok(location) if location.split('?').next() == Some(here.as_str()) => {
                sent_form.reset();
                upload.done.update(|n| *n += 1);
            }
            Ok(location) => navigate(&location, Default::default()),
            Err(error) => upload.error.set(Some(error)),
        }
    });
    xhr.set_onloadend(Some(on_done.unchecked_ref()));
    upload.error.set(None);
    upload.pending.set(true);
    upload.progress.set(Some(0.0));
    if xhr.send_with_opt_form_data(Some(&data)).is_err() {
        upload.pending.set(false);
        upload.progress.set(None);
        upload.error.set(Some(AppError::Request("not sent".into())));
    }
}

/// Where to go after a success, or the error the server function answered with (its JSON encoding).
#[cfg(feature = "hydrate")]
fn answer(xhr: &web_sys::XmlHttpRequest) -> Result<String, AppError> {
    let status = xhr.status().unwrap_or(0);
    if (200..300).contains(&status) {
        return Ok(xhr.get_response_header("location").ok().flatten().unwrap_or_else(|| "/".into()));
    }
    let body = xhr.response_text().ok().flatten().unwrap_or_default();
    Err(decode_error(status, &body))
}

/// The wire error in a failed answer. A body refused before the server function ran (413) is reported on
/// the photos field; an answer that is not the wire error (no connection: status 0) as a request failure.
pub fn decode_error(status: u16, body: &str) -> AppError {
    if status == 413 {
        let mut errors = crate::domain::FieldErrors::new();
        let max_mb = crate::domain::photo::MAX_PHOTO_MB;
        errors.add(crate::domain::photo::FIELD, FieldError::TooLarge { max_mb });
        return AppError::Invalid(errors);
    }
    serde_json::from_str(body).unwrap_or_else(|_| AppError::Request(format!("HTTP {status}")))
}

#[cfg(test)]
mod tests {
    use super::decode_error;
    use crate::domain::{AppError, FieldError};

    #[test]
    fn answers_decode_to_the_wire_error() {
        let invalid = AppError::Invalid(crate::domain::FieldErrors(
            vec![("photos".into(), FieldError::NotAnImage)],
            vec![("name".into(), "Ana".into())],
        ));
        assert_eq!(decode_error(400, &serde_json::to_string(&invalid).unwrap()), invalid);
        assert!(matches!(decode_error(413, "too large"), AppError::Invalid(e) if e.get("photos").is_some()));
        assert!(matches!(decode_error(0, ""), AppError::Request(_)));
        assert!(matches!(decode_error(502, "<html>bad gateway</html>"), AppError::Request(_)));
    }
}
