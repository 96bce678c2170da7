//! The user interface: shared components, the page layout and one module per page.
pub mod components;
pub mod layouts;
pub mod pages;
pub mod session;

/// Sets the HTTP status of the server-rendered page (no effect in the browser).
pub fn set_status(code: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(response), Ok(status)) =
        (leptos::prelude::use_context::<leptos_axum::ResponseOptions>(), axum::http::StatusCode::from_u16(code))
    {
        response.set_status(status);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}
