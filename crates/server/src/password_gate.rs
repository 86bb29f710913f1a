//! Bounds the password checks of logins (issue 9). An argon2id check holds 19 MiB for tens of
//! milliseconds; unbounded, two rounds of 64 concurrent wrong-password logins, no account
//! needed, took a hub from 21 MiB to 3.4 GiB RSS. The gate lets [`PasswordGate::new`]'s
//! `running` checks run at once and `waiting` logins wait for one; beyond, a login is refused
//! at once (`rate_limited`) and costs nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub struct PasswordGate {
    running: Arc<Semaphore>,
    waiting: AtomicUsize,
    most_waiting: usize,
}

/// Counts one waiting login until dropped (also when the request is abandoned while waiting).
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl PasswordGate {
    pub fn new(running: usize, waiting: usize) -> Self {
        Self {
            running: Arc::new(Semaphore::new(running.max(1))),
            waiting: AtomicUsize::new(0),
            most_waiting: waiting,
        }
    }

    /// As many checks at once as the machine has cores (at most 4), 64 logins waiting.
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self::new(cores.min(4), 64)
    }

    /// A permit to check one password, held until the check ends (move it into the blocking
    /// task: a client that hangs up does not stop the check). `None`: too many logins wait.
    pub async fn enter(&self) -> Option<OwnedSemaphorePermit> {
        if let Ok(permit) = self.running.clone().try_acquire_owned() {
            return Some(permit);
        }
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.most_waiting {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        let _waiting = Waiting(&self.waiting);
        self.running.clone().acquire_owned().await.ok()
    }

    /// Logins waiting for a check now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use futures_util::FutureExt as _;

    use super::*;

    #[tokio::test]
    async fn at_most_running_checks_and_waiting_logins_beyond_them_are_refused_at_once() {
        let gate = Arc::new(PasswordGate::new(1, 2));
        let first = gate.enter().await.expect("a free check");
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let gate = gate.clone();
                tokio::spawn(async move { gate.enter().await.is_some() })
            })
            .collect();
        while gate.waiting() < 2 {
            tokio::task::yield_now().await;
        }
        assert!(
            gate.enter()
                .now_or_never()
                .expect("answers at once")
                .is_none(),
            "a third waiting login is refused"
        );
        drop(first);
        for w in waiters {
            assert!(w.await.unwrap(), "each waiting login gets its turn");
        }
        assert_eq!(gate.waiting(), 0);
    }

    #[tokio::test]
    async fn an_abandoned_login_stops_counting_as_waiting() {
        let gate = PasswordGate::new(1, 1);
        let _held = gate.enter().await.unwrap();
        {
            let mut waiting = Box::pin(gate.enter());
            assert!((&mut waiting).now_or_never().is_none());
            assert_eq!(gate.waiting(), 1);
        }
        assert_eq!(gate.waiting(), 0, "the dropped request left the queue");
    }
}
