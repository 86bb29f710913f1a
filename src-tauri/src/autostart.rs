//! "Start at login" (issue 13): the desk's XDG autostart entry, read and written for the
//! agent's "…" menu (`pupitre_desk::autostart`).

use pupitre_desk::autostart;
use pupitre_desk::error::{DeskError, DeskErrorCode};

type Result<T> = std::result::Result<T, DeskError>;

fn config_dir() -> Result<std::path::PathBuf> {
    dirs::config_dir().ok_or_else(|| {
        DeskError::new(
            DeskErrorCode::Internal,
            "no configuration folder (HOME unset?)",
        )
    })
}

/// Whether the desk starts when the agent logs in to their computer.
#[tauri::command]
pub async fn autostart() -> Result<bool> {
    Ok(autostart::enabled(&config_dir()?))
}

/// Turns starting at login on or off; the entry starts this very executable (the package's
/// /usr/bin/pupitre-desk).
#[tauri::command]
pub async fn set_autostart(on: bool) -> Result<()> {
    let exec = std::env::current_exe().map_err(|e| {
        DeskError::new(
            DeskErrorCode::Internal,
            format!("where the desk runs from: {e}"),
        )
    })?;
    autostart::set(&config_dir()?, on, &exec).map_err(|e| {
        DeskError::new(
            DeskErrorCode::Internal,
            format!(
                "the autostart entry could not be {}: {e}",
                if on { "written" } else { "removed" }
            ),
        )
    })
}
