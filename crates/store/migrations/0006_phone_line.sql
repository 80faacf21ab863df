-- The phone line's rules an admin saved: one row (the server's flags
-- until then).
CREATE TABLE phone_line_settings (
    id BIGINT PRIMARY KEY,           -- always 1
    trunks TEXT NOT NULL,            -- one address or network a line
    max_calls BIGINT NOT NULL
);
