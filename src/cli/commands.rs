//! The commands.

use std::io::Read;
use std::sync::Arc;

use secrecy::SecretString;

use super::CliError;
use crate::apps::{self, NewApp};
use crate::bootstrap::{self, Mode};
use crate::clock::{Clock, SystemClock};
use crate::config::{redacted_toml, Settings};
use crate::crypto::keyring::{RotateOutcome, SigningAlg};
use crate::identity::{self, Email, NewUser, PasswordHasher};
use crate::state::AppState;
use crate::store::migrate::{self, Target};

fn clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

fn failed(e: impl std::fmt::Display) -> CliError {
    CliError::Failed(e.to_string())
}

fn print_json(value: &impl serde::Serialize) -> Result<(), CliError> {
    println!("{}", serde_json::to_string_pretty(value).map_err(failed)?);
    Ok(())
}

/// Opens storage for an operator command (no key-ring schedule, no Redis).
pub(super) async fn open(settings: Settings) -> Result<AppState, CliError> {
    Ok(bootstrap::open(settings, clock(), Mode::Cli).await?)
}

/// `tessera serve`: runs both listeners until SIGTERM/SIGINT.
pub async fn serve(settings: Settings) -> Result<(), CliError> {
    let state = bootstrap::open(settings, clock(), Mode::Server).await?;
    let running = crate::http::server::start(state)?;
    let issuer = running.state.settings.issuer.clone();
    tracing::info!(public = %running.public_addr, admin = %running.admin_addr, %issuer, "listening");
    // Before the addresses: whoever reads them may close standard output after the last one.
    super::print_setup_link(&running.state, running.admin_addr).await?;
    println!("Tessera is listening");
    println!("  public (issuer {issuer}): http://{}", running.public_addr);
    println!("  admin:                    http://{}", running.admin_addr);
    running
        .run_until(crate::http::server::shutdown_signal())
        .await
        .map_err(failed)
}

/// `tessera config check`: prints the effective settings with secrets redacted.
pub fn config_check(settings: &Settings) {
    print!("{}", redacted_toml(settings));
    eprintln!("configuration is valid");
}

/// `tessera migrate up`.
pub async fn migrate_up(settings: Settings) -> Result<(), CliError> {
    let state = bootstrap::open(settings, clock(), Mode::DatabasesOnly).await?;
    migrate::up(&state.dbs).await.map_err(failed)?;
    migrate_status_of(&state).await
}

/// `tessera migrate down N`: reverts the last N migrations of one database.
pub async fn migrate_down(settings: Settings, target: Target, steps: u32) -> Result<(), CliError> {
    let state = bootstrap::open(settings, clock(), Mode::DatabasesOnly).await?;
    migrate::down(&state.dbs, target, steps)
        .await
        .map_err(failed)?;
    migrate_status_of(&state).await
}

/// `tessera migrate status`.
pub async fn migrate_status(settings: Settings) -> Result<(), CliError> {
    let state = bootstrap::open(settings, clock(), Mode::DatabasesOnly).await?;
    migrate_status_of(&state).await
}

async fn migrate_status_of(state: &AppState) -> Result<(), CliError> {
    for m in migrate::status(&state.dbs).await.map_err(failed)? {
        let status = if m.is_applied { "applied" } else { "pending" };
        println!("{:<9} {:<8} {}", m.target.as_str(), status, m.name);
    }
    Ok(())
}

/// An ID-token algorithm no configured key can sign with is refused up front.
fn check_id_token_alg(settings: &Settings, new: &NewApp) -> Result<(), CliError> {
    if let Some(alg) = &new.id_token_alg {
        let has_key = settings.keys.algorithms.iter().any(|a| a.as_str() == alg);
        if !has_key && alg.parse::<SigningAlg>().is_ok() {
            return Err(CliError::Input(format!(
                "{alg} is not in keys.algorithms, so no key can sign such ID tokens; add it there first"
            )));
        }
    }
    Ok(())
}

