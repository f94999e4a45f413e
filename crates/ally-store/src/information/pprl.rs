//! Privacy-preserving matching between the members of a network: runs, the members' Bloom
//! filter encodings, the matcher and each member's view of its matches.

use ally_core::OrgId;
use ally_core::audit::AuditOutcome;
use ally_core::authz::{Action, Grant};
use serde::Serialize;
use sqlx::Row;
use uuid::Uuid;

use super::common::{invalid, uuid_col};
use super::pprl_schema::{PPRL_SCHEMA, PPRL_THRESHOLD, platform_encoder};
use crate::access::{Access, id_col};
use crate::{Result, StoreError, now_ms};

crate::foundation::access::access_handle!(
    /// Privacy-preserving matching runs between network members.
    PprlRuns,
    pprl
);

/// A pair found by the matcher: (organisation, its record, other organisation, its record, Dice).
pub(super) type PprlPair = (OrgId, Uuid, OrgId, Uuid, f64);

/// A matching run as one member sees it.
#[derive(Debug, Clone, Serialize)]
pub struct PprlRunView {
    pub id: Uuid,
    pub network_id: OrgId,
    pub created_at_ms: i64,
    pub matched_at_ms: Option<i64>,
    /// Organisations that submitted encodings (names are the directory's).
    pub participants: Vec<(OrgId, String)>,
    pub joined: bool,
}

/// One of the member's own records that another member's record matched: the member learns its
/// own record reference, that another member holds a matching record, and whom to contact.
#[derive(Debug, Clone, Serialize)]
pub struct PprlMatch {
    /// The member's own record (an entity id, or the reference it uploaded).
    pub record_ref: Uuid,
    /// The member that holds the matching record.
    pub other_org: OrgId,
    /// That member's name.
    pub other_org_name: String,
    /// The other member's contact in the organisation directory (empty when it has none).
    pub other_org_contact: String,
    /// Dice similarity in per mille.
    pub similarity: i64,
    /// Whether the record is an entity of this instance (else the reference came with
    /// uploaded encodings and names a record on the member's own instance).
    pub local: bool,
}

/// The matcher: sees only encodings per organisation and returns, for each pair of
/// organisations, one-to-one pairs of record indices above the threshold (greedy, as anonlink).
pub(super) fn pprl_match(
    sets: &[(OrgId, Vec<(Uuid, ally_linkage::pprl::Clk)>)],
) -> Result<Vec<PprlPair>> {
    use ally_linkage::pprl::dice::{ClkSet, candidates};
    use ally_linkage::pprl::solve::greedy_solve;
    let corrupt = |_| StoreError::Corrupt("encodings");
    let mut out = Vec::new();
    for (i, (oa, a)) in sets.iter().enumerate() {
        for (ob, b) in sets.iter().skip(i + 1) {
            if a.is_empty() || b.is_empty() {
                continue;
            }
            let ca: Vec<_> = a.iter().map(|(_, c)| c.clone()).collect();
            let cb: Vec<_> = b.iter().map(|(_, c)| c.clone()).collect();
            let sa = ClkSet::new(&ca).map_err(corrupt)?;
            let sb = ClkSet::new(&cb).map_err(corrupt)?;
            for c in greedy_solve(&candidates(&sa, &sb, PPRL_THRESHOLD)) {
                out.push((
                    *oa,
                    a[c.left as usize].0,
                    *ob,
                    b[c.right as usize].0,
                    c.similarity,
                ));
            }
        }
    }
    Ok(out)
}

