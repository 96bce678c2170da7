use leptos::html::Select;
use leptos::prelude::*;

use crate::api::auth::SetLocale;
use crate::i18n::*;
use leptos_i18n::Locale as _;

/// Each language in its own name, the same in every locale.
const LANGUAGES: [(Locale, &str); 2] = [(Locale::en, "English"), (Locale::pl, "Polski")];

/// The footer with the language switcher: a plain form post that sets the language cookie (works with
/// JavaScript off); once hydrated, the page switches language without a reload.
#[component]
pub fn Footer() -> impl IntoView {
    let i18n = use_i18n();
    let set_locale = ServerAction::<SetLocale>::new();
    let select = NodeRef::<Select>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = set_locale.value().get() {
            if let Some(chosen) = select.get().and_then(|s| s.value().parse::<Locale>().ok()) {
                i18n.set_locale(chosen);
            }
        }
    });
    view! {
        <footer class="site-footer">
            <p>{t!(i18n, footer.tagline)}</p>
            <ActionForm action=set_locale attr:aria-label=move || t_string!(i18n, footer.language_form) attr:class="language-form">
                <label for="locale">{t!(i18n, footer.language)}</label>
                <select id="locale" name="locale" node_ref=select>
                    {LANGUAGES
                        .into_iter()
                        .map(|(locale, name)| {
                            view! {
                                <option
                                    value=locale.as_str()
                                    selected=move || i18n.get_locale() == locale
                                    lang=locale.as_str()
                                >
                                    {name}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <button type="submit">{t!(i18n, footer.change_language)}</button>
            </ActionForm>
        </footer>
    }
}
