//! Growing delays after wrong passwords (issue 9). Pure: the caller gives the time.
//!
//! Two counts of recent failures, each forgotten [`FORGET_AFTER_MS`] after its last failure:
//! - per client address (an IPv6 address counts by its /64, which one host usually holds
//!   whole): [`FREE_PER_ADDRESS`] failures are free, then each one closes the address for a
//!   delay that doubles, up to [`MOST_DELAY_MS`];
//! - per account *and* address: [`FREE_PER_ACCOUNT`] free, then the same doubling.
//!
//! An account is never throttled on its own: a stranger guessing an agent's password from
//! elsewhere slows down only themselves, and the agent still logs in at once from their own
//! address. A success clears the account's count at that address. The tables are bounded
//! ([`MOST_ENTRIES`]); when full, forgotten entries go first, then the oldest.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;

pub const FREE_PER_ADDRESS: u32 = 20;
pub const FREE_PER_ACCOUNT: u32 = 5;
/// The first delay once the free failures are spent; it doubles with each further failure.
pub const FIRST_DELAY_MS: i64 = 1_000;
pub const MOST_DELAY_MS: i64 = 5 * 60_000;
pub const FORGET_AFTER_MS: i64 = 15 * 60_000;
pub const MOST_ENTRIES: usize = 100_000;
/// Logins of one address checked or waiting at once: the counts above only learn of a failure
/// once its check ends, so without this a burst would pass them all at once.
pub const MOST_IN_FLIGHT_PER_ADDRESS: u32 = 4;

#[derive(Debug, Clone, Copy)]
struct Strikes {
    failures: u32,
    last_ms: i64,
    closed_until_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Go,
    /// Come back in this many milliseconds.
    Wait(i64),
}

struct Table<K> {
    free: u32,
    entries: HashMap<K, Strikes>,
    /// New keys since the last sweep of forgotten entries.
    since_sweep: usize,
}

/// Forgotten entries are swept after this many new keys (amortized: memory follows the
/// failures of the last [`FORGET_AFTER_MS`], not of all time).
const SWEEP_EVERY: usize = 4096;

impl<K: Hash + Eq + Clone> Table<K> {
    fn new(free: u32) -> Self {
        Self {
            free,
            entries: HashMap::new(),
            since_sweep: 0,
        }
    }

    fn wait(&self, now_ms: i64, key: &K) -> i64 {
        self.entries
            .get(key)
            .filter(|s| now_ms - s.last_ms < FORGET_AFTER_MS)
            .map_or(0, |s| (s.closed_until_ms - now_ms).max(0))
    }

    fn fail(&mut self, now_ms: i64, key: &K) {
        if !self.entries.contains_key(key) {
            self.since_sweep += 1;
            if self.since_sweep >= SWEEP_EVERY {
                self.since_sweep = 0;
                self.entries
                    .retain(|_, s| now_ms - s.last_ms < FORGET_AFTER_MS);
            }
            if self.entries.len() >= MOST_ENTRIES {
                self.make_room(now_ms);
            }
        }
        let strikes = self.entries.entry(key.clone()).or_insert(Strikes {
            failures: 0,
            last_ms: now_ms,
            closed_until_ms: now_ms,
        });
        if now_ms - strikes.last_ms >= FORGET_AFTER_MS {
            strikes.failures = 0;
        }
        strikes.failures += 1;
        strikes.last_ms = now_ms;
        if let Some(beyond) = strikes.failures.checked_sub(self.free + 1) {
            let delay = FIRST_DELAY_MS
                .saturating_mul(1_i64 << beyond.min(20))
                .min(MOST_DELAY_MS);
            strikes.closed_until_ms = now_ms + delay;
        }
    }

    fn clear(&mut self, key: &K) {
        self.entries.remove(key);
    }

    fn make_room(&mut self, now_ms: i64) {
        self.entries
            .retain(|_, s| now_ms - s.last_ms < FORGET_AFTER_MS);
        if self.entries.len() >= MOST_ENTRIES
            && let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, s)| s.last_ms)
                .map(|(k, _)| k.clone())
        {
            self.entries.remove(&oldest);
        }
    }
}

