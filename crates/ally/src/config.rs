//! One layered configuration: built-in defaults < `ally.toml` in the data directory <
//! `ALLY_*` environment variables < command-line flags. An unknown key or a bad value stops the
//! start with a message that names the key.
//!
//! Retention periods (days after a record is closed, per record type) are the `[retention]`
//! table of `ally.toml` (`case = 3650`) or `ALLY_RETENTION_<TYPE>_DAYS` (`ALLY_RETENTION_CASE_DAYS`);
//! a type without a period is never flagged.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Keys that may appear in `ally.toml` or as `ALLY_<KEY>` environment variables.
pub const KEYS: &[&str] = &[
    "data_dir",
    "listen",
    "database_url",
    "key_file",
    "secure_cookies",
    "trust_proxy",
    "log",
    "session_idle_minutes",
    "session_absolute_hours",
    "audit_sync_ms",
];

/// The longest window an operator may choose for audit events to reach the disk.
const MAX_AUDIT_SYNC_MS: u64 = 1000;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the SQLite database and `ally.toml` live.
    pub data_dir: PathBuf,
    /// Address to listen on.
    pub listen: String,
    /// `sqlite://PATH` or `postgres://...`; empty means SQLite in the data directory.
    pub database_url: String,
    /// The master key file; empty means `<data_dir>.key`, beside (not inside) the data directory,
    /// so that a copy of the data directory alone does not carry the key.
    pub key_file: String,
    /// Serving over TLS (directly or behind a TLS-terminating proxy): Secure cookies and HSTS.
    pub secure_cookies: bool,
    /// Behind a reverse proxy: take the client address from X-Forwarded-For.
    pub trust_proxy: bool,
    /// Log filter (tracing syntax), e.g. `info` or `ally=debug,info`.
    pub log: String,
    pub session_idle_minutes: u32,
    pub session_absolute_hours: u32,
    /// Reads, sign-ins and denials are audited before they are answered and reach the disk
    /// within this many milliseconds (0: each before it is answered). See `Policy::audit_sync_ms`.
    pub audit_sync_ms: u64,
    /// Retention periods of the protection records, in days after closure.
    pub retention: RetentionDays,
}

/// The `[retention]` table: days to keep each record type after it was closed. The record
/// types are `ally_core::protection::RecordType`'s codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionDays {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consent: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referral: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proceedings: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compensation: Option<u32>,
}

impl Default for RetentionDays {
    /// The store's defaults (cases: ten years); the other types are kept until erased.
    fn default() -> Self {
        let d = ally_store::protection::default_retention();
        use ally_core::protection::RecordType as R;
        RetentionDays {
            case: d.days(R::Case),
            person: d.days(R::Person),
            consent: d.days(R::Consent),
            referral: d.days(R::Referral),
            proceedings: d.days(R::Proceedings),
            compensation: d.days(R::Compensation),
        }
    }
}

impl RetentionDays {
    pub fn policy(&self) -> ally_core::protection::RetentionPolicy {
        use ally_core::protection::RecordType as R;
        let mut p = ally_core::protection::RetentionPolicy::new();
        for (rt, days) in [
            (R::Case, self.case),
            (R::Person, self.person),
            (R::Consent, self.consent),
            (R::Referral, self.referral),
            (R::Proceedings, self.proceedings),
            (R::Compensation, self.compensation),
        ] {
            if let Some(d) = days {
                p = p.with(rt, d);
            }
        }
        p
    }
}

