//! The desktop-notification policy (SPEC D17): what deserves a notification, and when.
//!
//! The policy is **sans-IO**, like `crates/routing`: no clock, no notification daemon, no
//! randomness. The shell feeds it what happened on the desk with the current time and drains the
//! notifications it decided; showing them (and turning a click into [`Input::Opened`]) is the
//! shell's job.
//!
//! # The drain rule
//!
//! After every [`Policy::handle`] or [`Policy::handle_timeout`] call, the caller drains
//! [`Policy::poll_notification`] until it returns `None`, then sleeps until
//! [`Policy::poll_timeout`] (if any) and calls [`Policy::handle_timeout`] with the time it woke
//! at. Nothing happens between calls: every deadline (a waiting step, the end of a coalescing
//! window, a deferred wake-up notice) is derived from the state. After any call at `now`,
//! `poll_timeout()` is `None` or `> now`, so a shell that follows the rule never spins. A late
//! wake-up decides once, at the time it is given: a laptop back from sleep gets one grouped
//! reminder, not the backlog. Time never goes back: a `now` earlier than one already given
//! counts as that one.
//!
//! # The rules
//!
//! A conversation is **in front of the agent** while the window is focused and the
//! conversation is on screen ([`Input::WindowFocused`], [`Input::OnScreen`]).
//!
//! 1. **Arrivals always notify**, whatever the focus: a new conversation (assignment causes
//!    `new`, `queue`, `reassigned`, `reopened`) → [`NotificationKind::NewConversation`]; a
//!    snooze wake-up (R5) → [`NotificationKind::SnoozeWoke`]; a transfer received (R7) →
//!    [`NotificationKind::TransferReceived`], carrying the transfer comment.
//! 2. **A visitor message** notifies only while the conversation is not in front of the agent
//!    (the window is unfocused, or the conversation is not on screen). Bursts are coalesced: at
//!    most one [`NotificationKind::VisitorMessage`] per conversation per
//!    [`Config::visitor_message_window_ms`]. The first message of a burst notifies at once;
//!    the later ones are folded into one update at the end of the window, which replaces the
//!    earlier notification (`replaces`) and shows the latest text and the unread count. The
//!    update is dropped if the agent sees the conversation (in front, opened, answered) first.
//! 3. **Waiting for the agent's reply** (the D7 red box) is counted from the first unanswered
//!    visitor message, or from the hub's `waiting_since` at assignment. Steps, in time waited:
//!    [`Config::waiting_threshold_ms`] (level 1, [`Urgency::Normal`]; best practice is to
//!    answer within 30 s), [`Config::waiting_critical_after_ms`] (level 2, critical), then every
//!    [`Config::waiting_repeat_every_ms`] after that (levels 3, 4…, critical). It stops when the
//!    agent replies or the conversation leaves the desk, and starts again with the next visitor
//!    message. Opening a conversation is not answering
//!    it, so escalation goes on; but a step that falls due while the conversation is in front of
//!    the agent counts as seen (the red box is in front of them) and is skipped, and the
//!    schedule resumes with the next step once it leaves the front. Steps already past when a
//!    conversation arrives are covered by the arrival notice (it carries `waiting_for`).
//! 4. **Global rate limit on reminders**: at most one [`NotificationKind::WaitingForReply`] per
//!    [`Config::waiting_global_gap_ms`] across all conversations. When several are due
//!    together, one notification names the longest-waiting conversation and counts the others
//!    (`others_waiting`); each of them counts that step as delivered. Its urgency is the highest
//!    among them.
//! 5. **Per-conversation gap**: never two notifications of one conversation within
//!    [`Config::per_conversation_gap_ms`], except [`NotificationKind::NewConversation`] and
//!    [`NotificationKind::TransferReceived`], which are never held back (they still count as
//!    the conversation's latest notification). Anything else due inside the gap waits for its
//!    end; a snooze wake-up notice is deferred, never dropped (unless the agent opens or answers
//!    the conversation, or it leaves the desk, meanwhile).
//!
//! Every notification has a fresh [`NotificationId`] (1, 2, 3…, never reused) and names in
//! `replaces` the conversation's previous notification, so the shell replaces it in place
//! instead of stacking; after [`Input::Opened`] the chain restarts (the agent dealt with it).
//! When a conversation leaves the desk the shell may withdraw its notification.
//!
//! # Bounds
//!
//! The state holds one entry per conversation on the desk (at most the agent's slot limit,
//! R4), plus the times of the last notifications of conversations that left less than
//! [`Config::per_conversation_gap_ms`] or [`Config::visitor_message_window_ms`] ago (whichever
//! is longer). With a non-zero gap, one call emits at most one notification per conversation
//! on the desk.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use pupitre_protocol::agent::{AssignCause, ConversationView};
use pupitre_protocol::{Author, Body, ConversationRef, Millis};

