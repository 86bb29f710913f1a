//! Bounds the password checks of logins (issue 9). An argon2id check fills 19 MiB; unbounded,
//! two rounds of 64 concurrent wrong-password logins, no account needed, took a hub from
//! 21 MiB to 3.4 GiB RSS (each blocking thread's malloc arena kept its 19 MiB).
//!
//! - At most `running` checks at once, each in one of `running` memory areas allocated once
//!   and reused: a flood costs at most `running` × 19 MiB, whichever threads run the checks.
//! - At most `waiting` logins wait for a check, **fewest recent failures first** (the rank is
//!   the client address's count from [`crate::login_throttle`]): an agent at a clean address
//!   goes ahead of a flood. When the queue is full, a better-ranked login takes the place of
//!   the worst one, which is refused; otherwise the newcomer is refused at once (`rate_limited`)
//!   and costs nothing.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use argon2::Block;
use tokio::sync::oneshot;

/// A waiting login: its rank (lower first), then its arrival.
type Place = (u32, u64);

struct State {
    running: usize,
    next: u64,
    waiting: BTreeMap<Place, oneshot::Sender<()>>,
    /// Memory areas free for a check (at most `most_running` ever exist).
    memory: Vec<Vec<Block>>,
}

struct Shared {
    most_running: usize,
    most_waiting: usize,
    state: Mutex<State>,
}

#[derive(Clone)]
pub struct PasswordGate(Arc<Shared>);

/// The right to run one check, with its memory; hands both to the next waiting login when
/// dropped. Move it into the blocking task: a client that hangs up does not stop the check.
pub struct Permit {
    gate: Arc<Shared>,
    memory: Vec<Block>,
}

/// A waiting login. If it gives up (the client hung up), its place goes, and a turn that
/// reached it meanwhile is passed on.
struct Queued {
    gate: Arc<Shared>,
    place: Place,
    turn: Option<oneshot::Receiver<()>>,
}

impl Drop for Queued {
    fn drop(&mut self) {
        let mut state = self.gate.lock();
        state.waiting.remove(&self.place);
        if let Some(mut turn) = self.turn.take()
            && turn.try_recv().is_ok()
        {
            let memory = state.memory.pop().unwrap_or_default();
            drop(state);
            drop(Permit {
                gate: self.gate.clone(),
                memory,
            });
        }
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl PasswordGate {
    pub fn new(running: usize, waiting: usize) -> Self {
        Self(Arc::new(Shared {
            most_running: running.max(1),
            most_waiting: waiting,
            state: Mutex::new(State {
                running: 0,
                next: 0,
                waiting: BTreeMap::new(),
                memory: vec![],
            }),
        }))
    }

    /// As many checks at once as the machine has cores (at most 4); eight logins waiting per
    /// check (a wait of a few hundred milliseconds at most).
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let running = cores.min(4);
        Self::new(running, 8 * running)
    }

    /// A permit to check one password; `rank`: the caller's recent failures (0: clean).
    /// `None`: refused for load.
    pub async fn enter(&self, rank: u32) -> Option<Permit> {
        let turn = {
            let mut state = self.0.lock();
            if state.running < self.0.most_running {
                state.running += 1;
                return Some(self.permit(&mut state));
            }
            if state.waiting.len() >= self.0.most_waiting {
                match state.waiting.last_key_value() {
                    Some((worst, _)) if worst.0 > rank => {
                        // Dropping its sender refuses the worst-ranked waiting login.
                        state.waiting.pop_last();
                    }
                    _ => return None,
                }
            }
            let place = (rank, state.next);
            state.next += 1;
            let (tx, rx) = oneshot::channel();
            state.waiting.insert(place, tx);
            (place, rx)
        };
        let (place, rx) = turn;
        let mut queued = Queued {
            gate: self.0.clone(),
            place,
            turn: Some(rx),
        };
        // Its turn: the releasing permit passed its running slot on (see `Drop for Permit`).
        let granted = match queued.turn.as_mut() {
            Some(rx) => rx.await.is_ok(),
            None => false,
        };
        queued.turn = None;
        drop(queued);
        if !granted {
            return None;
        }
        let mut state = self.0.lock();
        Some(self.permit(&mut state))
    }

    fn permit(&self, state: &mut State) -> Permit {
        Permit {
            gate: self.0.clone(),
            memory: state.memory.pop().unwrap_or_default(),
        }
    }

    /// Logins waiting for a check now.
    pub fn waiting(&self) -> usize {
        self.0.lock().waiting.len()
    }

    /// Checks running now.
    pub fn running(&self) -> usize {
        self.0.lock().running
    }
}

impl Permit {
    /// The memory area for this check (grown to the hash's size at first use, then kept).
    pub fn memory(&mut self) -> &mut Vec<Block> {
        &mut self.memory
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut state = self.gate.lock();
        state.memory.push(std::mem::take(&mut self.memory));
        // Pass the running slot to the best-ranked login still waiting.
        while let Some((_, tx)) = state.waiting.pop_first() {
            if tx.send(()).is_ok() {
                return;
            }
        }
        state.running -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn until(mut f: impl FnMut() -> bool) {
        while !f() {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test]
    async fn at_most_running_checks_and_waiting_logins_beyond_them_are_refused_at_once() {
        let gate = PasswordGate::new(1, 2);
        let first = gate.enter(0).await.expect("a free check");
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let gate = gate.clone();
                tokio::spawn(async move { gate.enter(0).await.is_some() })
            })
            .collect();
        until(|| gate.waiting() == 2).await;
        assert!(gate.enter(0).await.is_none(), "the queue is full");
        drop(first);
        for w in waiters {
            assert!(w.await.unwrap(), "each waiting login gets its turn");
        }
        assert_eq!((gate.waiting(), gate.running()), (0, 0));
    }

