//! The first operator: on a fresh start with no operator, `tessera serve` prints a one-time
//! setup link; the page behind it creates the first admin. The token is 256 random bits, stored
//! only as its SHA-256 hash, valid for an hour, and consumed in the ops-database transaction that
//! stores the operator, so a setup that fails leaves its link usable.

use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::{has_operators, insert_error, operator_row, OperatorError, OperatorRole};
use crate::access::Subject;
use crate::clock::Clock;
use crate::crypto::{random, sha256_hex};
use crate::identity::{self, NewUser, PasswordHasher, Pii};
use crate::store::{setup_tokens, Databases, Db};

/// How long a setup link works.
pub const SETUP_TOKEN_TTL: Duration = Duration::from_secs(3600);

fn hash(token: &str) -> String {
    sha256_hex(token.as_bytes())
}

/// A new setup token when no operator exists yet; `None` once one does.
pub async fn issue_setup_token(
    ops: &Db,
    clock: &Arc<dyn Clock>,
) -> Result<Option<SecretString>, OperatorError> {
    if has_operators(ops).await? {
        return Ok(None);
    }
    let now = clock.now();
    setup_tokens::delete_expired(ops, now).await?;
    let token = random::token::<32>();
    let expires_at = now + chrono::Duration::seconds(SETUP_TOKEN_TTL.as_secs() as i64);
    setup_tokens::insert_setup_token(ops, &hash(&token), now, expires_at).await?;
    Ok(Some(SecretString::from(token)))
}

/// Whether the setup page may be shown for this token (no operator yet, token unused and
/// unexpired). Nothing is consumed.
pub async fn is_setup_token_usable(
    ops: &Db,
    clock: &Arc<dyn Clock>,
    token: &str,
) -> Result<bool, OperatorError> {
    if has_operators(ops).await? {
        return Ok(false);
    }
    Ok(setup_tokens::is_usable(ops, &hash(token), clock.now()).await?)
}

/// Creates the first admin operator: the user with this email (whose password must match) or a
/// new user. The input and the token are checked before anything is written, so a typo or a
/// dead link creates no user. The user is created first (accounts database); the token is then
/// consumed with the operator insert in one ops-database transaction, so if anything fails the
/// link still works, and a retry finds the user and accepts it by its password.
pub async fn complete_setup(
    dbs: &Databases,
    pii: &Pii,
    hasher: &PasswordHasher,
    clock: &Arc<dyn Clock>,
    token: &SecretString,
    new: NewUser,
) -> Result<String, OperatorError> {
    if has_operators(&dbs.ops).await? {
        return Err(OperatorError::SetupDone);
    }
    identity::check_new_user(&new, hasher)?;
    let token_hash = hash(token.expose_secret());
    if !setup_tokens::is_usable(&dbs.ops, &token_hash, clock.now()).await? {
        return Err(OperatorError::InvalidSetupToken);
    }
    let existing = identity::find_user_id_by_email(&dbs.accounts, pii, &new.email).await?;
    if let Some(id) = &existing {
        let verified = identity::verify_credentials(
            &dbs.accounts,
            pii,
            hasher,
            new.email.as_str(),
            new.password.clone(),
            clock.now(),
        )
        .await?;
        if verified.as_ref() != Some(id) {
            return Err(OperatorError::WrongPassword);
        }
    }
    let user_id = match existing {
        Some(id) => id,
        None => identity::create_user(&dbs.accounts, pii, hasher, clock, new).await?,
    };
    let subject = Subject::User(user_id.clone());
    let now = clock.now();
    let row = operator_row(&subject, OperatorRole::Admin, now);
    // Another link may have been used since `is_usable`: the consumption decides.
    let is_consumed =
        setup_tokens::consume_setup_token_for_operator(&dbs.ops, &token_hash, now, &row)
            .await
            .map_err(|e| insert_error(e, &subject))?;
    if !is_consumed {
        return Err(OperatorError::InvalidSetupToken);
    }
    Ok(user_id)
}
