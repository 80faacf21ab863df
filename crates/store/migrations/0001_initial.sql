-- Earshot's durable state. One dialect for SQLite and PostgreSQL: BIGINT
-- for ids, times (milliseconds since 1970) and flags (0/1), TEXT for the rest.

-- The company.
CREATE TABLE numbers (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    e164 TEXT NOT NULL UNIQUE
);

CREATE TABLE users (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,      -- lower case
    role TEXT NOT NULL,              -- admin | supervisor | agent
    access TEXT NOT NULL,            -- none | live_monitoring | live_monitoring_plus
    password_hash TEXT               -- argon2 PHC string; NULL cannot sign in
);

CREATE TABLE user_numbers (
    user_id BIGINT NOT NULL REFERENCES users (id),
    number_id BIGINT NOT NULL REFERENCES numbers (id),
    PRIMARY KEY (user_id, number_id)
);

CREATE TABLE contacts (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    company TEXT,
    notes TEXT NOT NULL
);

CREATE TABLE contact_phones (
    contact_id BIGINT NOT NULL REFERENCES contacts (id),
    position BIGINT NOT NULL,
    phone TEXT NOT NULL,
    PRIMARY KEY (contact_id, position)
);

-- Signed-in sessions: the SHA-256 of the cookie's token, never the token.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Every call, written through as it happens; ended_at is NULL while live.
CREATE TABLE calls (
    id BIGINT PRIMARY KEY,
    origin TEXT NOT NULL,            -- simulated | caller
    number_id BIGINT NOT NULL REFERENCES numbers (id),
    agent_id BIGINT REFERENCES users (id),
    customer_phone TEXT NOT NULL,
    contact_id BIGINT REFERENCES contacts (id),
    direction TEXT NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at BIGINT
);
CREATE INDEX calls_by_contact ON calls (contact_id, started_at);

CREATE TABLE call_timeline (
    call_id BIGINT NOT NULL REFERENCES calls (id),
    position BIGINT NOT NULL,
    at BIGINT NOT NULL,
    what TEXT NOT NULL,
    about_coaching BIGINT NOT NULL,  -- agents never read these
    PRIMARY KEY (call_id, position)
);

CREATE TABLE call_tags (
    call_id BIGINT NOT NULL REFERENCES calls (id),
    position BIGINT NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (call_id, position)
);

CREATE TABLE call_comments (
    call_id BIGINT NOT NULL REFERENCES calls (id),
    position BIGINT NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (call_id, position)
);

-- The coaching audit log. Names as they were at the time; no foreign keys,
-- so that no later change to the company rewrites what happened.
CREATE TABLE coaching_audit (
    id BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    action TEXT NOT NULL,
    coach_id BIGINT NOT NULL,
    coach_name TEXT NOT NULL,
    call_id BIGINT,
    agent_id BIGINT,
    agent_name TEXT,
    number_id BIGINT,
    notified_agent BIGINT,
    detail TEXT NOT NULL
);
CREATE INDEX coaching_audit_by_time ON coaching_audit (at);
