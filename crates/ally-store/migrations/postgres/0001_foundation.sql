-- Foundation schema (PostgreSQL). Kept in step with ../sqlite/0001_foundation.sql: same tables,
-- same columns, same meaning; only type names differ (BYTEA here, BLOB there).
-- Times are milliseconds since the Unix epoch (UTC); booleans are 0/1 integers; ids are UUID text.

CREATE TABLE instance_keys (
    purpose TEXT PRIMARY KEY,
    wrapped BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE organisations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    require_second_factor BIGINT NOT NULL DEFAULT 1,
    wrapped_key BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE network_members (
    network_id TEXT NOT NULL REFERENCES organisations(id),
    member_id TEXT NOT NULL REFERENCES organisations(id),
    PRIMARY KEY (network_id, member_id)
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations(id),
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    roles TEXT NOT NULL,
    locale TEXT NOT NULL DEFAULT 'en',
    totp_sealed BYTEA,
    totp_last_step BIGINT NOT NULL DEFAULT 0,
    disabled BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX users_org ON users(org_id);

CREATE TABLE sessions (
    id_hash BYTEA PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    stage TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    pending_totp_sealed BYTEA,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    client TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash BYTEA NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE signin_throttle (
    key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL,
    blocked_until BIGINT NOT NULL
);

CREATE TABLE persons (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations(id),
    role TEXT NOT NULL,
    sealed BYTEA NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX persons_org_created ON persons(org_id, created_at, id);

CREATE TABLE person_tokens (
    org_id TEXT NOT NULL,
    token BYTEA NOT NULL,
    person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    PRIMARY KEY (org_id, token, person_id)
);
CREATE INDEX person_tokens_person ON person_tokens(person_id);

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at_ms BIGINT NOT NULL,
    actor_user TEXT,
    org_id TEXT,
    action TEXT NOT NULL,
    target_kind TEXT,
    target_id TEXT,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL,
    client TEXT,
    mac BYTEA NOT NULL
);
CREATE INDEX audit_org_seq ON audit_log(org_id, seq);

CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    last_mac BYTEA NOT NULL,
    seal BYTEA NOT NULL
);

CREATE TABLE jobs (
    name TEXT PRIMARY KEY,
    next_run_at BIGINT NOT NULL,
    locked_until BIGINT NOT NULL DEFAULT 0,
    last_run_at BIGINT,
    last_run_by TEXT
);
