-- The address each logged act came from (the client behind a trusted
-- proxy); empty for entries written before it was kept, and for what the
-- server did by itself.
ALTER TABLE coaching_audit ADD COLUMN address TEXT;
ALTER TABLE admin_audit ADD COLUMN address TEXT;
