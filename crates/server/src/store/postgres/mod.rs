//! The PostgreSQL backend (DESIGN.md §6, §14): the same [`Store`] as SQLite, for several hub
//! nodes sharing one database.
//!
//! The store is synchronous (the project writer is a thread of its own; the HTTP side calls it
//! briefly from async handlers), the driver is `tokio-postgres`. Each connection's socket is
//! driven by a small runtime of the store's own ([`DRIVER`], one thread), and a call waits for
//! its answer with a plain executor: no runtime is started inside the caller's (which the
//! `postgres` crate would do, and panic in an async handler).
//!
//! A node's project writers share a few connections ([`Pool`]): a store takes one
//! for a call, or for the length of a transaction, and gives it back. A few connections serve
//! hundreds of projects (one each would meet PostgreSQL's `max_connections`, 100 by default,
//! at about 90 projects). The HTTP side's connection, the ownership connection (its session
//! holds the advisory locks) and the tools' connections are their own ([`PgStore::connect`]).
//!
//! Files: this one holds the connections, their prepared statements and transactions;
//! [`schema`] the migrations; `read.rs` the [`StoreRead`] side; `write.rs` the [`Store`] side;
//! `stats.rs` D15's figures.

pub mod ownership;
mod read;
pub mod schema;
mod stats;
mod write;

use std::sync::LazyLock;
use std::time::Duration;

use deadpool_postgres::{ClientWrapper, Manager, ManagerConfig, Object, RecyclingMethod, Runtime};
use futures_executor::block_on;
use tokio_postgres::types::ToSql;
use tokio_postgres::{NoTls, Row};

use super::*;

/// The runtime that drives every PostgreSQL connection's socket: one thread, whatever the
/// number of connections (each writer and the HTTP side have one).
static DRIVER: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("pupitre-pg")
        .enable_all()
        .build()
        .expect("starting the PostgreSQL driver's thread")
});

/// Whether `location` (a `--db` value or `[store] url`) names a PostgreSQL database.
pub fn is_url(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

// The driver's errors become the store's backend-neutral one here, and only here.
impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        StoreError::Backend(Box::new(e))
    }
}

/// A failure of the store itself, not of the database (a connection that could not start).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Failed(String);

fn failed(why: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(Box::new(Failed(why.to_string())))
}

pub type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// A node's shared connections (`store.connections` of them at most). Cheap to clone.
#[derive(Clone)]
pub struct Pool(deadpool_postgres::Pool);

/// How long a call waits for a free connection of the pool before it fails.
const POOL_WAIT: Duration = Duration::from_secs(10);

impl Pool {
    /// Brings the schema to this release's (on a connection of its own), then opens up to
    /// `size` connections as they are needed.
    pub fn connect(url: &str, size: usize) -> Result<Self> {
        drop(PgStore::connect(url)?);
        let manager = Manager::from_config(
            config(url, None)?,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = deadpool_postgres::Pool::builder(manager)
            .max_size(size.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(POOL_WAIT))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .build()
            .map_err(failed)?;
        Ok(Self(pool))
    }

    fn get(&self) -> Result<Object> {
        // The pool's timers and new connections' tasks are the driver's. Unconstrained: the
        // pool waits on a tokio semaphore, and a caller inside a tokio task (the hub's start,
        // an HTTP handler) that spent its cooperative budget would otherwise see it answer
        // "not yet" for ever, this thread never yielding to refill it (a busy loop, seen).
        let _driver = DRIVER.enter();
        block_on(tokio::task::unconstrained(self.0.get())).map_err(|e| match e {
            deadpool_postgres::PoolError::Backend(e) => StoreError::from(e),
            e => failed(format!("a connection to PostgreSQL: {e}")),
        })
    }

    /// Connections open now, and how many of them are in use.
    pub fn status(&self) -> (usize, usize) {
        let s = self.0.status();
        (s.size, s.size.saturating_sub(s.available))
    }
}

/// Where a store's statements go.
enum Session {
    /// A connection of its own (the ownership locks, migrations, the tools).
    Own(ClientWrapper),
    /// The node's pool: a connection taken for each call, kept while a transaction is open.
    Pooled { pool: Pool, held: Option<Object> },
}

pub struct PgStore {
    session: Session,
    /// Transactions open on this connection: 0 none, 1 a transaction, more: savepoints in it.
    depth: u32,
    /// A project writer's connection on a cluster: the project and the epoch its node won;
    /// every commit checks it is still the project's (`project_owners`).
    owner: Option<(ProjectId, i64)>,
}

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Connects to `url` without touching the schema.
fn connect_only(url: &str) -> Result<ClientWrapper> {
    connect_as(url, None)
}

/// How every connection to `url` is made: named `application_name` in `pg_stat_activity` if
/// given.
fn config(url: &str, application_name: Option<&str>) -> Result<tokio_postgres::Config> {
    let mut config: tokio_postgres::Config = url
        .parse()
        .map_err(|e| failed(format!("the PostgreSQL address {url:?}: {e}")))?;
    if let Some(name) = application_name {
        config.application_name(name);
    }
    // A server gone without a word (a machine off, a partition) must not hold a writer, or
    // a node's locks, for the hours TCP would wait: keepalives on both sides, bounded waits.
    config
        .connect_timeout(CONNECT_TIMEOUT)
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(10))
        .keepalives_interval(Duration::from_secs(2))
        .keepalives_retries(3)
        .tcp_user_timeout(Duration::from_secs(15))
        .options(
            "-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=2 -c tcp_keepalives_count=3 \
             -c tcp_user_timeout=15000 -c idle_in_transaction_session_timeout=60000",
        );
    Ok(config)
}

