//! Answers by e-mail (SPEC R8): agent messages a visitor has not seen, followed by a snooze, a
//! transfer or a close, are e-mailed to the address the visitor left.
//!
//! The writer composes the mail and queues it in `mail_outbox` in the same transaction as the
//! change that triggers it, so a crash loses none and sends none twice for the same messages.
//! [`Mailer::run`] sends what is queued over SMTP (lettre), marks it sent, and retries failures
//! with a growing delay; it is woken after each commit that queued mail.

use std::sync::Arc;
use std::time::Duration;

use html_escape::{encode_double_quoted_attribute, encode_text};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport as _, Tokio1Executor};
use pupitre_protocol::{Author, Body, ConversationRef, Message};
use tokio::sync::Notify;

use crate::Hub;

/// A queued mail is tried this many times before it is left for an operator: with the waits
/// doubling from 2 s up to 30 min, about four hours of an SMTP server's outage.
pub const MAX_ATTEMPTS: i64 = 16;
/// The longest wait between two rounds of failed sending.
const MOST_DELAY: Duration = Duration::from_secs(30 * 60);

/// Where answers by e-mail go.
#[derive(Debug, Clone)]
pub enum MailTarget {
    /// `smtp://host:port` (plain, or STARTTLS with `?tls=required`), `smtps://host:port`
    /// (implicit TLS); credentials as `smtp://user:password@host`.
    Smtp(String),
    /// Each mail written as an `.eml` file in this folder (`make run`, no mail server needed).
    Dir(std::path::PathBuf),
}

/// The hub's mail settings (`pupitre serve --smtp …|--mail-dir … --mail-from … --public-url …`).
#[derive(Debug, Clone)]
pub struct MailSettings {
    pub target: MailTarget,
    /// The sender, e.g. `Pupitre <no-reply@example.com>`.
    pub from: String,
    /// Where the hub is reachable from a visitor's browser (the link back when the visitor's
    /// page is not known).
    pub public_url: String,
}

/// What an answer e-mail says.
pub struct Answer<'a> {
    pub project: &'a str,
    pub reference: &'a ConversationRef,
    pub language: Option<&'a str>,
    pub visitor_name: Option<&'a str>,
    /// The last page the visitor was on: the link goes back there, with the widget open.
    pub page_url: Option<&'a str>,
    /// The project's colour (`#rrggbb`); anything else falls back to the default blue.
    pub color: &'a str,
    pub messages: &'a [Message],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Clone)]
pub struct Mailer {
    inner: Arc<Inner>,
}

struct Inner {
    settings: MailSettings,
    wake: Notify,
}

impl Mailer {
    pub fn new(settings: MailSettings) -> Self {
        Self {
            inner: Arc::new(Inner {
                settings,
                wake: Notify::new(),
            }),
        }
    }

    pub fn settings(&self) -> &MailSettings {
        &self.inner.settings
    }

    /// Mail was queued: send it now.
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// The link back to the conversation: the visitor's last page (http or https) with the
    /// widget open, else the hub's demo page.
    fn link(&self, page_url: Option<&str>) -> String {
        let base = page_url
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
            .map(|u| u.split('#').next().unwrap_or(u).to_owned())
            .unwrap_or_else(|| {
                format!(
                    "{}/demo",
                    self.inner.settings.public_url.trim_end_matches('/')
                )
            });
        format!("{base}#pupitre-open")
    }

