//! Who owns which project when several hubs share one PostgreSQL database (DESIGN §14). A
//! node's ownership connection holds the advisory lock of each project it owns: PostgreSQL
//! releases them the moment that connection ends (the node killed, the connection cut), and
//! another node's next try wins. The winner moves the project's epoch in `project_owners`;
//! the writers' commits check it ([`super::PgStore::pooled_owned`]).

use super::*;

/// The first key of the projects' advisory locks (the second is the project's id).
const PROJECT_LOCKS: i32 = 0x7075_7069; // "pupi"

/// How a node's ownership connection is named in `pg_stat_activity`: the nodes alive are the
/// connections so named, as PostgreSQL sees them (a killed node's is gone at once).
const NODE_PREFIX: &str = "pupitre-node-";

pub struct Ownership {
    store: PgStore,
    node: String,
}

impl Ownership {
    /// Connects and registers this node (`url`: where the other nodes reach it). Its
    /// connection is the node's presence: PostgreSQL counts the nodes alive by it.
    pub fn connect(db: &str, node: &str, url: &str, now: Millis) -> Result<Self> {
        Self::connect_named(db, node, url, now, &format!("{NODE_PREFIX}{node}"))
    }

    /// A connection for looking owners up only: named apart, so that it never counts as the
    /// node being alive.
    pub fn connect_lookups(db: &str, node: &str, url: &str, now: Millis) -> Result<Self> {
        Self::connect_named(db, node, url, now, &format!("pupitre-lookups-{node}"))
    }

    fn connect_named(db: &str, node: &str, url: &str, now: Millis, name: &str) -> Result<Self> {
        let mut store = PgStore::connect_as(db, Some(name))?;
        // A claim waits for the commit in flight (its FOR SHARE), never for a stuck one.
        store.batch("SET lock_timeout = '5s'")?;
        store.execute(
            "INSERT INTO nodes (id, url, started_at, seen_at) VALUES ($1, $2, $3, $3)
             ON CONFLICT (id) DO UPDATE SET url = excluded.url, seen_at = excluded.seen_at",
            &[&node, &url, &now],
        )?;
        Ok(Self {
            store,
            node: node.to_owned(),
        })
    }

    /// Whether the connection (and with it every lock this node held) is gone.
    pub fn is_closed(&self) -> bool {
        self.store.is_closed()
    }

    /// This node is alive; how many nodes are (this one included): their ownership
    /// connections, as PostgreSQL sees them.
    pub fn heartbeat(&mut self, now: Millis) -> Result<usize> {
        self.store.execute(
            "UPDATE nodes SET seen_at = $2 WHERE id = $1",
            &[&self.node, &now],
        )?;
        let live: i64 = self
            .store
            .row(
                "SELECT COUNT(DISTINCT application_name) FROM pg_stat_activity
                 WHERE datname = current_database() AND application_name LIKE $1",
                &[&format!("{NODE_PREFIX}%")],
            )?
            .map(|r| r.try_get(0))
            .transpose()?
            .unwrap_or(1);
        Ok(usize::try_from(live).unwrap_or(1).max(1))
    }

    /// Every project of the database.
    pub fn projects(&mut self) -> Result<Vec<ProjectId>> {
        self.store
            .rows("SELECT id FROM projects ORDER BY id", &[])?
            .iter()
            .map(|r| Ok(r.try_get(0)?))
            .collect()
    }

    /// Takes `project` if no node holds it: its new epoch, or `None` (another node has it).
    pub fn try_claim(&mut self, project: ProjectId, now: Millis) -> Result<Option<i64>> {
        let key = lock_key(project)?;
        let won: bool = self
            .store
            .row(
                "SELECT pg_try_advisory_lock($1, $2)",
                &[&PROJECT_LOCKS, &key],
            )?
            .map(|r| r.try_get(0))
            .transpose()?
            .unwrap_or(false);
        if !won {
            return Ok(None);
        }
        let epoch = self
            .store
            .row(
                "INSERT INTO project_owners (project_id, node, epoch, since) VALUES ($1, $2, 1, $3)
                 ON CONFLICT (project_id) DO UPDATE
                   SET node = excluded.node, epoch = project_owners.epoch + 1, since = excluded.since
                 RETURNING epoch",
                &[&project, &self.node, &now],
            )?
            .map(|r| r.try_get(0))
            .transpose()?;
        match epoch {
            Some(epoch) => Ok(Some(epoch)),
            None => Err(failed("claiming a project returned no epoch")),
        }
    }

    /// Takes the mailer's part if no node has it (kept while this connection lives): whether
    /// this node holds it.
    pub fn try_mailer(&mut self) -> Result<bool> {
        // Key 0: no project has that id.
        Ok(self
            .store
            .row("SELECT pg_try_advisory_lock($1, 0)", &[&PROJECT_LOCKS])?
            .map(|r| r.try_get(0))
            .transpose()?
            .unwrap_or(false))
    }

    /// Gives `project` up (its writer stopped): another node may take it.
    pub fn release(&mut self, project: ProjectId) -> Result<()> {
        let key = lock_key(project)?;
        self.store
            .row("SELECT pg_advisory_unlock($1, $2)", &[&PROJECT_LOCKS, &key])?;
        Ok(())
    }

    /// Where the node that owns `project` is reached, if one does.
    pub fn owner_url(&mut self, project: ProjectId) -> Result<Option<(String, String)>> {
        self.store
            .row(
                "SELECT n.id, n.url FROM project_owners o JOIN nodes n ON n.id = o.node
                 WHERE o.project_id = $1",
                &[&project],
            )?
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .transpose()
    }
}

fn lock_key(project: ProjectId) -> Result<i32> {
    i32::try_from(project).map_err(|_| failed(format!("project id {project} is too large")))
}

/// The projects held this instant, as PostgreSQL's lock table says: `(project, the holding
/// node's url)`. Unlike `project_owners` (which still names a killed node until another takes
/// the project), only live sessions hold locks.
pub fn held(db: &str) -> Result<Vec<(ProjectId, String)>> {
    let mut store = PgStore::connect(db)?;
    store
        .rows(
            &format!(
                "SELECT l.objid::bigint, n.url FROM pg_locks l
                 JOIN pg_stat_activity a ON a.pid = l.pid
                 JOIN nodes n ON a.application_name = '{NODE_PREFIX}' || n.id
                 WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
                   AND l.classid = {PROJECT_LOCKS} AND l.objid <> 0
                 ORDER BY 1"
            ),
            &[],
        )?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

/// Every project's owner as the database says: `(project, the owner's url, epoch)` (tests,
/// `make cluster`).
pub fn owners(db: &str) -> Result<Vec<(ProjectId, String, i64)>> {
    let mut store = PgStore::connect(db)?;
    store
        .rows(
            "SELECT o.project_id, n.url, o.epoch FROM project_owners o JOIN nodes n ON n.id = o.node
             ORDER BY o.project_id",
            &[],
        )?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect()
}
