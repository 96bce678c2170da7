//! Mail delivery: the outbox's rows leave through SMTP (lettre, STARTTLS or TLS with rustls), or, when no SMTP
//! server is configured, into the development mailbox (`/admin/outbox`) and the log.
//!
//! Delivery is at-least-once: a worker leases due rows (`db::outbox::claim_due`), sends each with a
//! Message-ID fixed on its first claim, then records the outcome (`worker::Worker::finish`). A worker that
//! dies between sending and recording leaves its lease to run out; the next claim sends again with the same
//! Message-ID, so the recipient's mail system can recognise the duplicate. That window is the only one.
pub mod templates;
pub mod worker;

use std::fmt;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::Error as SmtpError;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use url::Url;

use super::config::ConfigError;
use super::db::outbox::{self, ClaimedMail, NewMail};
use super::db::{Conn, DbResult};

/// Writes a rendered mail (text and HTML) to the outbox in the caller's transaction; returns its id.
pub async fn queue(
    conn: &mut Conn,
    kind: &str,
    recipient: &str,
    mail: &templates::Rendered,
    now: i64,
) -> DbResult<i64> {
    let new = NewMail { kind, recipient, subject: &mail.subject, body_text: &mail.text };
    outbox::insert_with_html(conn, &new, Some(&mail.html), now).await
}

/// How mail leaves the outbox (`PORTAL_SMTP_URL`, `PORTAL_MAIL_FROM`).
#[derive(Clone)]
pub struct MailConfig {
    /// `smtp://` or `smtps://` in lettre's connection-URL form; `None` for the development mailbox.
    pub smtp_url: Option<String>,
    /// The sender of every mail; its domain also names the Message-IDs.
    pub from: Mailbox,
}

impl Default for MailConfig {
    fn default() -> Self {
        Self { smtp_url: None, from: default_from("localhost") }
    }
}

/// The URL's password is a secret: never in a log line or a debug dump of the configuration.
impl fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let smtp = self.smtp_url.as_deref().map(redacted);
        f.debug_struct("MailConfig").field("smtp_url", &smtp).field("from", &self.from.to_string()).finish()
    }
}

fn redacted(raw: &str) -> String {
    match Url::parse(raw) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        Ok(url) => url.to_string(),
        Err(_) => "(invalid)".into(),
    }
}

fn default_from(host: &str) -> Mailbox {
    format!("Service Portal <no-reply@{host}>")
        .parse()
        .unwrap_or_else(|_| "Service Portal <no-reply@localhost>".parse().expect("a valid mailbox"))
}

impl MailConfig {
    /// Reads the two settings: an SMTP URL is checked by building its transport once, the sender must be an
    /// address (`Name <addr>` or `addr`); without one it is `no-reply@<the public URL's host>`.
    pub fn parse(smtp_url: Option<String>, from: Option<String>, base_url: &Url) -> Result<Self, ConfigError> {
        let smtp_url = smtp_url.map(|u| u.trim().to_owned());
        if let Some(url) = &smtp_url {
            smtp_transport(url).map_err(|e| ConfigError::new(format!("PORTAL_SMTP_URL {}: {e}", redacted(url))))?;
        }
        let from = match from {
            Some(raw) => {
                raw.trim().parse::<Mailbox>().map_err(|e| ConfigError::new(format!("PORTAL_MAIL_FROM={raw:?}: {e}")))?
            }
            None => default_from(base_url.host_str().unwrap_or("localhost")),
        };
        Ok(Self { smtp_url, from })
    }

    /// The domain of the sender, used on the right of every Message-ID.
    pub fn domain(&self) -> &str {
        self.from.email.domain()
    }
}

fn smtp_transport(url: &str) -> Result<AsyncSmtpTransport<Tokio1Executor>, SmtpError> {
    // Every command of a conversation must answer within 30 s, well inside a worker's lease.
    Ok(AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?.timeout(Some(Duration::from_secs(30))).build())
}

/// What one attempt to send a mail came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted; the server's reply (or where the development mailbox put it).
    Sent { reply: String },
    /// Worth trying again later: a 4xx reply, a connection or TLS failure, a timeout.
    Temporary { error: String },
    /// Refused for good: a 5xx reply or a mail that cannot be formed (e.g. an invalid recipient).
    Permanent { error: String },
}

impl Outcome {
    /// The outcome's name in the attempt log.
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Sent { .. } => "sent",
            Outcome::Temporary { .. } => "temporary",
            Outcome::Permanent { .. } => "permanent",
        }
    }

    pub fn reply(&self) -> &str {
        match self {
            Outcome::Sent { reply } => reply,
            Outcome::Temporary { error } | Outcome::Permanent { error } => error,
        }
    }
}

