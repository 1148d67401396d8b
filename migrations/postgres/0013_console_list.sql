-- The staff list reads every column its filters and search test from the queue index, so a
-- filtered page or a count no longer looks up each of the table's rows (with their answers JSON)
-- to test them: at 100,000 applications a filtered page took ~4× as long through the table.
DROP INDEX applications_queue;
CREATE INDEX applications_queue ON applications (
    (CASE WHEN status IN ('submitted', 'in_review') THEN 0 ELSE 1 END), created_at DESC, id DESC,
    status, flow, reference, applicant_name);
