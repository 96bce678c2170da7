use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::auth::{RequestLink, SignIn};
use crate::app::Page;
use crate::domain::email::EMAIL_MAX_LEN;
use crate::domain::password::PASSWORD_MAX_LEN;
use crate::i18n::*;
use crate::ui::components::errors::FormErrors;
use crate::ui::components::fields::{action_error, TextField};
use crate::ui::components::title::PageTitle;

#[component]
pub fn SignInPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Page>
            <PageTitle text=move || t_string!(i18n, sign_in.title).to_string() />
            <h1>{t!(i18n, sign_in.title)}</h1>
            <div class="two-columns">
                <PasswordForm />
                <LinkForm />
            </div>
        </Page>
    }
}

#[component]
fn PasswordForm() -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<SignIn>::new();
    let error = action_error(action);
    let next = use_query_map().with_untracked(|q| q.get("next"));
    let pending = action.pending();
    view! {
        <section class="card">
            <h2 id="password-heading">{t!(i18n, sign_in.password_heading)}</h2>
            <p>{t!(i18n, sign_in.password_intro)}</p>
            <ActionForm action attr:aria-labelledby="password-heading" attr:novalidate=true>
                <FormErrors error form_id="signin" />
                <input type="hidden" name="next" value=next />
                <TextField
                    form_id="signin"
                    name="email"
                    input_type="email"
                    autocomplete="username"
                    maxlength=EMAIL_MAX_LEN
                    required=true
                    label=Signal::derive(move || t_string!(i18n, sign_in.email).to_string())
                    error
                />
                <TextField
                    form_id="signin"
                    name="password"
                    input_type="password"
                    autocomplete="current-password"
                    maxlength=PASSWORD_MAX_LEN
                    required=true
                    label=Signal::derive(move || t_string!(i18n, sign_in.password).to_string())
                    error
                />
                <button type="submit" disabled=move || pending.get()>
                    {t!(i18n, sign_in.submit)}
                </button>
            </ActionForm>
        </section>
    }
}

#[component]
fn LinkForm() -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<RequestLink>::new();
    let error = action_error(action);
    // The server answers a sent link with a redirect to `?sent=1`, with or without JavaScript.
    let query = use_query_map();
    let sent = move || query.with(|q| q.get("sent").is_some()) && error.get().is_none();
    let pending = action.pending();
    view! {
        <section class="card">
            <h2 id="link-heading">{t!(i18n, sign_in.link_heading)}</h2>
            <p>{t!(i18n, sign_in.link_intro)}</p>
            <ActionForm action attr:aria-labelledby="link-heading" attr:novalidate=true>
                <FormErrors error form_id="link" />
                <div role="status">
                    {move || sent().then(|| view! { <p class="notice notice-ok">{t!(i18n, sign_in.link_sent)}</p> })}
                </div>
                <TextField
                    form_id="link"
                    name="email"
                    input_type="email"
                    autocomplete="email"
                    maxlength=EMAIL_MAX_LEN
                    required=true
                    label=Signal::derive(move || t_string!(i18n, sign_in.email).to_string())
                    error
                />
                <button type="submit" disabled=move || pending.get()>
                    {t!(i18n, sign_in.send_link)}
                </button>
            </ActionForm>
        </section>
    }
}
