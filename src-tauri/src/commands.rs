//! The UI's one door (DESIGN.md §7): one command per `Backend` method of `ui/src/lib/backend.ts`,
//! each a line or two over [`Desk`]. Errors reach the page as `{code, message}`.

use std::sync::Mutex;

use pupitre_desk::door::{
    CannedResponse, CannedResponseDraft, HistoryHit, HistoryQuery, LoginRequest, LoginResult,
    NewCannedResponse,
};
use pupitre_desk::{Desk, DeskError, DeskErrorCode, DeskEvent, DeskState};
use pupitre_protocol::agent::{AgentClientFrame, AgentProfile, TransferTarget};
use pupitre_protocol::{Channel, ChosenStatus, ConversationRef, Millis};
use tauri::ipc::Channel as IpcChannel;
use tauri::{AppHandle, Manager as _, State};

use crate::notifications::Notifier;

pub struct AppState {
    pub desk: Desk,
    pub notifier: Notifier,
    /// The task forwarding desk events to the page; a new `subscribe` replaces it.
    pub forwarder: Mutex<Option<tauri::async_runtime::JoinHandle<()>>>,
    /// D5: the co-browsing views open in the page, by conversation.
    pub views: Mutex<std::collections::HashMap<ConversationRef, pupitre_desk::cobrowse::View>>,
}

type Result<T> = std::result::Result<T, DeskError>;

fn id() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}

/// D1: the agent's id in the window title.
fn title(app: &AppHandle, profile: Option<&AgentProfile>) {
    if let Some(w) = app.get_webview_window("main") {
        let t = match profile {
            Some(p) => format!("Pupitre — {} · #{}", p.name, p.id),
            None => "Pupitre".to_owned(),
        };
        let _ = w.set_title(&t);
    }
}

#[tauri::command]
pub async fn login(
    app: AppHandle,
    state: State<'_, AppState>,
    request: LoginRequest,
) -> Result<LoginResult> {
    let profile = state
        .desk
        .login(
            &request.hub,
            &request.email,
            &request.password,
            request.remember,
        )
        .await?;
    title(&app, Some(&profile));
    let notice = state
        .desk
        .snapshot()
        .keyring_warning
        .map(|message| DeskError::new(DeskErrorCode::KeyringUnavailable, message));
    Ok(LoginResult { profile, notice })
}

