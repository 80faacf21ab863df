-- Administration: people are deactivated, never deleted (their name stays
-- in the records); one-time links set passwords; every change an admin
-- makes is logged.
ALTER TABLE users ADD COLUMN active BIGINT NOT NULL DEFAULT 1;

-- The SHA-256 of each link's token, never the token. A NULL user_id is the
-- setup link of a company with no admin: it creates the first.
CREATE TABLE password_links (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT REFERENCES users (id),
    expires_at BIGINT NOT NULL
);

-- The company's log. Names as they were at the time, like coaching_audit.
CREATE TABLE admin_audit (
    id BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    action TEXT NOT NULL,
    actor_id BIGINT NOT NULL,
    actor_name TEXT NOT NULL,
    subject TEXT NOT NULL,
    before_text TEXT NOT NULL,
    after_text TEXT NOT NULL
);
CREATE INDEX admin_audit_by_time ON admin_audit (at);
