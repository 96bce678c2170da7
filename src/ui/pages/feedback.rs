//! `/feedback/<token>`: a survey behind its private link. Opening the page (as a mail scanner does) records
//! nothing; the score a mail link carries (`?score=N`) is only preselected, and the form's POST records it.
//! The tracking page offers the same satisfaction question for a completed job ([`RatingForm`]).
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::feedback::{get_survey, AnswerSurvey, RateJob};
use crate::app::Page;
use crate::domain::feedback::{Moderation, SurveyKind, SurveyView, COMMENT_MAX, NAME_MAX, TOWN_MAX};
use crate::domain::AppError;
use crate::i18n::*;
use crate::ui::components::errors::{ErrorNotice, FormErrors};
use crate::ui::components::fields::{action_error, field_error, FieldMessage, TextField};
use crate::ui::components::title::PageTitle;

#[component]
pub fn FeedbackPage() -> impl IntoView {
    let i18n = use_i18n();
    let token = use_params_map().with_untracked(|p| p.get("token")).unwrap_or_default();
    let query = use_query_map();
    let preselected = query.with_untracked(|q| q.get("score").and_then(|s| s.parse::<i64>().ok()));
    let saved = query.with_untracked(|q| q.get("saved").is_some());
    let action = ServerAction::<AnswerSurvey>::new();
    let survey_token = token.clone();
    let survey = Resource::new(move || action.version().get(), move |_| get_survey(survey_token.clone()));
    view! {
        <Page>
            <PageTitle text=move || t_string!(i18n, feedback.title).to_string() />
            <Transition fallback=|| ()>
                {move || {
                    let token = token.clone();
                    Suspend::new(async move {
                        match survey.await {
                            Ok(view) => {
                                let saved = saved || action.value().with(|v| matches!(v, Some(Ok(()))));
                                view! { <Survey view token preselected saved action /> }.into_any()
                            }
                            Err(AppError::NotFound) => {
                                crate::ui::set_status(404);
                                view! {
                                    <h1>{t!(i18n, feedback.not_found_title)}</h1>
                                    <p>{t!(i18n, feedback.not_found_body)}</p>
                                }
                                    .into_any()
                            }
                            Err(error) => view! { <ErrorNotice error /> }.into_any(),
                        }
                    })
                }}
            </Transition>
        </Page>
    }
}

fn question(i18n: leptos_i18n::I18nContext<Locale>, kind: SurveyKind) -> &'static str {
    match kind {
        SurveyKind::Csat => t_string!(i18n, feedback.csat_question),
        SurveyKind::FixHeld => t_string!(i18n, feedback.fix_held_question),
        SurveyKind::Nps => t_string!(i18n, feedback.nps_question),
        SurveyKind::Salience => t_string!(i18n, feedback.salience_question),
    }
}

#[component]
fn Survey(
    view: SurveyView,
    token: String,
    preselected: Option<i64>,
    saved: bool,
    action: ServerAction<AnswerSurvey>,
) -> impl IntoView {
    let i18n = use_i18n();
    let error = action_error(action);
    let kind = view.kind;
    let reference = view.reference.clone();
    view! {
        <h1>{move || question(i18n, kind)}</h1>
        <p>
            {t!(i18n, feedback.about)} " " <strong>{reference}</strong> ": " {view.summary.clone()}
        </p>
        {saved.then(|| view! { <p class="notice notice-ok" role="status">{t!(i18n, feedback.thanks)}</p> })}
        {if view.expired {
            view! { <p class="notice" role="status">{t!(i18n, feedback.expired)}</p> }.into_any()
        } else {
            view! {
                <ActionForm action attr:aria-labelledby="survey-heading" attr:class="card" attr:novalidate=true>
                    <h2 id="survey-heading">
                        {move || if view.answered_at.is_some() { t_string!(i18n, feedback.change_answer) } else { t_string!(i18n, feedback.your_answer) }}
                    </h2>
                    <FormErrors error form_id="survey" />
                    <input type="hidden" name="token" value=token />
                    <AnswerFields form_id="survey" kind score=preselected.or(view.score) view=view.clone() error />
                    <button type="submit">{t!(i18n, feedback.send)}</button>
                </ActionForm>
            }
                .into_any()
        }}
    }
}

