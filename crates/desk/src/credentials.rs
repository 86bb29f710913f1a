//! Where the refresh token lives: only in the OS keyring (D19), never in a plain file.
//!
//! When no keyring is available (no Secret Service on the session bus, locked, refused), the
//! desk says so plainly and keeps working: the session lasts until the app quits and the
//! password is asked again next time.

/// The keyring service name under which the desk stores its refresh tokens.
pub const SERVICE: &str = "pupitre-desk";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no keyring is available: {0}")]
pub struct KeyringUnavailable(pub String);

/// A place for one secret per account.
pub trait Credentials: Send + Sync {
    fn save(&self, account: &str, secret: &str) -> Result<(), KeyringUnavailable>;
    fn load(&self, account: &str) -> Result<Option<String>, KeyringUnavailable>;
    fn delete(&self, account: &str) -> Result<(), KeyringUnavailable>;
}

/// The OS keyring (Secret Service on Linux, through the `keyring` crate).
#[derive(Debug, Default)]
pub struct OsKeyring;

fn entry(account: &str) -> Result<keyring::Entry, KeyringUnavailable> {
    keyring::Entry::new(SERVICE, account).map_err(|e| KeyringUnavailable(e.to_string()))
}

impl Credentials for OsKeyring {
    fn save(&self, account: &str, secret: &str) -> Result<(), KeyringUnavailable> {
        entry(account)?
            .set_password(secret)
            .map_err(|e| KeyringUnavailable(e.to_string()))
    }

    fn load(&self, account: &str) -> Result<Option<String>, KeyringUnavailable> {
        match entry(account)?.get_password() {
            Ok(s) => Ok(Some(s)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(KeyringUnavailable(e.to_string())),
        }
    }

    fn delete(&self, account: &str) -> Result<(), KeyringUnavailable> {
        match entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(KeyringUnavailable(e.to_string())),
        }
    }
}

/// No keyring at all: every call says so. For machines without one, and for tests of that path.
#[derive(Debug, Default)]
pub struct NoKeyring;

impl Credentials for NoKeyring {
    fn save(&self, _: &str, _: &str) -> Result<(), KeyringUnavailable> {
        Err(KeyringUnavailable(
            "this desk runs without a keyring".into(),
        ))
    }

    fn load(&self, _: &str) -> Result<Option<String>, KeyringUnavailable> {
        Err(KeyringUnavailable(
            "this desk runs without a keyring".into(),
        ))
    }

    fn delete(&self, _: &str) -> Result<(), KeyringUnavailable> {
        Ok(())
    }
}
