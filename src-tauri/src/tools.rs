//! The desk's D16 tools, each a line or two over [`pupitre_desk::Desk`]: agents online, the
//! knowledge tab, the assistant, a conversation e-mailed to oneself, and printing the
//! conversation through the system print dialog (WebKitGTK's print operation: the page's
//! print layout, to a printer or, with "Print to File", a PDF where the agent chooses).

use pupitre_desk::door::{AssistantReply, KnowledgeQuery, KnowledgeResult};
use pupitre_desk::{DeskError, DeskErrorCode};
use pupitre_protocol::ConversationRef;
use pupitre_protocol::team::TeamMember;
use tauri::{AppHandle, Manager as _, State};

use crate::commands::AppState;

type Result<T> = std::result::Result<T, DeskError>;

/// Set to a file path, printing writes a PDF there without a dialog (the desk's end-to-end
/// test; a kiosk set-up).
pub const PRINT_TO_ENV: &str = "PUPITRE_PRINT_TO";

/// D16: the project's connected agents with their status per channel and load.
#[tauri::command]
pub async fn team_online(state: State<'_, AppState>) -> Result<Vec<TeamMember>> {
    state.desk.team_online().await
}

/// D16: the knowledge tab's search (the cache's answer offline).
#[tauri::command]
pub async fn knowledge_search(
    state: State<'_, AppState>,
    query: KnowledgeQuery,
) -> Result<KnowledgeResult> {
    state.desk.knowledge_search(&query).await
}

/// D16: the assistant's answers, ranked on this machine.
#[tauri::command]
pub async fn assistant_ask(state: State<'_, AppState>, question: String) -> Result<AssistantReply> {
    state.desk.assistant_ask(&question).await
}

/// D16: the whole conversation to the agent's own address, in the desk's language.
#[tauri::command]
pub async fn email_conversation(
    state: State<'_, AppState>,
    conversation: ConversationRef,
) -> Result<()> {
    state
        .desk
        .email_conversation(&conversation, &desk_language())
        .await
}

/// D16: prints the window as its print layout shows it (the page put the conversation there).
#[tauri::command]
pub async fn print_conversation(app: AppHandle, state: State<'_, AppState>) -> Result<()> {
    let options = state.desk.profile_options();
    if !options.is_some_and(|o| o.print) {
        return Err(DeskError::new(
            DeskErrorCode::Hub(pupitre_protocol::ErrorCode::Forbidden),
            "this project's admin has switched off printing",
        ));
    }
    let window = app
        .get_webview_window("main")
        .ok_or_else(|| DeskError::new(DeskErrorCode::Internal, "no window to print"))?;
    let to = std::env::var_os(PRINT_TO_ENV).map(std::path::PathBuf::from);
    print_window(&window, to).await
}

/// Prints on the main thread and resolves once WebKitGTK has finished (or failed, or the agent
/// cancelled the dialog): the page keeps its print layout until then.
#[cfg(target_os = "linux")]
async fn print_window(window: &tauri::WebviewWindow, to: Option<std::path::PathBuf>) -> Result<()> {
    use std::sync::{Arc, Mutex};
    let (tx, rx) = tokio::sync::oneshot::channel::<std::result::Result<(), String>>();
    let done = Arc::new(Mutex::new(Some(tx)));
    let finish = move |outcome: std::result::Result<(), String>| {
        if let Some(tx) = done.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = tx.send(outcome);
        }
    };
    window
        .with_webview(move |platform| {
            use webkit2gtk::PrintOperationExt as _;
            let operation = webkit2gtk::PrintOperation::new(&platform.inner());
            let on_failed = finish.clone();
            operation.connect_failed(move |_, e| on_failed(Err(e.to_string())));
            let on_finished = finish.clone();
            operation.connect_finished(move |_| on_finished(Ok(())));
            match &to {
                Some(path) => {
                    let settings = gtk::PrintSettings::new();
                    settings.set_printer("Print to File");
                    settings.set("output-file-format", Some("pdf"));
                    settings.set(
                        "output-uri",
                        Some(&format!("file://{}", path.to_string_lossy())),
                    );
                    operation.set_print_settings(&settings);
                    operation.print();
                }
                None => {
                    if operation.run_dialog(None::<&gtk::Window>)
                        == webkit2gtk::PrintOperationResponse::Cancel
                    {
                        finish(Ok(()));
                    }
                }
            }
        })
        .map_err(|e| DeskError::new(DeskErrorCode::Internal, e.to_string()))?;
    match tokio::time::timeout(std::time::Duration::from_secs(300), rx).await {
        Ok(Ok(Ok(()))) => Ok(()),
        Ok(Ok(Err(e))) => Err(DeskError::new(
            DeskErrorCode::Internal,
            format!("printing failed: {e}"),
        )),
        // Never told (the window went away) or far too long: the page gets its layout back.
        Ok(Err(_)) | Err(_) => Ok(()),
    }
}

#[cfg(not(target_os = "linux"))]
async fn print_window(
    window: &tauri::WebviewWindow,
    _to: Option<std::path::PathBuf>,
) -> Result<()> {
    window
        .print()
        .map_err(|e| DeskError::new(DeskErrorCode::Internal, e.to_string()))
}

/// The desk's language as the OS gives it (`fr`, `en`…), as the page follows it (D20).
fn desk_language() -> String {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .find(|v| !v.is_empty() && v != "C" && v != "POSIX")
        .and_then(|v| v.split(['_', '.', '-']).next().map(str::to_lowercase))
        .unwrap_or_else(|| "en".to_owned())
}
