//! "Start at login" (issue 13): the desk as an XDG autostart entry, which the desk writes and
//! removes itself (`$XDG_CONFIG_HOME/autostart/pupitre-desk.desktop`, the freedesktop.org
//! Desktop Application Autostart Specification, read by GNOME, KDE, Xfce, Cinnamon, MATE…).
//! An entry the agent or their desktop's settings turned off (`Hidden=true`,
//! `X-GNOME-Autostart-enabled=false`) counts as off.

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The entry's file name: the desk's menu entry's, so desktops show the same name and icon.
pub const FILE_NAME: &str = "pupitre-desk.desktop";

/// Where the entry goes under the user's configuration folder.
pub fn entry_path(config_dir: &Path) -> PathBuf {
    config_dir.join("autostart").join(FILE_NAME)
}

/// The entry starting `exec` (the desk's own executable).
pub fn entry(exec: &Path) -> String {
    // Exec's quoting rules: a path with a space or a quote is double-quoted, with `"`, `` ` ``,
    // `$` and `\` escaped (the Desktop Entry Specification).
    let path = exec.to_string_lossy();
    let exec = if path.contains([' ', '"', '\'', '\\', '$', '`']) {
        let escaped: String = path
            .chars()
            .flat_map(|c| match c {
                '"' | '`' | '$' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        format!("\"{escaped}\"")
    } else {
        path.into_owned()
    };
    format!(
        "[Desktop Entry]\n\
         Type=Application\n\
         Name=Pupitre\n\
         Comment=The agent's desk for Pupitre live chat, started at login\n\
         Exec={exec}\n\
         Icon=pupitre-desk\n\
         Terminal=false\n\
         X-GNOME-Autostart-enabled=true\n"
    )
}

/// Whether an entry's text starts the desk (not hidden, not disabled).
pub fn enabled_in(text: &str) -> bool {
    let value = |key: &str| {
        text.lines()
            .filter_map(|l| l.split_once('='))
            .find(|(k, _)| k.trim() == key)
            .map(|(_, v)| v.trim().to_ascii_lowercase())
    };
    value("Hidden").as_deref() != Some("true")
        && value("X-GNOME-Autostart-enabled").as_deref() != Some("false")
}

/// Whether the desk starts at login for this user.
pub fn enabled(config_dir: &Path) -> bool {
    std::fs::read_to_string(entry_path(config_dir)).is_ok_and(|t| enabled_in(&t))
}

/// Turns starting at login on (writes the entry, atomically) or off (removes it).
pub fn set(config_dir: &Path, on: bool, exec: &Path) -> std::io::Result<()> {
    let path = entry_path(config_dir);
    if !on {
        return match std::fs::remove_file(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            other => other,
        };
    }
    let dir = path.parent().expect("an autostart folder");
    std::fs::create_dir_all(dir)?;
    let partial = dir.join(format!(".{FILE_NAME}.partial"));
    let mut file = std::fs::File::create(&partial)?;
    file.write_all(entry(exec).as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&partial, &path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_then_off() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!enabled(dir.path()));
        set(dir.path(), true, Path::new("/usr/bin/pupitre-desk")).unwrap();
        assert!(enabled(dir.path()));
        let text = std::fs::read_to_string(entry_path(dir.path())).unwrap();
        assert!(text.contains("\nExec=/usr/bin/pupitre-desk\n"), "{text}");
        // Twice on is still one entry; off twice is no error.
        set(dir.path(), true, Path::new("/usr/bin/pupitre-desk")).unwrap();
        set(dir.path(), false, Path::new("/usr/bin/pupitre-desk")).unwrap();
        set(dir.path(), false, Path::new("/usr/bin/pupitre-desk")).unwrap();
        assert!(!enabled(dir.path()));
        assert_eq!(
            std::fs::read_dir(dir.path().join("autostart"))
                .unwrap()
                .count(),
            0
        );
    }

    #[test]
    fn an_entry_turned_off_by_the_desktop_is_off() {
        assert!(enabled_in(&entry(Path::new("/usr/bin/pupitre-desk"))));
        assert!(!enabled_in("[Desktop Entry]\nHidden=true\n"));
        assert!(!enabled_in(
            "[Desktop Entry]\nX-GNOME-Autostart-enabled=false\n"
        ));
        assert!(enabled_in("[Desktop Entry]\nHidden=false\n"));
    }

    #[test]
    fn a_path_with_spaces_is_quoted() {
        let e = entry(Path::new("/home/agent/My Apps/pupitre-desk"));
        assert!(
            e.contains("\nExec=\"/home/agent/My Apps/pupitre-desk\"\n"),
            "{e}"
        );
        let e = entry(Path::new("/opt/a$b/pupitre-desk"));
        assert!(e.contains("Exec=\"/opt/a\\$b/pupitre-desk\""), "{e}");
    }
}
