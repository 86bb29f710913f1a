//! What counts as an e-mail address (issue 9): an address and nothing else. No display name,
//! no `mailto:` headers smuggled after it (`a@example.com?bcc=…&body=…`), no spaces, quotes,
//! angle brackets, controls or bidi characters. A practical subset of RFC 5321: the local part
//! is letters, digits and `.!#$%&'*+/=^_{|}~-` (no dot first, last or twice in a row), up to
//! 64 bytes; the domain is dot-separated labels of letters, digits and hyphens (letters may be
//! non-ASCII: internationalized domains), at least two, up to 253 bytes.

/// Whether `text`, trimmed, is one e-mail address.
pub fn is_address(text: &str) -> bool {
    let text = text.trim();
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    local_ok(local) && domain_ok(domain)
}

fn local_ok(local: &str) -> bool {
    !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || ".!#$%&'*+/=^_{|}~-".contains(c))
}

fn domain_ok(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    domain.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

#[cfg(test)]
mod tests {
    use super::is_address;

    #[test]
    fn addresses_and_not() {
        for ok in [
            "ann@example.com",
            " o'brien+shop@mail.example.co.uk ",
            "élodie@exemple.fr",
            "a@b.c",
        ] {
            assert!(is_address(ok), "{ok}");
        }
        for bad in [
            "a@example.com?bcc=evil%40evil.test&body=hi",
            "a@example.com&cc=x@y.z",
            "Ann <ann@example.com>",
            "ann@example",
            "ann@@example.com",
            "ann@exa mple.com",
            ".ann@example.com",
            "an..n@example.com",
            "ann@-example.com",
            "ann\u{202E}@example.com",
            "ann@example.com\u{200B}",
            "\"ann\"@example.com",
            "",
        ] {
            assert!(!is_address(bad), "{bad:?}");
        }
    }
}
