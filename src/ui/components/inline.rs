//! Inline validation: when a person leaves a field, the browser re-checks the form with the same domain
//! parse the server runs (compiled to WebAssembly) and shows the result beside the fields they have visited.
//! The server still checks everything on submit; its answer replaces what the browser found.
use leptos::prelude::*;

use crate::domain::{AppError, FieldErrors};

#[derive(Clone, Copy)]
pub struct InlineCheck {
    /// Fields left since the last answer from the server.
    touched: RwSignal<Vec<String>>,
    /// What the browser's check found for the whole form.
    found: RwSignal<FieldErrors>,
}

impl InlineCheck {
    /// `server`: the submission's answer; a new one starts over.
    pub fn new(server: Signal<Option<AppError>>) -> Self {
        let check = InlineCheck { touched: RwSignal::new(Vec::new()), found: RwSignal::new(FieldErrors::new()) };
        Effect::new(move |previous: Option<()>| {
            server.track();
            if previous.is_some() {
                check.touched.set(Vec::new());
            }
        });
        check
    }

    /// The errors to show beside the fields: the browser's for visited fields, the server's for the others.
    pub fn merged(self, server: Signal<Option<AppError>>) -> Signal<Option<AppError>> {
        Signal::derive(move || {
            let touched = self.touched.get();
            if touched.is_empty() {
                return server.get();
            }
            let server = server.get();
            let from_server = server.as_ref().and_then(AppError::field_errors).cloned().unwrap_or_default();
            let found = self.found.get();
            let mut merged = FieldErrors::new();
            merged.1 = from_server.1.clone();
            for (field, error) in from_server.0.into_iter().filter(|(f, _)| !touched.contains(f)) {
                merged.add(&field, error);
            }
            for (field, error) in found.0.into_iter().filter(|(f, _)| touched.contains(f)) {
                merged.add(&field, error);
            }
            if merged.is_empty() {
                server.filter(|e| e.field_errors().is_none())
            } else {
                Some(AppError::Invalid(merged))
            }
        })
    }

    /// The `focusout` handler for a container of the form's fields: `check` gets the form's current value of
    /// a field by name and returns every error of the form.
    #[allow(unused_variables)]
    pub fn on_leave(
        self,
        check: impl Fn(&dyn Fn(&str) -> String) -> FieldErrors + 'static,
    ) -> impl Fn(leptos::ev::FocusEvent) + 'static {
        move |ev| {
            #[cfg(feature = "hydrate")]
            {
                use wasm_bindgen::JsCast;
                let Some(target) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return };
                let Some(name) = target.get_attribute("name") else { return };
                let form =
                    target.closest("form").ok().flatten().and_then(|f| f.dyn_into::<web_sys::HtmlFormElement>().ok());
                let Some(data) = form.and_then(|f| web_sys::FormData::new_with_form(&f).ok()) else { return };
                let value = |field: &str| data.get(field).as_string().unwrap_or_default();
                self.found.set(check(&value));
                self.touched.update(|t| {
                    if !t.contains(&name) {
                        t.push(name);
                    }
                });
            }
        }
    }
}

/// Now, in epoch milliseconds, in the browser (the server's clock decides on submit).
#[cfg(feature = "hydrate")]
pub fn browser_now() -> i64 {
    js_sys::Date::now() as i64
}
