-- Finding the statement a copy belongs to: anyone may upload a statement
-- to the public check page, which looks its SHA-256 up among the kept
-- renderings.

-- +goose Up
CREATE INDEX statement_renderings_sha256 ON statement_renderings (sha256);

-- +goose Down
DROP INDEX statement_renderings_sha256;
