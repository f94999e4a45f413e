//! The judicial and immigration records of a case: proceedings and their stages, court dates
//! (`prot_proceedings`, `prot_court_dates`), residence permits (`prot_permits`, art. 14) and
//! compensation claims (`prot_compensation`, art. 15).

use ally_core::audit::AuditOutcome;
use ally_core::authz::Action;
use ally_core::protection::{CaseId, ProceedingsOutcome, ProceedingsStage, VictimRole};
use time::Date;

use super::common::{d2s, invalid};
use super::deadlines::refresh_deadlines;
use super::model::*;
use crate::{Result, StoreError, now_ms};

crate::foundation::access::access_handle!(
    /// The judicial and immigration records of a case: proceedings, court dates, residence permits
    /// and compensation claims.
    Judicial,
    judicial
);

/// Validates an exact decimal amount (non-negative, at most 2 decimals) and returns it as text.
fn decimal(s: &str, field: &'static str) -> Result<String> {
    let s = s.trim();
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let ok = !int.is_empty()
        && int.len() <= 15
        && int.chars().all(|c| c.is_ascii_digit())
        && frac.len() <= 2
        && frac.chars().all(|c| c.is_ascii_digit())
        && !(s.contains('.') && frac.is_empty());
    if !ok {
        return Err(invalid(field, "invalid_amount"));
    }
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    Ok(if frac.is_empty() {
        int.to_owned()
    } else {
        format!("{int}.{frac:0<2}")
    })
}

