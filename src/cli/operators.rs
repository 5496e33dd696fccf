//! `tessera admin …`: operators of the admin API, and the first-run setup link.

use secrecy::{ExposeSecret, SecretString};

use super::commands::open;
use super::CliError;
use crate::access::Subject;
use crate::config::Settings;
use crate::identity::{self, Email, NewUser};
use crate::operators::{self, OperatorError, OperatorRole};
use crate::state::AppState;

fn print_json(value: &serde_json::Value) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| CliError::Failed(e.to_string()))?;
    println!("{text}");
    Ok(())
}

/// `tessera admin create --email E [--name N] [--role R] --password-stdin`: makes the user with
/// this email an operator (creating the user when the email is new; an existing user's password
/// must match). Bad input exits 2 and writes nothing.
pub async fn admin_create(
    settings: Settings,
    email: &str,
    name: Option<String>,
    role: &str,
    password: SecretString,
) -> Result<(), CliError> {
    let role: OperatorRole = role.parse()?;
    let email: Email = email.parse()?;
    let state = open(settings).await?;
    let existing = identity::find_user_id_by_email(&state.dbs.accounts, &state.pii, &email).await?;
    let (user_id, is_new) = match existing {
        Some(id) => {
            let verified = identity::verify_credentials(
                &state.dbs.accounts,
                &state.pii,
                &state.passwords,
                email.as_str(),
                password,
                state.clock.now(),
            )
            .await?;
            if verified.as_ref() != Some(&id) {
                return Err(OperatorError::WrongPassword.into());
            }
            (id, false)
        }
        None => {
            let new = NewUser {
                email,
                name,
                password,
            };
            identity::check_new_user(&new, &state.passwords)?;
            let id = identity::create_user(
                &state.dbs.accounts,
                &state.pii,
                &state.passwords,
                &state.clock,
                new,
            )
            .await?;
            (id, true)
        }
    };
    let subject = Subject::User(user_id.clone());
    let operator = operators::set_operator(&state.dbs.ops, &state.clock, &subject, role).await?;
    print_json(&serde_json::json!({
        "user_id": user_id,
        "created_user": is_new,
        "role": operator.role.as_str(),
    }))
}

/// `tessera admin add-app --client-id ID --role R`: lets an app call the admin API (its tokens
/// still need the `tessera:admin` scope).
pub async fn admin_add_app(
    settings: Settings,
    client_id: &str,
    role: &str,
) -> Result<(), CliError> {
    let role: OperatorRole = role.parse()?;
    let state = open(settings).await?;
    if crate::apps::find_app(&state.dbs.ops, client_id)
        .await?
        .is_none()
    {
        return Err(OperatorError::UnknownApp(client_id.to_owned()).into());
    }
    let subject = Subject::App(client_id.to_owned());
    let operator = operators::set_operator(&state.dbs.ops, &state.clock, &subject, role).await?;
    print_json(&serde_json::json!({ "client_id": client_id, "role": operator.role.as_str() }))
}

/// `tessera admin list`.
pub async fn admin_list(settings: Settings) -> Result<(), CliError> {
    let state = open(settings).await?;
    let list: Vec<serde_json::Value> = operators::list_operators(&state.dbs.ops)
        .await?
        .into_iter()
        .map(|o| {
            serde_json::json!({
                "kind": o.subject.kind(),
                "id": o.subject.id(),
                "role": o.role.as_str(),
                "created_at": o.created_at,
            })
        })
        .collect();
    print_json(&serde_json::Value::Array(list))
}

/// On a start with no operator: a one-time setup link, on standard output only (never logged).
/// A closed standard output loses the link (a new one comes with the next start) and nothing else.
pub async fn print_setup_link(
    state: &AppState,
    admin: std::net::SocketAddr,
) -> Result<(), CliError> {
    use std::io::Write;
    if let Some(token) = operators::issue_setup_token(&state.dbs.ops, &state.clock).await? {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "No operator exists yet. Create the first administrator (the link works once, for 1 hour):\n  setup: http://{admin}/setup?token={}\n  (or run `tessera admin create --email E --password-stdin`)",
            token.expose_secret()
        );
    }
    Ok(())
}

impl From<OperatorError> for CliError {
    fn from(e: OperatorError) -> Self {
        match e {
            OperatorError::Store(err) => Self::Failed(err.to_string()),
            OperatorError::User(err) => err.into(),
            other => Self::Input(other.to_string()),
        }
    }
}