/// Checks every `ALLY_RETENTION_*` variable first, so that a mistake is reported with the
/// variable's own name (figment would name the mapped key only).
fn check_retention_env() -> anyhow::Result<()> {
    for (var, value) in std::env::vars() {
        let Some(rest) = var.strip_prefix("ALLY_RETENTION_") else {
            continue;
        };
        let record_type = rest
            .strip_suffix("_DAYS")
            .map(str::to_ascii_lowercase)
            .filter(|t| ally_core::protection::RecordType::parse(t).is_some());
        if record_type.is_none() {
            bail!(
                "invalid configuration: {var} is not a retention setting (ALLY_RETENTION_<TYPE>_DAYS with TYPE one of {})",
                ally_core::protection::RecordType::ALL
                    .iter()
                    .map(|t| t.as_str().to_ascii_uppercase())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        if value.trim().parse::<u32>().is_err() {
            bail!("invalid configuration: {var} = {value:?} is not a whole number of days");
        }
    }
    Ok(())
}

/// `ALLY_RETENTION_<TYPE>_DAYS` → the key `retention.<type>`.
fn retention_env() -> Env {
    Env::prefixed("ALLY_RETENTION_").filter_map(|k| {
        k.as_str()
            .to_ascii_lowercase()
            .strip_suffix("_days")
            .map(|t| format!("retention.{t}").into())
    })
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("ally-data"),
            listen: "127.0.0.1:8080".into(),
            database_url: String::new(),
            key_file: String::new(),
            secure_cookies: false,
            trust_proxy: false,
            log: "info".into(),
            session_idle_minutes: 30,
            session_absolute_hours: 10,
            audit_sync_ms: 100,
            retention: RetentionDays::default(),
        }
    }
}

/// Values given on the command line (highest precedence).
#[derive(Debug, Default, Serialize)]
pub struct Flags {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
}