/// A connection of its own to `url`, named `application_name` in `pg_stat_activity` if given.
fn connect_as(url: &str, application_name: Option<&str>) -> Result<ClientWrapper> {
    let config = config(url, application_name)?;
    block_on(DRIVER.spawn(async move {
        let (client, connection) = config.connect(NoTls).await?;
        let task = tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!(error = %e, "a PostgreSQL connection ended");
            }
        });
        Ok::<_, tokio_postgres::Error>(ClientWrapper::new(client, task))
    }))
    .map_err(failed)?
    .map_err(StoreError::from)
}

/// Runs `sql` (statements without parameters) on `url`: set-up outside the store (making a
/// database, a test cutting connections).
pub fn run_sql(url: &str, sql: &str) -> Result<()> {
    let client = connect_only(url)?;
    Ok(block_on(client.batch_execute(sql))?)
}

impl PgStore {
    /// Connects to `url` (`postgres://user@host:port/db`, or a socket folder in `host=`) and
    /// brings the schema to this release's (under a lock: nodes starting together migrate once).
    pub fn connect(url: &str) -> Result<Self> {
        Self::connect_as(url, None)
    }

    /// As [`PgStore::connect`], the connection named `application_name` for the server.
    pub fn connect_as(url: &str, application_name: Option<&str>) -> Result<Self> {
        let client = connect_as(url, application_name)?;
        let mut store = Self {
            session: Session::Own(client),
            depth: 0,
            owner: None,
        };
        schema::migrate(&mut store)?;
        Ok(store)
    }

    /// A store on the node's shared connections (the schema is the pool's: migrated).
    pub fn pooled(pool: &Pool) -> Self {
        Self {
            session: Session::Pooled {
                pool: pool.clone(),
                held: None,
            },
            depth: 0,
            owner: None,
        }
    }

    /// The writer of `project` on the node's shared connections, owned by this node at
    /// `epoch`: its commits fail with [`StoreError::NotOwner`] once another node has taken
    /// the project over.
    pub fn pooled_owned(pool: &Pool, project: ProjectId, epoch: i64) -> Self {
        let mut store = Self::pooled(pool);
        store.owner = Some((project, epoch));
        store
    }

    /// A connection for the writer of `project`, owned by this node at `epoch`: its commits
    /// fail with [`StoreError::NotOwner`] once another node has taken the project over.
    pub fn connect_owned(url: &str, project: ProjectId, epoch: i64) -> Result<Self> {
        let mut store = Self::connect(url)?;
        store.owner = Some((project, epoch));
        Ok(store)
    }

    /// Inside a commit's transaction: whether this node still owns the project. FOR SHARE: a
    /// takeover (which moves the epoch) waits for this commit to end, and is seen by the next.
    fn check_owner(&mut self, project_id: ProjectId) -> Result<()> {
        let Some((project, epoch)) = self.owner else {
            return Ok(());
        };
        if project != project_id {
            return Err(StoreError::NotOwner(project_id));
        }
        let current: Option<i64> = self
            .row(
                "SELECT epoch FROM project_owners WHERE project_id = $1 FOR SHARE",
                &[&project],
            )?
            .map(|r| r.try_get(0))
            .transpose()?;
        if current == Some(epoch) {
            Ok(())
        } else {
            Err(StoreError::NotOwner(project))
        }
    }

    /// Whether the connection to the server is gone (the store must be opened again). A
    /// pooled store never is: its next call takes a working connection.
    pub fn is_closed(&self) -> bool {
        match &self.session {
            Session::Own(c) => c.is_closed(),
            Session::Pooled { .. } => false,
        }
    }

    /// The connection for the next statement: a pooled store takes one if it holds none.
    fn client(&mut self) -> Result<&ClientWrapper> {
        match &mut self.session {
            Session::Own(c) => Ok(c),
            Session::Pooled { pool, held } => {
                if held.is_none() {
                    *held = Some(pool.get()?);
                }
                Ok(held.as_deref().expect("just taken"))
            }
        }
    }

