//! Supervision on the desk (M2, M3): help requests (the agent's own, and those asked of this
//! manager) and the conversations this manager watches.
//!
//! - **Help.** A request is kept while open (asking or accepted) and it concerns this desk:
//!   asked by this agent, or of this manager now. Every change is announced, the last one
//!   (unanswered, withdrawn, moved to another manager) included, so the UI can say it.
//! - **Watching.** The hub's `watching` view replaces the watched conversation; `watched`
//!   messages join its thread once; `watch_ended` removes it. Nothing is marked read. A
//!   manager who joined writes through the outbox; their message leaves it once in the thread.

use pupitre_protocol::agent::ConversationView;
use pupitre_protocol::supervision::{HelpRequest, HelpState};
use pupitre_protocol::{ConversationRef, Message};

use super::{Changes, DeskEvent, DeskModel};

impl DeskModel {
    /// The help requests that concern this desk, oldest first.
    pub fn help_requests(&self) -> Vec<HelpRequest> {
        self.help.values().cloned().collect()
    }

    /// The conversations watched, by reference.
    pub fn watched(&self) -> Vec<ConversationView> {
        self.watching.values().cloned().collect()
    }

    /// M2: a help request changed.
    pub(super) fn help_changed(&mut self, request: &HelpRequest, out: &mut Changes) {
        let me = self.profile.as_ref().map(|p| p.id);
        let asked_of_me = match &request.state {
            HelpState::Asking { manager, .. } | HelpState::Accepted { manager, .. } => {
                Some(*manager) == me
            }
            _ => false,
        };
        let open = matches!(
            request.state,
            HelpState::Asking { .. } | HelpState::Accepted { .. }
        );
        let mine = Some(request.agent) == me;
        let before = self.help.get(&request.id).cloned();
        if open && (mine || asked_of_me) {
            self.help.insert(request.id, request.clone());
        } else {
            self.help.remove(&request.id);
        }
        if before.as_ref() != Some(request) {
            out.push(DeskEvent::Help {
                request: request.clone(),
                asked_of_me,
            });
        }
    }

    /// M3: the hub's view of a conversation this manager watches (asked, or help accepted).
    pub fn watching(&mut self, view: ConversationView) -> Changes {
        self.step(|m, out| {
            if m.watching.get(&view.reference) == Some(&view) {
                return;
            }
            for message in &view.messages {
                m.outbox_delivered(message, out);
            }
            m.watching.insert(view.reference.clone(), view.clone());
            out.push(DeskEvent::Watching { conversation: view });
        })
    }

    /// M3: a new message of a watched conversation.
    pub fn watched_message(&mut self, message: Message) -> Changes {
        self.step(|m, out| {
            let Some(view) = m.watching.get_mut(&message.conversation) else {
                return;
            };
            if view.messages.iter().any(|known| known.id == message.id) {
                return;
            }
            view.messages.push(message.clone());
            m.outbox_delivered(&message, out);
            out.push(DeskEvent::Watched { message });
        })
    }

    /// What a joined manager wrote (through the outbox, D18) is in the watched thread: it leaves
    /// the outbox, as it does for a conversation on the desk.
    fn outbox_delivered(&mut self, message: &Message, out: &mut Changes) {
        let Some(id) = message.client_id else {
            return;
        };
        if let Some(at) = self.outbox.iter().position(|o| o.local_id == id) {
            let item = self.outbox.remove(at);
            out.push(DeskEvent::OutboxRemoved {
                conversation: item.conversation,
                local_id: item.local_id,
            });
        }
    }

    /// M3: the watch ended (the conversation left every desk, or this desk stopped it).
    pub fn watch_ended(&mut self, conversation: &ConversationRef) -> Changes {
        self.step(|m, out| {
            if m.watching.remove(conversation).is_some() {
                // A page it showed (D5) goes with it, unless the conversation is on the desk.
                if m.conversation(conversation).is_none()
                    && let Some(mut state) = m.cobrowse.remove(conversation)
                {
                    state.phase = pupitre_protocol::cobrowse::CobrowsePhase::Ended;
                    state.relay = None;
                    out.push(DeskEvent::Cobrowse { state });
                }
                out.push(DeskEvent::WatchEnded {
                    conversation: conversation.clone(),
                });
            }
        })
    }
}
