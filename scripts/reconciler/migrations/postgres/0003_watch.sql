-- usd1 watch. Keep this and the other database's 0003_watch.sql identical.

-- Every alert the watcher raised, by its id (the webhook's idempotency key): raising the same
-- alert again is a no-op, so a restart or another cycle never sends it twice.
CREATE TABLE watch_alerts (
    id        TEXT   NOT NULL PRIMARY KEY,
    mint      TEXT   NOT NULL,  -- base58, or '' for the watcher's own alerts
    kind      TEXT   NOT NULL,
    body      TEXT   NOT NULL,  -- the JSON document POSTed
    raised_at BIGINT NOT NULL   -- unix seconds
);

-- One row per alert and webhook: delivered, dead (in the dead-letter file) or still due.
CREATE TABLE watch_deliveries (
    alert_id     TEXT   NOT NULL,
    webhook      TEXT   NOT NULL,  -- the webhook's name in the configuration
    attempts     BIGINT NOT NULL,
    next_at      BIGINT NOT NULL,  -- unix milliseconds of the next try
    delivered_at BIGINT,
    dead_at      BIGINT,
    last_error   TEXT,
    PRIMARY KEY (alert_id, webhook)
);

-- Events through `seq` of a mint have had their alerts raised (moved in the same transaction
-- as the alerts they raised).
CREATE TABLE watch_marks (
    mint TEXT   NOT NULL PRIMARY KEY,
    seq  BIGINT NOT NULL
);
