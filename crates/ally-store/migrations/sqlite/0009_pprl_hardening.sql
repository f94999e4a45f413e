-- The platform's PPRL schema is now hardened (balanced, XOR-folded). Encodings of runs not yet
-- matched were made without hardening and would be compared with hardened ones: delete them;
-- their members opt in again.
DELETE FROM info_pprl_clks WHERE run_id IN (SELECT id FROM info_pprl_runs WHERE matched_at IS NULL);
