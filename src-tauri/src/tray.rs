//! The tray icon (D3): its colour is the agent's chat status (green available, orange busy,
//! red unavailable, grey offline); its menu switches the status, picks an optional status,
//! shows how many visitors wait for a reply, opens the window and quits. What it shows is a
//! [`TrayView`] that follows the desk's changes, the same ones the UI draws from.

use pupitre_desk::Desk;
use pupitre_desk::tray::TrayView;
use pupitre_protocol::agent::AgentClientFrame;
use pupitre_protocol::{Availability, Channel, ChosenStatus};
use tauri::image::Image;
use tauri::menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Wry};

const ICON_AVAILABLE: &[u8] = include_bytes!("../../icons/tray-available.png");
const ICON_BUSY: &[u8] = include_bytes!("../../icons/tray-busy.png");
const ICON_UNAVAILABLE: &[u8] = include_bytes!("../../icons/tray-unavailable.png");
const ICON_OFFLINE: &[u8] = include_bytes!("../../icons/tray-offline.png");

fn french() -> bool {
    std::env::var("LANG")
        .or_else(|_| std::env::var("LC_ALL"))
        .is_ok_and(|l| l.starts_with("fr"))
}

fn icon(availability: Availability) -> Image<'static> {
    let bytes = match availability {
        Availability::Available => ICON_AVAILABLE,
        Availability::Busy => ICON_BUSY,
        Availability::Unavailable => ICON_UNAVAILABLE,
        Availability::Offline => ICON_OFFLINE,
    };
    Image::from_bytes(bytes).expect("the tray icons are valid PNGs")
}

struct Items {
    waiting: MenuItem<Wry>,
    available: CheckMenuItem<Wry>,
    unavailable: CheckMenuItem<Wry>,
    optional: Submenu<Wry>,
}

pub fn create(app: &AppHandle, desk: Desk) -> tauri::Result<()> {
    let fr = french();
    let waiting = MenuItem::with_id(
        app,
        "waiting",
        if fr {
            "Aucune réponse en attente"
        } else {
            "No visitor waiting for a reply"
        },
        false,
        None::<&str>,
    )?;
    let available = CheckMenuItem::with_id(
        app,
        "status:available",
        if fr {
            "Chat : disponible"
        } else {
            "Chat: available"
        },
        true,
        false,
        None::<&str>,
    )?;
    let unavailable = CheckMenuItem::with_id(
        app,
        "status:unavailable",
        if fr {
            "Chat : indisponible"
        } else {
            "Chat: unavailable"
        },
        true,
        false,
        None::<&str>,
    )?;
    let optional = Submenu::with_id(
        app,
        "optional",
        if fr {
            "Chat : autre statut"
        } else {
            "Chat: other status"
        },
        true,
    )?;
    let open = MenuItem::with_id(
        app,
        "open",
        if fr { "Ouvrir Pupitre" } else { "Open Pupitre" },
        true,
        None::<&str>,
    )?;
    let quit = MenuItem::with_id(
        app,
        "quit",
        if fr { "Quitter" } else { "Quit" },
        true,
        None::<&str>,
    )?;
    let menu = Menu::with_items(
        app,
        &[
            &waiting,
            &PredefinedMenuItem::separator(app)?,
            &available,
            &unavailable,
            &optional,
            &PredefinedMenuItem::separator(app)?,
            &open,
            &quit,
        ],
    )?;
    let menu_desk = desk.clone();
    let tray = TrayIconBuilder::with_id("pupitre")
        .icon(icon(Availability::Offline))
        .tooltip("Pupitre")
        .title("Pupitre")
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event(move |app, event| {
            let id = event.id().as_ref().to_owned();
            let status = match id.as_str() {
                "open" => return crate::show_main(app),
                "quit" => return app.exit(0),
                "status:available" => Some(ChosenStatus::Available),
                "status:unavailable" => Some(ChosenStatus::Unavailable),
                other => other
                    .strip_prefix("status:optional:")
                    .map(|n| ChosenStatus::Optional(n.to_owned())),
            };
            if let Some(status) = status {
                let desk = menu_desk.clone();
                tauri::async_runtime::spawn(async move {
                    let frame = AgentClientFrame::SetStatus {
                        client_id: uuid::Uuid::now_v7(),
                        channel: Channel::Chat,
                        status,
                    };
                    if let Err(e) = desk.act(frame).await {
                        tracing::warn!(error = %e, "status change from the tray refused");
                    }
                });
            }
        })
        .build(app)?;
    let items = Items {
        waiting,
        available,
        unavailable,
        optional,
    };
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let mut events = desk.subscribe();
        let mut view = TrayView::of(&desk.snapshot());
        let mut optional_names: Vec<(String, String)> = vec![];
        loop {
            refresh(&app, &tray, &items, &view, &mut optional_names);
            loop {
                match events.recv().await {
                    Ok(event) => {
                        if view.follow(&event) {
                            break;
                        }
                    }
                    // Changes were missed: start again from the desk as it is.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        view = TrayView::of(&desk.snapshot());
                        break;
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                }
            }
        }
    });
    Ok(())
}

/// Redraws the tray.
fn refresh(
    app: &AppHandle,
    tray: &tauri::tray::TrayIcon,
    items: &Items,
    view: &TrayView,
    optional_names: &mut Vec<(String, String)>,
) {
    let fr = french();
    let availability = view.availability();
    let _ = tray.set_icon(Some(icon(availability)));
    let label = |a: Availability| match (a, fr) {
        (Availability::Available, false) => "available",
        (Availability::Available, true) => "disponible",
        (Availability::Busy, false) => "busy",
        (Availability::Busy, true) => "occupé",
        (Availability::Unavailable, false) => "unavailable",
        (Availability::Unavailable, true) => "indisponible",
        (Availability::Offline, false) => "offline",
        (Availability::Offline, true) => "hors ligne",
    };
    let _ = tray.set_tooltip(Some(format!("Pupitre — {}", label(availability))));
    let chosen = view.chosen();
    let _ = items
        .available
        .set_checked(chosen == Some(&ChosenStatus::Available));
    let _ = items
        .unavailable
        .set_checked(chosen == Some(&ChosenStatus::Unavailable));
    let _ = items.available.set_enabled(view.online());
    let _ = items.unavailable.set_enabled(view.online());
    let text = match (view.waiting, fr) {
        (0, false) => "No visitor waiting for a reply".to_owned(),
        (0, true) => "Aucune réponse en attente".to_owned(),
        (1, false) => "1 visitor waiting for your reply".to_owned(),
        (1, true) => "1 visiteur attend votre réponse".to_owned(),
        (n, false) => format!("{n} visitors waiting for your reply"),
        (n, true) => format!("{n} visiteurs attendent votre réponse"),
    };
    let _ = items.waiting.set_text(text);
    // Optional statuses come with the profile (A4); the submenu is filled once they are known.
    let optional = view.optional_statuses_in(if french() { "fr" } else { "en" });
    if view.profile.is_some() && optional != *optional_names {
        for (name, _) in optional_names.iter() {
            if let Some(item) = items.optional.get(&format!("status:optional:{name}")) {
                let _ = items.optional.remove(&item);
            }
        }
        for (name, label) in &optional {
            if let Ok(item) = MenuItem::with_id(
                app,
                format!("status:optional:{name}"),
                label,
                true,
                None::<&str>,
            ) {
                let _ = items.optional.append(&item);
            }
        }
        *optional_names = optional;
    }
}
