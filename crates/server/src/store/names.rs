//! How values are named in the database: both backends store the same words (roles,
//! conversation states, channels, availabilities) and escape LIKE patterns the same way.

use pupitre_protocol::agent::Role;
use pupitre_protocol::{Availability, Channel};
use pupitre_routing::ConversationRecord;

pub(super) fn role_str(role: Role) -> &'static str {
    match role {
        Role::Agent => "agent",
        Role::Manager => "manager",
        Role::Admin => "admin",
    }
}

pub(super) fn parse_role(s: &str) -> Role {
    match s {
        "admin" => Role::Admin,
        "manager" => Role::Manager,
        _ => Role::Agent,
    }
}

pub(super) fn state_name(record: &ConversationRecord) -> &'static str {
    use pupitre_routing::ConversationState as S;
    match record.state {
        S::Unrouted => "unrouted",
        S::Queued { .. } => "queued",
        S::Reserved { .. } => "reserved",
        S::Assigned { .. } => "assigned",
        S::Snoozed { .. } => "snoozed",
        S::Closed { .. } => "closed",
    }
}

pub(super) fn channel_name(c: Channel) -> &'static str {
    match c {
        Channel::Chat => "chat",
        Channel::Call => "call",
        Channel::Video => "video",
        Channel::Messaging => "messaging",
    }
}

pub(super) fn availability_name(a: Availability) -> &'static str {
    match a {
        Availability::Available => "available",
        Availability::Busy => "busy",
        Availability::Unavailable => "unavailable",
        Availability::Offline => "offline",
    }
}

pub(super) fn parse_availability(s: &str) -> Availability {
    match s {
        "available" => Availability::Available,
        "busy" => Availability::Busy,
        "unavailable" => Availability::Unavailable,
        _ => Availability::Offline,
    }
}

/// `text` with LIKE's own wildcards (and the escape character) escaped by `\`, to be matched
/// as it is with `ESCAPE '\'`.
pub(super) fn like_escaped(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
