//! The people of a case: its caseworkers (users of the lead organisation) and the persons
//! linked to it with a role (`prot_case_workers`, `prot_case_persons`).

use ally_core::audit::AuditOutcome;
use ally_core::authz::Action;
use ally_core::protection::CaseId;
use ally_core::{OrgId, PersonId, UserId};
use sqlx::Row;

use super::common::invalid;
use super::deadlines::refresh_deadlines;
use crate::access::id_col;
use crate::{Access, Result};

crate::foundation::access::access_handle!(
    /// The people of a case: its caseworkers and the persons linked to it with a role.
    CasePeople,
    case_people
);

impl Access<'_> {
    /// The persons linked to a case, with their roles and names (the lead organisation's).
    pub(crate) async fn linked_persons(
        &self,
        case: CaseId,
        org: OrgId,
    ) -> Result<Vec<(PersonId, String, String)>> {
        let rows = sqlx::query(
            "SELECT person_id, role FROM prot_case_persons WHERE case_id = $1 ORDER BY role, person_id",
        )
        .bind(case.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let mut out = Vec::new();
        for r in rows {
            let id: PersonId = id_col(&r, "person_id")?;
            let name = self
                .person_identity(org, id)
                .await?
                .map(|i| i.display_name())
                .unwrap_or_default();
            out.push((id, r.try_get("role")?, name));
        }
        Ok(out)
    }
}

/// The roles a person can have in a case.
pub const PERSON_ROLES: &[&str] = &["victim", "relative", "witness", "suspect", "other"];

impl crate::Store {
    /// The id of the user with this e-mail (operator tooling and the demo).
    pub async fn user_id_operator(&self, email: &str) -> crate::Result<Option<ally_core::UserId>> {
        let id: Option<String> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(email.trim().to_lowercase())
            .fetch_optional(&self.db().pool)
            .await?;
        Ok(id.and_then(|s| s.parse().ok()))
    }
}

impl CasePeople<'_> {
    /// Assigns a caseworker of the organisation to the case.
    pub async fn assign_caseworker(&self, id: CaseId, user: UserId) -> Result<()> {
        let case = self.case_for(id, Action::CaseUpdate).await?;
        let org: Option<String> = sqlx::query_scalar("SELECT org_id FROM users WHERE id = $1")
            .bind(user.to_string())
            .fetch_optional(&self.store.db().pool)
            .await?;
        if org.as_deref() != Some(case.org_id.to_string().as_str()) {
            return Err(invalid("user", "not_found"));
        }
        let db = self.store.db();
        let mut tx = db.begin_write().await?;
        sqlx::query("DELETE FROM prot_case_workers WHERE case_id = $1 AND user_id = $2")
            .bind(id.to_string())
            .bind(user.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO prot_case_workers (case_id, user_id, org_id) VALUES ($1, $2, $3)")
            .bind(id.to_string())
            .bind(user.to_string())
            .bind(case.org_id.to_string())
            .execute(&mut *tx)
            .await?;
        // The new caseworker sees the case's deadlines.
        refresh_deadlines(&mut tx, id).await?;
        let ev = self.event(
            "case.assign",
            Some(("case", id.to_string())),
            AuditOutcome::Success,
            format!("user={user}"),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(())
    }

    /// The organisation's users who may work on cases (for assigning caseworkers and tasks).
    pub async fn case_assignable_users(&self) -> Result<Vec<(UserId, String)>> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::CaseUpdate, org, &[], None)
            .await?;
        let rows = sqlx::query(
            "SELECT id, display_name, roles FROM users WHERE org_id = $1 AND disabled = 0 ORDER BY display_name",
        )
        .bind(org.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let mut out = Vec::new();
        for r in rows {
            let roles = crate::access::roles_from_text(&r.try_get::<String, _>("roles")?);
            if roles
                .iter()
                .any(|role| ally_core::authz::role_allows(*role, Action::CaseRead))
            {
                out.push((id_col(&r, "id")?, r.try_get("display_name")?));
            }
        }
        Ok(out)
    }

    /// Links a person of the organisation to the case with a role (victim, relative, witness,
    /// suspect); linking again changes the role.
    pub async fn link_person(&self, case: CaseId, person: PersonId, role: &str) -> Result<()> {
        let row = self.case_for(case, Action::CaseUpdate).await?;
        if !PERSON_ROLES.contains(&role) {
            return Err(invalid("role", "invalid"));
        }
        let owner: Option<String> = sqlx::query_scalar("SELECT org_id FROM persons WHERE id = $1")
            .bind(person.to_string())
            .fetch_optional(&self.store.db().pool)
            .await?;
        if owner.as_deref() != Some(row.org_id.to_string().as_str()) {
            return Err(invalid("person", "not_found"));
        }
        let db = self.store.db();
        let mut tx = db.begin_write().await?;
        sqlx::query("DELETE FROM prot_case_persons WHERE case_id = $1 AND person_id = $2")
            .bind(case.to_string())
            .bind(person.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO prot_case_persons (case_id, person_id, role) VALUES ($1, $2, $3)")
            .bind(case.to_string())
            .bind(person.to_string())
            .bind(role)
            .execute(&mut *tx)
            .await?;
        let ev = self.event(
            "case.link_person",
            Some(("case", case.to_string())),
            AuditOutcome::Success,
            format!("person={person} role={role}"),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(())
    }
}
