//! Employers, workplaces and their subcontracting chains: rows in `labour_employers` and
//! `labour_workplaces`, each a sealed JSON document (AAD `labour_employer:<org>:<id>`,
//! `labour_workplace:<org>:<id>`); guarded by `employer.manage` on the owning organisation.

use ally_core::OrgId;
use ally_core::authz::Action;
use ally_core::labour::validate::{lines, one_of, optional, required, uuid_text};
use ally_core::labour::*;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::common::{aad, invalid, open_doc, seal_doc};
use crate::access::id_col;
use crate::{Access, Result, StoreError, now_ms};

crate::foundation::access::access_handle!(
    /// The employers, workplaces and subcontracting chains the organisation records.
    Employers,
    employers
);

#[derive(Clone, Serialize, Deserialize)]
struct EmployerDoc {
    legal_name: String,
    registration_number: String,
    addresses: Vec<String>,
}

#[derive(Clone, Serialize, Deserialize)]
pub(super) struct WorkplaceDoc {
    name: String,
    address: String,
    pub(super) chain: Vec<StoredLink>,
}

#[derive(Clone, Serialize, Deserialize)]
pub(super) struct StoredLink {
    pub(super) employer_id: String,
    pub(super) role: String,
    contracted_by: Option<String>,
    collective_agreement: String,
}

