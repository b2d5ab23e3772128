-- Audits of uploaded password batches, run by the server in the background.
-- The uploaded file is never stored: only the run and its report (which
-- names flagged rows by line and serial and quotes the evidence).

-- +goose Up
CREATE TABLE password_audits (
    id          {{.ID}},
    batch_id    BIGINT NOT NULL REFERENCES batches (id),
    state       TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    file_name   TEXT NOT NULL,
    file_bytes  BIGINT NOT NULL,
    bytes_read  BIGINT NOT NULL DEFAULT 0,
    rows_read   BIGINT NOT NULL DEFAULT 0,
    verdict     TEXT NOT NULL DEFAULT '' CHECK (verdict IN ('', 'pass', 'fail')),
    problem     TEXT NOT NULL DEFAULT '',
    report      TEXT,
    created_by  TEXT NOT NULL,
    created_at  {{.Time}} NOT NULL,
    started_at  {{.Time}},
    finished_at {{.Time}},
    updated_at  {{.Time}} NOT NULL
);
CREATE INDEX password_audits_batch ON password_audits (batch_id, id);

-- A report is evidence: it is kept, never deleted.
{{if .SQLite}}
-- +goose StatementBegin
CREATE TRIGGER password_audits_no_delete BEFORE DELETE ON password_audits
BEGIN SELECT RAISE(ABORT, 'password audits are kept, never deleted'); END;
-- +goose StatementEnd
{{else}}
CREATE TRIGGER password_audits_no_delete BEFORE DELETE ON password_audits FOR EACH ROW EXECUTE FUNCTION psti_refuse_change();
{{end}}

-- +goose Down
SELECT 1;
