-- A run is matched once; its encodings are deleted then (the record references stay, so the
-- run still lists its participants). Runs matched before this rule lose their encodings now.
UPDATE info_pprl_clks SET clk = ''::bytea WHERE run_id IN (SELECT id FROM info_pprl_runs WHERE matched_at IS NOT NULL);
