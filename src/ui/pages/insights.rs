//! `/staff/insights`: the KPI dashboard. The period and filters are a GET form (a shareable URL that works
//! without JavaScript); the charts are SVG drawn on the server, each with a data table beside it.
use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_router::hooks::use_query_map;

use crate::api::insights::{insights_dashboard, Dashboard};
use crate::app::Page;
use crate::domain::insights::{Dimension, Durations, Group, Kpis, Ratio, CHANNELS};
use crate::domain::time::{format_day, format_utc};
use crate::i18n::*;
use crate::ui::components::errors::ErrorNotice;
use crate::ui::components::title::PageTitle;
use crate::ui::session::RequireRole;

#[component]
pub fn InsightsPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Page>
            <PageTitle text=move || t_string!(i18n, insights.title).to_string() />
            <RequireRole allowed=|u| u.is_staff() children=|_| view! { <Insights /> } />
        </Page>
    }
}

/// The query as the URL carries it: `(from, to, category, technician, channel)`.
type Params = (Option<String>, Option<String>, Option<String>, Option<String>, Option<String>);

#[component]
fn Insights() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let params = Memo::new(move |_| {
        query.with(|q| {
            let get = |k: &str| q.get(k).filter(|v| !v.is_empty());
            (get("from"), get("to"), get("category"), get("technician"), get("channel"))
        })
    });
    let data =
        Resource::new(move || params.get(), |(from, to, c, t, ch): Params| insights_dashboard(from, to, c, t, ch));
    view! {
        <h1>{t!(i18n, insights.title)}</h1>
        <p>{t!(i18n, insights.intro)}</p>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match data.await {
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    Ok(dashboard) => view! { <Body dashboard params=params.get_untracked() /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The query string of the shown period and filters (for the export links).
fn export_query(d: &Dashboard, params: &Params) -> String {
    let mut pairs = vec![("from", format_day(d.period.from_day)), ("to", format_day(d.period.to_day))];
    for (name, value) in [("category", &params.2), ("technician", &params.3), ("channel", &params.4)] {
        if let Some(v) = value {
            pairs.push((name, v.clone()));
        }
    }
    pairs.iter().map(|(k, v)| format!("{k}={}", crate::ui::session::urlencode(v))).collect::<Vec<_>>().join("&")
}

#[component]
fn Body(dashboard: Dashboard, params: Params) -> impl IntoView {
    let i18n = use_i18n();
    let query = export_query(&dashboard, &params);
    let Dashboard { period, kpis, categories, technicians } = dashboard;
    let option = |value: String, text: String, current: &Option<String>| {
        let selected = current.as_deref() == Some(value.as_str());
        view! { <option value=value selected=selected>{text}</option> }
    };
    let category_options = categories.into_iter().map(|c| option(c.id.to_string(), c.name, &params.2)).collect_view();
    let mut technician_list = vec![("none".to_owned(), t_string!(i18n, staff.unassigned).to_owned())];
    technician_list.extend(technicians.into_iter().map(|t| (t.id.to_string(), t.name)));
    let technician_options = technician_list.into_iter().map(|(v, t)| option(v, t, &params.3)).collect_view();
    let channel_options =
        CHANNELS.into_iter().map(|c| option(c.to_owned(), channel_name(i18n, c).to_owned(), &params.4)).collect_view();
    view! {
        <form method="get" action="/staff/insights" class="filters" role="search" aria-label=move || t_string!(i18n, insights.filters)>
            <div class="field">
                <label for="insights-from">{t!(i18n, insights.from)}</label>
                <input id="insights-from" name="from" type="date" value=format_day(period.from_day) />
            </div>
            <div class="field">
                <label for="insights-to">{t!(i18n, insights.to)}</label>
                <input id="insights-to" name="to" type="date" value=format_day(period.to_day) />
            </div>
            <div class="field">
                <label for="insights-category">{t!(i18n, track.category)}</label>
                <select id="insights-category" name="category">
                    <option value="">{t!(i18n, staff.filter_any)}</option>
                    {category_options}
                </select>
            </div>
            <div class="field">
                <label for="insights-technician">{t!(i18n, job.technician)}</label>
                <select id="insights-technician" name="technician">
                    <option value="">{t!(i18n, staff.filter_any)}</option>
                    {technician_options}
                </select>
            </div>
            <div class="field">
                <label for="insights-channel">{t!(i18n, insights.channel)}</label>
                <select id="insights-channel" name="channel">
                    <option value="">{t!(i18n, staff.filter_any)}</option>
                    {channel_options}
                </select>
            </div>
            <button type="submit">{t!(i18n, staff.apply_filters)}</button>
            " "
            <a href="/staff/insights">{t!(i18n, staff.clear_filters)}</a>
        </form>
        <p class="exports">
            {t!(i18n, insights.export)} " "
            <a href=format!("/staff/insights/jobs.csv?{query}") rel="external" download="">
                {t!(i18n, insights.export_jobs)}
            </a>
            " · "
            <a href=format!("/staff/insights/feedback.csv?{query}") rel="external" download="">
                {t!(i18n, insights.export_feedback)}
            </a>
        </p>
        <Cards kpis=kpis.clone() />
        <Trends kpis=kpis.clone() />
        <Polarisation groups=kpis.polarised />
    }
}

pub fn channel_name(i18n: I18nContext<Locale>, channel: &str) -> &'static str {
    match channel {
        "phone" => t_string!(i18n, insights.channel_phone),
        "email" => t_string!(i18n, insights.channel_email),
        _ => t_string!(i18n, insights.channel_web),
    }
}

/// A duration for people: minutes under an hour, hours under two days, then days.
fn duration_text(i18n: I18nContext<Locale>, ms: Option<i64>) -> String {
    let Some(ms) = ms else { return t_string!(i18n, insights.no_data).to_owned() };
    let minutes = ms as f64 / 60_000.0;
    if minutes < 60.0 {
        format!("{minutes:.0} {}", t_string!(i18n, insights.unit_minutes))
    } else if minutes < 48.0 * 60.0 {
        format!("{:.1} {}", minutes / 60.0, t_string!(i18n, insights.unit_hours))
    } else {
        format!("{:.1} {}", minutes / 1440.0, t_string!(i18n, insights.unit_days))
    }
}

fn percent_text(i18n: I18nContext<Locale>, ratio: Ratio) -> String {
    ratio.percent().map_or_else(|| t_string!(i18n, insights.no_data).to_owned(), |p| format!("{p:.1} %"))
}

fn number_text(i18n: I18nContext<Locale>, value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| t_string!(i18n, insights.no_data).to_owned(), |v| format!("{v:.decimals$}"))
}

#[component]
fn DurationCard(heading: Signal<String>, durations: Durations) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="card kpi">
            <h3>{heading}</h3>
            <dl>
                <dt>{t!(i18n, insights.median)}</dt>
                <dd>{move || duration_text(i18n, durations.median_ms)}</dd>
                <dt>{t!(i18n, insights.p90)}</dt>
                <dd>{move || duration_text(i18n, durations.p90_ms)}</dd>
                <dt>{t!(i18n, insights.count)}</dt>
                <dd>{durations.count}</dd>
            </dl>
        </div>
    }
}

