use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::auth::{link_status, UseLink};
use crate::app::Page;
use crate::i18n::*;
use crate::ui::components::errors::{ErrorNotice, FormErrors};
use crate::ui::components::fields::action_error;
use crate::ui::components::title::PageTitle;

/// The page a sign-in link opens. Opening it changes nothing (mail scanners follow links); the Continue
/// button posts the token.
#[component]
pub fn MagicLinkPage() -> impl IntoView {
    let i18n = use_i18n();
    let token = use_query_map().with_untracked(|q| q.get("token")).unwrap_or_default();
    let usable = Resource::new(
        {
            let token = token.clone();
            move || token.clone()
        },
        link_status,
    );
    let action = ServerAction::<UseLink>::new();
    let error = action_error(action);
    view! {
        <Page>
            <PageTitle text=move || t_string!(i18n, magic.title).to_string() />
            <h1>{t!(i18n, magic.title)}</h1>
            <Suspense fallback=|| ()>
                {move || {
                    let token = token.clone();
                    Suspend::new(async move {
                        let usable = match usable.await {
                            Ok(usable) => usable,
                            Err(error) => return view! { <ErrorNotice error /> }.into_any(),
                        };
                        if usable {
                            view! {
                                <p>{t!(i18n, magic.intro)}</p>
                                <ActionForm action attr:aria-labelledby="magic-heading">
                                    <FormErrors error form_id="magic" />
                                    <input type="hidden" name="token" value=token />
                                    <button type="submit" id="magic-heading">
                                        {t!(i18n, magic.continue_button)}
                                    </button>
                                </ActionForm>
                            }
                                .into_any()
                        } else {
                            view! {
                                <p role="alert">{t!(i18n, magic.expired)}</p>
                                <p>
                                    <a href="/sign-in">{t!(i18n, magic.request_new)}</a>
                                </p>
                            }
                                .into_any()
                        }
                    })
                }}
            </Suspense>
        </Page>
    }
}
