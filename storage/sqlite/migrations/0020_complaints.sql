-- Complaints (投诉) about a department's service or a staff member's conduct: an issue of its
-- own kind, fixed when it is logged (the organisation file flags the categories that are
-- complaints, but a later edit of the file must not turn past issues into complaints or back),
-- with the person complained about, if one was named.

ALTER TABLE issues ADD COLUMN issue_kind TEXT NOT NULL DEFAULT 'case'
    CHECK (issue_kind IN ('case', 'complaint'));
ALTER TABLE issues ADD COLUMN subject_id INTEGER REFERENCES staff (id);
