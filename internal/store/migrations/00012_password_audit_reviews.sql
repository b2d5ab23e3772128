-- Reviews of password audit findings. A rule whose every flagged row was
-- flagged for review fails the batch until someone has looked; an editor
-- records, per rule, that the finding is accepted (with the reason) or
-- confirmed as a failure. A report never changes: the reviews are kept
-- beside it, and a later review of a rule supersedes an earlier one
-- without removing it.

-- +goose Up
CREATE TABLE password_audit_reviews (
    id          {{.ID}},
    audit_id    BIGINT NOT NULL REFERENCES password_audits (id),
    rule        TEXT NOT NULL,
    decision    TEXT NOT NULL CHECK (decision IN ('accepted', 'confirmed')),
    reason      TEXT NOT NULL DEFAULT '',
    reviewed_by TEXT NOT NULL,
    reviewed_at {{.Time}} NOT NULL,
    CHECK (decision <> 'accepted' OR reason <> '')
);
CREATE INDEX password_audit_reviews_audit ON password_audit_reviews (audit_id, id);

-- The verdict once reviews are counted (passwords.Outcome), kept with the
-- run so that a batch's list of audits shows it without reading reports.
-- '' for runs that are not done, and for runs finished before reviews
-- existed (read from their report instead).
ALTER TABLE password_audits ADD COLUMN outcome TEXT NOT NULL DEFAULT ''
    CHECK (outcome IN ('', 'pass', 'fail', 'needs_review', 'passed_after_review'));

-- Who decided what stays as it was decided.
{{if .SQLite}}
-- +goose StatementBegin
CREATE TRIGGER password_audit_reviews_no_update BEFORE UPDATE ON password_audit_reviews
BEGIN SELECT RAISE(ABORT, 'password audit reviews are kept, never changed'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER password_audit_reviews_no_delete BEFORE DELETE ON password_audit_reviews
BEGIN SELECT RAISE(ABORT, 'password audit reviews are kept, never deleted'); END;
-- +goose StatementEnd
{{else}}
CREATE TRIGGER password_audit_reviews_unchanging BEFORE UPDATE OR DELETE ON password_audit_reviews FOR EACH ROW EXECUTE FUNCTION psti_refuse_change();
{{end}}

-- +goose Down
-- Not undone: the reviews are records of who decided what.
SELECT 1;
