//! Characters that must not reach a one-line display of someone else's text (issue 9).

/// Bidi and zero-width format controls: in someone else's text shown on one line they could
/// reorder what the reader sees (`invoice\u{202E}gpj.exe` shows as "invoiceexe.jpg") or
/// spill into the app's own words around them.
pub fn is_format_control(c: char) -> bool {
    matches!(c,
        '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}')
}
