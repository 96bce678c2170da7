//! Photos on pages: the list of a request's photos, and the file field of the request form.
use leptos::prelude::*;

use crate::domain::photo::{PhotoRef, ACCEPT, MAX_PHOTOS, MAX_PHOTO_MB};
use crate::domain::FieldError;
use crate::i18n::*;

use super::errors::field_error_text;
use super::upload::Upload;

/// A request's photos as linked thumbnails (the full photo opens from each). Nothing when there are none.
#[component]
pub fn PhotoList(photos: Vec<PhotoRef>) -> impl IntoView {
    let i18n = use_i18n();
    let total = photos.len();
    (total > 0).then(|| {
        let items = photos
            .into_iter()
            .enumerate()
            .map(|(index, photo)| {
                let n = index + 1;
                // "Photo 2 of 3" (t_string! does not interpolate in this setup; the word order suits both locales).
                let alt = move || {
                    format!("{} {n} {} {total}", t_string!(i18n, photos.alt_photo), t_string!(i18n, photos.alt_of))
                };
                let href = photo.url.clone();
                view! {
                    <li>
                        <a href=href>
                            <img src=photo.url alt=alt loading="lazy" width="160" height="120" />
                        </a>
                    </li>
                }
            })
            .collect_view();
        view! {
            <section aria-labelledby="photos-heading">
                <h2 id="photos-heading">{t!(i18n, photos.heading)}</h2>
                <ul class="photo-list">{items}</ul>
            </section>
        }
    })
}

/// The form's file input (`photos`): label, limits hint, and its error beside it, whether the browser
/// found it on picking the files or the server on receiving them. `label` and `hint` replace the request
/// form's wording (an article's images).
#[component]
pub fn PhotoField(
    form_id: &'static str,
    upload: Upload,
    #[prop(optional, into)] label: Option<Signal<String>>,
    #[prop(optional, into)] hint: Option<Signal<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let name = crate::domain::photo::FIELD;
    let id = format!("{form_id}-{name}");
    let (hint_id, error_id) = (format!("{id}-hint"), format!("{id}-error"));
    let field_error =
        move || upload.photo_error.get().or_else(|| super::fields::field_error(upload.error.into(), name)());
    let described_by = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || if field_error().is_some() { format!("{hint_id} {error_id}") } else { hint_id.clone() }
    };
    let on_change = move |_ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        upload.photo_error.set(chosen_files_error(&_ev));
    };
    view! {
        <div class="field" class:field-invalid=move || field_error().is_some()>
            <label for=id.clone()>
                {match label {
                    Some(label) => label.into_any(),
                    None => t!(i18n, photos.label).into_any(),
                }}
            </label>
            <p class="hint" id=hint_id>
                {match hint {
                    Some(hint) => hint.into_any(),
                    None => t!(i18n, photos.hint, count = move || MAX_PHOTOS, mb = move || MAX_PHOTO_MB).into_any(),
                }}
            </p>
            {move || {
                field_error()
                    .map(|e: FieldError| {
                        view! {
                            <p class="field-error" id=error_id.clone()>
                                {field_error_text(i18n, name, &e)}
                            </p>
                        }
                    })
            }}
            <input
                id=id
                name=name
                type="file"
                multiple=true
                accept=ACCEPT
                on:change=on_change
                aria-invalid=move || field_error().is_some().then_some("true")
                aria-describedby=described_by
            />
        </div>
    }
}

/// What is wrong with the files just picked, by size, count and the browser's idea of their type.
#[cfg(feature = "hydrate")]
fn chosen_files_error(ev: &leptos::ev::Event) -> Option<FieldError> {
    use wasm_bindgen::JsCast;
    let input = ev.target()?.dyn_into::<web_sys::HtmlInputElement>().ok()?;
    let files = input.files()?;
    let picked: Vec<(u64, String)> =
        (0..files.length()).filter_map(|i| files.get(i)).map(|f| (f.size() as u64, f.type_())).collect();
    crate::domain::photo::check_chosen(picked.iter().map(|(size, mime)| (*size, mime.as_str())))
}
