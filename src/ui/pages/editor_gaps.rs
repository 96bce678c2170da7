//! `/editor/gaps`: the content-gap queue. What readers searched for in vain (each closed by linking the
//! article that answers it), the articles most often voted not helpful with what was missing, published
//! articles nobody has updated for N months (the editors' setting), and how often the request form's
//! suggestions kept a request from being filed. Every form is a plain post, so it works without JavaScript.
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::gaps::{
    content_gap_queue, CloseGap, ClosedGap, ContentGap, DeflectionView, NotHelpful, SetStaleMonths, StaleArticle,
};
use crate::app::Page;
use crate::domain::kb::SLUG_MAX;
use crate::domain::Role;
use crate::i18n::*;
use crate::ui::components::errors::{ErrorNotice, FormErrors};
use crate::ui::components::fields::{action_error, TextField};
use crate::ui::components::job::Timestamp;
use crate::ui::session::RequireRole;

use super::editor::locale_text;
use crate::ui::components::title::PageTitle;

#[component]
pub fn EditorGapsPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Page>
            <PageTitle text=move || t_string!(i18n, editor.gaps_title).to_string() />
            <RequireRole allowed=|u| u.has(Role::Editor) children=|_| view! { <GapQueue /> } />
        </Page>
    }
}

#[component]
fn GapQueue() -> impl IntoView {
    let i18n = use_i18n();
    let close = ServerAction::<CloseGap>::new();
    let months = ServerAction::<SetStaleMonths>::new();
    let queue = Resource::new(move || (close.version().get(), months.version().get()), |_| content_gap_queue());
    let query = use_query_map();
    let (close_error, months_error) = (action_error(close), action_error(months));
    let closed = move || query.with(|q| q.get("closed").is_some()) && close_error.get().is_none();
    let saved = move || query.with(|q| q.get("saved").is_some()) && months_error.get().is_none();
    view! {
        <p><a href="/editor">{t!(i18n, editor.back)}</a></p>
        <h1>{t!(i18n, editor.gaps_title)}</h1>
        <p>{t!(i18n, editor.gaps_page_intro)}</p>
        <div role="status">
            {move || closed().then(|| view! { <p class="notice notice-ok">{t!(i18n, editor.gap_closed)}</p> })}
            {move || saved().then(|| view! { <p class="notice notice-ok">{t!(i18n, editor.setting_saved)}</p> })}
        </div>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match queue.await {
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    Ok(q) => {
                        view! {
                            <Deflection counts=q.deflection />
                            <OpenGaps gaps=q.open close />
                            <ClosedGaps gaps=q.closed />
                            <NotHelpfulArticles articles=q.not_helpful />
                            <StaleArticles months=q.stale_months articles=q.stale action=months />
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

fn edit_link(id: i64, title: String) -> impl IntoView {
    view! { <a href=format!("/editor/articles/{id}")>{title}</a> }
}

#[component]
fn Deflection(counts: DeflectionView) -> impl IntoView {
    let i18n = use_i18n();
    let days = counts.days;
    view! {
        <section class="card" aria-labelledby="deflection-heading">
            <h2 id="deflection-heading">{t!(i18n, editor.deflection_heading)}</h2>
            <p>{t!(i18n, editor.deflection_intro, days = move || days)}</p>
            <dl class="counts">
                <dt>{t!(i18n, editor.deflection_sessions)}</dt>
                <dd>{counts.sessions}</dd>
                <dt>{t!(i18n, editor.deflection_impressions)}</dt>
                <dd>{counts.impressions}</dd>
                <dt>{t!(i18n, editor.deflection_clicks)}</dt>
                <dd>{counts.clicks}</dd>
                <dt>{t!(i18n, editor.deflection_submitted)}</dt>
                <dd>{counts.submitted}</dd>
                <dt>{t!(i18n, editor.deflection_deflected)}</dt>
                <dd>{counts.deflected}</dd>
            </dl>
        </section>
    }
}

/// The searches that found nothing (shown as text), each with a form that closes it.
#[component]
fn OpenGaps(gaps: Vec<ContentGap>, close: ServerAction<CloseGap>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card" aria-labelledby="gaps-heading">
            <h2 id="gaps-heading">{t!(i18n, editor.gaps_heading)}</h2>
            <p>{t!(i18n, editor.gaps_intro)}</p>
            {if gaps.is_empty() {
                view! { <p>{t!(i18n, editor.no_gaps)}</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="gaps">
                            <thead>
                                <tr>
                                    <th scope="col">{t!(i18n, editor.col_query)}</th>
                                    <th scope="col">{t!(i18n, editor.col_locale)}</th>
                                    <th scope="col">{t!(i18n, editor.col_count)}</th>
                                    <th scope="col">{t!(i18n, editor.col_last_seen)}</th>
                                    <th scope="col">{t!(i18n, editor.col_close)}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {gaps
                                    .into_iter()
                                    .enumerate()
                                    .map(|(n, gap)| view! { <OpenGap n gap close /> })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                    .into_any()
            }}
        </section>
    }
}

#[component]
fn OpenGap(n: usize, gap: ContentGap, close: ServerAction<CloseGap>) -> impl IntoView {
    let i18n = use_i18n();
    let form_id = format!("gap-{n}");
    let all_errors = action_error(close);
    // The shared action's error belongs to this row when it names this row's search.
    let (query, locale) = (gap.query.clone(), gap.locale.clone());
    let error = Signal::derive(move || {
        all_errors.get().filter(|e| {
            e.field_errors()
                .is_some_and(|f| f.value("query") == Some(query.as_str()) && f.value("locale") == Some(locale.as_str()))
        })
    });
    let form_label = format!("{}: {}", t_string!(i18n, editor.col_close), gap.query);
    view! {
        <tr>
            <td>{gap.query.clone()}</td>
            <td>{locale_text(i18n, &gap.locale)}</td>
            <td>{gap.count}</td>
            <td><Timestamp at=gap.last_seen_at /></td>
            <td>
                <ActionForm action=close attr:class="gap-close" attr:aria-label=form_label attr:novalidate=true>
                    <FormErrors error form_id=form_id.clone() />
                    <input type="hidden" name="query" value=gap.query />
                    <input type="hidden" name="locale" value=gap.locale />
                    <TextField form_id=form_id name="slug" maxlength=SLUG_MAX required=true
                        label=Signal::derive(move || t_string!(i18n, editor.close_slug_label).to_string())
                        hint=Signal::derive(move || t_string!(i18n, editor.close_slug_hint).to_string()) error />
                    <button type="submit">{t!(i18n, editor.close_gap)}</button>
                </ActionForm>
            </td>
        </tr>
    }
}

#[component]
fn ClosedGaps(gaps: Vec<ClosedGap>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card" aria-labelledby="closed-gaps-heading">
            <h2 id="closed-gaps-heading">{t!(i18n, editor.closed_gaps_heading)}</h2>
            {if gaps.is_empty() {
                view! { <p>{t!(i18n, editor.no_closed_gaps)}</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="gaps">
                            <thead>
                                <tr>
                                    <th scope="col">{t!(i18n, editor.col_query)}</th>
                                    <th scope="col">{t!(i18n, editor.col_locale)}</th>
                                    <th scope="col">{t!(i18n, editor.col_count)}</th>
                                    <th scope="col">{t!(i18n, editor.col_answer)}</th>
                                    <th scope="col">{t!(i18n, editor.col_closed)}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {gaps
                                    .into_iter()
                                    .map(|g| {
                                        let answer = match (g.article_id, g.title.or(g.slug)) {
                                            (Some(id), Some(title)) => edit_link(id, title).into_any(),
                                            _ => t!(i18n, editor.answer_gone).into_any(),
                                        };
                                        view! {
                                            <tr>
                                                <td>{g.query}</td>
                                                <td>{locale_text(i18n, &g.locale)}</td>
                                                <td>{g.count}</td>
                                                <td>{answer}</td>
                                                <td><Timestamp at=g.closed_at /> " " {g.closed_by}</td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                    .into_any()
            }}
        </section>
    }
}

/// Articles with "not helpful" votes, the most first, with what voters said was missing (as text).
#[component]
fn NotHelpfulArticles(articles: Vec<NotHelpful>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card" aria-labelledby="not-helpful-heading">
            <h2 id="not-helpful-heading">{t!(i18n, editor.not_helpful_heading)}</h2>
            {if articles.is_empty() {
                view! { <p>{t!(i18n, editor.no_not_helpful)}</p> }.into_any()
            } else {
                view! {
                    <ul class="not-helpful">
                        {articles
                            .into_iter()
                            .map(|a| {
                                let (no, yes) = (a.not_helpful, a.helpful);
                                view! {
                                    <li>
                                        {edit_link(a.article.id, a.article.title)}
                                        " · "
                                        {t!(i18n, editor.vote_counts, no = move || no, yes = move || yes)}
                                        {(!a.comments.is_empty())
                                            .then(|| {
                                                view! {
                                                    <ul>
                                                        {a.comments.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}
                                                    </ul>
                                                }
                                            })}
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

/// Published articles not updated for `months`, and the setting.
#[component]
fn StaleArticles(months: i64, articles: Vec<StaleArticle>, action: ServerAction<SetStaleMonths>) -> impl IntoView {
    let i18n = use_i18n();
    let error = action_error(action);
    view! {
        <section class="card" aria-labelledby="stale-heading">
            <h2 id="stale-heading">{t!(i18n, editor.stale_heading, months = move || months)}</h2>
            {if articles.is_empty() {
                view! { <p>{t!(i18n, editor.no_stale)}</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="gaps">
                            <thead>
                                <tr>
                                    <th scope="col">{t!(i18n, editor.col_title)}</th>
                                    <th scope="col">{t!(i18n, editor.col_updated)}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {articles
                                    .into_iter()
                                    .map(|a| {
                                        view! {
                                            <tr>
                                                <td>{edit_link(a.article.id, a.article.title)}</td>
                                                <td><Timestamp at=a.updated_at /></td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                    .into_any()
            }}
            <ActionForm action attr:class="inline-form" attr:aria-labelledby="stale-setting-heading" attr:novalidate=true>
                <h3 id="stale-setting-heading">{t!(i18n, editor.stale_setting_heading)}</h3>
                <FormErrors error form_id="stale" />
                <TextField form_id="stale" name="months" input_type="number" value=months.to_string() required=true
                    label=Signal::derive(move || t_string!(i18n, editor.stale_months_label).to_string()) error />
                <button type="submit">{t!(i18n, editor.save_setting)}</button>
            </ActionForm>
        </section>
    }
}
