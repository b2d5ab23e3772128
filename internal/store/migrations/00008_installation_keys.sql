-- Secret keys that belong to this installation of psti, made once at random
-- the first time they are needed and never changed afterwards: the key that
-- makes the keyed fingerprints of audited passwords (so a later batch can be
-- checked against earlier ones without keeping any password), and the
-- Ed25519 key that signs password manifests. A key is never shown by any
-- page or API; only what it makes (a fingerprint, a signature, a public key).

-- +goose Up
CREATE TABLE installation_keys (
    name       TEXT PRIMARY KEY,
    secret     {{.Blob}} NOT NULL,
    created_at {{.Time}} NOT NULL
);

-- A key that signed or fingerprinted something must stay what it was.
{{if .SQLite}}
-- +goose StatementBegin
CREATE TRIGGER installation_keys_no_update BEFORE UPDATE ON installation_keys
BEGIN SELECT RAISE(ABORT, 'installation keys are kept, never changed'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER installation_keys_no_delete BEFORE DELETE ON installation_keys
BEGIN SELECT RAISE(ABORT, 'installation keys are kept, never deleted'); END;
-- +goose StatementEnd
{{else}}
CREATE TRIGGER installation_keys_unchanging BEFORE UPDATE OR DELETE ON installation_keys FOR EACH ROW EXECUTE FUNCTION psti_refuse_change();
{{end}}

-- +goose Down
-- Not undone: what the keys signed could no longer be checked.
SELECT 1;
