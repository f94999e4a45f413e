//! Operation packages for a law-enforcement liaison: export of selected reports and entities
//! as one sealed JSON document, its manifest of hashes, and reading it back. The printable
//! HTML is rendered from the document by the web layer.

use std::collections::HashSet;

use ally_core::OrgId;
use ally_core::audit::AuditOutcome;
use ally_core::authz::{Action, Denied, Grant};
use ally_core::information::{EntityKind, EntityRole, ReportStatus};
use ally_core::org::OrgKind;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;
use uuid::Uuid;

use super::common::{crate_date, invalid, operation_aad, uuid_col};
use crate::access::id_col;
use crate::{Result, StoreError, now_ms};

crate::foundation::access::access_handle!(
    /// Operation packages: explicit, sealed disclosures to a named law-enforcement liaison.
    Operations,
    operations
);

/// One file of an operation package and its SHA-256.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestEntry {
    /// The file's name in the package (`package.json`).
    pub file: String,
    /// Its SHA-256, lower-case hex.
    pub sha256: String,
}

/// An operation package in a list: who exported it to whom, and when.
#[derive(Debug, Clone, Serialize)]
pub struct OperationSummary {
    /// The package's id.
    pub id: Uuid,
    /// The exporting organisation, whose key seals it.
    pub org_id: OrgId,
    /// The law-enforcement liaison organisation it is for.
    pub to_org: OrgId,
    /// When it was exported, ms since the epoch.
    pub created_at_ms: i64,
}

/// An operation package: the JSON document (as exported, and parsed) and the manifest of its
/// hashes. The printable HTML is a deterministic rendering of `document` made by the web layer,
/// which lists its hash beside these.
#[derive(Clone, Serialize)]
pub struct OperationPackage {
    /// The package's id.
    pub id: Uuid,
    /// The exporting organisation, whose key seals it (`info-operation:<org>:<id>`).
    pub org_id: OrgId,
    /// The law-enforcement liaison organisation it is for.
    pub to_org: OrgId,
    /// When it was exported, ms since the epoch.
    pub created_at_ms: i64,
    /// The package as exported, JSON text (sealed at rest).
    pub json: String,
    /// `json` parsed: the structured package the web layer renders.
    pub document: serde_json::Value,
    /// The files of the package with their SHA-256, as hashed now.
    pub manifest: Vec<ManifestEntry>,
    /// The hashes of the package as read equal the manifest recorded at export.
    pub verified: bool,
}

impl std::fmt::Debug for OperationPackage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperationPackage")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// What an operation package holds.
#[derive(Clone, Default)]
pub struct OperationRequest {
    /// The law-enforcement liaison organisation the package is for.
    pub to_org: OrgId,
    /// Why it is disclosed, 3 to 2,000 characters (kept in the sealed package).
    pub reason: String,
    /// The own organisation's reports to include.
    pub reports: Vec<Uuid>,
    /// The own organisation's entities to include (a possible victim's only with consent recorded).
    pub entities: Vec<Uuid>,
}

impl std::fmt::Debug for OperationRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperationRequest")
            .field("reports", &self.reports.len())
            .field("entities", &self.entities.len())
            .finish_non_exhaustive()
    }
}

pub(super) fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

