//! Access tokens encrypted to a resource (a compact JWE wrapping the signed token, RFC 7519
//! §5.2). Tessera encrypts them to the resource's public key and cannot read them back, so each
//! one is recorded at issuance by the SHA-256 of the string the app was given, with the `jti`,
//! app and `exp` of the signed token inside: its app can then still introspect and revoke it
//! (RFC 7662, RFC 7009). One insert per encrypted token; signed tokens are not recorded.

use chrono::{TimeZone, Utc};

use super::tokens::AccessTokenClaims;
use super::OAuthError;
use crate::crypto::sha256_hex;
use crate::store::encrypted_access_tokens::{self, EncryptedAccessTokenRow};
use crate::store::Db;

/// RFC 7516 §7.1: a compact JWE has five parts, a compact JWS (RFC 7515 §7.1) three.
pub fn is_encrypted(token: &str) -> bool {
    token.split('.').count() == 5
}

/// Records a token just encrypted from `claims`.
pub async fn record(db: &Db, token: &str, claims: &AccessTokenClaims) -> Result<(), OAuthError> {
    let expires_at = Utc
        .timestamp_opt(claims.exp, 0)
        .single()
        .ok_or_else(|| OAuthError::internal(format!("`exp` {} is out of range", claims.exp)))?;
    let row = EncryptedAccessTokenRow {
        token_hash: sha256_hex(token.as_bytes()),
        jti: claims.jti.clone(),
        app_id: claims.client_id.clone(),
        expires_at,
    };
    encrypted_access_tokens::insert_encrypted_access_token(db, &row)
        .await
        .map_err(OAuthError::internal)
}

/// The record of an encrypted token Tessera issued, if it is one (expired ones until purged).
pub async fn find(db: &Db, token: &str) -> Result<Option<EncryptedAccessTokenRow>, OAuthError> {
    encrypted_access_tokens::find_encrypted_access_token(db, &sha256_hex(token.as_bytes()))
        .await
        .map_err(OAuthError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_parts_make_a_jwe() {
        assert!(is_encrypted("h.k.iv.c.t"));
        assert!(is_encrypted("...."));
        assert!(!is_encrypted("h.p.s"));
        assert!(!is_encrypted("opaque-refresh-token"));
        assert!(!is_encrypted("a.b.c.d.e.f"));
    }
}