    /// The answer e-mail, plain and HTML, in the visitor's language (French or English).
    pub fn compose(&self, answer: &Answer<'_>) -> Composed {
        let french = answer
            .language
            .is_some_and(|l| l.to_ascii_lowercase().starts_with("fr"));
        let agent = answer
            .messages
            .iter()
            .rev()
            .find_map(|m| match &m.author {
                Author::Agent { name, .. } => Some(name.as_str()),
                _ => None,
            })
            .unwrap_or(answer.project);
        let link = self.link(answer.page_url);
        let greeting = match (french, answer.visitor_name) {
            (true, Some(n)) => format!("Bonjour {n},"),
            (true, None) => "Bonjour,".to_owned(),
            (false, Some(n)) => format!("Hello {n},"),
            (false, None) => "Hello,".to_owned(),
        };
        let (subject, intro, cta, footer) = if french {
            (
                format!("{agent} vous a répondu — {}", answer.project),
                format!(
                    "{agent} ({}) a répondu à votre message ({}) :",
                    answer.project, answer.reference
                ),
                "Reprendre la conversation",
                "Vous recevez ce message parce que vous avez laissé votre adresse dans la fenêtre de discussion.",
            )
        } else {
            (
                format!("{agent} answered you — {}", answer.project),
                format!(
                    "{agent} ({}) answered your message ({}):",
                    answer.project, answer.reference
                ),
                "Continue the conversation",
                "You receive this because you left your address in the chat window.",
            )
        };
        let lines: Vec<String> = answer.messages.iter().filter_map(message_text).collect();
        let mut text = format!("{greeting}\n\n{intro}\n\n");
        for line in &lines {
            for l in line.lines() {
                text.push_str("> ");
                text.push_str(l);
                text.push('\n');
            }
            text.push('\n');
        }
        text.push_str(&format!("{cta}: {link}\n\n-- \n{footer}\n"));

        let mut html = String::from(
            "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;color:#1b1f24\">",
        );
        html.push_str(&format!("<p>{}</p>", encode_text(&greeting)));
        html.push_str(&format!("<p>{}</p>", encode_text(&intro)));
        let hex = answer.color.strip_prefix('#').unwrap_or_default();
        let color = if matches!(hex.len(), 3 | 6) && hex.chars().all(|c| c.is_ascii_hexdigit()) {
            answer.color
        } else {
            "#1f6feb"
        };
        for line in &lines {
            html.push_str(&format!(
                "<blockquote style=\"margin:0 0 12px;padding:8px 12px;border-left:3px solid {color};background:#f4f6f8;white-space:pre-wrap\">"
            ));
            html.push_str(&encode_text(line));
            html.push_str("</blockquote>");
        }
        html.push_str(&format!(
            "<p><a href=\"{}\">{}</a></p><p style=\"color:#667\">{}</p></body></html>",
            encode_double_quoted_attribute(&link),
            encode_text(cta),
            encode_text(footer)
        ));
        Composed {
            subject,
            text,
            html,
        }
    }

