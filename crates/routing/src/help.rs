//! M2: help requests from agents to managers, routed and timed out. Sans-IO like the engine:
//! the hub says who may be asked (online managers of the group, least busy first) and the
//! time; this decides who is asked, and when a request moves on.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{AgentId, ConversationId, GroupId, Millis};

pub type HelpId = i64;

/// Where a request stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum HelpStage {
    Asking { manager: AgentId, until: Millis },
    Accepted { manager: AgentId },
    Unanswered,
    Withdrawn,
}

/// One request, as the hub persists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelpRecord {
    pub id: HelpId,
    pub conversation: ConversationId,
    pub group: GroupId,
    pub agent: AgentId,
    pub note: Option<String>,
    pub at: Millis,
    /// The managers asked so far, in order (none is asked twice).
    pub asked: Vec<AgentId>,
    pub stage: HelpStage,
}

impl HelpRecord {
    pub fn is_open(&self) -> bool {
        matches!(
            self.stage,
            HelpStage::Asking { .. } | HelpStage::Accepted { .. }
        )
    }

    pub fn manager(&self) -> Option<AgentId> {
        match self.stage {
            HelpStage::Asking { manager, .. } | HelpStage::Accepted { manager } => Some(manager),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HelpError {
    #[error("no manager of this conversation's group is online")]
    NoManager,
    #[error("help was already asked on this conversation")]
    AlreadyAsked,
    #[error("this help request is not open")]
    NotOpen,
    #[error("this help request is not asked of you")]
    NotYours,
}

/// A change to tell the desks: the request as it is now, and the manager it left, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpChange {
    pub record: HelpRecord,
    pub left: Option<AgentId>,
}

/// The open requests of a project.
#[derive(Debug, Clone, Default)]
pub struct HelpDesk {
    open: BTreeMap<HelpId, HelpRecord>,
    timeout: Millis,
}

impl HelpDesk {
    /// `timeout`: how long a manager has to answer.
    pub fn new(timeout: Millis, open: impl IntoIterator<Item = HelpRecord>) -> Self {
        Self {
            open: open
                .into_iter()
                .filter(HelpRecord::is_open)
                .map(|r| (r.id, r))
                .collect(),
            timeout,
        }
    }

    pub fn get(&self, id: HelpId) -> Option<&HelpRecord> {
        self.open.get(&id)
    }

    pub fn open(&self) -> impl Iterator<Item = &HelpRecord> {
        self.open.values()
    }

    /// The earliest moment a request asked of a manager times out.
    pub fn poll_timeout(&self) -> Option<Millis> {
        self.open
            .values()
            .filter_map(|r| match r.stage {
                HelpStage::Asking { until, .. } => Some(until),
                _ => None,
            })
            .min()
    }

    /// A new request; `candidates` are the managers who may be asked now, best first.
    #[allow(clippy::too_many_arguments)]
    pub fn ask(
        &mut self,
        now: Millis,
        id: HelpId,
        conversation: ConversationId,
        group: GroupId,
        agent: AgentId,
        note: Option<String>,
        candidates: &[AgentId],
    ) -> Result<HelpChange, HelpError> {
        if self.open.values().any(|r| r.conversation == conversation) {
            return Err(HelpError::AlreadyAsked);
        }
        let Some(&manager) = candidates.iter().find(|&&m| m != agent) else {
            return Err(HelpError::NoManager);
        };
        let record = HelpRecord {
            id,
            conversation,
            group,
            agent,
            note,
            at: now,
            asked: vec![manager],
            stage: HelpStage::Asking {
                manager,
                until: now + self.timeout,
            },
        };
        self.open.insert(id, record.clone());
        Ok(HelpChange { record, left: None })
    }

    /// The manager asked answers.
    pub fn answer(
        &mut self,
        now: Millis,
        id: HelpId,
        manager: AgentId,
        accept: bool,
        candidates: &[AgentId],
    ) -> Result<HelpChange, HelpError> {
        let record = self.open.get_mut(&id).ok_or(HelpError::NotOpen)?;
        match record.stage {
            HelpStage::Asking { manager: m, .. } if m == manager => {}
            HelpStage::Asking { .. } | HelpStage::Accepted { .. } => {
                return Err(HelpError::NotYours);
            }
            _ => return Err(HelpError::NotOpen),
        }
        if accept {
            record.stage = HelpStage::Accepted { manager };
            return Ok(HelpChange {
                record: record.clone(),
                left: None,
            });
        }
        Ok(self.move_on(now, id, candidates))
    }

    /// Requests whose manager did not answer in time go to the next; `candidates_of` gives
    /// the managers who may be asked for a request now.
    pub fn handle_timeout(
        &mut self,
        now: Millis,
        candidates_of: impl Fn(&HelpRecord) -> Vec<AgentId>,
    ) -> Vec<HelpChange> {
        let due: Vec<HelpId> = self
            .open
            .values()
            .filter(|r| matches!(r.stage, HelpStage::Asking { until, .. } if until <= now))
            .map(|r| r.id)
            .collect();
        due.into_iter()
            .map(|id| {
                let candidates = candidates_of(&self.open[&id]);
                self.move_on(now, id, &candidates)
            })
            .collect()
    }

    /// A manager went offline: what was asked of them moves on within `grace` (a desk that
    /// reconnects at once, or a hub restarting, still has it; one gone for good hands it on).
    pub fn manager_left(
        &mut self,
        now: Millis,
        manager: AgentId,
        grace: Millis,
    ) -> Vec<HelpChange> {
        let mut changes = Vec::new();
        for record in self.open.values_mut() {
            if let HelpStage::Asking { manager: m, until } = &mut record.stage
                && *m == manager
                && *until > now + grace
            {
                *until = now + grace;
                changes.push(HelpChange {
                    record: record.clone(),
                    left: None,
                });
            }
        }
        changes
    }

    /// The conversation left the agent's desk: its request, if open, is withdrawn.
    pub fn conversation_left(&mut self, conversation: ConversationId) -> Option<HelpChange> {
        let id = self
            .open
            .values()
            .find(|r| r.conversation == conversation)?
            .id;
        let mut record = self.open.remove(&id)?;
        let left = record.manager();
        record.stage = HelpStage::Withdrawn;
        Some(HelpChange { record, left })
    }

    /// To the next manager not asked yet, or unanswered.
    fn move_on(&mut self, now: Millis, id: HelpId, candidates: &[AgentId]) -> HelpChange {
        let record = self.open.get_mut(&id).expect("an open request");
        let left = record.manager();
        let next = candidates
            .iter()
            .find(|m| **m != record.agent && !record.asked.contains(m))
            .copied();
        match next {
            Some(manager) => {
                record.asked.push(manager);
                record.stage = HelpStage::Asking {
                    manager,
                    until: now + self.timeout,
                };
                HelpChange {
                    record: record.clone(),
                    left,
                }
            }
            None => {
                let mut record = self.open.remove(&id).expect("an open request");
                record.stage = HelpStage::Unanswered;
                HelpChange { record, left }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Millis = 60_000;

    fn desk() -> HelpDesk {
        HelpDesk::new(T, [])
    }

    #[test]
    fn m2_asked_of_the_first_candidate_then_the_next_on_decline_then_unanswered() {
        let mut d = desk();
        let c = d.ask(0, 1, 10, 1, 7, None, &[7, 20, 21]).unwrap();
        assert_eq!(
            c.record.stage,
            HelpStage::Asking {
                manager: 20,
                until: T
            }
        );
        assert_eq!(d.answer(5, 1, 21, true, &[]), Err(HelpError::NotYours));
        let c = d.answer(5, 1, 20, false, &[20, 21]).unwrap();
        assert_eq!(c.left, Some(20));
        assert_eq!(
            c.record.stage,
            HelpStage::Asking {
                manager: 21,
                until: 5 + T
            }
        );
        let c = d.answer(6, 1, 21, false, &[20, 21]).unwrap();
        assert_eq!(c.record.stage, HelpStage::Unanswered);
        assert!(d.get(1).is_none());
        assert_eq!(d.answer(7, 1, 21, true, &[]), Err(HelpError::NotOpen));
    }

    #[test]
    fn m2_a_timeout_moves_it_on_and_never_back() {
        let mut d = desk();
        d.ask(0, 1, 10, 1, 7, Some("refund?".into()), &[20, 21])
            .unwrap();
        assert_eq!(d.poll_timeout(), Some(T));
        assert!(d.handle_timeout(T - 1, |_| vec![20, 21]).is_empty());
        let changes = d.handle_timeout(T, |_| vec![20, 21]);
        assert_eq!(
            changes[0].record.stage,
            HelpStage::Asking {
                manager: 21,
                until: 2 * T
            }
        );
        let changes = d.handle_timeout(2 * T, |_| vec![21, 20]);
        assert_eq!(changes[0].record.stage, HelpStage::Unanswered);
        assert_eq!(d.poll_timeout(), None);
    }

    #[test]
    fn m2_accepted_stays_open_until_the_conversation_leaves() {
        let mut d = desk();
        assert_eq!(d.ask(0, 1, 10, 1, 7, None, &[7]), Err(HelpError::NoManager));
        d.ask(0, 1, 10, 1, 7, None, &[20]).unwrap();
        assert_eq!(
            d.ask(1, 2, 10, 1, 7, None, &[20]),
            Err(HelpError::AlreadyAsked)
        );
        let c = d.answer(1, 1, 20, true, &[]).unwrap();
        assert_eq!(c.record.stage, HelpStage::Accepted { manager: 20 });
        assert_eq!(d.poll_timeout(), None);
        let c = d.conversation_left(10).unwrap();
        assert_eq!((c.record.stage, c.left), (HelpStage::Withdrawn, Some(20)));
        assert!(d.conversation_left(10).is_none());
    }

    #[test]
    fn m2_a_manager_who_leaves_hands_on_what_was_asked_of_them_after_a_grace() {
        let mut d = desk();
        d.ask(0, 1, 10, 1, 7, None, &[20, 21]).unwrap();
        d.ask(0, 2, 11, 1, 8, None, &[21, 20]).unwrap();
        let changes = d.manager_left(3, 20, 10_000);
        assert_eq!(changes.len(), 1);
        assert_eq!(
            changes[0].record.stage,
            HelpStage::Asking {
                manager: 20,
                until: 10_003
            }
        );
        assert!(
            d.manager_left(4, 20, 10_000).is_empty(),
            "never pushed later"
        );
        assert_eq!(d.poll_timeout(), Some(10_003));
        let changes = d.handle_timeout(10_003, |_| vec![21]);
        assert_eq!(
            changes[0].record.stage,
            HelpStage::Asking {
                manager: 21,
                until: 10_003 + T
            }
        );
        let restored = HelpDesk::new(T, d.open().cloned().collect::<Vec<_>>());
        assert_eq!(restored.poll_timeout(), Some(T));
    }
}
