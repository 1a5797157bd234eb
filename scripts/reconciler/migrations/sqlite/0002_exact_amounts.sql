-- Amounts as decimal text: every u64 exactly (BIGINT is signed 64-bit, so a stranger's issuer
-- attesting 2^63 or an 18-decimal mint above ~9.2 tokens could not be stored). Keep this and
-- migrations/postgres/0002_exact_amounts.sql equivalent. SQLite cannot change a column's
-- type: the table is rebuilt.
CREATE TABLE events_exact (
    mint         TEXT    NOT NULL,
    seq          BIGINT  NOT NULL,
    name         TEXT    NOT NULL,
    signature    TEXT    NOT NULL,
    slot         BIGINT  NOT NULL,
    block_time   BIGINT  NOT NULL,
    reference    TEXT,
    account      TEXT,
    amount       TEXT,              -- base units, decimal
    supply_after TEXT,              -- decimal
    as_of        BIGINT,
    raw          BLOB    NOT NULL,
    PRIMARY KEY (mint, seq)
);
INSERT INTO events_exact
    SELECT mint, seq, name, signature, slot, block_time, reference, account,
           CAST(amount AS TEXT), CAST(supply_after AS TEXT), as_of, raw
    FROM events;
DROP TABLE events;
ALTER TABLE events_exact RENAME TO events;
