//! Desktop notifications (D17): the desk's changes (the same the UI draws from) and the
//! window's focus feed the pure [`Policy`]; what it decides is shown through the desktop's notification service
//! (notify-rust, D-Bus on Linux). Clicking a notification opens the app on that conversation.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use pupitre_desk::Desk;
use pupitre_desk::notify::{Config, Input, Notification, NotificationKind, Policy, Urgency};
use pupitre_protocol::{ConversationRef, Millis};
use tauri::AppHandle;

fn now_ms() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis() as Millis
}

/// The window's state (focus, what is on screen) for the policy's task. Only the latest of
/// each matters, so each is a `watch`: bounded by construction, nothing queued (issue 9: no
/// unbounded channel).
#[derive(Clone)]
pub struct Notifier {
    focused: Arc<tokio::sync::watch::Sender<bool>>,
    on_screen: Arc<tokio::sync::watch::Sender<Vec<ConversationRef>>>,
}

impl Notifier {
    pub fn new() -> Self {
        Self {
            focused: Arc::new(tokio::sync::watch::channel(false).0),
            on_screen: Arc::new(tokio::sync::watch::channel(vec![]).0),
        }
    }

    pub fn focused(&self, focused: bool) {
        self.focused.send_replace(focused);
    }

    pub fn on_screen(&self, conversations: Vec<ConversationRef>) {
        self.on_screen.send_replace(conversations);
    }
}

fn french() -> bool {
    std::env::var("LANG")
        .or_else(|_| std::env::var("LC_ALL"))
        .is_ok_and(|l| l.starts_with("fr"))
}

/// Summary and body of a notification, in the agent's language (D20). The visitor's name and
/// words arrive on one line, without bidi or zero-width controls (`notify::single_line`).
fn text(n: &Notification) -> (String, String) {
    let fr = french();
    let who = n.visitor_name.clone().unwrap_or_else(|| {
        if fr {
            "Visiteur".into()
        } else {
            "Visitor".into()
        }
    });
    let reference = &n.conversation.0;
    let excerpt = n.excerpt.clone().unwrap_or_default();
    let minutes = n.waiting_for.map(|w| (w / 60_000).max(1)).unwrap_or(1);
    let seconds = n.waiting_for.map(|w| w / 1000).unwrap_or(30);
    let others = if n.others_waiting > 0 {
        if fr {
            format!(" (+{} autres)", n.others_waiting)
        } else {
            format!(" (+{} more)", n.others_waiting)
        }
    } else {
        String::new()
    };
    let summary = match (n.kind, fr) {
        (NotificationKind::NewConversation, false) => {
            format!("New conversation {reference} · {who}")
        }
        (NotificationKind::NewConversation, true) => {
            format!("Nouvelle conversation {reference} · {who}")
        }
        (NotificationKind::SnoozeWoke, false) => {
            format!("{reference} is back from its pause · {who}")
        }
        (NotificationKind::SnoozeWoke, true) => format!("{reference} sort de pause · {who}"),
        (NotificationKind::TransferReceived, false) => {
            format!("Transferred to you: {reference} · {who}")
        }
        (NotificationKind::TransferReceived, true) => {
            format!("Transférée vers vous : {reference} · {who}")
        }
        (NotificationKind::VisitorMessage, false) => format!("{who} ({reference})"),
        (NotificationKind::VisitorMessage, true) => format!("{who} ({reference})"),
        (NotificationKind::WaitingForReply { .. }, false) if seconds < 120 => {
            format!("{who} has waited {seconds} s for your reply{others}")
        }
        (NotificationKind::WaitingForReply { .. }, true) if seconds < 120 => {
            format!("{who} attend votre réponse depuis {seconds} s{others}")
        }
        (NotificationKind::WaitingForReply { .. }, false) => {
            format!("{who} has waited {minutes} min for your reply{others}")
        }
        (NotificationKind::WaitingForReply { .. }, true) => {
            format!("{who} attend votre réponse depuis {minutes} min{others}")
        }
        (NotificationKind::TimeoutSoon { closes_at }, false) => {
            let s = ((closes_at - n.at) / 1000).max(0);
            format!("{reference} closes in {s} s: {who} has gone quiet")
        }
        (NotificationKind::TimeoutSoon { closes_at }, true) => {
            let s = ((closes_at - n.at) / 1000).max(0);
            format!("{reference} se ferme dans {s} s : {who} ne répond plus")
        }
        (NotificationKind::HelpRequested, false) => format!(
            "{} asks for your help · {reference}",
            n.from.as_deref().unwrap_or("An agent")
        ),
        (NotificationKind::HelpRequested, true) => format!(
            "{} demande votre aide · {reference}",
            n.from.as_deref().unwrap_or("Un agent")
        ),
    };
    let body = match (&n.comment, n.kind) {
        (Some(note), NotificationKind::HelpRequested) => format!("« {note} »\n{who}"),
        (None, NotificationKind::HelpRequested) => who.clone(),
        (Some(comment), NotificationKind::TransferReceived) => {
            if excerpt.is_empty() {
                format!("« {comment} »")
            } else {
                format!("« {comment} »\n{excerpt}")
            }
        }
        _ => excerpt,
    };
    (summary, body)
}