enum Transport {
    Dev,
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

/// Sends claimed mails: over SMTP, or into the development mailbox.
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

impl Mailer {
    pub fn new(config: &MailConfig) -> Result<Self, ConfigError> {
        let transport = match &config.smtp_url {
            None => Transport::Dev,
            Some(url) => Transport::Smtp(smtp_transport(url).map_err(|e| ConfigError::new(e.to_string()))?),
        };
        Ok(Self { transport, from: config.from.clone() })
    }

    /// `smtp` or `dev`, as recorded on each mail and attempt.
    pub fn transport_name(&self) -> &'static str {
        match self.transport {
            Transport::Dev => "dev",
            Transport::Smtp(_) => "smtp",
        }
    }

    /// One attempt to send `mail`. Never touches the database: recording the outcome is a separate step.
    #[tracing::instrument(skip_all, fields(outbox_id = mail.id, transport = self.transport_name()))]
    pub async fn send(&self, mail: &ClaimedMail) -> Outcome {
        let message = match message(&self.from, mail) {
            Ok(message) => message,
            Err(error) => return Outcome::Permanent { error },
        };
        match &self.transport {
            Transport::Dev => {
                // Recipient and subject only: bodies carry sign-in and tracking links.
                tracing::info!(to = %mail.recipient, subject = %mail.subject, "mail put in the development mailbox");
                Outcome::Sent { reply: "development mailbox".into() }
            }
            Transport::Smtp(smtp) => match smtp.send(message).await {
                Ok(response) => Outcome::Sent {
                    reply: format!("{} {}", response.code(), response.message().collect::<Vec<_>>().join(" ")),
                },
                Err(e) if e.is_permanent() => Outcome::Permanent { error: e.to_string() },
                Err(e) => Outcome::Temporary { error: e.to_string() },
            },
        }
    }
}

/// The MIME message for a claimed mail: plain text, or plain text and HTML as alternatives.
pub fn message(from: &Mailbox, mail: &ClaimedMail) -> Result<Message, String> {
    let to: Mailbox = mail.recipient.parse().map_err(|e| format!("invalid recipient {:?}: {e}", mail.recipient))?;
    let created = std::time::UNIX_EPOCH + Duration::from_millis(mail.created_at.max(0) as u64);
    let builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .message_id(Some(mail.message_id.clone()))
        .date(created);
    let built = match &mail.body_html {
        None => builder.singlepart(SinglePart::plain(mail.body_text.clone())),
        Some(html) => builder.multipart(MultiPart::alternative_plain_html(mail.body_text.clone(), html.clone())),
    };
    built.map_err(|e| format!("the mail cannot be formed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://portal.example.com").unwrap()
    }

    #[test]
    fn the_sender_defaults_to_the_public_host_and_the_password_stays_secret() {
        let config = MailConfig::parse(None, None, &base()).unwrap();
        assert_eq!(config.from.email.to_string(), "no-reply@portal.example.com");
        assert_eq!(config.domain(), "portal.example.com");
        let config = MailConfig::parse(
            Some("smtp://user:hunter2@mail.example.com:587?tls=required".into()),
            Some("Acme Repairs <jobs@acme.example>".into()),
            &base(),
        )
        .unwrap();
        assert_eq!(config.domain(), "acme.example");
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2") && shown.contains("mail.example.com"), "{shown}");
    }

    #[test]
    fn bad_settings_are_refused_at_start() {
        assert!(MailConfig::parse(Some("imap://mail.example.com".into()), None, &base()).is_err());
        assert!(MailConfig::parse(Some("smtp://mail.example.com?tls=sometimes".into()), None, &base()).is_err());
        assert!(MailConfig::parse(None, Some("not an address".into()), &base()).is_err());
    }

    #[test]
    fn a_message_carries_its_message_id_and_both_bodies() {
        let from = MailConfig::default().from;
        let mut mail = ClaimedMail {
            id: 7,
            recipient: "ana@example.com".into(),
            subject: "We received your request SR-2025-000007".into(),
            body_text: "Follow your job:\nhttps://portal.example.com/track/abc".into(),
            body_html: None,
            message_id: "<outbox.7.1700000000000@localhost>".into(),
            created_at: 1_700_000_000_000,
            attempts: 0,
        };
        let text = String::from_utf8(message(&from, &mail).unwrap().formatted()).unwrap();
        assert!(text.contains("Message-ID: <outbox.7.1700000000000@localhost>"), "{text}");
        assert!(text.contains("To: ana@example.com") && text.contains("Content-Type: text/plain"), "{text}");
        mail.body_html = Some("<p>Hello</p>".into());
        let text = String::from_utf8(message(&from, &mail).unwrap().formatted()).unwrap();
        assert!(text.contains("multipart/alternative") && text.contains("text/html"), "{text}");
        mail.recipient = "not an address".into();
        assert!(message(&from, &mail).is_err());
    }
}
