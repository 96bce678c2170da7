//! The words of every customer mail, in plain text and in HTML, from the same per-locale texts: both bodies
//! say the same thing, with the customer's name, the job's reference and links into the public base URL.
//! Every value put into the HTML is escaped.
use crate::i18n::{td_string, Locale};
use leptos_i18n::Locale as _;

/// A mail ready for the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What a mail is about, with what it says.
pub enum Template<'a> {
    /// A new request was received: its reference, what the customer wrote and the private tracking link.
    RequestReceived { name: &'a str, reference: &'a str, summary: &'a str, link: &'a str },
    /// A single-use sign-in link.
    SignInLink { link: &'a str },
    /// The team took a step on the job; `subject` and `lead` say which (see `server::notify`).
    JobUpdate { name: &'a str, reference: &'a str, subject: &'a str, lead: &'a str, link: &'a str },
    /// A question about a job: one link per answer (`choices`: label and address), optionally a further
    /// question (`more`: lead-in and address) and the tracking link.
    Survey {
        name: &'a str,
        reference: &'a str,
        subject: &'a str,
        lead: &'a str,
        prompt: &'a str,
        choices: &'a [(String, String)],
        more: Option<(&'a str, &'a str)>,
        link: Option<&'a str>,
        /// Surveys are not essential: the mail says where to stop them.
        preferences: Option<&'a str>,
    },
}

/// A body as paragraphs, each written out twice: as text lines and as HTML.
struct Body {
    text: Vec<String>,
    html: Vec<String>,
}

impl Body {
    fn new() -> Self {
        Self { text: Vec::new(), html: Vec::new() }
    }

    /// A paragraph of plain words (line breaks kept).
    fn para(&mut self, words: &str) -> &mut Self {
        self.text.push(words.to_owned());
        self.html.push(format!("<p>{}</p>", escape(words).replace('\n', "<br>\n")));
        self
    }

    /// `Label: value` lines, as one paragraph.
    fn facts(&mut self, facts: &[(&str, &str)]) -> &mut Self {
        self.text.push(facts.iter().map(|(label, value)| format!("{label}: {value}")).collect::<Vec<_>>().join("\n"));
        let lines: Vec<_> = facts
            .iter()
            .map(|(label, value)| format!("{}: <strong>{}</strong>", escape(label), escape(value)))
            .collect();
        self.html.push(format!("<p>{}</p>", lines.join("<br>\n")));
        self
    }

    /// The text version writes the address (after its lead-in, if any); the HTML version a link.
    fn link(&mut self, lead_in: Option<&str>, button: &str, url: &str) -> &mut Self {
        self.text.push(match lead_in {
            Some(lead_in) => format!("{lead_in}\n{url}"),
            None => url.to_owned(),
        });
        self.html.push(format!("<p><a href=\"{}\">{}</a></p>", escape(url), escape(button)));
        self
    }

    /// A list of answers, each its own link (the text version writes `label: address` lines).
    fn choices(&mut self, prompt: &str, choices: &[(String, String)]) -> &mut Self {
        let lines: Vec<String> = choices.iter().map(|(label, url)| format!("{label}: {url}")).collect();
        self.text.push(format!("{prompt}\n{}", lines.join("\n")));
        let items: Vec<String> = choices
            .iter()
            .map(|(label, url)| format!("<li><a href=\"{}\">{}</a></li>", escape(url), escape(label)))
            .collect();
        self.html.push(format!("<p>{}</p>\n<ul>\n{}\n</ul>", escape(prompt), items.join("\n")));
        self
    }

    fn finish(&self, locale: Locale, subject: String) -> Rendered {
        let text = format!("{}\n", self.text.join("\n\n"));
        let html = format!(
            "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n</head>\n\
             <body style=\"font-family: sans-serif; line-height: 1.5; color: #1a1a1a;\">\n{}\n</body>\n</html>\n",
            locale.as_str(),
            escape(&subject),
            self.html.join("\n"),
        );
        Rendered { subject, text, html }
    }
}

/// Renders `template` in `locale`.
pub fn render(locale: Locale, template: &Template<'_>) -> Rendered {
    let mut body = Body::new();
    let greeting = |name: &str| format!("{} {name}", td_string!(locale, notify.greeting));
    match template {
        Template::RequestReceived { name, reference, summary, link } => {
            body.para(&greeting(name))
                .para(td_string!(locale, mail.request_received_intro))
                .facts(&[(td_string!(locale, mail.reference), reference), (td_string!(locale, mail.summary), summary)])
                .link(Some(td_string!(locale, mail.tracking_link)), td_string!(locale, mail.tracking_button), link);
            body.finish(locale, format!("{} {reference}", td_string!(locale, mail.request_received_subject)))
        }
        Template::SignInLink { link } => {
            body.para(td_string!(locale, mail.magic_link_intro))
                .link(None, td_string!(locale, mail.sign_in_button), link)
                .para(td_string!(locale, mail.magic_link_ignore));
            body.finish(locale, td_string!(locale, mail.magic_link_subject).to_owned())
        }
        Template::JobUpdate { name, reference, subject, lead, link } => {
            body.para(&greeting(name)).para(lead).facts(&[(td_string!(locale, mail.reference), reference)]).link(
                Some(td_string!(locale, mail.tracking_link)),
                td_string!(locale, mail.tracking_button),
                link,
            );
            body.finish(locale, format!("{subject} {reference}"))
        }
        Template::Survey { name, reference, subject, lead, prompt, choices, more, link, preferences } => {
            body.para(&greeting(name)).para(lead).choices(prompt, choices);
            if let Some((lead_in, url)) = more {
                body.link(Some(lead_in), lead_in, url);
            }
            body.facts(&[(td_string!(locale, mail.reference), reference)]);
            if let Some(link) = link {
                body.link(Some(td_string!(locale, mail.tracking_link)), td_string!(locale, mail.tracking_button), link);
            }
            body.para(td_string!(locale, notify.survey_optional));
            if let Some(preferences) = preferences {
                body.link(
                    Some(td_string!(locale, notify.preferences_lead)),
                    td_string!(locale, notify.preferences_button),
                    preferences,
                );
            }
            body.finish(locale, format!("{subject} {reference}"))
        }
    }
}

/// HTML-escapes text for element content and double-quoted attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINK: &str = "https://portal.example/track/AbC_123";

    fn every_template() -> Vec<Template<'static>> {
        vec![
            Template::RequestReceived {
                name: "Ana <Nowak>",
                reference: "SR-2026-000042",
                summary: "Leaking sink & tap",
                link: LINK,
            },
            Template::SignInLink { link: "https://portal.example/auth/magic?token=x&y" },
            Template::JobUpdate {
                name: "Ana <Nowak>",
                reference: "SR-2026-000042",
                subject: "Your visit is confirmed",
                lead: "We will come on\n2026-01-02",
                link: LINK,
            },
            Template::Survey {
                name: "Ana <Nowak>",
                reference: "SR-2026-000042",
                subject: "Your job is completed",
                lead: "The work is done.",
                prompt: "How satisfied are you?",
                choices: Box::leak(Box::new([
                    ("5 – Very satisfied".to_owned(), "https://portal.example/feedback/t?score=5".to_owned()),
                    ("1 – Very dissatisfied".to_owned(), "https://portal.example/feedback/t?score=1".to_owned()),
                ])),
                more: Some(("How likely are you to recommend us?", "https://portal.example/feedback/n")),
                link: Some(LINK),
                preferences: Some("https://portal.example/preferences/p"),
            },
        ]
    }

    #[test]
    fn every_mail_renders_in_every_locale_with_name_reference_and_link() {
        for &locale in Locale::get_all() {
            for template in every_template() {
                let mail = render(locale, &template);
                assert!(!mail.subject.trim().is_empty(), "{locale:?}");
                assert!(mail.html.contains(&format!("<html lang=\"{}\">", locale.as_str())));
                // No text is empty: a paragraph without words would show a missing translation.
                assert!(!mail.text.contains("\n\n\n") && !mail.html.contains("<p></p>"), "{locale:?}: {mail:?}");
                assert!(!mail.html.contains("<a href=\"\""), "{mail:?}");
                match template {
                    Template::SignInLink { link } => {
                        assert!(mail.text.contains(link));
                        assert!(mail.html.contains("href=\"https://portal.example/auth/magic?token=x&amp;y\""));
                    }
                    Template::RequestReceived { name, reference, link, .. }
                    | Template::JobUpdate { name, reference, link, .. } => {
                        assert!(mail.text.contains(name) && mail.text.contains(reference) && mail.text.contains(link));
                        assert!(mail.subject.ends_with(reference));
                        assert!(mail.html.contains("Ana &lt;Nowak&gt;"), "the name is escaped: {}", mail.html);
                        assert!(!mail.html.contains("<Nowak>"));
                        assert!(mail.html.contains(&format!("<a href=\"{link}\">")));
                        assert!(mail.html.contains(reference));
                    }
                    Template::Survey { name, reference, choices, more, .. } => {
                        assert!(mail.text.contains(name) && mail.subject.ends_with(reference));
                        for (label, url) in choices {
                            assert!(mail.text.contains(&format!("{label}: {url}")), "{}", mail.text);
                            assert!(mail.html.contains(&format!("<a href=\"{}\">{}</a>", url, label)), "{}", mail.html);
                        }
                        assert!(mail.html.contains("href=\"https://portal.example/feedback/n\""));
                        assert!(more.is_some() && mail.html.contains(&format!("<a href=\"{LINK}\">")));
                        assert!(mail.html.contains("Ana &lt;Nowak&gt;"));
                        assert!(
                            mail.html.contains("href=\"https://portal.example/preferences/p\""),
                            "unsubscribe link"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_texts_differ_by_locale() {
        let en = render(Locale::en, &every_template()[0]);
        let pl = render(Locale::pl, &every_template()[0]);
        assert_ne!(en.text, pl.text);
        assert!(pl.text.starts_with("Dzień dobry, Ana <Nowak>"), "{}", pl.text);
        assert!(en.html.contains("Leaking sink &amp; tap"));
        assert!(en
            .text
            .contains("Summary: Leaking sink & tap\n\nFollow your job:\nhttps://portal.example/track/AbC_123\n"));
    }
}
