//! Signing in in two steps: the right password of a user with a confirmed TOTP factor starts a
//! pending sign-in instead of a session, and a code finishes it. A pending sign-in lives a few
//! minutes, belongs to one user, is dropped after five wrong codes, and is finished once; no
//! session exists before the code.

use std::time::Duration;

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};

use super::mfa::{verify_code, CodeCheck, MfaError};
use super::{start_session, Pii};
use crate::crypto::{random, sha256_hex};
use crate::store::pending_logins::{self, PendingLoginRow};
use crate::store::sessions::SessionRow;
use crate::store::{users, Databases, Db};

/// How long the code may take after the password.
pub const PENDING_LOGIN_TTL: Duration = Duration::from_secs(5 * 60);
/// Wrong codes one pending sign-in may take before it is dropped.
pub const WRONG_CODES_PER_LOGIN: i32 = 5;
/// RFC 8176 §2: a password, a one-time password, more than one factor.
const MFA_AMR: [&str; 3] = ["pwd", "otp", "mfa"];

/// A sign-in waiting for its code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingLogin {
    pub user_id: String,
    pub return_to: String,
    pub ui_locales: Option<String>,
}

/// What a code did to a pending sign-in.
#[derive(Debug)]
pub enum CodeOutcome {
    SignedIn {
        session: SessionRow,
        return_to: String,
    },
    /// Refused; the sign-in may try again.
    WrongCode,
    /// Refused, and that was the last try: the sign-in is gone.
    Dropped,
    /// Codes are paused after too many wrong ones: the sign-in is gone.
    Locked,
    /// No such pending sign-in (expired, finished, dropped, or the user changed meanwhile).
    Expired,
}

/// Starts a pending sign-in for a user whose password was right; returns the browser's token.
/// `return_to` is our own path to continue at once signed in.
pub async fn start_pending_login(
    db: &Db,
    user_id: &str,
    return_to: &str,
    ui_locales: Option<&str>,
    now: DateTime<Utc>,
) -> Result<SecretString, MfaError> {
    let token = random::token::<32>();
    let ttl = chrono::Duration::from_std(PENDING_LOGIN_TTL).unwrap_or(chrono::Duration::minutes(5));
    pending_logins::insert_pending_login(
        db,
        &PendingLoginRow {
            id_hash: sha256_hex(token.as_bytes()),
            user_id: user_id.to_owned(),
            return_to: return_to.to_owned(),
            ui_locales: ui_locales.map(str::to_owned),
            failed_attempts: 0,
            created_at: now,
            expires_at: now + ttl,
        },
    )
    .await?;
    Ok(SecretString::from(token))
}

/// The pending sign-in a browser's token names, if it is still live.
pub async fn find_pending_login(
    db: &Db,
    token: &SecretString,
    now: DateTime<Utc>,
) -> Result<Option<PendingLogin>, MfaError> {
    let id_hash = sha256_hex(token.expose_secret().as_bytes());
    Ok(pending_logins::find_pending_login(db, &id_hash, now)
        .await?
        .map(|row| PendingLogin {
            user_id: row.user_id,
            return_to: row.return_to,
            ui_locales: row.ui_locales,
        }))
}

/// Finishes a pending sign-in with a code: a right one starts the session (once, however many
/// requests race), a wrong one is counted. Each check is reserved before the code is looked at,
/// so requests racing each other cannot check more than `WRONG_CODES_PER_LOGIN` codes.
pub async fn finish_pending_login(
    dbs: &Databases,
    pii: &Pii,
    token: &SecretString,
    code: &str,
    now: DateTime<Utc>,
    session_ttl: Duration,
) -> Result<CodeOutcome, MfaError> {
    let id_hash = sha256_hex(token.expose_secret().as_bytes());
    let Some(pending) = pending_logins::find_pending_login(&dbs.ops, &id_hash, now).await? else {
        return Ok(CodeOutcome::Expired);
    };
    let reserved =
        pending_logins::reserve_attempt(&dbs.ops, &id_hash, WRONG_CODES_PER_LOGIN, now).await?;
    let Some(reserved) = reserved else {
        // Out of tries (taken by requests racing this one), or over meanwhile.
        let is_live = pending_logins::find_pending_login(&dbs.ops, &id_hash, now)
            .await?
            .is_some();
        pending_logins::delete_pending_login(&dbs.ops, &id_hash).await?;
        return Ok(if is_live {
            CodeOutcome::Dropped
        } else {
            CodeOutcome::Expired
        });
    };
    let user_id = pending.user_id.as_str();
    let check = match verify_code(&dbs.accounts, pii, user_id, code, now).await {
        Ok(check) => check,
        // The factor was reset meanwhile: this sign-in started under other rules.
        Err(MfaError::NotEnrolled) => {
            pending_logins::delete_pending_login(&dbs.ops, &id_hash).await?;
            return Ok(CodeOutcome::Expired);
        }
        Err(e) => return Err(e),
    };
    match check {
        CodeCheck::Accepted => {
            if !pending_logins::consume_pending_login(&dbs.ops, &id_hash, now).await? {
                return Ok(CodeOutcome::Expired);
            }
            // The user may have been disabled or deleted while the code was awaited.
            let is_enabled = users::find_user(&dbs.accounts, user_id)
                .await?
                .is_some_and(|u| u.disabled_at.is_none());
            if !is_enabled {
                return Ok(CodeOutcome::Expired);
            }
            let amr = MFA_AMR.iter().map(|s| (*s).to_owned()).collect();
            let session = start_session(&dbs.ops, user_id, amr, now, session_ttl).await?;
            Ok(CodeOutcome::SignedIn {
                session,
                return_to: pending.return_to,
            })
        }
        CodeCheck::Refused if reserved < WRONG_CODES_PER_LOGIN => Ok(CodeOutcome::WrongCode),
        CodeCheck::Refused => {
            pending_logins::delete_pending_login(&dbs.ops, &id_hash).await?;
            Ok(CodeOutcome::Dropped)
        }
        CodeCheck::Locked => {
            pending_logins::delete_pending_login(&dbs.ops, &id_hash).await?;
            Ok(CodeOutcome::Locked)
        }
    }
}
