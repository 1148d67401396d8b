//! Random ids from the operating system's generator: session ids, nonces, keys.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// 256 random bits, URL-safe base64 (43 characters).
pub fn id() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system provides random bytes");
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_long_and_differ() {
        let (a, b) = (super::id(), super::id());
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
    }
}
