-- The digest account a trunk from any other address signs with, and its
-- password (the server needs it whole to check a digest; it is never sent
-- back to a page).
ALTER TABLE phone_line_settings ADD COLUMN account TEXT;
ALTER TABLE phone_line_settings ADD COLUMN password TEXT;
