//! [`DeskModel`]: the desk's live state, and the one place where events are applied to it
//! (DESIGN.md §12).
//!
//! The model is pure: no socket, no cache, no clock. Its inputs are the hub's sequenced
//! [`AgentEvent`]s ([`DeskModel::apply`]), the rest of what the hub says (welcome, acks,
//! refusals, the visitor's draft and presence) and what the desk itself does (a message queued
//! in the outbox, a file sent, the connection going up or down). Each input answers the
//! [`Changes`] it made, in order, as [`DeskEvent`]s: the UI draws from them, the tray and the
//! notifications follow them, so the three agree by construction. An input that changes
//! nothing answers no change (an event replayed on resume, R12, is harmless).
//!
//! # The rules
//!
//! - **D7, the wait.** A message someone *wrote* ([`Turn`]: text, file or offer, not a system
//!   sentence, a thread event or a transfer comment) moves the turn: from the visitor, the
//!   conversation waits for the agent's reply since the first such message (`waiting_since`);
//!   from the agent, it no longer waits and `last_agent_message_at` moves on. This is the hub's
//!   rule (crates/routing), applied to the same messages.
//! - **R10, the timeout reminder** holds until someone writes, or the conversation leaves.
//! - **D11, the visitor's draft** ends when their message arrives, or the conversation leaves.
//! - **D18, the outbox.** An item is pending until the hub acks it (then sent) or refuses it
//!   (then failed); it leaves the outbox when its message is in a thread on the desk. Items
//!   that are not pending leave with their conversation; pending ones stay, to be resent.
//! - **R5, D8, the snoozed list.** A conversation snoozed by this agent goes to the list with
//!   the visitor's name and last words; it leaves the list when it comes back on the desk.
//!
//! # Bounds
//!
//! The conversations on the desk are at most the agent's slot limit (R4), so lookups are
//! linear. Threads grow with the conversations, as the hub sends them; the page receives only
//! their tail.

use std::collections::BTreeMap;

use pupitre_protocol::agent::{
    AgentEvent, AgentProfile, AssignCause, ConversationView, DeskSnapshot, RemoveCause, VisitorCard,
};
use pupitre_protocol::cobrowse::{CobrowsePhase, CobrowseState};
use pupitre_protocol::supervision::HelpRequest;
use pupitre_protocol::{Author, Body, ChannelStatus, ClientId, ConversationRef, Message, Millis};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::DeskError;

/// The connection as the agent sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
#[ts(export_to = "desk/")]
pub enum ConnectionState {
    LoggedOut,
    Connecting,
    Online,
    /// Down; the next attempt is at `retry_at`. `reason` is for logs and tooltips, never
    /// matched on.
    Offline {
        retry_at: Option<Millis>,
        reason: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "desk/")]
pub enum OutboxState {
    Pending,
    Sent,
    /// The hub refused it (e.g. the conversation left the desk); it will not be resent.
    Failed,
}

/// A message typed on the desk, kept in the outbox until the hub acknowledged it (D18).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export_to = "desk/")]
pub struct OutboxItem {
    /// The client id sent to the hub; the hub's `Message.client_id` echoes it.
    pub local_id: ClientId,
    pub conversation: ConversationRef,
    pub text: String,
    pub queued_at: Millis,
    pub state: OutboxState,
    /// Why it failed, when `state` is `failed`.
    pub error: Option<DeskError>,
}

/// A conversation this agent paused (R5, D8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "desk/")]
pub struct SnoozedItem {
    pub reference: ConversationRef,
    pub visitor_name: Option<String>,
    pub until: Millis,
    pub keep: bool,
    /// The visitor's last text message, for the list.
    pub last_visitor_text: Option<String>,
}

