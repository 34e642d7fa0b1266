//! `customerclient-backend`: runs the backend services alone (for a fleet of kiosks), or plays
//! the customer's bank for a QR payment (`bank-pay`).

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Parser, Subcommand};
use customerclient_api::payments::BankStatus;
use customerclient_backend::payments::{DEMO_WEBHOOK_SECRET, bank};
use customerclient_backend::{
    Config, MailTransport, SmtpSecurity, default_database_path, sqlite_url,
};

#[derive(Parser)]
#[command(version, about = "Backend services for the customerclient kiosk")]
struct Cli {
    /// Address to listen on.
    #[arg(long, env = "CUSTOMERCLIENT_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Database URL; defaults to a SQLite file under the user's data directory.
    #[arg(long, env = "CUSTOMERCLIENT_DATABASE_URL")]
    database_url: Option<String>,
    /// The store profile (TOML): name, currency and price formats, delivery zones, opening
    /// hours, idle timeouts, QR merchant; see docs/store-profile.md. Default: the demo store.
    #[arg(long, env = "CUSTOMERCLIENT_STORE_PROFILE")]
    store: Option<std::path::PathBuf>,
    /// Do not seed the demo catalog into an empty database.
    #[arg(long)]
    no_seed: bool,
    /// Demo mode: the bank simulator page at /bank and the demo webhook secret and courier
    /// token when none is given. Without it both secrets must be set.
    #[arg(long, env = "CUSTOMERCLIENT_DEMO")]
    demo: bool,
    /// Shared secret of the bank's webhook (HMAC-SHA256), 16 characters or more.
    #[arg(long, env = "CUSTOMERCLIENT_WEBHOOK_SECRET", hide_env_values = true)]
    webhook_secret: Option<String>,
    /// How long a QR code can be paid, in seconds.
    #[arg(long, default_value_t = 300)]
    qr_lifetime: u64,
    /// Card payment gateway. Only the sandbox exists so far; a real one plugs in behind the
    /// same `PaymentGateway` trait.
    #[arg(long, default_value = "sandbox", value_parser = ["sandbox"])]
    payment_gateway: String,
    /// Shared secret of the kitchen and courier apps (`X-Courier-Token`).
    #[arg(long, env = "CUSTOMERCLIENT_COURIER_TOKEN", hide_env_values = true)]
    courier_token: Option<String>,
    /// The store operator's secret (`X-Operator-Token`: the operator API and page), 16
    /// characters or more.
    #[arg(long, env = "CUSTOMERCLIENT_OPERATOR_TOKEN", hide_env_values = true)]
    operator_token: Option<String>,
    /// The kiosks' heartbeat period the operator page assumes (three missed: offline).
    #[arg(long, default_value_t = customerclient_api::kiosk::HEARTBEAT_SECONDS)]
    heartbeat_seconds: u64,
    /// How long a card gateway may take to answer, in milliseconds; attempts pending twice
    /// as long are resolved by asking the gateway.
    #[arg(long, default_value_t = 15_000)]
    gateway_timeout_ms: u64,
    /// How often pending payments, stale QR codes and owed refunds are looked at, in ms.
    #[arg(long, default_value_t = 5_000)]
    recovery_interval_ms: u64,
    /// Orders one account may place within ten minutes before it is slowed down.
    #[arg(long, default_value_t = customerclient_backend::orders::ORDERS_PER_ACCOUNT.free)]
    orders_per_account: i64,
    /// A load balancer in front of this instance (an address or a network, e.g. 10.0.0.0/8;
    /// repeat or separate with commas): throttles key requests from it on the address it
    /// appended to X-Forwarded-For. The header is ignored from any other peer.
    #[arg(long, env = "CUSTOMERCLIENT_TRUSTED_PROXIES", value_delimiter = ',',
          value_parser = customerclient_backend::peers::parse_trusted)]
    trusted_proxy: Vec<ipnet::IpNet>,
    /// Where customers' phones reach this backend (e.g. https://track.example.com), for the
    /// links and QR codes to follow an order; by default its own listening address.
    #[arg(long, env = "CUSTOMERCLIENT_PUBLIC_URL")]
    public_url: Option<String>,
    /// Give the demo dishes no videos (seeding is faster).
    #[arg(long)]
    no_videos: bool,
    /// Grow the demo catalog to this many products (for benchmarks; a fresh database only).
    #[arg(long)]
    catalog_size: Option<usize>,
    /// Run the demo kitchen and couriers, this many times faster than real time (e.g. 10).
    #[arg(long, env = "CUSTOMERCLIENT_SIMULATOR_SPEED")]
    simulator_speed: Option<f64>,
    /// Do not serve the bank simulator page at /bank in demo mode.
    #[arg(long)]
    no_bank_simulator: bool,
    /// SMTP server for e-mail; without it mail is written as .eml files to the outbox folder.
    #[arg(long, env = "CUSTOMERCLIENT_SMTP_HOST")]
    smtp_host: Option<String>,
    #[arg(long, env = "CUSTOMERCLIENT_SMTP_PORT", default_value_t = 587)]
    smtp_port: u16,
    /// none, starttls or tls.
    #[arg(long, env = "CUSTOMERCLIENT_SMTP_SECURITY", default_value = "starttls", value_parser = ["none", "starttls", "tls"])]
    smtp_security: String,
    #[arg(long, env = "CUSTOMERCLIENT_SMTP_USER")]
    smtp_user: Option<String>,
    #[arg(long, env = "CUSTOMERCLIENT_SMTP_PASSWORD", hide_env_values = true)]
    smtp_password: Option<String>,
    /// Sender of every message.
    #[arg(long, env = "CUSTOMERCLIENT_MAIL_FROM")]
    mail_from: Option<String>,
    /// Folder for .eml files when no SMTP server is set (default: `outbox` beside the database).
    #[arg(long, env = "CUSTOMERCLIENT_OUTBOX")]
    outbox: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// The store's own menu: import it (JSON or CSV with pictures, see docs/menu-format.md)
    /// or export the catalog in the same format. Uses --database-url.
    Menu {
        #[command(subcommand)]
        action: MenuAction,
    },
    /// Pay (or reject) a QR payload as the customer's bank would, via the signed webhook.
    BankPay {
        /// Base URL of the backend that issued the code.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        backend_url: String,
        /// Shared webhook secret.
        #[arg(long, env = "CUSTOMERCLIENT_WEBHOOK_SECRET", default_value = DEMO_WEBHOOK_SECRET, hide_default_value = true)]
        secret: String,
        /// Reject instead of pay.
        #[arg(long)]
        reject: bool,
        /// The EMVCo payload the QR code holds.
        payload: String,
    },
}

