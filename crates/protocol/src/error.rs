//! The one list of error codes. A code is stable: clients match on it, never on the message.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::ClientId;

/// Every error the hub can answer, over WebSocket (`error` frame) or HTTP (JSON body).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame is not valid JSON.
    MalformedJson,
    /// Valid JSON, but not a frame this connection knows.
    UnknownFrame,
    /// The frame exceeds `MAX_FRAME_BYTES`, or a request body its route's limit.
    FrameTooLarge,
    /// Too many frames in too short a time.
    RateLimited,
    /// The first frame must be `hello`.
    HelloRequired,
    /// The client speaks a protocol version this hub does not.
    VersionUnsupported,
    /// Missing, expired or forged token; or wrong e-mail/password.
    Unauthorized,
    /// Authenticated, but this is not yours (another agent's conversation, a manager's action).
    Forbidden,
    /// No such project, agent, group or conversation.
    NotFound,
    /// A field is missing, empty, too long or out of range.
    InvalidInput,
    /// The conversation is not in a state that allows this (e.g. closing a closed one).
    InvalidState,
    /// Transfer to an agent who cannot take it now: confirm with `anyway` (R7).
    AgentUnavailable,
    /// Snooze needs async messaging on the project (R5).
    AsyncMessagingOff,
    /// The slot limit asked is above the admin's maximum (R4).
    SlotLimitAboveMax,
    /// Something already exists with that name.
    Conflict,
    /// No such HTTP route or resource is `not_found`; this is a route that exists, asked with
    /// a method it does not take (the `Allow` header lists those it takes).
    MethodNotAllowed,
    /// A request body of a type the route does not take (JSON routes take
    /// `application/json`).
    UnsupportedMediaType,
    /// The hub cannot take this now (at its connection limit, or shutting down): try again
    /// later (`Retry-After`).
    Unavailable,
    /// The hub failed; nothing was changed.
    Internal,
}

impl ErrorCode {
    /// The HTTP status this code maps to on the HTTP API.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::MalformedJson
            | ErrorCode::UnknownFrame
            | ErrorCode::HelloRequired
            | ErrorCode::InvalidInput => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::InvalidState
            | ErrorCode::AgentUnavailable
            | ErrorCode::AsyncMessagingOff
            | ErrorCode::SlotLimitAboveMax
            | ErrorCode::Conflict => 409,
            ErrorCode::FrameTooLarge => 413,
            ErrorCode::VersionUnsupported => 426,
            ErrorCode::RateLimited => 429,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::Unavailable => 503,
            ErrorCode::Internal => 500,
        }
    }

    /// The wire name (`malformed_json`…).
    pub fn as_str(self) -> &'static str {
        // An allocation-free copy of the serde names, checked against serde by a test.
        match self {
            ErrorCode::MalformedJson => "malformed_json",
            ErrorCode::UnknownFrame => "unknown_frame",
            ErrorCode::FrameTooLarge => "frame_too_large",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::HelloRequired => "hello_required",
            ErrorCode::VersionUnsupported => "version_unsupported",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::InvalidState => "invalid_state",
            ErrorCode::AgentUnavailable => "agent_unavailable",
            ErrorCode::AsyncMessagingOff => "async_messaging_off",
            ErrorCode::SlotLimitAboveMax => "slot_limit_above_max",
            ErrorCode::Conflict => "conflict",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
        }
    }
}

/// `{code, message}`: the body of every error, on both transports. `client_id` names the frame
/// that failed, when it had one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ErrorFrame {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub client_id: Option<ClientId>,
}

impl ErrorFrame {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            client_id: None,
        }
    }

    pub fn for_frame(mut self, client_id: Option<ClientId>) -> Self {
        self.client_id = client_id;
        self
    }
}

impl std::fmt::Display for ErrorFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for ErrorFrame {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_serde() {
        use ErrorCode::*;
        for code in [
            MalformedJson,
            UnknownFrame,
            FrameTooLarge,
            RateLimited,
            HelloRequired,
            VersionUnsupported,
            Unauthorized,
            Forbidden,
            NotFound,
            InvalidInput,
            InvalidState,
            AgentUnavailable,
            AsyncMessagingOff,
            SlotLimitAboveMax,
            Conflict,
            MethodNotAllowed,
            UnsupportedMediaType,
            Unavailable,
            Internal,
        ] {
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
            assert!((400..600).contains(&code.http_status()));
        }
    }
}
