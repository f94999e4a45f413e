-- Labour module (issue 6): employers, workplaces and subcontracting chains, joint inspections
-- and the organisations taking part, document checks, labour-court cases.
-- Names, registration numbers, addresses, workers' identities, findings and claims are sealed
-- with the owning organisation's key (AAD names the record). No foreign keys to other modules.

CREATE TABLE labour_employers (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    sector TEXT NOT NULL,
    sealed BYTEA NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX labour_employers_org ON labour_employers(org_id, created_at);

CREATE TABLE labour_workplaces (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    employer_id TEXT NOT NULL,
    sealed BYTEA NOT NULL,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX labour_workplaces_org ON labour_workplaces(org_id, employer_id);

CREATE TABLE labour_inspections (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    workplace_id TEXT NOT NULL,
    planned_date TEXT NOT NULL,
    status TEXT NOT NULL,
    sealed BYTEA NOT NULL,
    version BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX labour_inspections_org ON labour_inspections(org_id, planned_date);

CREATE TABLE labour_inspection_partners (
    inspection_id TEXT NOT NULL,
    partner_org_id TEXT NOT NULL,
    owner_org_id TEXT NOT NULL,
    PRIMARY KEY (inspection_id, partner_org_id)
);
CREATE INDEX labour_inspection_partners_org ON labour_inspection_partners(partner_org_id);

-- Photos taken during an inspection, with their metadata (EXIF, GPS, XMP, text chunks)
-- stripped before sealing.
CREATE TABLE labour_photos (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    inspection_id TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sealed BYTEA NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX labour_photos_inspection ON labour_photos(inspection_id, created_at);

CREATE TABLE labour_checks (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    inspection_id TEXT,
    rule_set TEXT NOT NULL,
    finding_count BIGINT NOT NULL,
    sealed BYTEA NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX labour_checks_org ON labour_checks(org_id, created_at);

CREATE TABLE labour_cases (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    status TEXT NOT NULL,
    sealed BYTEA NOT NULL,
    version BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX labour_cases_org ON labour_cases(org_id, created_at);
