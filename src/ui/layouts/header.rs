use leptos::prelude::*;

use crate::api::auth::SignOut;
use crate::domain::CurrentUser;
use crate::i18n::*;
use crate::ui::session::{refetch_session_after, use_session};

/// Site name, navigation by role, and sign in / sign out.
#[component]
pub fn Header() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    view! {
        <header class="site-header">
            <a class="brand" href="/">
                {t!(i18n, site_name)}
            </a>
            <nav aria-label=move || t_string!(i18n, nav.label)>
                <ul>
                    <li>
                        <a href="/">{t!(i18n, nav.home)}</a>
                    </li>
                    <li>
                        <a href="/help">{t!(i18n, help.nav)}</a>
                    </li>
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            match session.0.await {
                                Ok(Some(user)) => view! { <SignedInLinks user /> }.into_any(),
                                _ => {
                                    view! {
                                        <li>
                                            <a href="/sign-in">{t!(i18n, nav.sign_in)}</a>
                                        </li>
                                    }
                                        .into_any()
                                }
                            }
                        })}
                    </Suspense>
                </ul>
            </nav>
        </header>
    }
}

#[component]
fn SignedInLinks(user: CurrentUser) -> impl IntoView {
    let i18n = use_i18n();
    let sign_out = ServerAction::<SignOut>::new();
    refetch_session_after(sign_out);
    view! {
        <li>
            <a href="/account">{t!(i18n, nav.account)}</a>
        </li>
        {user
            .has(crate::domain::Role::Customer)
            .then(|| {
                view! {
                    <li>
                        <a href="/my/requests">{t!(i18n, nav.my_requests)}</a>
                    </li>
                }
            })}
        {user
            .is_staff()
            .then(|| {
                view! {
                    <li>
                        <a href="/staff">{t!(i18n, nav.staff)}</a>
                    </li>
                    <li>
                        <a href="/staff/insights">{t!(i18n, insights.nav)}</a>
                    </li>
                }
            })}
        {user
            .has(crate::domain::Role::Editor)
            .then(|| {
                view! {
                    <li>
                        <a href="/editor">{t!(i18n, editor.nav)}</a>
                    </li>
                }
            })}
        {user
            .is_admin()
            .then(|| {
                view! {
                    <li>
                        <a href="/admin/users">{t!(i18n, nav.users)}</a>
                    </li>
                    <li>
                        <a href="/admin/categories">{t!(i18n, nav.categories)}</a>
                    </li>
                    <li>
                        <a href="/admin/surveys">{t!(i18n, nav.surveys)}</a>
                    </li>
                    <li>
                        <a href="/admin/outbox">{t!(i18n, nav.outbox)}</a>
                    </li>
                    <li>
                        <a href="/admin/scheduler">{t!(i18n, nav.scheduler)}</a>
                    </li>
                }
            })}
        <li>
            <ActionForm action=sign_out attr:class="inline-form">
                <button type="submit" class="link-button">
                    {t!(i18n, nav.sign_out)}
                </button>
            </ActionForm>
        </li>
    }
}
