-- A company number an admin removed keeps its row (past calls name it);
-- no call comes in on it and nobody takes it.
ALTER TABLE numbers ADD COLUMN active BIGINT NOT NULL DEFAULT 1;
