//! Bounds on WebSocket connections (issue 9): a hub refuses clearly instead of running out of
//! file descriptors, and one address cannot hold the visitor gateway by itself.
//!
//! - [`ConnectionLimits::most`]: desk and widget connections at once (`--max-connections`;
//!   by default the process's descriptor limit less [`RESERVED_DESCRIPTORS`] for the database,
//!   HTTP requests and files);
//! - [`ConnectionLimits::most_per_visitor_address`]: widget connections from one client
//!   address (`--max-visitor-connections-per-address`; a visitor's tabs each hold one, and an
//!   office or a mobile carrier puts many visitors behind one address, hence a generous
//!   default).
//!
//! Widgets may hold at most nine tenths of `most`: the rest is kept for desks, so strangers
//! cannot fill the hub before the agents connect. An IPv6 visitor counts by its /64.
//!
//! Beyond either, the gateway accepts the upgrade and closes at once with 1013 ("try again
//! later") and a reason: browsers show a WebSocket's close code, not an HTTP status.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Descriptors kept for everything but WebSockets.
pub const RESERVED_DESCRIPTORS: usize = 256;
pub const DEFAULT_PER_VISITOR_ADDRESS: usize = 64;

#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    pub most: usize,
    pub most_per_visitor_address: usize,
}

impl ConnectionLimits {
    /// The defaults for this process: its descriptor limit (raise it first) less the reserve.
    pub fn for_this_process() -> Self {
        let soft = rlimit::Resource::NOFILE
            .get()
            .map_or(1024, |(soft, _)| soft);
        let soft = usize::try_from(soft).unwrap_or(usize::MAX);
        Self {
            most: soft.saturating_sub(RESERVED_DESCRIPTORS).max(64),
            most_per_visitor_address: DEFAULT_PER_VISITOR_ADDRESS,
        }
    }
}

/// Why a connection is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Full,
    AddressFull,
}

impl Refusal {
    /// The close frame's reason.
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::Full => "the hub is at its connection limit: try again later",
            Refusal::AddressFull => "too many connections from your address: try again later",
        }
    }
}

pub struct Connections {
    limits: ConnectionLimits,
    total: AtomicUsize,
    per_address: Mutex<HashMap<IpAddr, usize>>,
}

/// One admitted connection, counted until dropped.
pub struct Admitted {
    connections: Arc<Connections>,
    address: Option<IpAddr>,
}

impl Connections {
    pub fn new(limits: ConnectionLimits) -> Arc<Self> {
        Arc::new(Self {
            limits,
            total: AtomicUsize::new(0),
            per_address: Mutex::new(HashMap::new()),
        })
    }

    pub fn limits(&self) -> ConnectionLimits {
        self.limits
    }

    /// Admits a connection; `visitor_address`: a widget's client address (counted against
    /// its own cap), `None` for a desk.
    pub fn admit(self: &Arc<Self>, visitor_address: Option<IpAddr>) -> Result<Admitted, Refusal> {
        let most = match visitor_address {
            Some(_) => self.limits.most - self.limits.most / 10,
            None => self.limits.most,
        };
        if self.total.fetch_add(1, Ordering::SeqCst) >= most {
            self.total.fetch_sub(1, Ordering::SeqCst);
            return Err(Refusal::Full);
        }
        let visitor_address = visitor_address.map(crate::login_throttle::counted);
        if let Some(ip) = visitor_address {
            let mut per = self.per_address.lock().unwrap_or_else(|e| e.into_inner());
            let n = per.entry(ip).or_default();
            if *n >= self.limits.most_per_visitor_address {
                drop(per);
                self.total.fetch_sub(1, Ordering::SeqCst);
                return Err(Refusal::AddressFull);
            }
            *n += 1;
        }
        Ok(Admitted {
            connections: self.clone(),
            address: visitor_address,
        })
    }

    /// Connections admitted now.
    pub fn count(&self) -> usize {
        self.total.load(Ordering::SeqCst)
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let c = &self.connections;
        if let Some(ip) = self.address {
            let mut per = c.per_address.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(n) = per.get_mut(&ip) {
                *n -= 1;
                if *n == 0 {
                    per.remove(&ip);
                }
            }
        }
        c.total.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_hold_and_slots_come_back() {
        let c = Connections::new(ConnectionLimits {
            most: 3,
            most_per_visitor_address: 2,
        });
        let a: IpAddr = "203.0.113.7".parse().unwrap();
        let b: IpAddr = "198.51.100.9".parse().unwrap();
        let v1 = c.admit(Some(a)).unwrap();
        let _v2 = c.admit(Some(a)).unwrap();
        assert_eq!(c.admit(Some(a)).err(), Some(Refusal::AddressFull));
        let _desk = c.admit(None).unwrap();
        assert_eq!(c.admit(Some(b)).err(), Some(Refusal::Full));
        drop(v1);
        assert_eq!(c.count(), 2);
        let _v3 = c.admit(Some(b)).unwrap();
        assert_eq!(c.count(), 3);
        assert!(c.per_address.lock().unwrap().len() == 2);
    }

    #[test]
    fn desks_keep_a_tenth_and_an_ipv6_host_counts_by_its_slash_64() {
        let c = Connections::new(ConnectionLimits {
            most: 20,
            most_per_visitor_address: 100,
        });
        let visitors: Vec<_> = (0..18u8)
            .map(|i| c.admit(Some(IpAddr::from([203, 0, 113, i]))).unwrap())
            .collect();
        assert_eq!(
            c.admit(Some("198.51.100.1".parse().unwrap())).err(),
            Some(Refusal::Full)
        );
        let _desks = (c.admit(None).unwrap(), c.admit(None).unwrap());
        assert_eq!(c.admit(None).err(), Some(Refusal::Full));
        drop(visitors);
        let c = Connections::new(ConnectionLimits {
            most: 100,
            most_per_visitor_address: 2,
        });
        let _a = c.admit(Some("2001:db8:1:2::1".parse().unwrap())).unwrap();
        let _b = c.admit(Some("2001:db8:1:2::2".parse().unwrap())).unwrap();
        assert_eq!(
            c.admit(Some("2001:db8:1:2::3".parse().unwrap())).err(),
            Some(Refusal::AddressFull)
        );
    }
}