impl Judicial<'_> {
    /// Opens proceedings (complaint or investigation) and marks the case's proceedings open.
    pub async fn add_proceedings(
        &self,
        case: CaseId,
        stage: ProceedingsStage,
        victim_role: VictimRole,
        opened_on: Date,
        notes: &str,
    ) -> Result<String> {
        let case = self.case_for(case, Action::CaseUpdate).await?;
        let p = ally_core::protection::Proceedings::open(stage, opened_on, victim_role)
            .map_err(|e| invalid("stage", e.code()))?;
        self.insert_child(
            &case,
            "proceedings",
            "INSERT INTO prot_proceedings (id, case_id, org_id, stage, victim_role, opened_on, sealed, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            vec![
                Some(p.stage.as_str().to_owned()),
                Some(p.victim_role.as_str().to_owned()),
                Some(d2s(p.opened_on)),
            ],
            notes,
            format!("stage={}", p.stage.as_str()),
        )
        .await
    }

    /// Moves proceedings to their next stage (an outcome exactly at the outcome stage).
    pub async fn advance_proceedings(
        &self,
        case: CaseId,
        proceedings: &str,
        next: ProceedingsStage,
        outcome: Option<ProceedingsOutcome>,
    ) -> Result<()> {
        let view = {
            let case = self.case_for(case, Action::CaseUpdate).await?;
            self.full_view(case).await?
        };
        let rec = view
            .proceedings
            .iter()
            .find(|p| p.id == proceedings)
            .ok_or(StoreError::NotFound)?;
        let current = ally_core::protection::Proceedings {
            stage: rec.stage,
            opened_on: rec.opened_on,
            victim_role: rec.victim_role,
            outcome: rec.outcome,
            hearings: Vec::new(),
        };
        let moved = current
            .advance(next, outcome)
            .map_err(|e| invalid("stage", e.code()))?;
        let db = self.store.db();
        let mut tx = db.begin_write().await?;
        sqlx::query(
            "UPDATE prot_proceedings SET stage = $1, outcome = $2 WHERE id = $3 AND case_id = $4",
        )
        .bind(moved.stage.as_str())
        .bind(moved.outcome.map(|o| o.as_str()))
        .bind(proceedings)
        .bind(case.to_string())
        .execute(&mut *tx)
        .await?;
        let ev = self.event(
            "proceedings.advance",
            Some(("case", case.to_string())),
            AuditOutcome::Success,
            format!("stage={}", moved.stage.as_str()),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(())
    }

    /// Adds a court date to a case's proceedings (`case.update`), its note sealed; audited.
    pub async fn add_court_date(
        &self,
        case: CaseId,
        on: Date,
        accompanied: bool,
        note: &str,
    ) -> Result<String> {
        let case = self.case_for(case, Action::CaseUpdate).await?;
        self.insert_child(
            &case,
            "court_date",
            "INSERT INTO prot_court_dates (id, case_id, org_id, on_date, accompanied, sealed, created_at) \
             VALUES ($1, $2, $3, $4, CAST($5 AS BIGINT), $6, $7)",
            vec![
                Some(d2s(on)),
                Some(if accompanied { "1" } else { "0" }.to_owned()),
            ],
            note,
            format!("accompanied={accompanied}"),
        )
        .await
    }

    /// Records a residence permit application (art. 14) or renewal, and its decision.
    pub async fn add_permit(&self, case: CaseId, p: PermitRecord) -> Result<String> {
        let case = self.case_for(case, Action::CaseUpdate).await?;
        if !matches!(p.decision.as_str(), "pending" | "granted" | "refused") {
            return Err(invalid("decision", "invalid"));
        }
        if p.decision == "granted" && p.expires_on.is_none() {
            return Err(invalid("expires_on", "required"));
        }
        if p.decided_on.is_some_and(|d| d < p.applied_on) {
            return Err(invalid("decided_on", "date_order"));
        }
        let id = uuid::Uuid::now_v7().to_string();
        let db = self.store.db();
        let mut tx = db.begin_write().await?;
        sqlx::query(
            "INSERT INTO prot_permits (id, case_id, org_id, applied_on, renewal, decision, decided_on, expires_on, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id.clone())
        .bind(case.id.to_string())
        .bind(case.org_id.to_string())
        .bind(d2s(p.applied_on))
        .bind(i64::from(p.renewal))
        .bind(p.decision.clone())
        .bind(p.decided_on.map(d2s))
        .bind(p.expires_on.map(d2s))
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        refresh_deadlines(&mut tx, case.id).await?;
        let ev = self.event(
            "permit.add",
            Some(("case", case.id.to_string())),
            AuditOutcome::Success,
            format!("decision={} renewal={}", p.decision, p.renewal),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(id)
    }

    /// Records a compensation claim (art. 15): amounts are exact decimals (text, validated).
    pub async fn add_compensation(&self, case: CaseId, c: CompensationRecord) -> Result<String> {
        let case = self.case_for(case, Action::CaseUpdate).await?;
        ally_core::protection::CurrencyCode::new(&c.currency)
            .map_err(|_| invalid("currency", "invalid"))?;
        let claimed = decimal(&c.claimed, "claimed")?;
        let awarded = c
            .awarded
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|a| decimal(a, "awarded"))
            .transpose()?;
        let received = if c.received.trim().is_empty() {
            "0".to_owned()
        } else {
            decimal(&c.received, "received")?
        };
        let id = uuid::Uuid::now_v7().to_string();
        let db = self.store.db();
        let mut tx = db.begin_write().await?;
        sqlx::query(
            "INSERT INTO prot_compensation (id, case_id, org_id, currency, claimed, awarded, received, filed_on, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id.clone())
        .bind(case.id.to_string())
        .bind(case.org_id.to_string())
        .bind(c.currency.trim().to_ascii_uppercase())
        .bind(claimed)
        .bind(awarded)
        .bind(received)
        .bind(d2s(c.filed_on))
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        let ev = self.event(
            "compensation.add",
            Some(("case", case.id.to_string())),
            AuditOutcome::Success,
            String::new(),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::decimal;

    #[test]
    fn amounts_are_exact_decimals() {
        assert_eq!(decimal("1200.5", "x").ok().as_deref(), Some("1200.50"));
        assert_eq!(decimal("007", "x").ok().as_deref(), Some("7"));
        assert!(decimal("1.234", "x").is_err());
        assert!(decimal("-3", "x").is_err());
        assert!(decimal("1e3", "x").is_err());
        assert!(decimal("", "x").is_err());
        assert!(decimal("5.", "x").is_err());
    }
}
