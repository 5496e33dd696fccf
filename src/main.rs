//! The `tessera` command: `serve` (the default) and the operator commands.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use tessera::apps::NewApp;
use tessera::cli::{self, CliError};
use tessera::config::Settings;
use tessera::store::migrate::Target;

#[derive(Parser)]
#[command(
    name = "tessera",
    version,
    about = "A standalone OpenID Connect / OAuth 2.0 identity provider"
)]
struct Cli {
    /// Config file (default: ./tessera.toml when it exists). TESSERA_* variables override it.
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default when no command is given).
    Serve,
    /// Database migrations.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Users.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Apps (OAuth clients).
    Client {
        #[command(subcommand)]
        action: ClientAction,
    },
    /// The signing key ring.
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
    /// Operators of the admin API and console.
    Admin {
        #[command(subcommand)]
        action: AdminAction,
    },
    /// Configuration.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
}

#[derive(Subcommand)]
enum MigrateAction {
    /// Apply every pending migration of both databases.
    Up,
    /// Revert the last N migrations (default 1) of one database.
    Down {
        #[arg(default_value_t = 1)]
        steps: u32,
        #[arg(long, value_enum, default_value_t = Database::Ops)]
        database: Database,
    },
    /// List migrations and whether they are applied.
    Status,
}

#[derive(Clone, Copy, ValueEnum)]
enum Database {
    Ops,
    Accounts,
}

#[derive(Subcommand)]
enum UserAction {
    /// Create a user; prints the user id.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: Option<String>,
        /// Read the password from standard input (required: passwords never go on the command line).
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users.
    List,
}

#[derive(Subcommand)]
enum ClientAction {
    /// Register an app; prints its client_id and (once) its client_secret as JSON.
    Create(Box<cli::ClientCreate>),
    /// Change an app's settings; prints the app as saved.
    Update(Box<cli::ClientUpdate>),
    /// List apps.
    List,
    /// An app's secret keys.
    Key {
        #[command(subcommand)]
        action: KeyAction,
    },
}

#[derive(Subcommand)]
enum KeyAction {
    /// Add a secret key (shown once), optionally expiring.
    Create {
        // App IDs are base64url: one may begin with `-`.
        #[arg(long, allow_hyphen_values = true)]
        client_id: String,
        #[arg(long, default_value = "key")]
        label: String,
        /// e.g. 90d
        #[arg(long, value_parser = humantime::parse_duration)]
        expires_in: Option<std::time::Duration>,
    },
    /// Add a key and let the current ones expire after --old-valid-for.
    Rotate {
        // App IDs are base64url: one may begin with `-`.
        #[arg(long, allow_hyphen_values = true)]
        client_id: String,
        #[arg(long, value_parser = humantime::parse_duration, default_value = "1d")]
        old_valid_for: std::time::Duration,
    },
    /// Revoke one key at once.
    Revoke {
        // App IDs are base64url: one may begin with `-`.
        #[arg(long, allow_hyphen_values = true)]
        client_id: String,
        #[arg(long)]
        key_id: String,
    },
    /// List an app's keys (never the secrets).
    List {
        // App IDs are base64url: one may begin with `-`.
        #[arg(long, allow_hyphen_values = true)]
        client_id: String,
    },
}

#[derive(Subcommand)]
enum KeysAction {
    /// List the keys with their states.
    List,
    /// Publish successors now (they sign after keys.prepublish), or with --now make them sign at once.
    Rotate {
        /// Only this algorithm (ES256, RS256, PS256, EdDSA).
        #[arg(long)]
        alg: Option<String>,
        /// The successor signs immediately (for a compromised key).
        #[arg(long)]
        now: bool,
        /// With --now: also take the previous key out of the JWKS, so tokens it signed stop
        /// verifying.
        #[arg(long)]
        remove_previous: bool,
    },
    /// Stop signing with an algorithm removed from keys.algorithms (its keys stay published
    /// for keys.retention).
    Retire {
        #[arg(long)]
        alg: String,
    },
}

