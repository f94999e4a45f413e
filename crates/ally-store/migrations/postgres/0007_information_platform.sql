-- Information module, closing the platform gaps (issue 5), PostgreSQL. Kept in step with
-- ../sqlite/0007_information_platform.sql.

-- A possible victim's entity linked to the protection case holding the victim's consent: the
-- access layer asks that case's consents and legal bases before any other organisation reads it.
CREATE TABLE info_victim_cases (
    entity_id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    linked_by TEXT NOT NULL,
    linked_at BIGINT NOT NULL
);
CREATE INDEX info_victim_cases_case ON info_victim_cases(case_id);

-- Search tokens of entity values (keyed hashes), per entity, so that search respects each
-- entity's own distribution level (report text tokens stay in info_report_tokens).
CREATE TABLE info_entity_tokens (
    org_id TEXT NOT NULL,
    token BYTEA NOT NULL,
    entity_id TEXT NOT NULL,
    PRIMARY KEY (org_id, token, entity_id)
);
CREATE INDEX info_entity_tokens_entity ON info_entity_tokens(entity_id);

-- Images attached to reports: metadata stripped, sealed with the owner's key.
CREATE TABLE info_attachments (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    report_id TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sealed BYTEA NOT NULL,
    created_by TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX info_attachments_report ON info_attachments(report_id);

-- Possible victims' entities in an operation package: the liaison reads the package only while
-- each victim's law-enforcement consent still covers it.
ALTER TABLE info_operations ADD COLUMN victims TEXT NOT NULL DEFAULT '';