use crate::model::{DeskEvent, Turn, turn};

pub const SECOND: Millis = 1_000;
pub const MINUTE: Millis = 60 * SECOND;

/// A visitor's name is cut to this many characters: it is a notification title, and the
/// visitor chose it.
pub const NAME_CHARS: usize = 60;

/// The policy's tunables. [`Config::default`] gives the values D17 calls for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Waiting this long for the agent's reply brings the first reminder (default 30 s: the
    /// seeds' best practice is to answer within 30 seconds).
    pub waiting_threshold_ms: Millis,
    /// Total waiting time of the second, critical reminder (default 2 min).
    pub waiting_critical_after_ms: Millis,
    /// After the critical reminder, another one each period while still waiting (default 5 min).
    pub waiting_repeat_every_ms: Millis,
    /// At most one reminder across all conversations per this period (default 15 s).
    pub waiting_global_gap_ms: Millis,
    /// At most one visitor-message notification per conversation per this window (default 10 s).
    pub visitor_message_window_ms: Millis,
    /// At most one notification per conversation per this gap, arrivals aside (default 5 s).
    pub per_conversation_gap_ms: Millis,
    /// Length of the visitor-text excerpt, in characters, ellipsis included (default 120).
    pub excerpt_chars: usize,
    /// Length of the transfer comment shown, in characters, ellipsis included (default 200).
    pub comment_chars: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            waiting_threshold_ms: 30 * SECOND,
            waiting_critical_after_ms: 2 * MINUTE,
            waiting_repeat_every_ms: 5 * MINUTE,
            waiting_global_gap_ms: 15 * SECOND,
            visitor_message_window_ms: 10 * SECOND,
            per_conversation_gap_ms: 5 * SECOND,
            excerpt_chars: 120,
            comment_chars: 200,
        }
    }
}

impl Config {
    /// Makes the schedule well-formed whatever was configured: no negative duration, the
    /// critical step not before the first one, a repeat period of at least 1 ms (so that
    /// steps strictly advance), room for the ellipsis.
    fn sanitized(mut self) -> Self {
        self.waiting_threshold_ms = self.waiting_threshold_ms.max(0);
        self.waiting_critical_after_ms = self
            .waiting_critical_after_ms
            .max(self.waiting_threshold_ms);
        self.waiting_repeat_every_ms = self.waiting_repeat_every_ms.max(1);
        self.waiting_global_gap_ms = self.waiting_global_gap_ms.max(0);
        self.visitor_message_window_ms = self.visitor_message_window_ms.max(0);
        self.per_conversation_gap_ms = self.per_conversation_gap_ms.max(0);
        self.excerpt_chars = self.excerpt_chars.max(1);
        self.comment_chars = self.comment_chars.max(1);
        self
    }

    /// Time waited at which step `step` (0-based; level `step + 1`) falls due.
    fn step_offset(&self, step: u32) -> Millis {
        match step {
            0 => self.waiting_threshold_ms,
            1 => self.waiting_critical_after_ms,
            k => self
                .waiting_critical_after_ms
                .saturating_add(Millis::from(k - 1).saturating_mul(self.waiting_repeat_every_ms)),
        }
    }

