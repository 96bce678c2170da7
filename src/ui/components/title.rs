//! The page's `<title>`.
use leptos::prelude::*;
use leptos::text_prop::TextProp;
use leptos_meta::Title;

/// The page's `<title>`, usually a translated string. In the browser it follows the language switcher. On the
/// server it is worked out while the page renders: leptos_meta reads a title only when it writes the `<head>`,
/// after the page's first chunk, and under Leptos 0.8's sandboxed arenas that read can run on a thread whose
/// current arena is another request's (or none), so a title that reads a signal (the locale) panicked now
/// and then with concurrent requests ("the `sandboxed-arenas` feature is active, but no Arena is active")
/// and the page's response was lost.
#[component]
pub fn PageTitle(#[prop(into)] text: TextProp) -> impl IntoView {
    #[cfg(feature = "ssr")]
    let text = TextProp::from(text.get());
    view! { <Title text /> }
}
