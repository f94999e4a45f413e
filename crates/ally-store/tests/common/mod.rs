//! Shared by the store's integration test files: the one test world (`world.rs`) and the small
//! helpers every file used to copy (raw connections, audit details, error shapes).
#![allow(clippy::unwrap_used, dead_code)]

pub mod world;

use ally_core::authz::Denied;
use ally_core::information::{EntityInput, ReportInput, ValidReport};
use ally_store::StoreError;
use ally_store::testing::TestDb;
use sqlx::Connection;

#[allow(unused_imports)] // not every test file uses every helper
pub use world::{World, who};

/// A raw connection to the test database, for looking under the store (sealed bytes, counts).
pub async fn raw(db: &TestDb) -> sqlx::AnyConnection {
    sqlx::any::install_default_drivers();
    sqlx::AnyConnection::connect(&db.url).await.unwrap()
}

/// One `SELECT count(*)`-like scalar from the raw database.
pub async fn count(db: &TestDb, sql: &str) -> i64 {
    let mut c = raw(db).await;
    sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&mut c)
        .await
        .unwrap()
}

/// The details of the audit events of one action, oldest first.
pub async fn audit_details(db: &TestDb, action: &str) -> Vec<String> {
    let mut conn = raw(db).await;
    sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = $1 ORDER BY seq")
        .bind(action.to_owned())
        .fetch_all(&mut conn)
        .await
        .unwrap()
}

/// Another organisation's record answers as if it did not exist (or as a plain refusal).
pub fn is_not_found(e: &StoreError) -> bool {
    matches!(
        e,
        StoreError::NotFound | StoreError::Denied(Denied::OtherOrganisation)
    )
}

/// An entity of a report, as the reporter types it.
pub fn entity(kind: &str, role: &str, value: &str) -> EntityInput {
    EntityInput {
        kind: kind.into(),
        role: role.into(),
        value: value.into(),
    }
}

/// A valid labour-exploitation report of `what` at `place` naming `entities`.
pub fn report_at(place: &str, what: &str, entities: Vec<EntityInput>) -> ValidReport {
    ReportInput {
        what: what.into(),
        place: place.into(),
        exploitation: "labour".into(),
        entities,
        ..Default::default()
    }
    .validate(|_| true, false)
    .unwrap()
}
