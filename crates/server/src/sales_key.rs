//! D15: the key a brand's own server uses to report sales (`POST /api/sales`), one per
//! project, made by the operator (`pupitre admin sales-key --project CODE`; a new one replaces
//! the old). The key is `pk_<CODE>_<64 hex>`; the hub keeps only its SHA-256, in the store's
//! meta (`sales_key:<project id>`), and compares in constant time.

use rand::RngCore;
use sha2::{Digest, Sha256};

const PREFIX: &str = "pk_";
const SECRET_HEX: usize = 64;

/// Where a project's key hash is kept.
pub fn meta_key(project_id: i64) -> String {
    format!("sales_key:{project_id}")
}

/// A new key for project `code`, and the hash to keep.
pub fn new_key(code: &str) -> (String, String) {
    let mut bytes = [0u8; SECRET_HEX / 2];
    rand::rng().fill_bytes(&mut bytes);
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let key = format!("{PREFIX}{code}_{secret}");
    let hash = hash(&key);
    (key, hash)
}

pub fn hash(key: &str) -> String {
    Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The project code a well-formed key names, or `None`.
pub fn project_of(key: &str) -> Option<&str> {
    let (code, secret) = key.strip_prefix(PREFIX)?.rsplit_once('_')?;
    let well_formed = !code.is_empty()
        && secret.len() == SECRET_HEX
        && secret.bytes().all(|b| b.is_ascii_hexdigit());
    well_formed.then_some(code)
}

/// Whether `key` hashes to `stored`, in time independent of where they differ.
pub fn matches(key: &str, stored: &str) -> bool {
    let given = hash(key);
    given.len() == stored.len()
        && given
            .bytes()
            .zip(stored.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn d15_a_key_names_its_project_and_only_its_hash_matches() {
        let (key, hash) = new_key("DEMO");
        assert_eq!(project_of(&key), Some("DEMO"));
        assert!(matches(&key, &hash));
        let (other, _) = new_key("DEMO");
        assert!(!matches(&other, &hash));
        for bad in ["", "pk_", "pk_DEMO", "pk_DEMO_abc", "sk_DEMO_00", "pk__00"] {
            assert_eq!(project_of(bad), None, "{bad}");
        }
        assert_eq!(
            project_of(&format!("pk_MY_SHOP_{}", "a".repeat(64))),
            Some("MY_SHOP")
        );
    }
}