/// The address a client is counted by: itself for IPv4, its /64 for IPv6 (one host usually
/// holds a whole /64, and could rotate through it). Also used by the connection caps.
pub fn counted(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::from([s[0], s[1], s[2], s[3], 0, 0, 0, 0])
            }
        },
    }
}

pub struct LoginThrottle {
    by_address: Table<IpAddr>,
    by_account: Table<(String, IpAddr)>,
    /// Logins of each address being checked or waiting now (bounded by the password gate).
    in_flight: HashMap<IpAddr, u32>,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self {
            by_address: Table::new(FREE_PER_ADDRESS),
            by_account: Table::new(FREE_PER_ACCOUNT),
            in_flight: HashMap::new(),
        }
    }
}

impl LoginThrottle {
    /// May this address try this account now? (`account` as typed: trimmed, lower-cased.)
    pub fn check(&self, now_ms: i64, ip: IpAddr, account: &str) -> Verdict {
        let ip = counted(ip);
        let wait = self
            .by_address
            .wait(now_ms, &ip)
            .max(self.by_account.wait(now_ms, &(account.to_owned(), ip)));
        if wait > 0 {
            Verdict::Wait(wait)
        } else {
            Verdict::Go
        }
    }

    /// A login of this address starts its check; returns its rank for the password gate
    /// (lower first): the address's recent failures plus its logins already in flight, so
    /// neither a guessing run nor a burst of concurrent tries goes ahead of a clean address.
    /// Call [`LoginThrottle::end`] when it ends, however it ends. `None`: the address has
    /// [`MOST_IN_FLIGHT_PER_ADDRESS`] logins under way already (nothing was counted).
    pub fn begin(&mut self, now_ms: i64, ip: IpAddr) -> Option<u32> {
        let ip = counted(ip);
        let failures = self
            .by_address
            .entries
            .get(&ip)
            .filter(|s| now_ms - s.last_ms < FORGET_AFTER_MS)
            .map_or(0, |s| s.failures);
        let in_flight = self.in_flight.entry(ip).or_default();
        if *in_flight >= MOST_IN_FLIGHT_PER_ADDRESS {
            return None;
        }
        *in_flight += 1;
        Some(failures.saturating_add(*in_flight - 1))
    }

    pub fn end(&mut self, ip: IpAddr) {
        let ip = counted(ip);
        if let Some(n) = self.in_flight.get_mut(&ip) {
            *n -= 1;
            if *n == 0 {
                self.in_flight.remove(&ip);
            }
        }
    }

    pub fn failed(&mut self, now_ms: i64, ip: IpAddr, account: &str) {
        let ip = counted(ip);
        self.by_address.fail(now_ms, &ip);
        self.by_account.fail(now_ms, &(account.to_owned(), ip));
    }

    /// The right password: this account starts afresh at this address (the address's count
    /// stays, so one known account does not launder a guessing run).
    pub fn succeeded(&mut self, ip: IpAddr, account: &str) {
        self.by_account.clear(&(account.to_owned(), counted(ip)));
    }

