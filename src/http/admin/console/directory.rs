//! Users as the console's forms and tables name them: a form takes an email or a user id; a
//! table shows a user's email only to operators who may read personal data, else their id.

use std::collections::HashMap;

use crate::http::form::{FieldErrors, FormData};
use crate::identity::{self, Email, UserError};
use crate::state::AppState;

/// What a form says when it names nobody.
pub const NO_SUCH_USER: &str = "No user has this email address or id.";

/// The id of the user `text` names: an email address (it has an `@`) or a user id. `None`
/// when nobody has it.
pub async fn find_user_id(state: &AppState, text: &str) -> Result<Option<String>, UserError> {
    let text = text.trim();
    if text.contains('@') {
        let Ok(email) = text.parse::<Email>() else {
            return Ok(None);
        };
        return identity::find_user_id_by_email(&state.dbs.accounts, &state.pii, &email).await;
    }
    if text.is_empty() {
        return Ok(None);
    }
    match identity::find_user_record(&state.dbs.accounts, &state.pii, text, false).await {
        Ok(user) => Ok(Some(user.id)),
        Err(UserError::UnknownUser(_)) => Ok(None),
        Err(err) => Err(err),
    }
}

/// The id of the user the form's `field` names; when nobody, `None` and the field's error.
pub async fn user_field(
    state: &AppState,
    form: &FormData,
    field: &'static str,
    errors: &mut FieldErrors,
) -> Result<Option<String>, UserError> {
    let found = find_user_id(state, form.get(field)).await?;
    if found.is_none() {
        errors.add(field, NO_SUCH_USER);
    }
    Ok(found)
}

/// How each of `ids` is shown: their email with `with_personal_data` (when the user still
/// exists), else the id itself.
pub async fn user_labels(
    state: &AppState,
    ids: impl IntoIterator<Item = &str>,
    with_personal_data: bool,
) -> Result<HashMap<String, String>, UserError> {
    let mut labels = HashMap::new();
    for id in ids {
        if labels.contains_key(id) {
            continue;
        }
        let label = if with_personal_data {
            identity::find_profile(&state.dbs.accounts, &state.pii, id)
                .await?
                .map_or_else(|| id.to_owned(), |p| p.email)
        } else {
            id.to_owned()
        };
        labels.insert(id.to_owned(), label);
    }
    Ok(labels)
}