    /// Sends what is queued until `shutdown` turns true.
    pub async fn run(self, hub: Arc<Hub>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        let transport = match &self.inner.settings.target {
            MailTarget::Smtp(url) => match AsyncSmtpTransport::<Tokio1Executor>::from_url(url) {
                Ok(b) => Transport::Smtp(b.timeout(Some(Duration::from_secs(20))).build()),
                Err(e) => {
                    tracing::error!(error = %e, "invalid SMTP URL; answers by e-mail stay queued");
                    return;
                }
            },
            MailTarget::Dir(dir) => {
                if let Err(e) = std::fs::create_dir_all(dir) {
                    tracing::error!(error = %e, dir = %dir.display(), "cannot create the mail folder; answers by e-mail stay queued");
                    return;
                }
                Transport::Dir(AsyncFileTransport::<Tokio1Executor>::new(dir))
            }
        };
        let from: Mailbox = match self.inner.settings.from.parse() {
            Ok(f) => f,
            Err(e) => {
                tracing::error!(error = %e, "invalid --mail-from; answers by e-mail stay queued");
                return;
            }
        };
        let mut delay = Duration::from_secs(1);
        loop {
            // Several hubs on one database: one of them sends (the outbox has no claims: two
            // senders would mail the same answer twice).
            let sender = hub.cluster().is_none_or(|c| c.is_mailer());
            let h = hub.clone();
            let pending = tokio::task::spawn_blocking(move || {
                if !sender {
                    return Ok(vec![]);
                }
                h.with_store(|s| crate::store::Store::pending_mails(s, 50))
            })
            .await;
            let pending = match pending {
                Ok(Ok(p)) => p,
                Ok(Err(e)) => {
                    tracing::error!(error = %e, "reading the mail outbox");
                    vec![]
                }
                Err(_) => vec![],
            };
            let mut failed = false;
            for mail in pending {
                let result = send(&transport, &from, &mail).await;
                if let Err(e) = &result {
                    tracing::warn!(mail = mail.id, error = %e, "sending an answer by e-mail failed");
                    metrics::counter!("pupitre_mail_failures_total").increment(1);
                    failed = true;
                } else {
                    metrics::counter!("pupitre_mails_sent_total").increment(1);
                }
                let at = hub.clock.now();
                let h = hub.clone();
                let _ = tokio::task::spawn_blocking(move || {
                    h.with_store(|s| {
                        crate::store::Store::mail_done(s, mail.id, result.map(|()| at))
                    })
                })
                .await;
            }
            let wait = if failed {
                delay = (delay * 2).min(MOST_DELAY);
                delay
            } else {
                delay = Duration::from_secs(1);
                Duration::from_secs(60)
            };
            tokio::select! {
                () = self.inner.wake.notified() => {}
                () = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Dir(AsyncFileTransport<Tokio1Executor>),
}

async fn send(
    transport: &Transport,
    from: &Mailbox,
    mail: &crate::store::PendingMail,
) -> Result<(), String> {
    let to: Mailbox = mail.to.parse().map_err(|e| format!("recipient: {e}"))?;
    let email = lettre::Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .multipart(MultiPart::alternative_plain_html(
            mail.text.clone(),
            mail.html.clone(),
        ))
        .map_err(|e| e.to_string())?;
    match transport {
        Transport::Smtp(t) => t.send(email).await.map(|_| ()).map_err(|e| e.to_string()),
        Transport::Dir(t) => t.send(email).await.map(|_| ()).map_err(|e| e.to_string()),
    }
}

/// What an agent message says, as plain text.
fn message_text(m: &Message) -> Option<String> {
    match &m.body {
        Body::Text { text } => Some(text.clone()),
        Body::Offer { offer } => Some(match &offer.text {
            Some(t) => format!("{}\n{}\n{}", offer.title, t, offer.link),
            None => format!("{}\n{}", offer.title, offer.link),
        }),
        Body::File { file } => Some(format!("📎 {}", file.name)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mailer() -> Mailer {
        Mailer::new(MailSettings {
            target: MailTarget::Smtp("smtp://127.0.0.1:1".into()),
            from: "Pupitre <no-reply@example.com>".into(),
            public_url: "http://hub.example".into(),
        })
    }

    fn agent_message(id: i64, text: &str) -> Message {
        Message {
            id,
            conversation: ConversationRef("DEMO-7".into()),
            client_id: None,
            author: Author::Agent {
                id: 1,
                name: "Alice".into(),
            },
            body: Body::Text { text: text.into() },
            at: 0,
        }
    }

    #[test]
    fn r8_answer_mail_is_plain_and_html_in_the_visitors_language_with_a_link_back() {
        let messages = [agent_message(3, "Your order left <today>.\nSee you!")];
        let en = mailer().compose(&Answer {
            project: "Demo shop",
            reference: &ConversationRef("DEMO-7".into()),
            language: Some("en-GB"),
            visitor_name: Some("Zoé"),
            page_url: Some("https://shop.example/cart#x"),
            color: "#b4532a",
            messages: &messages,
        });
        assert_eq!(en.subject, "Alice answered you — Demo shop");
        assert!(en.text.contains("Hello Zoé,"));
        assert!(en.text.contains("> Your order left <today>.\n> See you!"));
        assert!(en.text.contains("https://shop.example/cart#pupitre-open"));
        // The HTML part escapes what the agent wrote.
        assert!(en.html.contains("Your order left &lt;today&gt;."));
        assert!(!en.html.contains("<today>"));
        assert!(
            en.html
                .contains("href=\"https://shop.example/cart#pupitre-open\"")
        );

        let fr = mailer().compose(&Answer {
            project: "Demo shop",
            reference: &ConversationRef("DEMO-7".into()),
            language: Some("fr-FR"),
            visitor_name: None,
            page_url: Some("javascript:alert(1)"),
            color: "red;}</style><script>",
            messages: &messages,
        });
        assert_eq!(fr.subject, "Alice vous a répondu — Demo shop");
        assert!(fr.text.starts_with("Bonjour,"));
        // A page that is not http(s) is not linked: the hub's page is.
        assert!(fr.text.contains("http://hub.example/demo#pupitre-open"));
        assert!(!fr.html.contains("javascript:"));
        assert!(!fr.html.contains("<script>") && fr.html.contains("solid #1f6feb"));
    }
}
