//! Co-browsing's control plane (D5, C1; DESIGN §13): the sessions of the project's live
//! conversations, asked by their agent and accepted by their visitor, and what each side is
//! told. Ephemeral: nothing of it is stored; the recording itself never comes here (it goes
//! through the relay, [`crate::relay`]).
//!
//! A session ends when either side stops it, when the visitor declines, when its conversation
//! leaves its agent's desk (closed, transferred, timed out), or when the admin switches
//! co-browsing off. This is decided on state after every order ([`Project::settle_cobrowse`]),
//! so no path that moves a conversation can forget it.

use pupitre_protocol::cobrowse::{
    AgentCobrowse, CobrowseEnd, CobrowsePhase, CobrowseState, Guide, Guiding, VisitorCobrowse,
};

use crate::hub::*;

/// The longest URL the agent may send the visitor to.
const MAX_GUIDE_URL_CHARS: usize = 2_000;

#[derive(Debug, Clone)]
pub(in crate::hub) struct Session {
    agent: AgentId,
    phase: CobrowsePhase,
    guiding: Guiding,
    relay: Option<String>,
}

/// What the shell does with the relay once the step is durable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(in crate::hub) enum RelayChange {
    Open {
        relay: String,
        conversation: ConversationRef,
    },
    Close {
        relay: String,
        reason: CobrowseEnd,
    },
}

fn state_error(message: impl Into<String>) -> ErrorFrame {
    ErrorFrame::new(ErrorCode::InvalidState, message)
}

impl Project {
    /// An agent's co-browsing frame.
    pub(in crate::hub) fn agent_cobrowse(
        &mut self,
        agent: AgentId,
        conversation: ConversationRef,
        action: AgentCobrowse,
    ) -> Result<(), ErrorFrame> {
        if !self.project.settings.desk.cobrowse {
            return Err(option_off("co-browsing"));
        }
        let n = self.own_conversation(agent, &conversation)?;
        let session = self.cobrowse.get_mut(&n);
        match (action, session) {
            (AgentCobrowse::Ask, Some(_)) => {
                return Err(ErrorFrame::new(
                    ErrorCode::Conflict,
                    "co-browsing is already asked or under way in this conversation",
                ));
            }
            (AgentCobrowse::Ask, None) => {
                let visitor = self.conversation_visitor.get(&n);
                if !visitor.is_some_and(|v| self.online_visitors.contains(v)) {
                    return Err(state_error("the visitor is not on the site now"));
                }
                self.cobrowse.insert(
                    n,
                    Session {
                        agent,
                        phase: CobrowsePhase::Asked,
                        guiding: Guiding::No,
                        relay: None,
                    },
                );
            }
            (_, None) => return Err(state_error("no co-browsing in this conversation")),
            (AgentCobrowse::Stop, Some(_)) => {
                self.end_cobrowse(n, CobrowseEnd::StoppedByAgent);
                return Ok(());
            }
            (AgentCobrowse::AskGuide, Some(s)) => {
                if s.phase != CobrowsePhase::Running || s.guiding != Guiding::No {
                    return Err(state_error(
                        "guiding can be asked once the visitor shares their page, once",
                    ));
                }
                s.guiding = Guiding::Asked;
            }
            (AgentCobrowse::Navigate { url }, Some(s)) => {
                if s.guiding != Guiding::Allowed {
                    return Err(state_error("the visitor has not allowed guiding"));
                }
                if url.chars().count() > MAX_GUIDE_URL_CHARS
                    || !self.project.settings.cobrowse.allows_page(&url)
                {
                    return Err(invalid(
                        "url: a page of the brand's site (see the co-browsing settings)",
                    ));
                }
                self.guide(n, conversation, Guide::Navigate { url });
                return Ok(());
            }
            (AgentCobrowse::Point { x, y }, Some(s)) => {
                if s.guiding != Guiding::Allowed {
                    return Err(state_error("the visitor has not allowed guiding"));
                }
                let fine = |v: f64| v.is_finite() && (0.0..=1_000_000.0).contains(&v);
                if !fine(x) || !fine(y) {
                    return Err(invalid("x, y: a point of the page, in CSS pixels"));
                }
                self.guide(n, conversation, Guide::Point { x, y });
                return Ok(());
            }
        }
        self.tell_cobrowse(n, None);
        Ok(())
    }

