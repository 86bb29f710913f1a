//! Supervision (M1–M3): the agent asks a manager for help; a manager reads the board, answers
//! help requests, watches a conversation, whispers to its agent and takes it over. Each a line
//! over [`pupitre_desk::Desk`]; the hub decides.

use pupitre_desk::DeskError;
use pupitre_protocol::ConversationRef;
use pupitre_protocol::supervision::Board;
use tauri::State;

use crate::commands::AppState;

type Result<T> = std::result::Result<T, DeskError>;

/// M2: asks a manager of the conversation's group for help.
#[tauri::command]
pub async fn ask_help(
    state: State<'_, AppState>,
    conversation: ConversationRef,
    note: Option<String>,
) -> Result<()> {
    state.desk.ask_help(conversation, note).await
}

/// M2: accepts or declines a help request asked of this manager.
#[tauri::command]
pub async fn answer_help(state: State<'_, AppState>, request: i64, accept: bool) -> Result<()> {
    state.desk.answer_help(request, accept).await
}

/// M1: the board of this manager's groups.
#[tauri::command]
pub async fn board(state: State<'_, AppState>) -> Result<Board> {
    state.desk.board().await
}

/// M3: starts or stops watching a conversation (nothing is marked read, nobody is told).
#[tauri::command]
pub async fn watch(
    state: State<'_, AppState>,
    conversation: ConversationRef,
    watch: bool,
) -> Result<()> {
    state.desk.watch(conversation, watch).await
}

/// M3: a whisper to the conversation's agent (never the visitor's).
#[tauri::command]
pub async fn whisper(
    state: State<'_, AppState>,
    conversation: ConversationRef,
    text: String,
) -> Result<()> {
    state.desk.whisper(conversation, text).await
}

/// M3: joins the conversation's agent (writing to the visitor too), or leaves.
#[tauri::command]
pub async fn join(
    state: State<'_, AppState>,
    conversation: ConversationRef,
    join: bool,
) -> Result<()> {
    state.desk.join(conversation, join).await
}

/// M3: takes the conversation onto this manager's desk.
#[tauri::command]
pub async fn take_over(state: State<'_, AppState>, conversation: ConversationRef) -> Result<()> {
    state.desk.take_over(conversation).await
}