/// `tessera client create`.
/// The input is checked before anything is opened, so bad input writes nothing.
pub async fn client_create(settings: Settings, new: NewApp) -> Result<(), CliError> {
    check_id_token_alg(&settings, &new)?;
    let app = new.validate()?;
    let state = open(settings).await?;
    let created = apps::create_app(&state.dbs.ops, &state.clock, app, None).await?;
    println!("{}", serde_json::to_string(&created).map_err(failed)?);
    Ok(())
}

/// `tessera client update`: the app's settings with the given changes, validated as a whole;
/// prints the app as saved.
pub async fn client_update(settings: Settings, args: super::ClientUpdate) -> Result<(), CliError> {
    let state = open(settings.clone()).await?;
    let current = apps::find_app(&state.dbs.ops, &args.client_id)
        .await?
        .ok_or_else(|| {
            CliError::Input(apps::AppError::UnknownApp(args.client_id.clone()).to_string())
        })?;
    let mut changed = super::clear(current.settings, &args.clear);
    if let Some(name) = args.name {
        changed.name = name;
    }
    let changed = args.settings.apply(changed);
    check_id_token_alg(&settings, &changed)?;
    let saved = apps::update_app(&state.dbs.ops, &state.clock, &args.client_id, changed).await?;
    print_json(&saved)
}

/// `tessera client list`.
pub async fn client_list(settings: Settings) -> Result<(), CliError> {
    let state = open(settings).await?;
    print_json(&apps::list_apps(&state.dbs.ops).await?)
}

/// Reads a password from standard input, without its final line break.
pub fn read_password(mut input: impl Read) -> Result<SecretString, CliError> {
    let mut text = String::new();
    input.read_to_string(&mut text).map_err(|e| {
        CliError::Input(format!("cannot read the password from standard input: {e}"))
    })?;
    let text = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(&text)
        .to_owned();
    Ok(SecretString::from(text))
}

/// `tessera user create`: prints the new user's id.
pub async fn user_create(
    settings: Settings,
    email: &str,
    name: Option<String>,
    password: SecretString,
) -> Result<(), CliError> {
    let new = NewUser {
        email: email.parse::<Email>()?,
        name,
        password,
    };
    // Checked before anything is opened, so bad input writes nothing.
    let policy = PasswordHasher::new(&settings.password).map_err(failed)?;
    identity::check_new_user(&new, &policy)?;
    let state = open(settings).await?;
    let id = identity::create_user(
        &state.dbs.accounts,
        &state.pii,
        &state.passwords,
        &state.clock,
        new,
    )
    .await?;
    println!("{id}");
    Ok(())
}

/// `tessera user list`.
pub async fn user_list(settings: Settings) -> Result<(), CliError> {
    let state = open(settings).await?;
    print_json(&identity::list_users(&state.dbs.accounts, &state.pii).await?)
}

/// Opens storage and brings the key ring up to date (creating the first keys if none exist).
async fn open_ring(settings: Settings) -> Result<AppState, CliError> {
    let state = open(settings).await?;
    state.keys.sync().await.map_err(failed)?;
    Ok(state)
}

fn parse_alg(text: &str) -> Result<SigningAlg, CliError> {
    text.parse()
        .map_err(|e: crate::crypto::keyring::UnknownAlg| CliError::Input(e.to_string()))
}

/// `tessera keys list`.
pub async fn keys_list(settings: Settings) -> Result<(), CliError> {
    let state = open_ring(settings).await?;
    print_json(&state.keys.list().await.map_err(failed)?)
}

/// `tessera keys retire --alg A`: for an algorithm removed from `keys.algorithms`.
pub async fn keys_retire(settings: Settings, alg: &str) -> Result<(), CliError> {
    let alg = parse_alg(alg)?;
    if settings.keys.algorithms.contains(&alg) {
        return Err(CliError::Input(format!(
            "{alg} is still in keys.algorithms; remove it there first (or use `keys rotate`)"
        )));
    }
    let state = open(settings).await?;
    let retired = state.keys.retire(alg).await.map_err(failed)?;
    print_json(&serde_json::json!({ "alg": alg.as_str(), "retired": retired }))
}

