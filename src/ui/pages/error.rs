use leptos::prelude::*;

use crate::i18n::*;
use crate::ui::components::title::PageTitle;

/// What the error boundary around every page shows when rendering fails; details stay in the logs.
#[component]
pub fn ErrorPage() -> impl IntoView {
    let i18n = use_i18n();
    crate::ui::set_status(500);
    view! {
        <PageTitle text=move || t_string!(i18n, error_page.title).to_string() />
        <h1>{t!(i18n, error_page.title)}</h1>
        <p>{t!(i18n, error_page.body)}</p>
    }
}
