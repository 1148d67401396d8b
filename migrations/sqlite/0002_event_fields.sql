-- A request for more information names the fields the applicant must answer again (JSON list).
ALTER TABLE application_events ADD COLUMN fields TEXT;
