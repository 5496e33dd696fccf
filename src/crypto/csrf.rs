//! CSRF tokens for hosted forms: an HMAC of a random per-browser cookie value and the form's
//! purpose. A forged cross-site POST cannot read the cookie, so it cannot make the token.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Makes and checks CSRF tokens.
#[derive(Clone)]
pub struct Csrf {
    key: [u8; 32],
}

impl std::fmt::Debug for Csrf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Csrf(..)")
    }
}

impl Csrf {
    pub fn new(key: [u8; 32]) -> Self {
        Self { key }
    }

    /// The token for a form with this purpose, bound to the browser's CSRF cookie.
    pub fn token(&self, cookie: &str, purpose: &str) -> String {
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(&self.key) else {
            return String::new();
        };
        mac.update(cookie.as_bytes());
        mac.update(b"\0");
        mac.update(purpose.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// Whether `token` was made for this cookie and purpose (constant time).
    pub fn is_valid(&self, cookie: &str, purpose: &str, token: &str) -> bool {
        !cookie.is_empty() && super::ct_eq(self.token(cookie, purpose).as_bytes(), token.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_bound_to_cookie_and_purpose() {
        let csrf = Csrf::new([3; 32]);
        let token = csrf.token("cookie-a", "login:r1");
        assert!(csrf.is_valid("cookie-a", "login:r1", &token));
        assert!(!csrf.is_valid("cookie-b", "login:r1", &token));
        assert!(!csrf.is_valid("cookie-a", "consent:r1", &token));
        assert!(!csrf.is_valid("", "login:r1", &csrf.token("", "login:r1")));
        assert!(!Csrf::new([4; 32]).is_valid("cookie-a", "login:r1", &token));
    }
}