    #[tokio::test]
    async fn a_clean_address_goes_ahead_of_a_flood_and_takes_the_worst_place() {
        let gate = PasswordGate::new(1, 2);
        let first = gate.enter(0).await.unwrap();
        let order = Arc::new(Mutex::new(vec![]));
        let spawn = |rank: u32, name: &'static str| {
            let (gate, order) = (gate.clone(), order.clone());
            tokio::spawn(async move {
                let permit = gate.enter(rank).await;
                let got = permit.is_some();
                order.lock().unwrap().push((name, got));
                got
            })
        };
        let flood_a = spawn(30, "flood a");
        until(|| gate.waiting() == 1).await;
        let flood_b = spawn(25, "flood b");
        until(|| gate.waiting() == 2).await;
        let agent = spawn(0, "agent");
        assert!(
            !flood_a.await.unwrap(),
            "the worst place is given up to the agent"
        );
        until(|| gate.waiting() == 2).await;
        drop(first);
        assert!(agent.await.unwrap());
        assert!(flood_b.await.unwrap());
        assert_eq!(
            *order.lock().unwrap(),
            vec![("flood a", false), ("agent", true), ("flood b", true)]
        );
    }

    #[tokio::test]
    async fn a_login_that_gives_up_while_waiting_leaves_no_place_behind() {
        let gate = PasswordGate::new(1, 4);
        let first = gate.enter(0).await.unwrap();
        let waiting = {
            let gate = gate.clone();
            tokio::spawn(async move { gate.enter(0).await.is_some() })
        };
        until(|| gate.waiting() == 1).await;
        waiting.abort();
        let _ = waiting.await;
        assert_eq!(gate.waiting(), 0);
        drop(first);
        assert_eq!(gate.running(), 0);
        assert!(gate.enter(0).await.is_some());
    }

    #[tokio::test]
    async fn the_memory_areas_are_reused_not_multiplied() {
        let gate = PasswordGate::new(2, 8);
        for _ in 0..10 {
            let mut a = gate.enter(0).await.unwrap();
            let mut b = gate.enter(0).await.unwrap();
            a.memory().resize(4, Block::default());
            b.memory().resize(4, Block::default());
        }
        let state = gate.0.lock();
        assert_eq!(state.memory.len(), 2);
        assert!(
            state.memory.iter().all(|m| m.len() == 4),
            "kept, not reallocated"
        );
    }
}
