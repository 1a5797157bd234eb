-- The event ledger. Keep this schema and migrations/postgres/0001_ledger.sql identical except
-- for the raw-bytes type (BLOB here, BYTEA there).

-- Every program event, keyed by its mint and sequence number. `raw` is the event exactly as
-- emitted (8-byte discriminator, then Borsh); the other columns are decoded from it.
CREATE TABLE events (
    mint         TEXT    NOT NULL,  -- base58
    seq          BIGINT  NOT NULL,  -- the issuer's event counter (1 = IssuerInitialized)
    name         TEXT    NOT NULL,  -- the event's name in the IDL
    signature    TEXT    NOT NULL,  -- the transaction that emitted it (base58)
    slot         BIGINT  NOT NULL,
    block_time   BIGINT  NOT NULL,  -- unix seconds
    reference    TEXT,              -- request id (Minted) or redemption id (Redemption*), hex
    account      TEXT,              -- recipient / holder token account / seizure treasury
    amount       BIGINT,            -- base units
    supply_after BIGINT,            -- the mint's supply after the event (ReservesAttested: at it)
    as_of        BIGINT,            -- ReservesAttested: the reserves' as-of time
    raw          BLOB    NOT NULL,
    PRIMARY KEY (mint, seq)
);

-- A second, different event claiming a (mint, seq) already in `events`: kept as evidence for
-- the sequence check, never merged.
CREATE TABLE event_conflicts (
    mint       TEXT   NOT NULL,
    seq        BIGINT NOT NULL,
    signature  TEXT   NOT NULL,
    slot       BIGINT NOT NULL,
    block_time BIGINT NOT NULL,
    raw        BLOB   NOT NULL,
    PRIMARY KEY (mint, seq, signature)
);

-- Where ingestion resumes: the newest transaction of the source fully stored.
CREATE TABLE cursors (
    source    TEXT   NOT NULL PRIMARY KEY,  -- e.g. rpc:<program id>
    signature TEXT   NOT NULL,
    slot      BIGINT NOT NULL
);
