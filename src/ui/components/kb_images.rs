//! An article's images on its edit page: the upload form (the request form's file field and upload, so the
//! same checks and progress, with or without JavaScript) and the images uploaded so far, each with the
//! Markdown that shows it in the article.
use leptos::prelude::*;

use crate::api::kb_images::{ArticleImage, UploadArticleImage};
use crate::i18n::*;
use crate::ui::components::errors::FormErrors;
use crate::ui::components::photos::PhotoField;
use crate::ui::components::upload::{Upload, UploadForm, UploadProgress};

/// `images` come with the article; `uploads` counts the uploads made from this page with JavaScript (the
/// page reloads the article on it). Without JavaScript the upload lands on `?uploaded=1`.
#[component]
pub fn ArticleImages(id: i64, images: Vec<ArticleImage>, uploads: RwSignal<u64>) -> impl IntoView {
    let i18n = use_i18n();
    let upload = Upload::new::<UploadArticleImage>();
    let (error, pending, done) = (upload.error(), upload.pending, upload.done);
    Effect::new(move |_| {
        if done.get() > 0 {
            uploads.update(|n| *n += 1);
        }
    });
    let uploaded = leptos_router::hooks::use_query_map().with_untracked(|q| q.get("uploaded").is_some())
        || uploads.get_untracked() > 0;
    let uploaded = move || uploaded && error.with(Option::is_none);
    let alt = t_string!(i18n, editor.image_alt_placeholder).to_string();
    view! {
        <section class="card" id="images" aria-labelledby="images-heading">
            <h2 id="images-heading">{t!(i18n, editor.images_heading)}</h2>
            <p>{t!(i18n, editor.images_intro)}</p>
            <div role="status">
                {move || uploaded().then(|| view! { <p class="notice notice-ok">{t!(i18n, editor.image_uploaded)}</p> })}
            </div>
            <UploadForm upload attr:aria-labelledby="images-heading">
                <FormErrors error form_id="image" />
                <input type="hidden" name="id" value=id />
                <PhotoField form_id="image" upload
                    label=Signal::derive(move || t_string!(i18n, editor.image_label).to_string())
                    hint=Signal::derive(move || t_string!(i18n, editor.image_hint).to_string()) />
                <UploadProgress upload />
                <button type="submit" disabled=move || pending.get()>{t!(i18n, editor.upload_image)}</button>
            </UploadForm>
            {if images.is_empty() {
                view! { <p>{t!(i18n, editor.no_images)}</p> }.into_any()
            } else {
                view! {
                    <ul class="article-images">
                        {images
                            .into_iter()
                            .map(|image| {
                                let markdown = image.markdown(&alt);
                                let alt_text = format!("{} {}", t_string!(i18n, editor.image_number), image.id);
                                view! {
                                    <li>
                                        <img src=image.url.clone() alt=alt_text width="120" loading="lazy" />
                                        <code>{markdown}</code>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>
    }
}
