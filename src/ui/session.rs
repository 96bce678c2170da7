//! The signed-in user as a resource every page shares, and guards for pages that need a role.
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;

use crate::api::auth::get_current_user;
use crate::domain::{AppError, CurrentUser};
use crate::ui::components::errors::ErrorNotice;
use crate::ui::pages::forbidden::ForbiddenPage;

#[derive(Clone, Copy)]
pub struct Session(pub Resource<Result<Option<CurrentUser>, AppError>>);

/// Loads the current user once per page (on the server straight from the request's session).
pub fn provide_session() {
    provide_context(Session(Resource::new(|| (), |_| get_current_user())));
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}

/// Reloads the session once `action` succeeds: its redirect may lead to the page already shown (sign out on
/// the home page, a saved password on the account page), where nothing else would reload it.
pub fn refetch_session_after<S>(action: ServerAction<S>)
where
    S: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    let session = use_session();
    Effect::new(move |_| {
        if matches!(action.value().with(|v| v.as_ref().map(Result::is_ok)), Some(true)) {
            session.0.refetch();
        }
    });
}

/// Renders `children` with the user when `allowed` says so; sends visitors to sign in (and back here after),
/// and shows "Access denied" (HTTP 403) to a signed-in user without the role. The server functions the page
/// calls check the same rule again: this guard is for the person, not for security.
#[component]
pub fn RequireRole<F, V>(allowed: fn(&CurrentUser) -> bool, children: F) -> impl IntoView
where
    F: Fn(CurrentUser) -> V + Send + Sync + Clone + 'static,
    V: IntoView + 'static,
{
    let session = use_session();
    let location = use_location();
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let children = children.clone();
                let here = location.pathname.get_untracked();
                Suspend::new(async move {
                    match session.0.await {
                        Ok(Some(user)) if allowed(&user) => children(user).into_any(),
                        Ok(Some(_)) => view! { <ForbiddenPage /> }.into_any(),
                        Ok(None) => {
                            let path = format!("/sign-in?next={}", urlencode(&here));
                            view! { <Redirect path /> }.into_any()
                        }
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// Percent-encodes a path for use as a query value.
pub fn urlencode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn urlencode_keeps_paths_readable() {
        assert_eq!(super::urlencode("/admin/users"), "/admin/users");
        assert_eq!(super::urlencode("/a?b=c&d"), "/a%3Fb%3Dc%26d");
    }
}
