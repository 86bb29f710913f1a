//! Passwords (argon2id), signed tokens (HMAC-SHA-256) and refresh tokens.
//!
//! A token is `base64url(claims JSON) "." base64url(HMAC)`. The key is made once per hub and kept
//! in the database (`meta.token_key`), so tokens survive a restart. Claims carry a `kind`, so a
//! visitor token can never pass as an agent's access token.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{Hmac, Mac};
use pupitre_protocol::agent::Role;
use pupitre_protocol::{AgentId, Millis};
use rand::RngCore;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use sha2::{Digest, Sha256};

use crate::store::{ProjectId, Store, StoreError};

/// An access token lives this long; the desk refreshes it before it ends.
pub const ACCESS_TTL: Millis = 15 * 60 * 1000;
/// A refresh token lives this long ("remember me"); each use replaces it.
pub const REFRESH_TTL: Millis = 30 * 24 * 3600 * 1000;

#[derive(Clone)]
pub struct Keys {
    key: [u8; 32],
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(…)")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Claims {
    /// An agent's access token.
    Access {
        agent: AgentId,
        project: ProjectId,
        role: Role,
        exp: Millis,
    },
    /// A visitor's identity (W2). No expiry: it is the visitor's memory of who they are.
    Visitor { visitor: String, project: ProjectId },
    /// A console session (issue 10), in an HttpOnly cookie; `sid` is random, and the CSRF
    /// token is [`Keys::csrf_for`] of it.
    Console {
        agent: AgentId,
        project: ProjectId,
        role: Role,
        exp: Millis,
        sid: String,
    },
}

impl Keys {
    pub fn load_or_create(store: &mut dyn Store) -> Result<Self, StoreError> {
        if let Some(encoded) = store.meta("token_key")?
            && let Ok(bytes) = B64.decode(encoded.as_bytes())
            && let Ok(key) = <[u8; 32]>::try_from(bytes.as_slice())
        {
            return Ok(Self { key });
        }
        // Inserted only if absent, then read back: hubs starting together on one PostgreSQL
        // database all sign with the first one's key. (A stored key this release cannot read
        // is replaced.)
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        let stored = store.meta_or_insert("token_key", &B64.encode(key))?;
        match B64
            .decode(stored.as_bytes())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
        {
            Some(key) => Ok(Self { key }),
            None => {
                store.set_meta("token_key", &B64.encode(key))?;
                Ok(Self { key })
            }
        }
    }

    fn mac(&self) -> Hmac<Sha256> {
        <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC takes a key of any length")
    }

    pub fn sign(&self, claims: &Claims) -> String {
        let body = B64.encode(serde_json::to_vec(claims).expect("claims serialize"));
        let mut mac = self.mac();
        mac.update(body.as_bytes());
        let sig = B64.encode(mac.finalize().into_bytes());
        format!("{body}.{sig}")
    }

    /// The console's CSRF token for session `sid`: an HMAC no other site can compute.
    pub fn csrf_for(&self, sid: &str) -> String {
        let mut mac = self.mac();
        mac.update(b"csrf:");
        mac.update(sid.as_bytes());
        B64.encode(mac.finalize().into_bytes())
    }

    /// Whether `given` is the CSRF token of session `sid` (compared in constant time).
    pub fn csrf_matches(&self, sid: &str, given: &str) -> bool {
        let Ok(given) = B64.decode(given) else {
            return false;
        };
        let mut mac = self.mac();
        mac.update(b"csrf:");
        mac.update(sid.as_bytes());
        mac.verify_slice(&given).is_ok()
    }

    /// Several hubs on one database: what a node relaying a client from `client` (its
    /// address) tells the owner, who trusts that address only with it (the nodes share this
    /// key; a client cannot make one).
    pub fn relay_proof(&self, client: &str) -> String {
        let mut mac = self.mac();
        mac.update(b"relay:");
        mac.update(client.as_bytes());
        B64.encode(mac.finalize().into_bytes())
    }

