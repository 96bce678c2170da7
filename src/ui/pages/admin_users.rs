use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::admin::{list_users, SetUserDisabled, SetUserRoles, UserSummary};
use crate::app::Page;
use crate::domain::Role;
use crate::i18n::*;
use crate::ui::components::errors::{ErrorNotice, FormErrors};
use crate::ui::components::fields::action_error;
use crate::ui::components::title::PageTitle;
use crate::ui::pages::account::role_name;
use crate::ui::session::RequireRole;

#[component]
pub fn AdminUsersPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Page>
            <PageTitle text=move || t_string!(i18n, admin.users_title).to_string() />
            <RequireRole allowed=|u| u.is_admin() children=|_| view! { <Users /> } />
        </Page>
    }
}

#[component]
fn Users() -> impl IntoView {
    let i18n = use_i18n();
    let set_roles = ServerAction::<SetUserRoles>::new();
    let set_disabled = ServerAction::<SetUserDisabled>::new();
    // Reload the table after every change (the server redirects here; this covers the hydrated case).
    let users = Resource::new(move || (set_roles.version().get(), set_disabled.version().get()), |_| list_users());
    // Only the most recent change speaks: an old refusal must not hide (or contradict) a later success.
    let latest = RwSignal::new(None::<&'static str>);
    Effect::new(move |_| (set_roles.version().get() > 0).then(|| latest.set(Some("roles"))));
    Effect::new(move |_| (set_disabled.version().get() > 0).then(|| latest.set(Some("status"))));
    let roles_error = {
        let error = action_error(set_roles);
        Signal::derive(move || if latest.get() == Some("status") { None } else { error.get() })
    };
    let disabled_error = {
        let error = action_error(set_disabled);
        Signal::derive(move || if latest.get() == Some("roles") { None } else { error.get() })
    };
    let query = use_query_map();
    let saved = move || {
        query.with(|q| q.get("saved").is_some()) && roles_error.get().is_none() && disabled_error.get().is_none()
    };
    view! {
        <h1>{t!(i18n, admin.users_title)}</h1>
        <p>{t!(i18n, admin.users_intro)}</p>
        <FormErrors error=roles_error form_id="roles" />
        <FormErrors error=disabled_error form_id="disabled" />
        <div role="status">
            {move || saved().then(|| view! { <p class="notice notice-ok">{t!(i18n, admin.roles_saved)}</p> })}
        </div>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match users.await {
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    Ok(users) => {
                        view! {
                            <div class="table-wrap">
                                <table>
                                    <caption class="visually-hidden">{t!(i18n, admin.users_title)}</caption>
                                    <thead>
                                        <tr>
                                            <th scope="col">{t!(i18n, admin.col_email)}</th>
                                            <th scope="col">{t!(i18n, admin.col_name)}</th>
                                            <th scope="col">{t!(i18n, admin.col_roles)}</th>
                                            <th scope="col">{t!(i18n, admin.col_status)}</th>
                                            <th scope="col">{t!(i18n, admin.col_actions)}</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {users
                                            .into_iter()
                                            .map(|user| view! { <UserRow user set_roles set_disabled /> })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            <p class="hint">{t!(i18n, admin.customer_hint)}</p>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
fn UserRow(
    user: UserSummary,
    set_roles: ServerAction<SetUserRoles>,
    set_disabled: ServerAction<SetUserDisabled>,
) -> impl IntoView {
    let i18n = use_i18n();
    let roles = user.roles.clone();
    let roles_text = move || roles.iter().map(|r| role_name(i18n, *r)).collect::<Vec<_>>().join(", ");
    let email = user.email.clone();
    let legend_email = email.clone();
    let checkbox = move |role: Role, name: &'static str| {
        let id = format!("role-{}-{name}", user.id);
        let label_for = id.clone();
        view! {
            <label for=label_for class="checkbox">
                <input type="checkbox" id=id name=name value="on" checked=user.roles.contains(&role) />
                {move || role_name(i18n, role)}
            </label>
        }
    };
    view! {
        <tr>
            <td>{email}</td>
            <td>{user.display_name.clone().unwrap_or_default()}</td>
            <td>{roles_text}</td>
            <td>
                {move || {
                    if user.disabled { t_string!(i18n, admin.disabled) } else { t_string!(i18n, admin.active) }
                }}
            </td>
            <td class="actions">
                <ActionForm action=set_roles attr:class="inline-form">
                    <fieldset>
                        <legend>{t!(i18n, admin.roles_for, email = move || legend_email.clone())}</legend>
                        <input type="hidden" name="user_id" value=user.id />
                        {checkbox(Role::Staff, "staff")}
                        {checkbox(Role::Editor, "editor")}
                        {checkbox(Role::Admin, "admin")}
                        <button type="submit">{t!(i18n, admin.save_roles)}</button>
                    </fieldset>
                </ActionForm>
                <ActionForm action=set_disabled attr:class="inline-form">
                    <input type="hidden" name="user_id" value=user.id />
                    <input type="hidden" name="disabled" value=(!user.disabled).to_string() />
                    <button type="submit">
                        {move || if user.disabled { t_string!(i18n, admin.enable) } else { t_string!(i18n, admin.disable) }}
                    </button>
                </ActionForm>
            </td>
        </tr>
    }
}
