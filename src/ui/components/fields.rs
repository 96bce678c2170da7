//! Form fields with their label, hint and error wired for assistive technology.
use leptos::prelude::*;

use crate::domain::{AppError, FieldError};
use crate::i18n::*;

use super::errors::field_error_text;

/// The error of a server action, if its last run failed.
pub fn action_error<S>(action: ServerAction<S>) -> Signal<Option<AppError>>
where
    S: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    Signal::derive(move || action.value().with(|v| v.as_ref().and_then(|r| r.as_ref().err().cloned())))
}

/// The error a failed submission reported for the field `name`, read reactively.
pub fn field_error(error: Signal<Option<AppError>>, name: &'static str) -> impl Fn() -> Option<FieldError> + Copy {
    move || error.with(|e| e.as_ref().and_then(|e| e.field_errors()).and_then(|f| f.get(name).cloned()))
}

/// A labelled input. The id is `{form_id}-{name}`, which the error summary links to. After a rejected
/// submission it shows the field's error beside it and keeps what was typed (never for passwords).
#[component]
pub fn TextField(
    #[prop(into)] form_id: String,
    name: &'static str,
    #[prop(into)] label: Signal<String>,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional)] maxlength: Option<usize>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional, into)] hint: Option<Signal<String>>,
    #[prop(optional, into)] value: Option<String>,
    #[prop(default = false)] required: bool,
    /// A `<textarea>` instead of an `<input>`.
    #[prop(default = false)]
    multiline: bool,
    /// What has been typed so far, kept outside the field: a view that is rendered again (a live update of
    /// the page) starts the field with it instead of losing it. The owner clears it after a successful send.
    #[prop(optional)]
    draft: Option<RwSignal<String>>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let id = format!("{form_id}-{name}");
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let field_error = field_error(error, name);
    let kept = move || {
        if input_type == "password" {
            return None;
        }
        error.with(|e| e.as_ref().and_then(|e| e.field_errors()).and_then(|f| f.value(name).map(str::to_owned)))
    };
    let drafted = draft.map(|d| d.get_untracked()).filter(|d| !d.is_empty());
    let initial = drafted.or_else(kept).or(value);
    let on_input = move |ev: leptos::ev::Event| {
        if let Some(draft) = draft {
            draft.set(event_target_value(&ev));
        }
    };
    let has_hint = hint.is_some();
    let described_by = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || {
            let mut ids = Vec::new();
            if has_hint {
                ids.push(hint_id.clone());
            }
            if field_error().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:field-invalid=move || field_error().is_some()>
            <label for=id.clone()>{label}</label>
            {hint.map(|hint| view! { <p class="hint" id=hint_id.clone()>{hint}</p> })}
            <FieldMessage id=error_id.clone() name error=Signal::derive(field_error) />
            {if multiline {
                view! {
                    <textarea
                        id=id
                        name=name
                        rows="6"
                        maxlength=maxlength
                        aria-required=required.then_some("true")
                        aria-invalid=move || field_error().is_some().then_some("true")
                        aria-describedby=described_by
                        on:input=on_input
                    >
                        {textarea_text(initial)}
                    </textarea>
                }
                    .into_any()
            } else {
                view! {
                    <input
                        id=id
                        name=name
                        type=input_type
                        maxlength=maxlength
                        autocomplete=autocomplete
                        aria-required=required.then_some("true")
                        value=initial
                        aria-invalid=move || field_error().is_some().then_some("true")
                        aria-describedby=described_by
                        on:input=on_input
                    />
                }
                    .into_any()
            }}
        </div>
    }
}

/// The text inside a `<textarea>`. The server renderer writes a textarea's children unescaped (tachys treats
/// it like `<script>`), so a kept or previewed value with `</textarea>` in it could end the field and inject
/// markup: on the server it is escaped here. In the browser it becomes a text node, which needs no escaping.
fn textarea_text(text: Option<String>) -> Option<String> {
    if cfg!(feature = "ssr") {
        text.map(|t| t.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;"))
    } else {
        text
    }
}

/// A labelled `<select>` with the same error wiring as [`TextField`]; `options` are `(value, label)`.
#[component]
pub fn SelectField(
    #[prop(into)] form_id: String,
    name: &'static str,
    #[prop(into)] label: Signal<String>,
    #[prop(into)] placeholder: Signal<String>,
    options: Vec<(String, String)>,
    #[prop(default = true)] required: bool,
    /// The value chosen when the form is first shown.
    #[prop(optional, into)]
    value: Option<String>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let id = format!("{form_id}-{name}");
    let error_id = format!("{id}-error");
    let field_error = field_error(error, name);
    let kept = error
        .with_untracked(|e| e.as_ref().and_then(|e| e.field_errors()).and_then(|f| f.value(name).map(str::to_owned)))
        .or(value);
    let described_by = {
        let error_id = error_id.clone();
        move || field_error().is_some().then(|| error_id.clone())
    };
    view! {
        <div class="field" class:field-invalid=move || field_error().is_some()>
            <label for=id.clone()>{label}</label>
            <FieldMessage id=error_id.clone() name error=Signal::derive(field_error) />
            <select
                id=id
                name=name
                aria-required=required.then_some("true")
                aria-invalid=move || field_error().is_some().then_some("true")
                aria-describedby=described_by
            >
                <option value="">{placeholder}</option>
                {options
                    .into_iter()
                    .map(|(value, text)| {
                        let selected = kept.as_deref() == Some(value.as_str());
                        view! {
                            <option value=value selected=selected>
                                {text}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}

/// The message beside a field (its id is what the input's `aria-describedby` points at).
#[component]
pub fn FieldMessage(id: String, name: &'static str, error: Signal<Option<FieldError>>) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        error.get().map(|e| {
            view! {
                <p class="field-error" id=id.clone()>
                    {field_error_text(i18n, name, &e)}
                </p>
            }
        })
    }
}