    /// How many steps are due after waiting `waited`: the level of a reminder sent now.
    fn steps_due(&self, waited: Millis) -> u32 {
        if waited < self.waiting_threshold_ms {
            0
        } else if waited < self.waiting_critical_after_ms {
            1
        } else {
            let repeats = (waited - self.waiting_critical_after_ms) / self.waiting_repeat_every_ms;
            u32::try_from(repeats).unwrap_or(u32::MAX).saturating_add(2)
        }
    }
}

/// What happened on the desk. Inputs about a conversation the policy does not track (never
/// assigned, or already removed) are ignored, except [`Input::OnScreen`] and [`Input::Opened`],
/// which only describe the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A conversation arrived on the desk (`conversation_assigned`).
    Assigned {
        conversation: ConversationRef,
        cause: AssignCause,
        visitor_name: Option<String>,
        /// The visitor's latest text message, for the excerpt.
        last_visitor_text: Option<String>,
        /// Since when the visitor waits for the agent's reply (the hub's D7 clock); `None`
        /// when the agent spoke last.
        waiting_since: Option<Millis>,
    },
    /// A conversation already on the desk when the desk starts (the `welcome` snapshot):
    /// tracked, never announced. Reminder steps already past are skipped.
    OnDesk {
        conversation: ConversationRef,
        visitor_name: Option<String>,
        last_visitor_text: Option<String>,
        waiting_since: Option<Millis>,
    },
    /// It left the desk (snoozed, transferred, closed, reassigned, timed out).
    Removed { conversation: ConversationRef },
    /// The visitor wrote. `visitor_name`, when given, updates the known one.
    VisitorMessage {
        conversation: ConversationRef,
        text: String,
        visitor_name: Option<String>,
    },
    /// The agent wrote to the visitor: the conversation no longer waits for them.
    AgentReplied { conversation: ConversationRef },
    /// R10: the visitor has been silent; the conversation closes at `closes_at` unless
    /// someone writes.
    TimeoutReminder {
        conversation: ConversationRef,
        closes_at: Millis,
    },
    /// The desk window gained (`true`) or lost (`false`) the focus. Unfocused at start.
    WindowFocused(bool),
    /// The conversations now visible in the desk (up to 4 side by side, D2); replaces the set.
    OnScreen(Vec<ConversationRef>),
    /// M2: a help request was just asked of this manager: always shown, at once.
    HelpAsked {
        conversation: ConversationRef,
        agent_name: String,
        visitor_name: Option<String>,
        note: Option<String>,
    },
    /// The agent opened the conversation (a box click, a notification click). It is on screen
    /// from now on (until the next [`Input::OnScreen`]), its pending notices are dropped and its
    /// notification chain restarts. It does not stop the waiting reminders: only a reply does.
    Opened(ConversationRef),
}

impl Input {
    /// The inputs a change of the desk stands for (DESIGN.md §12: the policy follows the
    /// desk's reduced changes, as the UI and the tray do): arrivals, removals, what someone
    /// wrote ([`Turn`]: a visitor's message, or the agent's reply; system sentences, thread
    /// events and transfer comments answer nobody), timeout reminders, a notification clicked,
    /// and every conversation of a fresh desk.
    pub fn from_desk_event(event: &DeskEvent) -> Vec<Input> {
        let one = match event {
            DeskEvent::Snapshot { state } => {
                return state.conversations.iter().map(Input::on_desk).collect();
            }
            DeskEvent::ConversationAdded {
                conversation,
                cause,
            } => Input::Assigned {
                conversation: conversation.reference.clone(),
                cause: cause.clone(),
                visitor_name: conversation.visitor.name.clone(),
                last_visitor_text: last_visitor_text(conversation),
                waiting_since: conversation.waiting_since,
            },
            DeskEvent::ConversationRemoved { conversation, .. } => Input::Removed {
                conversation: conversation.clone(),
            },
            DeskEvent::MessageAdded { message } => {
                let conversation = message.conversation.clone();
                match (turn(message), &message.body) {
                    (Turn::Visitor, Body::Text { text }) => Input::VisitorMessage {
                        conversation,
                        text: text.clone(),
                        visitor_name: None,
                    },
                    (Turn::Visitor, Body::File { file }) => Input::VisitorMessage {
                        conversation,
                        text: format!("📎 {}", file.name),
                        visitor_name: None,
                    },
                    (Turn::Agent, _) => Input::AgentReplied { conversation },
                    _ => return vec![],
                }
            }
            DeskEvent::TimeoutReminder {
                conversation,
                closes_at: Some(closes_at),
            } => Input::TimeoutReminder {
                conversation: conversation.clone(),
                closes_at: *closes_at,
            },
            DeskEvent::NotificationOpened { conversation } => Input::Opened(conversation.clone()),
            DeskEvent::Help {
                request,
                asked_of_me: true,
            } if matches!(
                request.state,
                pupitre_protocol::supervision::HelpState::Asking { .. }
            ) =>
            {
                Input::HelpAsked {
                    conversation: request.conversation.clone(),
                    agent_name: request.agent_name.clone(),
                    visitor_name: request.visitor_name.clone(),
                    note: request.note.clone(),
                }
            }
            _ => return vec![],
        };
        vec![one]
    }

