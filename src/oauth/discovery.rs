//! The OpenID Provider metadata (OIDC Discovery 1.0 §3, RFC 8414 §2).
//!
//! It advertises only what works: each endpoint and capability is added with the code that
//! serves it.

use serde_json::json;

use crate::apps::SUPPORTED_SCOPES;
use crate::crypto::keyring::SigningAlg;

/// The metadata document, serialised once at start. `signing_algs` are the algorithms the key
/// ring holds keys for (RS256 always among them, as OIDC Discovery §3 requires).
pub fn document(issuer: &str, signing_algs: &[SigningAlg]) -> Vec<u8> {
    let algs: Vec<&str> = signing_algs.iter().map(|a| a.as_str()).collect();
    let doc = json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "userinfo_endpoint": format!("{issuer}/userinfo"),
        "jwks_uri": format!("{issuer}/jwks"),
        "end_session_endpoint": format!("{issuer}/end_session"),
        "introspection_endpoint": format!("{issuer}/introspect"),
        "revocation_endpoint": format!("{issuer}/revoke"),
        "scopes_supported": SUPPORTED_SCOPES,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "form_post"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": algs,
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256", "PS256", "ES256", "EdDSA"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "sid", "amr", "acr", "azp", "name", "email", "email_verified"],
        "prompt_values_supported": ["none", "login", "consent"],
        "authorization_response_iss_parameter_supported": true,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "claims_parameter_supported": false,
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
