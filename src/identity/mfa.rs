//! TOTP second factors (RFC 6238): enrolment, confirmation with a first code, checking codes
//! (one step of drift either side, each code accepted once), removal, and an operator's reset.
//! The secret is sealed at rest like the users' personal data (`Pii`, field `totp_secret`).

use chrono::{DateTime, Duration, Utc};
use secrecy::SecretString;
use totp_rs::{Algorithm, Secret, TOTP};

use super::{find_profile, revoke_user_sessions, Pii, UserError};
use crate::crypto::{ct_eq, random};
use crate::store::totp_factors::{self, TotpFactorRow};
use crate::store::{pending_logins, Databases, Db, StoreError};

/// RFC 6238 §5.2: 30-second time steps.
const STEP_SECONDS: i64 = 30;
/// RFC 4226 §4 R6: at least 128 bits, 160 recommended.
const SECRET_BYTES: usize = 20;
const DIGITS: usize = 6;
/// RFC 6238 §5.2: at most one step of clock drift either way.
const SKEW_STEPS: i64 = 1;
/// Wrong codes in a row before code checks pause; each further run of as many doubles the pause.
pub const WRONG_CODES_BEFORE_LOCK: i32 = 5;
const MAX_LOCK_MINUTES: i64 = 64;
/// The sealed field's name: binds the ciphertext to this use as well as to the user.
const SEALED_FIELD: &str = "totp_secret";

