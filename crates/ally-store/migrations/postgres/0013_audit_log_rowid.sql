-- Kept in step with SQLite's 0013, which re-keys its audit log by seq. PostgreSQL's audit_log
-- is already a heap with one primary-key index on seq: nothing to change.
SELECT 1;