/// "Remember me" (D19). For `make run` and demos, `PUPITRE_HUB`, `PUPITRE_EMAIL` and
/// `PUPITRE_PASSWORD` log in when there is no session to restore.
#[tauri::command]
pub async fn restore_session(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<Option<AgentProfile>> {
    let restored = state.desk.restore_session().await.unwrap_or(false);
    if !restored
        && let (Ok(hub), Ok(email), Ok(password)) = (
            std::env::var("PUPITRE_HUB"),
            std::env::var("PUPITRE_EMAIL"),
            std::env::var("PUPITRE_PASSWORD"),
        )
    {
        // PUPITRE_REMEMBER=1 keeps the session in the keyring, as "remember me" does.
        let remember = std::env::var("PUPITRE_REMEMBER").is_ok_and(|v| v == "1");
        state.desk.login(&hub, &email, &password, remember).await?;
    }
    let profile = state.desk.snapshot().profile;
    title(&app, profile.as_ref());
    Ok(profile)
}

#[tauri::command]
pub async fn logout(app: AppHandle, state: State<'_, AppState>) -> Result<()> {
    state.desk.logout().await;
    title(&app, None);
    Ok(())
}

/// Messages of each conversation the page receives at once: the newest ones. The thread pages
/// older ones from the cache (`thread`), so a long history never sits whole in the webview (P5).
const PAGE_MESSAGES: usize = 50;

fn trim_view(view: &mut pupitre_protocol::agent::ConversationView) {
    let extra = view.messages.len().saturating_sub(PAGE_MESSAGES);
    view.messages.drain(..extra);
}

fn for_page(mut state: DeskState) -> DeskState {
    state.conversations.iter_mut().for_each(trim_view);
    state
}

/// A change as the page receives it: conversation views trimmed like the snapshot's.
fn event_for_page(event: DeskEvent) -> DeskEvent {
    match event {
        DeskEvent::ConversationAdded {
            mut conversation,
            cause,
        } => {
            trim_view(&mut conversation);
            DeskEvent::ConversationAdded {
                conversation,
                cause,
            }
        }
        DeskEvent::Snapshot { state } => DeskEvent::Snapshot {
            state: Box::new(for_page(*state)),
        },
        other => other,
    }
}

/// When the page first asks for the desk, the UI is up: logged for the P5 cold-start figure.
static READY: std::sync::Once = std::sync::Once::new();

#[tauri::command]
pub async fn snapshot(state: State<'_, AppState>) -> Result<DeskState> {
    READY.call_once(|| {
        tracing::info!(
            elapsed_ms = crate::STARTED.elapsed().as_millis() as u64,
            "desk ready"
        );
    });
    Ok(for_page(state.desk.snapshot()))
}

/// Streams the desk's changes to the page through one Channel (Tauri's ordered IPC stream).
#[tauri::command]
pub async fn subscribe(state: State<'_, AppState>, on_event: IpcChannel<DeskEvent>) -> Result<()> {
    let mut events = state.desk.subscribe();
    let task = tauri::async_runtime::spawn(async move {
        loop {
            match events.recv().await {
                Ok(event) => {
                    if on_event.send(event_for_page(event)).is_err() {
                        break;
                    }
                }
                // Too slow: the page re-reads the snapshot instead of missing changes.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    let _ = on_event.send(DeskEvent::Lagged);
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
    if let Some(old) = state
        .forwarder
        .lock()
        .expect("forwarder lock")
        .replace(task)
    {
        old.abort();
    }
    Ok(())
}

#[tauri::command]
pub async fn send_message(
    state: State<'_, AppState>,
    conversation: ConversationRef,
    text: String,
) -> Result<String> {
    Ok(state
        .desk
        .send_message(conversation, text)
        .await?
        .to_string())
}

#[tauri::command]
pub async fn set_status(
    state: State<'_, AppState>,
    channel: Channel,
    status: ChosenStatus,
) -> Result<()> {
    state
        .desk
        .act(AgentClientFrame::SetStatus {
            client_id: id(),
            channel,
            status,
        })
        .await
}

#[tauri::command]
pub async fn set_slot_limit(state: State<'_, AppState>, limit: u32) -> Result<()> {
    state
        .desk
        .act(AgentClientFrame::SetSlotLimit {
            client_id: id(),
            limit,
        })
        .await
}

#[tauri::command]
pub async fn snooze(
    state: State<'_, AppState>,
    conversation: ConversationRef,
    until: Millis,
    keep: bool,
) -> Result<()> {
    state
        .desk
        .act(AgentClientFrame::Snooze {
            client_id: id(),
            conversation,
            until,
            keep,
        })
        .await
}

#[tauri::command]
pub async fn transfer(
    state: State<'_, AppState>,
    conversation: ConversationRef,
    to: TransferTarget,
    comment: Option<String>,
    anyway: bool,
) -> Result<()> {
    state
        .desk
        .act(AgentClientFrame::Transfer {
            client_id: id(),
            conversation,
            to,
            comment,
            anyway,
        })
        .await
}

#[tauri::command]
pub async fn close(
    state: State<'_, AppState>,
    conversation: ConversationRef,
    conversation_type: Option<String>,
) -> Result<()> {
    state
        .desk
        .act(AgentClientFrame::Close {
            client_id: id(),
            conversation,
            conversation_type,
        })
        .await
}

#[tauri::command]
pub async fn agents(state: State<'_, AppState>) -> Result<serde_json::Value> {
    state.desk.agents().await
}

#[tauri::command]
pub async fn groups(state: State<'_, AppState>) -> Result<serde_json::Value> {
    state.desk.groups().await
}

#[tauri::command]
pub async fn canned_responses(state: State<'_, AppState>) -> Result<Vec<CannedResponse>> {
    Ok(state
        .desk
        .canned_responses()
        .await?
        .iter()
        .map(CannedResponse::from_hub)
        .collect())
}

#[tauri::command]
pub async fn create_canned_response(
    state: State<'_, AppState>,
    draft: CannedResponseDraft,
) -> Result<CannedResponse> {
    let body = serde_json::to_value(NewCannedResponse::from(draft))
        .map_err(|e| DeskError::new(DeskErrorCode::Internal, e.to_string()))?;
    Ok(CannedResponse::from_hub(
        &state.desk.create_canned_response(body).await?,
    ))
}

/// History: a visitor's earlier conversations from the hub (D14), or a text search in the local
/// cache, which works with the hub down (D18).
#[tauri::command]
pub async fn search_history(
    state: State<'_, AppState>,
    query: HistoryQuery,
) -> Result<Vec<HistoryHit>> {
    if let Some(visitor) = query.visitor.filter(|v| !v.is_empty()) {
        let docs = state.desk.visitor_history(&visitor).await?;
        return Ok(docs
            .as_array()
            .into_iter()
            .flatten()
            .map(HistoryHit::from_hub)
            .collect());
    }
    let Some(text) = query.text.filter(|t| !t.trim().is_empty()) else {
        return Ok(vec![]);
    };
    Ok(state
        .desk
        .search(&text)?
        .into_iter()
        .map(HistoryHit::from_search)
        .collect())
}

/// Most messages the UI asks for in one page of a thread.
const MAX_THREAD_PAGE: usize = 500;

/// A page of a conversation's thread from the local cache, older than message `before`,
/// oldest first (the virtualized thread pages with it; P5).
#[tauri::command]
pub async fn thread(
    state: State<'_, AppState>,
    conversation: ConversationRef,
    before: Option<i64>,
    limit: usize,
) -> Result<Vec<pupitre_protocol::Message>> {
    state
        .desk
        .thread_or_fetch(&conversation, before, limit.clamp(1, MAX_THREAD_PAGE))
        .await
}

/// The page after message `after`, oldest first: the thread pages forward again after it let
/// go of what it scrolled past (P5).
#[tauri::command]
pub async fn thread_after(
    state: State<'_, AppState>,
    conversation: ConversationRef,
    after: i64,
    limit: usize,
) -> Result<Vec<pupitre_protocol::Message>> {
    state
        .desk
        .thread_after(&conversation, after, limit.clamp(1, MAX_THREAD_PAGE))
}

#[tauri::command]
pub async fn send_offer(
    state: State<'_, AppState>,
    conversation: ConversationRef,
    offer: pupitre_protocol::Offer,
) -> Result<()> {
    state
        .desk
        .act(AgentClientFrame::SendOffer {
            client_id: id(),
            conversation,
            offer,
        })
        .await
}

#[tauri::command]
pub async fn request_file(state: State<'_, AppState>, conversation: ConversationRef) -> Result<()> {
    state
        .desk
        .act(AgentClientFrame::RequestFile {
            client_id: id(),
            conversation,
        })
        .await
}

/// D5, C1: co-browsing: ask, ask to guide, guide (send to a page, point), stop.
#[tauri::command]
pub async fn cobrowse(
    state: State<'_, AppState>,
    conversation: ConversationRef,
    action: pupitre_protocol::cobrowse::AgentCobrowse,
) -> Result<()> {
    state
        .desk
        .act(AgentClientFrame::Cobrowse {
            conversation,
            action,
        })
        .await
}

/// D5: shows a running session's page: `on_message` gets the recorder's events as they come
/// (a view already open for the conversation is replaced). Async: the view's socket runs on
/// the async runtime (a sync command runs on the main thread, outside it).
#[tauri::command]
pub async fn cobrowse_view(
    state: State<'_, AppState>,
    conversation: ConversationRef,
    relay: String,
    on_message: IpcChannel<pupitre_desk::cobrowse::ViewMessage>,
) -> Result<()> {
    let view = state.desk.cobrowse_view(relay, move |m| {
        let _ = on_message.send(m);
    })?;
    state
        .views
        .lock()
        .expect("views lock")
        .insert(conversation, view);
    Ok(())
}

/// D5: the panel was hidden or the session ended.
#[tauri::command]
pub fn cobrowse_view_close(state: State<'_, AppState>, conversation: ConversationRef) {
    if let Some(view) = state
        .views
        .lock()
        .expect("views lock")
        .remove(&conversation)
    {
        view.close();
    }
}

/// D5: the replay lost track: ask the visitor's page for a fresh full snapshot.
#[tauri::command]
pub fn cobrowse_checkout(state: State<'_, AppState>, conversation: ConversationRef) {
    if let Some(view) = state.views.lock().expect("views lock").get(&conversation) {
        view.checkout();
    }
}

/// A5: the survey to the visitor now (when the admin lets agents send it).
#[tauri::command]
pub async fn send_survey(state: State<'_, AppState>, conversation: ConversationRef) -> Result<()> {
    state
        .desk
        .act(AgentClientFrame::SendSurvey {
            client_id: id(),
            conversation,
        })
        .await
}

/// A5, R9: the agent's answers to the closing questionnaire, by question id (answering again
/// replaces them).
#[tauri::command]
pub async fn answer_questionnaire(
    state: State<'_, AppState>,
    conversation: ConversationRef,
    answers: std::collections::BTreeMap<String, pupitre_protocol::questionnaire::AnswerValue>,
) -> Result<()> {
    state
        .desk
        .act(AgentClientFrame::AnswerQuestionnaire {
            client_id: id(),
            conversation,
            answers,
        })
        .await
}

/// D16: marks the conversation important, or not any more (when the admin allows it).
#[tauri::command]
pub async fn mark_important(
    state: State<'_, AppState>,
    conversation: ConversationRef,
    important: bool,
) -> Result<()> {
    state
        .desk
        .act(AgentClientFrame::MarkImportant {
            client_id: id(),
            conversation,
            important,
        })
        .await
}

/// D12: `data` is the file's bytes in base64.
#[tauri::command]
pub async fn send_file(
    state: State<'_, AppState>,
    conversation: ConversationRef,
    name: String,
    mime: String,
    data: String,
) -> Result<pupitre_protocol::Message> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data.as_bytes())
        .map_err(|e| DeskError::new(DeskErrorCode::InvalidInput, format!("not base64: {e}")))?;
    state
        .desk
        .send_file(&conversation, &name, &mime, bytes)
        .await
}

/// A file's bytes, handed to the page as an ArrayBuffer.
#[tauri::command]
pub async fn file(state: State<'_, AppState>, id: String) -> Result<tauri::ipc::Response> {
    Ok(tauri::ipc::Response::new(state.desk.file(&id).await?))
}

/// Saves a file of a thread in the Downloads folder (the webview cannot download blob URLs);
/// answers where.
#[tauri::command]
pub async fn save_file(state: State<'_, AppState>, id: String, name: String) -> Result<String> {
    let dir = dirs::download_dir()
        .or_else(|| dirs::home_dir().map(|h| h.join("Downloads")))
        .ok_or_else(|| DeskError::new(DeskErrorCode::Internal, "no Downloads folder"))?;
    let path = state.desk.save_file(&id, &name, &dir).await?;
    Ok(path.display().to_string())
}

/// D15: the agent's figures of the day.
#[tauri::command]
pub async fn today_stats(state: State<'_, AppState>) -> Result<serde_json::Value> {
    state.desk.today_stats().await
}

/// D15: an agent's (or a group's) figures day by day; offline, the copy kept.
#[tauri::command]
pub async fn stats_range(
    state: State<'_, AppState>,
    query: pupitre_desk::door::StatsQuery,
) -> Result<pupitre_desk::door::StatsResult> {
    state.desk.stats_range(&query).await
}

/// D15: closed conversations to re-read, newest first.
#[tauri::command]
pub async fn closed_conversations(
    state: State<'_, AppState>,
    query: pupitre_desk::door::ClosedQuery,
) -> Result<Vec<pupitre_protocol::stats::ClosedConversation>> {
    state.desk.closed_conversations(&query).await
}

/// The administration console, in the system browser, for admins and managers (issue 10).
#[tauri::command]
pub async fn open_console(app: AppHandle, state: State<'_, AppState>) -> Result<()> {
    let url = state.desk.console_url()?;
    use tauri_plugin_opener::OpenerExt as _;
    app.opener()
        .open_url(url, None::<&str>)
        .map_err(|e| DeskError::new(DeskErrorCode::Internal, e.to_string()))
}

/// Links from visitors open in the system browser, and only http, https and mailto (§8). A
/// mailto opens the bare address: headers a visitor added (`?cc=…&bcc=…&body=…`) would fill
/// the agent's mail for them.
#[tauri::command]
pub async fn open_external(app: AppHandle, url: String) -> Result<()> {
    let url = safe_external(&url).ok_or_else(|| {
        DeskError::new(
            DeskErrorCode::InvalidInput,
            "only http, https and mailto links to an address open",
        )
    })?;
    use tauri_plugin_opener::OpenerExt as _;
    app.opener()
        .open_url(url, None::<&str>)
        .map_err(|e| DeskError::new(DeskErrorCode::Internal, e.to_string()))
}

/// The URL to open, or `None`: http(s) as given, mailto reduced to a valid bare address.
fn safe_external(url: &str) -> Option<String> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return Some(url.to_owned());
    }
    let address = url.get(..7).filter(|s| s.eq_ignore_ascii_case("mailto:"))?;
    let _ = address;
    let address = url[7..].split('?').next().unwrap_or_default();
    let address = percent_decode(address)?;
    let (local, domain) = address.split_once('@')?;
    let ok = !local.is_empty()
        && local.len() <= 64
        && domain.contains('.')
        && address
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "@.-_+".contains(c))
        && domain
            .split('.')
            .all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'));
    ok.then(|| format!("mailto:{address}"))
}

fn percent_decode(text: &str) -> Option<String> {
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

#[cfg(test)]
mod tests {
    use super::safe_external;

    #[test]
    fn mailto_opens_the_bare_address_and_nothing_else_but_http() {
        assert_eq!(
            safe_external("mailto:ann@example.com?cc=x@evil.test&bcc=y@evil.test&body=hi")
                .as_deref(),
            Some("mailto:ann@example.com")
        );
        assert_eq!(
            safe_external(" https://example.com/a?b=c ").as_deref(),
            Some("https://example.com/a?b=c")
        );
        for refused in [
            "mailto:ann@example.com%3Fbcc%3Devil%40evil.test",
            "mailto:not an address",
            "mailto:@example.com",
            "javascript:alert(1)",
            "file:///etc/passwd",
            "mailto:a@b",
        ] {
            assert_eq!(safe_external(refused), None, "{refused}");
        }
    }
}

#[tauri::command]
pub async fn set_focused_conversation(
    state: State<'_, AppState>,
    conversation: Option<ConversationRef>,
) -> Result<()> {
    state.notifier.on_screen(conversation.into_iter().collect());
    Ok(())
}
