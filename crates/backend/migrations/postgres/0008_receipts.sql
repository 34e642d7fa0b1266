-- Receipts: where an order's receipt goes and in which language, and the outbox message
-- that carries one (rendered from the order when it is sent).
ALTER TABLE orders ADD COLUMN receipt_email TEXT;
ALTER TABLE orders ADD COLUMN language TEXT;
ALTER TABLE mail_outbox ADD COLUMN receipt_order TEXT;
