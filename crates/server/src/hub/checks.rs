use super::*;

pub(in crate::hub) fn routing_error(e: RoutingError) -> ErrorFrame {
    let code = match &e {
        RoutingError::UnknownAgent(_)
        | RoutingError::UnknownGroup(_)
        | RoutingError::UnknownConversation(_) => ErrorCode::NotFound,
        RoutingError::DuplicateConversation(_) => ErrorCode::Conflict,
        RoutingError::NotYourConversation { .. } => ErrorCode::Forbidden,
        RoutingError::InvalidState { .. } => ErrorCode::InvalidState,
        RoutingError::AgentUnavailable(_) => ErrorCode::AgentUnavailable,
        RoutingError::AsyncMessagingOff => ErrorCode::AsyncMessagingOff,
        RoutingError::SlotLimitAboveMax { .. } => ErrorCode::SlotLimitAboveMax,
        RoutingError::Invalid(_) => ErrorCode::InvalidInput,
    };
    ErrorFrame::new(code, e.to_string())
}

pub(in crate::hub) fn invalid(msg: impl Into<String>) -> ErrorFrame {
    ErrorFrame::new(ErrorCode::InvalidInput, msg)
}

/// A3: a desk option the admin switched off.
pub(in crate::hub) fn option_off(option: &str) -> ErrorFrame {
    ErrorFrame::new(
        ErrorCode::Forbidden,
        format!("{option} is switched off in this project's desk options"),
    )
}

/// Checks a text field: trimmed non-empty (when `required`) and at most `max` characters.
pub(in crate::hub) fn check_text(field: &str, text: &str, max: usize) -> Result<(), ErrorFrame> {
    if text.trim().is_empty() {
        return Err(invalid(format!("{field} is empty")));
    }
    if text.chars().count() > max {
        return Err(invalid(format!("{field} is longer than {max} characters")));
    }
    // No text holds one; PostgreSQL refuses it in a text column (a batch holding it would
    // fail whole, every frame of it with it).
    if text.contains('\0') {
        return Err(invalid(format!("{field} contains a NUL character")));
    }
    Ok(())
}

/// An offer's fields are bounded and its URLs are http(s) (D12).
pub(in crate::hub) fn check_offer(offer: &Offer) -> Result<(), ErrorFrame> {
    check_text("title", &offer.title, 200)?;
    if let Some(text) = &offer.text {
        check_text("text", text, MAX_FIELD_CHARS)?;
    }
    for (field, url) in [("link", Some(&offer.link)), ("image", offer.image.as_ref())] {
        if let Some(url) = url {
            let ok = url.len() <= MAX_FIELD_CHARS
                && (url.starts_with("https://") || url.starts_with("http://"))
                && !url.chars().any(char::is_whitespace);
            if !ok {
                return Err(invalid(format!("the {field} must be an http or https URL")));
            }
        }
    }
    Ok(())
}

pub(in crate::hub) fn check_page(page: &Page) -> Result<(), ErrorFrame> {
    check_text("url", &page.url, MAX_FIELD_CHARS)?;
    if let Some(t) = &page.title
        && t.chars().count() > MAX_FIELD_CHARS
    {
        return Err(invalid("title is too long"));
    }
    Ok(())
}

/// One e-mail address and nothing else (issue 9: no `?bcc=…` after it).
pub(in crate::hub) fn valid_email(email: &str) -> bool {
    pupitre_protocol::email::is_address(email)
}
