//! The HTML shell and the route table.
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::i18n::*;
use crate::ui::layouts::{Footer, Header};
use crate::ui::pages::admin_categories::AdminCategoriesPage;
use crate::ui::pages::admin_outbox::{AdminOutboxMailPage, AdminOutboxPage};
use crate::ui::pages::admin_scheduler::AdminSchedulerPage;
use crate::ui::pages::admin_surveys::AdminSurveysPage;
use crate::ui::pages::editor::EditorPage;
use crate::ui::pages::editor_article::{EditorArticlePage, EditorNewPage};
use crate::ui::pages::editor_gaps::EditorGapsPage;
use crate::ui::pages::error::ErrorPage;
use crate::ui::pages::feedback::FeedbackPage;
use crate::ui::pages::help::{HelpCategoryPage, HelpPage};
use crate::ui::pages::help_article::HelpArticlePage;
use crate::ui::pages::help_search::HelpSearchPage;
use crate::ui::pages::insights::InsightsPage;
use crate::ui::pages::my_requests::MyRequestsPage;
use crate::ui::pages::preferences::PreferencesPage;
use crate::ui::pages::request_new::RequestNewPage;
use crate::ui::pages::staff_job::StaffJobPage;
use crate::ui::pages::testimonials::TestimonialsPage;
use crate::ui::pages::track::{MyRequestPage, TrackPage};
use crate::ui::pages::{
    account::AccountPage, admin_users::AdminUsersPage, home::HomePage, magic::MagicLinkPage, not_found::NotFoundPage,
    sign_in::SignInPage, staff::StaffPage,
};
use crate::ui::session::provide_session;

/// The document around the app. On the server it also sets the page's Content-Security-Policy, whose nonce
/// lets exactly the inline hydration script run.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        leptos::nonce::provide_nonce();
        if let (Some(nonce), Some(response)) =
            (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>())
        {
            let csp = crate::server::security::content_security_policy(Some(&nonce.to_string()));
            if let Ok(value) = axum::http::HeaderValue::from_str(&csp) {
                response.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, value);
            }
        }
    }
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <I18nContextProvider>
            <Stylesheet id="leptos" href="/pkg/portal.css" />
            <Router>
                <Routes fallback=|| view! { <NotFoundPage /> }.into_any()>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async />
                    <Route path=path!("/sign-in") view=SignInPage ssr=SsrMode::Async />
                    <Route path=path!("/auth/magic") view=MagicLinkPage ssr=SsrMode::Async />
                    <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async />
                    <Route path=path!("/staff") view=StaffPage ssr=SsrMode::Async />
                    <Route path=path!("/staff/jobs/:id") view=StaffJobPage ssr=SsrMode::Async />
                    <Route path=path!("/staff/insights") view=InsightsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/users") view=AdminUsersPage ssr=SsrMode::Async />
                    <Route path=path!("/requests/new") view=RequestNewPage ssr=SsrMode::Async />
                    <Route path=path!("/track/:token") view=TrackPage ssr=SsrMode::Async />
                    <Route path=path!("/my/requests") view=MyRequestsPage ssr=SsrMode::Async />
                    <Route path=path!("/my/requests/:id") view=MyRequestPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/categories") view=AdminCategoriesPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/surveys") view=AdminSurveysPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/outbox") view=AdminOutboxPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/outbox/:id") view=AdminOutboxMailPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/scheduler") view=AdminSchedulerPage ssr=SsrMode::Async />
                    <Route path=path!("/editor") view=EditorPage ssr=SsrMode::Async />
                    <Route path=path!("/editor/new") view=EditorNewPage ssr=SsrMode::Async />
                    <Route path=path!("/editor/testimonials") view=TestimonialsPage ssr=SsrMode::Async />
                    <Route path=path!("/feedback/:token") view=FeedbackPage ssr=SsrMode::Async />
                    <Route path=path!("/preferences/:token") view=PreferencesPage ssr=SsrMode::Async />
                    <Route path=path!("/editor/gaps") view=EditorGapsPage ssr=SsrMode::Async />
                    <Route path=path!("/editor/articles/:id") view=EditorArticlePage ssr=SsrMode::Async />
                    <Route path=path!("/help") view=HelpPage ssr=SsrMode::Async />
                    <Route path=path!("/help/search") view=HelpSearchPage ssr=SsrMode::Async />
                    <Route path=path!("/help/articles/:slug") view=HelpArticlePage ssr=SsrMode::Async />
                    <Route path=path!("/help/:category") view=HelpCategoryPage ssr=SsrMode::Async />
                </Routes>
            </Router>
        </I18nContextProvider>
    }
}

/// The layout every page shares: skip link, header, main landmark, footer.
#[component]
pub fn Page(children: Children) -> impl IntoView {
    let i18n = use_i18n();
    provide_session();
    view! {
        <a class="skip-link" href="#main">{t!(i18n, skip_to_content)}</a>
        <Header />
        <main id="main" tabindex="-1">
            <ErrorBoundary fallback=|_| view! { <ErrorPage /> }>{children()}</ErrorBoundary>
        </main>
        <Footer />
    }
}
