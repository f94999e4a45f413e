//! Scheduled jobs shared by every server process. A run is claimed with one conditional
//! UPDATE (`... WHERE next_run_at <= now`): the database serialises concurrent claims on the
//! row, so when several `ally serve` share one PostgreSQL exactly one of them runs each due job.

use sqlx::Row;

use crate::{Result, Store, now_ms};

/// Runs the housekeeping jobs of this process.
pub struct JobRunner {
    store: Store,
    worker: String,
    /// The retention periods the protection job applies (from the configuration).
    retention: ally_core::protection::RetentionPolicy,
}

impl JobRunner {
    /// A runner for this process. `worker` names it in the `jobs` table's `last_run_by` (the
    /// server uses `pid:port`), so an operator can see which process ran a job; the protection
    /// retention periods are the defaults until [`Self::with_retention`].
    pub fn new(store: Store, worker: impl Into<String>) -> Self {
        JobRunner {
            store,
            worker: worker.into(),
            retention: crate::protection::default_retention(),
        }
    }

    /// Uses these retention periods instead of the defaults (`[retention]` in `ally.toml`).
    pub fn with_retention(mut self, policy: ally_core::protection::RetentionPolicy) -> Self {
        self.retention = policy;
        self
    }

    /// The protection retention job: flags the records past the configured retention.
    pub async fn protection_retention(&self) -> Result<usize> {
        self.store.flag_protection_retention(&self.retention).await
    }

    /// Tries to claim job `name`, due every `interval_ms`. True if this worker must run it now.
    pub async fn claim(&self, name: &str, interval_ms: i64) -> Result<bool> {
        let now = now_ms();
        let pool = &self.store.db().pool;
        sqlx::query(
            "INSERT INTO jobs (name, next_run_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name.to_owned())
        .bind(now)
        .execute(pool)
        .await?;
        let claimed = sqlx::query(
            "UPDATE jobs SET next_run_at = $1, last_run_at = $2, last_run_by = $3 WHERE name = $4 AND next_run_at <= $2",
        )
        .bind(now + interval_ms)
        .bind(now)
        .bind(self.worker.clone())
        .bind(name.to_owned())
        .execute(pool)
        .await?;
        Ok(claimed.rows_affected() == 1)
    }

    /// Deletes expired sessions and forgotten throttling counters. Returns rows removed.
    pub async fn sweep(&self) -> Result<u64> {
        let now = now_ms();
        let policy = self.store.policy();
        let pool = &self.store.db().pool;
        let a = sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2")
            .bind(now - policy.session_idle_ms)
            .bind(now - policy.session_absolute_ms)
            .execute(pool)
            .await?;
        let b = sqlx::query(
            "DELETE FROM signin_throttle WHERE last_failure_at < $1 AND blocked_until < $2",
        )
        .bind(now - 24 * 60 * 60 * 1000)
        .bind(now)
        .execute(pool)
        .await?;
        Ok(a.rows_affected() + b.rows_affected())
    }

    /// Who ran `name` last (for tests and the operator).
    pub async fn last_run_by(&self, name: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT last_run_by FROM jobs WHERE name = $1")
            .bind(name.to_owned())
            .fetch_optional(&self.store.db().pool)
            .await?;
        Ok(match row {
            Some(r) => r.try_get("last_run_by")?,
            None => None,
        })
    }

    /// Runs job `name` if this worker claims it (due every `interval_ms`); failures are logged
    /// (they carry no personal data) and the job runs again at its next turn.
    async fn run_if_due<F, T>(&self, name: &str, interval_ms: i64, job: F)
    where
        F: std::future::Future<Output = Result<T>>,
    {
        match self.claim(name, interval_ms).await {
            Ok(true) => {
                if let Err(e) = job.await {
                    tracing::warn!(job = name, error = %e, "job failed");
                }
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(job = name, error = %e, "job claim failed"),
        }
    }

    /// Loops forever: every minute, claims and runs what is due: the sweeper (every five
    /// minutes) and the retention purge of information on trafficking activities (daily).
    pub async fn run_forever(self) {
        const DAY_MS: i64 = 24 * 60 * 60 * 1000;
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            self.run_if_due("sweep", 5 * 60 * 1000, self.sweep()).await;
            self.run_if_due(
                "information_retention",
                DAY_MS,
                self.store.purge_expired_information(now_ms()),
            )
            .await;
            self.run_if_due("protection_retention", DAY_MS, self.protection_retention())
                .await;
        }
    }
}
