-- Writers on different accounts run at once (store/postgres.rs), so order numbers and event
-- ids cannot be MAX + 1 inside the transaction any more: they come from sequences, started
-- after whatever the tables already hold.
CREATE SEQUENCE order_numbers;
SELECT setval('order_numbers', COALESCE((SELECT MAX(number) FROM orders), 1000) + 1, false);
CREATE SEQUENCE event_ids;
SELECT setval('event_ids', COALESCE((SELECT MAX(id) FROM events), 0) + 1, false);