/// Why a second-factor operation failed.
#[derive(Debug, thiserror::Error)]
pub enum MfaError {
    #[error("no user {0}")]
    UnknownUser(String),
    #[error("two-step verification is already on for this user")]
    AlreadyEnabled,
    #[error("two-step verification is not set up for this user")]
    NotEnrolled,
    #[error("the TOTP secret of user {0} cannot be decrypted (wrong master key?)")]
    Sealed(String),
    #[error(transparent)]
    User(UserError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<UserError> for MfaError {
    fn from(e: UserError) -> Self {
        match e {
            UserError::UnknownUser(id) => Self::UnknownUser(id),
            other => Self::User(other),
        }
    }
}

/// What an authenticator app needs: the secret in base32 (to type in) and as an `otpauth://` URI.
#[derive(Debug)]
pub struct Enrollment {
    pub secret_base32: SecretString,
    pub otpauth_uri: SecretString,
}

/// Where a user's second factor stands.
#[derive(Debug)]
pub enum FactorState {
    None,
    /// Enrolled, waiting for a first code.
    Unconfirmed(Enrollment),
    Confirmed,
}

/// The verdict on a code for a confirmed factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    Accepted,
    /// Wrong, malformed, or already used (a replay).
    Refused,
    /// Too many wrong codes in a row: codes are not checked until the pause ends.
    Locked,
}

/// Starts enrolment: a new 20-byte secret, stored sealed and unconfirmed (replacing an earlier
/// unconfirmed one). A user whose factor is confirmed must remove it first.
pub async fn enroll(
    db: &Db,
    pii: &Pii,
    issuer: &str,
    user_id: &str,
    now: DateTime<Utc>,
) -> Result<Enrollment, MfaError> {
    let Some(profile) = find_profile(db, pii, user_id).await? else {
        return Err(MfaError::UnknownUser(user_id.to_owned()));
    };
    if is_confirmed(totp_factors::find_factor(db, user_id).await?.as_ref()) {
        return Err(MfaError::AlreadyEnabled);
    }
    totp_factors::delete_unconfirmed(db, user_id).await?;
    let totp = totp(
        random::bytes::<SECRET_BYTES>().to_vec(),
        issuer,
        &profile.email,
    );
    let secret_base32 = totp.get_secret_base32();
    let secret_sealed = pii
        .seal(user_id, SEALED_FIELD, &secret_base32)
        .map_err(|_| MfaError::Sealed(user_id.to_owned()))?;
    let row = TotpFactorRow {
        user_id: user_id.to_owned(),
        secret_sealed,
        confirmed_at: None,
        last_used_step: None,
        failed_attempts: 0,
        locked_until: None,
        created_at: now,
        updated_at: now,
    };
    match totp_factors::insert_factor(db, &row).await {
        Ok(()) => Ok(enrollment(&totp)),
        // Another request enrolled or confirmed meanwhile.
        Err(StoreError::Duplicate(_)) => Err(MfaError::AlreadyEnabled),
        Err(e) => Err(e.into()),
    }
}

/// Where a user's factor stands; an unconfirmed one comes with its secret to show again.
pub async fn find_factor_state(
    db: &Db,
    pii: &Pii,
    issuer: &str,
    user_id: &str,
) -> Result<FactorState, MfaError> {
    let Some(factor) = totp_factors::find_factor(db, user_id).await? else {
        return Ok(FactorState::None);
    };
    if factor.confirmed_at.is_some() {
        return Ok(FactorState::Confirmed);
    }
    let Some(profile) = find_profile(db, pii, user_id).await? else {
        return Err(MfaError::UnknownUser(user_id.to_owned()));
    };
    let totp = open(pii, &factor, issuer, &profile.email)?;
    Ok(FactorState::Unconfirmed(enrollment(&totp)))
}

/// Confirms an unconfirmed factor with a first code; `false` (nothing changes) for a wrong one.
pub async fn confirm(
    db: &Db,
    pii: &Pii,
    user_id: &str,
    code: &str,
    now: DateTime<Utc>,
) -> Result<bool, MfaError> {
    let Some(factor) = totp_factors::find_factor(db, user_id)
        .await?
        .filter(|f| f.confirmed_at.is_none())
    else {
        return Err(MfaError::NotEnrolled);
    };
    let totp = open(pii, &factor, "", "")?;
    let Some(step) = matching_step(&totp, code, now) else {
        return Ok(false);
    };
    // Only the secret the code was checked against: a set-up started again in another tab
    // meanwhile replaced it with one this code was not made for.
    totp_factors::update_confirmed(db, user_id, &factor.secret_sealed, step, now)
        .await
        .map_err(MfaError::from)
}

/// Checks a code against a user's confirmed factor. Each check is reserved (counted as a wrong
/// code) in one statement before the code is looked at, so requests racing each other cannot
/// check more than `WRONG_CODES_BEFORE_LOCK` codes before the pause; each such run pauses checks
/// (1, 2, 4 … 64 minutes). An accepted code gives its check back, clears the count and records
/// its time step in one statement, so the code (and any earlier one) is refused after.
pub async fn verify_code(
    db: &Db,
    pii: &Pii,
    user_id: &str,
    code: &str,
    now: DateTime<Utc>,
) -> Result<CodeCheck, MfaError> {
    let Some(factor) = totp_factors::find_factor(db, user_id)
        .await?
        .filter(|f| f.confirmed_at.is_some())
    else {
        return Err(MfaError::NotEnrolled);
    };
    let totp = open(pii, &factor, "", "")?;
    let pauses = pause_ends(now);
    let reserved =
        totp_factors::reserve_attempt(db, user_id, WRONG_CODES_BEFORE_LOCK, &pauses, now).await?;
    let Some(reserved) = reserved else {
        // Paused, or the factor was removed meanwhile.
        return if has_mfa(db, user_id).await? {
            Ok(CodeCheck::Locked)
        } else {
            Err(MfaError::NotEnrolled)
        };
    };
    if let Some(step) = matching_step(&totp, code, now) {
        if totp_factors::consume_step(db, user_id, step, reserved, now).await? {
            return Ok(CodeCheck::Accepted);
        }
    }
    if reserved % WRONG_CODES_BEFORE_LOCK == 0 {
        tracing::info!(user_id, failed = reserved, "TOTP code checks paused");
    }
    Ok(CodeCheck::Refused)
}

/// When the pause after each run of wrong codes ends: 1 minute, doubling up to the longest.
fn pause_ends(now: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    std::iter::successors(Some(1_i64), |m| {
        Some(m * 2).filter(|m| *m <= MAX_LOCK_MINUTES)
    })
    .map(|minutes| now + Duration::minutes(minutes))
    .collect()
}

/// Removes a user's own confirmed factor, if `code` is a current one.
pub async fn remove(
    db: &Db,
    pii: &Pii,
    user_id: &str,
    code: &str,
    now: DateTime<Utc>,
) -> Result<CodeCheck, MfaError> {
    let check = verify_code(db, pii, user_id, code, now).await?;
    if check == CodeCheck::Accepted {
        totp_factors::delete_factor(db, user_id).await?;
    }
    Ok(check)
}

/// An operator's reset: deletes the user's factor (confirmed or not), drops their pending
/// sign-ins and ends their sessions; returns how many sessions ended. The factor goes first, so
/// no session started with it survives; a failure after that is finished by a retry.
pub async fn reset(dbs: &Databases, user_id: &str, now: DateTime<Utc>) -> Result<u64, MfaError> {
    totp_factors::delete_factor(&dbs.accounts, user_id).await?;
    pending_logins::delete_user_pending_logins(&dbs.ops, user_id).await?;
    Ok(revoke_user_sessions(dbs, user_id, now).await?)
}

/// Whether a user has a confirmed factor (and so signs in with a code).
pub async fn has_mfa(db: &Db, user_id: &str) -> Result<bool, MfaError> {
    Ok(is_confirmed(
        totp_factors::find_factor(db, user_id).await?.as_ref(),
    ))
}

fn is_confirmed(factor: Option<&TotpFactorRow>) -> bool {
    factor.is_some_and(|f| f.confirmed_at.is_some())
}

/// SHA-1, six digits, 30 s: what every authenticator app supports (RFC 6238 §1.2 default).
/// The labels only matter for the `otpauth://` URI; `:` separates them there, so it is dropped.
fn totp(secret: Vec<u8>, issuer: &str, account: &str) -> TOTP {
    let label = |s: &str| s.replace(':', "");
    let issuer = url::Url::parse(issuer)
        .ok()
        .and_then(|u| u.host_str().map(label))
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "Tessera".to_owned());
    TOTP::new_unchecked(
        Algorithm::SHA1,
        DIGITS,
        u8::try_from(SKEW_STEPS).unwrap_or(1),
        STEP_SECONDS.unsigned_abs(),
        secret,
        Some(issuer),
        label(account),
    )
}

