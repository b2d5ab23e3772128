-- One row that the readiness check (/readyz) writes and commits, to prove
-- that the database still takes a write: one that answers reads but cannot
-- write (a full disk, a file system or server gone read-only) must not be
-- reported ready. It is bookkeeping about this database, not a record: it
-- is neither copied by migrate-data nor counted. See store.CheckWrite.

-- +goose Up
CREATE TABLE health_probe (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    probed_at {{.Time}} NOT NULL,
    probes    BIGINT NOT NULL,
    -- Rewritten with fresh bytes by every check on SQLite, so that the
    -- check needs as much room as a change to the records does.
    room      {{.Blob}}
);

-- +goose Down
SELECT 1;
