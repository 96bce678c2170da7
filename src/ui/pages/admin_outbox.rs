//! `/admin/outbox`: every mail the portal wrote and how its delivery went; without SMTP, the development
//! mailbox, where each mail opens to be read with its links clickable.
use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_router::hooks::use_params_map;

use crate::api::outbox::{get_outbox_mail, list_outbox, AttemptView, MailDetail, MailSummary};
use crate::app::Page;
use crate::domain::AppError;
use crate::i18n::*;
use crate::ui::components::errors::ErrorNotice;
use crate::ui::components::job::Timestamp;
use crate::ui::components::title::PageTitle;
use crate::ui::session::RequireRole;

#[component]
pub fn AdminOutboxPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Page>
            <PageTitle text=move || t_string!(i18n, outbox.title).to_string() />
            <RequireRole allowed=|u| u.is_admin() children=|_| view! { <Outbox /> } />
        </Page>
    }
}

#[component]
pub fn AdminOutboxMailPage() -> impl IntoView {
    let i18n = use_i18n();
    let id = use_params_map().with_untracked(|p| p.get("id").and_then(|id| id.parse::<i64>().ok())).unwrap_or(0);
    view! {
        <Page>
            <PageTitle text=move || t_string!(i18n, outbox.title).to_string() />
            <RequireRole allowed=|u| u.is_admin() children=move |_| view! { <Mail id /> } />
        </Page>
    }
}

fn status_name(i18n: I18nContext<Locale>, status: &str) -> String {
    match status {
        "pending" => t_string!(i18n, outbox.status_pending).to_owned(),
        "sent" => t_string!(i18n, outbox.status_sent).to_owned(),
        "failed" => t_string!(i18n, outbox.status_failed).to_owned(),
        other => other.to_owned(),
    }
}

/// Kinds other parts of the portal add later show under their own name until they get a translation.
fn kind_name(i18n: I18nContext<Locale>, kind: &str) -> String {
    match kind {
        "request_received" => t_string!(i18n, outbox.kind_request_received).to_owned(),
        "magic_link" => t_string!(i18n, outbox.kind_magic_link).to_owned(),
        "job_update" => t_string!(i18n, outbox.kind_job_update).to_owned(),
        other => other.to_owned(),
    }
}

fn outcome_name(i18n: I18nContext<Locale>, outcome: &str) -> String {
    match outcome {
        "sent" => t_string!(i18n, outbox.outcome_sent).to_owned(),
        "temporary" => t_string!(i18n, outbox.outcome_temporary).to_owned(),
        "permanent" => t_string!(i18n, outbox.outcome_permanent).to_owned(),
        other => other.to_owned(),
    }
}

