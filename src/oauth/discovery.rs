//! The OpenID Provider metadata (OIDC Discovery 1.0 §3, RFC 8414 §2).
//!
//! It advertises only what works: each endpoint and capability is added with the code that
//! serves it.

use serde_json::json;

use crate::crypto::keyring::SigningAlg;

/// The metadata document, serialised once at start. `signing_algs` are the algorithms the key
/// ring holds keys for (RS256 always among them, as OIDC Discovery §3 requires).
pub fn document(issuer: &str, signing_algs: &[SigningAlg]) -> Vec<u8> {
    let algs: Vec<&str> = signing_algs.iter().map(|a| a.as_str()).collect();
    let doc = json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/jwks"),
        "token_endpoint": format!("{issuer}/token"),
        "introspection_endpoint": format!("{issuer}/introspect"),
        "revocation_endpoint": format!("{issuer}/revoke"),
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": algs,
    });
    serde_json::to_vec(&doc).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_hang_off_the_issuer_and_algorithms_come_from_the_ring() {
        let algs = [SigningAlg::Es256, SigningAlg::Rs256];
        let doc: serde_json::Value =
            serde_json::from_slice(&document("https://id.example.com", &algs)).unwrap();
        assert_eq!(doc["issuer"], "https://id.example.com");
        assert_eq!(doc["jwks_uri"], "https://id.example.com/jwks");
        assert_eq!(doc["subject_types_supported"], json!(["public"]));
        assert_eq!(
            doc["id_token_signing_alg_values_supported"],
            json!(["ES256", "RS256"])
        );
    }
}
