-- Protection (issue 4): cases, state history, linked persons, caseworkers, services, case plan,
-- consent, referrals (the grants other organisations hold on a case), proceedings, court dates,
-- residence permits, compensation, deadlines, the organisation directory, retention flags.
-- Kept in step with ../sqlite/0003_protection.sql. Dates are ISO text (YYYY-MM-DD, sorts as
-- text); times are milliseconds since the Unix epoch; free text is sealed with the lead
-- organisation's key (BYTEA), bound to the record by its associated data.

CREATE TABLE prot_cases (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    person_id TEXT,
    interview_id TEXT,
    state TEXT NOT NULL,
    identified_on TEXT NOT NULL,
    reflection_country TEXT,
    reflection_start TEXT,
    reflection_days BIGINT,
    reflection_end TEXT,
    proceedings_open BIGINT NOT NULL DEFAULT 0,
    closed_on TEXT,
    closed_from TEXT,
    closed_referred_out BIGINT NOT NULL DEFAULT 0,
    trafficking_status TEXT NOT NULL,
    status_decided_by TEXT,
    exploitation TEXT NOT NULL DEFAULT '',
    methods_of_control TEXT NOT NULL DEFAULT '',
    may_be_child BIGINT NOT NULL DEFAULT 0,
    sealed BYTEA NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX prot_cases_org_state ON prot_cases (org_id, state, updated_at);
CREATE INDEX prot_cases_person ON prot_cases (person_id);

CREATE TABLE prot_case_workers (
    case_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    PRIMARY KEY (case_id, user_id)
);
CREATE INDEX prot_case_workers_user ON prot_case_workers (user_id, case_id);

CREATE TABLE prot_case_persons (
    case_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    role TEXT NOT NULL,
    PRIMARY KEY (case_id, person_id)
);

CREATE TABLE prot_case_events (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    sealed BYTEA
);
CREATE INDEX prot_case_events_case ON prot_case_events (case_id, at);

CREATE TABLE prot_services (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    provider_org TEXT,
    start_on TEXT,
    end_on TEXT,
    status TEXT NOT NULL,
    sealed BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX prot_services_case ON prot_services (case_id);

CREATE TABLE prot_tasks (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    assignee TEXT,
    due_on TEXT,
    done BIGINT NOT NULL DEFAULT 0,
    sealed BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX prot_tasks_case ON prot_tasks (case_id);

CREATE TABLE prot_consents (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    purpose TEXT NOT NULL,
    recipients TEXT NOT NULL,
    scope TEXT NOT NULL,
    language TEXT NOT NULL,
    status TEXT NOT NULL,
    consent_on TEXT NOT NULL,
    valid_until TEXT,
    withdrawn_on TEXT,
    by_guardian BIGINT NOT NULL DEFAULT 0,
    sealed BYTEA,
    recorded_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX prot_consents_case ON prot_consents (case_id);

CREATE TABLE prot_legal_bases (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    basis TEXT NOT NULL,
    recipients TEXT NOT NULL,
    scope TEXT NOT NULL,
    recorded_on TEXT NOT NULL,
    valid_until TEXT,
    sealed BYTEA NOT NULL,
    recorded_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX prot_legal_bases_case ON prot_legal_bases (case_id);

CREATE TABLE prot_referrals (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    from_org TEXT NOT NULL,
    to_org TEXT NOT NULL,
    recipient_kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    fields TEXT NOT NULL,
    basis_kind TEXT NOT NULL,
    basis_id TEXT NOT NULL,
    sent_on TEXT NOT NULL,
    accepted_on TEXT,
    status TEXT NOT NULL,
    sealed BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX prot_referrals_case ON prot_referrals (case_id);
CREATE INDEX prot_referrals_to ON prot_referrals (to_org, status);

CREATE TABLE prot_referral_events (
    id TEXT PRIMARY KEY,
    referral_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    on_date TEXT NOT NULL,
    by_org TEXT NOT NULL,
    by_user TEXT NOT NULL,
    status TEXT NOT NULL
);
CREATE INDEX prot_referral_events_ref ON prot_referral_events (referral_id, at);

CREATE TABLE prot_proceedings (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    stage TEXT NOT NULL,
    victim_role TEXT NOT NULL,
    outcome TEXT,
    opened_on TEXT NOT NULL,
    sealed BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX prot_proceedings_case ON prot_proceedings (case_id);

CREATE TABLE prot_court_dates (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    on_date TEXT NOT NULL,
    accompanied BIGINT NOT NULL DEFAULT 0,
    sealed BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX prot_court_dates_case ON prot_court_dates (case_id);

CREATE TABLE prot_permits (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    applied_on TEXT NOT NULL,
    renewal BIGINT NOT NULL DEFAULT 0,
    decision TEXT NOT NULL,
    decided_on TEXT,
    expires_on TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX prot_permits_case ON prot_permits (case_id);

CREATE TABLE prot_compensation (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    currency TEXT NOT NULL,
    claimed TEXT NOT NULL,
    awarded TEXT,
    received TEXT NOT NULL,
    filed_on TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX prot_compensation_case ON prot_compensation (case_id);

CREATE TABLE prot_deadlines (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    due_on TEXT NOT NULL,
    assignee TEXT,
    source_id TEXT NOT NULL,
    done BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX prot_deadlines_org_due ON prot_deadlines (org_id, done, due_on);
CREATE INDEX prot_deadlines_case ON prot_deadlines (case_id);

CREATE TABLE prot_directory (
    org_id TEXT PRIMARY KEY,
    services TEXT NOT NULL,
    regions TEXT NOT NULL,
    languages TEXT NOT NULL,
    opening_hours TEXT NOT NULL,
    capacity TEXT NOT NULL,
    contact TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE prot_retention_flags (
    record_type TEXT NOT NULL,
    record_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    flagged_at BIGINT NOT NULL,
    PRIMARY KEY (record_type, record_id)
);

CREATE TABLE prot_lead_transfers (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    referral_id TEXT NOT NULL,
    from_org TEXT NOT NULL,
    to_org TEXT NOT NULL,
    proposed_on TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    status TEXT NOT NULL,
    decided_on TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX prot_lead_transfers_referral ON prot_lead_transfers (referral_id);
