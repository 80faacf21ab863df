-- Where calls out go (an agent's transfer to an outside number): the
-- trunk's IP:PORT; NULL: back to where each call came from.
ALTER TABLE phone_line_settings ADD COLUMN outbound TEXT;
