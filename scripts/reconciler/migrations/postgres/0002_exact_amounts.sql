-- Amounts as decimal text: every u64 exactly (BIGINT is signed 64-bit, so a stranger's issuer
-- attesting 2^63 or an 18-decimal mint above ~9.2 tokens could not be stored). Keep this and
-- migrations/sqlite/0002_exact_amounts.sql equivalent.
ALTER TABLE events
    ALTER COLUMN amount TYPE TEXT USING amount::text,
    ALTER COLUMN supply_after TYPE TEXT USING supply_after::text;
