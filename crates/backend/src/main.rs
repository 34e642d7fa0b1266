//! `customerclient-backend`: runs the backend services alone, for a fleet of kiosks.

use std::net::SocketAddr;

use clap::Parser;
use customerclient_backend::{Config, default_database_path, sqlite_url};

#[derive(Parser)]
#[command(version, about = "Backend services for the customerclient kiosk")]
struct Cli {
    /// Address to listen on.
    #[arg(long, env = "CUSTOMERCLIENT_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Database URL; defaults to a SQLite file under the user's data directory.
    #[arg(long, env = "CUSTOMERCLIENT_DATABASE_URL")]
    database_url: Option<String>,
    /// Do not seed the demo catalog into an empty database.
    #[arg(long)]
    no_seed: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let mut config = Config::new(
        cli.database_url
            .unwrap_or_else(|| sqlite_url(&default_database_path())),
    );
    config.seed_demo = !cli.no_seed;
    let backend = customerclient_backend::start(&config, cli.listen).await?;
    println!("customerclient-backend listening on {}", backend.url());
    tokio::signal::ctrl_c().await?;
    tracing::info!("shutting down");
    backend.stop().await;
    Ok(())
}