#[derive(Subcommand)]
enum MenuAction {
    /// Checks the menu at PATH whole and makes it the catalog in one transaction; any problem
    /// is reported by file, line and field, and then nothing is imported.
    Import {
        /// menu.json, products.csv (with categories.csv beside it), or their folder.
        path: std::path::PathBuf,
        /// The prices' currency (ISO 4217) when the menu names none; by default the catalog's.
        #[arg(long)]
        currency: Option<String>,
    },
    /// Writes the listed catalog to PATH: a .json file, or else a folder of CSV files; with
    /// the pictures and videos beside it.
    Export { path: std::path::PathBuf },
    /// Marks the dish SKU sold out (false) or available again (true), e.g. at lunchtime.
    SetAvailable {
        sku: String,
        #[arg(action = clap::ArgAction::Set)]
        available: bool,
    },
}

/// `menu import|export`: exit status 1 with every problem listed when a menu is refused.
async fn menu(
    database_url: &str,
    profile: Option<&std::path::Path>,
    action: MenuAction,
) -> anyhow::Result<()> {
    // With --store, a menu in another currency than the profile's is refused.
    let profile = profile
        .map(customerclient_backend::StoreSetup::load)
        .transpose()?;
    customerclient_backend::ensure_database_folder(database_url)?;
    let store = customerclient_backend::store::Store::connect(database_url).await?;
    match action {
        MenuAction::Import { path, currency } => {
            let selling_in = profile.as_ref().map(|p| p.profile.currency.as_str());
            let before = store.catalog_currency().await?;
            let imported = customerclient_backend::menu::import_for(
                &store,
                &path,
                currency.as_deref(),
                selling_in,
            )
            .await;
            if imported.is_ok()
                && selling_in.is_none()
                && let (Some(before), Some(now)) = (before, store.catalog_currency().await?)
                && before != now
            {
                eprintln!(
                    "note: the catalog was priced in {before} and is now in {now}: the backend \
                     will start only with a store profile (--store) that sells in {now}"
                );
            }
            match imported {
                Ok(summary) => println!("imported {}: {summary}", path.display()),
                Err(customerclient_backend::menu::ImportError::Invalid(problems)) => {
                    for p in &problems {
                        eprintln!("{p}");
                    }
                    eprintln!(
                        "{} problem(s) in the menu; nothing was imported",
                        problems.len()
                    );
                    store.close().await;
                    // The report is the answer: no error trace after it.
                    std::process::exit(1);
                }
                Err(e) => return Err(e.into()),
            }
        }
        MenuAction::SetAvailable { sku, available } => {
            let found = store.set_available(&sku, available).await?;
            store.close().await;
            anyhow::ensure!(found, "no dish on the menu has the SKU {sku}");
            println!(
                "{sku} is {}",
                if available {
                    "available again"
                } else {
                    "sold out"
                }
            );
            return Ok(());
        }
        MenuAction::Export { path } => {
            let summary = customerclient_backend::menu::export(&store, &path).await?;
            println!(
                "exported {} categories, {} products and {} files to {}",
                summary.categories,
                summary.products,
                summary.files,
                path.display()
            );
        }
    }
    store.close().await;
    Ok(())
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
    if let Some(Command::Menu { action }) = cli.command {
        let url = cli
            .database_url
            .unwrap_or_else(|| sqlite_url(&default_database_path()));
        return menu(&url, cli.store.as_deref(), action).await;
    }
    if let Some(Command::BankPay {
        backend_url,
        secret,
        reject,
        payload,
    }) = cli.command
    {
        let status = if reject {
            BankStatus::Rejected
        } else {
            BankStatus::Paid
        };
        let (code, body) = bank::simulate(
            &reqwest::Client::new(),
            &backend_url,
            &secret,
            &payload,
            status,
        )
        .await?;
        println!("{code} {body}");
        anyhow::ensure!(code < 400, "the shop refused the payment");
        return Ok(());
    }
    let mut config = Config::new(
        cli.database_url
            .unwrap_or_else(|| sqlite_url(&default_database_path())),
    );
    config.seed_demo = !cli.no_seed;
    if let Some(path) = &cli.store {
        config.store = customerclient_backend::StoreSetup::load(path)?;
    }
    config.demo = cli.demo;
    config.orders_per_account.free = cli.orders_per_account.max(1);
    config.trusted_proxies = cli.trusted_proxy;
    config.public_url = cli.public_url;
    config.seed_videos = !cli.no_videos;
    if let Some(secret) = cli.webhook_secret {
        config.payments.webhook_secret = secret;
    } else if !cli.demo {
        config.payments.webhook_secret.clear();
    }
    config.payments.qr_lifetime = Duration::from_secs(cli.qr_lifetime);
    config.payments.bank_simulator = cli.demo && !cli.no_bank_simulator;
    config.payments.gateway_timeout = Duration::from_millis(cli.gateway_timeout_ms.max(1));
    config.recovery_interval = Duration::from_millis(cli.recovery_interval_ms.max(10));
    config.heartbeat_seconds = cli.heartbeat_seconds;
    if let Some(token) = cli.operator_token {
        config.operator_token = token;
    } else if !cli.demo {
        config.operator_token.clear();
    }
    if let Some(token) = cli.courier_token {
        config.courier_token = token;
    } else if !cli.demo {
        config.courier_token.clear();
    }
    config.catalog_size = cli.catalog_size;
    config.simulator = cli
        .simulator_speed
        .filter(|s| *s > 0.0)
        .map(customerclient_backend::simulator::SimulatorConfig::new);
    if let Some(from) = cli.mail_from {
        config.mail.from = from;
    }
    if let Some(dir) = cli.outbox {
        config.mail.transport = MailTransport::Outbox { dir };
    }
    if let Some(host) = cli.smtp_host {
        let security = match cli.smtp_security.as_str() {
            "none" => SmtpSecurity::None,
            "tls" => SmtpSecurity::Tls,
            _ => SmtpSecurity::StartTls,
        };
        let credentials = cli.smtp_user.zip(cli.smtp_password);
        config.mail.transport = MailTransport::Smtp {
            host,
            port: cli.smtp_port,
            security,
            credentials,
        };
    }
    let backend = customerclient_backend::start(&config, cli.listen).await?;
    println!("customerclient-backend listening on {}", backend.url());
    // Ctrl-C, or SIGTERM from a service manager or orchestrator taking the instance out.
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r?,
        _ = term.recv() => {}
    }
    tracing::info!("shutting down: draining requests and closing event streams");
    backend.stop().await;
    Ok(())
}
