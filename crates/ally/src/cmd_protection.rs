//! Protection commands (issue 4):
//!
//! - `ally dossier verify DIR` checks a received case dossier: every file listed in its
//!   manifest is present with the listed SHA-256, no unlisted file, and every item's hash in
//!   `dossier.json`. Exit 0 when it verifies, 1 with a clear message on any mismatch, 2 when the
//!   directory cannot be read.
//! - `ally export dossier --org ORG --case ID --out DIR` writes a case's dossier (printable HTML,
//!   JSON, audit excerpt, manifest): only the field groups covered by consent.
//! - `ally export htcds --org ORG --out FILE [--identifying]` writes the organisation's cases as
//!   HTCDS 2.0 CSV; the case reference and the person's name only with `--identifying`. Both
//!   exports are audited (`dossier.export`, `case.export_htcds`) under an operator principal.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ally_core::authz::{Principal, Role};
use ally_core::{OrgId, UserId};
use ally_store::Store;
use anyhow::Context;
use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub enum DossierCommand {
    /// Check a received dossier directory (exit 1 on any mismatch).
    Verify {
        /// The directory holding manifest.json and the files it lists.
        dir: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct HtcdsArgs {
    /// The organisation: its id or exact name.
    #[arg(long)]
    pub org: String,
    /// The CSV file to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Include identifying fields (case reference, person's name, closure reason). Audited.
    #[arg(long)]
    pub identifying: bool,
}

#[derive(Debug, Args)]
pub struct DossierArgs {
    /// The organisation leading the case: its id or exact name.
    #[arg(long)]
    pub org: String,
    /// The case id.
    #[arg(long = "case")]
    pub case_id: String,
    /// The directory to write (created; must be empty if it exists).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Language of the printable document (en, fr, es, ar).
    #[arg(long, default_value = "en")]
    pub lang: String,
}

pub fn run_dossier(c: DossierCommand) -> anyhow::Result<ExitCode> {
    match c {
        DossierCommand::Verify { dir } => {
            let files = match read_dir(&dir) {
                Ok(f) => f,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    return Ok(ExitCode::from(2));
                }
            };
            match ally_web::protection::dossier::verify(&files) {
                Ok(n) => {
                    println!(
                        "dossier verified: {} files, {n} items, every SHA-256 matches",
                        files.len()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(msg) => {
                    eprintln!("dossier does NOT verify: {msg}");
                    Ok(ExitCode::from(1))
                }
            }
        }
    }
}

fn read_dir(dir: &Path) -> anyhow::Result<BTreeMap<String, Vec<u8>>> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let bytes = std::fs::read(entry.path())
                .with_context(|| format!("reading {}", entry.path().display()))?;
            files.insert(name, bytes);
        }
    }
    Ok(files)
}

pub(crate) async fn org_id(store: &Store, org: &str) -> anyhow::Result<OrgId> {
    if let Ok(id) = org.parse::<OrgId>() {
        return Ok(id);
    }
    store
        .find_organisation_by_name(org)
        .await?
        .with_context(|| format!("no organisation named {org:?}"))
}

/// The principal the operator acts as: a coordinator of the organisation, with a fixed id
/// (all zeros) that marks operator actions in the audit log.
pub(crate) fn operator(org: OrgId) -> Principal {
    Principal {
        user_id: UserId::from(uuid::Uuid::nil()),
        org_id: org,
        roles: vec![Role::Coordinator],
    }
}

pub async fn export_htcds(store: &Store, a: HtcdsArgs) -> anyhow::Result<ExitCode> {
    let org = org_id(store, &a.org).await?;
    let p = operator(org);
    let (header, rows) = store
        .access(&p, Some("cli"))
        .lifecycle()
        .htcds_rows(a.identifying)
        .await?;
    let mut w =
        csv::Writer::from_path(&a.out).with_context(|| format!("writing {}", a.out.display()))?;
    w.write_record(&header)?;
    for r in &rows {
        w.write_record(r)?;
    }
    w.flush()?;
    eprintln!(
        "wrote {} cases to {}{}",
        rows.len(),
        a.out.display(),
        if a.identifying {
            " (with identifying fields)"
        } else {
            ""
        }
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn export_dossier(store: &Store, a: DossierArgs) -> anyhow::Result<ExitCode> {
    let org = org_id(store, &a.org).await?;
    let case = a
        .case_id
        .parse()
        .map_err(|_| anyhow::anyhow!("--case: not a case id"))?;
    let p = operator(org);
    let data = store
        .access(&p, Some("cli"))
        .lifecycle()
        .dossier(case)
        .await?;
    let i18n = ally_web::I18n::load()?;
    let tr = i18n.tr(&a.lang);
    let files = ally_web::protection::dossier::build(&data, &tr);
    std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    if std::fs::read_dir(&a.out)?.next().is_some() {
        anyhow::bail!("{} is not empty", a.out.display());
    }
    for (name, bytes) in &files {
        std::fs::write(a.out.join(name), bytes)?;
    }
    eprintln!("wrote {} files to {}", files.len(), a.out.display());
    Ok(ExitCode::SUCCESS)
}
