//! "Notify me in this browser": while a tracking page sits in a background tab, a change of the job's status
//! shows a browser notification. The browser asks for permission only when the customer presses the button.
//! Without JavaScript nothing could notify, so nothing is shown: the button appears once the page is live.
use leptos::prelude::*;

use crate::i18n::*;

/// Where the customer stands with notifications on this page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyState {
    /// Not rendered yet in a browser that supports notifications (the server, no JavaScript, an old browser).
    Unavailable,
    /// Not asked for on this page.
    Off,
    /// Permission granted and asked for: status changes notify while the page is hidden.
    On,
    /// The browser refuses (the customer or a policy blocked notifications for this site).
    Blocked,
}

/// The page's notification switch, shared by the button and the page's live updates.
#[derive(Debug, Clone, Copy)]
pub struct BrowserNotify {
    state: RwSignal<NotifyState>,
}

impl BrowserNotify {
    /// Starts `Unavailable`; once hydrated (effects run only in the browser), `Off` or `Blocked` when the
    /// browser has notifications.
    pub fn new() -> Self {
        let state = RwSignal::new(NotifyState::Unavailable);
        Effect::new(move |_| {
            #[cfg(feature = "hydrate")]
            state.set(browser::initial());
        });
        Self { state }
    }

    /// Tells the customer of a change (`title`, `body`) if they turned notifications on and the page is not
    /// being looked at.
    #[allow(unused_variables)]
    pub fn announce(&self, title: &str, body: &str) {
        #[cfg(feature = "hydrate")]
        if self.state.get_untracked() == NotifyState::On {
            browser::show_if_hidden(title, body);
        }
    }
}

impl Default for BrowserNotify {
    fn default() -> Self {
        Self::new()
    }
}

/// The button (a toggle) and what it means right now, in a live region.
#[component]
pub fn NotifyButton(notify: BrowserNotify) -> impl IntoView {
    let i18n = use_i18n();
    let state = notify.state;
    let toggle = move |_| {
        if state.get_untracked() == NotifyState::On {
            state.set(NotifyState::Off);
        } else {
            switch_on(state);
        }
    };
    view! {
        <Show when=move || state.get() != NotifyState::Unavailable>
            <div class="browser-notify">
                <button type="button" aria-pressed=move || (state.get() == NotifyState::On).to_string() on:click=toggle>
                    {t!(i18n, track.notify_button)}
                </button>
                <p role="status" class="hint">
                    {move || match state.get() {
                        NotifyState::On => t_string!(i18n, track.notify_on),
                        NotifyState::Blocked => t_string!(i18n, track.notify_blocked),
                        _ => "",
                    }}
                </p>
            </div>
        </Show>
    }
}

/// Asks the browser for permission (a prompt only the first time) and turns notifications on if it agrees.
fn switch_on(state: RwSignal<NotifyState>) {
    #[cfg(feature = "hydrate")]
    browser::ask(move |granted| state.set(if granted { NotifyState::On } else { NotifyState::Blocked }));
    #[cfg(not(feature = "hydrate"))]
    let _ = state;
}

#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsValue;
    use web_sys::{Notification, NotificationOptions, NotificationPermission};

    use super::NotifyState;

    fn supported() -> bool {
        web_sys::window().is_some_and(|w| js_sys::Reflect::has(&w, &JsValue::from_str("Notification")).unwrap_or(false))
    }

    pub fn initial() -> NotifyState {
        if !supported() {
            return NotifyState::Unavailable;
        }
        match Notification::permission() {
            NotificationPermission::Denied => NotifyState::Blocked,
            _ => NotifyState::Off,
        }
    }

    /// Asks the browser (a prompt unless the answer is already known) and reports whether it said yes.
    pub fn ask(done: impl FnOnce(bool) + 'static) {
        let Ok(promise) = Notification::request_permission() else {
            done(false);
            return;
        };
        let on_answer = Closure::once(move |answer: JsValue| done(answer.as_string().as_deref() == Some("granted")));
        let _ = promise.then(&on_answer);
        // Called once, by the browser, after this function has returned: it must outlive it (a few bytes per
        // press of the button).
        on_answer.forget();
    }

    pub fn show_if_hidden(title: &str, body: &str) {
        let hidden = web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.hidden());
        if !hidden || Notification::permission() != NotificationPermission::Granted {
            return;
        }
        let options = NotificationOptions::new();
        options.set_body(body);
        // One notification per job: a newer change replaces the older one.
        options.set_tag(title);
        let _ = Notification::new_with_options(title, &options);
    }
}