/// The answer's fields for one kind of survey: the score scale as radio buttons (with the given one
/// checked), the comment, and for praise the consent to be quoted.
#[component]
pub fn AnswerFields(
    #[prop(into)] form_id: String,
    kind: SurveyKind,
    score: Option<i64>,
    view: SurveyView,
    error: Signal<Option<AppError>>,
    /// The scale as radio buttons here; `false` when the form's submit buttons carry the score instead.
    #[prop(default = true)]
    scale: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let with_scale = scale;
    let kept_score = error
        .with_untracked(|e| e.as_ref().and_then(|e| e.field_errors()).and_then(|f| f.value("score").map(str::to_owned)))
        .and_then(|s| s.parse::<i64>().ok());
    let checked = kept_score.or(score);
    let score_error = field_error(error, "score");
    let scale: Vec<(i64, String)> = match kind {
        SurveyKind::Csat => {
            (1..=5).rev().map(|s| (s, format!("{s} – {}", csat_label(i18n.get_locale_untracked(), s)))).collect()
        }
        SurveyKind::Nps => (0..=10).rev().map(|s| (s, s.to_string())).collect(),
        SurveyKind::FixHeld => {
            vec![(1, t_string!(i18n, feedback.yes).to_owned()), (0, t_string!(i18n, feedback.no).to_owned())]
        }
        SurveyKind::Salience => Vec::new(),
    };
    let score_id = format!("{form_id}-score");
    let scale_view = (with_scale && !scale.is_empty()).then(|| {
        let legend = match kind {
            SurveyKind::Nps => t_string!(i18n, feedback.nps_scale),
            _ => t_string!(i18n, feedback.score),
        };
        view! {
            <fieldset
                id=score_id.clone()
                class=format!("scale scale-{}", kind.as_str())
                aria-describedby=move || score_error().map(|_| format!("{score_id}-error"))
            >
                <legend>{legend}</legend>
                <FieldMessage id=format!("{form_id}-score-error") name="score" error=Signal::derive(score_error) />
                {scale
                    .into_iter()
                    .map(|(value, label)| {
                        let id = format!("{form_id}-score-{value}");
                        view! {
                            <span class="scale-choice">
                                <input type="radio" id=id.clone() name="score" value=value checked=checked == Some(value) />
                                <label for=id>{label}</label>
                            </span>
                        }
                    })
                    .collect_view()}
            </fieldset>
        }
    });
    let comment_label = match kind {
        SurveyKind::Salience => t_string!(i18n, feedback.salience_label),
        SurveyKind::Nps => t_string!(i18n, feedback.nps_why),
        _ => t_string!(i18n, feedback.comment),
    };
    let may_quote = matches!(kind, SurveyKind::Csat | SurveyKind::Nps);
    let quote_error = field_error(error, "quote");
    let quote_view = may_quote.then(|| {
        let quote = view.quote.clone();
        let status = view.moderation.map(|m| match m {
            Moderation::Pending => t_string!(i18n, feedback.quote_pending),
            Moderation::Approved => t_string!(i18n, feedback.quote_approved),
            Moderation::Rejected => t_string!(i18n, feedback.quote_rejected),
        });
        let quote_id = format!("{form_id}-quote");
        view! {
            <fieldset class="quote">
                <legend>{t!(i18n, feedback.quote_legend)}</legend>
                <p class="hint">{t!(i18n, feedback.quote_hint)}</p>
                {status.map(|s| view! { <p role="status">{s}</p> })}
                <FieldMessage id=format!("{quote_id}-error") name="quote" error=Signal::derive(quote_error) />
                <div class="field checkbox">
                    <input type="checkbox" id=quote_id.clone() name="quote" value="on" checked=quote.is_some()
                        aria-describedby={
                            let quote_id = quote_id.clone();
                            move || quote_error().map(|_| format!("{quote_id}-error"))
                        } />
                    <label for=quote_id.clone()>{t!(i18n, feedback.quote_consent)}</label>
                </div>
                <TextField form_id=form_id.clone() name="first_name" maxlength=NAME_MAX autocomplete="given-name"
                    value=quote.as_ref().map(|q| q.first_name.clone()).unwrap_or_default()
                    label=Signal::derive(move || t_string!(i18n, feedback.first_name).to_string()) error />
                <TextField form_id=form_id.clone() name="town" maxlength=TOWN_MAX autocomplete="address-level2"
                    value=quote.as_ref().map(|q| q.town.clone()).unwrap_or_default()
                    label=Signal::derive(move || t_string!(i18n, feedback.town).to_string()) error />
            </fieldset>
        }
    });
    view! {
        {scale_view}
        <TextField form_id=form_id.clone() name="comment" multiline=true maxlength=COMMENT_MAX
            required=kind == SurveyKind::Salience value=view.comment.clone().unwrap_or_default()
            label=Signal::derive(move || comment_label.to_string()) error />
        {quote_view}
    }
}

