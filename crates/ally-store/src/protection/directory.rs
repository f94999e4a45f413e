//! The organisation directory: services offered, regions, languages, opening hours,
//! capacity/availability and contact of each organisation; searchable by everyone signed in;
//! each organisation edits its own entry (`directory.manage`). Entries are public information
//! about organisations (not about persons) and are stored in clear.

use ally_core::audit::AuditOutcome;
use ally_core::authz::Action;
use ally_core::protection::ServiceKind;
use sqlx::Row;

use super::common::invalid;
use super::model::DirectoryEntry;
use crate::{Result, now_ms};
crate::foundation::access::access_handle!(
    /// The directory of the services organisations offer: searched by everyone signed in, each
    /// organisation editing its own entry.
    ServiceDirectory,
    service_directory
);

impl ServiceDirectory<'_> {
    /// Every organisation with its entry (empty fields when it has none), filtered by a
    /// case-insensitive text and/or a service.
    pub async fn directory_entries(
        &self,
        text: &str,
        service: Option<ServiceKind>,
    ) -> Result<Vec<DirectoryEntry>> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::OrgRead, org, &[], None)
            .await?;
        let rows = sqlx::query(
            "SELECT o.id, o.name, o.kind, d.services, d.regions, d.languages, d.opening_hours, \
             d.capacity, d.contact FROM organisations o LEFT JOIN prot_directory d ON d.org_id = o.id \
             ORDER BY o.name",
        )
        .fetch_all(&self.store.db().pool)
        .await?;
        let needle = text.trim().to_lowercase();
        let mut out = Vec::new();
        for r in rows {
            let s = |c: &str| -> Result<String> {
                Ok(r.try_get::<Option<String>, _>(c)?.unwrap_or_default())
            };
            let e = DirectoryEntry {
                org_id: r.try_get("id")?,
                name: r.try_get("name")?,
                kind: r.try_get("kind")?,
                services: s("services")?
                    .split(',')
                    .filter(|x| !x.is_empty())
                    .map(str::to_owned)
                    .collect(),
                regions: s("regions")?,
                languages: s("languages")?,
                opening_hours: s("opening_hours")?,
                capacity: s("capacity")?,
                contact: s("contact")?,
            };
            if let Some(k) = service
                && !e.services.iter().any(|x| x == k.as_str())
            {
                continue;
            }
            if !needle.is_empty() {
                let hay = format!(
                    "{} {} {} {} {}",
                    e.name,
                    e.regions,
                    e.languages,
                    e.capacity,
                    e.services.join(" ")
                )
                .to_lowercase();
                if !hay.contains(&needle) {
                    continue;
                }
            }
            out.push(e);
        }
        Ok(out)
    }

    /// Replaces the principal's organisation's entry.
    pub async fn update_directory_entry(&self, e: DirectoryEntry) -> Result<()> {
        let org = self.principal.org_id;
        self.authorize_granted(
            Action::DirectoryManage,
            org,
            &[],
            Some(("organisation", org.to_string())),
        )
        .await?;
        for s in &e.services {
            if ServiceKind::parse(s).is_none() {
                return Err(invalid("services", "invalid"));
            }
        }
        for (field, v) in [
            ("regions", &e.regions),
            ("languages", &e.languages),
            ("opening_hours", &e.opening_hours),
            ("capacity", &e.capacity),
            ("contact", &e.contact),
        ] {
            if v.chars().count() > 500 {
                return Err(invalid(field, "too_long"));
            }
        }
        let db = self.store.db();
        let mut tx = db.begin_write().await?;
        sqlx::query("DELETE FROM prot_directory WHERE org_id = $1")
            .bind(org.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO prot_directory (org_id, services, regions, languages, opening_hours, capacity, contact, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(org.to_string())
        .bind(e.services.join(","))
        .bind(e.regions.trim().to_owned())
        .bind(e.languages.trim().to_owned())
        .bind(e.opening_hours.trim().to_owned())
        .bind(e.capacity.trim().to_owned())
        .bind(e.contact.trim().to_owned())
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        let ev = self.event(
            "directory.update",
            Some(("organisation", org.to_string())),
            AuditOutcome::Success,
            String::new(),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(())
    }
}