#[component]
fn RatioCard(heading: Signal<String>, ratio: Ratio, of: Signal<String>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="card kpi">
            <h3>{heading}</h3>
            <p class="kpi-value">{move || percent_text(i18n, ratio)}</p>
            <p class="hint">{format!("{} / {} ", ratio.part, ratio.whole)} {of}</p>
        </div>
    }
}

fn text(f: fn(I18nContext<Locale>) -> &'static str) -> Signal<String> {
    Signal::derive(move || f(use_i18n()).to_string())
}

#[component]
fn Cards(kpis: Kpis) -> impl IntoView {
    let i18n = use_i18n();
    let csat = kpis.csat;
    let nps = kpis.nps;
    let deflection = kpis.deflection;
    let bars: Vec<(String, f64)> =
        csat.distribution.iter().enumerate().map(|(i, n)| ((i + 1).to_string(), *n as f64)).collect();
    view! {
        <section aria-labelledby="kpi-heading">
            <h2 id="kpi-heading">{t!(i18n, insights.kpis)}</h2>
            <p>{t!(i18n, insights.requests_created)} ": " <strong>{kpis.requests}</strong></p>
            <div class="kpi-grid">
                <DurationCard heading=text(|i| t_string!(i, insights.first_response)) durations=kpis.first_response />
                <DurationCard heading=text(|i| t_string!(i, insights.resolution)) durations=kpis.resolution />
                <RatioCard
                    heading=text(|i| t_string!(i, insights.first_time_fix))
                    ratio=kpis.first_time_fix
                    of=text(|i| t_string!(i, insights.of_completed))
                />
                <RatioCard
                    heading=text(|i| t_string!(i, insights.sla_met))
                    ratio=kpis.sla
                    of=text(|i| t_string!(i, insights.of_known))
                />
                <div class="card kpi">
                    <h3>{t!(i18n, insights.csat)}</h3>
                    <dl>
                        <dt>{t!(i18n, insights.mean)}</dt>
                        <dd>{move || number_text(i18n, csat.mean, 2)}</dd>
                        <dt>{t!(i18n, insights.sd)}</dt>
                        <dd>{move || number_text(i18n, csat.sd, 2)}</dd>
                        <dt>{t!(i18n, insights.answers)}</dt>
                        <dd>{csat.count}</dd>
                    </dl>
                </div>
                <div class="card kpi">
                    <h3>{t!(i18n, insights.nps)}</h3>
                    <p class="kpi-value">{move || number_text(i18n, nps.score, 0)}</p>
                    <dl>
                        <dt>{t!(i18n, insights.promoters)}</dt>
                        <dd>{nps.promoters}</dd>
                        <dt>{t!(i18n, insights.passives)}</dt>
                        <dd>{nps.passives}</dd>
                        <dt>{t!(i18n, insights.detractors)}</dt>
                        <dd>{nps.detractors}</dd>
                    </dl>
                </div>
                <div class="card kpi">
                    <h3>{t!(i18n, insights.deflection)}</h3>
                    {match deflection {
                        None => view! { <p class="kpi-value">{t!(i18n, insights.no_data)}</p> }.into_any(),
                        Some(d) => {
                            view! {
                                <p class="kpi-value">{move || percent_text(i18n, d.rate())}</p>
                                <p class="hint">
                                    {format!("{} / {} ", d.deflected, d.impressions)}
                                    {t!(i18n, insights.of_impressions)}
                                </p>
                            }
                                .into_any()
                        }
                    }}
                </div>
            </div>
            <Chart
                id="chart-csat"
                title=text(|i| t_string!(i, insights.chart_csat_distribution))
                label_heading=text(|i| t_string!(i, insights.score))
                value_heading=text(|i| t_string!(i, insights.answers))
                points=bars.into_iter().map(|(l, v)| (l, Some(v))).collect()
                kind=ChartKind::Bars
                decimals=0
            />
        </section>
    }
}

