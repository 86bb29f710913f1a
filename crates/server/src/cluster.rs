//! Several hubs on one PostgreSQL database (issue 14, DESIGN §14): the shell that keeps this
//! node's share of the projects. Every [`TICK`], on its own thread, it beats its heartbeat,
//! forgets the writers that stopped (their project was taken over, or the writer failed) and
//! claims free projects up to its fair share: a claim is PostgreSQL's advisory lock
//! ([`Ownership`]), then the project's writer is started at the epoch won, loading the project
//! from the database (its timers and the clients' resumes with it). When the ownership
//! connection ends, every lock went with it: the node stops all its writers at once (their
//! commits would fail anyway) and starts again from nothing.
//!
//! A client reaching a node that does not own its project is proxied to the owner
//! ([`crate::gateway`]); where the owner is, is in `nodes` and `project_owners`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use crate::Hub;
use crate::store::ProjectId;
use crate::store::postgres::ownership::Ownership;

/// How often a node claims free projects and beats its heartbeat.
pub const TICK: Duration = Duration::from_millis(200);

pub struct Cluster {
    pub node: String,
    pub url: String,
    db: String,
    ownership: Mutex<Option<Ownership>>,
    /// Projects this node owns, with the epoch it won each at.
    owned: Mutex<HashMap<ProjectId, i64>>,
    /// A connection for looking owners up (the gateway's proxy), apart from the claims.
    lookups: Mutex<Option<Ownership>>,
    /// Whether this node sends the database's mails (one node does: PostgreSQL's lock).
    mailer: std::sync::atomic::AtomicBool,
}

/// How many projects a node should own: an even share, rounded up.
pub fn fair_share(projects: usize, live_nodes: usize) -> usize {
    projects.div_ceil(live_nodes.max(1))
}

