//! `bellhop-server`: flags into [`Settings`], logs, and a graceful run.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;

use crate::app::Server;
use crate::config::{Settings, limits};

#[derive(Debug, Parser)]
#[command(
    name = "bellhop-server",
    version,
    about = "The Bellhop helpdesk server"
)]
struct Args {
    /// Directory for the SQLite database and other data.
    #[arg(long, env = "BELLHOP_DATA_DIR", default_value = "./bellhop-data")]
    data_dir: PathBuf,
    /// PostgreSQL (`postgres://user:pass@host/db`) instead of the SQLite file in the data
    /// directory. Attachments and the mail outbox stay in the data directory.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "BELLHOP_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Seed the demo world (Acme, Globex, tickets, articles) on first start.
    #[arg(long, env = "BELLHOP_DEMO")]
    demo: bool,
    /// The built web UI to serve at `/` (defaults to ./ui/dist when it exists).
    #[arg(long, env = "BELLHOP_UI_DIR")]
    ui_dir: Option<PathBuf>,
    /// Largest JSON request body, in bytes.
    #[arg(long, env = "BELLHOP_MAX_JSON_BYTES", default_value_t = 1024 * 1024)]
    max_json_bytes: usize,
    /// Largest attachment, in bytes (default 25 MiB).
    #[arg(long, env = "BELLHOP_MAX_ATTACHMENT_BYTES", default_value_t = bellhop_proto::DEFAULT_MAX_ATTACHMENT_BYTES as usize)]
    max_attachment_bytes: usize,
    /// SMTP server for outgoing mail (`smtp://user:pass@host:587`); without it mail is written to
    /// `<data-dir>/outbox/*.eml`.
    #[arg(long, env = "BELLHOP_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// The portal's address as people reach it, for links in emails (default
    /// `http://<listen address>`, or `https://` with a certificate).
    #[arg(long, env = "BELLHOP_PUBLIC_URL")]
    public_url: Option<String>,
    /// Serve HTTPS with this certificate (PEM, the chain after it); needs --tls-key. The files
    /// are read again when they change, so a renewal needs no restart.
    #[arg(long, env = "BELLHOP_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM); needs --tls-cert.
    #[arg(long, env = "BELLHOP_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Serve HTTPS with a certificate the server obtains and renews itself over ACME (Let's
    /// Encrypt by default) for this name; repeat it or separate with commas. The name must reach
    /// this server on port 443 (the TLS-ALPN-01 challenge). Not with --tls-cert.
    #[arg(
        long = "acme-domain",
        env = "BELLHOP_ACME_DOMAIN",
        value_delimiter = ',',
        conflicts_with = "tls_cert"
    )]
    acme_domains: Vec<String>,
    /// Who the CA writes to about the certificates (`mailto:admin@example.com`).
    #[arg(
        long = "acme-contact",
        env = "BELLHOP_ACME_CONTACT",
        value_delimiter = ','
    )]
    acme_contacts: Vec<String>,
    /// The CA's ACME directory (default: Let's Encrypt's).
    #[arg(long, env = "BELLHOP_ACME_DIRECTORY", default_value = crate::acme::LETS_ENCRYPT)]
    acme_directory: String,
    /// Extra roots (PEM) to trust the ACME directory with: a private CA's.
    #[arg(long, env = "BELLHOP_ACME_DIRECTORY_ROOTS")]
    acme_directory_roots: Option<PathBuf>,
    /// The host name the portal's own name should be a CNAME to (shown in the console's Portal
    /// settings with the check that the name reaches this server).
    #[arg(long, env = "BELLHOP_CNAME_TARGET")]
    cname_target: Option<String>,
    /// With HTTPS, also listen for plain HTTP here (e.g. `0.0.0.0:80`) and send every request
    /// to the public HTTPS address.
    #[arg(long, env = "BELLHOP_HTTP_REDIRECT_LISTEN")]
    http_redirect_listen: Option<SocketAddr>,
    /// SMS gateway for phone codes: each text is POSTed as JSON `{"to", "text"}`; without it
    /// texts are written to `<data-dir>/sms/*.txt`.
    #[arg(long, env = "BELLHOP_SMS_URL")]
    sms_url: Option<String>,
    /// Bearer token for the SMS gateway (prefer the environment variable).
    #[arg(long, env = "BELLHOP_SMS_TOKEN", hide_env_values = true)]
    sms_token: Option<String>,
    /// A proxy (address or network, e.g. `10.0.0.0/8`) whose `X-Forwarded-For` header names
    /// the client; repeat it or separate with commas. Without it the socket's peer is the client.
    #[arg(
        long = "trusted-proxy",
        env = "BELLHOP_TRUSTED_PROXY",
        value_delimiter = ',',
        value_parser = address_or_network
    )]
    trusted_proxies: Vec<ipnet::IpNet>,
    /// Connections open at once; more wait to be accepted (each desktop app keeps one open for
    /// its live events).
    #[arg(long, env = "BELLHOP_MAX_CONNECTIONS", default_value_t = limits::MAX_CONNECTIONS)]
    max_connections: usize,
    /// Live event streams one person may hold open at once.
    #[arg(long, env = "BELLHOP_MAX_STREAMS_PER_PERSON", default_value_t = limits::MAX_STREAMS_PER_PERSON)]
    max_streams_per_person: usize,
    /// Seconds a client has to send a request's headers (and may sit idle between requests).
    #[arg(long, env = "BELLHOP_HEADER_TIMEOUT_SECS", default_value_t = limits::HEADER_READ_TIMEOUT.as_secs())]
    header_timeout_secs: u64,
    /// Seconds a request may take (live event streams and uploads excepted).
    #[arg(long, env = "BELLHOP_REQUEST_TIMEOUT_SECS", default_value_t = limits::REQUEST_TIMEOUT.as_secs())]
    request_timeout_secs: u64,
    /// Seconds an upload may take.
    #[arg(long, env = "BELLHOP_UPLOAD_TIMEOUT_SECS", default_value_t = limits::UPLOAD_TIMEOUT.as_secs())]
    upload_timeout_secs: u64,
    /// Seconds a shutdown waits for requests in flight.
    #[arg(long, env = "BELLHOP_SHUTDOWN_GRACE_SECS", default_value_t = limits::SHUTDOWN_GRACE.as_secs())]
    shutdown_grace_secs: u64,
    /// Seconds a chat may go without a message before its first idle warning; a second comes
    /// after as long again, and the chat ends after a third.
    #[arg(long, env = "BELLHOP_CHAT_IDLE_SECS", default_value_t = limits::CHAT_IDLE.as_secs())]
    chat_idle_secs: u64,
    /// Seconds a technician stays on duty after their console closes (a reload keeps them).
    #[arg(long, env = "BELLHOP_PRESENCE_SECS", default_value_t = limits::PRESENCE_HOLDS.as_secs())]
    presence_secs: u64,
    /// Let `--demo`, whose passwords are public, listen beyond loopback.
    #[arg(long, env = "BELLHOP_DEMO_BEYOND_LOOPBACK")]
    demo_beyond_loopback: bool,
    /// The From address of outgoing mail.
    #[arg(long, env = "BELLHOP_MAIL_FROM", default_value = crate::config::DEFAULT_MAIL_FROM)]
    mail_from: String,
    /// Without a command, the server runs.
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// The desk's admins, from the machine the server runs on.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Mail that comes back to the server's return address.
    #[command(subcommand)]
    Mail(MailCommand),
    /// Releases of the desktop app, which the server offers to devices as updates.
    #[command(subcommand)]
    Release(ReleaseCommand),
}

