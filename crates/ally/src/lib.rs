//! The `ally` binary's library half: configuration, start-up, the demo data set. Split from
//! `main.rs` so that integration tests start the real server in-process.

pub mod config;
pub mod demo;

use std::net::SocketAddr;
use std::path::Path;

use ally_store::{CryptoError, MasterKey, Store, StoreError};
use anyhow::{Context, bail};
use tokio::sync::oneshot;

use crate::config::Config;

/// Loads the master key, creating it on first start. If a rotation was interrupted after its
/// database commit, the pending key (`KEYFILE.new`) is the right one and is moved into place.
fn load_or_create_key(path: &Path) -> anyhow::Result<(MasterKey, bool)> {
    if path.exists() {
        return Ok((MasterKey::load(path)?, false));
    }
    let key = MasterKey::generate()?;
    key.save(path)
        .with_context(|| format!("creating the master key file {}", path.display()))?;
    Ok((key, true))
}

/// Opens the store: data directory, master key, database, migrations.
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating the data directory {}", config.data_dir.display()))?;
    let key_path = config.key_file();
    let (key, created) = load_or_create_key(&key_path)?;
    if created {
        tracing::warn!(path = %key_path.display(), "created a new master key file; keep a copy in a safe place, apart from backups");
    }
    let url = config.database_url();
    match Store::open(&url, key, config.policy()).await {
        Ok(s) => Ok(s),
        Err(StoreError::Crypto(CryptoError::WrongMasterKey)) => {
            let pending = ally_store::admin_pending_key_path(&key_path);
            if pending.exists() {
                let store = Store::open(&url, MasterKey::load(&pending)?, config.policy()).await?;
                std::fs::rename(&pending, &key_path)
                    .context("finishing an interrupted key rotation")?;
                return Ok(store);
            }
            bail!(
                "the master key {} does not open this database: is it the key file this database was created with?",
                key_path.display()
            )
        }
        Err(e) => Err(e).context("opening the database"),
    }
}

/// A running server.
pub struct Running {
    pub addr: SocketAddr,
    pub store: Store,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Stops accepting connections, finishes in-flight requests, flushes the audit log.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = self.task.await;
        self.store.close().await;
    }
}

/// Starts serving on the configured address (port 0 picks a free port).
pub async fn start(config: &Config, store: Store, demo: bool) -> anyhow::Result<Running> {
    let web = ally_web::WebConfig {
        secure_cookies: config.secure_cookies,
        trust_proxy: config.trust_proxy,
        demo,
    };
    let state = ally_web::AppState::new(store.clone(), web)?;
    let app = ally_web::router(state);
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let worker = format!("{}:{}", std::process::id(), addr.port());
    tokio::spawn(
        ally_store::JobRunner::new(store.clone(), worker)
            .with_retention(config.retention.policy())
            .run_forever(),
    );
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = rx.await;
        })
        .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "server stopped");
        }
    });
    Ok(Running {
        addr,
        store,
        shutdown: Some(tx),
        task,
    })
}
