//! `domovoy`: see `domovoy --help`.

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::Parser as _;

use domovoy::cli::{Cli, Command};
use domovoy::settings::Overrides;
use domovoy::{Application, Settings, commands, demo, install_crypto_provider, telemetry};

fn main() -> ExitCode {
    let cli = Cli::parse();
    install_crypto_provider();
    let result = actix_web::rt::System::new().block_on(run(cli));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "Ошибка: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut overrides = Overrides {
        data_dir: cli.data_dir.clone(),
        database_url: cli.database_url.clone(),
        listen: None,
        log_format: cli.log_format.clone(),
    };
    match cli.command {
        Command::Serve { listen } => {
            overrides.listen = listen;
            let settings = load(&cli.config, &overrides)?;
            // Held while serving a SQLite file: `restore` refuses meanwhile.
            let _serving = commands::lock_sqlite(&settings)?;
            let app = Application::build(&settings).await?;
            domovoy::startup::warn_if_no_administrator(app.db()).await?;
            domovoy::startup::warn_if_autovacuum_off(app.db()).await?;
            tracing::info!(listen = %settings.listen, port = app.port(), "serving");
            app.run_until_stopped().await
        }
        Command::Demo { listen } => {
            let address: SocketAddr = listen.parse().with_context(|| format!("не адрес: {listen}"))?;
            if !address.ip().is_loopback() {
                bail!("демо-стенд слушает только 127.0.0.1 или ::1: пароли демо известны всем");
            }
            if cli.database_url.is_some() {
                bail!(
                    "демо-стенд работает только на своём файле SQLite и стирает его при каждом запуске: \
                     --database-url к нему не применяется (для своей базы — domovoy serve)"
                );
            }
            overrides.listen = Some(listen);
            overrides.data_dir = Some(cli.data_dir.clone().unwrap_or_else(|| "./data/demo".into()));
            // The demo always runs on its own SQLite file, whatever the
            // environment says about production databases.
            overrides.database_url = None;
            let mut settings = load(&cli.config, &overrides)?;
            settings.database_url = None;
            std::fs::create_dir_all(&settings.data_dir)
                .with_context(|| format!("cannot create {}", settings.data_dir.display()))?;
            // Another demo on this directory would lose its database here.
            let _serving = commands::lock_sqlite(&settings)?;
            demo::wipe(&settings.data_dir)?;
            let app = Application::build(&settings).await?;
            demo::seed(app.db()).await?;
            let pbx_token = demo::seed_calls(app.app()).await?;
            eprintln!("Создаю историю заявок за год…");
            let created = demo::seed_history(app.db(), demo::HISTORY_DAYS, chrono::Utc::now()).await?;
            tracing::info!(tickets = created, "demo history created");
            let url = format!("http://{}:{}", address.ip(), app.port());
            demo::print_banner(&mut std::io::stdout().lock(), &url, &settings.data_dir, &pbx_token)?;
            app.run_until_stopped().await
        }
        Command::Migrate => commands::migrate(&load(&cli.config, &overrides)?).await,
        Command::Backup { to } => commands::backup(&load(&cli.config, &overrides)?, &to).await,
        Command::Restore { from } => commands::restore(&load(&cli.config, &overrides)?, &from).await,
        Command::User(command) => commands::user(&load(&cli.config, &overrides)?, command).await,
        Command::Calendar(command) => commands::calendar(&load(&cli.config, &overrides)?, command).await,
        Command::Call(command) => commands::call(&load(&cli.config, &overrides)?, command).await,
        Command::Reports(command) => commands::reports(&load(&cli.config, &overrides)?, command).await,
        Command::Import(args) => commands::import(&load(&cli.config, &overrides)?, args).await,
    }
}

fn load(file: &Option<std::path::PathBuf>, overrides: &Overrides) -> anyhow::Result<Settings> {
    let settings = Settings::load(file.as_deref(), overrides).context("cannot read the settings")?;
    telemetry::init(&settings.log);
    Ok(settings)
}