/// Everything the UI needs to draw the desk now.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export_to = "desk/")]
pub struct DeskState {
    /// `null` only when logged out.
    pub profile: Option<AgentProfile>,
    pub connection: ConnectionState,
    /// In arrival order: the order of the boxes (D7).
    pub conversations: Vec<ConversationView>,
    /// By wake-up time.
    pub snoozed: Vec<SnoozedItem>,
    /// Items not yet in a thread: pending, sent (waiting for their message) or failed.
    pub outbox: Vec<OutboxItem>,
    /// Conversations waiting for the agent's reply (D7): the tray's and the rail's count.
    pub waiting: u32,
    /// D11: the visitor's live draft, per conversation.
    pub visitor_drafts: BTreeMap<ConversationRef, String>,
    /// R10: when the visitor-inactivity timeout will close a conversation.
    pub timeout_reminders: BTreeMap<ConversationRef, Millis>,
    /// D5: co-browsing sessions asked or under way, per conversation.
    pub cobrowse: BTreeMap<ConversationRef, CobrowseState>,
    /// Set when "remember me" could not use a keyring: say it, keep working.
    pub keyring_warning: Option<String>,
    /// M2: open help requests this agent made, or asked of this manager now.
    pub help: Vec<HelpRequest>,
    /// M3: the conversations this manager watches, as the hub last showed them.
    pub watching: Vec<ConversationView>,
}

/// A conversation's fields that change while it is on the desk (its thread changes by
/// [`DeskEvent::MessageAdded`]). The UI copies them over its view.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export_to = "desk/")]
pub struct ConversationUpdate {
    pub reference: ConversationRef,
    pub visitor: VisitorCard,
    pub visitor_online: bool,
    /// Since when the visitor waits for the agent's reply (D7 red box); `null` when not.
    pub waiting_since: Option<Millis>,
    pub last_agent_message_at: Option<Millis>,
    /// D16: marked important.
    pub important: bool,
}

impl ConversationUpdate {
    fn of(view: &ConversationView) -> Self {
        Self {
            reference: view.reference.clone(),
            visitor: view.visitor.clone(),
            visitor_online: view.visitor_online,
            waiting_since: view.waiting_since,
            last_agent_message_at: view.last_agent_message_at,
            important: view.important,
        }
    }
}

/// What the UI receives, in order: changes already applied to the desk's state, to copy (never
/// to reduce again). A `kind` the UI does not know (a newer desk) is ignored.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export_to = "desk/")]
pub enum DeskEvent {
    /// The desk was replaced (fresh start, or too far behind to resume): redraw from this.
    Snapshot {
        state: Box<DeskState>,
    },
    /// A conversation arrived on the desk; it replaces the one with the same reference.
    ConversationAdded {
        conversation: ConversationView,
        cause: AssignCause,
    },
    /// A conversation left the desk, with its draft and its timeout reminder.
    ConversationRemoved {
        conversation: ConversationRef,
        cause: RemoveCause,
    },
    /// A message new to a conversation on the desk. What it changed in the conversation
    /// follows as [`DeskEvent::ConversationUpdated`].
    MessageAdded {
        message: Message,
    },
    ConversationUpdated {
        conversation: ConversationUpdate,
    },
    /// The agent's profile changed (statuses, slot limit, or a new welcome).
    ProfileChanged {
        profile: AgentProfile,
    },
    /// How many conversations wait for the agent's reply (D7), when it changed.
    Waiting {
        count: u32,
    },
    /// R10: the conversation closes at `closes_at` unless someone writes; `null`: no longer.
    TimeoutReminder {
        conversation: ConversationRef,
        closes_at: Option<Millis>,
    },
    /// Ephemeral: a co-browsing session changed (D5); an ended one leaves the desk's list.
    Cobrowse {
        state: CobrowseState,
    },
    /// Ephemeral: the visitor's live draft (D11); empty text: none.
    VisitorDraft {
        conversation: ConversationRef,
        text: String,
    },
    Connection {
        connection: ConnectionState,
    },
    /// An outbox item was queued or changed state.
    Outbox {
        item: OutboxItem,
    },
    /// An outbox item left the outbox (its message is in the thread, or its conversation left).
    OutboxRemoved {
        conversation: ConversationRef,
        local_id: ClientId,
    },
    /// The snoozed list changed (D8): the whole list, by wake-up time.
    Snoozed {
        items: Vec<SnoozedItem>,
    },
    /// M2: a help request made by this agent or asked of this manager changed (asked, moved
    /// on, accepted, unanswered, withdrawn).
    Help {
        request: HelpRequest,
        /// Asked of this manager now (a desktop notification says it, D17).
        asked_of_me: bool,
    },
    /// M3: a conversation this manager watches, as it is now (replaces the one shown).
    Watching {
        conversation: ConversationView,
    },
    /// M3: a new message of a watched conversation.
    Watched {
        message: Message,
    },
    /// M3: a watch ended.
    WatchEnded {
        conversation: ConversationRef,
    },
    /// The agent clicked a desktop notification (D17): show that conversation.
    NotificationOpened {
        conversation: ConversationRef,
    },
    /// The page fell behind the stream and changes were dropped: read the snapshot again.
    /// Sent by the shell, never by the model.
    Lagged,
}

