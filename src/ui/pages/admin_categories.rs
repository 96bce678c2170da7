use leptos::prelude::*;

use crate::api::categories::{list_categories, AddCategory, CategorySummary, SaveCategory};
use crate::app::Page;
use crate::domain::category::{NAME_MAX, SLUG_MAX};
use crate::i18n::*;
use crate::ui::components::errors::{ErrorNotice, FormErrors};
use crate::ui::components::fields::{action_error, TextField};
use crate::ui::components::title::PageTitle;
use crate::ui::session::RequireRole;

/// `/admin/categories`: what customers can ask for, and the first-response target (SLA) of each.
#[component]
pub fn AdminCategoriesPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Page>
            <PageTitle text=move || t_string!(i18n, categories.title).to_string() />
            <RequireRole allowed=|u| u.is_admin() children=|_| view! { <Categories /> } />
        </Page>
    }
}

#[component]
fn Categories() -> impl IntoView {
    let i18n = use_i18n();
    let save = ServerAction::<SaveCategory>::new();
    let add = ServerAction::<AddCategory>::new();
    let save_error = action_error(save);
    let add_error = action_error(add);
    let list = Resource::new(move || (save.version().get(), add.version().get()), |_| list_categories());
    // `?saved=1` is where a successful save lands, with or without JavaScript.
    let query = leptos_router::hooks::use_query_map();
    let saved =
        move || query.with(|q| q.get("saved").is_some()) && save_error.get().is_none() && add_error.get().is_none();
    view! {
        <h1>{t!(i18n, categories.title)}</h1>
        <p>{t!(i18n, categories.intro)}</p>
        <div role="status">
            {move || saved().then(|| view! { <p class="notice notice-ok">{t!(i18n, admin.roles_saved)}</p> })}
        </div>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match list.await {
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    Ok(list) => list.into_iter().map(|category| view! { <CategoryForm category save /> }).collect_view().into_any(),
                }
            })}
        </Suspense>
        <ActionForm action=add attr:aria-labelledby="add-category-heading" attr:class="card" attr:novalidate=true>
            <h2 id="add-category-heading">{t!(i18n, categories.add_heading)}</h2>
            <FormErrors error=add_error form_id="new-category" />
            <TextField form_id="new-category" name="name" maxlength=NAME_MAX required=true
                label=Signal::derive(move || t_string!(i18n, categories.name).to_string()) error=add_error />
            <TextField form_id="new-category" name="slug" maxlength=SLUG_MAX required=true
                label=Signal::derive(move || t_string!(i18n, categories.slug).to_string())
                hint=Signal::derive(move || t_string!(i18n, categories.slug_hint).to_string()) error=add_error />
            <TextField form_id="new-category" name="hours" input_type="number" required=true value="24"
                label=Signal::derive(move || t_string!(i18n, categories.hours).to_string()) error=add_error />
            <button type="submit">{t!(i18n, categories.add)}</button>
        </ActionForm>
    }
}

/// One category's form. A refused save shows its errors here, beside the fields, with what was typed.
#[component]
fn CategoryForm(category: CategorySummary, save: ServerAction<SaveCategory>) -> impl IntoView {
    let i18n = use_i18n();
    let id = category.id;
    let form_id = format!("category-{id}");
    let all_errors = action_error(save);
    let error = Signal::derive(move || {
        all_errors.get().filter(|e| e.field_errors().and_then(|f| f.value("id")) == Some(id.to_string().as_str()))
    });
    let active_id = format!("{form_id}-active");
    let active_for = active_id.clone();
    let heading_id = format!("{form_id}-heading");
    let labelled_by = heading_id.clone();
    let heading = category.name.clone();
    view! {
        <ActionForm action=save attr:aria-labelledby=labelled_by attr:class="card category-form" attr:novalidate=true>
            <h2 id=heading_id>{heading} " (" {category.slug.clone()} ")"</h2>
            <FormErrors error form_id=form_id.clone() />
            <input type="hidden" name="id" value=id />
            <TextField form_id=form_id.clone() name="name" value=category.name.clone() maxlength=NAME_MAX required=true
                label=Signal::derive(move || t_string!(i18n, categories.name).to_string()) error />
            <TextField form_id=form_id.clone() name="hours" input_type="number" value=category.first_response_hours.to_string()
                required=true label=Signal::derive(move || t_string!(i18n, categories.hours).to_string()) error />
            <div class="field">
                <label class="checkbox" for=active_for>
                    <input type="checkbox" id=active_id name="active" value="on" checked=category.active />
                    {t!(i18n, categories.active)}
                </label>
            </div>
            <button type="submit">{t!(i18n, categories.save)}</button>
        </ActionForm>
    }
}
