//! The login-session cookie: a JWE (`dir` + `A256GCM`, RFC 7516) that the browser cannot read or
//! forge. A session row stands behind it for listing and revocation.

use josekit::jwe::{Dir, JweHeader};
use serde::{Deserialize, Serialize};

/// What the cookie carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClaims {
    /// The session row's id.
    pub sid: String,
    pub sub: String,
    pub auth_time: i64,
    pub exp: i64,
}

/// Seals and opens session cookies with one key.
#[derive(Clone)]
pub struct SessionCookies {
    key: [u8; 32],
}

impl std::fmt::Debug for SessionCookies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionCookies(..)")
    }
}

impl SessionCookies {
    pub fn new(key: [u8; 32]) -> Self {
        Self { key }
    }

    pub fn seal(&self, claims: &SessionClaims) -> Option<String> {
        let mut header = JweHeader::new();
        header.set_content_encryption("A256GCM");
        let encrypter = Dir.encrypter_from_bytes(self.key).ok()?;
        let payload = serde_json::to_vec(claims).ok()?;
        josekit::jwe::serialize_compact(&payload, &header, &encrypter).ok()
    }

    /// The claims of a cookie this key sealed; `None` for anything else.
    pub fn open(&self, cookie: &str) -> Option<SessionClaims> {
        let decrypter = Dir.decrypter_from_bytes(self.key).ok()?;
        let (payload, _) = josekit::jwe::deserialize_compact(cookie, &decrypter).ok()?;
        serde_json::from_slice(&payload).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tampering() {
        let cookies = SessionCookies::new([9; 32]);
        let claims = SessionClaims {
            sid: "s".into(),
            sub: "u".into(),
            auth_time: 1,
            exp: 2,
        };
        let sealed = cookies.seal(&claims).unwrap();
        assert!(!sealed.contains("\"sub\""));
        assert_eq!(cookies.open(&sealed), Some(claims));
        assert_eq!(SessionCookies::new([8; 32]).open(&sealed), None);
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(cookies.open(&tampered), None);
        assert_eq!(cookies.open("garbage"), None);
    }
}
