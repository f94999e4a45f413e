-- Protection, part 2: a referral may concern one service request of the case (service_id NULL
-- means the whole case), and an index so that "my deadlines" starts from the deadlines assigned
-- to the user instead of walking every deadline of the organisation.
-- Kept in step with ../sqlite/0006_protection_services.sql.

ALTER TABLE prot_referrals ADD COLUMN service_id TEXT;
CREATE INDEX prot_deadlines_assignee ON prot_deadlines (assignee, done, due_on);