impl Access<'_> {
    // ----- employers -----

    fn validate_employer(input: &EmployerInput) -> Result<(String, EmployerDoc)> {
        let legal_name = required("legal_name", &input.legal_name, 300)?;
        let registration_number = optional("registration_number", &input.registration_number, 100)?;
        let sector = one_of("sector", &input.sector, SECTORS)?;
        let addresses = lines("addresses", &input.addresses, 20, 500)?;
        Ok((
            sector,
            EmployerDoc {
                legal_name,
                registration_number,
                addresses,
            },
        ))
    }

    /// Reads an employer's row (no authorisation, no audit): the owner and the clear columns,
    /// the document still sealed. The caller authorises from the owner, then
    /// [`unseal_employer`](Self::unseal_employer)s it.
    pub(super) async fn load_employer(&self, id: &str) -> Result<Option<(OrgId, AnyRow)>> {
        let row = sqlx::query(
            "SELECT org_id, sector, sealed, created_at FROM labour_employers WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.store.db().pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let org: OrgId = id_col(&row, "org_id")?;
        Ok(Some((org, row)))
    }

    /// Opens an employer's row read by [`load_employer`](Self::load_employer), once the caller
    /// may see it.
    pub(super) async fn unseal_employer(
        &self,
        id: &str,
        org: OrgId,
        row: &AnyRow,
    ) -> Result<Employer> {
        let keys = self.store.org_keys(org).await?;
        let sealed: Vec<u8> = row.try_get("sealed")?;
        let doc: EmployerDoc = open_doc(&keys, &aad("employer", org, id), &sealed)?;
        Ok(Employer {
            id: id.to_owned(),
            legal_name: doc.legal_name,
            registration_number: doc.registration_number,
            sector: row.try_get("sector")?,
            addresses: doc.addresses,
            created_at_ms: row.try_get("created_at")?,
        })
    }

    /// An employer of the principal's own organisation, or an invalid-field error.
    pub(super) async fn own_employer(&self, field: &'static str, id: &str) -> Result<Employer> {
        let id = uuid_text(field, id)?;
        match self.load_employer(&id).await? {
            Some((org, row)) if org == self.principal.org_id => {
                self.unseal_employer(&id, org, &row).await
            }
            _ => Err(invalid(field, "unknown_record")),
        }
    }

    /// Reads a workplace's row (no authorisation, no audit): the owner and the clear columns,
    /// the document still sealed. The caller authorises from the owner, then
    /// [`unseal_workplace`](Self::unseal_workplace)s it.
    pub(super) async fn load_workplace(&self, id: &str) -> Result<Option<(OrgId, AnyRow)>> {
        let row = sqlx::query(
            "SELECT org_id, employer_id, sealed, version FROM labour_workplaces WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.store.db().pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let org: OrgId = id_col(&row, "org_id")?;
        Ok(Some((org, row)))
    }

    /// Opens a workplace's row read by [`load_workplace`](Self::load_workplace), once the caller
    /// may see it: the employer id, the document and the version.
    pub(super) async fn unseal_workplace(
        &self,
        id: &str,
        org: OrgId,
        row: &AnyRow,
    ) -> Result<(String, WorkplaceDoc, i64)> {
        let keys = self.store.org_keys(org).await?;
        let sealed: Vec<u8> = row.try_get("sealed")?;
        let doc: WorkplaceDoc = open_doc(&keys, &aad("workplace", org, id), &sealed)?;
        Ok((row.try_get("employer_id")?, doc, row.try_get("version")?))
    }

    /// The legal name of an employer named in an opened record of the same organisation.
    async fn employer_name(&self, id: &str) -> Result<String> {
        Ok(match self.load_employer(id).await? {
            Some((org, row)) => self.unseal_employer(id, org, &row).await?.legal_name,
            None => String::new(),
        })
    }

    pub(super) async fn workplace_view(
        &self,
        id: &str,
        employer_id: String,
        doc: WorkplaceDoc,
        version: i64,
    ) -> Result<Workplace> {
        let mut chain = Vec::with_capacity(doc.chain.len());
        for l in doc.chain {
            let contracted_by_name = match &l.contracted_by {
                Some(c) => Some(self.employer_name(c).await?),
                None => None,
            };
            chain.push(ChainLink {
                employer_name: self.employer_name(&l.employer_id).await?,
                employer_id: l.employer_id,
                role: l.role,
                contracted_by: l.contracted_by,
                contracted_by_name,
                collective_agreement: l.collective_agreement,
            });
        }
        Ok(Workplace {
            id: id.to_owned(),
            employer_name: self.employer_name(&employer_id).await?,
            employer_id,
            name: doc.name,
            address: doc.address,
            chain,
            version,
        })
    }
}

impl Employers<'_> {
    /// Records an employer (`employer.manage`): validated, sealed, audited; returns its id.
    pub async fn create_employer(&self, input: EmployerInput) -> Result<String> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::EmployerManage, org, &[], None)
            .await?;
        let (sector, doc) = Access::validate_employer(&input)?;
        let id = uuid::Uuid::now_v7().to_string();
        let keys = self.store.org_keys(org).await?;
        let sealed = seal_doc(&keys, &aad("employer", org, &id), &doc)?;
        let now = now_ms();
        let mut tx = self.store.db().begin_write().await?;
        sqlx::query(
            "INSERT INTO labour_employers (id, org_id, sector, sealed, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(org.to_string())
        .bind(&sector)
        .bind(sealed)
        .bind(self.principal.user_id.to_string())
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        self.write_event(tx, "employer.create", "employer", &id, String::new())
            .await?;
        Ok(id)
    }

    /// Reads one employer (`employer.manage`), authorised on clear columns before it is unsealed; audited.
    pub async fn get_employer(&self, id: &str) -> Result<Employer> {
        let Some((org, row)) = self.load_employer(id).await? else {
            return Err(self
                .labour_not_found(Action::EmployerManage, "employer", id)
                .await);
        };
        self.authorize_granted(
            Action::EmployerManage,
            org,
            &[],
            Some(("employer", id.to_owned())),
        )
        .await?;
        let e = self.unseal_employer(id, org, &row).await?;
        self.read_event("employer.read", "employer", Some(id), String::new())
            .await?;
        Ok(e)
    }

    /// Lists the organisation's employers (`employer.manage`); audited with a count.
    pub async fn list_employers(&self) -> Result<Vec<Employer>> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::EmployerManage, org, &[], None)
            .await?;
        let rows = sqlx::query(
            "SELECT id, sector, sealed, created_at FROM labour_employers WHERE org_id = $1 \
             ORDER BY created_at, id",
        )
        .bind(org.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let keys = self.store.org_keys(org).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: String = row.try_get("id")?;
            let sealed: Vec<u8> = row.try_get("sealed")?;
            let doc: EmployerDoc = open_doc(&keys, &aad("employer", org, &id), &sealed)?;
            out.push(Employer {
                id,
                legal_name: doc.legal_name,
                registration_number: doc.registration_number,
                sector: row.try_get("sector")?,
                addresses: doc.addresses,
                created_at_ms: row.try_get("created_at")?,
            });
        }
        self.read_event(
            "employer.list",
            "employer",
            None,
            format!("count={}", out.len()),
        )
        .await?;
        Ok(out)
    }

    /// Records a workplace with its subcontracting chain and collective agreement (`employer.manage`); returns its id.
    pub async fn create_workplace(&self, input: WorkplaceInput) -> Result<String> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::EmployerManage, org, &[], None)
            .await?;
        let employer = self.own_employer("employer_id", &input.employer_id).await?;
        let doc = WorkplaceDoc {
            name: required("name", &input.name, 300)?,
            address: optional("address", &input.address, 500)?,
            // The employer running the site heads the chain until the chain is entered.
            chain: vec![StoredLink {
                employer_id: employer.id.clone(),
                role: "principal".into(),
                contracted_by: None,
                collective_agreement: String::new(),
            }],
        };
        let id = uuid::Uuid::now_v7().to_string();
        let keys = self.store.org_keys(org).await?;
        let sealed = seal_doc(&keys, &aad("workplace", org, &id), &doc)?;
        let now = now_ms();
        let mut tx = self.store.db().begin_write().await?;
        sqlx::query(
            "INSERT INTO labour_workplaces (id, org_id, employer_id, sealed, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 1, $5, $6)",
        )
        .bind(&id)
        .bind(org.to_string())
        .bind(&employer.id)
        .bind(sealed)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        self.write_event(tx, "workplace.create", "workplace", &id, String::new())
            .await?;
        Ok(id)
    }

    /// Reads one workplace with its chain (`employer.manage`), authorised before it is unsealed; audited.
    pub async fn get_workplace(&self, id: &str) -> Result<Workplace> {
        let Some((org, row)) = self.load_workplace(id).await? else {
            return Err(self
                .labour_not_found(Action::EmployerManage, "workplace", id)
                .await);
        };
        self.authorize_granted(
            Action::EmployerManage,
            org,
            &[],
            Some(("workplace", id.to_owned())),
        )
        .await?;
        let (employer_id, doc, version) = self.unseal_workplace(id, org, &row).await?;
        self.read_event("workplace.read", "workplace", Some(id), String::new())
            .await?;
        self.workplace_view(id, employer_id, doc, version).await
    }

    /// The organisation's workplaces (optionally of one employer), with their chains.
    pub async fn list_workplaces(&self, employer: Option<&str>) -> Result<Vec<Workplace>> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::EmployerManage, org, &[], None)
            .await?;
        let rows = sqlx::query(
            "SELECT id FROM labour_workplaces WHERE org_id = $1 ORDER BY created_at, id",
        )
        .bind(org.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let mut out = Vec::new();
        for row in &rows {
            let id: String = row.try_get("id")?;
            if let Some((org, row)) = self.load_workplace(&id).await? {
                let (employer_id, doc, version) = self.unseal_workplace(&id, org, &row).await?;
                let in_chain = doc
                    .chain
                    .iter()
                    .any(|l| Some(l.employer_id.as_str()) == employer);
                if employer.is_none() || Some(employer_id.as_str()) == employer || in_chain {
                    out.push(self.workplace_view(&id, employer_id, doc, version).await?);
                }
            }
        }
        self.read_event(
            "workplace.list",
            "workplace",
            None,
            format!("count={}", out.len()),
        )
        .await?;
        Ok(out)
    }

    /// Adds (or replaces) an employer's link in the workplace's subcontracting chain.
    pub async fn set_chain_link(&self, workplace_id: &str, input: ChainLinkInput) -> Result<()> {
        let Some((org, row)) = self.load_workplace(workplace_id).await? else {
            return Err(self
                .labour_not_found(Action::EmployerManage, "workplace", workplace_id)
                .await);
        };
        let target = Some(("workplace", workplace_id.to_owned()));
        self.authorize_granted(Action::EmployerManage, org, &[], target)
            .await?;
        let (_, mut doc, version) = self.unseal_workplace(workplace_id, org, &row).await?;
        let employer = self.own_employer("employer_id", &input.employer_id).await?;
        let role = one_of("role", &input.role, CHAIN_ROLES)?;
        let contracted_by = match input.contracted_by.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(c) => {
                let e = self.own_employer("contracted_by", c).await?;
                if e.id == employer.id {
                    return Err(invalid("contracted_by", "self_reference"));
                }
                if !doc.chain.iter().any(|l| l.employer_id == e.id) {
                    return Err(invalid("contracted_by", "not_in_chain"));
                }
                Some(e.id)
            }
        };
        if role != "principal" && contracted_by.is_none() {
            return Err(invalid("contracted_by", "required"));
        }
        let link = StoredLink {
            employer_id: employer.id.clone(),
            role,
            contracted_by,
            collective_agreement: optional(
                "collective_agreement",
                &input.collective_agreement,
                300,
            )?,
        };
        match doc.chain.iter_mut().find(|l| l.employer_id == employer.id) {
            Some(l) => *l = link,
            None => {
                if doc.chain.len() >= 50 {
                    return Err(invalid("employer_id", "too_many"));
                }
                doc.chain.push(link);
            }
        }
        let keys = self.store.org_keys(org).await?;
        let sealed = seal_doc(&keys, &aad("workplace", org, workplace_id), &doc)?;
        let mut tx = self.store.db().begin_write().await?;
        let n = sqlx::query(
            "UPDATE labour_workplaces SET sealed = $1, version = version + 1, updated_at = $2 \
             WHERE id = $3 AND version = $4",
        )
        .bind(sealed)
        .bind(now_ms())
        .bind(workplace_id)
        .bind(version)
        .execute(&mut *tx)
        .await?;
        if n.rows_affected() != 1 {
            return Err(StoreError::Conflict("changed_meanwhile"));
        }
        self.write_event(
            tx,
            "workplace.chain",
            "workplace",
            workplace_id,
            format!("links={}", doc.chain.len()),
        )
        .await
    }
}
