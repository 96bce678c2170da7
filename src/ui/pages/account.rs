use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::account::{ChangePassword, UpdateProfile};
use crate::app::Page;
use crate::domain::password::PASSWORD_MAX_LEN;
use crate::domain::user::DISPLAY_NAME_MAX_LEN;
use crate::domain::{CurrentUser, Role};
use crate::i18n::*;
use crate::ui::components::errors::FormErrors;
use crate::ui::components::fields::{action_error, TextField};
use crate::ui::components::title::PageTitle;
use crate::ui::session::{refetch_session_after, RequireRole};
use leptos_i18n::I18nContext;

pub fn role_name(i18n: I18nContext<Locale>, role: Role) -> String {
    match role {
        Role::Customer => t_string!(i18n, roles.customer),
        Role::Staff => t_string!(i18n, roles.staff),
        Role::Editor => t_string!(i18n, roles.editor),
        Role::Admin => t_string!(i18n, roles.admin),
    }
    .to_string()
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Page>
            <PageTitle text=move || t_string!(i18n, account.title).to_string() />
            <RequireRole allowed=|_| true children=|user| view! { <Account user /> } />
        </Page>
    }
}

#[component]
fn Account(user: CurrentUser) -> impl IntoView {
    let i18n = use_i18n();
    let roles = user.roles.iter().collect::<Vec<_>>();
    let roles_text = move || roles.iter().map(|r| role_name(i18n, *r)).collect::<Vec<_>>().join(", ");
    view! {
        <h1>{t!(i18n, account.title)}</h1>
        <dl class="facts">
            <dt>{t!(i18n, account.email)}</dt>
            <dd>{user.email.clone()}</dd>
            <dt>{t!(i18n, account.roles)}</dt>
            <dd>{roles_text}</dd>
        </dl>
        <div class="two-columns">
            <ProfileForm name=user.display_name.clone().unwrap_or_default() />
            <PasswordForm has_password=user.has_password />
        </div>
    }
}

/// `?saved=…` is where the server sends the browser after a successful save (with or without JavaScript).
fn saved(what: &'static str) -> impl Fn() -> bool + Copy {
    let query = use_query_map();
    move || query.with(|q| q.get("saved").as_deref() == Some(what))
}

#[component]
fn ProfileForm(name: String) -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<UpdateProfile>::new();
    let error = action_error(action);
    let saved = saved("profile");
    view! {
        <section class="card">
            <h2 id="profile-heading">{t!(i18n, account.profile_heading)}</h2>
            <ActionForm action attr:aria-labelledby="profile-heading" attr:novalidate=true>
                <FormErrors error form_id="profile" />
                <div role="status">
                    {move || (saved() && error.get().is_none()).then(|| view! { <p class="notice notice-ok">{t!(i18n, account.profile_saved)}</p> })}
                </div>
                <TextField
                    form_id="profile"
                    name="display_name"
                    autocomplete="name"
                    maxlength=DISPLAY_NAME_MAX_LEN
                    value=name
                    label=Signal::derive(move || t_string!(i18n, account.display_name).to_string())
                    hint=Signal::derive(move || t_string!(i18n, account.display_name_hint).to_string())
                    error
                />
                <button type="submit">{t!(i18n, account.save_profile)}</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn PasswordForm(has_password: bool) -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<ChangePassword>::new();
    refetch_session_after(action);
    let error = action_error(action);
    let saved = saved("password");
    let label = |f: fn(I18nContext<Locale>) -> &'static str| Signal::derive(move || f(use_i18n()).to_string());
    view! {
        <section class="card">
            <h2 id="password-heading">
                {move || {
                    if has_password {
                        t_string!(i18n, account.password_heading_change)
                    } else {
                        t_string!(i18n, account.password_heading_set)
                    }
                }}
            </h2>
            <p class="hint">{t!(i18n, account.password_hint)}</p>
            <ActionForm action attr:aria-labelledby="password-heading" attr:novalidate=true>
                <FormErrors error form_id="password" />
                <div role="status">
                    {move || (saved() && error.get().is_none()).then(|| view! { <p class="notice notice-ok">{t!(i18n, account.password_saved)}</p> })}
                </div>
                {has_password
                    .then(|| {
                        view! {
                            <TextField
                                form_id="password"
                                name="current_password"
                                input_type="password"
                                autocomplete="current-password"
                                maxlength=PASSWORD_MAX_LEN
                                required=true
                                label=label(|i18n| t_string!(i18n, account.current_password))
                                error
                            />
                        }
                    })}
                <TextField
                    form_id="password"
                    name="new_password"
                    input_type="password"
                    autocomplete="new-password"
                    maxlength=PASSWORD_MAX_LEN
                    required=true
                    label=label(|i18n| t_string!(i18n, account.new_password))
                    error
                />
                <TextField
                    form_id="password"
                    name="confirm_password"
                    input_type="password"
                    autocomplete="new-password"
                    maxlength=PASSWORD_MAX_LEN
                    required=true
                    label=label(|i18n| t_string!(i18n, account.confirm_password))
                    error
                />
                <button type="submit">{t!(i18n, account.save_password)}</button>
            </ActionForm>
        </section>
    }
}
