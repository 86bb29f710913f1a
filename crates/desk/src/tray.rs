//! What the tray shows (D3): the agent's chat status, whether the desk is online, and how many
//! visitors wait for a reply. [`TrayView`] follows the desk's changes, the same ones the UI
//! draws from, so the tray's count is the UI's (DESIGN.md §12). Drawing it is the shell's job.

use pupitre_protocol::agent::AgentProfile;
use pupitre_protocol::{Availability, Channel, ChannelStatus, ChosenStatus};

use crate::model::{ConnectionState, DeskEvent, DeskState};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayView {
    pub profile: Option<AgentProfile>,
    pub connection: ConnectionState,
    /// Conversations waiting for the agent's reply (D7).
    pub waiting: u32,
}

impl TrayView {
    pub fn of(state: &DeskState) -> Self {
        Self {
            profile: state.profile.clone(),
            connection: state.connection.clone(),
            waiting: state.waiting,
        }
    }

    /// Follows one change of the desk; `true` when what the tray shows changed.
    pub fn follow(&mut self, event: &DeskEvent) -> bool {
        let next = match event {
            DeskEvent::Snapshot { state } => Self::of(state),
            DeskEvent::ProfileChanged { profile } => Self {
                profile: Some(profile.clone()),
                ..self.clone()
            },
            DeskEvent::Connection { connection } => Self {
                connection: connection.clone(),
                // Logged out: no one's status to show.
                profile: match connection {
                    ConnectionState::LoggedOut => None,
                    _ => self.profile.clone(),
                },
                ..self.clone()
            },
            DeskEvent::Waiting { count } => Self {
                waiting: *count,
                ..self.clone()
            },
            _ => return false,
        };
        let changed = next != *self;
        *self = next;
        changed
    }

    fn chat(&self) -> Option<&ChannelStatus> {
        self.profile
            .as_ref()
            .and_then(|p| p.statuses.iter().find(|s| s.channel == Channel::Chat))
    }

    /// The icon's colour: the chat availability while online, offline otherwise.
    pub fn availability(&self) -> Availability {
        match (&self.connection, self.chat()) {
            (ConnectionState::Online, Some(s)) => s.availability,
            _ => Availability::Offline,
        }
    }

    /// The chat status the agent chose, for the menu's check marks.
    pub fn chosen(&self) -> Option<&ChosenStatus> {
        self.chat().map(|s| &s.chosen)
    }

    /// The status entries of the menu work only online.
    pub fn online(&self) -> bool {
        self.connection == ConnectionState::Online
    }

    /// The admin's optional statuses (A4), for the submenu.
    pub fn optional_statuses(&self) -> &[String] {
        self.profile
            .as_ref()
            .map_or(&[], |p| p.optional_statuses.as_slice())
    }

    /// The optional statuses as `(name, label)`: the label in `language` (`fr`) when the admin
    /// gave one, else the name (A4).
    pub fn optional_statuses_in(&self, language: &str) -> Vec<(String, String)> {
        let Some(p) = &self.profile else {
            return vec![];
        };
        p.optional_statuses
            .iter()
            .map(|name| {
                let label = p
                    .optional_status_labels
                    .get(name)
                    .and_then(|l| l.get(language))
                    .filter(|l| !l.trim().is_empty())
                    .unwrap_or(name);
                (name.clone(), label.clone())
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DeskModel;

    #[test]
    fn d3_the_tray_follows_the_count_the_model_sends() {
        let mut model = DeskModel::new();
        let mut tray = TrayView::of(&model.state());
        assert_eq!(tray.availability(), Availability::Offline);
        for event in model.set_connection(ConnectionState::Online) {
            tray.follow(&event);
        }
        assert!(tray.online());
        assert_eq!(tray.waiting, model.waiting());
    }

    #[test]
    fn a4_the_optional_statuses_show_in_the_desks_language_or_by_name() {
        let profile: pupitre_protocol::agent::AgentProfile =
            serde_json::from_value(serde_json::json!({
                "id": 1, "name": "A", "email": "a@t", "project": "T", "role": "agent", "groups": [],
                "slot_limit": 3, "slot_max": 3, "statuses": [], "conversation_types": [],
                "optional_statuses": ["In training", "Lunch"],
                "optional_status_labels": {"In training": {"fr": "En formation"}}
            }))
            .unwrap();
        let tray = TrayView {
            profile: Some(profile),
            ..TrayView::of(&DeskModel::new().state())
        };
        assert_eq!(
            tray.optional_statuses_in("fr"),
            [
                ("In training".to_owned(), "En formation".to_owned()),
                ("Lunch".to_owned(), "Lunch".to_owned())
            ]
        );
        assert_eq!(tray.optional_statuses_in("en")[0].1, "In training");
    }
}
