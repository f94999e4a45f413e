-- "My deadlines": the deadlines of the cases a user works on are found from the user's case
-- assignments, one index lookup per case (open, unassigned deadlines), instead of walking every
-- open deadline of the organisation. Kept in step with the other backend's 0010.
CREATE INDEX prot_deadlines_case_open ON prot_deadlines (case_id, done, assignee);
