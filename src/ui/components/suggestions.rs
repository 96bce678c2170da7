//! Suggested help articles on the request form. While the customer describes the problem (JavaScript only:
//! without it the form is just the form), the summary and description are sent 300 ms after the last key,
//! from 3 characters on, and up to three published articles that may answer it are listed in a live region.
//! Each opens in a new tab, so the half-filled form stays as it is; opening one is recorded (deflection).
use leptos::prelude::*;

use crate::api::help::{suggest_articles, suggestion_opened, ArticleLink};
use crate::domain::kb::{SUGGEST_DEBOUNCE_MS, SUGGEST_MIN_CHARS};
use crate::i18n::*;

/// The suggestions of one rendering of the form. Cheap to copy into closures.
#[derive(Clone, Copy)]
pub struct Suggestions {
    /// The form's idempotency key: it names this form session in the deflection log.
    form_key: StoredValue<String>,
    /// `(summary, description)` as typed.
    typed: RwSignal<(String, String)>,
    shown: RwSignal<Vec<ArticleLink>>,
    /// Answers to older questions than the latest are dropped.
    asked: StoredValue<u64>,
}

impl Suggestions {
    pub fn new(form_key: String) -> Self {
        let suggestions = Suggestions {
            form_key: StoredValue::new(form_key),
            typed: RwSignal::new(Default::default()),
            shown: RwSignal::new(Vec::new()),
            asked: StoredValue::new(0),
        };
        let locale = use_i18n();
        Effect::new(move |previous: Option<Option<leptos::leptos_dom::helpers::TimeoutHandle>>| {
            let (summary, description) = suggestions.typed.get();
            if let Some(Some(handle)) = previous {
                handle.clear();
            }
            let locale = locale.get_locale_untracked().as_str().to_owned();
            let ask = move || suggestions.ask(locale, summary, description);
            set_timeout_with_handle(ask, std::time::Duration::from_millis(SUGGEST_DEBOUNCE_MS)).ok()
        });
        suggestions
    }

    /// Runs from a timer, and its answer arrives later still: by then the form may be gone (it was sent, the
    /// visitor went elsewhere), so every access tolerates a disposed owner.
    fn ask(self, locale: String, summary: String, description: String) {
        let (Some(asked), Some(form)) = (self.asked.try_get_value(), self.form_key.try_get_value()) else { return };
        let n = asked + 1;
        self.asked.try_set_value(n);
        if summary.trim().chars().count() + description.trim().chars().count() < SUGGEST_MIN_CHARS {
            self.shown.try_set(Vec::new());
            return;
        }
        leptos::task::spawn_local(async move {
            // A failed lookup (rate limit, network) just leaves the last suggestions: they are a nicety.
            if let Ok(found) = suggest_articles(form, locale, summary, description).await {
                if self.asked.try_get_value() == Some(n) {
                    self.shown.try_set(found);
                }
            }
        });
    }

    /// The `input` handler for a container of the form's fields: typing in the summary or the description
    /// asks again.
    #[allow(unused_variables)]
    pub fn on_input(self) -> impl Fn(leptos::ev::Event) + 'static {
        move |ev| {
            #[cfg(feature = "hydrate")]
            {
                use wasm_bindgen::JsCast;
                let Some(target) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return };
                if !matches!(target.get_attribute("name").as_deref(), Some("summary" | "description")) {
                    return;
                }
                let form =
                    target.closest("form").ok().flatten().and_then(|f| f.dyn_into::<web_sys::HtmlFormElement>().ok());
                let Some(data) = form.and_then(|f| web_sys::FormData::new_with_form(&f).ok()) else { return };
                let value = |field: &str| data.get(field).as_string().unwrap_or_default();
                self.typed.set((value("summary"), value("description")));
            }
        }
    }
}

/// The live region with the suggestions: always in the page (so that screen readers announce what appears
/// in it), with a heading and the list only while there are suggestions.
#[component]
pub fn SuggestedArticles(suggestions: Suggestions) -> impl IntoView {
    let i18n = use_i18n();
    let open = move |slug: String| {
        let Some(form) = suggestions.form_key.try_get_value() else { return };
        leptos::task::spawn_local(async move {
            let _ = suggestion_opened(form, slug).await;
        });
    };
    view! {
        <div aria-live="polite" class="suggestions-live">
            {move || {
                let shown = suggestions.shown.get();
                (!shown.is_empty())
                    .then(|| {
                        view! {
                            <section class="suggestions" aria-labelledby="suggestions-heading">
                                <h3 id="suggestions-heading">{t!(i18n, help.suggest_heading)}</h3>
                                <p class="hint">{t!(i18n, help.suggest_hint)}</p>
                                <ul>
                                    {shown
                                        .into_iter()
                                        .map(|a| {
                                            let href = format!("/help/articles/{}", a.slug);
                                            let slug = a.slug;
                                            view! {
                                                <li>
                                                    <a
                                                        href=href
                                                        target="_blank"
                                                        rel="noopener"
                                                        hreflang=a.locale
                                                        on:click=move |_| open(slug.clone())
                                                    >
                                                        {a.title}
                                                        <span class="visually-hidden">
                                                            " " {t!(i18n, help.new_tab)}
                                                        </span>
                                                    </a>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            </section>
                        }
                    })
            }}
        </div>
    }
}
