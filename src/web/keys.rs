//! The web's signing key, shared by every instance through the database, and random ids: CSRF
//! tokens and signed cookies are HMAC-SHA256 tags of a value under a purpose, so a tag made for
//! one purpose (a CSRF token) is worthless for another (a chat cookie).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{KeyInit, Mac};
use sha2::Sha256;

use crate::store::{Store, StoreError, secrets};

type HmacSha256 = hmac::Hmac<Sha256>;

/// The name of the key in the shared secrets.
const SECRET: &str = "web-signing-key";

/// The signing key.
#[derive(Clone)]
pub struct Keys {
    key: Vec<u8>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(…)")
    }
}

impl Keys {
    /// The deployment's key: the one in the database, made now if there is none yet.
    pub async fn load(store: &Store, now: i64) -> Result<Self, StoreError> {
        let mut conn = store.acquire().await?;
        let stored = secrets::get_or_insert(&mut conn, SECRET, &random_id(), now).await?;
        Ok(Self::from_secret(stored.as_bytes()))
    }

    /// A key of `secret` (tests that need two instances to agree, or to disagree).
    pub fn from_secret(secret: &[u8]) -> Self {
        Self { key: secret.to_vec() }
    }

    /// The tag of `value` for `purpose`, URL-safe base64.
    pub fn sign(&self, purpose: &str, value: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(purpose, value).finalize().into_bytes())
    }

    /// Whether `tag` is the tag of `value` for `purpose` (compared in constant time).
    pub fn verify(&self, purpose: &str, value: &str, tag: &str) -> bool {
        match URL_SAFE_NO_PAD.decode(tag) {
            Ok(tag) => self.mac(purpose, value).verify_slice(&tag).is_ok(),
            Err(_) => false,
        }
    }

    fn mac(&self, purpose: &str, value: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes a key of any length");
        // The purpose's length first, so that ("ab", "c") and ("a", "bc") differ.
        mac.update(&(purpose.len() as u64).to_be_bytes());
        mac.update(purpose.as_bytes());
        mac.update(value.as_bytes());
        mac
    }
}

/// 256 random bits from the operating system, URL-safe base64 (43 characters): session ids,
/// nonces, keys.
pub fn random_id() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system provides random bytes");
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_verifies_only_its_value_under_its_purpose_and_key() {
        let keys = Keys::from_secret(b"one");
        let tag = keys.sign("csrf", "session-1");
        assert!(keys.verify("csrf", "session-1", &tag));
        assert!(!keys.verify("csrf", "session-2", &tag));
        assert!(!keys.verify("cookie", "session-1", &tag));
        assert!(!Keys::from_secret(b"two").verify("csrf", "session-1", &tag));
        assert!(!keys.verify("csrf", "session-1", "not base64 ✗"));
        assert!(!keys.verify("cs", "rfsession-1", &keys.sign("csrf", "session-1")));
    }

    #[test]
    fn random_ids_are_long_and_differ() {
        let (a, b) = (random_id(), random_id());
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
    }
}