#[derive(Subcommand)]
enum AdminAction {
    /// Make a user an operator, creating the user when the email is new (an existing user's
    /// password must match); prints the user id and role.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: Option<String>,
        /// admin, user or guest.
        #[arg(long, default_value = "admin")]
        role: String,
        /// Read the password from standard input (required).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Let an app call the admin API with tessera:admin tokens.
    AddApp {
        // App IDs are base64url: one may begin with `-`.
        #[arg(long, allow_hyphen_values = true)]
        client_id: String,
        /// admin, user or guest.
        #[arg(long)]
        role: String,
    },
    /// List operators.
    List,
}

#[derive(Subcommand)]
enum ConfigAction {
    /// Validate the configuration and print it with secrets redacted.
    Check,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}

async fn run(cli: Cli) -> Result<(), CliError> {
    let settings = Settings::load(cli.config.as_deref())?;
    let command = cli.command.unwrap_or(Command::Serve);
    let log_level = match command {
        Command::Serve => settings.log_level.clone(),
        _ => "warn".to_owned(),
    };
    tessera::telemetry::init(settings.log_format, &log_level);
    match command {
        Command::Serve => cli::serve(settings).await,
        Command::Config {
            action: ConfigAction::Check,
        } => {
            cli::config_check(&settings);
            Ok(())
        }
        Command::Migrate { action } => match action {
            MigrateAction::Up => cli::migrate_up(settings).await,
            MigrateAction::Down { steps, database } => {
                let target = match database {
                    Database::Ops => Target::Ops,
                    Database::Accounts => Target::Accounts,
                };
                cli::migrate_down(settings, target, steps).await
            }
            MigrateAction::Status => cli::migrate_status(settings).await,
        },
        Command::User { action } => match action {
            UserAction::Create {
                email,
                name,
                password_stdin,
            } => {
                if !password_stdin {
                    return Err(CliError::Input(
                        "pass --password-stdin and write the password to standard input".into(),
                    ));
                }
                let password = cli::read_password(std::io::stdin().lock())?;
                cli::user_create(settings, &email, name, password).await
            }
            UserAction::List => cli::user_list(settings).await,
        },
        Command::Client { action } => match action {
            ClientAction::Create(args) => {
                let jwks = match &args.jwks_file {
                    Some(path) => Some(cli::read_jwks_file(path)?),
                    None => None,
                };
                let new = args.settings.apply(NewApp {
                    name: args.name,
                    is_public: args.public,
                    private_key_jwt: args.private_key_jwt,
                    jwks,
                    jwks_uri: args.jwks_uri,
                    ..NewApp::default()
                });
                cli::client_create(settings, new).await
            }
            ClientAction::Update(args) => cli::client_update(settings, *args).await,
            ClientAction::List => cli::client_list(settings).await,
            ClientAction::Key { action } => cli::client_key(settings, action.into()).await,
        },
        Command::Admin { action } => match action {
            AdminAction::Create {
                email,
                name,
                role,
                password_stdin,
            } => {
                if !password_stdin {
                    return Err(CliError::Input(
                        "pass --password-stdin and write the password to standard input".into(),
                    ));
                }
                let password = cli::read_password(std::io::stdin().lock())?;
                cli::admin_create(settings, &email, name, &role, password).await
            }
            AdminAction::AddApp { client_id, role } => {
                cli::admin_add_app(settings, &client_id, &role).await
            }
            AdminAction::List => cli::admin_list(settings).await,
        },
        Command::Keys { action } => match action {
            KeysAction::List => cli::keys_list(settings).await,
            KeysAction::Rotate {
                alg,
                now,
                remove_previous,
            } => cli::keys_rotate(settings, alg, now, remove_previous).await,
            KeysAction::Retire { alg } => cli::keys_retire(settings, &alg).await,
        },
    }
}

impl From<KeyAction> for cli::KeyCommand {
    fn from(action: KeyAction) -> Self {
        match action {
            KeyAction::Create {
                client_id,
                label,
                expires_in,
            } => Self::Create {
                client_id,
                label,
                expires_in,
            },
            KeyAction::Rotate {
                client_id,
                old_valid_for,
            } => Self::Rotate {
                client_id,
                old_valid_for,
            },
            KeyAction::Revoke { client_id, key_id } => Self::Revoke { client_id, key_id },
            KeyAction::List { client_id } => Self::List { client_id },
        }
    }
}
