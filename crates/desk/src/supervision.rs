//! Supervision from the desk (M1–M3, D16 "ask a manager for help"): the agent asks for help;
//! a manager reads the board of their groups, answers help requests, watches a conversation,
//! whispers to its agent and takes it over. The hub decides and refuses what is not allowed;
//! the desk refuses at once what the admin switched off or the role does not allow.

use pupitre_protocol::agent::{AgentClientFrame, Role};
use pupitre_protocol::supervision::Board;
use pupitre_protocol::{ClientId, ConversationRef, ErrorCode};

use crate::desk::Desk;
use crate::error::{DeskError, DeskErrorCode};
use crate::tools::offline;

fn client_id() -> ClientId {
    uuid::Uuid::now_v7()
}

impl Desk {
    fn require_manager(&self) -> Result<(), DeskError> {
        match self.profile_role() {
            Some(Role::Manager | Role::Admin) => Ok(()),
            _ => Err(DeskError::new(
                DeskErrorCode::Hub(ErrorCode::Forbidden),
                "only managers and admins supervise conversations",
            )),
        }
    }

    /// M2: asks a manager of the conversation's group for help, with a note for them.
    pub async fn ask_help(
        &self,
        conversation: ConversationRef,
        note: Option<String>,
    ) -> Result<(), DeskError> {
        self.require(|o| o.ask_manager, "asking a manager for help")?;
        self.act(AgentClientFrame::AskHelp {
            client_id: client_id(),
            conversation,
            note: note.filter(|n| !n.trim().is_empty()),
        })
        .await
    }

    /// M2: accepts (then watches the conversation) or declines a request asked of this manager.
    pub async fn answer_help(&self, request: i64, accept: bool) -> Result<(), DeskError> {
        self.require_manager()?;
        self.act(AgentClientFrame::AnswerHelp {
            client_id: client_id(),
            request,
            accept,
        })
        .await
    }

    /// M1: the board of this manager's groups, now.
    pub async fn board(&self) -> Result<Board, DeskError> {
        self.require_manager()?;
        let json = self.get("/api/board").await.map_err(offline)?;
        serde_json::from_value(json)
            .map_err(|e| DeskError::new(DeskErrorCode::Internal, format!("board: {e}")))
    }

    /// M3: starts or stops watching a conversation. Stopping forgets it on the desk at once.
    pub async fn watch(&self, conversation: ConversationRef, watch: bool) -> Result<(), DeskError> {
        self.require_manager()?;
        if !watch {
            self.forget_watch(&conversation);
        }
        self.act(AgentClientFrame::Watch {
            conversation,
            watch,
        })
        .await
    }

    /// M3: a note to the conversation's agent; never the visitor's.
    pub async fn whisper(
        &self,
        conversation: ConversationRef,
        text: String,
    ) -> Result<(), DeskError> {
        self.require_manager()?;
        self.act(AgentClientFrame::Whisper {
            client_id: client_id(),
            conversation,
            text,
        })
        .await
    }

    /// M3: joins the conversation's agent (writes to the visitor too; R4: available with a free
    /// slot, which the join holds), or leaves.
    pub async fn join(&self, conversation: ConversationRef, join: bool) -> Result<(), DeskError> {
        self.require_manager()?;
        self.act(AgentClientFrame::Join {
            client_id: client_id(),
            conversation,
            join,
        })
        .await
    }

    /// M3: takes the conversation onto this manager's desk (R4: available with a free slot).
    pub async fn take_over(&self, conversation: ConversationRef) -> Result<(), DeskError> {
        self.require_manager()?;
        self.act(AgentClientFrame::TakeOver {
            client_id: client_id(),
            conversation,
        })
        .await
    }
}
