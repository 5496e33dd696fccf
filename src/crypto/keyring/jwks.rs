//! The JWKS document (RFC 7517 §5), serialised once per ring change and served as bytes.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The published key set with its strong ETag.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JwksDocument {
    pub body: Vec<u8>,
    /// Quoted, per RFC 9110 §8.8.3.
    pub etag: String,
}

impl JwksDocument {
    /// Builds `{"keys":[...]}` from public JWKs in publication order.
    pub fn new(keys: Vec<Map<String, Value>>) -> Self {
        let doc = serde_json::json!({ "keys": keys });
        let body = serde_json::to_vec(&doc).unwrap_or_else(|_| b"{\"keys\":[]}".to_vec());
        let digest = Sha256::digest(&body);
        let etag = format!("\"{}\"", URL_SAFE_NO_PAD.encode(&digest[..18]));
        Self { body, etag }
    }

    /// RFC 9110 §13.1.2: whether an `If-None-Match` value matches this document.
    pub fn matches_if_none_match(&self, header: &str) -> bool {
        let ours = self.etag.as_str();
        header.split(',').map(str::trim).any(|tag| {
            // Weak comparison: W/"x" matches "x".
            tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == ours
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etag_follows_content_and_if_none_match_parses_lists() {
        let a = JwksDocument::new(vec![]);
        let mut key = Map::new();
        key.insert("kid".into(), Value::from("k1"));
        let b = JwksDocument::new(vec![key]);
        assert_ne!(a.etag, b.etag);
        assert!(a.etag.starts_with('"') && a.etag.ends_with('"'));
        assert!(a.matches_if_none_match(&a.etag));
        assert!(a.matches_if_none_match(&format!("\"other\", W/{}", a.etag)));
        assert!(a.matches_if_none_match("*"));
        assert!(!a.matches_if_none_match(&b.etag));
        assert!(!a.matches_if_none_match(""));
    }
}
