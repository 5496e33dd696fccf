//! Removing what can no longer be used: expired pending requests, codes, sessions, tokens,
//! revocations, used client assertions and sign-ins that never got their second factor. Runs in
//! the background on every instance; each delete is idempotent, so instances do not need to
//! coordinate.

use chrono::{DateTime, Utc};

use super::OAuthError;
use crate::store::{
    authorization, client_assertions, encrypted_access_tokens, issued_tokens, pending_logins,
    revoked_tokens, sessions, Db,
};

/// Purges every expired row; returns how many were deleted.
pub async fn purge_expired(db: &Db, now: DateTime<Utc>) -> Result<u64, OAuthError> {
    let mut deleted = 0;
    deleted += authorization::delete_expired(db, now)
        .await
        .map_err(OAuthError::internal)?;
    deleted += issued_tokens::delete_expired(db, now)
        .await
        .map_err(OAuthError::internal)?;
    deleted += encrypted_access_tokens::delete_expired(db, now)
        .await
        .map_err(OAuthError::internal)?;
    deleted += sessions::delete_expired(db, now)
        .await
        .map_err(OAuthError::internal)?;
    deleted += revoked_tokens::delete_expired(db, now)
        .await
        .map_err(OAuthError::internal)?;
    deleted += client_assertions::delete_expired(db, now)
        .await
        .map_err(OAuthError::internal)?;
    deleted += pending_logins::delete_expired(db, now)
        .await
        .map_err(OAuthError::internal)?;
    Ok(deleted)
}
