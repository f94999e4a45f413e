-- Identification (issue 3): detection interviews and reviewed questionnaire translations.
-- Kept in step with ../postgres/0002_identification.sql.
-- Other modules' ids (persons, inspections, users) are plain TEXT columns, no foreign keys.

CREATE TABLE interviews (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    questionnaire_id TEXT NOT NULL,
    questionnaire_version TEXT NOT NULL,
    interviewer_id TEXT NOT NULL,
    person_id TEXT,
    inspection_id TEXT,
    interviewer_lang TEXT NOT NULL,
    interviewee_lang TEXT NOT NULL,
    -- When consent was given (NULL: not yet), and which sections of the consent text were shown.
    consent_at BIGINT,
    consent_sections TEXT,
    state TEXT NOT NULL,
    -- Answers and recorded facts, sealed with the organisation key (AAD interview:<org>:<id>).
    sealed BLOB NOT NULL,
    answered BIGINT NOT NULL,
    -- Outcome per covered set, codes only: "adult_labour=presumed_victim,ilo11=indicators_only".
    outcomes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    ended_at BIGINT,
    version BIGINT NOT NULL
);
CREATE INDEX interviews_org ON interviews(org_id, created_at);

-- A translator's reviewed (possibly corrected) text of one string of a default questionnaire,
-- per organisation: the organisation's interviews show it instead of the shipped text.
CREATE TABLE questionnaire_reviews (
    org_id TEXT NOT NULL,
    questionnaire_id TEXT NOT NULL,
    lang TEXT NOT NULL,
    text_key TEXT NOT NULL,
    text TEXT NOT NULL,
    reviewed_by TEXT NOT NULL,
    reviewed_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, questionnaire_id, lang, text_key)
);

-- An organisation's own yes/no questions added to a default questionnaire, each mapped to
-- existing indicator ids (`indicator=yes_choices|no_choices`); the official rule is unchanged.
CREATE TABLE questionnaire_questions (
    org_id TEXT NOT NULL,
    questionnaire_id TEXT NOT NULL,
    question_id TEXT NOT NULL,
    label TEXT NOT NULL,
    indicators TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, questionnaire_id, question_id)
);