#[component]
fn Trends(kpis: Kpis) -> impl IntoView {
    let i18n = use_i18n();
    let weeks = kpis.weeks;
    let label = |start: i64| format_day(start / crate::domain::time::DAY_MS);
    let requests = weeks.iter().map(|w| (label(w.start), Some(w.requests as f64))).collect();
    let csat = weeks.iter().map(|w| (label(w.start), w.csat_mean)).collect();
    view! {
        <section aria-labelledby="trends-heading">
            <h2 id="trends-heading">{t!(i18n, insights.trends)}</h2>
            <Chart
                id="chart-requests"
                title=text(|i| t_string!(i, insights.chart_requests))
                label_heading=text(|i| t_string!(i, insights.week))
                value_heading=text(|i| t_string!(i, insights.requests))
                points=requests
                kind=ChartKind::Line { max: None }
                decimals=0
            />
            <Chart
                id="chart-csat-weekly"
                title=text(|i| t_string!(i, insights.chart_csat_weekly))
                label_heading=text(|i| t_string!(i, insights.week))
                value_heading=text(|i| t_string!(i, insights.mean))
                points=csat
                kind=ChartKind::Line { max: Some(5.0) }
                decimals=2
            />
        </section>
    }
}

#[derive(Clone, Copy, PartialEq)]
enum ChartKind {
    Bars,
    /// A line over the points with a value; `max` fixes the top of the scale (else the largest value).
    Line {
        max: Option<f64>,
    },
}

