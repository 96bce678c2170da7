//! The customer self-service portal: a Leptos app rendered on the server (feature `ssr`) and hydrated in the
//! browser (feature `hydrate`).
//!
//! - [`domain`]: types and rules shared by both sides
//! - [`api`]: server functions by area (thin endpoints)
//! - [`ui`]: components, layouts and pages
//! - [`live`]: live-update topics and the browser's SSE subscription
//! - `server` (ssr only): configuration, state, database layer, authentication, events, HTTP
#![recursion_limit = "256"]

// The `i18n` module (Locale, use_i18n, t!, t_string!, I18nContextProvider) generated from `locales/*.json`
// at compile time, so a missing key is a compile error. (0.6 prefers a build script; this form avoids its
// heavy ICU build dependencies and does the same.)
#[allow(deprecated)]
mod i18n_module {
    leptos_i18n::load_locales!();
}
pub use i18n_module::i18n;

pub mod api;
pub mod app;
pub mod domain;
pub mod live;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod server;

/// The cookie the i18n layer reads the chosen language from (leptos_i18n's default name).
pub const LOCALE_COOKIE: &str = "i18n_pref_locale";

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // Lets tests (and CSS) know the page is interactive now.
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
