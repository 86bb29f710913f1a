//! D16: the desk's smaller tools the hub serves: the list of agents online with their status
//! per channel (`GET /api/team`), and a conversation e-mailed to the agent's own address
//! (`POST /api/conversations/{reference}/email`). Each obeys the admin's switch (A3): the
//! desk refuses at once, and the hub refuses too.

use pupitre_protocol::ConversationRef;
use pupitre_protocol::team::TeamMember;

use crate::desk::Desk;
use crate::error::{DeskError, DeskErrorCode};

impl Desk {
    /// The project's connected agents, available first, then by name.
    pub async fn team_online(&self) -> Result<Vec<TeamMember>, DeskError> {
        let manager = self
            .profile_role()
            .is_some_and(|r| r != pupitre_protocol::agent::Role::Agent);
        if !manager {
            self.require(|o| o.online_agents, "the list of agents online")?;
        }
        let json = self.get("/api/team").await.map_err(offline)?;
        let mut team: Vec<TeamMember> = serde_json::from_value(json)
            .map_err(|e| DeskError::new(DeskErrorCode::Internal, format!("team: {e}")))?;
        team.sort_by_key(|m| {
            let rank = m
                .statuses
                .iter()
                .map(|s| s.availability as u8)
                .min()
                .unwrap_or(u8::MAX);
            (rank, m.name.to_lowercase())
        });
        Ok(team)
    }

    /// Queues the whole conversation for the agent's own address; `language` (`fr`, `en`) is
    /// the desk's.
    pub async fn email_conversation(
        &self,
        conversation: &ConversationRef,
        language: &str,
    ) -> Result<(), DeskError> {
        self.require(|o| o.email_to_self, "e-mailing conversations to oneself")?;
        let path = format!(
            "/api/conversations/{}/email?language={}",
            encode(&conversation.0),
            encode(language)
        );
        self.post(&path, serde_json::Value::Null)
            .await
            .map_err(offline)?;
        Ok(())
    }
}

/// The hub out of reach, as the UI words it: these tools need it.
pub(crate) fn offline(e: DeskError) -> DeskError {
    match e.code {
        DeskErrorCode::HubUnreachable => {
            DeskError::new(DeskErrorCode::Offline, "this needs the hub")
        }
        _ => e,
    }
}

fn encode(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC).to_string()
}
