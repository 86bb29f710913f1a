//! Where the hub's data lives: a SQLite file (the default, nothing to set up) or a PostgreSQL
//! database (several nodes; DESIGN.md §6, §14). One value, from `--db` or `[store]`, that
//! opens connections of either backend behind the same [`Store`].

use std::path::{Path, PathBuf};

use super::{Result, SqliteStore, Store, postgres};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite database file.
    File(PathBuf),
    /// A PostgreSQL connection URL (`postgres://user@host:port/db`).
    Postgres(String),
}

impl Location {
    /// A `--db` value: a PostgreSQL URL, or else a file's path.
    pub fn parse(value: &str) -> Self {
        if postgres::is_url(value) {
            Location::Postgres(value.to_owned())
        } else {
            Location::File(PathBuf::from(value))
        }
    }

    /// A new connection (each project writer has its own; so has the HTTP side).
    pub fn open(&self) -> Result<Box<dyn Store>> {
        Ok(match self {
            Location::File(path) => Box::new(SqliteStore::open(path)?),
            Location::Postgres(url) => Box::new(postgres::PgStore::connect(url)?),
        })
    }

    /// The SQLite file, if that is where the data lives.
    pub fn file(&self) -> Option<&Path> {
        match self {
            Location::File(path) => Some(path),
            Location::Postgres(_) => None,
        }
    }

    /// As the logs and errors name it: a file's path, or the URL without its password.
    pub fn describe(&self) -> String {
        match self {
            Location::File(path) => path.display().to_string(),
            Location::Postgres(url) => without_password(url),
        }
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:…@host/db`.
fn without_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("…"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

impl From<&Path> for Location {
    fn from(path: &Path) -> Self {
        Location::File(path.to_owned())
    }
}

impl From<&PathBuf> for Location {
    fn from(path: &PathBuf) -> Self {
        Location::File(path.clone())
    }
}

impl From<PathBuf> for Location {
    fn from(path: PathBuf) -> Self {
        Location::File(path)
    }
}

impl From<&Location> for Location {
    fn from(l: &Location) -> Self {
        l.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_postgres_anything_else_a_file() {
        assert_eq!(
            Location::parse("postgres://pupitre@db:5432/hub"),
            Location::Postgres("postgres://pupitre@db:5432/hub".into())
        );
        assert!(matches!(
            Location::parse("postgresql://x/y"),
            Location::Postgres(_)
        ));
        assert_eq!(
            Location::parse("pupitre.db"),
            Location::File(PathBuf::from("pupitre.db"))
        );
        assert_eq!(
            Location::parse("postgres.db"),
            Location::File(PathBuf::from("postgres.db"))
        );
    }

    #[test]
    fn a_password_is_never_shown() {
        let l = Location::parse("postgres://hub:s3cret@db.internal:5432/pupitre");
        let shown = l.describe();
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("db.internal:5432/pupitre"), "{shown}");
    }
}
