//! `/admin/surveys`: when the follow-up surveys go out after a job is completed.
use leptos::prelude::*;

use crate::api::feedback::{survey_timing, SaveSurveyTiming};
use crate::app::Page;
use crate::i18n::*;
use crate::ui::components::errors::{ErrorNotice, FormErrors};
use crate::ui::components::fields::{action_error, TextField};
use crate::ui::components::title::PageTitle;
use crate::ui::session::RequireRole;

#[component]
pub fn AdminSurveysPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Page>
            <PageTitle text=move || t_string!(i18n, surveys.title).to_string() />
            <RequireRole allowed=|u| u.is_admin() children=|_| view! { <Timing /> } />
        </Page>
    }
}

#[component]
fn Timing() -> impl IntoView {
    let i18n = use_i18n();
    let save = ServerAction::<SaveSurveyTiming>::new();
    let error = action_error(save);
    let timing = Resource::new(move || save.version().get(), |_| survey_timing());
    let query = leptos_router::hooks::use_query_map();
    let saved = move || query.with(|q| q.get("saved").is_some()) && error.get().is_none();
    view! {
        <h1>{t!(i18n, surveys.title)}</h1>
        <p>{t!(i18n, surveys.intro)}</p>
        <div role="status">
            {move || saved().then(|| view! { <p class="notice notice-ok">{t!(i18n, surveys.saved)}</p> })}
        </div>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match timing.await {
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    Ok(timing) => {
                        view! {
                            <ActionForm action=save attr:aria-labelledby="timing-heading" attr:class="card" attr:novalidate=true>
                                <h2 id="timing-heading">{t!(i18n, surveys.timing)}</h2>
                                <FormErrors error form_id="timing" />
                                <TextField form_id="timing" name="fix_held_days" input_type="number" required=true
                                    value=timing.fix_held_days.to_string()
                                    label=Signal::derive(move || t_string!(i18n, surveys.fix_held_days).to_string()) error />
                                <TextField form_id="timing" name="salience_days" input_type="number" required=true
                                    value=timing.salience_days.to_string()
                                    label=Signal::derive(move || t_string!(i18n, surveys.salience_days).to_string()) error />
                                <TextField form_id="timing" name="nps_period_days" input_type="number" required=true
                                    value=timing.nps_period_days.to_string()
                                    label=Signal::derive(move || t_string!(i18n, surveys.nps_period_days).to_string()) error />
                                <button type="submit">{t!(i18n, surveys.save)}</button>
                            </ActionForm>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}
