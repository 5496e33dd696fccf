//! The OpenID Provider metadata (OIDC Discovery 1.0 §3, RFC 8414 §2).
//!
//! It advertises only what works: each endpoint and capability is added with the code that
//! serves it.

use serde_json::json;

/// The metadata document, serialised once at start.
pub fn document(issuer: &str) -> Vec<u8> {
    let doc = json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/jwks"),
    });
    serde_json::to_vec(&doc).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn endpoints_hang_off_the_issuer() {
        let doc: serde_json::Value =
            serde_json::from_slice(&super::document("https://id.example.com/tenant")).unwrap();
        assert_eq!(doc["issuer"], "https://id.example.com/tenant");
        assert_eq!(doc["jwks_uri"], "https://id.example.com/tenant/jwks");
    }
}
