-- Information on trafficking activities (issue 5), SQLite. Kept in step with
-- ../postgres/0004_information.sql. Free text and identifying values are sealed with the owning
-- organisation's key; search and matching use keyed hashes (blind indexes) only.

CREATE TABLE info_reports (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    source TEXT NOT NULL,
    status TEXT NOT NULL,
    exploitation TEXT NOT NULL,
    indicators TEXT NOT NULL,
    distribution TEXT NOT NULL,
    sealed BLOB NOT NULL,
    created_by TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    retain_until BIGINT NOT NULL
);
CREATE INDEX info_reports_org ON info_reports(org_id, status, created_at);

CREATE TABLE info_entities (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    role TEXT NOT NULL,
    suspect BIGINT NOT NULL,
    distribution TEXT NOT NULL,
    sealed BLOB NOT NULL,
    created_at BIGINT NOT NULL,
    retain_until BIGINT NOT NULL
);
CREATE INDEX info_entities_org ON info_entities(org_id, kind);

CREATE TABLE info_report_entities (
    report_id TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    PRIMARY KEY (report_id, entity_id)
);
CREATE INDEX info_report_entities_entity ON info_report_entities(entity_id);

CREATE TABLE info_entity_keys (
    org_id TEXT NOT NULL,
    key BLOB NOT NULL,
    entity_id TEXT NOT NULL,
    PRIMARY KEY (org_id, key, entity_id)
);
CREATE INDEX info_entity_keys_entity ON info_entity_keys(entity_id);

CREATE TABLE info_report_tokens (
    org_id TEXT NOT NULL,
    token BLOB NOT NULL,
    report_id TEXT NOT NULL,
    PRIMARY KEY (org_id, token, report_id)
);
CREATE INDEX info_report_tokens_report ON info_report_tokens(report_id);

CREATE TABLE info_links (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    entity_a TEXT NOT NULL,
    entity_b TEXT NOT NULL,
    status TEXT NOT NULL,
    method TEXT NOT NULL,
    score BIGINT NOT NULL,
    explanation TEXT NOT NULL,
    decided_by TEXT,
    decided_at BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (org_id, entity_a, entity_b)
);

CREATE TABLE info_shares (
    record_kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    owner_org TEXT NOT NULL,
    to_org TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (record_kind, record_id, to_org)
);

CREATE TABLE info_operations (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    to_org TEXT NOT NULL,
    sealed BLOB NOT NULL,
    manifest TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX info_operations_to ON info_operations(to_org, created_at);

CREATE TABLE info_intake (
    org_id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    is_default BIGINT NOT NULL
);

CREATE TABLE info_intake_keys (
    day BIGINT PRIMARY KEY,
    wrapped BLOB NOT NULL
);

CREATE TABLE info_intake_rate (
    bucket TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    hits BIGINT NOT NULL
);

-- Privacy-preserving matching between the members of a network: each run's encodings (CLKs of
-- person entities, keyed by the network's secret) and the pairs the matcher found.
CREATE TABLE info_pprl_secrets (
    network_id TEXT PRIMARY KEY,
    wrapped BLOB NOT NULL
);

CREATE TABLE info_pprl_runs (
    id TEXT PRIMARY KEY,
    network_id TEXT NOT NULL,
    created_by_org TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    matched_at BIGINT
);

CREATE TABLE info_pprl_clks (
    run_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    record_ref TEXT NOT NULL,
    clk BLOB NOT NULL,
    PRIMARY KEY (run_id, org_id, record_ref)
);

CREATE TABLE info_pprl_matches (
    run_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    record_ref TEXT NOT NULL,
    other_org TEXT NOT NULL,
    similarity BIGINT NOT NULL,
    PRIMARY KEY (run_id, org_id, record_ref, other_org)
);