/// What one input changed, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Changes {
    pub events: Vec<DeskEvent>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The new count of conversations waiting for the agent's reply, if it changed.
    pub fn waiting(&self) -> Option<u32> {
        self.events.iter().rev().find_map(|e| match e {
            DeskEvent::Waiting { count } => Some(*count),
            DeskEvent::Snapshot { state } => Some(state.waiting),
            _ => None,
        })
    }

    fn push(&mut self, event: DeskEvent) {
        self.events.push(event);
    }
}

impl IntoIterator for Changes {
    type Item = DeskEvent;
    type IntoIter = std::vec::IntoIter<DeskEvent>;
    fn into_iter(self) -> Self::IntoIter {
        self.events.into_iter()
    }
}

/// Whose turn a message gives (D7): what the hub's routing engine counts as writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turn {
    /// The visitor wrote (text or file): they wait for the agent's reply.
    Visitor,
    /// The agent wrote (text, file or offer): the wait is answered.
    Agent,
    /// System sentences, thread events, transfer comments: nobody's turn moves.
    Neither,
}

/// Whose turn `message` gives.
pub fn turn(message: &Message) -> Turn {
    let wrote = matches!(
        message.body,
        Body::Text { .. } | Body::File { .. } | Body::Offer { .. }
    );
    match (&message.author, wrote) {
        (Author::Visitor, true) => Turn::Visitor,
        (Author::Agent { .. }, true) => Turn::Agent,
        _ => Turn::Neither,
    }
}

/// The desk's live state. See the module documentation for the rules.
#[derive(Debug, Clone, PartialEq)]
pub struct DeskModel {
    profile: Option<AgentProfile>,
    connection: ConnectionState,
    conversations: Vec<ConversationView>,
    snoozed: BTreeMap<ConversationRef, SnoozedItem>,
    /// In queue order.
    outbox: Vec<OutboxItem>,
    drafts: BTreeMap<ConversationRef, String>,
    reminders: BTreeMap<ConversationRef, Millis>,
    cobrowse: BTreeMap<ConversationRef, CobrowseState>,
    keyring_warning: Option<String>,
    /// M2: open help requests asked by this agent or of this manager, by id.
    help: BTreeMap<i64, HelpRequest>,
    /// M3: conversations this manager watches.
    watching: BTreeMap<ConversationRef, ConversationView>,
}

impl Default for DeskModel {
    fn default() -> Self {
        Self::new()
    }
}

impl DeskModel {
    /// Logged out, with nothing on the desk.
    pub fn new() -> Self {
        Self {
            profile: None,
            connection: ConnectionState::LoggedOut,
            conversations: Vec::new(),
            snoozed: BTreeMap::new(),
            outbox: Vec::new(),
            drafts: BTreeMap::new(),
            reminders: BTreeMap::new(),
            cobrowse: BTreeMap::new(),
            keyring_warning: None,
            help: BTreeMap::new(),
            watching: BTreeMap::new(),
        }
    }

    // ---- reading ------------------------------------------------------------------------

