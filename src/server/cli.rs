//! The `portal` command line: `serve` (the default), `migrate`, `create-user`, `seed-demo`.
use std::io::{BufRead, IsTerminal};

use clap::{Parser, Subcommand};
use leptos::config::LeptosOptions;

use crate::domain::{Email, Password, Role, Roles};
use crate::server::auth::tokens::random_token;
use crate::server::config::Config;
use crate::server::db::Db;
use crate::server::state::AppState;
use crate::server::{accounts, demo, http, now_ms};

#[derive(Parser, Debug)]
#[command(name = "portal", version, about = "Customer self-service portal")]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the portal (the default). Applies pending migrations first.
    Serve {
        /// Create or refresh the demo accounts and print their passwords before serving.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create an account. Prompts for the password on a terminal, reads it with --password-stdin, or
    /// generates and prints one.
    CreateUser {
        #[arg(long)]
        email: String,
        /// customer, staff, editor or admin; repeat for several team roles.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        #[arg(long)]
        name: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Create or refresh the demo accounts and print their sign-in details.
    SeedDemo,
}

pub type CliResult = Result<(), Box<dyn std::error::Error>>;

pub async fn run() -> CliResult {
    let _ = dotenvy::dotenv();
    init_tracing();
    let cli = Cli::parse();
    let config = Config::from_env()?;
    let db = Db::connect(&config.database_url).await?;
    match cli.command.unwrap_or(Command::Serve { demo: false }) {
        Command::Serve { demo } => serve(config, db, demo).await,
        Command::Migrate => {
            db.migrate().await?;
            println!("migrations applied ({:?})", db.backend());
            Ok(())
        }
        Command::CreateUser { email, roles, name, password_stdin } => {
            db.migrate().await?;
            create_user(config, db, &email, &roles, name.as_deref(), password_stdin).await
        }
        Command::SeedDemo => {
            db.migrate().await?;
            let state = AppState::new(config, leptos_options(), db)?;
            seed_all(&state).await
        }
    }
}

async fn serve(mut config: Config, db: Db, seed_demo: bool) -> CliResult {
    db.migrate().await?;
    config.demo |= seed_demo;
    let state = AppState::new(config, leptos_options(), db)?;
    if seed_demo {
        seed_all(&state).await?;
    }
    http::serve(state).await?;
    Ok(())
}

/// Demo accounts (new passwords every time), demo requests and help articles (once), printed on the console.
async fn seed_all(state: &AppState) -> CliResult {
    let created = demo::seed(&state.db, &state.bus).await?;
    demo::print(&created, state.config.base_url.as_str().trim_end_matches('/'));
    let requests = demo::seed_requests(&state.db, &state.bus, &state.config).await.map_err(|e| format!("{e:?}"))?;
    for (reference, link) in requests {
        println!("Demo request {reference}: {link}");
    }
    let articles = crate::server::demo_kb::seed(&state.db).await?;
    if articles > 0 {
        println!(
            "Demo help centre: {articles} articles added at {}/help",
            state.config.base_url.as_str().trim_end_matches('/')
        );
    }
    Ok(())
}

async fn create_user(
    config: Config,
    db: Db,
    email: &str,
    roles: &[String],
    name: Option<&str>,
    password_stdin: bool,
) -> CliResult {
    let email = Email::parse(email).map_err(|e| format!("--email: {e:?}"))?;
    let roles = roles
        .iter()
        .map(|r| Role::parse(r).ok_or_else(|| format!("unknown role {r:?}")))
        .collect::<Result<Vec<_>, _>>()?;
    let roles = Roles::new(roles).map_err(|e| format!("--role: {e:?}"))?;
    let (password, generated) = read_password(password_stdin)?;
    let state = AppState::new(config, leptos_options(), db)?;
    let user = accounts::create(&state.db, &state.bus, &email, &roles, name, Some(password.clone()), now_ms()).await?;
    println!("created user {} ({}) with id {}", user.email, user.roles, user.id);
    if generated {
        println!("password: {}", password.expose());
    }
    Ok(())
}

/// The password and whether it was generated (and so must be shown once).
fn read_password(from_stdin: bool) -> Result<(Password, bool), Box<dyn std::error::Error>> {
    let stdin = std::io::stdin();
    if from_stdin {
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        let line = line.trim_end_matches(['\r', '\n']);
        return Ok((Password::parse(line).map_err(|e| format!("password: {e:?}"))?, false));
    }
    if stdin.is_terminal() {
        let first = rpassword::prompt_password("Password (12-128 characters): ")?;
        let again = rpassword::prompt_password("Repeat password: ")?;
        if first != again {
            return Err("the passwords differ".into());
        }
        return Ok((Password::parse(&first).map_err(|e| format!("password: {e:?}"))?, false));
    }
    let secret: String = random_token().chars().take(20).collect();
    Ok((Password::parse(&secret).expect("20 characters satisfy the policy"), true))
}

/// Leptos options from cargo-leptos' environment, with this crate's defaults when run directly.
pub fn leptos_options() -> LeptosOptions {
    leptos::config::get_configuration(None).map(|c| c.leptos_options).unwrap_or_else(|_| {
        LeptosOptions::builder()
            .output_name("portal")
            .site_root(std::env::var("LEPTOS_SITE_ROOT").unwrap_or_else(|_| "target/site".into()))
            .site_pkg_dir("pkg")
            .build()
    })
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_target(false).try_init();
}
