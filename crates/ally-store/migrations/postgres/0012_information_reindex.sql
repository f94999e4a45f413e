-- Reports filed before migration 0007 still hold their entities' words in info_report_tokens,
-- so search finds those words at the report's level whatever each entity's own level. The
-- tokens are keyed hashes and cannot be sorted out here: this lists the reports to re-index (an
-- entity of theirs has no per-entity token), and the store rebuilds them from the decrypted
-- text when it opens, deleting each row as it goes (Store::reindex_legacy_reports). PostgreSQL. Kept
-- in step with ../sqlite/0012_information_reindex.sql.
CREATE TABLE info_reindex (
    report_id TEXT PRIMARY KEY
);
INSERT INTO info_reindex (report_id)
    SELECT DISTINCT re.report_id FROM info_report_entities re
    WHERE NOT EXISTS (SELECT 1 FROM info_entity_tokens t WHERE t.entity_id = re.entity_id);
