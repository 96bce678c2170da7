//! `/preferences/<token>`: what a customer wants mailed, changed without signing in through the link in
//! non-essential mail. Opening the page changes nothing; "Unsubscribe from surveys" is one click.
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::preferences::{get_preferences, PreferencesView, SavePreferences};
use crate::app::Page;
use crate::domain::preferences::Updates;
use crate::domain::AppError;
use crate::i18n::*;
use crate::ui::components::errors::{ErrorNotice, FormErrors};
use crate::ui::components::fields::action_error;
use crate::ui::components::title::PageTitle;

#[component]
pub fn PreferencesPage() -> impl IntoView {
    let i18n = use_i18n();
    let token = use_params_map().with_untracked(|p| p.get("token")).unwrap_or_default();
    let saved = use_query_map().with_untracked(|q| q.get("saved").is_some());
    let save = ServerAction::<SavePreferences>::new();
    let read = token.clone();
    let prefs = Resource::new(move || save.version().get(), move |_| get_preferences(read.clone()));
    view! {
        <Page>
            <PageTitle text=move || t_string!(i18n, preferences.title).to_string() />
            <h1>{t!(i18n, preferences.title)}</h1>
            <Transition fallback=|| ()>
                {move || {
                    let token = token.clone();
                    Suspend::new(async move {
                        match prefs.await {
                            Ok(view) => {
                                let saved = saved || save.value().with(|v| matches!(v, Some(Ok(()))));
                                view! { <Form view token saved save /> }.into_any()
                            }
                            Err(AppError::NotFound) => {
                                crate::ui::set_status(404);
                                view! { <p>{t!(i18n, preferences.not_found)}</p> }.into_any()
                            }
                            Err(error) => view! { <ErrorNotice error /> }.into_any(),
                        }
                    })
                }}
            </Transition>
        </Page>
    }
}

#[component]
fn Form(view: PreferencesView, token: String, saved: bool, save: ServerAction<SavePreferences>) -> impl IntoView {
    let i18n = use_i18n();
    let error = action_error(save);
    let email = view.email.clone();
    let prefs = view.preferences;
    let unsubscribe_token = token.clone();
    let choices = [
        (Updates::All, "updates-all", t_string!(i18n, preferences.updates_all)),
        (Updates::Important, "updates-important", t_string!(i18n, preferences.updates_important)),
    ];
    view! {
        <p>{t!(i18n, preferences.intro, email = move || email.clone())}</p>
        {saved.then(|| view! { <p class="notice notice-ok" role="status">{t!(i18n, preferences.saved)}</p> })}
        <ActionForm action=save attr:aria-labelledby="preferences-heading" attr:class="card">
            <h2 id="preferences-heading">{t!(i18n, preferences.title)}</h2>
            <FormErrors error form_id="preferences" />
            <input type="hidden" name="token" value=token.clone() />
            <fieldset id="preferences-updates">
                <legend>{t!(i18n, preferences.updates)}</legend>
                {choices
                    .into_iter()
                    .map(|(value, id, label)| {
                        view! {
                            <div class="field checkbox">
                                <input type="radio" id=id name="updates" value=value.as_str() checked=prefs.updates == value />
                                <label for=id>{label}</label>
                            </div>
                        }
                    })
                    .collect_view()}
            </fieldset>
            <div class="field checkbox">
                <input type="checkbox" id="preferences-surveys" name="surveys" value="on" checked=prefs.surveys />
                <label for="preferences-surveys">{t!(i18n, preferences.surveys)}</label>
            </div>
            <button type="submit">{t!(i18n, preferences.save)}</button>
        </ActionForm>
        {prefs
            .surveys
            .then(move || {
                view! {
                    <ActionForm action=save attr:class="inline-form">
                        <input type="hidden" name="token" value=unsubscribe_token />
                        <input type="hidden" name="updates" value=prefs.updates.as_str() />
                        <button type="submit" class="danger">{t!(i18n, preferences.unsubscribe)}</button>
                    </ActionForm>
                }
            })}
    }
}
