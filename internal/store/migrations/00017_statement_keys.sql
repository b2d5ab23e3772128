-- The keys that sign statements of compliance (package statement): each a
-- private key and its certificate chain, with the Ed25519 key it certifies
-- for JSON renderings, sealed under the installation's secret (the one
-- that seals the transparency log's key), so that a copy of the database
-- alone cannot sign. A key is kept for good: one that signed statements
-- must still name the certificate that did, so it is retired, never
-- deleted, and nothing but its retirement ever changes.

-- +goose Up
CREATE TABLE statement_keys (
    id          {{.ID}},
    label       TEXT NOT NULL,
    subject     TEXT NOT NULL,
    issuer      TEXT NOT NULL,
    -- The SHA-256 of the signer's certificate (DER), in hex.
    fingerprint TEXT NOT NULL UNIQUE,
    not_before  {{.Time}} NOT NULL,
    not_after   {{.Time}} NOT NULL,
    sealed      {{.Blob}} NOT NULL,
    created_at  {{.Time}} NOT NULL,
    retired_at  {{.Time}}
);

{{if .SQLite}}
-- +goose StatementBegin
CREATE TRIGGER statement_keys_keep BEFORE UPDATE ON statement_keys
    WHEN NEW.id IS NOT OLD.id OR NEW.label IS NOT OLD.label OR NEW.subject IS NOT OLD.subject OR NEW.issuer IS NOT OLD.issuer
        OR NEW.fingerprint IS NOT OLD.fingerprint OR NEW.not_before IS NOT OLD.not_before OR NEW.not_after IS NOT OLD.not_after
        OR NEW.sealed IS NOT OLD.sealed OR NEW.created_at IS NOT OLD.created_at
        OR (OLD.retired_at IS NOT NULL AND NEW.retired_at IS NOT OLD.retired_at)
BEGIN SELECT RAISE(ABORT, 'a statement signing key only ever changes by being retired'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER statement_keys_no_delete BEFORE DELETE ON statement_keys
BEGIN SELECT RAISE(ABORT, 'statement signing keys are kept: retire one instead'); END;
-- +goose StatementEnd
{{else}}
CREATE TRIGGER statement_keys_keep BEFORE UPDATE ON statement_keys FOR EACH ROW
    WHEN (NEW.id IS DISTINCT FROM OLD.id OR NEW.label IS DISTINCT FROM OLD.label OR NEW.subject IS DISTINCT FROM OLD.subject
        OR NEW.issuer IS DISTINCT FROM OLD.issuer OR NEW.fingerprint IS DISTINCT FROM OLD.fingerprint
        OR NEW.not_before IS DISTINCT FROM OLD.not_before OR NEW.not_after IS DISTINCT FROM OLD.not_after
        OR NEW.sealed IS DISTINCT FROM OLD.sealed OR NEW.created_at IS DISTINCT FROM OLD.created_at
        OR (OLD.retired_at IS NOT NULL AND NEW.retired_at IS DISTINCT FROM OLD.retired_at))
    EXECUTE FUNCTION psti_refuse_change();
CREATE TRIGGER statement_keys_no_delete BEFORE DELETE ON statement_keys FOR EACH ROW EXECUTE FUNCTION psti_refuse_change();
CREATE TRIGGER statement_keys_no_truncate BEFORE TRUNCATE ON statement_keys FOR EACH STATEMENT EXECUTE FUNCTION psti_refuse_change();
{{end}}

-- +goose Down
-- Not undone: the keys name who signed the statements issued.
SELECT 1;
