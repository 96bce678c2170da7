use leptos::prelude::*;

use crate::api::requests::{request_form, CreateRequest};
use crate::app::Page;
use crate::domain::email::EMAIL_MAX_LEN;
use crate::domain::request::RequestInput;
use crate::domain::request::{ADDRESS_MAX, DESCRIPTION_MAX, NAME_MAX, PHONE_MAX, SUMMARY_MAX};
use crate::domain::schedule::{window_fields, WindowInput, MAX_WINDOWS};
use crate::domain::FieldErrors;
use crate::i18n::*;
use crate::ui::components::errors::{ErrorNotice, FormErrors};
use crate::ui::components::fields::{SelectField, TextField};
use crate::ui::components::inline::InlineCheck;
use crate::ui::components::photos::PhotoField;
use crate::ui::components::schedule::WindowFields;
use crate::ui::components::suggestions::{SuggestedArticles, Suggestions};
use crate::ui::components::title::PageTitle;
use crate::ui::components::upload::{Upload, UploadForm, UploadProgress};

/// `/requests/new`: anyone can ask for service; no account needed.
#[component]
pub fn RequestNewPage() -> impl IntoView {
    let i18n = use_i18n();
    let form = Resource::new(|| (), |_| request_form());
    view! {
        <Page>
            <PageTitle text=move || t_string!(i18n, request.title).to_string() />
            <h1>{t!(i18n, request.title)}</h1>
            <p>{t!(i18n, request.intro)}</p>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match form.await {
                        Ok(data) => view! { <RequestForm data /> }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Suspense>
        </Page>
    }
}

#[component]
fn RequestForm(data: crate::api::requests::RequestFormData) -> impl IntoView {
    let i18n = use_i18n();
    // Multipart (it carries photos): a plain form post without JavaScript, with upload progress once hydrated.
    let upload = Upload::new::<CreateRequest>();
    let (error, pending) = (upload.error(), upload.pending);
    // Beside the fields: the browser's own check of the fields already visited, else the server's answer.
    let inline = InlineCheck::new(error);
    let field_error = inline.merged(error);
    let category_ids: Vec<i64> = data.categories.iter().map(|c| c.id).collect();
    let on_leave = inline.on_leave(move |value| check_in_browser(value, &category_ids));
    // With JavaScript: help articles that may answer what is being described, with a deflection log.
    let suggestions = Suggestions::new(data.idempotency_key.clone());
    let label =
        |f: fn(leptos_i18n::I18nContext<Locale>) -> &'static str| Signal::derive(move || f(use_i18n()).to_string());
    let targets = data.categories.clone();
    let options = data.categories.into_iter().map(|c| (c.id.to_string(), c.name)).collect::<Vec<_>>();
    view! {
        <UploadForm upload attr:aria-labelledby="request-heading" attr:novalidate=true attr:class="card">
            <h2 id="request-heading" class="visually-hidden">{t!(i18n, request.title)}</h2>
            <FormErrors error form_id="request" />
            <input type="hidden" name="idempotency_key" value=data.idempotency_key />
            <div on:focusout=on_leave on:input=suggestions.on_input()>
            <TextField form_id="request" name="name" autocomplete="name" maxlength=NAME_MAX required=true
                label=label(|i18n| t_string!(i18n, request.name)) error=field_error />
            <TextField form_id="request" name="email" input_type="email" autocomplete="email" maxlength=EMAIL_MAX_LEN
                required=true label=label(|i18n| t_string!(i18n, request.email))
                hint=label(|i18n| t_string!(i18n, request.email_hint)) error=field_error />
            <TextField form_id="request" name="phone" input_type="tel" autocomplete="tel" maxlength=PHONE_MAX
                label=label(|i18n| t_string!(i18n, request.phone)) error=field_error />
            <TextField form_id="request" name="address" autocomplete="street-address" maxlength=ADDRESS_MAX
                required=true label=label(|i18n| t_string!(i18n, request.address)) error=field_error />
            <SelectField form_id="request" name="category" options
                label=label(|i18n| t_string!(i18n, request.category))
                placeholder=label(|i18n| t_string!(i18n, request.choose_category)) error=field_error />
            <ul class="hint">
                {targets
                    .into_iter()
                    .map(|c| {
                        let (name, hours) = (c.name, c.first_response_hours);
                        view! { <li>{t!(i18n, request.response_target, name = move || name.clone(), hours = move || hours)}</li> }
                    })
                    .collect_view()}
            </ul>
            <TextField form_id="request" name="summary" maxlength=SUMMARY_MAX required=true
                label=label(|i18n| t_string!(i18n, request.summary))
                hint=label(|i18n| t_string!(i18n, request.summary_hint)) error=field_error />
            <TextField form_id="request" name="description" multiline=true maxlength=DESCRIPTION_MAX required=true
                label=label(|i18n| t_string!(i18n, request.description))
                hint=label(|i18n| t_string!(i18n, request.description_hint)) error=field_error />
            <SuggestedArticles suggestions />
            <WindowFields form_id="request" error=field_error />
            </div>
            <PhotoField form_id="request" upload />
            <UploadProgress upload />
            <button type="submit" disabled=move || pending.get()>
                {move || if pending.get() { t_string!(i18n, request.sending) } else { t_string!(i18n, request.submit) }}
            </button>
        </UploadForm>
    }
}

/// The request form's fields as the browser has them, through the domain's own parse (today by the
/// browser's clock).
#[allow(unused_variables)]
fn check_in_browser(value: &dyn Fn(&str) -> String, categories: &[i64]) -> FieldErrors {
    let input = RequestInput {
        name: value("name"),
        email: value("email"),
        phone: value("phone"),
        address: value("address"),
        category: value("category"),
        summary: value("summary"),
        description: value("description"),
        windows: (1..=MAX_WINDOWS)
            .map(|n| {
                let (day, part) = window_fields(n);
                WindowInput { day: value(&day), part: value(&part) }
            })
            .collect(),
    };
    #[cfg(feature = "hydrate")]
    let now = crate::ui::components::inline::browser_now();
    #[cfg(not(feature = "hydrate"))]
    let now = 0;
    input.parse(categories, now).err().unwrap_or_default()
}