#[derive(Debug, clap::Subcommand)]
enum ReleaseCommand {
    /// Adds a release with its files, each with the signature the bundler wrote beside it
    /// (`FILE.sig`). Devices are offered it at once, as it says.
    Add {
        /// Its version (semantic versioning: 1.4.2, 1.5.0-beta.1).
        #[arg(long)]
        version: String,
        /// Who follows it: stable, or beta (beta devices take stable releases too).
        #[arg(long, default_value = "stable", value_parser = channel)]
        channel: bellhop_proto::UpdateChannel,
        /// What is new, shown to people when it installs.
        #[arg(long, default_value = "")]
        notes: String,
        /// The share of devices offered it, 0 to 100 (the same devices stay in as it widens).
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u8).range(0..=100))]
        percent: u8,
        /// Only this organisation's devices (its name or id); repeat for more. Default: every
        /// organisation.
        #[arg(long = "org")]
        orgs: Vec<String>,
        /// A file and the platform it is for: `linux-x86_64=Bellhop.AppImage`. Repeat per
        /// platform.
        #[arg(long = "artifact", required = true, value_parser = artifact)]
        artifacts: Vec<(bellhop_proto::UpdatePlatform, PathBuf)>,
        /// The app's updater public key (as in tauri.conf.json): each signature is checked to
        /// sign its file with it, so a release the apps would refuse is never offered.
        #[arg(long, env = "BELLHOP_UPDATER_PUBLIC_KEY")]
        public_key: Option<String>,
        /// Pause it by itself when this many devices report it failed to install or start (0:
        /// never).
        #[arg(long, default_value_t = bellhop_proto::DEFAULT_PAUSE_AFTER_FAILURES)]
        pause_after_failures: u32,
    },
    /// Lists the releases, newest first, with how far each has gone.
    List,
    /// Changes a release's rollout: its percentage, or pauses or resumes it.
    Rollout {
        /// The release's version.
        version: String,
        #[arg(long, value_parser = clap::value_parser!(u8).range(0..=100))]
        percent: Option<u8>,
        /// Offer it to nobody until resumed.
        #[arg(long, conflicts_with = "resume")]
        pause: bool,
        #[arg(long)]
        resume: bool,
    },
}

