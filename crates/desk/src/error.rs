//! The desk's errors: a code the UI matches on (never the message) and a message for people.

use pupitre_protocol::{ErrorCode, ErrorFrame};
use serde::{Serialize, Serializer};

/// The hub's codes, plus the desk's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeskErrorCode {
    Hub(ErrorCode),
    /// The hub cannot be reached (network, wrong address, hub down).
    HubUnreachable,
    /// This needs the hub and the desk is offline (messages are queued instead).
    Offline,
    /// Not logged in.
    LoggedOut,
    InvalidInput,
    /// The local cache failed.
    Cache,
    Internal,
}

impl DeskErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            DeskErrorCode::Hub(c) => c.as_str(),
            DeskErrorCode::HubUnreachable => "hub_unreachable",
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{}: {message}", code.as_str())]
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
