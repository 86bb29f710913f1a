//! Who may read a conversation: its agent and the agents who held it, the managers of its
//! group, the project's admins. Nobody else learns that it exists: a conversation one may not
//! read answers `not_found`, like one that does not exist.

use pupitre_protocol::agent::Role;
use pupitre_protocol::{Author, ConversationRef, ErrorCode, GroupId};

use crate::api::caller::Caller;
use crate::api::error::{ApiError, ApiResult};
use crate::store::{ConversationRow, Store, StoredMessage};

/// Whether `caller` (in `caller_groups`) may read `row`; `handled`: the caller held it or
/// wrote in it.
pub(crate) fn may_read(
    caller: &Caller,
    caller_groups: &[GroupId],
    row: &ConversationRow,
    handled: bool,
) -> bool {
    match caller.role {
        Role::Admin => true,
        Role::Manager => {
            caller_groups.contains(&row.record.group)
                || row.record.agent() == Some(caller.agent)
                || handled
        }
        Role::Agent => row.record.agent() == Some(caller.agent) || handled,
    }
}

/// [`may_read`], where having written in the thread counts as having handled it.
pub(crate) fn may_read_thread(
    c: &Caller,
    groups: &[GroupId],
    row: &ConversationRow,
    messages: &[StoredMessage],
) -> bool {
    let handled = messages
        .iter()
        .any(|m| matches!(m.message.author, Author::Agent { id, .. } if id == c.agent))
        || row.record.previous_agent == Some(c.agent);
    may_read(c, groups, row, handled)
}

/// Conversation `number` of the caller's project with its thread, if the caller may read it
/// (`not_found` otherwise).
pub(crate) fn readable_conversation(
    s: &mut dyn Store,
    c: &Caller,
    number: i64,
) -> ApiResult<(ConversationRow, Vec<StoredMessage>)> {
    let hidden = || ApiError::new(ErrorCode::NotFound, "no such conversation for you");
    let row = s.conversation(c.project, number)?.ok_or_else(hidden)?;
    let messages = s.messages(c.project, number)?;
    let groups = s.agent(c.agent)?.map(|a| a.groups).unwrap_or_default();
    if !may_read_thread(c, &groups, &row, &messages) {
        return Err(hidden());
    }
    Ok((row, messages))
}

/// The number of `reference` in the project `code`; `not_found` for another project's or a
/// malformed one, as for one the caller may not read.
pub(crate) fn number_in(code: &str, reference: &ConversationRef) -> ApiResult<i64> {
    match reference.parse() {
        Some((c, n)) if c == code => Ok(n),
        _ => Err(ApiError::new(
            ErrorCode::NotFound,
            format!("no conversation {reference} for you"),
        )),
    }
}
