-- A report's attachments are kept in pieces of at most 1 MiB, written and
-- read one piece at a time, so that a file of tens of megabytes never has
-- to be held whole in memory, whether it is arriving or being downloaded.
-- report_attachments keeps each file's name, type, size and SHA-256; its
-- data column is left empty for files kept in pieces, and the files stored
-- whole before this change are moved into one piece each.

-- +goose Up
CREATE TABLE report_attachment_chunks (
    attachment_id BIGINT NOT NULL REFERENCES report_attachments (id),
    seq           INTEGER NOT NULL,
    data          {{.Blob}} NOT NULL,
    PRIMARY KEY (attachment_id, seq)
);
INSERT INTO report_attachment_chunks (attachment_id, seq, data)
    SELECT id, 0, data FROM report_attachments WHERE length(data) > 0;
UPDATE report_attachments SET data = substr(data, 1, 0) WHERE length(data) > 0;

-- Attachments are evidence: kept, never changed.
{{if .SQLite}}
-- +goose StatementBegin
CREATE TRIGGER report_attachment_chunks_no_update BEFORE UPDATE ON report_attachment_chunks
BEGIN SELECT RAISE(ABORT, 'report attachments are kept, never changed'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER report_attachment_chunks_no_delete BEFORE DELETE ON report_attachment_chunks
BEGIN SELECT RAISE(ABORT, 'report attachments are kept, never deleted'); END;
-- +goose StatementEnd
{{else}}
CREATE TRIGGER report_attachment_chunks_unchanging BEFORE UPDATE OR DELETE ON report_attachment_chunks FOR EACH ROW EXECUTE FUNCTION psti_refuse_change();
{{end}}

-- +goose Down
-- Not undone: the pieces are the only copy of the files.
SELECT 1;
