//! Time windows and ETAs: how they read, and the fields that ask for them.
use leptos::prelude::*;
use leptos_i18n::I18nContext;

use crate::domain::schedule::{PartOfDay, Window, MAX_WINDOWS};
use crate::domain::time::format_utc;
use crate::domain::AppError;
use crate::i18n::*;

use super::fields::{SelectField, TextField};

pub fn part_name(i18n: I18nContext<Locale>, part: PartOfDay) -> &'static str {
    match part {
        PartOfDay::Morning => t_string!(i18n, schedule.morning),
        PartOfDay::Afternoon => t_string!(i18n, schedule.afternoon),
        PartOfDay::Evening => t_string!(i18n, schedule.evening),
    }
}

/// "2026-11-24, morning (08:00–12:00)".
pub fn window_text(i18n: I18nContext<Locale>, window: Window) -> String {
    let (from, to) = window.part.hours();
    format!("{}, {} ({from:02}:00–{to:02}:00)", window.day_str(), part_name(i18n, window.part))
}

#[component]
pub fn WindowText(window: Window) -> impl IntoView {
    let i18n = use_i18n();
    view! { <span>{move || window_text(i18n, window)}</span> }
}

/// An ETA: the instant in UTC, marked up for machines.
#[component]
pub fn EtaText(at: i64) -> impl IntoView {
    view! { <time datetime=crate::domain::time::iso8601(at)>{format_utc(at)} " UTC"</time> }
}

const DAY_FIELDS: [&str; MAX_WINDOWS] = ["window1_day", "window2_day", "window3_day"];
const PART_FIELDS: [&str; MAX_WINDOWS] = ["window1_part", "window2_part", "window3_part"];

/// The part-of-day choices for a select, `(value, label)`.
pub fn part_options(i18n: I18nContext<Locale>) -> Vec<(String, String)> {
    PartOfDay::ALL.into_iter().map(|p| (p.as_str().to_owned(), part_name(i18n, p).to_owned())).collect()
}

/// One to three preferred windows, each a group with a date and a part of the day; the first is required.
#[component]
pub fn WindowFields(form_id: &'static str, error: Signal<Option<AppError>>) -> impl IntoView {
    let i18n = use_i18n();
    let rows = (0..MAX_WINDOWS)
        .map(|i| {
            let n = i + 1;
            let required = n == 1;
            view! {
                <fieldset class="window-row">
                    <legend>{t!(i18n, schedule.window_legend, n = move || n)}</legend>
                    <TextField form_id=form_id name=DAY_FIELDS[i] input_type="date" required
                        label=Signal::derive(move || t_string!(i18n, schedule.date).to_string()) error />
                    <SelectField form_id=form_id name=PART_FIELDS[i] options=part_options(i18n) required
                        label=Signal::derive(move || t_string!(i18n, schedule.part).to_string())
                        placeholder=Signal::derive(move || t_string!(i18n, schedule.choose_part).to_string()) error />
                </fieldset>
            }
        })
        .collect_view();
    view! {
        <div class="windows">
            <p class="hint">{t!(i18n, schedule.windows_hint)}</p>
            {rows}
        </div>
    }
}