const WIDTH: f64 = 480.0;
const HEIGHT: f64 = 180.0;
const PAD: f64 = 24.0;

/// An SVG coordinate.
fn n2(v: f64) -> String {
    format!("{v:.1}")
}

/// A small SVG chart (drawn on the server, no script) labelled by its heading, and its data as a table
/// for screen readers and anyone who wants the numbers.
#[component]
fn Chart(
    id: &'static str,
    title: Signal<String>,
    label_heading: Signal<String>,
    value_heading: Signal<String>,
    points: Vec<(String, Option<f64>)>,
    kind: ChartKind,
    decimals: usize,
) -> impl IntoView {
    let i18n = use_i18n();
    let title_id = format!("{id}-title");
    let n = points.len().max(1) as f64;
    let largest = points.iter().filter_map(|p| p.1).fold(0.0f64, f64::max);
    let max = match kind {
        ChartKind::Line { max: Some(m) } => m,
        _ => largest,
    }
    .max(1.0);
    let plot_w = WIDTH - 2.0 * PAD;
    let plot_h = HEIGHT - 2.0 * PAD;
    let y = move |v: f64| PAD + plot_h - v / max * plot_h;
    let marks = match kind {
        ChartKind::Bars => {
            let slot = plot_w / n;
            points
                .iter()
                .enumerate()
                .filter_map(|(i, (_, v))| v.map(|v| (i, v)))
                .map(|(i, v)| {
                    let top = y(v);
                    view! {
                        <rect
                            x=format!("{:.1}", PAD + i as f64 * slot + slot * 0.15)
                            y=format!("{top:.1}")
                            width=format!("{:.1}", slot * 0.7)
                            height=format!("{:.1}", PAD + plot_h - top)
                            class="chart-bar"
                        ></rect>
                    }
                    .into_any()
                })
                .collect::<Vec<_>>()
        }
        ChartKind::Line { .. } => {
            let step = if points.len() > 1 { plot_w / (points.len() - 1) as f64 } else { 0.0 };
            let coords: Vec<(f64, f64)> =
                points.iter().enumerate().filter_map(|(i, (_, v))| v.map(|v| (PAD + i as f64 * step, y(v)))).collect();
            let line = coords.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect::<Vec<_>>().join(" ");
            let mut marks = vec![view! { <polyline points=line class="chart-line" fill="none"></polyline> }.into_any()];
            marks.extend(coords.into_iter().map(|(x, y)| {
                view! { <circle cx=format!("{x:.1}") cy=format!("{y:.1}") r="3" class="chart-dot"></circle> }.into_any()
            }));
            marks
        }
    };
    let base = PAD + plot_h;
    let top_label = if max.fract() == 0.0 { format!("{max:.0}") } else { format!("{max:.1}") };
    let first_label = points.first().map(|p| p.0.clone()).unwrap_or_default();
    let last_label = points.last().map(|p| p.0.clone()).unwrap_or_default();
    let rows = points
        .into_iter()
        .map(|(label, value)| {
            let shown = move || number_text(i18n, value, decimals);
            view! {
                <tr>
                    <th scope="row">{label}</th>
                    <td>{shown}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <figure class="chart">
            <h3 id=title_id.clone()>{title}</h3>
            <svg
                viewBox=format!("0 0 {WIDTH} {HEIGHT}")
                role="img"
                aria-labelledby=title_id
                class="chart-svg"
                preserveAspectRatio="xMidYMid meet"
            >
                <line x1=n2(PAD) y1=n2(base) x2=n2(WIDTH - PAD) y2=n2(base) class="chart-axis"></line>
                <line x1=n2(PAD) y1=n2(PAD) x2=n2(PAD) y2=n2(base) class="chart-axis"></line>
                <text x=n2(PAD - 4.0) y=n2(PAD + 4.0) text-anchor="end" class="chart-label">{top_label}</text>
                <text x=n2(PAD - 4.0) y=n2(base) text-anchor="end" class="chart-label">"0"</text>
                <text x=n2(PAD) y=n2(HEIGHT - 6.0) class="chart-label">{first_label}</text>
                <text x=n2(WIDTH - PAD) y=n2(HEIGHT - 6.0) text-anchor="end" class="chart-label">{last_label}</text>
                {marks}
            </svg>
            <details>
                <summary>{t!(i18n, insights.show_data)}</summary>
                <table>
                    <caption>{title}</caption>
                    <thead>
                        <tr>
                            <th scope="col">{label_heading}</th>
                            <th scope="col">{value_heading}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </details>
        </figure>
    }
}

fn dimension_name(i18n: I18nContext<Locale>, dimension: Dimension) -> &'static str {
    match dimension {
        Dimension::Category => t_string!(i18n, track.category),
        Dimension::Technician => t_string!(i18n, job.technician),
        Dimension::Channel => t_string!(i18n, insights.channel),
    }
}

/// Groups whose CSAT answers are split (a high standard deviation), with their newest comments.
#[component]
fn Polarisation(groups: Vec<Group>) -> impl IntoView {
    let i18n = use_i18n();
    let empty = groups.is_empty();
    let items = groups
        .into_iter()
        .map(|g| {
            let dimension = g.dimension;
            let label = g.label.clone();
            let key = g.key.clone();
            let name = move || match dimension {
                Dimension::Channel => channel_name(i18n, &key).to_owned(),
                Dimension::Technician if key == "none" => t_string!(i18n, staff.unassigned).to_owned(),
                _ => label.clone(),
            };
            let (mean, sd, count) = (g.csat.mean, g.csat.sd, g.csat.count);
            let comments = g
                .comments
                .into_iter()
                .map(|c| {
                    view! {
                        <li>
                            <span class="score">{format!("{}/5", c.score)}</span> " " <q>{c.text}</q> " "
                            <time datetime=crate::domain::time::iso8601(c.at)>{format_utc(c.at)}</time>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <li class="card">
                    <h3>{move || dimension_name(i18n, dimension)} ": " {name}</h3>
                    <p>
                        {t!(i18n, insights.mean)} " " {move || number_text(i18n, mean, 2)} " · "
                        {t!(i18n, insights.sd)} " " {move || number_text(i18n, sd, 2)} " · "
                        {t!(i18n, insights.answers)} " " {count}
                    </p>
                    <ul class="comments">{comments}</ul>
                </li>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="polarisation-heading">
            <h2 id="polarisation-heading">{t!(i18n, insights.polarisation)}</h2>
            <p class="hint">{t!(i18n, insights.polarisation_hint)}</p>
            {if empty {
                view! { <p>{t!(i18n, insights.no_polarised)}</p> }.into_any()
            } else {
                view! { <ul class="polarised">{items}</ul> }.into_any()
            }}
        </section>
    }
}