fn channel(text: &str) -> Result<bellhop_proto::UpdateChannel, String> {
    bellhop_proto::UpdateChannel::parse(text)
        .ok_or_else(|| format!("{text:?} is not stable or beta"))
}

/// `linux-x86_64=path/to/file`.
fn artifact(text: &str) -> Result<(bellhop_proto::UpdatePlatform, PathBuf), String> {
    let (platform, path) = text.split_once('=').ok_or_else(|| {
        format!("{text:?}: write PLATFORM=PATH, as linux-x86_64=Bellhop.AppImage")
    })?;
    Ok((platform.parse()?, PathBuf::from(path)))
}

#[derive(Debug, clap::Subcommand)]
enum MailCommand {
    /// Reads a delivery status notification (a bounce) on standard input, as a mail server's
    /// pipe hands it over, and suppresses every recipient it says failed for good.
    Bounce,
}

#[derive(Debug, clap::Subcommand)]
enum AdminCommand {
    /// Makes someone the desk's admin: the first one, or one again when every admin is locked
    /// out. A new person, or a member of the desk promoted (and switched on). Prints a link to
    /// choose a password, good for a week; the server may be running meanwhile.
    Add {
        /// Their email address.
        #[arg(long)]
        email: String,
        /// Their name (for a new person).
        #[arg(long, default_value = "Admin")]
        name: String,
    },
}

/// `10.0.0.0/8`, or one address (`10.1.2.3`, `::1`) as a network of one.
fn address_or_network(text: &str) -> Result<ipnet::IpNet, std::net::AddrParseError> {
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
}

