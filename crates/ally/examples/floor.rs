//! Benchmark floor of a database-backed page: the `hello` server plus one point read of a
//! person's row per request, and nothing else (no session, no authorisation, no decryption, no
//! audit event, no template). `bench/web/run.sh` runs it on the same data directory or database
//! as `ally` and loads the same person's path: its share of the hello ceiling bounds what any
//! page that reads its record from the database can reach on the machine.
//!
//! The read takes the fastest road each backend offers: on SQLite, `rusqlite` on the request's
//! own thread with kept connections (as `ally` does); on PostgreSQL, sqlx's native pool
//! (16 connections, as `ally`) and a prepared statement.
//!
//! Usage: `floor ADDR sqlite:///path/ally.db` or `floor ADDR postgres://…`; then
//! `GET /persons/{id}` answers the length of the stored row's sealed identity.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SQL: &str = "SELECT sealed FROM persons WHERE id = $1";
const SQLITE_SQL: &str = "SELECT sealed FROM persons WHERE id = ?1";

#[derive(Clone)]
enum Db {
    Sqlite(Arc<Readers>),
    Postgres(sqlx::PgPool),
}

/// Kept read connections, taken and given back around each read.
struct Readers {
    path: String,
    idle: Mutex<Vec<rusqlite::Connection>>,
}

impl Readers {
    fn read(&self, id: &str) -> Result<Option<usize>, rusqlite::Error> {
        use rusqlite::OptionalExtension;
        let kept = self.idle.lock().ok().and_then(|mut v| v.pop());
        let conn = match kept {
            Some(c) => c,
            None => rusqlite::Connection::open_with_flags(
                &self.path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
                    | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?,
        };
        let len = conn
            .prepare_cached(SQLITE_SQL)?
            .query_row([id], |r| r.get::<_, Vec<u8>>(0))
            .optional()?
            .map(|v| v.len());
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(conn);
        }
        Ok(len)
    }
}

async fn person(State(db): State<Db>, Path(id): Path<String>) -> (StatusCode, String) {
    let len = match &db {
        Db::Sqlite(r) => r.read(&id).map_err(|e| e.to_string()),
        Db::Postgres(pool) => sqlx::query_scalar::<_, Vec<u8>>(SQL)
            .bind(&id)
            .fetch_optional(pool)
            .await
            .map(|v| v.map(|v| v.len()))
            .map_err(|e| e.to_string()),
    };
    match len {
        Ok(Some(n)) => (StatusCode::OK, format!("sealed {n} bytes")),
        Ok(None) => (StatusCode::NOT_FOUND, "no such person".into()),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(addr), Some(url)) = (args.next(), args.next()) else {
        return Err("usage: floor ADDR DATABASE_URL".into());
    };
    let db = if let Some(path) = url.strip_prefix("sqlite://") {
        let path = path.split('?').next().unwrap_or(path).to_owned();
        Db::Sqlite(Arc::new(Readers {
            path,
            idle: Mutex::new(Vec::new()),
        }))
    } else {
        Db::Postgres(
            sqlx::postgres::PgPoolOptions::new()
                .max_connections(16)
                .test_before_acquire(false)
                .connect(&url)
                .await?,
        )
    };
    let app = Router::new()
        .route("/persons/{id}", get(person))
        .with_state(db);
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, app).await?;
    Ok(())
}
