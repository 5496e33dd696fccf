//! Operators: who may use the admin API and console (DESIGN.md "Listeners"). An operator is a
//! user or an app with a role; nobody is one by default, and every admin route names the least
//! role it needs.

mod bearer;
mod setup;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Utc};

pub use bearer::{verify_admin_bearer, AdminBearerError, ADMIN_SCOPE};
pub use setup::{complete_setup, is_setup_token_usable, issue_setup_token, SETUP_TOKEN_TTL};

use crate::access::Subject;
use crate::clock::Clock;
use crate::identity::UserError;
use crate::store::operators::{self, OperatorRow};
use crate::store::{Db, StoreError};

/// An operator's role. Ordered: each role can do everything the ones before it can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OperatorRole {
    /// Reads everything except personal data.
    Guest,
    /// Also reads personal data and manages users, apps and organizations.
    User,
    /// Everything, including keys and operators.
    Admin,
}

impl OperatorRole {
    pub const ALL: [Self; 3] = [Self::Guest, Self::User, Self::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Guest => "guest",
            Self::User => "user",
            Self::Admin => "admin",
        }
    }

    /// Whether this role may have `needed`.
    pub fn covers(self, needed: Self) -> bool {
        self >= needed
    }

    /// Whether this role may read users' personal data (email, name).
    pub fn reads_personal_data(self) -> bool {
        self.covers(Self::User)
    }
}

impl FromStr for OperatorRole {
    type Err = OperatorError;

    fn from_str(text: &str) -> Result<Self, OperatorError> {
        match text {
            "admin" => Ok(Self::Admin),
            "user" => Ok(Self::User),
            "guest" => Ok(Self::Guest),
            other => Err(OperatorError::UnknownRole(other.to_owned())),
        }
    }
}

impl fmt::Display for OperatorRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    pub subject: Subject,
    pub role: OperatorRole,
    pub created_at: DateTime<Utc>,
}

/// Why an operator could not be created, found or set up.
#[derive(Debug, thiserror::Error)]
pub enum OperatorError {
    #[error("unknown operator role `{0}`: use admin, user or guest")]
    UnknownRole(String),
    #[error("{0} is already an operator")]
    AlreadyOperator(String),
    #[error("no app `{0}`")]
    UnknownApp(String),
    #[error("the setup link is invalid, used or expired; restart `tessera serve` for a new one")]
    InvalidSetupToken,
    #[error("an operator exists already: sign in on the admin console instead")]
    SetupDone,
    #[error("a user with this email exists and the password does not match")]
    WrongPassword,
    #[error(transparent)]
    User(#[from] UserError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn subject_of(row: &OperatorRow) -> Result<Subject, StoreError> {
    match row.subject_kind.as_str() {
        "user" => Ok(Subject::User(row.subject_id.clone())),
        "app" => Ok(Subject::App(row.subject_id.clone())),
        other => Err(StoreError::Corrupt(format!(
            "operators.subject_kind `{other}`"
        ))),
    }
}

fn role_of(row: &OperatorRow) -> Result<OperatorRole, StoreError> {
    row.role
        .parse()
        .map_err(|_| StoreError::Corrupt(format!("operators.role `{}`", row.role)))
}

fn operator_row(subject: &Subject, role: OperatorRole, now: DateTime<Utc>) -> OperatorRow {
    OperatorRow {
        subject_kind: subject.kind().to_owned(),
        subject_id: subject.id().to_owned(),
        role: role.as_str().to_owned(),
        created_at: now,
    }
}

fn insert_error(err: StoreError, subject: &Subject) -> OperatorError {
    match err {
        StoreError::Duplicate(_) => OperatorError::AlreadyOperator(subject.to_string()),
        other => other.into(),
    }
}

/// Makes a subject an operator with a role.
pub async fn add_operator(
    db: &Db,
    clock: &Arc<dyn Clock>,
    subject: &Subject,
    role: OperatorRole,
) -> Result<Operator, OperatorError> {
    let row = operator_row(subject, role, clock.now());
    operators::insert_operator(db, &row)
        .await
        .map_err(|e| insert_error(e, subject))?;
    Ok(Operator {
        subject: subject.clone(),
        role,
        created_at: row.created_at,
    })
}

/// Makes a subject an operator, or changes its role when it is one.
pub async fn set_operator(
    db: &Db,
    clock: &Arc<dyn Clock>,
    subject: &Subject,
    role: OperatorRole,
) -> Result<Operator, OperatorError> {
    match add_operator(db, clock, subject, role).await {
        Err(OperatorError::AlreadyOperator(_)) => {
            operators::update_operator_role(db, subject.kind(), subject.id(), role.as_str())
                .await?;
            find_operator(db, subject)
                .await?
                .ok_or_else(|| StoreError::Corrupt("operator vanished".into()).into())
        }
        other => other,
    }
}

/// The subject as an operator, if it is one.
pub async fn find_operator(db: &Db, subject: &Subject) -> Result<Option<Operator>, OperatorError> {
    let Some(row) = operators::find_operator(db, subject.kind(), subject.id()).await? else {
        return Ok(None);
    };
    Ok(Some(Operator {
        subject: subject_of(&row)?,
        role: role_of(&row)?,
        created_at: row.created_at,
    }))
}

/// Every operator.
pub async fn list_operators(db: &Db) -> Result<Vec<Operator>, OperatorError> {
    operators::find_operators(db)
        .await?
        .iter()
        .map(|row| {
            Ok(Operator {
                subject: subject_of(row)?,
                role: role_of(row)?,
                created_at: row.created_at,
            })
        })
        .collect()
}

/// Whether any operator exists (until one does, a setup link can create the first).
pub async fn has_operators(db: &Db) -> Result<bool, OperatorError> {
    Ok(operators::has_operators(db).await?)
}