impl Config {
    /// Loads the layers. `default_data_dir` differs between `serve` and `demo`.
    pub fn load(flags: &Flags, default_data_dir: &Path) -> anyhow::Result<Config> {
        let defaults = Config {
            data_dir: default_data_dir.to_owned(),
            ..Config::default()
        };
        // The data directory decides where ally.toml is, so it is resolved first.
        let env = Env::prefixed("ALLY_").only(KEYS);
        let data_dir: PathBuf = match &flags.data_dir {
            Some(d) => d.clone(),
            None => Figment::from(Serialized::defaults(&defaults))
                .merge(env.clone())
                .extract_inner("data_dir")
                .context("configuration key data_dir")?,
        };
        check_retention_env()?;
        let toml = data_dir.join("ally.toml");
        let mut figment = Figment::from(Serialized::defaults(&defaults));
        if toml.exists() {
            figment = figment.merge(Toml::file_exact(&toml));
        }
        let config: Config = figment
            .merge(env)
            .merge(retention_env())
            .merge(Serialized::defaults(flags))
            .extract()
            .map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> anyhow::Result<()> {
        if self.listen.parse::<SocketAddr>().is_err() {
            bail!(
                "invalid configuration: listen = {:?} is not an address such as 127.0.0.1:8080",
                self.listen
            );
        }
        let url = &self.database_url;
        if !url.is_empty() && ally_store::Backend::from_url(url).is_none() {
            bail!("invalid configuration: database_url must start with sqlite:// or postgres://");
        }
        if self.session_idle_minutes == 0 || self.session_absolute_hours == 0 {
            bail!(
                "invalid configuration: session_idle_minutes and session_absolute_hours must be positive"
            );
        }
        if self.audit_sync_ms > MAX_AUDIT_SYNC_MS {
            bail!(
                "invalid configuration: audit_sync_ms must be at most {MAX_AUDIT_SYNC_MS} (milliseconds)"
            );
        }
        if self.log.parse::<tracing_subscriber::EnvFilter>().is_err() {
            bail!(
                "invalid configuration: log = {:?} is not a valid filter",
                self.log
            );
        }
        Ok(())
    }

    pub fn database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!("sqlite://{}", self.data_dir.join("ally.db").display())
        } else {
            self.database_url.clone()
        }
    }

    pub fn key_file(&self) -> PathBuf {
        if self.key_file.is_empty() {
            let dir = self.data_dir.to_string_lossy();
            PathBuf::from(format!("{}.key", dir.trim_end_matches('/')))
        } else {
            PathBuf::from(&self.key_file)
        }
    }

    pub fn policy(&self) -> ally_store::Policy {
        ally_store::Policy {
            session_idle_ms: i64::from(self.session_idle_minutes) * 60_000,
            session_absolute_ms: i64::from(self.session_absolute_hours) * 3_600_000,
            audit_sync_ms: self.audit_sync_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn layers_apply_in_order_and_bad_keys_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_owned();
        std::fs::write(
            d.join("ally.toml"),
            "listen = \"127.0.0.1:9000\"\nlog = \"debug\"\n",
        )
        .unwrap();
        let flags = Flags {
            data_dir: Some(d.clone()),
            ..Default::default()
        };
        let c = Config::load(&flags, Path::new("unused")).unwrap();
        assert_eq!(c.listen, "127.0.0.1:9000");
        assert_eq!(c.log, "debug");
        assert_eq!(
            c.database_url(),
            format!("sqlite://{}", d.join("ally.db").display())
        );
        assert!(c.key_file().to_string_lossy().ends_with(".key"));
        assert!(
            !c.key_file().starts_with(&d),
            "the key file is outside the data directory"
        );

        let flags = Flags {
            data_dir: Some(d.clone()),
            listen: Some("127.0.0.1:9100".into()),
            ..Default::default()
        };
        assert_eq!(
            Config::load(&flags, Path::new("unused")).unwrap().listen,
            "127.0.0.1:9100"
        );

        std::fs::write(d.join("ally.toml"), "listn = \"x\"\n").unwrap();
        let err = Config::load(
            &Flags {
                data_dir: Some(d.clone()),
                ..Default::default()
            },
            Path::new("x"),
        )
        .unwrap_err();
        assert!(format!("{err:#}").contains("listn"), "{err:#}");

        std::fs::write(d.join("ally.toml"), "session_idle_minutes = \"soon\"\n").unwrap();
        let err = Config::load(
            &Flags {
                data_dir: Some(d.clone()),
                ..Default::default()
            },
            Path::new("x"),
        )
        .unwrap_err();
        assert!(
            format!("{err:#}").contains("session_idle_minutes"),
            "{err:#}"
        );

        // The audit sync window is bounded; zero (sync before answering) is allowed.
        let load = |toml: &str| {
            std::fs::write(d.join("ally.toml"), toml).unwrap();
            Config::load(
                &Flags {
                    data_dir: Some(d.clone()),
                    ..Default::default()
                },
                Path::new("x"),
            )
        };
        let err = load("audit_sync_ms = 5000\n").unwrap_err();
        assert!(format!("{err:#}").contains("audit_sync_ms"), "{err:#}");
        assert_eq!(
            load("audit_sync_ms = 0\n").unwrap().policy().audit_sync_ms,
            0
        );
        assert_eq!(load("").unwrap().policy().audit_sync_ms, 100);

        // Retention periods: defaults, then [retention] overrides per record type.
        std::fs::write(d.join("ally.toml"), "").unwrap();
        let c = Config::load(
            &Flags {
                data_dir: Some(d.clone()),
                ..Default::default()
            },
            Path::new("x"),
        )
        .unwrap();
        use ally_core::protection::RecordType as R;
        assert_eq!(c.retention.policy().days(R::Case), Some(3650));
        assert_eq!(c.retention.policy().days(R::Consent), None);
        std::fs::write(
            d.join("ally.toml"),
            "[retention]\nconsent = 1825\nreferral = 0\n",
        )
        .unwrap();
        let c = Config::load(
            &Flags {
                data_dir: Some(d.clone()),
                ..Default::default()
            },
            Path::new("x"),
        )
        .unwrap();
        let p = c.retention.policy();
        assert_eq!(p.days(R::Case), Some(3650), "the default stays");
        assert_eq!(p.days(R::Consent), Some(1825));
        assert_eq!(p.days(R::Referral), Some(0));
        assert_eq!(p.days(R::Person), None);
        // An unknown record type and a bad number are named.
        for (text, key) in [
            ("[retention]\ncases = 10\n", "cases"),
            ("[retention]\nconsent = -1\n", "consent"),
            ("[retention]\ncase = \"ten years\"\n", "case"),
        ] {
            std::fs::write(d.join("ally.toml"), text).unwrap();
            let err = Config::load(
                &Flags {
                    data_dir: Some(d.clone()),
                    ..Default::default()
                },
                Path::new("x"),
            )
            .unwrap_err();
            let msg = format!("{err:#}");
            assert!(msg.contains(key) && msg.contains("retention"), "{msg}");
        }

        std::fs::write(d.join("ally.toml"), "listen = \"nowhere\"\n").unwrap();
        let err = Config::load(
            &Flags {
                data_dir: Some(d),
                ..Default::default()
            },
            Path::new("x"),
        )
        .unwrap_err();
        assert!(format!("{err:#}").contains("listen"), "{err:#}");
    }
}