#[component]
fn Outbox() -> impl IntoView {
    let i18n = use_i18n();
    let mailbox = Resource::new(|| (), |_| list_outbox());
    view! {
        <h1>{t!(i18n, outbox.title)}</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match mailbox.await {
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    Ok(mailbox) => {
                        let intro = if mailbox.development {
                            t!(i18n, outbox.intro_dev).into_any()
                        } else {
                            t!(i18n, outbox.intro_smtp).into_any()
                        };
                        let list = if mailbox.mails.is_empty() {
                            view! { <p>{t!(i18n, outbox.empty)}</p> }.into_any()
                        } else {
                            view! { <MailTable mails=mailbox.mails /> }.into_any()
                        };
                        view! {
                            <p>{intro}</p>
                            {list}
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
fn MailTable(mails: Vec<MailSummary>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="table-wrap">
            <table>
                <caption class="visually-hidden">{t!(i18n, outbox.title)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, outbox.col_created)}</th>
                        <th scope="col">{t!(i18n, outbox.col_recipient)}</th>
                        <th scope="col">{t!(i18n, outbox.col_subject)}</th>
                        <th scope="col">{t!(i18n, outbox.col_kind)}</th>
                        <th scope="col">{t!(i18n, outbox.col_status)}</th>
                        <th scope="col">{t!(i18n, outbox.col_attempts)}</th>
                        <th scope="col">{t!(i18n, outbox.col_sent)}</th>
                    </tr>
                </thead>
                <tbody>
                    {mails
                        .into_iter()
                        .map(|mail| {
                            let href = format!("/admin/outbox/{}", mail.id);
                            let kind = mail.kind.clone();
                            let status = mail.status.clone();
                            view! {
                                <tr>
                                    <td>
                                        <Timestamp at=mail.created_at />
                                    </td>
                                    <td>{mail.recipient}</td>
                                    <td>
                                        <a href=href>{mail.subject}</a>
                                    </td>
                                    <td>{move || kind_name(i18n, &kind)}</td>
                                    <td>{move || status_name(i18n, &status)}</td>
                                    <td>{mail.attempts}</td>
                                    <td>{mail.sent_at.map(|at| view! { <Timestamp at /> })}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn Mail(id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let mail = Resource::new(move || id, get_outbox_mail);
    view! {
        <p>
            <a href="/admin/outbox">{t!(i18n, outbox.back)}</a>
        </p>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match mail.await {
                    Ok(mail) => view! { <MailView mail /> }.into_any(),
                    Err(AppError::NotFound) => {
                        crate::ui::set_status(404);
                        view! { <h1>{t!(i18n, outbox.not_found)}</h1> }.into_any()
                    }
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn MailView(mail: MailDetail) -> impl IntoView {
    let i18n = use_i18n();
    let MailDetail { summary, message_id, transport, last_error, next_attempt_at, body, attempts } = mail;
    let kind = summary.kind.clone();
    let status = summary.status.clone();
    let pending = summary.status == "pending";
    let transport = transport.map(|t| match t.as_str() {
        "dev" => t_string!(i18n, outbox.transport_dev).to_owned(),
        "smtp" => "SMTP".to_owned(),
        other => other.to_owned(),
    });
    let body = match body {
        Some(text) => view! {
            <h2>{t!(i18n, outbox.body)}</h2>
            <pre class="pre-wrap mail-body">{linkified(&text)}</pre>
        }
        .into_any(),
        None => view! { <p class="hint">{t!(i18n, outbox.body_hidden)}</p> }.into_any(),
    };
    view! {
        <h1>{summary.subject}</h1>
        <dl class="facts">
            <dt>{t!(i18n, outbox.to)}</dt>
            <dd>{summary.recipient}</dd>
            <dt>{t!(i18n, outbox.col_kind)}</dt>
            <dd>{move || kind_name(i18n, &kind)}</dd>
            <dt>{t!(i18n, outbox.col_status)}</dt>
            <dd>{move || status_name(i18n, &status)}</dd>
            <dt>{t!(i18n, outbox.col_created)}</dt>
            <dd>
                <Timestamp at=summary.created_at />
            </dd>
            {summary
                .sent_at
                .map(|at| {
                    view! {
                        <dt>{t!(i18n, outbox.col_sent)}</dt>
                        <dd>
                            <Timestamp at />
                        </dd>
                    }
                })}
            {transport
                .map(|transport| {
                    view! {
                        <dt>{t!(i18n, outbox.transport)}</dt>
                        <dd>{transport}</dd>
                    }
                })}
            {pending
                .then(|| {
                    view! {
                        <dt>{t!(i18n, outbox.next_attempt)}</dt>
                        <dd>
                            <Timestamp at=next_attempt_at />
                        </dd>
                    }
                })}
            {message_id
                .map(|id| {
                    view! {
                        <dt>{t!(i18n, outbox.message_id)}</dt>
                        <dd>
                            <code>{id}</code>
                        </dd>
                    }
                })}
            {last_error
                .map(|error| {
                    view! {
                        <dt>{t!(i18n, outbox.last_error)}</dt>
                        <dd>{error}</dd>
                    }
                })}
        </dl>
        {body}
        <h2>{t!(i18n, outbox.attempts_title)}</h2>
        <Attempts attempts />
    }
}

#[component]
fn Attempts(attempts: Vec<AttemptView>) -> impl IntoView {
    let i18n = use_i18n();
    if attempts.is_empty() {
        return view! { <p>{t!(i18n, outbox.no_attempts)}</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table>
                <caption class="visually-hidden">{t!(i18n, outbox.attempts_title)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, outbox.col_at)}</th>
                        <th scope="col">{t!(i18n, outbox.col_outcome)}</th>
                        <th scope="col">{t!(i18n, outbox.col_reply)}</th>
                    </tr>
                </thead>
                <tbody>
                    {attempts
                        .into_iter()
                        .map(|attempt| {
                            let outcome = attempt.outcome.clone();
                            view! {
                                <tr>
                                    <td>
                                        <Timestamp at=attempt.at />
                                    </td>
                                    <td>{move || outcome_name(i18n, &outcome)}</td>
                                    <td>{attempt.reply.unwrap_or_default()}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

/// A mail's text with its web addresses as links.
fn linkified(text: &str) -> impl IntoView {
    split_links(text)
        .into_iter()
        .map(|part| match part {
            Part::Text(text) => text.to_owned().into_any(),
            Part::Link(url) => view! { <a href=url.to_owned() rel="noreferrer">{url.to_owned()}</a> }.into_any(),
        })
        .collect_view()
}

#[derive(Debug, PartialEq, Eq)]
enum Part<'a> {
    Text(&'a str),
    Link(&'a str),
}

/// Splits plain text into text and `http(s)://` addresses. An address ends at white space or a quote or
/// angle bracket; punctuation closing a sentence after it is not part of it.
fn split_links(text: &str) -> Vec<Part<'_>> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(start) = ["https://", "http://"].iter().filter_map(|scheme| rest.find(scheme)).min() {
        let tail = &rest[start..];
        let end = tail.find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"')).unwrap_or(tail.len());
        let url = tail[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')']);
        if start > 0 {
            parts.push(Part::Text(&rest[..start]));
        }
        if url.len() > "https://".len() {
            parts.push(Part::Link(url));
        } else {
            parts.push(Part::Text(url));
        }
        rest = &tail[url.len()..];
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest));
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::{split_links, Part};

    #[test]
    fn addresses_in_a_mail_become_links() {
        let text = "Follow your job:\nhttps://portal.example/track/abc_123.\nOr (http://x.example/a?b=c), thanks";
        assert_eq!(
            split_links(text),
            [
                Part::Text("Follow your job:\n"),
                Part::Link("https://portal.example/track/abc_123"),
                Part::Text(".\nOr ("),
                Part::Link("http://x.example/a?b=c"),
                Part::Text("), thanks"),
            ]
        );
        assert_eq!(split_links("no links"), [Part::Text("no links")]);
        assert_eq!(
            split_links("just https:// here"),
            [Part::Text("just "), Part::Text("https://"), Part::Text(" here")]
        );
    }
}