    /// [`Input::OnDesk`] for a conversation of the `welcome` snapshot.
    pub fn on_desk(view: &ConversationView) -> Input {
        Input::OnDesk {
            conversation: view.reference.clone(),
            visitor_name: view.visitor.name.clone(),
            last_visitor_text: last_visitor_text(view),
            waiting_since: view.waiting_since,
        }
    }
}

fn last_visitor_text(view: &ConversationView) -> Option<String> {
    latest_visitor_text(&view.messages)
}

/// The visitor's latest text message among `messages` (oldest first).
pub fn latest_visitor_text(messages: &[pupitre_protocol::Message]) -> Option<String> {
    messages
        .iter()
        .rev()
        .find_map(|m| match (&m.author, &m.body) {
            (Author::Visitor, Body::Text { text }) => Some(text.clone()),
            _ => None,
        })
}

/// Identifies one notification. Fresh for each notification, in order from 1, never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NotificationId(pub u64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Urgency {
    Normal,
    /// The conversation has waited past [`Config::waiting_critical_after_ms`].
    Critical,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotificationKind {
    /// Assigned as `new`, `queue`, `reassigned` or `reopened`.
    NewConversation,
    /// Back from a snooze (R5).
    SnoozeWoke,
    /// Transferred to this agent (R7); the notification carries the comment.
    TransferReceived,
    VisitorMessage,
    /// Waiting for the agent's reply: level 1 at the threshold, 2 at the critical step, then
    /// one more per repeat period.
    WaitingForReply {
        level: u32,
    },
    /// R10: the visitor-inactivity timeout closes the conversation at `closes_at`.
    TimeoutSoon {
        closes_at: Millis,
    },
    /// M2: an agent asks this manager for help on `conversation` (not on this desk); `from`
    /// names the agent, `comment` carries their note.
    HelpRequested,
}

impl NotificationKind {
    /// Arrivals (and the one warning before a close) that the per-conversation gap never
    /// holds back.
    pub fn never_suppressed(self) -> bool {
        matches!(
            self,
            Self::NewConversation
                | Self::TransferReceived
                | Self::TimeoutSoon { .. }
                | Self::HelpRequested
        )
    }
}

/// One desktop notification to show. Clicking it should open `conversation` and be fed back
/// as [`Input::Opened`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: NotificationId,
    /// The conversation's previous notification, to replace in place rather than stack.
    pub replaces: Option<NotificationId>,
    pub kind: NotificationKind,
    pub conversation: ConversationRef,
    pub urgency: Urgency,
    /// Single line, at most [`NAME_CHARS`] characters.
    pub visitor_name: Option<String>,
    /// The visitor's latest text: single line, at most [`Config::excerpt_chars`] characters.
    pub excerpt: Option<String>,
    /// The transfer comment ([`NotificationKind::TransferReceived`] only): single line, at most
    /// [`Config::comment_chars`] characters. Shown to the agent, never to the visitor (R7).
    pub comment: Option<String>,
    /// How long the visitor has waited for the agent's reply, when they do.
    pub waiting_for: Option<Millis>,
    /// [`NotificationKind::WaitingForReply`] only: how many other conversations this reminder
    /// stands for (rule 4).
    pub others_waiting: u32,
    /// Visitor messages the agent has not seen yet (since they last replied, opened it or had
    /// it in front of them), as far as the policy saw.
    pub unread: u32,
    /// When it was decided.
    pub at: Millis,
    /// [`NotificationKind::HelpRequested`] only: the agent who asks, on one line.
    pub from: Option<String>,
}

