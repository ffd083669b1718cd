-- A rejected return's goods not collected (issue 24): the reminders sent, and the day they were
-- marked for disposal.
ALTER TABLE claims
    ADD COLUMN collection_reminders integer NOT NULL DEFAULT 0,
    ADD COLUMN marked_for_disposal_on date;