fn open(pii: &Pii, factor: &TotpFactorRow, issuer: &str, account: &str) -> Result<TOTP, MfaError> {
    let sealed = || MfaError::Sealed(factor.user_id.clone());
    let base32 = pii
        .open(&factor.user_id, SEALED_FIELD, &factor.secret_sealed)
        .map_err(|_| sealed())?;
    let secret = Secret::Encoded(base32).to_bytes().map_err(|_| sealed())?;
    if secret.len() != SECRET_BYTES {
        return Err(sealed());
    }
    Ok(totp(secret, issuer, account))
}

fn enrollment(totp: &TOTP) -> Enrollment {
    Enrollment {
        secret_base32: SecretString::from(totp.get_secret_base32()),
        otpauth_uri: SecretString::from(totp.get_url()),
    }
}

/// The time step `code` is valid for at `now`, within the allowed drift; every candidate is
/// compared, in constant time, so timing does not tell which step matched.
fn matching_step(totp: &TOTP, code: &str, now: DateTime<Utc>) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let current = now.timestamp().div_euclid(STEP_SECONDS);
    let mut matched = None;
    for step in (current - SKEW_STEPS)..=(current + SKEW_STEPS) {
        let Ok(time) = u64::try_from(step * STEP_SECONDS) else {
            continue;
        };
        if ct_eq(totp.generate(time).as_bytes(), code.as_bytes()) {
            matched = Some(step);
        }
    }
    matched
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap()
    }

    #[test]
    fn codes_match_rfc_6238_and_one_step_either_side() {
        // RFC 6238 Appendix B: the SHA-1 seed, T = 59 gives 94287082 (8 digits; 287082 with 6).
        let totp = totp(b"12345678901234567890".to_vec(), "https://id.example", "a");
        assert_eq!(totp.generate(59), "287082");
        assert_eq!(matching_step(&totp, "287082", at(59)), Some(1));
        assert_eq!(
            matching_step(&totp, "287 082", at(89)),
            Some(1),
            "previous step"
        );
        assert_eq!(matching_step(&totp, "287082", at(29)), Some(1), "next step");
        assert_eq!(
            matching_step(&totp, "287082", at(90)),
            None,
            "two steps late"
        );
        assert_eq!(matching_step(&totp, "28708", at(59)), None);
        assert_eq!(matching_step(&totp, "28708a", at(59)), None);
    }

    #[test]
    fn pauses_double_up_to_64_minutes() {
        let now = at(0);
        let minutes: Vec<i64> = pause_ends(now)
            .iter()
            .map(|until| (*until - now).num_minutes())
            .collect();
        assert_eq!(minutes, [1, 2, 4, 8, 16, 32, 64]);
    }

    #[test]
    fn the_uri_names_the_issuer_host_and_the_account() {
        let totp = totp(
            vec![7; 20],
            "https://id.example.com:8443/x",
            "a:b@example.com",
        );
        let uri = totp.get_url();
        assert!(
            uri.starts_with("otpauth://totp/id.example.com:ab%40example.com?secret="),
            "{uri}"
        );
        assert!(uri.contains("issuer=id.example.com"), "{uri}");
        assert_eq!(totp.get_secret_base32().len(), 32, "160 bits in base32");
    }
}
