//! A conversation e-mailed to its agent (D16 "e-mail it to oneself"): the whole thread as the
//! desk shows it, plain and HTML, in the agent's language. Pure: the caller reads the thread
//! and queues the mail.

use chrono::TimeZone as _;
use chrono_tz::Tz;
use html_escape::encode_text;
use pupitre_protocol::{Author, Body, ConversationRef, Message, Millis};

use crate::mail::Composed;

/// What the transcript says.
pub struct Transcript<'a> {
    pub project: &'a str,
    pub reference: &'a ConversationRef,
    pub visitor_name: Option<&'a str>,
    /// French when the agent's desk is (`fr…`), English otherwise.
    pub language: &'a str,
    /// The project's time zone: times are written in it.
    pub tz: Tz,
    pub messages: &'a [Message],
}

/// One line of the thread: who, when, what (`None`: nothing to read, such as a status event).
fn line(t: &Transcript<'_>, french: bool, m: &Message) -> Option<(String, String, String)> {
    let visitor = t
        .visitor_name
        .unwrap_or(if french { "Visiteur" } else { "Visitor" });
    let who = match &m.author {
        Author::Visitor => visitor.to_owned(),
        Author::Agent { name, .. } => name.clone(),
        Author::System => "Pupitre".to_owned(),
    };
    let what = match &m.body {
        Body::Text { text } => text.clone(),
        Body::Sentence { text, .. } => text.clone(),
        Body::Comment { text } => {
            format!(
                "[{}] {text}",
                if french {
                    "Note interne"
                } else {
                    "Internal note"
                }
            )
        }
        Body::Whisper { text } => {
            format!(
                "[{}] {text}",
                if french {
                    "Chuchotement du manager"
                } else {
                    "Manager's whisper"
                }
            )
        }
        Body::Offer { offer } => match &offer.text {
            Some(text) => format!("{}\n{text}\n{}", offer.title, offer.link),
            None => format!("{}\n{}", offer.title, offer.link),
        },
        Body::File { file } => format!("📎 {}", file.name),
        Body::Event { .. } => return None,
    };
    Some((who, when(t.tz, m.at), what))
}

fn when(tz: Tz, at: Millis) -> String {
    tz.timestamp_millis_opt(at)
        .single()
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

pub fn compose(t: &Transcript<'_>) -> Composed {
    let french = t.language.to_ascii_lowercase().starts_with("fr");
    let visitor = t
        .visitor_name
        .unwrap_or(if french { "un visiteur" } else { "a visitor" });
    let subject = if french {
        format!(
            "Conversation {} avec {visitor} — {}",
            t.reference, t.project
        )
    } else {
        format!(
            "Conversation {} with {visitor} — {}",
            t.reference, t.project
        )
    };
    let footer = if french {
        "Vous recevez ce message parce que vous l'avez demandé depuis votre pupitre."
    } else {
        "You receive this because you asked for it from your desk."
    };
    let lines: Vec<_> = t
        .messages
        .iter()
        .filter_map(|m| line(t, french, m))
        .collect();
    let mut text = format!("{subject}\n\n");
    for (who, at, what) in &lines {
        text.push_str(&format!("[{at}] {who}:\n"));
        for l in what.lines() {
            text.push_str("  ");
            text.push_str(l);
            text.push('\n');
        }
        text.push('\n');
    }
    text.push_str(&format!("-- \n{footer}\n"));

    let mut html = String::from(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;color:#1b1f24\">",
    );
    html.push_str(&format!(
        "<h2 style=\"font-size:16px\">{}</h2>",
        encode_text(&subject)
    ));
    for (who, at, what) in &lines {
        html.push_str(&format!(
            "<p style=\"margin:0 0 10px\"><b>{}</b> <span style=\"color:#667\">{}</span><br><span style=\"white-space:pre-wrap\">{}</span></p>",
            encode_text(who),
            encode_text(at),
            encode_text(what)
        ));
    }
    html.push_str(&format!(
        "<p style=\"color:#667\">{}</p></body></html>",
        encode_text(footer)
    ));
    Composed {
        subject,
        text,
        html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pupitre_protocol::SentenceKind;

    fn message(id: i64, author: Author, body: Body) -> Message {
        Message {
            id,
            conversation: ConversationRef("DEMO-7".into()),
            client_id: None,
            author,
            body,
            at: 1_765_000_000_000 + id * 60_000,
        }
    }

    #[test]
    fn d16_the_whole_thread_in_order_with_hostile_text_escaped() {
        let agent = Author::Agent {
            id: 1,
            name: "Alice".into(),
        };
        let messages = vec![
            message(
                1,
                Author::Visitor,
                Body::Text {
                    text: "<script>alert(1)</script> where is my order?".into(),
                },
            ),
            message(
                2,
                agent.clone(),
                Body::Text {
                    text: "It left today.\nTracking follows.".into(),
                },
            ),
            message(3, agent, Body::Comment { text: "VIP".into() }),
            message(
                4,
                Author::System,
                Body::Sentence {
                    sentence: SentenceKind::AutoReply,
                    text: "Thanks for waiting".into(),
                },
            ),
        ];
        let reference = ConversationRef("DEMO-7".into());
        let mail = compose(&Transcript {
            project: "Demo",
            reference: &reference,
            visitor_name: Some("Zoé <b>"),
            language: "en",
            tz: chrono_tz::Europe::Paris,
            messages: &messages,
        });
        assert_eq!(mail.subject, "Conversation DEMO-7 with Zoé <b> — Demo");
        let first = mail.text.find("where is my order").unwrap();
        let second = mail.text.find("It left today.").unwrap();
        let third = mail.text.find("[Internal note] VIP").unwrap();
        assert!(first < second && second < third, "{}", mail.text);
        assert!(mail.text.contains("  Tracking follows.\n"));
        assert!(mail.text.contains("Thanks for waiting"));
        assert!(!mail.html.contains("<script>"), "{}", mail.html);
        assert!(mail.html.contains("&lt;script&gt;"));
        assert!(!mail.html.contains("Zoé <b>"));
        let french = compose(&Transcript {
            language: "fr-FR",
            visitor_name: None,
            ..Transcript {
                project: "Demo",
                reference: &reference,
                visitor_name: None,
                language: "fr",
                tz: chrono_tz::UTC,
                messages: &messages,
            }
        });
        assert!(
            french
                .subject
                .starts_with("Conversation DEMO-7 avec un visiteur")
        );
    }
}