    /// A key of the tests' own.
    #[cfg(test)]
    pub(crate) fn fixed(byte: u8) -> Self {
        Self { key: [byte; 32] }
    }

    /// Whether `given` is [`Keys::relay_proof`] of `client` (compared in constant time).
    pub fn relay_proof_matches(&self, client: &str, given: &str) -> bool {
        let Ok(given) = B64.decode(given) else {
            return false;
        };
        let mut mac = self.mac();
        mac.update(b"relay:");
        mac.update(client.as_bytes());
        mac.verify_slice(&given).is_ok()
    }

    /// The claims of a token signed by this hub, or `None` (forged, truncated, garbage).
    pub fn verify(&self, token: &str) -> Option<Claims> {
        let (body, sig) = token.split_once('.')?;
        let sig = B64.decode(sig).ok()?;
        let mut mac = self.mac();
        mac.update(body.as_bytes());
        mac.verify_slice(&sig).ok()?;
        decode_json(&B64.decode(body).ok()?)
    }
}

fn decode_json<T: DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    serde_json::from_slice(bytes).ok()
}

/// argon2id with OWASP's first recommended setting (Password Storage Cheat Sheet, 2023):
/// 19 MiB of memory, 2 passes, 1 lane — about 30 ms on one core of a current server. The
/// memory is what makes guessing on GPUs dear, and also what a login flood would exhaust:
/// the checks run under [`crate::password_gate`]. A stored hash keeps its own parameters, so
/// changing these applies to new passwords and old hashes still verify.
pub const ARGON2_MEMORY_KIB: u32 = 19 * 1024;
pub const ARGON2_PASSES: u32 = 2;
pub const ARGON2_LANES: u32 = 1;

fn argon2() -> Argon2<'static> {
    let params = argon2::Params::new(ARGON2_MEMORY_KIB, ARGON2_PASSES, ARGON2_LANES, None)
        .expect("valid argon2 parameters");
    Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
}

pub fn hash_password(password: &str) -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let salt = SaltString::encode_b64(&bytes).expect("16 bytes make a valid salt");
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2id with valid parameters hashes any password")
        .to_string()
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    verify_password_in(hash, password, &mut vec![])
}

/// Checks `password` against a stored argon2 hash, filling `memory` (grown to the hash's
/// memory cost, then kept by the caller for the next check: no allocation per login).
pub fn verify_password_in(hash: &str, password: &str, memory: &mut Vec<argon2::Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) = (
        argon2::Algorithm::try_from(parsed.algorithm),
        argon2::Params::try_from(&parsed),
        parsed.salt,
        parsed.hash,
    ) else {
        return false;
    };
    let version = match parsed.version.map(argon2::Version::try_from) {
        None => argon2::Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, argon2::Block::default());
    }
    let mut out = vec![0u8; expected.len()];
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut memory[..blocks])
        .is_ok()
        // `Output`'s equality is constant-time.
        && argon2::password_hash::Output::new(&out).is_ok_and(|out| out == expected)
}

/// A new refresh token and the hash under which it is stored.
pub fn new_refresh_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = B64.encode(bytes);
    let hash = refresh_hash(&token);
    (token, hash)
}

pub fn refresh_hash(token: &str) -> String {
    B64.encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Keys {
        Keys { key: [7; 32] }
    }

    #[test]
    fn tokens_round_trip_and_reject_forgery() {
        let k = keys();
        let claims = Claims::Visitor {
            visitor: "v1".into(),
            project: 1,
        };
        let token = k.sign(&claims);
        assert_eq!(k.verify(&token), Some(claims));
        let forged = token.replacen('e', "f", 1);
        assert_ne!(forged, token);
        assert_eq!(k.verify(&forged), None);
        assert_eq!(k.verify("garbage"), None);
        assert_eq!(Keys { key: [8; 32] }.verify(&token), None);
    }

    #[test]
    fn passwords_hash_with_argon2id() {
        let hash = hash_password("s3cret");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(&hash, "s3cret"));
        assert!(!verify_password(&hash, "wrong"));
        assert!(!verify_password("not a hash", "s3cret"));
    }
}
