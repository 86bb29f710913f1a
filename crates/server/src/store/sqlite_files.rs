//! The SQLite database as a file an operator handles (issue 13): a consistent copy of a running
//! hub's database, the checks a copy passes before it is installed, its installation, the
//! backup taken before an upgrade migrates it, and the lock that keeps one hub per file.
//!
//! A copy is SQLite's online backup in one step: one read transaction over the whole file, so
//! it holds exactly what was committed when it began (every acknowledged message: R12 commits
//! before it acknowledges) and the hub goes on writing meanwhile (WAL: readers never block the
//! writer). The copy is a single file (rollback journal), checked before it is called done.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

pub use super::sqlite::LATEST_SCHEMA;
use super::sqlite::schema_version;

/// What a database file holds, as its checks found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// Its schema version (the migrations applied; 0: an empty file).
    pub schema: usize,
    pub projects: i64,
    pub conversations: i64,
    pub messages: i64,
    pub bytes: u64,
}

/// Why a file cannot be used as a hub's database.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("{0}: {1}")]
    Sqlite(PathBuf, rusqlite::Error),
    #[error("{0} is not a Pupitre database ({1})")]
    NotOurs(PathBuf, String),
    #[error(
        "{0} was made by a newer Pupitre (schema {1}; this release knows up to {LATEST_SCHEMA}): \
         install that release again, or restore a backup made by this one"
    )]
    TooNew(PathBuf, usize),
    #[error("{0} is damaged: {1}")]
    Damaged(PathBuf, String),
    #[error(
        "a hub is running on {0} (its lock {1} is held): stop it first (`systemctl stop pupitre`)"
    )]
    InUse(PathBuf, PathBuf),
}

type Result<T> = std::result::Result<T, FileError>;

fn sqlite(path: &Path) -> impl Fn(rusqlite::Error) -> FileError + '_ {
    move |e| FileError::Sqlite(path.to_owned(), e)
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> FileError + '_ {
    move |e| FileError::Io(path.to_owned(), e)
}

/// Copies the database at `db` (a running hub's, or not) to `to`, consistently, then checks the
/// copy. `to` must not exist: a backup never overwrites anything.
pub fn backup(db: &Path, to: &Path) -> Result<Checked> {
    if !db.exists() {
        return Err(FileError::Io(
            db.to_owned(),
            std::io::Error::new(std::io::ErrorKind::NotFound, "no database here"),
        ));
    }
    let source =
        Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(sqlite(db))?;
    source
        .busy_timeout(std::time::Duration::from_secs(30))
        .map_err(sqlite(db))?;
    // Created here, exclusively: an existing file is an error, not overwritten.
    let partial = partial_name(to);
    // The copy holds every conversation: readable by its owner only, whatever the umask.
    private_file(to, true)?;
    let _ = std::fs::remove_file(&partial);
    private_file(&partial, false)?;
    let copied = (|| {
        let mut target = Connection::open(&partial).map_err(sqlite(&partial))?;
        {
            let copy =
                rusqlite::backup::Backup::new(&source, &mut target).map_err(sqlite(&partial))?;
            // -1: every page in one step, under one read transaction of the source (in steps,
            // each of the hub's commits would restart the copy).
            use rusqlite::backup::StepResult;
            let mut waited = 0;
            loop {
                match copy.step(-1).map_err(sqlite(&partial))? {
                    StepResult::Done => break,
                    StepResult::More => {}
                    // A lock held for a moment (a checkpoint): wait, up to 30 s.
                    _ if waited < 300 => {
                        waited += 1;
                        std::thread::sleep(std::time::Duration::from_millis(100));
                    }
                    _ => {
                        return Err(FileError::Sqlite(
                            db.to_owned(),
                            rusqlite::Error::SqliteFailure(
                                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                                Some("the database stayed locked for 30 s".into()),
                            ),
                        ));
                    }
                }
            }
        }
        target
            .pragma_update(None, "journal_mode", "DELETE")
            .map_err(sqlite(&partial))?;
        drop(target);
        sync(&partial)?;
        let checked = check(&partial)?;
        std::fs::rename(&partial, to).map_err(io(to))?;
        sync_parent(to)?;
        Ok(checked)
    })();
    if copied.is_err() {
        let _ = std::fs::remove_file(&partial);
        let _ = std::fs::remove_file(to);
    }
    copied
}

/// The checks a copy passes before a hub may run on it: SQLite's integrity and foreign-key
/// checks, a schema this release knows, Pupitre's tables.
pub fn check(file: &Path) -> Result<Checked> {
    let bytes = std::fs::metadata(file).map_err(io(file))?.len();
    let conn = Connection::open_with_flags(file, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(sqlite(file))?;
    let integrity: String = conn
        .query_row("PRAGMA integrity_check(20)", [], |r| r.get(0))
        .map_err(|e| match e {
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::NotADatabase => {
                FileError::NotOurs(file.to_owned(), "not an SQLite database".into())
            }
            e => FileError::Sqlite(file.to_owned(), e),
        })?;
    if integrity != "ok" {
        return Err(FileError::Damaged(file.to_owned(), integrity));
    }
    let schema = schema_version(&conn).map_err(sqlite(file))?;
    if schema > LATEST_SCHEMA {
        return Err(FileError::TooNew(file.to_owned(), schema));
    }
    let has = |table: &str| -> Result<bool> {
        conn.query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?",
            [table],
            |r| r.get::<_, i64>(0),
        )
        .map(|n| n > 0)
        .map_err(sqlite(file))
    };
    if schema == 0 || !has("projects")? || !has("messages")? {
        return Err(FileError::NotOurs(
            file.to_owned(),
            "no Pupitre tables in it".into(),
        ));
    }
    let orphans: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .map_err(sqlite(file))?;
    if orphans > 0 {
        return Err(FileError::Damaged(
            file.to_owned(),
            format!("{orphans} rows point at nothing"),
        ));
    }
    let count = |table: &str| -> Result<i64> {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .map_err(sqlite(file))
    };
    Ok(Checked {
        schema,
        projects: count("projects")?,
        conversations: count("conversations")?,
        messages: count("messages")?,
        bytes,
    })
}

