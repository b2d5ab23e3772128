-- Advisories are written as drafts, previewed, published, and may then be
-- revised. A published advisory keeps its tracking id, report and first
-- publication date for ever; its text may change only as a new revision,
-- one more than the last, and every revision's CSAF document is kept in
-- advisory_revisions (append-only), which is the CSAF revision history.
-- A draft is the text staff are working on for a report, changed at will
-- and forgotten once published.

-- +goose Up
-- The old rule (no change at all) goes first, so that the advisories
-- published so far can be given their new columns' values.
{{if .SQLite}}
DROP TRIGGER advisories_no_update;
{{else}}
DROP TRIGGER advisories_unchanging ON advisories;
{{end}}
ALTER TABLE advisories ADD COLUMN product_id BIGINT REFERENCES products (id);
ALTER TABLE advisories ADD COLUMN affected TEXT NOT NULL DEFAULT '[]';
ALTER TABLE advisories ADD COLUMN fixed TEXT NOT NULL DEFAULT '[]';
ALTER TABLE advisories ADD COLUMN cwe TEXT NOT NULL DEFAULT '';
ALTER TABLE advisories ADD COLUMN cve TEXT NOT NULL DEFAULT '';
ALTER TABLE advisories ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE advisories ADD COLUMN updated_at {{.Time}};
UPDATE advisories SET updated_at = published_at;

CREATE TABLE advisory_revisions (
    advisory_id BIGINT NOT NULL REFERENCES advisories (id),
    number      INTEGER NOT NULL,
    released_at {{.Time}} NOT NULL,
    summary     TEXT NOT NULL,
    csaf        TEXT NOT NULL,
    PRIMARY KEY (advisory_id, number)
);
INSERT INTO advisory_revisions (advisory_id, number, released_at, summary, csaf)
    SELECT id, 1, published_at, 'First publication.', csaf FROM advisories;

CREATE TABLE advisory_drafts (
    report_id  BIGINT PRIMARY KEY REFERENCES reports (id),
    doc        TEXT NOT NULL,
    updated_at {{.Time}} NOT NULL,
    updated_by TEXT NOT NULL DEFAULT ''
);

{{if .SQLite}}
-- +goose StatementBegin
CREATE TRIGGER advisories_keep_identity BEFORE UPDATE OF id, tracking_id, report_id, organisation_id, published_at ON advisories
BEGIN SELECT RAISE(ABORT, 'a published advisory keeps its tracking id, report and first publication date'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER advisories_revise_in_order BEFORE UPDATE ON advisories WHEN NEW.revision <> OLD.revision + 1
BEGIN SELECT RAISE(ABORT, 'a published advisory changes only as its next revision'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER advisory_revisions_no_update BEFORE UPDATE ON advisory_revisions
BEGIN SELECT RAISE(ABORT, 'published revisions do not change'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER advisory_revisions_no_delete BEFORE DELETE ON advisory_revisions
BEGIN SELECT RAISE(ABORT, 'published revisions do not change'); END;
-- +goose StatementEnd
{{else}}
CREATE TRIGGER advisories_no_delete BEFORE DELETE ON advisories FOR EACH ROW EXECUTE FUNCTION psti_refuse_change();
CREATE TRIGGER advisories_keep_identity BEFORE UPDATE OF id, tracking_id, report_id, organisation_id, published_at ON advisories FOR EACH ROW EXECUTE FUNCTION psti_refuse_change();
CREATE TRIGGER advisories_revise_in_order BEFORE UPDATE ON advisories FOR EACH ROW WHEN (NEW.revision <> OLD.revision + 1) EXECUTE FUNCTION psti_refuse_change();
CREATE TRIGGER advisory_revisions_unchanging BEFORE UPDATE OR DELETE ON advisory_revisions FOR EACH ROW EXECUTE FUNCTION psti_refuse_change();
{{end}}

-- +goose Down
-- Not undone: the revisions are the record of what was published.
SELECT 1;
