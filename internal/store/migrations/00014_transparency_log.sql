-- The transparency log (package ledger): every public commitment, as an
-- entry of an append-only Merkle tree (RFC 6962). Each entry row keeps its
-- canonical encoding and the tree hashes it completes (what
-- tlog.StoredHashes returns for it, 32 bytes each, its leaf hash first), so
-- the hashes are written in the same transaction as the entry, and the
-- entry in the same transaction as the record it proves. Signed
-- checkpoints and the keys that sign them are kept for good: a checkpoint
-- signed years ago must still verify.

-- +goose Up
CREATE TABLE log_keys (
    id          {{.ID}},
    origin      TEXT NOT NULL,
    vkey        TEXT NOT NULL UNIQUE,
    sealed      {{.Blob}} NOT NULL,
    from_size   BIGINT NOT NULL,
    endorsement TEXT NOT NULL DEFAULT '',
    created_at  {{.Time}} NOT NULL,
    retired_at  {{.Time}}
);

CREATE TABLE log_entries (
    idx     {{if .SQLite}}INTEGER{{else}}BIGINT{{end}} PRIMARY KEY,
    ref     TEXT,
    kind    TEXT NOT NULL,
    subject TEXT NOT NULL,
    at      {{.Time}} NOT NULL,
    data    {{.Blob}} NOT NULL,
    hashes  {{.Blob}} NOT NULL
);
CREATE UNIQUE INDEX log_entries_ref ON log_entries (ref);
CREATE INDEX log_entries_subject ON log_entries (subject, idx);

CREATE TABLE log_checkpoints (
    size      {{if .SQLite}}INTEGER{{else}}BIGINT{{end}} PRIMARY KEY,
    root      {{.Blob}} NOT NULL,
    signed    TEXT NOT NULL,
    key_id    BIGINT NOT NULL REFERENCES log_keys (id),
    signed_at {{.Time}} NOT NULL
);

{{if .SQLite}}
-- +goose StatementBegin
CREATE TRIGGER log_entries_no_update BEFORE UPDATE ON log_entries
BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER log_entries_no_delete BEFORE DELETE ON log_entries
BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER log_checkpoints_no_update BEFORE UPDATE ON log_checkpoints
BEGIN SELECT RAISE(ABORT, 'signed checkpoints are kept as signed'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER log_checkpoints_no_delete BEFORE DELETE ON log_checkpoints
BEGIN SELECT RAISE(ABORT, 'signed checkpoints are kept as signed'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER log_keys_keep BEFORE UPDATE OF id, origin, vkey, sealed, from_size, endorsement, created_at ON log_keys
BEGIN SELECT RAISE(ABORT, 'a log key only ever changes by being retired'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER log_keys_no_delete BEFORE DELETE ON log_keys
BEGIN SELECT RAISE(ABORT, 'log keys are kept, so old checkpoints still verify'); END;
-- +goose StatementEnd
{{else}}
CREATE TRIGGER log_entries_unchanging BEFORE UPDATE OR DELETE ON log_entries FOR EACH ROW EXECUTE FUNCTION psti_refuse_change();
CREATE TRIGGER log_checkpoints_unchanging BEFORE UPDATE OR DELETE ON log_checkpoints FOR EACH ROW EXECUTE FUNCTION psti_refuse_change();
CREATE TRIGGER log_keys_keep BEFORE UPDATE OF id, origin, vkey, sealed, from_size, endorsement, created_at ON log_keys FOR EACH ROW EXECUTE FUNCTION psti_refuse_change();
CREATE TRIGGER log_keys_no_delete BEFORE DELETE ON log_keys FOR EACH ROW EXECUTE FUNCTION psti_refuse_change();
{{end}}

-- +goose Down
-- Not undone: the log is the proof of what was published.
SELECT 1;
