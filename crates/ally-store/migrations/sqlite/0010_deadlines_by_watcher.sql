-- "My deadlines" reads one index range from the user, in date order, and stops at the page's
-- limit: each deadline row names who should see it (`watcher`): the assignee of an assigned
-- deadline, else one row per caseworker of the case. Without it the page had to visit every
-- case the user works on (or every open deadline of the organisation). Rows are rebuilt from
-- the case whenever its deadlines or its caseworkers change. Kept in step with the other
-- backend's 0010.
ALTER TABLE prot_deadlines ADD COLUMN watcher TEXT;
UPDATE prot_deadlines SET watcher = assignee WHERE assignee IS NOT NULL;
INSERT INTO prot_deadlines (id, case_id, org_id, kind, due_on, assignee, source_id, done, watcher)
    SELECT d.id || ':' || w.user_id, d.case_id, d.org_id, d.kind, d.due_on, NULL, d.source_id, d.done, w.user_id
    FROM prot_deadlines d JOIN prot_case_workers w ON w.case_id = d.case_id
    WHERE d.assignee IS NULL AND d.watcher IS NULL;
DELETE FROM prot_deadlines WHERE assignee IS NULL AND watcher IS NULL
    AND case_id IN (SELECT case_id FROM prot_case_workers);
CREATE INDEX prot_deadlines_watcher ON prot_deadlines (watcher, done, due_on);