impl Cluster {
    /// Registers this node and claims its first share before the hub serves anything.
    pub fn start(hub: &Arc<Hub>, db: &str, url: &str) -> anyhow::Result<Arc<Self>> {
        let node = uuid::Uuid::new_v4().to_string();
        let now = hub.clock.now();
        let cluster = Arc::new(Self {
            ownership: Mutex::new(Some(Ownership::connect(db, &node, url, now)?)),
            lookups: Mutex::new(Some(Ownership::connect_lookups(db, &node, url, now)?)),
            node,
            url: url.to_owned(),
            db: db.to_owned(),
            owned: Mutex::new(HashMap::new()),
            mailer: std::sync::atomic::AtomicBool::new(false),
        });
        cluster.tick(hub);
        let weak: Weak<Hub> = Arc::downgrade(hub);
        let c = cluster.clone();
        std::thread::Builder::new()
            .name("cluster".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(TICK);
                    let Some(hub) = weak.upgrade() else { break };
                    if *hub.shutdown_signal().borrow() {
                        break;
                    }
                    c.tick(&hub);
                }
            })?;
        tracing::info!(node = %cluster.node, url, "cluster node started");
        Ok(cluster)
    }

    /// Whether this node is the one that sends the mails.
    pub fn is_mailer(&self) -> bool {
        self.mailer.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The projects this node owns now.
    pub fn owned(&self) -> Vec<ProjectId> {
        let mut v: Vec<_> = self.owned.lock().expect("owned").keys().copied().collect();
        v.sort();
        v
    }

    /// Where the node owning `project` is reached (not this one), if any.
    pub fn owner_url(&self, project: ProjectId) -> Option<String> {
        let mut lookups = self.lookups.lock().expect("lookups");
        if lookups.as_ref().is_none_or(Ownership::is_closed) {
            *lookups =
                Ownership::connect_lookups(&self.db, &self.node, &self.url, crate::clock::now_ms())
                    .inspect_err(|e| tracing::warn!(error = %e, "cluster lookups: reconnecting"))
                    .ok();
        }
        match lookups.as_mut()?.owner_url(project) {
            // Never to itself (a node whose address is wrong would relay to itself for ever).
            Ok(Some((node, url))) if node != self.node && url != self.url => Some(url),
            Ok(_) => None,
            Err(e) => {
                tracing::warn!(error = %e, project, "looking up a project's owner");
                None
            }
        }
    }

    fn tick(&self, hub: &Hub) {
        let mut ownership = self.ownership.lock().expect("ownership");
        if ownership.as_ref().is_none_or(Ownership::is_closed) {
            self.lose_all(hub);
            match Ownership::connect(&self.db, &self.node, &self.url, hub.clock.now()) {
                Ok(o) => *ownership = Some(o),
                Err(e) => {
                    tracing::warn!(error = %e, "cluster: the ownership connection is down");
                    return;
                }
            }
        }
        let Some(o) = ownership.as_mut() else { return };
        if let Err(e) = self.claim(hub, o) {
            tracing::warn!(error = %e, "cluster: claiming projects");
            if o.is_closed() {
                self.lose_all(hub);
            }
        }
    }

    fn claim(&self, hub: &Hub, o: &mut Ownership) -> anyhow::Result<()> {
        let now = hub.clock.now();
        let live = o.heartbeat(now)?;
        // Advisory locks are re-entrant: the lock is only asked for while not held.
        if !self.is_mailer() && o.try_mailer()? {
            tracing::info!("cluster: this node sends the mails");
            self.mailer.store(true, std::sync::atomic::Ordering::SeqCst);
        }
        // Writers that stopped: their lock is given back (another node, or this one at its
        // next claim, loads the project again).
        let stopped: Vec<ProjectId> = self
            .owned
            .lock()
            .expect("owned")
            .keys()
            .copied()
            .filter(|p| hub.project(*p).is_none_or(|h| h.is_closed()))
            .collect();
        for p in stopped {
            tracing::warn!(
                project = p,
                "cluster: the project's writer stopped; giving it up"
            );
            hub.forget_project(p);
            self.owned.lock().expect("owned").remove(&p);
            o.release(p)?;
        }
        let projects = o.projects()?;
        let share = fair_share(projects.len(), live);
        // More than a fair share (nodes joined since): one is given up per tick; its clients
        // reconnect and are relayed to whichever node takes it.
        let extra = {
            let owned = self.owned.lock().expect("owned");
            (owned.len() > share)
                .then(|| owned.keys().max().copied())
                .flatten()
        };
        if let Some(p) = extra {
            tracing::info!(
                project = p,
                share,
                "cluster: more than a fair share; giving one up"
            );
            self.owned.lock().expect("owned").remove(&p);
            hub.stop_project(p);
            o.release(p)?;
            return Ok(());
        }
        for p in projects {
            if self.owned.lock().expect("owned").len() >= share {
                break;
            }
            if self.owned.lock().expect("owned").contains_key(&p) {
                continue;
            }
            let Some(epoch) = o.try_claim(p, now)? else {
                continue;
            };
            match hub.start_owned_project(p, epoch) {
                Ok(_) => {
                    tracing::info!(project = p, epoch, "cluster: project taken");
                    self.owned.lock().expect("owned").insert(p, epoch);
                }
                Err(e) => {
                    tracing::error!(project = p, error = %e, "cluster: starting a claimed project");
                    o.release(p)?;
                }
            }
        }
        Ok(())
    }

    /// The ownership connection ended: no lock is held any more.
    fn lose_all(&self, hub: &Hub) {
        self.mailer
            .store(false, std::sync::atomic::Ordering::SeqCst);
        let lost: Vec<ProjectId> = self
            .owned
            .lock()
            .expect("owned")
            .drain()
            .map(|(p, _)| p)
            .collect();
        for p in lost {
            tracing::warn!(
                project = p,
                "cluster: ownership lost; stopping the project's writer"
            );
            hub.stop_project(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fair_share_covers_every_project() {
        assert_eq!(fair_share(0, 3), 0);
        assert_eq!(fair_share(1, 3), 1);
        assert_eq!(fair_share(100, 3), 34);
        assert_eq!(fair_share(100, 1), 100);
        assert_eq!(fair_share(5, 0), 5);
        for projects in 0..50 {
            for nodes in 1..6 {
                assert!(fair_share(projects, nodes) * nodes >= projects);
            }
        }
    }
}
