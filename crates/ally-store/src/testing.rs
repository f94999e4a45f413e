//! Test support shared by the store, web and binary test suites: the databases every
//! backend-dependent test runs against.
//!
//! SQLite always. PostgreSQL when `ALLY_TEST_DATABASE_URL` is set (each call creates a fresh
//! database on that server, so tests never see each other's rows). When
//! `ALLY_REQUIRE_POSTGRES=1` and no URL is set, or the server cannot be reached, this panics:
//! CI must not silently skip PostgreSQL. Locally, the skip is announced loudly on stderr.

use std::path::PathBuf;

use sqlx::Connection;

use crate::Backend;

/// One database to run a test against.
pub struct TestDb {
    /// Which database this is.
    pub backend: Backend,
    /// The URL to give `Store::open` (`sqlite://…/ally.db`, or a fresh PostgreSQL database).
    pub url: String,
    /// For SQLite: the directory holding the file (deleted when this value is dropped).
    pub dir: Option<tempfile::TempDir>,
    admin_url: Option<String>,
    name: Option<String>,
}

impl TestDb {
    /// The SQLite database file, if this is SQLite.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.path().join("ally.db"))
    }

    /// Drops the PostgreSQL database (SQLite files go with the temporary directory).
    pub async fn cleanup(self) {
        if let (Some(admin), Some(name)) = (&self.admin_url, &self.name)
            && let Ok(mut c) = sqlx::AnyConnection::connect(admin).await
        {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut c)
            .await;
        }
    }
}

/// Whether CI demands PostgreSQL.
pub fn postgres_required() -> bool {
    std::env::var("ALLY_REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
}

/// A fresh SQLite database in a temporary directory.
pub fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temporary directory: {e}"));
    let url = format!("sqlite://{}", dir.path().join("ally.db").display());
    TestDb {
        backend: Backend::Sqlite,
        url,
        dir: Some(dir),
        admin_url: None,
        name: None,
    }
}

/// A fresh PostgreSQL database, or `None` when none is configured (and none is required).
pub async fn postgres() -> Option<TestDb> {
    let base = match std::env::var("ALLY_TEST_DATABASE_URL") {
        Ok(u) if !u.is_empty() => u,
        _ => {
            if postgres_required() {
                panic!("ALLY_REQUIRE_POSTGRES=1 but ALLY_TEST_DATABASE_URL is not set");
            }
            eprintln!(
                "\n*** SKIPPING PostgreSQL: set ALLY_TEST_DATABASE_URL=postgres://... to run this test on PostgreSQL too ***\n"
            );
            return None;
        }
    };
    sqlx::any::install_default_drivers();
    let mut conn = match sqlx::AnyConnection::connect(&base).await {
        Ok(c) => c,
        Err(e) => panic!("cannot reach the PostgreSQL test server at ALLY_TEST_DATABASE_URL: {e}"),
    };
    let name = format!("ally_t_{}", uuid::Uuid::new_v4().simple());
    if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
    {
        panic!("cannot create a test database: {e}");
    }
    let _ = conn.close().await;
    let url = replace_db_name(&base, &name);
    Some(TestDb {
        backend: Backend::Postgres,
        url,
        dir: None,
        admin_url: Some(base),
        name: Some(name),
    })
}

fn replace_db_name(url: &str, name: &str) -> String {
    let (main, query) = match url.split_once('?') {
        Some((m, q)) => (m, Some(q)),
        None => (url, None),
    };
    let after_scheme = main.find("://").map_or(0, |i| i + 3);
    let base = match main[after_scheme..].find('/') {
        Some(i) => &main[..after_scheme + i],
        None => main,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// SQLite, plus PostgreSQL when configured.
pub async fn all() -> Vec<TestDb> {
    let mut v = vec![sqlite()];
    if let Some(pg) = postgres().await {
        v.push(pg);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names_are_replaced() {
        assert_eq!(
            replace_db_name("postgres://u@h:5432/test", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            replace_db_name("postgres://h/test?sslmode=disable", "x"),
            "postgres://h/x?sslmode=disable"
        );
        assert_eq!(replace_db_name("postgres://h", "x"), "postgres://h/x");
    }
}