/// The words for a satisfaction score (1 to 5), in the page and in the completion mail.
pub fn csat_label(locale: Locale, score: i64) -> &'static str {
    match score {
        1 => td_string!(locale, feedback.csat_1),
        2 => td_string!(locale, feedback.csat_2),
        3 => td_string!(locale, feedback.csat_3),
        4 => td_string!(locale, feedback.csat_4),
        _ => td_string!(locale, feedback.csat_5),
    }
}

/// The satisfaction question on a completed job's tracking page: one click on a score sends it (with the
/// comment above, if any); the current answer is marked.
#[component]
pub fn RatingForm(rating: SurveyView, key_fields: AnyView, action: ServerAction<RateJob>) -> impl IntoView {
    let i18n = use_i18n();
    let error = action_error(action);
    let current = rating.score;
    let expired = rating.expired;
    let score_error = field_error(error, "score");
    view! {
        <section aria-labelledby="rating-heading" class="card">
            <h2 id="rating-heading">{t!(i18n, feedback.csat_question)}</h2>
            {current
                .map(|score| {
                    view! {
                        <p role="status">
                            {t!(i18n, feedback.your_rating)} " " <strong>{format!("{score} – {}", csat_label(i18n.get_locale_untracked(), score))}</strong>
                        </p>
                    }
                })}
            {if expired {
                view! { <p>{t!(i18n, feedback.expired)}</p> }.into_any()
            } else {
                view! {
                    <ActionForm action attr:novalidate=true attr:aria-label=move || t_string!(i18n, feedback.rate_form)>
                        <FormErrors error form_id="rating" />
                        {key_fields}
                        <AnswerFields form_id="rating" kind=SurveyKind::Csat score=current view=rating.clone() error scale=false />
                        <FieldMessage id="rating-score-error".to_string() name="score" error=Signal::derive(score_error) />
                        <div id="rating-score" class="scale-buttons" role="group" aria-label=move || t_string!(i18n, feedback.score)>
                            {(1..=5)
                                .rev()
                                .map(|score| {
                                    let label = format!("{score} – {}", csat_label(i18n.get_locale_untracked(), score));
                                    view! {
                                        <button type="submit" name="score" value=score aria-pressed=if current == Some(score) { "true" } else { "false" }>
                                            {label}
                                        </button>
                                    }
                                })
                                .collect_view()}
                        </div>
                    </ActionForm>
                }
                    .into_any()
            }}
        </section>
    }
}