/// The body as the notification server reads it. The Desktop Notifications spec: the summary
/// is always plain text; the body is markup only for servers that advertise `body-markup`, and
/// then visitor text is escaped so that it shows as typed (elsewhere escaping would show
/// `&lt;` literally).
fn body_for_server(body: &str) -> String {
    static MARKUP: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let markup = *MARKUP.get_or_init(|| {
        notify_rust::get_capabilities()
            .map(|caps| caps.iter().any(|c| c == "body-markup"))
            .unwrap_or(false)
    });
    if markup {
        body.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    } else {
        body.to_owned()
    }
}

/// Shows one notification; a click opens the conversation. Runs on its own thread: waiting for
/// the click blocks.
fn show(
    app: AppHandle,
    desk: Desk,
    n: Notification,
    replace: Option<u32>,
    ids: Arc<Mutex<HashMap<u64, u32>>>,
) {
    std::thread::spawn(move || {
        let (summary, body) = text(&n);
        let mut builder = notify_rust::Notification::new();
        builder
            .appname("Pupitre")
            .summary(&summary)
            .body(&body_for_server(&body))
            .icon("mail-message-new")
            .action("default", if french() { "Ouvrir" } else { "Open" })
            .hint(notify_rust::Hint::Category("im.received".into()))
            .urgency(match n.urgency {
                Urgency::Normal => notify_rust::Urgency::Normal,
                Urgency::Critical => notify_rust::Urgency::Critical,
            });
        if let Some(id) = replace {
            builder.id(id);
        }
        match builder.show() {
            Ok(handle) => {
                ids.lock().expect("ids lock").insert(n.id.0, handle.id());
                let conversation = n.conversation.clone();
                handle.wait_for_action(move |action| {
                    if action == "default" {
                        crate::show_main(&app);
                        desk.notification_opened(conversation);
                    }
                });
            }
            Err(e) => tracing::warn!(error = %e, "cannot show a desktop notification"),
        }
    });
}

/// The policy's task: desk events and window inputs in, notifications out, timers in between.
pub fn spawn(app: AppHandle, desk: Desk, notifier: Notifier) {
    let mut focused = notifier.focused.subscribe();
    let mut on_screen = notifier.on_screen.subscribe();
    tauri::async_runtime::spawn(async move {
        let mut policy = Policy::new(Config::default());
        let mut events = desk.subscribe();
        // Our notification ids → the desktop's, so an update replaces instead of stacking.
        let ids: Arc<Mutex<HashMap<u64, u32>>> = Arc::default();
        loop {
            let sleep = policy
                .poll_timeout()
                .map(|at| std::time::Duration::from_millis((at - now_ms()).max(0) as u64));
            tokio::select! {
                event = events.recv() => match event {
                    Ok(event) => {
                        for input in Input::from_desk_event(&event) {
                            policy.handle(now_ms(), input);
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                },
                changed = focused.changed() => match changed {
                    Ok(()) => {
                        let now_focused = *focused.borrow_and_update();
                        policy.handle(now_ms(), Input::WindowFocused(now_focused));
                    }
                    Err(_) => return,
                },
                changed = on_screen.changed() => match changed {
                    Ok(()) => {
                        let list = on_screen.borrow_and_update().clone();
                        policy.handle(now_ms(), Input::OnScreen(list));
                    }
                    Err(_) => return,
                },
                () = async { match sleep { Some(d) => tokio::time::sleep(d).await, None => std::future::pending().await } } => {
                    policy.handle_timeout(now_ms());
                }
            }
            while let Some(n) = policy.poll_notification() {
                let replace = n
                    .replaces
                    .and_then(|r| ids.lock().expect("ids lock").get(&r.0).copied());
                show(app.clone(), desk.clone(), n, replace, ids.clone());
            }
        }
    });
}