/// A conversation on the desk.
#[derive(Debug, Clone)]
struct Tracked {
    visitor_name: Option<String>,
    last_visitor_text: Option<String>,
    /// `Some` while the visitor waits for the agent's reply.
    waiting_since: Option<Millis>,
    /// The next reminder step (0-based) not yet delivered or seen.
    next_step: u32,
    /// A visitor message arrived that no notification has shown yet (rule 2's pending update).
    stale: bool,
    /// A snooze wake-up notice held back by the per-conversation gap.
    pending_wake: bool,
    unread: u32,
    /// The latest notification shown, for `replaces`.
    shown: Option<NotificationId>,
}

impl Tracked {
    fn new(
        visitor_name: Option<String>,
        last_visitor_text: Option<String>,
        waiting_since: Option<Millis>,
    ) -> Self {
        Self {
            visitor_name: visitor_name.and_then(|n| single_line(&n, NAME_CHARS)),
            last_visitor_text,
            waiting_since,
            next_step: 0,
            stale: false,
            pending_wake: false,
            unread: 0,
            shown: None,
        }
    }
}

/// A conversation's latest notifications.
#[derive(Debug, Clone, Copy)]
struct Recent {
    /// Any kind (rule 5).
    any: Millis,
    /// The last visitor-message notification (rule 2's window).
    visitor_message: Option<Millis>,
}

/// The notification policy. See the module documentation for the rules and the drain rule.
#[derive(Debug, Clone)]
pub struct Policy {
    config: Config,
    /// The latest time given; time never goes back (an earlier `now` counts as this one).
    clock: Millis,
    focused: bool,
    on_screen: BTreeSet<ConversationRef>,
    conversations: BTreeMap<ConversationRef, Tracked>,
    /// The last notifications of each conversation (rules 2 and 5), kept after it leaves the
    /// desk until both windows are over, so that coming back does not reset them.
    recent: BTreeMap<ConversationRef, Recent>,
    /// The last reminder, all conversations together (rule 4).
    last_reminder: Option<Millis>,
    next_id: u64,
    out: VecDeque<Notification>,
}

