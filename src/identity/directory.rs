//! Looking users up for operators: paging, search, and personal data only when asked for.

use super::{Email, Pii, UserError};
use crate::store::users::{self, UserFilter, UserRow};
use crate::store::Db;

/// The largest page an operator may ask for.
pub const MAX_PER_PAGE: u64 = 200;
/// The last page a listing may ask for: offsets stay far inside what every database accepts.
pub const MAX_PAGE: u64 = 1_000_000;

/// What a page of users is searched by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserSearch {
    All,
    /// The user with this email (exact, through the blind index: emails are stored sealed).
    Email(Email),
    /// Users whose id starts with this.
    IdPrefix(String),
}

impl UserSearch {
    /// `q` as an operator typed it: an email when it has an `@`, else an id prefix.
    pub fn parse(q: Option<&str>) -> Result<Self, UserError> {
        let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) else {
            return Ok(Self::All);
        };
        if q.contains('@') {
            return q
                .parse::<Email>()
                .map(Self::Email)
                .map_err(|_| UserError::InvalidSearch);
        }
        let lower = q.to_ascii_lowercase();
        if lower.len() > 36 || !lower.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            return Err(UserError::InvalidSearch);
        }
        Ok(Self::IdPrefix(lower))
    }

    /// Whether the search itself reads personal data (an email).
    pub fn reads_personal_data(&self) -> bool {
        matches!(self, Self::Email(_))
    }
}

/// A user in a listing; `email` and `name` are present only when personal data was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub is_disabled: bool,
}

/// One page of users and how many match in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPage {
    pub users: Vec<UserRecord>,
    pub page: u64,
    pub per_page: u64,
    pub total: u64,
}

/// Page `page` (from 1) of `per_page` users (1 to [`MAX_PER_PAGE`]) matching `search`, oldest
/// first. Personal data is opened only with `with_personal_data`.
pub async fn find_users_page(
    db: &Db,
    pii: &Pii,
    search: &UserSearch,
    page: u64,
    per_page: u64,
    with_personal_data: bool,
) -> Result<UserPage, UserError> {
    if page == 0 || page > MAX_PAGE || per_page == 0 || per_page > MAX_PER_PAGE {
        return Err(UserError::InvalidPage);
    }
    let filter = match search {
        UserSearch::All => UserFilter::All,
        UserSearch::Email(email) => UserFilter::EmailIndex(pii.email_index(email)),
        UserSearch::IdPrefix(prefix) => UserFilter::IdPrefix(prefix.clone()),
    };
    let offset = (page - 1).saturating_mul(per_page);
    let (rows, total) = users::find_page(db, &filter, offset, per_page).await?;
    let users = rows
        .into_iter()
        .map(|row| record(pii, row, with_personal_data))
        .collect::<Result<_, _>>()?;
    Ok(UserPage {
        users,
        page,
        per_page,
        total,
    })
}

fn record(pii: &Pii, row: UserRow, with_personal_data: bool) -> Result<UserRecord, UserError> {
    let (email, name) = if with_personal_data {
        let open = |field: &str, sealed: &[u8]| {
            pii.open(&row.id, field, sealed)
                .map_err(|_| UserError::Sealed(row.id.clone()))
        };
        let email = open("email", &row.email_sealed)?;
        let name = row
            .name_sealed
            .as_deref()
            .map(|n| open("name", n))
            .transpose()?;
        (Some(email), name)
    } else {
        (None, None)
    };
    Ok(UserRecord {
        email,
        name,
        created_at: row.created_at,
        updated_at: row.updated_at,
        is_disabled: row.disabled_at.is_some(),
        id: row.id,
    })
}

/// One user; personal data is opened only with `with_personal_data`.
pub async fn find_user_record(
    db: &Db,
    pii: &Pii,
    id: &str,
    with_personal_data: bool,
) -> Result<UserRecord, UserError> {
    let row = users::find_user(db, id)
        .await?
        .ok_or_else(|| UserError::UnknownUser(id.to_owned()))?;
    record(pii, row, with_personal_data)
}

/// The id of the user with this email, if any.
pub async fn find_user_id_by_email(
    db: &Db,
    pii: &Pii,
    email: &Email,
) -> Result<Option<String>, UserError> {
    Ok(users::find_by_email_index(db, &pii.email_index(email))
        .await?
        .map(|u| u.id))
}
