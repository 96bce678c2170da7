use leptos::prelude::*;

use crate::app::Page;
use crate::i18n::*;
use crate::ui::components::title::PageTitle;

/// The fallback for unknown paths; answers HTTP 404.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    let i18n = use_i18n();
    crate::ui::set_status(404);
    view! {
        <Page>
            <PageTitle text=move || t_string!(i18n, not_found.title).to_string() />
            <h1>{t!(i18n, not_found.title)}</h1>
            <p>{t!(i18n, not_found.body)}</p>
            <p>
                <a href="/">{t!(i18n, not_found.home)}</a>
            </p>
        </Page>
    }
}
