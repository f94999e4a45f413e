//! PPRL commands of a member organisation that runs its own Ally instance (issue 5, §3):
//!
//! - `ally pprl contribute --kit KIT.json --org ORG --output clks.csv` encodes the organisation's
//!   person entities with a network's participation kit, exactly as the network's own opt-in
//!   does (one function in the store), and writes `record_id,clk` (entity ids and base64
//!   encodings; no names). Audited (`pprl.contribute`, the count) under the operator principal.
//! - `ally pprl results --org ORG --input results.csv` reads the matches the network returned
//!   (`record_id,other_member,contact,similarity`) and prints, for each, whether the record is
//!   one of the organisation's entities and where to open it (`/entities/ID`). It reads only
//!   the entities' kinds and roles, never prints names (each look-up is an audited read).

use std::path::PathBuf;
use std::process::ExitCode;

use ally_store::{PprlKit, Store, pprl_clks_csv};
use anyhow::{Context, bail};
use clap::Args;

use crate::cmd_protection::{operator, org_id};

#[derive(Debug, Args)]
pub struct ContributeArgs {
    /// The participation kit the network's coordinator sent (JSON; it holds the network's
    /// secret: delete it afterwards).
    #[arg(long)]
    pub kit: PathBuf,
    /// The organisation whose records are encoded: its id or exact name.
    #[arg(long)]
    pub org: String,
    /// The encodings file to write (`record_id,clk`), for the organisation representing you
    /// on the network's instance to upload.
    #[arg(long)]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct ResultsArgs {
    /// The organisation: its id or exact name.
    #[arg(long)]
    pub org: String,
    /// The results file from the network (`record_id,other_member,contact,similarity`).
    #[arg(long)]
    pub input: PathBuf,
}

pub async fn contribute(store: &Store, a: ContributeArgs) -> anyhow::Result<ExitCode> {
    let org = org_id(store, &a.org).await?;
    let bytes = std::fs::read(&a.kit).with_context(|| format!("reading {}", a.kit.display()))?;
    let kit = PprlKit::from_json(&bytes).map_err(crate::describe)?;
    let p = operator(org);
    let rows = store
        .access(&p, Some("cli"))
        .pprl_members()
        .pprl_contribute(&kit)
        .await
        .map_err(crate::describe)?;
    std::fs::write(&a.output, pprl_clks_csv(&rows))
        .with_context(|| format!("writing {}", a.output.display()))?;
    eprintln!(
        "wrote {} encodings for run {} of {:?} to {}; send this file to the organisation representing you, and delete the kit",
        rows.len(),
        kit.run_id,
        kit.network_name,
        a.output.display()
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn results(store: &Store, a: ResultsArgs) -> anyhow::Result<ExitCode> {
    let org = org_id(store, &a.org).await?;
    let mut rdr = csv::Reader::from_path(&a.input)
        .with_context(|| format!("reading {}", a.input.display()))?;
    let header: Vec<String> = rdr.headers()?.iter().map(str::to_owned).collect();
    if header != ["record_id", "other_member", "contact", "similarity"] {
        bail!(
            "{}: line 1: the header must be record_id,other_member,contact,similarity",
            a.input.display()
        );
    }
    let p = operator(org);
    let access = store.access(&p, Some("cli"));
    let mut unknown = 0;
    println!("record_id\tkind\trole\tother_member\tcontact\tsimilarity\topen");
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = rec.with_context(|| format!("{}: line {line}", a.input.display()))?;
        let id: uuid::Uuid = rec
            .get(0)
            .unwrap_or_default()
            .parse()
            .with_context(|| format!("{}: line {line}: not a record id", a.input.display()))?;
        let field = |i: usize| rec.get(i).unwrap_or_default();
        match access.entities().get_entity(id).await {
            Ok(page) if page.entity.org_id == org => println!(
                "{id}\t{}\t{}\t{}\t{}\t{}\t/entities/{id}",
                page.entity.kind.as_str(),
                page.entity.role.as_str(),
                field(1),
                field(2),
                field(3)
            ),
            Ok(_) | Err(ally_store::StoreError::NotFound | ally_store::StoreError::Denied(_)) => {
                unknown += 1;
                println!(
                    "{id}\t-\t-\t{}\t{}\t{}\tnot a record of this organisation",
                    field(1),
                    field(2),
                    field(3)
                );
            }
            Err(e) => return Err(crate::describe(e)),
        }
    }
    if unknown > 0 {
        eprintln!("{unknown} record id(s) are not records of this organisation");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
