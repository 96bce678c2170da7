use leptos::prelude::*;

use crate::i18n::*;
use crate::ui::components::title::PageTitle;

/// Shown in place of a page the signed-in user may not see; answers HTTP 403.
#[component]
pub fn ForbiddenPage() -> impl IntoView {
    let i18n = use_i18n();
    crate::ui::set_status(403);
    view! {
        <PageTitle text=move || t_string!(i18n, forbidden.title).to_string() />
        <h1>{t!(i18n, forbidden.title)}</h1>
        <p>{t!(i18n, forbidden.body)}</p>
        <p>
            <a href="/">{t!(i18n, forbidden.home)}</a>
        </p>
    }
}