    /// After a statement: outside a transaction, a pooled connection goes back at once (a
    /// broken one is dropped there, and the pool opens another).
    fn done(&mut self) {
        if self.depth == 0
            && let Session::Pooled { held, .. } = &mut self.session
        {
            *held = None;
        }
    }

    /// Every row `sql` returns.
    pub(crate) fn rows(&mut self, sql: &str, params: Params<'_>) -> Result<Vec<Row>> {
        let c = self.client()?;
        let out = block_on(async {
            let s = c.prepare_cached(sql).await?;
            c.query(&s, params).await
        });
        self.done();
        Ok(out?)
    }

    /// The row `sql` returns, if one.
    pub(crate) fn row(&mut self, sql: &str, params: Params<'_>) -> Result<Option<Row>> {
        let c = self.client()?;
        let out = block_on(async {
            let s = c.prepare_cached(sql).await?;
            c.query_opt(&s, params).await
        });
        self.done();
        Ok(out?)
    }

    /// Runs `sql`; how many rows it changed.
    pub(crate) fn execute(&mut self, sql: &str, params: Params<'_>) -> Result<u64> {
        let c = self.client()?;
        let out = block_on(async {
            let s = c.prepare_cached(sql).await?;
            c.execute(&s, params).await
        });
        self.done();
        Ok(out?)
    }

    /// Runs statements without parameters (transaction control, the schema).
    pub(crate) fn batch(&mut self, sql: &str) -> Result<()> {
        let c = self.client()?;
        let out = block_on(c.batch_execute(sql));
        self.done();
        Ok(out?)
    }

    /// Opens a transaction, or a savepoint inside the one open.
    pub(crate) fn begin(&mut self) -> Result<()> {
        let sql = match self.depth {
            0 => "BEGIN".to_owned(),
            d => format!("SAVEPOINT s{d}"),
        };
        // Counted first: a pooled connection is kept from the BEGIN on.
        self.depth += 1;
        if let Err(e) = self.batch(&sql) {
            self.depth -= 1;
            self.done();
            return Err(e);
        }
        Ok(())
    }

    /// Commits what [`Self::begin`] opened.
    pub(crate) fn commit_open(&mut self) -> Result<()> {
        let sql = match self.depth {
            0 => return Err(failed("a commit without a transaction")),
            1 => "COMMIT".to_owned(),
            d => format!("RELEASE SAVEPOINT s{}", d - 1),
        };
        // Whatever happens, that level is closed: a failed COMMIT ends the transaction.
        self.depth -= 1;
        if let Err(e) = self.batch(&sql) {
            if self.depth > 0 {
                let _ = self.batch(&format!("ROLLBACK TO SAVEPOINT s{}", self.depth));
            }
            return Err(e);
        }
        Ok(())
    }

    /// Undoes what [`Self::begin`] opened.
    pub(crate) fn rollback_open(&mut self) -> Result<()> {
        let sql = match self.depth {
            0 => return Ok(()),
            1 => "ROLLBACK".to_owned(),
            d => format!("ROLLBACK TO SAVEPOINT s{}", d - 1),
        };
        self.depth -= 1;
        self.batch(&sql)
    }

    /// Ends a transaction left open by a failure (a panic inside a change) before `what`
    /// begins: it ends here rather than holding its locks for ever, or swallowing the next
    /// change into itself.
    pub(crate) fn end_left_open(&mut self, what: &str) -> Result<()> {
        if self.depth > 0 {
            tracing::error!("{what} found a transaction still open; rolling it back");
            // Every level: the savepoints go with the transaction.
            self.depth = 0;
            self.batch("ROLLBACK")?;
        }
        Ok(())
    }

    /// Runs `f` atomically: in a transaction of its own, or in a savepoint of the one open
    /// (an audited change). Undone, all of it, when `f` fails.
    pub(crate) fn atomically<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        self.begin()?;
        match f(self) {
            Ok(v) => {
                self.commit_open()?;
                Ok(v)
            }
            Err(e) => {
                if let Err(undo) = self.rollback_open() {
                    tracing::warn!(error = %undo, "undoing a failed change");
                }
                Err(e)
            }
        }
    }
}

impl Drop for PgStore {
    /// A pooled connection dropped inside a transaction (a writer that panicked) is closed,
    /// never given back with the transaction open.
    fn drop(&mut self) {
        if self.depth > 0
            && let Session::Pooled { held, .. } = &mut self.session
            && let Some(conn) = held.take()
        {
            drop(Object::take(conn));
        }
    }
}

/// A JSON column (stored as text, as SQLite does: payloads are sent as they are stored).
pub(crate) fn json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    Ok(serde_json::from_str(text)?)
}

/// An unsigned count stored as BIGINT (PostgreSQL has no unsigned type).
pub(crate) fn count(v: i64) -> u32 {
    u32::try_from(v.max(0)).unwrap_or(u32::MAX)
}
