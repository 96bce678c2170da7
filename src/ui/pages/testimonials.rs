//! `/editor/testimonials`: customers' quotes waiting for an editor, and the latest decisions. Approved quotes
//! appear on the home page.
use leptos::prelude::*;

use crate::api::feedback::{testimonial_queue, ModerateTestimonial, Testimonial};
use crate::app::Page;
use crate::domain::feedback::Moderation;
use crate::domain::Role;
use crate::i18n::*;
use crate::ui::components::errors::{ErrorNotice, FormErrors};
use crate::ui::components::fields::action_error;
use crate::ui::components::job::Timestamp;
use crate::ui::components::title::PageTitle;
use crate::ui::session::RequireRole;

#[component]
pub fn TestimonialsPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Page>
            <PageTitle text=move || t_string!(i18n, testimonials.title).to_string() />
            <RequireRole allowed=|u| u.has(Role::Editor) children=|_| view! { <Queue /> } />
        </Page>
    }
}

#[component]
fn Queue() -> impl IntoView {
    let i18n = use_i18n();
    let moderate = ServerAction::<ModerateTestimonial>::new();
    let queue = Resource::new(move || moderate.version().get(), |_| testimonial_queue());
    let error = action_error(moderate);
    view! {
        <h1>{t!(i18n, testimonials.title)}</h1>
        <p>{t!(i18n, testimonials.intro)}</p>
        <FormErrors error form_id="moderate" />
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match queue.await {
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    Ok(items) if items.is_empty() => view! { <p>{t!(i18n, testimonials.empty)}</p> }.into_any(),
                    Ok(items) => {
                        view! {
                            <ul class="plain testimonials">
                                {items.into_iter().map(|item| view! { <Item item moderate /> }).collect_view()}
                            </ul>
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn Item(item: Testimonial, moderate: ServerAction<ModerateTestimonial>) -> impl IntoView {
    let i18n = use_i18n();
    let status = match item.status {
        Moderation::Pending => t_string!(i18n, testimonials.pending),
        Moderation::Approved => t_string!(i18n, testimonials.approved),
        Moderation::Rejected => t_string!(i18n, testimonials.rejected),
    };
    let heading = format!("testimonial-{}", item.id);
    let decisions = [
        (Moderation::Approved, t_string!(i18n, testimonials.approve)),
        (Moderation::Rejected, t_string!(i18n, testimonials.reject)),
    ];
    view! {
        <li class="card">
            <blockquote id=heading.clone()>
                <p>{item.quote.clone()}</p>
                <footer>{format!("{}, {}", item.first_name, item.town)}</footer>
            </blockquote>
            <p>
                <strong>{status}</strong> " · " <Timestamp at=item.created_at />
            </p>
            <div class="actions">
                {decisions
                    .into_iter()
                    .filter(|(d, _)| *d != item.status)
                    .map(|(decision, label)| {
                        let heading = heading.clone();
                        view! {
                            <ActionForm action=moderate attr:class="inline">
                                <input type="hidden" name="id" value=item.id />
                                <input type="hidden" name="decision" value=decision.as_str() />
                                <button type="submit" aria-describedby=heading>{label}</button>
                            </ActionForm>
                        }
                    })
                    .collect_view()}
            </div>
        </li>
    }
}
