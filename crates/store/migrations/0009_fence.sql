-- The fence of several nodes (issue 24): the epoch of the node that owns the
-- company's core. Each transaction of the owner's writer raises it to its own
-- epoch, or finds it higher and writes nothing: a node that lost its lease
-- cannot write after the next owner's first write. One node alone never
-- reads it.
CREATE TABLE fence (
    id INTEGER PRIMARY KEY,
    epoch BIGINT NOT NULL
);
INSERT INTO fence (id, epoch) VALUES (1, 0);
