-- A stable code beside the failure text, so clients can say it in the customer's language.
ALTER TABLE payments ADD COLUMN failure_code TEXT;
