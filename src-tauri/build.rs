//! Declares the app's commands, so that capabilities/ can grant the window exactly these
//! (DESIGN.md §8: minimal capabilities).

fn main() {
    let commands = &[
        "login",
        "restore_session",
        "logout",
        "snapshot",
        "subscribe",
        "send_message",
        "set_status",
        "set_slot_limit",
        "snooze",
        "transfer",
        "close",
        "agents",
        "groups",
        "canned_responses",
        "create_canned_response",
        "search_history",
        "open_external",
        "open_console",
        "set_focused_conversation",
        "thread",
        "send_offer",
        "request_file",
        "send_survey",
        "cobrowse",
        "cobrowse_view",
        "cobrowse_view_close",
        "cobrowse_checkout",
        "send_file",
        "file",
        "today_stats",
        "save_file",
        "thread_after",
        "mark_important",
        "stats_range",
        "closed_conversations",
        "answer_questionnaire",
        "team_online",
        "knowledge_search",
        "assistant_ask",
        "email_conversation",
        "print_conversation",
        "ask_help",
        "answer_help",
        "board",
        "watch",
        "whisper",
        "take_over",
    ];
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(commands)),
    )
    .expect("tauri-build reads tauri.conf.json, icons/ and capabilities/");
}