/// What [`restore`] did.
#[derive(Debug)]
pub struct Restored {
    pub checked: Checked,
    /// The database that was there, copied aside first (none when there was none).
    pub previous: Option<PathBuf>,
}

/// Installs the copy `from` as the database `db`, the hub being stopped: checks the copy, moves
/// the current database aside with its journal (`<db>.before-restore-<stamp>`, `…-wal`: nothing
/// is ever lost by a restore, and a damaged database can be restored over), then puts the copy
/// in place atomically, owned as the current one was.
pub fn restore(from: &Path, db: &Path, stamp: &str) -> Result<Restored> {
    let _lock = HubLock::take(db)?;
    let checked = check(from)?;
    let incoming = partial_name(db);
    std::fs::copy(from, &incoming).map_err(io(&incoming))?;
    sync(&incoming)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        // Run as root for a service's database: the file stays the service user's (the old
        // database's owner, or the folder's on a machine that had none).
        let folder = db
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if let Ok(meta) = std::fs::metadata(db).or_else(|_| std::fs::metadata(folder)) {
            let _ = std::os::unix::fs::chown(&incoming, Some(meta.uid()), Some(meta.gid()));
            let _ = std::os::unix::fs::chown(lock_path(db), Some(meta.uid()), Some(meta.gid()));
        }
    }
    let previous = if db.exists() {
        let aside = sibling(db, &format!("before-restore-{stamp}"));
        // The journal goes with its file (SQLite names it after the file): the copy set aside
        // opens with every commit it held.
        for suffix in ["-wal", "-shm", ""] {
            let from = PathBuf::from(format!("{}{suffix}", db.display()));
            let to = PathBuf::from(format!("{}{suffix}", aside.display()));
            match std::fs::rename(&from, &to) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(FileError::Io(from, e)),
            }
        }
        Some(aside)
    } else {
        None
    };
    std::fs::rename(&incoming, db).map_err(io(db))?;
    sync_parent(db)?;
    Ok(Restored { checked, previous })
}

/// Before a hub migrates an older database at start: a copy of it as it was
/// (`<db>.before-upgrade-<from>-to-<to>`), so an upgrade can be undone. Nothing to do for a new
/// file or one already at this release's schema; a file from a newer release is refused.
pub fn prepare_upgrade(db: &Path) -> Result<Option<PathBuf>> {
    if !db.exists() {
        return Ok(None);
    }
    let schema = {
        let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(sqlite(db))?;
        schema_version(&conn).map_err(sqlite(db))?
    };
    if schema > LATEST_SCHEMA {
        return Err(FileError::TooNew(db.to_owned(), schema));
    }
    if schema == 0 || schema == LATEST_SCHEMA {
        return Ok(None);
    }
    let aside = sibling(db, &format!("before-upgrade-{schema}-to-{LATEST_SCHEMA}"));
    if aside.exists() {
        // A start that failed after its backup: the copy of the untouched file is there.
        return Ok(Some(aside));
    }
    backup(db, &aside)?;
    Ok(Some(aside))
}

/// One hub per database file: an exclusive lock on `<db>.lock`, held while the hub runs (two
/// hubs writing one file would break the one writer per project), and by `restore`.
#[derive(Debug)]
pub struct HubLock {
    _file: File,
}

impl HubLock {
    pub fn take(db: &Path) -> Result<Self> {
        let path = lock_path(db);
        // A lock file another user made (a restore run as root) is locked read-only: a lock
        // needs no write access.
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .or_else(|e| match e.kind() {
                std::io::ErrorKind::PermissionDenied => File::open(&path),
                _ => Err(e),
            })
            .map_err(io(&path))?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(FileError::InUse(db.to_owned(), path)),
            Err(std::fs::TryLockError::Error(e)) => Err(FileError::Io(path, e)),
        }
    }
}

pub fn lock_path(db: &Path) -> PathBuf {
    PathBuf::from(format!("{}.lock", db.display()))
}

fn sibling(db: &Path, what: &str) -> PathBuf {
    PathBuf::from(format!("{}.{what}", db.display()))
}

fn partial_name(to: &Path) -> PathBuf {
    PathBuf::from(format!("{}.partial", to.display()))
}

/// Creates `path` readable and writable by its owner only (`new`: it must not exist).
fn private_file(path: &Path, new: bool) -> Result<File> {
    let mut options = OpenOptions::new();
    options.write(true);
    if new {
        options.create_new(true);
    } else {
        options.create(true).truncate(true);
    }
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map_err(io(path))
}

fn sync(path: &Path) -> Result<()> {
    File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(io(path))
}

fn sync_parent(path: &Path) -> Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    sync(parent)
}
