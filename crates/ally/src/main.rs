//! `ally`: the command line. Errors end here as `anyhow` messages and an exit code.

mod cmd_forms;
mod cmd_labour;
mod cmd_linkage;
mod cmd_pprl;
mod cmd_protection;
mod cmd_screening;

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use ally::config::{Config, Flags};
use ally_core::authz::Role;
use ally_core::org::OrgKind;
use ally_store::NewUser;
use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};

/// mimalloc instead of glibc's allocator: a page view allocates and frees many small buffers
/// across worker threads, where glibc spent a fifth of the server's time (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "ally",
    version,
    about = "Ally: NGOs, networks, communities and unions working together against human trafficking.",
    long_about = "Ally: NGOs, networks, communities and unions working together against human trafficking.\n\n\
Configuration is layered: defaults < DATA_DIR/ally.toml < ALLY_* environment variables < flags.\n\
Keys: data_dir, listen, database_url, key_file, secure_cookies, trust_proxy, log, session_idle_minutes, session_absolute_hours, audit_sync_ms."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone, Default)]
struct Common {
    /// Data directory (SQLite database, ally.toml). Default: ./ally-data.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB. Default: SQLite in the data directory.
    #[arg(long)]
    database_url: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve {
        #[command(flatten)]
        common: Common,
        /// Address to listen on, e.g. 127.0.0.1:8080 (use a reverse proxy with TLS in front).
        #[arg(long)]
        listen: Option<String>,
    },
    /// Create (or reuse) a demo data directory with fictitious organisations, users and persons, then serve it.
    Demo {
        /// Data directory for the demo. Default: ./ally-demo.
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Address to listen on. Default: 127.0.0.1:8080.
        #[arg(long)]
        listen: Option<String>,
        /// Also create this many synthetic persons (for load tests).
        #[arg(long, default_value_t = 0)]
        persons: usize,
        /// Create the data set and exit without serving.
        #[arg(long)]
        no_serve: bool,
        /// Benchmark only: also create this many synthetic protection cases of the demo NGO
        /// (bench/protection/run.sh).
        #[arg(long, default_value_t = 0, hide = true)]
        bench_cases: usize,
        /// Benchmark only: also append this many audit events (a valid chain).
        #[arg(long, default_value_t = 0, hide = true)]
        bench_audit_rows: usize,
        /// Benchmark only: write the paths of the demo caseworker's bench cases to this file.
        #[arg(long, hide = true)]
        bench_paths_out: Option<PathBuf>,
    },
    /// Print the current one-time code of the demo accounts.
    DemoCode,
    /// Create the data directory, master key and database, and optionally a first organisation and admin
    /// (the admin's password is read from standard input).
    Init {
        #[command(flatten)]
        common: Common,
        /// Name of the first organisation.
        #[arg(long, requires = "admin_email")]
        org_name: Option<String>,
        /// Kind of the first organisation.
        #[arg(long, default_value = "ngo", value_parser = parse_kind)]
        org_kind: OrgKind,
        /// E-mail of the first administrator.
        #[arg(long, requires = "org_name")]
        admin_email: Option<String>,
        /// Display name of the first administrator.
        #[arg(long, default_value = "Administrator")]
        admin_name: String,
    },
    /// Apply pending database migrations and exit.
    Migrate {
        #[command(flatten)]
        common: Common,
    },
    /// Organisations.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// User accounts (passwords are read from standard input, never from arguments).
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Write a consistent backup while the server runs (both backends).
    Backup {
        #[command(flatten)]
        common: Common,
        /// The backup file to write.
        #[arg(long)]
        to: PathBuf,
    },
    /// Restore a backup into an empty database (the same master key file is needed).
    Restore {
        #[command(flatten)]
        common: Common,
        /// The backup file to read.
        #[arg(long)]
        from: PathBuf,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Encryption keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Public report form addresses (each organisation's administrator sets its own slug on
    /// /settings/intake; the instance-wide default is the operator's).
    Intake {
        #[command(subcommand)]
        command: IntakeCommand,
    },
    /// Identification screening against the ILO indicator sets.
    #[command(subcommand)]
    Screening(cmd_screening::ScreeningCommand),
    /// Indicator catalogue files.
    #[command(subcommand)]
    Catalogue(cmd_screening::CatalogueCommand),
    /// Labour document checks: contracts, payslips and timesheets against a rule set.
    #[command(subcommand)]
    Labour(cmd_labour::LabourCommand),
    /// Entity resolution on plaintext records (CSV in, CSV out).
    #[command(subcommand)]
    Link(cmd_linkage::LinkCommand),
    /// Privacy-preserving record linkage with Bloom-filter encodings (CLKs).
    #[command(subcommand)]
    Pprl(PprlCli),
    /// Detection-interview questionnaires: list, export to and import from XLSForm.
    #[command(subcommand)]
    Questionnaire(cmd_forms::QuestionnaireCommand),
    /// Case dossiers: verify a received dossier.
    #[command(subcommand)]
    Dossier(cmd_protection::DossierCommand),
    /// Exports of protection cases (HTCDS CSV, case dossiers); audited.
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
}

#[derive(Subcommand)]
enum ExportCommand {
    /// The organisation's cases as HTCDS 2.0 CSV.
    Htcds {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        args: cmd_protection::HtcdsArgs,
    },
    /// One case's dossier (HTML, JSON, audit excerpt, manifest) into a directory.
    Dossier {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        args: cmd_protection::DossierArgs,
    },
}

#[derive(Subcommand)]
enum PprlCli {
    #[command(flatten)]
    Files(cmd_linkage::PprlCommand),
    /// On a member's own instance: encode the organisation's person records with a network's
    /// participation kit; writes `record_id,clk` (entity ids and encodings, no names). Audited.
    Contribute {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        args: cmd_pprl::ContributeArgs,
    },
    /// On a member's own instance: which of the organisation's records a results file from the
    /// network names, and where to open them.
    Results {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        args: cmd_pprl::ResultsArgs,
    },
}

#[derive(Subcommand)]
enum IntakeCommand {
    /// Choose the organisation receiving public reports sent to /report without `?to=`, by its
    /// intake slug, or leave the instance without a default (`--none`).
    Default {
        #[command(flatten)]
        common: Common,
        #[arg(long, required_unless_present = "none", conflicts_with = "none")]
        slug: Option<String>,
        #[arg(long)]
        none: bool,
    },
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Add an organisation.
    Add {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = parse_kind)]
        kind: OrgKind,
        /// Add it to this network (by name).
        #[arg(long)]
        network: Option<String>,
    },
    /// List organisations.
    List {
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; the password is read from standard input.
    Add {
        #[command(flatten)]
        common: Common,
        /// Organisation name.
        #[arg(long)]
        org: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Roles (repeat): admin, coordinator, caseworker, interviewer, union_representative,
        /// community_focal_point, law_enforcement_liaison, auditor.
        #[arg(long = "role", required = true, value_parser = parse_role)]
        roles: Vec<Role>,
    },
    /// Disable a user: ends their sessions and revokes their API tokens.
    Disable {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        email: String,
    },
    /// Set a new password (read from standard input); clears the second factor and ends sessions.
    ResetPassword {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for a user and print it (shown once).
    Create {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        user: String,
        #[arg(long, default_value = "command line")]
        name: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Verify the audit chain; exit 1 with the position of the break if it was tampered with.
    /// Prints the chain's head (SEQ:MAC): keep it outside the server (on paper, with a partner),
    /// and give it back later with --expect-head to detect a cut tail hidden by an older head.
    Verify {
        #[command(flatten)]
        common: Common,
        /// A head printed by an earlier `audit verify`; the log must still contain it.
        #[arg(long)]
        expect_head: Option<String>,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Replace the master key: re-wraps every organisation key, then replaces the key file.
    Rotate {
        #[command(flatten)]
        common: Common,
    },
}

fn parse_kind(s: &str) -> Result<OrgKind, String> {
    OrgKind::parse(s).ok_or_else(|| {
        format!(
            "unknown kind {s:?}; one of: {}",
            OrgKind::ALL.map(|k| k.as_str()).join(", ")
        )
    })
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| {
        format!(
            "unknown role {s:?}; one of: {}",
            Role::ALL.map(|r| r.as_str()).join(", ")
        )
    })
}

fn load_config(
    common: &Common,
    listen: Option<String>,
    default_dir: &str,
) -> anyhow::Result<Config> {
    let flags = Flags {
        data_dir: common.data_dir.clone(),
        listen,
        database_url: common.database_url.clone(),
    };
    Config::load(&flags, std::path::Path::new(default_dir))
}

fn init_logging(filter: &str) {
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| filter.to_owned());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .try_init();
}

/// Reads a password from standard input: without echo on a terminal, else the first line.
fn read_password(prompt: &str) -> anyhow::Result<String> {
    let pw = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(prompt).context("reading the password")?
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        line.trim_end_matches(['\n', '\r']).to_owned()
    };
    if pw.is_empty() {
        bail!("no password given on standard input");
    }
    Ok(pw)
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

async fn serve(config: Config, store: ally_store::Store, demo: bool) -> anyhow::Result<()> {
    let running = ally::start(&config, store, demo).await?;
    println!("Ally is serving at http://{}/", running.addr);
    tracing::info!(addr = %running.addr, backend = running.store.backend().name(), "ready");
    shutdown_signal().await;
    tracing::info!("shutting down");
    running.stop().await;
    Ok(())
}

fn print_demo_logins(url: &str) {
    println!(
        "\nDemo logins (password for every account: {}):",
        ally::demo::DEMO_PASSWORD
    );
    for u in ally::demo::USERS {
        let roles: Vec<&str> = u.roles.iter().map(|r| r.as_str()).collect();
        println!("  {:<28} {:<24} {}", u.email, roles.join("+"), u.org);
    }
    println!(
        "\nSecond factor: every demo account uses the demo secret {} (add it to an authenticator app),\n\
         or run `ally demo-code` in another terminal to print the current 6-digit code.\n\nOpen {url}\n",
        ally::demo::secret_base32()
    );
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve { common, listen } => {
            let config = load_config(&common, listen, "ally-data")?;
            init_logging(&config.log);
            let store = ally::open_store(&config).await?;
            serve(config, store, false).await?;
        }
        Command::Demo {
            data_dir,
            listen,
            persons,
            no_serve,
            bench_cases,
            bench_audit_rows,
            bench_paths_out,
        } => {
            let common = Common {
                data_dir,
                database_url: None,
            };
            let config = load_config(&common, listen, "ally-demo")?;
            init_logging(&config.log);
            let store = ally::open_store(&config).await?;
            let created = ally::demo::seed(&store, persons).await?;
            println!(
                "{} demo data in {}",
                if created { "Created" } else { "Reusing" },
                config.data_dir.display()
            );
            if bench_cases > 0 || bench_audit_rows > 0 {
                ally::demo::protection::seed_bench(
                    &store,
                    bench_cases,
                    bench_audit_rows,
                    bench_paths_out.as_deref(),
                )
                .await?;
            }
            if no_serve {
                store.close().await;
            } else {
                print_demo_logins(&format!("http://{}/", config.listen));
                serve(config, store, true).await?;
            }
        }
        Command::DemoCode => println!("{}", ally::demo::current_code()?),
        Command::Screening(c) => return cmd_screening::run_screening(c),
        Command::Catalogue(c) => return cmd_screening::run_catalogue(c),
        Command::Labour(c) => return cmd_labour::run(c),
        Command::Link(c) => return cmd_linkage::run(cmd_linkage::LinkageCommand::Link(c)),
        Command::Pprl(PprlCli::Files(c)) => {
            return cmd_linkage::run(cmd_linkage::LinkageCommand::Pprl(c));
        }
        Command::Pprl(PprlCli::Contribute { common, args }) => {
            let store = open(&common).await?;
            let r = cmd_pprl::contribute(&store, args).await;
            store.close().await;
            return r;
        }
        Command::Pprl(PprlCli::Results { common, args }) => {
            let store = open(&common).await?;
            let r = cmd_pprl::results(&store, args).await;
            store.close().await;
            return r;
        }
        Command::Questionnaire(c) => return cmd_forms::run(c),
        Command::Dossier(c) => return cmd_protection::run_dossier(c),
        Command::Export { command } => {
            let (store, result) = match command {
                ExportCommand::Htcds { common, args } => {
                    let store = open(&common).await?;
                    let r = cmd_protection::export_htcds(&store, args).await;
                    (store, r)
                }
                ExportCommand::Dossier { common, args } => {
                    let store = open(&common).await?;
                    let r = cmd_protection::export_dossier(&store, args).await;
                    (store, r)
                }
            };
            store.close().await;
            return result;
        }
        Command::Init {
            common,
            org_name,
            org_kind,
            admin_email,
            admin_name,
        } => {
            let config = load_config(&common, None, "ally-data")?;
            init_logging(&config.log);
            let store = ally::open_store(&config).await?;
            println!(
                "Data directory: {}\nMaster key file: {} (keep a copy apart from backups)",
                config.data_dir.display(),
                config.key_file().display()
            );
            if let (Some(name), Some(email)) = (org_name, admin_email) {
                let password = read_password("Password for the first administrator: ")?;
                let org = store.create_organisation(&name, org_kind, true).await?;
                store
                    .add_user_operator(
                        org,
                        NewUser {
                            email: email.clone(),
                            display_name: admin_name,
                            roles: vec![Role::Admin],
                            password,
                            locale: "en".into(),
                        },
                    )
                    .await
                    .map_err(describe)?;
                println!("Created organisation {name:?} and administrator {email}.");
            }
            store.close().await;
        }
        Command::Migrate { common } => {
            let config = load_config(&common, None, "ally-data")?;
            init_logging(&config.log);
            let store = ally::open_store(&config).await?;
            store.ready().await?;
            println!("Database is up to date.");
            store.close().await;
        }
        Command::Intake { command } => match command {
            IntakeCommand::Default { common, slug, .. } => {
                let store = open(&common).await?;
                store
                    .set_default_report_intake(slug.as_deref())
                    .await
                    .map_err(describe)?;
                match slug {
                    Some(s) => println!("Public reports without an address now go to {s:?}."),
                    None => println!("No default receiver of public reports."),
                }
                store.close().await;
            }
        },
        Command::Org { command } => match command {
            OrgCommand::Add {
                common,
                name,
                kind,
                network,
            } => {
                let store = open(&common).await?;
                let id = store
                    .create_organisation(&name, kind, true)
                    .await
                    .map_err(describe)?;
                if let Some(net) = network {
                    let net_id = store
                        .find_organisation_by_name(&net)
                        .await?
                        .with_context(|| format!("no organisation named {net:?}"))?;
                    store
                        .add_network_member(net_id, id)
                        .await
                        .map_err(describe)?;
                }
                println!("{id}");
                store.close().await;
            }
            OrgCommand::List { common } => {
                let store = open(&common).await?;
                for o in store.list_organisations_operator().await? {
                    println!("{}\t{}\t{}", o.id, o.kind.as_str(), o.name);
                }
                store.close().await;
            }
        },
        Command::User { command } => match command {
            UserCommand::Add {
                common,
                org,
                email,
                name,
                roles,
            } => {
                let password = read_password("Password: ")?;
                let store = open(&common).await?;
                let org_id = store
                    .find_organisation_by_name(&org)
                    .await?
                    .with_context(|| format!("no organisation named {org:?}"))?;
                let id = store
                    .add_user_operator(
                        org_id,
                        NewUser {
                            email,
                            display_name: name,
                            roles,
                            password,
                            locale: "en".into(),
                        },
                    )
                    .await
                    .map_err(describe)?;
                println!("{id}");
                store.close().await;
            }
            UserCommand::Disable { common, email } => {
                let store = open(&common).await?;
                store
                    .disable_user_operator(&email)
                    .await
                    .map_err(describe)?;
                println!("Disabled {email}; sessions ended and API tokens revoked.");
                store.close().await;
            }
            UserCommand::ResetPassword { common, email } => {
                let password = read_password("New password: ")?;
                let store = open(&common).await?;
                store
                    .reset_password_operator(&email, &password)
                    .await
                    .map_err(describe)?;
                println!(
                    "Password reset for {email}; the second factor must be set up again at next sign-in."
                );
                store.close().await;
            }
        },
        Command::Token {
            command: TokenCommand::Create { common, user, name },
        } => {
            let store = open(&common).await?;
            let token = store
                .create_api_token_operator(&user, &name)
                .await
                .map_err(describe)?;
            println!("{token}");
            store.close().await;
        }
        Command::Backup { common, to } => {
            let store = open(&common).await?;
            let rows = store.backup_to(&to).await?;
            println!("Wrote {rows} rows to {}", to.display());
            store.close().await;
        }
        Command::Restore { common, from } => {
            let config = load_config(&common, None, "ally-data")?;
            init_logging(&config.log);
            std::fs::create_dir_all(&config.data_dir)?;
            let rows = ally_store::backup::restore(&config.database_url(), &from).await?;
            // Opening proves the key file matches the restored keys.
            let store = ally::open_store(&config).await?;
            let events = store.verify_audit().await?;
            println!("Restored {rows} rows; audit chain intact ({events} events).");
            store.close().await;
        }
        Command::Audit {
            command:
                AuditCommand::Verify {
                    common,
                    expect_head,
                },
        } => {
            let store = open(&common).await?;
            let result = store.verify_audit().await;
            let head = store.audit_head().await;
            let contains = match &expect_head {
                Some(h) => Some(store.audit_contains_head(h).await.map_err(describe)?),
                None => None,
            };
            store.close().await;
            match result {
                Ok(_) if contains == Some(false) => {
                    eprintln!(
                        "AUDIT LOG BROKEN: the recorded head {} is no longer in the log (events were removed and an older head put back)",
                        expect_head.unwrap_or_default()
                    );
                    return Ok(ExitCode::from(1));
                }
                Ok(n) => println!("Audit log intact: {n} events verified.\nHead: {}", head?),
                Err(ally_store::StoreError::AuditBroken(broken)) => {
                    eprintln!("AUDIT LOG BROKEN: {broken}");
                    return Ok(ExitCode::from(1));
                }
                Err(e) => return Err(e.into()),
            }
        }
        Command::Keys {
            command: KeysCommand::Rotate { common },
        } => {
            let config = load_config(&common, None, "ally-data")?;
            init_logging(&config.log);
            let store = ally::open_store(&config).await?;
            store.rotate_master_key(&config.key_file()).await?;
            println!(
                "Master key rotated; new key in {}. Running servers must be restarted.",
                config.key_file().display()
            );
            store.close().await;
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn open(common: &Common) -> anyhow::Result<ally_store::Store> {
    let config = load_config(common, None, "ally-data")?;
    init_logging(&config.log);
    ally::open_store(&config).await
}

/// Field errors as a readable sentence.
fn describe(e: ally_store::StoreError) -> anyhow::Error {
    match e {
        ally_store::StoreError::Invalid(fields) => {
            let parts: Vec<String> = fields
                .iter()
                .map(|f| format!("{}: {}", f.field, f.code.replace('_', " ")))
                .collect();
            anyhow::anyhow!("invalid input: {}", parts.join("; "))
        }
        ally_store::StoreError::Conflict(what) => {
            anyhow::anyhow!("conflict: {}", what.replace('_', " "))
        }
        ally_store::StoreError::NotFound => anyhow::anyhow!("not found"),
        other => other.into(),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match rt.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
