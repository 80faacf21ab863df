-- The company's settings for what makes a call need a coach: one row,
-- written when an admin saves them (the server's defaults until then).
CREATE TABLE attention_settings (
    id BIGINT PRIMARY KEY,           -- always 1
    long_hold_ms BIGINT NOT NULL,
    dead_air_ms BIGINT NOT NULL,
    overtalk_ms BIGINT NOT NULL,
    raised_voice_db BIGINT NOT NULL,
    agent_talk_percent BIGINT NOT NULL,
    phrases TEXT NOT NULL            -- one a line
);