pub fn run() -> anyhow::Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into()),
        )
        .init();
    if let Some(Command::Mail(MailCommand::Bounce)) = &args.command {
        let settings = Settings {
            database_url: args.database_url.clone().filter(|u| !u.is_empty()),
            ..Settings::ephemeral(&args.data_dir)
        };
        let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
        return runtime.block_on(bounce(settings));
    }
    if let Some(Command::Release(command)) = &args.command {
        let settings = Settings {
            database_url: args.database_url.clone().filter(|u| !u.is_empty()),
            ..Settings::ephemeral(&args.data_dir)
        };
        let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
        return runtime.block_on(release(settings, command));
    }
    if let Some(Command::Admin(AdminCommand::Add { email, name })) = &args.command {
        let public_url = args.public_url.clone().unwrap_or_else(|| {
            let scheme = if args.tls_cert.is_some() {
                "https"
            } else {
                "http"
            };
            format!("{scheme}://{}", args.listen)
        });
        let settings = Settings {
            database_url: args.database_url.clone().filter(|u| !u.is_empty()),
            ..Settings::ephemeral(&args.data_dir)
        };
        let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
        return runtime.block_on(add_admin(settings, &public_url, name, email));
    }
    let ui_dir = args
        .ui_dir
        .or_else(|| Some(PathBuf::from("ui/dist")).filter(|p| p.join("index.html").is_file()));
    let settings = Settings {
        data_dir: args.data_dir,
        database_url: args.database_url.filter(|u| !u.is_empty()),
        listen: args.listen,
        demo: args.demo,
        ui_dir,
        max_json_bytes: args.max_json_bytes,
        max_attachment_bytes: args.max_attachment_bytes,
        smtp_url: args.smtp_url,
        mail_from: args.mail_from,
        public_url: args.public_url,
        sms_url: args.sms_url,
        sms_token: args.sms_token,
        trusted_proxies: args.trusted_proxies,
        max_connections: args.max_connections,
        max_streams_per_person: args.max_streams_per_person,
        header_read_timeout: Duration::from_secs(args.header_timeout_secs),
        request_timeout: Duration::from_secs(args.request_timeout_secs),
        upload_timeout: Duration::from_secs(args.upload_timeout_secs),
        shutdown_grace: Duration::from_secs(args.shutdown_grace_secs),
        demo_beyond_loopback: args.demo_beyond_loopback,
        chat_idle: Duration::from_secs(args.chat_idle_secs.max(1)),
        presence_holds: Duration::from_secs(args.presence_secs.max(3)),
        tls: args
            .tls_cert
            .zip(args.tls_key)
            .map(|(cert, key)| crate::tls::CertFiles { cert, key }),
        http_redirect: args.http_redirect_listen,
        cname_target: args.cname_target.clone(),
        acme: (!args.acme_domains.is_empty()).then(|| crate::acme::AcmeSettings {
            domains: args.acme_domains.clone(),
            contact: args.acme_contacts.clone(),
            directory: args.acme_directory.clone(),
            directory_roots: args.acme_directory_roots.clone(),
        }),
    };
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async move {
        let server = Server::start(settings).await?;
        println!(
            "bellhop-server listening on {}://{}",
            if server.https() { "https" } else { "http" },
            server.addr()
        );
        server.run_until(shutdown_signal()).await
    })
}

/// `bellhop-server admin add`: the store opened (and brought up to date) as the server would,
/// the admin made, the link printed.
async fn add_admin(
    settings: Settings,
    public_url: &str,
    name: &str,
    email: &str,
) -> anyhow::Result<()> {
    let store = crate::app::open_store(&settings).await?;
    let (made, email, link) =
        crate::domain::people::admin_from_command_line(&store, public_url, name, email)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    let what = match made {
        crate::db::AdminMade::Created(_) => "is the desk's admin now",
        _ => "is an admin of the desk again",
    };
    println!("{email} {what}. To choose a password, open within a week:\n{link}");
    Ok(())
}

