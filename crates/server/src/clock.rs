//! Time as an input (STYLE.md: nothing in a core calls `now()`). The hub reads one [`Clock`];
//! tests use [`Clock::manual`] to move time forward by hours in microseconds.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use pupitre_protocol::Millis;

/// The wall clock, in milliseconds since the Unix epoch.
pub fn now_ms() -> Millis {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    since.as_millis() as Millis
}

#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// `None`: the system clock. `Some`: a manual clock shared with the test that drives it.
    manual: Option<Arc<AtomicI64>>,
}

impl Clock {
    pub fn system() -> Self {
        Self { manual: None }
    }

    pub fn manual(start: Millis) -> Self {
        Self {
            manual: Some(Arc::new(AtomicI64::new(start))),
        }
    }

    pub fn now(&self) -> Millis {
        match &self.manual {
            Some(t) => t.load(Ordering::SeqCst),
            None => now_ms(),
        }
    }

    pub fn is_manual(&self) -> bool {
        self.manual.is_some()
    }

    /// Moves a manual clock forward. No effect on the system clock.
    pub fn advance(&self, by: Millis) {
        if let Some(t) = &self.manual {
            t.fetch_add(by, Ordering::SeqCst);
        }
    }
}