    /// A visitor's answer, or their Stop.
    pub(in crate::hub) fn visitor_cobrowse(
        &mut self,
        visitor: &str,
        conversation: ConversationRef,
        action: VisitorCobrowse,
    ) -> Result<(), ErrorFrame> {
        let n = self.number(&conversation)?;
        if self.conversation_visitor.get(&n).map(String::as_str) != Some(visitor) {
            return Err(ErrorFrame::new(
                ErrorCode::NotFound,
                format!("no conversation {conversation}"),
            ));
        }
        let Some(s) = self.cobrowse.get_mut(&n) else {
            return Err(state_error("no co-browsing in this conversation"));
        };
        match action {
            VisitorCobrowse::Stop => {
                self.end_cobrowse(n, CobrowseEnd::StoppedByVisitor);
                return Ok(());
            }
            VisitorCobrowse::TooLarge if s.phase == CobrowsePhase::Running => {
                self.end_cobrowse(n, CobrowseEnd::TooLarge);
                return Ok(());
            }
            VisitorCobrowse::Decline if s.phase == CobrowsePhase::Asked => {
                self.end_cobrowse(n, CobrowseEnd::Declined);
                return Ok(());
            }
            VisitorCobrowse::Accept if s.phase == CobrowsePhase::Asked => {
                s.phase = CobrowsePhase::Running;
                self.relay_count += 1;
                let relay = relay_key(&self.relay_secret, self.project.id, self.relay_count);
                s.relay = Some(relay.clone());
                self.relay_changes.push(RelayChange::Open {
                    relay,
                    conversation: conversation.clone(),
                });
            }
            VisitorCobrowse::AcceptGuide if s.guiding == Guiding::Asked => {
                s.guiding = Guiding::Allowed;
            }
            VisitorCobrowse::DeclineGuide if s.guiding == Guiding::Asked => {
                s.guiding = Guiding::No;
            }
            _ => return Err(state_error("nothing to answer in this co-browsing session")),
        }
        self.tell_cobrowse(n, None);
        Ok(())
    }

    /// Ends the sessions whose conversation left its agent's desk, and all of them when the
    /// admin switched co-browsing off. Run after every order.
    pub(in crate::hub) fn settle_cobrowse(&mut self) {
        if self.cobrowse.is_empty() {
            return;
        }
        let off = !self.project.settings.desk.cobrowse;
        let moved: Vec<(i64, CobrowseEnd)> = self
            .cobrowse
            .iter()
            .filter_map(|(&n, s)| {
                let holder = self.engine.conversation(n).and_then(|c| c.agent());
                if holder != Some(s.agent) {
                    Some((n, CobrowseEnd::ConversationMoved))
                } else if off {
                    Some((n, CobrowseEnd::SwitchedOff))
                } else {
                    None
                }
            })
            .collect();
        for (n, why) in moved {
            self.end_cobrowse(n, why);
        }
    }

    /// M3: the session under way on a conversation a manager starts watching, if any.
    pub(in crate::hub) fn cobrowse_for_watcher(&self, n: i64) -> Option<String> {
        let s = self.cobrowse.get(&n)?;
        Some(frame_json(&AgentServerFrame::Cobrowse(
            self.cobrowse_state(n, s, None),
        )))
    }

    /// The sessions `agent` is part of, as state frames (after a welcome).
    pub(in crate::hub) fn cobrowse_of_agent(&self, agent: AgentId) -> Vec<String> {
        self.cobrowse
            .iter()
            .filter(|(_, s)| s.agent == agent)
            .map(|(&n, s)| frame_json(&AgentServerFrame::Cobrowse(self.cobrowse_state(n, s, None))))
            .collect()
    }