impl Operations<'_> {
    /// Law-enforcement liaison organisations an operation package can be addressed to.
    pub async fn police_liaisons(&self) -> Result<Vec<(OrgId, String)>> {
        self.authorize_granted(Action::OperationExport, self.principal.org_id, &[], None)
            .await?;
        let rows = sqlx::query(
            "SELECT id, name FROM organisations WHERE kind = 'law_enforcement_liaison' ORDER BY name",
        )
        .fetch_all(&self.store.db().pool)
        .await?;
        rows.iter()
            .map(|r| Ok((id_col(r, "id")?, r.try_get("name")?)))
            .collect()
    }

    /// Exports an operation package for a law-enforcement liaison organisation: the selected
    /// reports and entities of the own organisation, their places and a timeline, with the
    /// reason. Stored sealed; the liaison organisation reads exactly this package and nothing
    /// else. Possible victims' entities are refused until the victim's consent is recorded.
    pub async fn export_operation(&self, req: OperationRequest) -> Result<Uuid> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::OperationExport, org, &[], None)
            .await?;
        let reason = req.reason.trim();
        if reason.chars().count() < 3 || reason.chars().count() > 2000 {
            return Err(invalid("reason", "required"));
        }
        if req.reports.is_empty() && req.entities.is_empty() {
            return Err(invalid("reports", "required"));
        }
        if self.org_kind(req.to_org).await? != Some(OrgKind::LawEnforcementLiaison) {
            return Err(invalid("to_org", "not_law_enforcement"));
        }
        let may_suspect = self.principal.may(Action::SuspectRead);
        let mut reports = Vec::new();
        for id in &req.reports {
            match self.load_report(*id).await? {
                Some(r) if r.org_id == org && r.status == ReportStatus::Accepted => {
                    reports.push(r.open(self.store).await?);
                }
                _ => return Err(StoreError::NotFound),
            }
        }
        let mut entities = Vec::new();
        let mut victims = Vec::new();
        for id in &req.entities {
            match self.load_entity(*id).await? {
                Some(e) if e.org_id == org => {
                    if e.role == EntityRole::PossibleVictim {
                        // The victim's law-enforcement consent (or a legal basis) must name
                        // this liaison; checked again whenever the liaison reads the package.
                        if let Err(code) = self.victim_sharing(&e, &[req.to_org]).await? {
                            self.record(self.event(
                                "operation.export",
                                Some(("entity", e.id.to_string())),
                                AuditOutcome::Denied,
                                format!("refused={code}"),
                            ))
                            .await?;
                            return Err(invalid("entities", "victim_consent_required"));
                        }
                        victims.push(e.id.to_string());
                    }
                    if e.role.is_suspect() && !may_suspect {
                        return Err(StoreError::Denied(Denied::RoleLacksPermission(
                            Action::SuspectRead,
                        )));
                    }
                    entities.push(e.open(self.store).await?);
                }
                _ => return Err(StoreError::NotFound),
            }
        }
        let id = Uuid::now_v7();
        let now = now_ms();
        let org_name = self
            .org_name(&org.to_string())
            .await?
            .ok_or(StoreError::NotFound)?;
        let to_name = self
            .org_name(&req.to_org.to_string())
            .await?
            .ok_or(StoreError::NotFound)?;
        let selected: HashSet<Uuid> = entities.iter().map(|e| e.id).collect();
        let mut timeline: Vec<serde_json::Value> = Vec::new();
        let mut places: Vec<serde_json::Value> = Vec::new();
        let mut rep_json = Vec::new();
        for r in &reports {
            // Only the selected entities of a report travel with it.
            let ents: Vec<String> = self
                .report_entities(r.id)
                .await?
                .iter()
                .filter(|e| selected.contains(&e.id))
                .map(|e| e.id.to_string())
                .collect();
            rep_json.push(serde_json::json!({
                "id": r.id, "observed_on": r.text.observed_on, "what": r.text.what,
                "place": r.text.place, "latitude": r.text.latitude, "longitude": r.text.longitude,
                "exploitation": r.exploitation.as_str(), "indicators": r.indicators, "entities": ents,
            }));
            if !r.text.place.is_empty() || r.text.latitude.is_some() {
                places.push(serde_json::json!({"report": r.id, "place": r.text.place,
                    "latitude": r.text.latitude, "longitude": r.text.longitude}));
            }
            timeline.push(serde_json::json!({
                "date": r.text.observed_on.clone().unwrap_or_else(|| crate_date(r.created_at_ms)),
                "report": r.id, "event": r.exploitation.as_str(),
            }));
        }
        timeline.sort_by(|a, b| a["date"].as_str().cmp(&b["date"].as_str()));
        for e in &entities {
            if e.kind == EntityKind::Place {
                places.push(serde_json::json!({"entity": e.id, "place": e.value}));
            }
        }
        let ent_json: Vec<serde_json::Value> = entities
            .iter()
            .map(|e| {
                serde_json::json!({"id": e.id, "kind": e.kind.as_str(), "role": e.role.as_str(),
                "criminal_offence_data": e.role.is_suspect(), "value": e.value})
            })
            .collect();
        let doc = serde_json::json!({
            "format": "ally-operation-package-v1",
            "id": id, "created_at_ms": now,
            "from": {"id": org, "name": org_name},
            "to": {"id": req.to_org, "name": to_name},
            "reason": reason,
            "reports": rep_json, "entities": ent_json, "places": places, "timeline": timeline,
        });
        let json =
            serde_json::to_string_pretty(&doc).map_err(|_| StoreError::Corrupt("package"))?;
        // The store vouches for the document it seals; the HTML is rendered from it by the web
        // layer, which hashes it when showing the package.
        let manifest = format!("{}  package.json\n", sha256_hex(json.as_bytes()));
        let keys = self.store.org_keys(org).await?;
        let sealed = keys.seal(&operation_aad(org, id), json.as_bytes())?;
        let mut tx = self.store.db().begin_write().await?;
        sqlx::query(
            "INSERT INTO info_operations (id, org_id, to_org, sealed, manifest, created_by, created_at, victims) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id.to_string())
        .bind(org.to_string())
        .bind(req.to_org.to_string())
        .bind(sealed)
        .bind(&manifest)
        .bind(self.principal.user_id.to_string())
        .bind(now)
        .bind(victims.join(","))
        .execute(&mut *tx)
        .await?;
        let ev = self.ok_event(
            "operation.export",
            "operation",
            id,
            format!(
                "to={} reports={} entities={}",
                req.to_org,
                reports.len(),
                entities.len()
            ),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(id)
    }

    /// Operation packages exported by the organisation or addressed to it.
    pub async fn list_operations(&self) -> Result<Vec<OperationSummary>> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::ReportRead, org, &[], None)
            .await?;
        let rows = sqlx::query(
            "SELECT id, org_id, to_org, created_at FROM info_operations WHERE org_id = $1 OR to_org = $1 ORDER BY created_at DESC LIMIT 200",
        )
        .bind(org.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let out = rows
            .iter()
            .map(|r| {
                Ok(OperationSummary {
                    id: uuid_col(r, "id")?,
                    org_id: id_col(r, "org_id")?,
                    to_org: id_col(r, "to_org")?,
                    created_at_ms: r.try_get("created_at")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        self.record(self.event(
            "operation.list",
            None,
            AuditOutcome::Success,
            format!("count={}", out.len()),
        ))
        .await?;
        Ok(out)
    }

    /// One operation package, for its exporting organisation or the liaison it is addressed to.
    pub async fn get_operation(&self, id: Uuid) -> Result<OperationPackage> {
        let target = Some(("operation", id.to_string()));
        let row = sqlx::query(
            "SELECT org_id, to_org, sealed, manifest, created_at, victims FROM info_operations WHERE id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.store.db().pool)
        .await?;
        let Some(row) = row else {
            self.authorize_granted(Action::ReportRead, self.principal.org_id, &[], target)
                .await?;
            return Err(StoreError::NotFound);
        };
        let org: OrgId = id_col(&row, "org_id")?;
        let to_org: OrgId = id_col(&row, "to_org")?;
        // The liaison reads the package while every possible victim in it still consents to
        // this sharing (a withdrawal, an unlinked case or an erased victim ends it at once).
        let mut grants = vec![Grant {
            to_org,
            action: Action::ReportRead,
        }];
        if self.principal.org_id == to_org && to_org != org {
            let victims: String = row.try_get("victims")?;
            for v in victims.split(',').filter(|v| !v.is_empty()) {
                let covered = match v.parse::<Uuid>().ok() {
                    Some(vid) => match self.load_entity(vid).await? {
                        Some(e) => self.victim_sharing(&e, &[to_org]).await?.is_ok(),
                        None => false,
                    },
                    None => false,
                };
                if !covered {
                    grants.clear();
                }
            }
        }
        self.authorize_granted(Action::ReportRead, org, &grants, target.clone())
            .await?;
        let keys = self.store.org_keys(org).await?;
        let sealed: Vec<u8> = row.try_get("sealed")?;
        let json = String::from_utf8(keys.open(&operation_aad(org, id), &sealed)?)
            .map_err(|_| StoreError::Corrupt("package"))?;
        let doc: serde_json::Value =
            serde_json::from_str(&json).map_err(|_| StoreError::Corrupt("package"))?;
        let manifest = vec![ManifestEntry {
            file: "package.json".into(),
            sha256: sha256_hex(json.as_bytes()),
        }];
        // The package as read now must hash to the manifest recorded at export.
        let recorded: String = row.try_get("manifest")?;
        let verified = manifest
            .iter()
            .all(|m| recorded.contains(&format!("{}  {}", m.sha256, m.file)));
        self.record(self.event(
            "operation.read",
            target,
            AuditOutcome::Success,
            format!("verified={verified}"),
        ))
        .await?;
        Ok(OperationPackage {
            id,
            org_id: org,
            to_org,
            created_at_ms: row.try_get("created_at")?,
            json,
            document: doc,
            manifest,
            verified,
        })
    }

    /// The manifest recorded at export (to verify a package received earlier).
    pub async fn operation_manifest(&self, id: Uuid) -> Result<String> {
        let p = self.get_operation(id).await?;
        let row = sqlx::query("SELECT manifest FROM info_operations WHERE id = $1")
            .bind(p.id.to_string())
            .fetch_one(&self.store.db().pool)
            .await?;
        Ok(row.try_get("manifest")?)
    }
}