impl Access<'_> {
    /// The principal's network (the first one its organisation belongs to).
    pub(super) async fn my_network(&self) -> Result<Option<OrgId>> {
        let row = sqlx::query(
            "SELECT network_id FROM network_members WHERE member_id = $1 ORDER BY network_id LIMIT 1",
        )
        .bind(self.principal.org_id.to_string())
        .fetch_optional(&self.store.db().pool)
        .await?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some(id_col(&r, "network_id")?)),
        }
    }

    pub(super) async fn is_member(&self, network: OrgId) -> Result<bool> {
        Ok(sqlx::query(
            "SELECT 1 AS x FROM network_members WHERE network_id = $1 AND member_id = $2",
        )
        .bind(network.to_string())
        .bind(self.principal.org_id.to_string())
        .fetch_optional(&self.store.db().pool)
        .await?
        .is_some())
    }

    /// The run, if the principal's organisation is a member of its network (else not found).
    pub(super) async fn pprl_run_network(&self, run: Uuid) -> Result<OrgId> {
        let target = Some(("pprl_run", run.to_string()));
        let row = sqlx::query("SELECT network_id FROM info_pprl_runs WHERE id = $1")
            .bind(run.to_string())
            .fetch_optional(&self.store.db().pool)
            .await?;
        let network = match row {
            Some(r) => id_col::<OrgId>(&r, "network_id")?,
            None => {
                self.authorize_granted(Action::PprlRun, self.principal.org_id, &[], target)
                    .await?;
                return Err(StoreError::NotFound);
            }
        };
        // Members of the network act on its runs (a grant from the network to each member).
        let grant = if self.is_member(network).await? {
            vec![Grant {
                to_org: self.principal.org_id,
                action: Action::PprlRun,
            }]
        } else {
            Vec::new()
        };
        self.authorize_granted(Action::PprlRun, network, &grant, target)
            .await?;
        Ok(network)
    }

    /// The network's shared secret (random, wrapped by the master key), created on first use.
    pub(super) async fn network_secret(
        &self,
        tx: &mut sqlx::AnyConnection,
        network: OrgId,
    ) -> Result<zeroize::Zeroizing<[u8; 32]>> {
        let purpose = format!("pprl:{network}");
        let row = sqlx::query("SELECT wrapped FROM info_pprl_secrets WHERE network_id = $1")
            .bind(network.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(r) = row {
            let wrapped: Vec<u8> = r.try_get("wrapped")?;
            return Ok(self.store.keys().master().unwrap_key(&purpose, &wrapped)?);
        }
        let key = zeroize::Zeroizing::new(crate::crypto::random_bytes::<32>()?);
        sqlx::query("INSERT INTO info_pprl_secrets (network_id, wrapped) VALUES ($1, $2)")
            .bind(network.to_string())
            .bind(self.store.keys().master().wrap(&purpose, &key)?)
            .execute(&mut *tx)
            .await?;
        Ok(key)
    }

    pub(super) async fn pprl_view(&self, run: Uuid) -> Result<PprlRunView> {
        let pool = &self.store.db().pool;
        let r = sqlx::query(
            "SELECT network_id, created_at, matched_at FROM info_pprl_runs WHERE id = $1",
        )
        .bind(run.to_string())
        .fetch_one(pool)
        .await?;
        let parts = sqlx::query(
            "SELECT DISTINCT c.org_id, o.name FROM info_pprl_clks c JOIN organisations o ON o.id = c.org_id \
             WHERE c.run_id = $1 ORDER BY o.name",
        )
        .bind(run.to_string())
        .fetch_all(pool)
        .await?;
        let participants = parts
            .iter()
            .map(|p| Ok((id_col(p, "org_id")?, p.try_get("name")?)))
            .collect::<Result<Vec<(OrgId, String)>>>()?;
        Ok(PprlRunView {
            id: run,
            network_id: id_col(&r, "network_id")?,
            created_at_ms: r.try_get("created_at")?,
            matched_at_ms: r.try_get("matched_at")?,
            joined: participants
                .iter()
                .any(|(o, _)| *o == self.principal.org_id),
            participants,
        })
    }

    /// Refuses to change a run that has been matched (in the caller's write transaction, which
    /// holds the run's row on PostgreSQL). A run is matched once: its encodings are deleted
    /// then, and matching again with new or changed encodings, the way a member could probe the
    /// matcher with crafted ones, needs a new run, which every member sees in its run list.
    pub(crate) async fn require_open_run(
        &self,
        tx: &mut sqlx::AnyConnection,
        run: Uuid,
    ) -> Result<()> {
        let sql = format!(
            "SELECT matched_at FROM info_pprl_runs WHERE id = $1{}",
            self.store.db().backend.for_update()
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(run.to_string())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        match row.try_get::<Option<i64>, _>("matched_at")? {
            None => Ok(()),
            Some(_) => Err(StoreError::Conflict("the run is matched and closed")),
        }
    }

    /// Replaces the principal's organisation's encodings in a run that is still open (one
    /// transaction), audited as `action` with the count only. Opting in and uploads end here.
    pub(crate) async fn replace_pprl_clks(
        &self,
        run: Uuid,
        clks: &[(Uuid, ally_linkage::pprl::Clk)],
        action: &str,
    ) -> Result<usize> {
        let org = self.principal.org_id;
        let mut tx = self.store.db().begin_write().await?;
        // Matched meanwhile: refused like any late opt-in.
        self.require_open_run(&mut tx, run).await?;
        sqlx::query("DELETE FROM info_pprl_clks WHERE run_id = $1 AND org_id = $2")
            .bind(run.to_string())
            .bind(org.to_string())
            .execute(&mut *tx)
            .await?;
        for (id, clk) in clks {
            sqlx::query(
                "INSERT INTO info_pprl_clks (run_id, org_id, record_ref, clk) VALUES ($1, $2, $3, $4)",
            )
            .bind(run.to_string())
            .bind(org.to_string())
            .bind(id.to_string())
            .bind(clk.as_bytes().to_vec())
            .execute(&mut *tx)
            .await?;
        }
        let n = clks.len();
        let ev = self.ok_event(action, "pprl_run", run, format!("records={n}"));
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(n)
    }
}

impl PprlRuns<'_> {
    /// Runs of the principal's networks.
    pub async fn pprl_runs(&self) -> Result<Vec<PprlRunView>> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::PprlRun, org, &[], None)
            .await?;
        let rows = sqlx::query(
            "SELECT id FROM info_pprl_runs WHERE network_id IN \
               (SELECT network_id FROM network_members WHERE member_id = $1) ORDER BY created_at DESC LIMIT 50",
        )
        .bind(org.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            out.push(self.pprl_view(uuid_col(r, "id")?).await?);
        }
        Ok(out)
    }

    /// Opens a matching run in the principal's network and takes part in it.
    pub async fn start_pprl_run(&self) -> Result<Uuid> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::PprlRun, org, &[], None)
            .await?;
        let network = self
            .my_network()
            .await?
            .ok_or(invalid("network", "not_a_member"))?;
        let id = Uuid::now_v7();
        let mut tx = self.store.db().begin_write().await?;
        sqlx::query(
            "INSERT INTO info_pprl_runs (id, network_id, created_by_org, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(id.to_string())
        .bind(network.to_string())
        .bind(org.to_string())
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        let ev = self.ok_event("pprl.start", "pprl_run", id, format!("network={network}"));
        self.store.commit_audited(tx, &[ev]).await?;
        self.join_pprl_run(id).await?;
        Ok(id)
    }

    /// Opts in: encodes the organisation's person entities with the network's secret (here, in
    /// the organisation's own request: names never leave it, only the encodings are stored for
    /// the matcher). Joining again replaces the earlier encodings.
    pub async fn join_pprl_run(&self, run: Uuid) -> Result<usize> {
        let network = self.pprl_run_network(run).await?;
        let org = self.principal.org_id;
        // The secret (made on first use) in a short transaction of its own: encoding every
        // person entity takes a while and must not hold the write lock, which every other
        // write, and on SQLite every read's audit event, waits for.
        let secret = {
            let mut tx = self.store.db().begin_write().await?;
            self.require_open_run(&mut tx, run).await?;
            let secret = self.network_secret(&mut tx, network).await?;
            tx.commit().await?;
            secret
        };
        let encoder = platform_encoder(PPRL_SCHEMA, secret.as_slice())?;
        let clks = self.encode_person_entities(org, &encoder).await?;
        self.replace_pprl_clks(run, &clks, "pprl.join").await
    }

    /// Runs the matcher on the encodings submitted so far. The matcher reads encodings and
    /// record references only; each member later sees only its own side of each pair.
    pub async fn match_pprl_run(&self, run: Uuid) -> Result<usize> {
        self.pprl_run_network(run).await?;
        let mut tx = self.store.db().begin_write().await?;
        self.require_open_run(&mut tx, run).await?;
        let rows = sqlx::query(
            "SELECT org_id, record_ref, clk FROM info_pprl_clks WHERE run_id = $1 ORDER BY org_id, record_ref",
        )
        .bind(run.to_string())
        .fetch_all(&mut *tx)
        .await?;
        let mut sets: Vec<(OrgId, Vec<(Uuid, ally_linkage::pprl::Clk)>)> = Vec::new();
        for r in &rows {
            let org: OrgId = id_col(r, "org_id")?;
            let rec = uuid_col(r, "record_ref")?;
            let clk = ally_linkage::pprl::Clk::from_bytes(r.try_get("clk")?);
            match sets.last_mut() {
                Some((o, v)) if *o == org => v.push((rec, clk)),
                _ => sets.push((org, vec![(rec, clk)])),
            }
        }
        let pairs = pprl_match(&sets)?;
        sqlx::query("DELETE FROM info_pprl_matches WHERE run_id = $1")
            .bind(run.to_string())
            .execute(&mut *tx)
            .await?;
        for (oa, ra, ob, rb, sim) in &pairs {
            let per_mille = (sim * 1000.0).round() as i64;
            for (org, rec, other) in [(oa, ra, ob), (ob, rb, oa)] {
                sqlx::query(
                    "INSERT INTO info_pprl_matches (run_id, org_id, record_ref, other_org, similarity) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(run.to_string())
                .bind(org.to_string())
                .bind(rec.to_string())
                .bind(other.to_string())
                .bind(per_mille)
                .execute(&mut *tx)
                .await?;
            }
        }
        // The encodings are deleted once matched (docs/pprl-threat-model.md, operational
        // rules); the record references stay, so the run still lists its participants.
        sqlx::query("UPDATE info_pprl_clks SET clk = $1 WHERE run_id = $2")
            .bind(Vec::<u8>::new())
            .bind(run.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE info_pprl_runs SET matched_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(run.to_string())
            .execute(&mut *tx)
            .await?;
        let ev = self.ok_event(
            "pprl.match",
            "pprl_run",
            run,
            format!("members={} pairs={}", sets.len(), pairs.len()),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(pairs.len())
    }

    /// The run and the principal's own matches: its record reference, and which member holds a
    /// matching record (never that member's reference or data).
    pub async fn pprl_results(&self, run: Uuid) -> Result<(PprlRunView, Vec<PprlMatch>)> {
        self.pprl_run_network(run).await?;
        let rows = sqlx::query(
            "SELECT m.record_ref, m.other_org, m.similarity, o.name, d.contact, e.id AS local_id \
             FROM info_pprl_matches m JOIN organisations o ON o.id = m.other_org \
             LEFT JOIN prot_directory d ON d.org_id = m.other_org \
             LEFT JOIN info_entities e ON e.id = m.record_ref AND e.org_id = m.org_id \
             WHERE m.run_id = $1 AND m.org_id = $2 ORDER BY m.similarity DESC, m.record_ref",
        )
        .bind(run.to_string())
        .bind(self.principal.org_id.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let matches = rows
            .iter()
            .map(|r| {
                Ok(PprlMatch {
                    record_ref: uuid_col(r, "record_ref")?,
                    other_org: id_col(r, "other_org")?,
                    other_org_name: r.try_get("name")?,
                    other_org_contact: r
                        .try_get::<Option<String>, _>("contact")?
                        .unwrap_or_default(),
                    similarity: r.try_get("similarity")?,
                    local: r.try_get::<Option<String>, _>("local_id")?.is_some(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        self.record(self.event(
            "pprl.read",
            Some(("pprl_run", run.to_string())),
            AuditOutcome::Success,
            format!("matches={}", matches.len()),
        ))
        .await?;
        Ok((self.pprl_view(run).await?, matches))
    }
}