    /// The session of `visitor`'s conversation, as a state frame (after a welcome).
    pub(in crate::hub) fn cobrowse_of_visitor(&self, visitor: &str) -> Vec<String> {
        self.cobrowse
            .iter()
            .filter(|(n, _)| self.conversation_visitor.get(n).map(String::as_str) == Some(visitor))
            .map(|(&n, s)| {
                frame_json(&VisitorServerFrame::Cobrowse(
                    self.cobrowse_state(n, s, None),
                ))
            })
            .collect()
    }

    /// The relays of the sessions under way (the shell's registry is rebuilt from this after
    /// a recovery).
    pub(in crate::hub) fn take_relay_changes(&mut self) -> Vec<RelayChange> {
        std::mem::take(&mut self.relay_changes)
    }

    fn end_cobrowse(&mut self, n: i64, why: CobrowseEnd) {
        let Some(s) = self.cobrowse.remove(&n) else {
            return;
        };
        if let Some(relay) = &s.relay {
            self.relay_changes.push(RelayChange::Close {
                relay: relay.clone(),
                reason: why,
            });
        }
        let ended = Session {
            phase: CobrowsePhase::Ended,
            relay: None,
            ..s
        };
        let state = self.cobrowse_state(n, &ended, Some(why));
        self.send_cobrowse(n, ended.agent, state);
    }

    fn cobrowse_state(&self, n: i64, s: &Session, end: Option<CobrowseEnd>) -> CobrowseState {
        CobrowseState {
            conversation: self.reference(n),
            phase: s.phase,
            guiding: s.guiding,
            agent: self.agent_name(s.agent),
            relay: s.relay.clone(),
            end,
        }
    }

    fn tell_cobrowse(&mut self, n: i64, end: Option<CobrowseEnd>) {
        let Some(s) = self.cobrowse.get(&n) else {
            return;
        };
        let state = self.cobrowse_state(n, s, end);
        let agent = s.agent;
        self.send_cobrowse(n, agent, state);
    }

    fn send_cobrowse(&mut self, n: i64, agent: AgentId, state: CobrowseState) {
        self.outbox.push((
            Target::Agent(agent),
            frame_json(&AgentServerFrame::Cobrowse(state.clone())),
        ));
        // M3: a manager watching the conversation sees what its agent sees (a second view of
        // the same relay), never more: they cannot ask, guide or stop.
        let watchers: Vec<AgentId> = self
            .watchers
            .get(&n)
            .into_iter()
            .flatten()
            .copied()
            .collect();
        for manager in watchers.into_iter().filter(|m| *m != agent) {
            self.outbox.push((
                Target::Agent(manager),
                frame_json(&AgentServerFrame::Cobrowse(state.clone())),
            ));
        }
        if let Some(visitor) = self.conversation_visitor.get(&n).cloned() {
            self.outbox.push((
                Target::Visitor(visitor),
                frame_json(&VisitorServerFrame::Cobrowse(state)),
            ));
        }
    }

    fn guide(&mut self, n: i64, conversation: ConversationRef, guide: Guide) {
        if let Some(visitor) = self.conversation_visitor.get(&n).cloned() {
            self.outbox.push((
                Target::Visitor(visitor),
                frame_json(&VisitorServerFrame::CobrowseGuide {
                    conversation,
                    guide,
                }),
            ));
        }
    }
}

/// A relay's key: unguessable (a keyed hash of the project and a counter under a secret drawn
/// at start), so holding one is the right to its session's data.
fn relay_key(secret: &[u8; 32], project: ProjectId, count: u64) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).expect("any key length");
    mac.update(&project.to_le_bytes());
    mac.update(&count.to_le_bytes());
    let bytes = mac.finalize().into_bytes();
    // The project first: on several hubs, a node reached by a socket for a relay it does not
    // hold sends it to the project's owner (crate::relay).
    let mac: String = bytes[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("{project}.{mac}")
}
