-- The audit log keyed by its sequence number. `seq BIGINT PRIMARY KEY` gave SQLite a hidden
-- rowid plus a separate unique index on seq: every appended event changed three b-trees and
-- wrote one more page to the log at each commit. As `INTEGER PRIMARY KEY`, seq is the rowid
-- itself. Same columns, same rows, same order; the chain's MACs do not depend on storage.
CREATE TABLE audit_log_by_seq (
    seq INTEGER PRIMARY KEY,
    at_ms BIGINT NOT NULL,
    actor_user TEXT,
    org_id TEXT,
    action TEXT NOT NULL,
    target_kind TEXT,
    target_id TEXT,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL,
    client TEXT,
    mac BLOB NOT NULL
);
INSERT INTO audit_log_by_seq (seq, at_ms, actor_user, org_id, action, target_kind, target_id, outcome, detail, client, mac)
    SELECT seq, at_ms, actor_user, org_id, action, target_kind, target_id, outcome, detail, client, mac
    FROM audit_log ORDER BY seq;
DROP TABLE audit_log;
ALTER TABLE audit_log_by_seq RENAME TO audit_log;
CREATE INDEX audit_org_seq ON audit_log(org_id, seq);
