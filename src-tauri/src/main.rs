//! The desk app: a thin Tauri shell over `crates/desk` (DESIGN.md §2). It only wires:
//! [`commands`] for the UI's one door, [`tray`] for the status icon and menu (D3),
//! [`notifications`] for desktop notifications (D17), [`assets`] for the co-browsing replay's
//! images and fonts (D5).

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod assets;
mod autostart;
mod commands;
mod notifications;
mod supervision;
mod tools;
mod tray;

use std::sync::Arc;

use pupitre_desk::credentials::OsKeyring;
use pupitre_desk::{Desk, DeskOptions};
use tauri::Manager as _;

/// When the process started (P5: cold start to an interactive desk).
pub static STARTED: std::sync::LazyLock<std::time::Instant> =
    std::sync::LazyLock::new(std::time::Instant::now);

/// Shows and focuses the main window.
pub fn show_main(app: &tauri::AppHandle) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}

fn main() {
    std::sync::LazyLock::force(&STARTED);
    choose_webkit_renderer();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let data_dir = dirs::data_dir()
        .unwrap_or_else(|| std::env::temp_dir().join("pupitre-data"))
        .join("pupitre");
    let desk = match Desk::open(DeskOptions {
        data_dir: data_dir.clone(),
        credentials: Arc::new(OsKeyring),
    }) {
        Ok(d) => d,
        Err(e) => {
            eprintln!(
                "Pupitre cannot open its local data in {}: {e}",
                data_dir.display()
            );
            std::process::exit(1);
        }
    };
    let notifier = notifications::Notifier::new();
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            show_main(app)
        }))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_opener::init())
        .register_asynchronous_uri_scheme_protocol(pupitre_desk::assets::SCHEME, {
            let desk = desk.clone();
            move |_ctx, request, responder| {
                assets::answer(&desk, request, responder);
            }
        })
        .manage(commands::AppState {
            desk: desk.clone(),
            notifier: notifier.clone(),
            forwarder: Default::default(),
            views: Default::default(),
        })
        .setup(move |app| {
            tray::create(app.handle(), desk.clone())?;
            notifications::spawn(app.handle().clone(), desk.clone(), notifier.clone());
            Ok(())
        })
        .on_window_event(|window, event| match event {
            tauri::WindowEvent::Focused(focused) => {
                let state = window.state::<commands::AppState>();
                state.notifier.focused(*focused);
            }
            // Closing the window keeps the desk running in the tray: notifications and the
            // connection go on. "Quit" in the tray menu quits.
            tauri::WindowEvent::CloseRequested { api, .. }
                if std::env::var_os("PUPITRE_QUIT_ON_CLOSE").is_none() =>
            {
                api.prevent_close();
                let _ = window.hide();
            }
            _ => {}
        })
        .invoke_handler(tauri::generate_handler![
            commands::login,
            commands::restore_session,
            commands::logout,
            commands::snapshot,
            commands::subscribe,
            commands::send_message,
            commands::set_status,
            commands::set_slot_limit,
            commands::snooze,
            commands::transfer,
            commands::close,
            commands::agents,
            commands::groups,
            commands::canned_responses,
            commands::create_canned_response,
            commands::search_history,
            commands::open_external,
            commands::open_console,
            commands::set_focused_conversation,
            commands::thread,
            commands::send_offer,
            commands::request_file,
            commands::send_survey,
            commands::mark_important,
            commands::answer_questionnaire,
            commands::cobrowse,
            commands::cobrowse_view,
            commands::cobrowse_view_close,
            commands::cobrowse_checkout,
            commands::send_file,
            commands::file,
            commands::today_stats,
            commands::stats_range,
            commands::closed_conversations,
            commands::save_file,
            commands::thread_after,
            tools::team_online,
            tools::knowledge_search,
            tools::assistant_ask,
            tools::email_conversation,
            tools::print_conversation,
            supervision::ask_help,
            supervision::answer_help,
            supervision::board,
            supervision::watch,
            supervision::whisper,
            supervision::join,
            supervision::take_over,
            autostart::autostart,
            autostart::set_autostart,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("Pupitre stopped: {e}");
        std::process::exit(1);
    }
}

/// WebKitGTK's DMA-BUF renderer (2.42 and later) draws a blank window with some GPU drivers
/// (NVIDIA's, virtual machines') and took 51 MB more here (P5 at the login screen: 230 MB
/// with it, 179 MB without); the desk is text and small images, drawn as fast without it. So the
/// app turns it off for itself, as installed and started from the menu (issue 13), unless the
/// agent's environment already says (`WEBKIT_DISABLE_DMABUF_RENDERER=0` keeps it on).
#[allow(unsafe_code)]
fn choose_webkit_renderer() {
    const VAR: &str = "WEBKIT_DISABLE_DMABUF_RENDERER";
    if std::env::var_os(VAR).is_none() {
        // SAFETY: called at the top of `main`, before any thread is started (no runtime, no
        // logger, no GTK yet), so nothing reads the environment concurrently.
        unsafe { std::env::set_var(VAR, "1") };
    }
}