    /// Everything, for a page that starts (or starts again).
    pub fn state(&self) -> DeskState {
        DeskState {
            profile: self.profile.clone(),
            connection: self.connection.clone(),
            conversations: self.conversations.clone(),
            snoozed: self.snoozed_list(),
            outbox: self.outbox.clone(),
            waiting: self.waiting(),
            visitor_drafts: self.drafts.clone(),
            timeout_reminders: self.reminders.clone(),
            cobrowse: self.cobrowse.clone(),
            keyring_warning: self.keyring_warning.clone(),
            help: self.help_requests(),
            watching: self.watched(),
        }
    }

    pub fn profile(&self) -> Option<&AgentProfile> {
        self.profile.as_ref()
    }

    pub fn connection(&self) -> &ConnectionState {
        &self.connection
    }

    pub fn conversation(&self, reference: &ConversationRef) -> Option<&ConversationView> {
        self.conversations
            .iter()
            .find(|c| c.reference == *reference)
    }

    pub fn conversations(&self) -> &[ConversationView] {
        &self.conversations
    }

    /// Conversations waiting for the agent's reply (D7).
    pub fn waiting(&self) -> u32 {
        let n = self
            .conversations
            .iter()
            .filter(|c| c.waiting_since.is_some())
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    pub fn keyring_warning(&self) -> Option<&str> {
        self.keyring_warning.as_deref()
    }

    // ---- inputs -------------------------------------------------------------------------

    /// Applies one of the hub's sequenced events.
    pub fn apply(&mut self, event: &AgentEvent) -> Changes {
        self.step(|m, out| match event {
            AgentEvent::ConversationAssigned {
                conversation,
                cause,
            } => m.assigned(conversation, cause, out),
            AgentEvent::ConversationRemoved {
                conversation,
                cause,
            } => m.removed(conversation, cause, out),
            AgentEvent::Message { message } => m.message(message, out),
            AgentEvent::StatusChanged { statuses } => m.statuses(statuses, out),
            AgentEvent::SlotLimitChanged { limit, max } => m.slot_limit(*limit, *max, out),
            AgentEvent::TimeoutReminder {
                conversation,
                closes_at,
            } => {
                if m.conversation(conversation).is_some()
                    && m.reminders.insert(conversation.clone(), *closes_at) != Some(*closes_at)
                {
                    out.push(DeskEvent::TimeoutReminder {
                        conversation: conversation.clone(),
                        closes_at: Some(*closes_at),
                    });
                }
            }
            AgentEvent::VisitorUpdated {
                conversation,
                visitor,
            } => m.update(conversation, out, |c| c.visitor = visitor.clone()),
            AgentEvent::ConversationMarked {
                conversation,
                important,
            } => m.update(conversation, out, |c| c.important = *important),
            AgentEvent::Help { request } => m.help_changed(request, out),
        })
    }

    /// The hub's `welcome`: the agent's profile, and with `desk` a fresh desk that replaces
    /// the conversations (a first connection, or one too far behind to resume).
    pub fn welcome(&mut self, profile: AgentProfile, desk: Option<DeskSnapshot>) -> Changes {
        self.step(|m, out| {
            let profile_changed = m.profile.as_ref() != Some(&profile);
            m.profile = Some(profile);
            match desk {
                Some(desk) => {
                    m.conversations = desk.conversations;
                    let on_desk =
                        |r: &ConversationRef| m.conversations.iter().any(|c| c.reference == *r);
                    m.drafts.retain(|r, _| on_desk(r));
                    m.reminders.retain(|r, _| on_desk(r));
                    // The hub tells the sessions under way again after its welcome.
                    m.cobrowse.clear();
                    for c in &m.conversations {
                        m.snoozed.remove(&c.reference);
                    }
                    let in_threads: Vec<ClientId> = m
                        .conversations
                        .iter()
                        .flat_map(|c| c.messages.iter().filter_map(|x| x.client_id))
                        .collect();
                    m.outbox.retain(|o| !in_threads.contains(&o.local_id));
                    out.push(DeskEvent::Snapshot {
                        state: Box::new(m.state()),
                    });
                }
                None if profile_changed => {
                    let profile = m.profile.clone().expect("set just above");
                    out.push(DeskEvent::ProfileChanged { profile });
                }
                None => {}
            }
        })
    }

    /// The hub's `profile`: the admin changed the agent's statuses, types, options or slots
    /// (A10); announced only if something moved.
    pub fn profile_changed(&mut self, profile: AgentProfile) -> Changes {
        self.step(|m, out| {
            if m.profile.as_ref() != Some(&profile) {
                m.profile = Some(profile.clone());
                out.push(DeskEvent::ProfileChanged { profile });
            }
        })
    }

    pub fn set_connection(&mut self, connection: ConnectionState) -> Changes {
        self.step(|m, out| {
            if m.connection != connection {
                m.connection = connection.clone();
                out.push(DeskEvent::Connection { connection });
            }
        })
    }

    /// Says that "remember me" could not use a keyring (or, with `None`, that it could).
    pub fn set_keyring_warning(&mut self, warning: Option<String>) {
        self.keyring_warning = warning;
    }

    /// Logged out or logged in again: nothing of the previous session stays on the desk. The
    /// outbox is reloaded from the cache with [`DeskModel::load_outbox`]. No change is
    /// announced: the connection's next state and the welcome's snapshot follow.
    pub fn clear(&mut self) {
        let connection = self.connection.clone();
        let keyring_warning = self.keyring_warning.take();
        *self = Self::new();
        self.connection = connection;
        self.keyring_warning = keyring_warning;
    }

    /// Forgets the profile (logged out).
    pub fn forget_profile(&mut self) {
        self.profile = None;
    }

    /// The outbox as the cache holds it when a session starts: the items never acknowledged.
    pub fn load_outbox(&mut self, items: Vec<OutboxItem>) {
        self.outbox = items;
    }

    /// The agent typed a message; it is in the outbox (D18).
    pub fn queued(&mut self, item: OutboxItem) -> Changes {
        self.step(|m, out| {
            if m.outbox.iter().any(|o| o.local_id == item.local_id)
                || m.in_thread(&item.conversation, item.local_id)
            {
                return;
            }
            m.outbox.push(item.clone());
            out.push(DeskEvent::Outbox { item });
        })
    }

    /// The hub acknowledged the change `client_id`: a pending outbox item is sent.
    pub fn acked(&mut self, client_id: ClientId) -> Changes {
        self.step(|m, out| {
            if let Some(item) = m
                .outbox
                .iter_mut()
                .find(|o| o.local_id == client_id && o.state == OutboxState::Pending)
            {
                item.state = OutboxState::Sent;
                out.push(DeskEvent::Outbox { item: item.clone() });
            }
        })
    }

    /// The hub refused the change `client_id`: a pending outbox item failed; it is not resent.
    pub fn refused(&mut self, client_id: ClientId, error: DeskError) -> Changes {
        self.step(|m, out| {
            if let Some(item) = m
                .outbox
                .iter_mut()
                .find(|o| o.local_id == client_id && o.state == OutboxState::Pending)
            {
                item.state = OutboxState::Failed;
                item.error = Some(error);
                out.push(DeskEvent::Outbox { item: item.clone() });
            }
        })
    }

    /// A message the desk learnt of outside the event stream (the answer to sending a file):
    /// applied as the event carrying it will be, which then changes nothing.
    pub fn sent(&mut self, message: &Message) -> Changes {
        self.step(|m, out| m.message(message, out))
    }

    /// The visitor's live draft (D11), ephemeral; only for a conversation on the desk.
    pub fn visitor_draft(&mut self, conversation: &ConversationRef, text: &str) -> Changes {
        self.step(|m, out| {
            if m.conversation(conversation).is_none() {
                return;
            }
            let changed = if text.is_empty() {
                m.drafts.remove(conversation).is_some()
            } else {
                m.drafts
                    .insert(conversation.clone(), text.to_owned())
                    .as_deref()
                    != Some(text)
            };
            if changed {
                out.push(DeskEvent::VisitorDraft {
                    conversation: conversation.clone(),
                    text: text.to_owned(),
                });
            }
        })
    }

    /// D5: a co-browsing session of a conversation on the desk (or watched, M3); kept while
    /// asked or running.
    pub fn cobrowse(&mut self, state: CobrowseState) -> Changes {
        self.step(|m, out| {
            // On the desk, or watched by this manager (M3: a second view of the same page).
            if m.conversation(&state.conversation).is_none()
                && !m.watching.contains_key(&state.conversation)
            {
                return;
            }
            let before = m.cobrowse.get(&state.conversation);
            if before == Some(&state) {
                return;
            }
            if state.phase == CobrowsePhase::Ended {
                m.cobrowse.remove(&state.conversation);
            } else {
                m.cobrowse.insert(state.conversation.clone(), state.clone());
            }
            out.push(DeskEvent::Cobrowse { state });
        })
    }

    /// The visitor's presence dot (R8), ephemeral.
    pub fn visitor_presence(&mut self, conversation: &ConversationRef, online: bool) -> Changes {
        self.step(|m, out| m.update(conversation, out, |c| c.visitor_online = online))
    }

    /// The agent's snoozed conversations as the hub lists them (D8), merged into the list: a
    /// snooze made while the list was read is newer than it. A visitor's last words the desk
    /// already knows are kept.
    pub fn snoozed_listed(&mut self, items: Vec<SnoozedItem>) -> Changes {
        self.step(|m, out| {
            let before = m.snoozed.clone();
            for mut item in items {
                if m.conversation(&item.reference).is_some() {
                    continue;
                }
                if let Some(known) = m.snoozed.get(&item.reference)
                    && known.last_visitor_text.is_some()
                {
                    item.last_visitor_text.clone_from(&known.last_visitor_text);
                }
                m.snoozed.insert(item.reference.clone(), item);
            }
            if m.snoozed != before {
                out.push(DeskEvent::Snoozed {
                    items: m.snoozed_list(),
                });
            }
        })
    }

    // ---- the rules ----------------------------------------------------------------------

    /// Runs one input and closes its changes with the waiting count, when it moved.
    fn step(&mut self, input: impl FnOnce(&mut Self, &mut Changes)) -> Changes {
        let before = self.waiting();
        let mut out = Changes::default();
        input(self, &mut out);
        let after = self.waiting();
        let snapshot = matches!(out.events.last(), Some(DeskEvent::Snapshot { .. }));
        if after != before && !snapshot {
            out.push(DeskEvent::Waiting { count: after });
        }
        out
    }

    fn assigned(&mut self, view: &ConversationView, cause: &AssignCause, out: &mut Changes) {
        match self
            .conversations
            .iter_mut()
            .find(|c| c.reference == view.reference)
        {
            Some(known) if known == view => {}
            Some(known) => {
                *known = view.clone();
                out.push(DeskEvent::ConversationAdded {
                    conversation: view.clone(),
                    cause: cause.clone(),
                });
            }
            None => {
                self.conversations.push(view.clone());
                out.push(DeskEvent::ConversationAdded {
                    conversation: view.clone(),
                    cause: cause.clone(),
                });
            }
        }
        let delivered: Vec<ClientId> = view.messages.iter().filter_map(|m| m.client_id).collect();
        self.outbox_leaves(out, |o| delivered.contains(&o.local_id));
        if self.snoozed.remove(&view.reference).is_some() {
            out.push(DeskEvent::Snoozed {
                items: self.snoozed_list(),
            });
        }
    }

    fn removed(&mut self, reference: &ConversationRef, cause: &RemoveCause, out: &mut Changes) {
        let Some(at) = self
            .conversations
            .iter()
            .position(|c| c.reference == *reference)
        else {
            return;
        };
        let view = self.conversations.remove(at);
        self.drafts.remove(reference);
        self.reminders.remove(reference);
        self.cobrowse.remove(reference);
        out.push(DeskEvent::ConversationRemoved {
            conversation: reference.clone(),
            cause: cause.clone(),
        });
        self.outbox_leaves(out, |o| {
            o.conversation == *reference && o.state != OutboxState::Pending
        });
        if let RemoveCause::Snoozed { until, keep } = cause {
            let item = SnoozedItem {
                reference: reference.clone(),
                last_visitor_text: crate::notify::latest_visitor_text(&view.messages),
                visitor_name: view.visitor.name,
                until: *until,
                keep: *keep,
            };
            self.snoozed.insert(reference.clone(), item);
            out.push(DeskEvent::Snoozed {
                items: self.snoozed_list(),
            });
        }
    }

    fn message(&mut self, message: &Message, out: &mut Changes) {
        let Some(view) = self
            .conversations
            .iter_mut()
            .find(|c| c.reference == message.conversation)
        else {
            return;
        };
        if view.messages.iter().any(|m| m.id == message.id) {
            return;
        }
        // In time order, as the thread shows it.
        let at = view
            .messages
            .iter()
            .rposition(|m| m.at <= message.at)
            .map_or(0, |i| i + 1);
        view.messages.insert(at, message.clone());
        out.push(DeskEvent::MessageAdded {
            message: message.clone(),
        });
        let before = ConversationUpdate::of(view);
        let reference = view.reference.clone();
        let whose = turn(message);
        match whose {
            Turn::Visitor => {
                view.waiting_since.get_or_insert(message.at);
            }
            Turn::Agent => {
                view.waiting_since = None;
                view.last_agent_message_at = Some(
                    view.last_agent_message_at
                        .map_or(message.at, |t| t.max(message.at)),
                );
            }
            Turn::Neither => {}
        }
        let after = ConversationUpdate::of(view);
        if after != before {
            out.push(DeskEvent::ConversationUpdated {
                conversation: after,
            });
        }
        if let Some(id) = message.client_id {
            self.outbox_leaves(out, |o| o.local_id == id);
        }
        if whose != Turn::Neither && self.reminders.remove(&reference).is_some() {
            out.push(DeskEvent::TimeoutReminder {
                conversation: reference.clone(),
                closes_at: None,
            });
        }
        if whose == Turn::Visitor && self.drafts.remove(&reference).is_some() {
            out.push(DeskEvent::VisitorDraft {
                conversation: reference,
                text: String::new(),
            });
        }
    }

    fn statuses(&mut self, statuses: &[ChannelStatus], out: &mut Changes) {
        if let Some(p) = self.profile.as_mut()
            && p.statuses != statuses
        {
            p.statuses = statuses.to_vec();
            out.push(DeskEvent::ProfileChanged { profile: p.clone() });
        }
    }

    fn slot_limit(&mut self, limit: u32, max: u32, out: &mut Changes) {
        if let Some(p) = self.profile.as_mut()
            && (p.slot_limit, p.slot_max) != (limit, max)
        {
            p.slot_limit = limit;
            p.slot_max = max;
            out.push(DeskEvent::ProfileChanged { profile: p.clone() });
        }
    }

    /// Changes a conversation's own fields; announces them if they moved.
    fn update(
        &mut self,
        reference: &ConversationRef,
        out: &mut Changes,
        change: impl FnOnce(&mut ConversationView),
    ) {
        if let Some(view) = self
            .conversations
            .iter_mut()
            .find(|c| c.reference == *reference)
        {
            let before = ConversationUpdate::of(view);
            change(view);
            let after = ConversationUpdate::of(view);
            if after != before {
                out.push(DeskEvent::ConversationUpdated {
                    conversation: after,
                });
            }
        }
    }

    fn outbox_leaves(&mut self, out: &mut Changes, leaves: impl Fn(&OutboxItem) -> bool) {
        self.outbox.retain(|o| {
            if leaves(o) {
                out.push(DeskEvent::OutboxRemoved {
                    conversation: o.conversation.clone(),
                    local_id: o.local_id,
                });
                false
            } else {
                true
            }
        });
    }

    fn in_thread(&self, reference: &ConversationRef, client_id: ClientId) -> bool {
        self.conversation(reference)
            .is_some_and(|c| c.messages.iter().any(|m| m.client_id == Some(client_id)))
    }

    fn snoozed_list(&self) -> Vec<SnoozedItem> {
        let mut items: Vec<SnoozedItem> = self.snoozed.values().cloned().collect();
        items.sort_by(|a, b| (a.until, &a.reference).cmp(&(b.until, &b.reference)));
        items
    }
}

mod supervision;

#[cfg(test)]
mod tests;
