//! The PostgreSQL schema: its own migrations (`migrations/postgres/`), the version kept in
//! `schema_version`. Nodes starting together migrate once: the first takes a transaction-wide
//! advisory lock, the others wait for it and find the schema done.

use super::{PgStore, Result, failed};

/// One file per release that changed the schema. Append only: a released one is never edited.
const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/postgres/001_initial.sql"),
    include_str!("../../../migrations/postgres/002_cluster.sql"),
    include_str!("../../../migrations/postgres/003_backstops.sql"),
];

/// This release's schema version on PostgreSQL.
pub const LATEST: usize = MIGRATIONS.len();

/// The advisory lock key under which migrations run ("pupitre" in ASCII, folded).
const MIGRATION_LOCK: i64 = 0x0070_7570_6974_7265;

pub(super) fn migrate(store: &mut PgStore) -> Result<()> {
    store.atomically(|s| {
        s.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
        // "Already exists, skipping" is no news on every connection after the first.
        s.batch("SET LOCAL client_min_messages = warning")?;
        s.batch("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")?;
        let version: i64 = s
            .row("SELECT COALESCE(MAX(version), 0) FROM schema_version", &[])?
            .map(|r| r.get(0))
            .unwrap_or(0);
        let version = usize::try_from(version).unwrap_or(0);
        if version > LATEST {
            return Err(failed(format!(
                "the database's schema ({version}) is newer than this release's ({LATEST}): \
                 run the release that made it"
            )));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
            s.batch(sql)?;
            s.execute(
                "INSERT INTO schema_version (version) VALUES ($1)",
                &[&(i as i64 + 1)],
            )?;
        }
        Ok(())
    })
}