/// `tessera keys rotate`: every configured algorithm, or one.
pub async fn keys_rotate(
    settings: Settings,
    alg: Option<String>,
    immediately: bool,
    remove_previous: bool,
) -> Result<(), CliError> {
    if remove_previous && !immediately {
        return Err(CliError::Input("--remove-previous needs --now".into()));
    }
    let algs: Vec<SigningAlg> = match alg {
        Some(a) => {
            let alg = parse_alg(&a)?;
            if !settings.keys.algorithms.contains(&alg) {
                return Err(CliError::Input(format!(
                    "{alg} is not in keys.algorithms; add it there to give it a key"
                )));
            }
            vec![alg]
        }
        None => settings.keys.algorithms.clone(),
    };
    let state = open_ring(settings).await?;
    for alg in algs {
        let outcome = state
            .keys
            .rotate(alg, immediately, remove_previous)
            .await
            .map_err(failed)?;
        let line = match outcome {
            RotateOutcome::Scheduled { kid, activates_at } => serde_json::json!({
                "alg": alg.as_str(), "kid": kid, "state": "next", "activates_at": activates_at,
            }),
            RotateOutcome::AlreadyScheduled { kid, activates_at } => serde_json::json!({
                "alg": alg.as_str(), "kid": kid, "state": "next", "activates_at": activates_at,
                "note": "a successor was already published; use --now to make it sign immediately",
            }),
            RotateOutcome::Activated { kid, retired } => serde_json::json!({
                "alg": alg.as_str(), "kid": kid, "state": "active", "retired": retired,
                "previous_removed": remove_previous,
            }),
        };
        println!("{line}");
    }
    if remove_previous {
        // Applies the removal now rather than at the servers' next schedule run.
        state.keys.sync().await.map_err(failed)?;
    }
    Ok(())
}

/// Reads a JWK Set file given with `--jwks-file`.
pub fn read_jwks_file(path: &std::path::Path) -> Result<serde_json::Value, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Input(format!("{}: {e}", path.display())))?;
    serde_json::from_str(&text)
        .map_err(|e| CliError::Input(format!("{}: not JSON: {e}", path.display())))
}

/// `tessera client key …`.
pub enum KeyCommand {
    Create {
        client_id: String,
        label: String,
        expires_in: Option<std::time::Duration>,
    },
    Rotate {
        client_id: String,
        old_valid_for: std::time::Duration,
    },
    Revoke {
        client_id: String,
        key_id: String,
    },
    List {
        client_id: String,
    },
}

/// Runs a `tessera client key` command.
pub async fn client_key(settings: Settings, command: KeyCommand) -> Result<(), CliError> {
    let state = open(settings).await?;
    let client_id = match &command {
        KeyCommand::Create { client_id, .. }
        | KeyCommand::Rotate { client_id, .. }
        | KeyCommand::Revoke { client_id, .. }
        | KeyCommand::List { client_id } => client_id.clone(),
    };
    let app = state
        .apps
        .find(&client_id)
        .await
        .map_err(failed)?
        .ok_or_else(|| {
            CliError::Input(apps::AppError::UnknownApp(client_id.clone()).to_string())
        })?;
    let db = &state.dbs.ops;
    match command {
        KeyCommand::Create {
            label, expires_in, ..
        } => {
            let key = apps::create_key(db, &state.clock, &app, &label, expires_in).await?;
            println!("{}", serde_json::to_string(&key).map_err(failed)?);
        }
        KeyCommand::Rotate { old_valid_for, .. } => {
            let key = apps::rotate_keys(db, &state.clock, &app, old_valid_for).await?;
            println!("{}", serde_json::to_string(&key).map_err(failed)?);
        }
        KeyCommand::Revoke { key_id, .. } => {
            apps::revoke_key(db, &state.clock, &app, &key_id).await?
        }
        KeyCommand::List { .. } => print_json(&apps::list_keys(db, &app).await?)?,
    }
    Ok(())
}
