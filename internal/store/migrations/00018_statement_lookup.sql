-- Finding the statement a copy belongs to: anyone may upload a statement
-- to the public check page, which looks its SHA-256 up among the kept
-- renderings. On PostgreSQL the renderings are kept uncompressed: a PDF
-- is compressed already, and compressing each statement's copies again
-- as it is issued cost more processor time than it saved.

-- +goose Up
CREATE INDEX statement_renderings_sha256 ON statement_renderings (sha256);
{{if not .SQLite}}
ALTER TABLE statement_renderings ALTER COLUMN data SET STORAGE EXTERNAL;
{{end}}

-- +goose Down
DROP INDEX statement_renderings_sha256;
