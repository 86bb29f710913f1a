//! The desk's errors: a code the UI matches on (never the message) and a message for people.

use pupitre_protocol::{ErrorCode, ErrorFrame};
use serde::{Serialize, Serializer};
use ts_rs::TS;

/// The hub's codes, plus the desk's own. On the wire (and in TypeScript) a plain string:
/// `ErrorCode | "hub_unreachable" | …`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, TS)]
#[ts(export_to = "desk/", rename_all = "snake_case")]
pub enum DeskErrorCode {
    #[ts(untagged)]
    Hub(ErrorCode),
    /// The hub cannot be reached (network, wrong address, hub down).
    HubUnreachable,
    /// `http://` to another computer: the password would cross the network in clear.
    InsecureHub,
    /// The hub's TLS certificate is refused (unknown authority, another name, expired).
    UntrustedCertificate,
    /// The OS keyring refused; the password is not remembered (D19). A notice, not a failure.
    KeyringUnavailable,
    /// This needs the hub and the desk is offline (messages are queued instead).
    Offline,
    /// Not logged in (or the session ended): the UI goes back to the login.
    LoggedOut,
    /// Written as the hub's `invalid_input`.
    #[ts(skip)]
    InvalidInput,
    /// The local cache failed.
    Cache,
    /// Written as the hub's `internal`.
    #[ts(skip)]
    Internal,
}

impl DeskErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            DeskErrorCode::Hub(c) => c.as_str(),
            DeskErrorCode::HubUnreachable => "hub_unreachable",
            DeskErrorCode::InsecureHub => "insecure_hub",
            DeskErrorCode::UntrustedCertificate => "untrusted_certificate",
            DeskErrorCode::KeyringUnavailable => "keyring_unavailable",
            DeskErrorCode::Offline => "offline",
            DeskErrorCode::LoggedOut => "logged_out",
            DeskErrorCode::InvalidInput => "invalid_input",
            DeskErrorCode::Cache => "cache",
            DeskErrorCode::Internal => "internal",
        }
    }
}

impl Serialize for DeskErrorCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// What every desk command fails with: the UI matches on `code` only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[error("{}: {message}", code.as_str())]
#[ts(export_to = "desk/")]
pub struct DeskError {
    pub code: DeskErrorCode,
    pub message: String,
}

impl DeskError {
    pub fn new(code: DeskErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl From<ErrorFrame> for DeskError {
    fn from(e: ErrorFrame) -> Self {
        Self::new(DeskErrorCode::Hub(e.code), e.message)
    }
}

impl From<crate::cache::CacheError> for DeskError {
    fn from(e: crate::cache::CacheError) -> Self {
        Self::new(DeskErrorCode::Cache, e.to_string())
    }
}