impl Policy {
    pub fn new(config: Config) -> Self {
        Self {
            config: config.sanitized(),
            clock: Millis::MIN,
            focused: false,
            on_screen: BTreeSet::new(),
            conversations: BTreeMap::new(),
            recent: BTreeMap::new(),
            last_reminder: None,
            next_id: 1,
            out: VecDeque::new(),
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Takes one input at `now`, then decides what is due.
    pub fn handle(&mut self, now: Millis, input: Input) {
        self.clock = self.clock.max(now);
        let now = self.clock;
        let front_before = self.front();
        match input {
            Input::Assigned {
                conversation,
                cause,
                visitor_name,
                last_visitor_text,
                waiting_since,
            } => {
                self.track(
                    now,
                    &conversation,
                    visitor_name,
                    last_visitor_text,
                    waiting_since,
                );
                match cause {
                    AssignCause::New
                    | AssignCause::Queue
                    | AssignCause::Reassigned
                    | AssignCause::Reopened => {
                        self.emit(now, &conversation, NotificationKind::NewConversation, None)
                    }
                    AssignCause::Transfer { comment, .. } => {
                        let comment = comment
                            .as_deref()
                            .and_then(|c| single_line(c, self.config.comment_chars));
                        self.emit(
                            now,
                            &conversation,
                            NotificationKind::TransferReceived,
                            comment,
                        );
                    }
                    // Rule 5: `decide` sends it now, or when the conversation's gap ends.
                    AssignCause::SnoozeWake => {
                        if let Some(t) = self.conversations.get_mut(&conversation) {
                            t.pending_wake = true;
                        }
                    }
                }
            }
            Input::OnDesk {
                conversation,
                visitor_name,
                last_visitor_text,
                waiting_since,
            } => self.track(
                now,
                &conversation,
                visitor_name,
                last_visitor_text,
                waiting_since,
            ),
            Input::Removed { conversation } => {
                self.conversations.remove(&conversation);
            }
            Input::HelpAsked {
                conversation,
                agent_name,
                visitor_name,
                note,
            } => {
                let id = NotificationId(self.next_id);
                self.next_id += 1;
                let excerpt_chars = self.config.excerpt_chars;
                self.out.push_back(Notification {
                    id,
                    replaces: None,
                    kind: NotificationKind::HelpRequested,
                    conversation,
                    urgency: Urgency::Normal,
                    visitor_name: visitor_name.and_then(|n| single_line(&n, NAME_CHARS)),
                    excerpt: None,
                    comment: note.and_then(|n| single_line(&n, excerpt_chars)),
                    waiting_for: None,
                    others_waiting: 0,
                    unread: 0,
                    at: now,
                    from: single_line(&agent_name, NAME_CHARS),
                });
            }
            Input::VisitorMessage {
                conversation,
                text,
                visitor_name,
            } => {
                let in_front = self.in_front(&conversation);
                if let Some(t) = self.conversations.get_mut(&conversation) {
                    if let Some(name) = visitor_name.and_then(|n| single_line(&n, NAME_CHARS)) {
                        t.visitor_name = Some(name);
                    }
                    t.last_visitor_text = Some(text);
                    if t.waiting_since.is_none() {
                        t.waiting_since = Some(now);
                        t.next_step = 0;
                    }
                    if !in_front {
                        t.unread = t.unread.saturating_add(1);
                        t.stale = true;
                    }
                }
            }
            Input::AgentReplied { conversation } => {
                if let Some(t) = self.conversations.get_mut(&conversation) {
                    t.waiting_since = None;
                    t.next_step = 0;
                    t.stale = false;
                    t.pending_wake = false;
                    t.unread = 0;
                }
            }
            Input::TimeoutReminder {
                conversation,
                closes_at,
            } => {
                // On screen in a focused window, the desk's own countdown says it.
                if !self.in_front(&conversation) {
                    self.emit(
                        now,
                        &conversation,
                        NotificationKind::TimeoutSoon { closes_at },
                        None,
                    );
                }
            }
            Input::WindowFocused(focused) => self.focused = focused,
            Input::OnScreen(conversations) => self.on_screen = conversations.into_iter().collect(),
            Input::Opened(conversation) => {
                if let Some(t) = self.conversations.get_mut(&conversation) {
                    t.stale = false;
                    t.pending_wake = false;
                    t.unread = 0;
                    t.shown = None;
                }
                self.on_screen.insert(conversation);
            }
        }
        self.front_changed(now, &front_before);
        self.decide(now);
    }

    /// Decides what fell due by `now` (at `now`, however late the call).
    pub fn handle_timeout(&mut self, now: Millis) {
        self.clock = self.clock.max(now);
        self.decide(self.clock);
    }

    /// The next instant something could be due: `None`, or later than the last time given.
    pub fn poll_timeout(&self) -> Option<Millis> {
        let mut earliest: Option<Millis> = None;
        let mut consider = |at: Millis| earliest = Some(earliest.map_or(at, |e| e.min(at)));
        for (conversation, t) in &self.conversations {
            if t.pending_wake {
                consider(self.gap_end(conversation));
            }
            if t.stale && !self.in_front(conversation) {
                consider(self.visitor_notice_ready(conversation));
            }
        }
        // Rule 4: the first instant a conversation both has a step due and is out of its gap,
        // once the global gap is over.
        let reminder = self
            .conversations
            .iter()
            .filter(|(c, _)| !self.in_front(c))
            .filter_map(|(c, t)| Some(self.step_due(t)?.max(self.gap_end(c))))
            .min();
        if let Some(at) = reminder {
            consider(at.max(self.reminder_gap_end()));
        }
        earliest
    }

    /// The next notification decided, in order.
    pub fn poll_notification(&mut self) -> Option<Notification> {
        self.out.pop_front()
    }

    /// Starts (or restarts) tracking a conversation that arrived at `now`.
    fn track(
        &mut self,
        now: Millis,
        conversation: &ConversationRef,
        visitor_name: Option<String>,
        last_visitor_text: Option<String>,
        waiting_since: Option<Millis>,
    ) {
        // A hub clock ahead of ours must not make the wait negative.
        let waiting_since = waiting_since.map(|w| w.min(now));
        let mut t = Tracked::new(visitor_name, last_visitor_text, waiting_since);
        // Steps already past are covered by the arrival (rule 3).
        t.next_step = waiting_since.map_or(0, |w| self.config.steps_due(now.saturating_sub(w)));
        // An earlier notification of it may still be on screen.
        t.shown = self
            .conversations
            .get(conversation)
            .and_then(|old| old.shown);
        self.conversations.insert(conversation.clone(), t);
    }

    fn in_front(&self, conversation: &ConversationRef) -> bool {
        self.focused && self.on_screen.contains(conversation)
    }

    /// The tracked conversations in front of the agent.
    fn front(&self) -> BTreeSet<ConversationRef> {
        if !self.focused {
            return BTreeSet::new();
        }
        self.on_screen
            .iter()
            .filter(|c| self.conversations.contains_key(*c))
            .cloned()
            .collect()
    }

    /// Entering the front means seen: pending visitor notices go. Leaving it skips the reminder
    /// steps that fell due meanwhile (rule 3).
    fn front_changed(&mut self, now: Millis, before: &BTreeSet<ConversationRef>) {
        let after = self.front();
        for conversation in after.difference(before) {
            if let Some(t) = self.conversations.get_mut(conversation) {
                t.stale = false;
                t.unread = 0;
            }
        }
        for conversation in before.difference(&after) {
            if let Some(t) = self.conversations.get_mut(conversation)
                && let Some(since) = t.waiting_since
            {
                let seen = self.config.steps_due(now.saturating_sub(since));
                t.next_step = t.next_step.max(seen);
            }
        }
    }

    /// When rule 5 lets this conversation be notified again.
    fn gap_end(&self, conversation: &ConversationRef) -> Millis {
        self.recent.get(conversation).map_or(Millis::MIN, |r| {
            r.any.saturating_add(self.config.per_conversation_gap_ms)
        })
    }

    fn reminder_gap_end(&self) -> Millis {
        self.last_reminder.map_or(Millis::MIN, |at| {
            at.saturating_add(self.config.waiting_global_gap_ms)
        })
    }

    /// When a pending visitor-message notice may go out (rules 2 and 5).
    fn visitor_notice_ready(&self, conversation: &ConversationRef) -> Millis {
        let window_end = self
            .recent
            .get(conversation)
            .and_then(|r| r.visitor_message)
            .map_or(Millis::MIN, |at| {
                at.saturating_add(self.config.visitor_message_window_ms)
            });
        window_end.max(self.gap_end(conversation))
    }

    /// When the conversation's next reminder step falls due, if it waits.
    fn step_due(&self, t: &Tracked) -> Option<Millis> {
        let since = t.waiting_since?;
        Some(since.saturating_add(self.config.step_offset(t.next_step)))
    }

    /// Emits everything due at `now`. One pass suffices: an emission only pushes its own
    /// conversation's deadlines later.
    fn decide(&mut self, now: Millis) {
        let keep = self
            .config
            .per_conversation_gap_ms
            .max(self.config.visitor_message_window_ms);
        let conversations = &self.conversations;
        self.recent.retain(|c, r| {
            let last = r.visitor_message.map_or(r.any, |v| v.max(r.any));
            conversations.contains_key(c) || last.saturating_add(keep) > now
        });

        let refs: Vec<ConversationRef> = self.conversations.keys().cloned().collect();
        for conversation in &refs {
            let Some(t) = self.conversations.get(conversation) else {
                continue;
            };
            if t.pending_wake && self.gap_end(conversation) <= now {
                self.emit(now, conversation, NotificationKind::SnoozeWoke, None);
            } else if t.stale
                && !self.in_front(conversation)
                && self.visitor_notice_ready(conversation) <= now
            {
                self.emit(now, conversation, NotificationKind::VisitorMessage, None);
            }
        }
        self.remind(now);
    }

    /// Rule 3 and 4: at most one reminder, naming the longest-waiting conversation due.
    fn remind(&mut self, now: Millis) {
        if self.reminder_gap_end() > now {
            return;
        }
        let due: Vec<(Millis, ConversationRef)> = self
            .conversations
            .iter()
            .filter(|(c, t)| !self.in_front(c) && self.step_due(t).is_some_and(|at| at <= now))
            .filter_map(|(c, t)| Some((t.waiting_since?, c.clone())))
            .collect();
        let Some((_, named)) = due
            .iter()
            .filter(|(_, c)| self.gap_end(c) <= now)
            .min()
            .cloned()
        else {
            return;
        };
        let mut level = 0;
        let mut urgency = Urgency::Normal;
        for (since, conversation) in &due {
            let steps = self.config.steps_due(now.saturating_sub(*since));
            if steps >= 2 {
                urgency = Urgency::Critical;
            }
            if *conversation == named {
                level = steps;
            }
            if let Some(t) = self.conversations.get_mut(conversation) {
                t.next_step = t.next_step.max(steps);
            }
        }
        let others = u32::try_from(due.len() - 1).unwrap_or(u32::MAX);
        self.last_reminder = Some(now);
        self.emit_with(
            now,
            &named,
            NotificationKind::WaitingForReply { level },
            urgency,
            None,
            others,
        );
    }

    fn emit(
        &mut self,
        now: Millis,
        conversation: &ConversationRef,
        kind: NotificationKind,
        comment: Option<String>,
    ) {
        self.emit_with(now, conversation, kind, Urgency::Normal, comment, 0);
    }

    fn emit_with(
        &mut self,
        now: Millis,
        conversation: &ConversationRef,
        kind: NotificationKind,
        urgency: Urgency,
        comment: Option<String>,
        others_waiting: u32,
    ) {
        let excerpt_chars = self.config.excerpt_chars;
        let Some(t) = self.conversations.get_mut(conversation) else {
            return;
        };
        let id = NotificationId(self.next_id);
        self.next_id += 1;
        let notification = Notification {
            id,
            replaces: t.shown,
            kind,
            conversation: conversation.clone(),
            urgency,
            // Someone else's words on one line of the desktop: no control may reorder it.
            visitor_name: t
                .visitor_name
                .as_deref()
                .and_then(|name| single_line(name, 80)),
            comment: comment
                .as_deref()
                .and_then(|c| single_line(c, excerpt_chars)),
            excerpt: t
                .last_visitor_text
                .as_deref()
                .and_then(|text| single_line(text, excerpt_chars)),
            waiting_for: t.waiting_since.map(|since| now.saturating_sub(since)),
            others_waiting,
            unread: t.unread,
            at: now,
            from: None,
        };
        t.shown = Some(id);
        // Every notification shows the latest visitor text: nothing is pending any more.
        t.stale = false;
        t.pending_wake = false;
        let recent = self.recent.entry(conversation.clone()).or_insert(Recent {
            any: now,
            visitor_message: None,
        });
        recent.any = now;
        if kind == NotificationKind::VisitorMessage {
            recent.visitor_message = Some(now);
        }
        self.out.push_back(notification);
    }
}

pub use pupitre_protocol::text::is_format_control;

/// `text` on one line (runs of whitespace and control characters become one space; bidi and
/// zero-width controls go), cut to `max_chars` characters with an ellipsis. `None` when
/// nothing is left.
pub fn single_line(text: &str, max_chars: usize) -> Option<String> {
    let text: String = text.chars().filter(|c| !is_format_control(*c)).collect();
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        return None;
    }
    let line = words.join(" ");
    if line.chars().count() <= max_chars {
        return Some(line);
    }
    let mut cut: String = line.chars().take(max_chars.saturating_sub(1)).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    Some(cut)
}
