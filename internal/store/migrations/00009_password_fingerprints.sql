-- The keyed fingerprints of each finished password audit's passwords
-- (PSTI-PW-01: unique for each product of a class or type, so across the
-- batches of a product too). No password is kept: a fingerprint is an
-- HMAC-SHA-256 of the password under the installation's secret key
-- "password-fingerprints", cut to 80 bits, and says nothing without it.
-- A fingerprint file is kept in pieces of at most 1 MiB, written and read
-- one piece at a time, like report attachments: a batch of 10 million
-- devices takes about 80 MB.

-- +goose Up
CREATE TABLE password_audit_fingerprints (
    audit_id BIGINT NOT NULL REFERENCES password_audits (id),
    seq      INTEGER NOT NULL,
    data     {{.Blob}} NOT NULL,
    PRIMARY KEY (audit_id, seq)
);

-- What later audits were compared with must stay what it was.
{{if .SQLite}}
-- +goose StatementBegin
CREATE TRIGGER password_audit_fingerprints_no_update BEFORE UPDATE ON password_audit_fingerprints
BEGIN SELECT RAISE(ABORT, 'password fingerprints are kept, never changed'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER password_audit_fingerprints_no_delete BEFORE DELETE ON password_audit_fingerprints
BEGIN SELECT RAISE(ABORT, 'password fingerprints are kept, never deleted'); END;
-- +goose StatementEnd
{{else}}
CREATE TRIGGER password_audit_fingerprints_unchanging BEFORE UPDATE OR DELETE ON password_audit_fingerprints FOR EACH ROW EXECUTE FUNCTION psti_refuse_change();
{{end}}

-- +goose Down
-- Not undone: later audits were compared with these.
SELECT 1;