/// `bellhop-server release …`: the store opened as the server would, the files kept in its
/// attachments' directory.
async fn release(settings: Settings, command: &ReleaseCommand) -> anyhow::Result<()> {
    use crate::domain::releases;
    let store = crate::app::open_store(&settings).await?;
    let failed = |e: crate::error::AppError| anyhow::anyhow!("{e}");
    match command {
        ReleaseCommand::Add {
            version,
            channel,
            notes,
            percent,
            orgs,
            artifacts,
            public_key,
            pause_after_failures,
        } => {
            let version: bellhop_proto::AppVersion =
                version.parse().map_err(|e: String| anyhow::anyhow!(e))?;
            let known = store.list_orgs().await.map_err(failed)?;
            let mut org_ids = Vec::new();
            for org in orgs {
                let found = known
                    .iter()
                    .find(|o| o.id.to_string() == *org || o.name.eq_ignore_ascii_case(org))
                    .with_context(|| format!("no organisation named {org:?}"))?;
                org_ids.push(found.id);
            }
            let mut signatures = Vec::new();
            for (_, path) in artifacts {
                let mut sig = path.clone().into_os_string();
                sig.push(".sig");
                signatures.push(std::fs::read_to_string(&sig).with_context(|| {
                    format!(
                        "reading {}: the bundler writes each file's signature beside it",
                        PathBuf::from(&sig).display()
                    )
                })?);
            }
            let input = bellhop_proto::ReleaseInput {
                version: version.clone(),
                channel: *channel,
                notes: notes.clone(),
                percent: *percent,
                org_ids,
                pause_after_failures: *pause_after_failures,
            };
            let blobs = crate::blobs::Blobs::new(settings.attachments_dir());
            let mut files = Vec::new();
            for ((platform, path), signature) in artifacts.iter().zip(signatures) {
                match blobs.receive_file(path, releases::MAX_ARTIFACT_BYTES).await {
                    Ok(received) => files.push(releases::IncomingArtifact {
                        platform: platform.clone(),
                        file_name: path
                            .file_name()
                            .and_then(|n| n.to_str())
                            .unwrap_or("bellhop-update")
                            .to_owned(),
                        received,
                        signature,
                    }),
                    Err(e) => {
                        for file in files {
                            blobs.discard(file.received).await;
                        }
                        return Err(failed(e));
                    }
                }
            }
            let id = releases::add(&store, &blobs, None, &input, files, public_key.as_deref())
                .await
                .map_err(failed)?;
            println!(
                "release {version} ({id}) added on the {} channel, for {percent}% of devices",
                channel.as_str()
            );
        }
        ReleaseCommand::List => {
            let failures = store.update_failure_counts().await.map_err(failed)?;
            let devices = store.rollout_devices().await.map_err(failed)?;
            for r in releases::with_progress_all(
                &store.releases().await.map_err(failed)?,
                &devices,
                &failures,
            ) {
                let platforms: Vec<&str> =
                    r.artifacts.iter().map(|a| a.platform.as_str()).collect();
                println!(
                    "{}\t{}\t{}%\t{}\t{}/{} offered, {} installed, {} failed\t{}",
                    r.version,
                    r.channel.as_str(),
                    r.percent,
                    r.paused_reason
                        .as_deref()
                        .unwrap_or(if r.paused { "paused" } else { "live" }),
                    r.progress.offered,
                    r.progress.targeted,
                    r.progress.installed,
                    r.progress.failed,
                    platforms.join(" "),
                );
            }
        }
        ReleaseCommand::Rollout {
            version,
            percent,
            pause,
            resume,
        } => {
            let version: bellhop_proto::AppVersion =
                version.parse().map_err(|e: String| anyhow::anyhow!(e))?;
            let found = store
                .releases()
                .await
                .map_err(failed)?
                .iter()
                .find(|r| r.version == version)
                .map(|r| r.id)
                .with_context(|| format!("no release {version}"))?;
            let change = bellhop_proto::RolloutChange {
                percent: *percent,
                org_ids: None,
                paused: (*pause || *resume).then_some(*pause),
            };
            store
                .change_rollout(None, found, &change)
                .await
                .map_err(failed)?;
            println!("release {version} changed");
        }
    }
    Ok(())
}

/// `bellhop-server mail bounce`: the notification on standard input (at most 10 MiB) acted on.
/// Anything that is not a notification is said so and left; the exit status is 0 either way, so
/// the mail server does not send it again.
async fn bounce(settings: Settings) -> anyhow::Result<()> {
    use std::io::Read;
    let mut raw = Vec::new();
    std::io::stdin()
        .take(10 * 1024 * 1024)
        .read_to_end(&mut raw)
        .context("reading the message on standard input")?;
    let store = crate::app::open_store(&settings).await?;
    match crate::domain::bounces::receive(&store, &raw)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
    {
        None => println!("not a delivery status notification: nothing done"),
        Some(suppressed) if suppressed.is_empty() => {
            println!("no recipient failed for good: nothing done")
        }
        Some(suppressed) => println!("suppressed: {}", suppressed.join(", ")),
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl+C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trusted_proxy_is_an_address_or_a_network() {
        let net = |s: &str| address_or_network(s).map(|n| n.to_string());
        assert_eq!(net("10.0.0.0/8").as_deref(), Ok("10.0.0.0/8"));
        assert_eq!(net("127.0.0.1").as_deref(), Ok("127.0.0.1/32"));
        assert_eq!(net("::1").as_deref(), Ok("::1/128"));
        assert!(net("proxy.example").is_err());
    }
}