    /// Entries held (for the bound's test and a metric).
    pub fn len(&self) -> usize {
        self.by_address.entries.len() + self.by_account.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn free_failures_then_delays_that_double_up_to_the_most() {
        let mut t = LoginThrottle::default();
        let me = ip("203.0.113.7");
        for _ in 0..FREE_PER_ACCOUNT {
            assert_eq!(t.check(0, me, "a@x"), Verdict::Go);
            t.failed(0, me, "a@x");
        }
        assert_eq!(
            t.check(0, me, "a@x"),
            Verdict::Go,
            "the free ones are spent"
        );
        t.failed(0, me, "a@x");
        assert_eq!(t.check(0, me, "a@x"), Verdict::Wait(1_000));
        assert_eq!(t.check(1_000, me, "a@x"), Verdict::Go);
        t.failed(1_000, me, "a@x");
        assert_eq!(t.check(1_000, me, "a@x"), Verdict::Wait(2_000));
        let mut now = 1_000;
        for _ in 0..30 {
            now += 1_000;
            t.failed(now, me, "a@x");
        }
        assert_eq!(t.check(now, me, "a@x"), Verdict::Wait(MOST_DELAY_MS));
        assert_eq!(
            t.check(now + MOST_DELAY_MS, me, "a@x"),
            Verdict::Go,
            "never closed for good"
        );
    }

    #[test]
    fn a_stranger_elsewhere_never_locks_the_agent_out() {
        let mut t = LoginThrottle::default();
        let stranger = ip("198.51.100.9");
        for i in 0..1_000 {
            t.failed(i, stranger, "agent@brand");
        }
        assert!(matches!(
            t.check(1_000, stranger, "agent@brand"),
            Verdict::Wait(_)
        ));
        assert_eq!(
            t.check(1_000, ip("203.0.113.7"), "agent@brand"),
            Verdict::Go
        );
    }

    #[test]
    fn an_address_guessing_many_accounts_is_slowed_too() {
        let mut t = LoginThrottle::default();
        let me = ip("203.0.113.7");
        for i in 0..=FREE_PER_ADDRESS {
            t.failed(0, me, &format!("user{i}@x"));
        }
        assert!(matches!(t.check(0, me, "someone-new@x"), Verdict::Wait(_)));
    }

    #[test]
    fn an_ipv6_host_counts_by_its_slash_64() {
        let mut t = LoginThrottle::default();
        for i in 0..=FREE_PER_ADDRESS {
            t.failed(0, ip(&format!("2001:db8:1:2::{:x}", i + 1)), "a@x");
        }
        assert!(matches!(
            t.check(0, ip("2001:db8:1:2::ffff"), "b@x"),
            Verdict::Wait(_)
        ));
        assert_eq!(t.check(0, ip("2001:db8:1:3::1"), "b@x"), Verdict::Go);
    }

    #[test]
    fn a_success_clears_the_account_and_failures_are_forgotten() {
        let mut t = LoginThrottle::default();
        let me = ip("203.0.113.7");
        for _ in 0..=FREE_PER_ACCOUNT {
            t.failed(0, me, "a@x");
        }
        assert!(matches!(t.check(0, me, "a@x"), Verdict::Wait(_)));
        t.succeeded(me, "a@x");
        assert_eq!(t.check(0, me, "a@x"), Verdict::Go);
        for _ in 0..=FREE_PER_ACCOUNT {
            t.failed(0, me, "b@x");
        }
        t.failed(FORGET_AFTER_MS + 1, me, "b@x");
        assert_eq!(
            t.check(FORGET_AFTER_MS + 1, me, "b@x"),
            Verdict::Go,
            "a fresh count"
        );
    }

    #[test]
    fn concurrent_tries_and_failures_rank_an_address_behind_a_clean_one() {
        let mut t = LoginThrottle::default();
        let (flood, agent) = (ip("198.51.100.9"), ip("203.0.113.7"));
        assert_eq!(t.begin(0, flood), Some(0));
        assert_eq!(t.begin(0, flood), Some(1));
        t.failed(0, flood, "x@y");
        assert_eq!(t.begin(0, flood), Some(3));
        assert_eq!(t.begin(0, agent), Some(0));
        assert_eq!(t.begin(0, flood), Some(4));
        assert_eq!(t.begin(0, flood), None, "a burst waits its turn");
        for _ in 0..4 {
            t.end(flood);
        }
        t.end(agent);
        assert_eq!(t.begin(0, flood), Some(1), "one failure, nothing in flight");
        t.end(flood);
        assert!(t.in_flight.is_empty());
    }

    #[test]
    fn forgotten_entries_are_swept_as_new_ones_come() {
        let mut t = LoginThrottle::default();
        for i in 0..5_000u32 {
            t.failed(0, IpAddr::from(i.to_be_bytes()), "a@x");
        }
        let later = FORGET_AFTER_MS + 1;
        for i in 0..(SWEEP_EVERY as u32) {
            t.failed(later, IpAddr::from((1_000_000 + i).to_be_bytes()), "a@x");
        }
        assert!(t.len() <= 2 * SWEEP_EVERY + 2, "{}", t.len());
    }

    #[test]
    fn the_tables_stay_bounded() {
        let mut t = LoginThrottle::default();
        for i in 0..(MOST_ENTRIES as u32 + 10) {
            t.failed(i64::from(i), IpAddr::from(i.to_be_bytes()), "a@x");
        }
        assert!(t.len() <= 2 * MOST_ENTRIES);
    }
}
