-- Assessments (package assessment): for each product, one row per
-- requirement of the catalogue it is assessed against, saying how the
-- requirement is met (route) and how far the work stands (status). A row
-- is made the first time someone saves it; every change is in the audit
-- trail, before and after. Evidence files are kept beside a row in pieces
-- of at most 1 MiB, with their SHA-256; they are never deleted or
-- changed, only archived (an archived file is kept and still listed).

-- +goose Up
CREATE TABLE assessments (
    id            {{.ID}},
    product_id    BIGINT NOT NULL REFERENCES products (id),
    requirement   TEXT NOT NULL,
    route         TEXT NOT NULL CHECK (route IN ('direct', 'provision', 'label')),
    standard      TEXT NOT NULL DEFAULT '',
    provisions    TEXT NOT NULL DEFAULT '',
    label_scheme  TEXT NOT NULL DEFAULT '',
    label_id      TEXT NOT NULL DEFAULT '',
    label_expires TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL CHECK (status IN ('not_started', 'in_progress', 'met', 'not_applicable')),
    reason        TEXT NOT NULL DEFAULT '',
    note          TEXT NOT NULL DEFAULT '',
    revision      BIGINT NOT NULL DEFAULT 1,
    updated_at    {{.Time}} NOT NULL,
    updated_by    TEXT NOT NULL,
    -- PSTI-DC-05: a label route names its label and the day it expires.
    CHECK (route <> 'label' OR (label_scheme <> '' AND label_id <> '' AND label_expires <> '')),
    CHECK (status <> 'not_applicable' OR reason <> '')
);
CREATE UNIQUE INDEX assessments_row ON assessments (product_id, requirement);

CREATE TABLE assessment_evidence (
    id          {{.ID}},
    product_id  BIGINT NOT NULL REFERENCES products (id),
    requirement TEXT NOT NULL,
    name        TEXT NOT NULL,
    media_type  TEXT NOT NULL,
    size        BIGINT NOT NULL,
    sha256      TEXT NOT NULL,
    added_at    {{.Time}} NOT NULL,
    added_by    TEXT NOT NULL,
    archived_at {{.Time}}
);
CREATE INDEX assessment_evidence_row ON assessment_evidence (product_id, requirement, id);

CREATE TABLE assessment_evidence_chunks (
    evidence_id BIGINT NOT NULL REFERENCES assessment_evidence (id),
    seq         INTEGER NOT NULL,
    data        {{.Blob}} NOT NULL,
    PRIMARY KEY (evidence_id, seq)
);

-- Evidence is kept: its pieces never change, and a file is never deleted.
{{if .SQLite}}
-- +goose StatementBegin
CREATE TRIGGER assessment_evidence_chunks_no_update BEFORE UPDATE ON assessment_evidence_chunks
BEGIN SELECT RAISE(ABORT, 'assessment evidence is kept, never changed'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER assessment_evidence_chunks_no_delete BEFORE DELETE ON assessment_evidence_chunks
BEGIN SELECT RAISE(ABORT, 'assessment evidence is kept, never deleted'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER assessment_evidence_no_delete BEFORE DELETE ON assessment_evidence
BEGIN SELECT RAISE(ABORT, 'assessment evidence is kept, never deleted: archive it instead'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER assessment_evidence_unchanged BEFORE UPDATE ON assessment_evidence
    WHEN NEW.product_id IS NOT OLD.product_id OR NEW.requirement IS NOT OLD.requirement OR NEW.name IS NOT OLD.name
        OR NEW.media_type IS NOT OLD.media_type OR NEW.size IS NOT OLD.size OR NEW.sha256 IS NOT OLD.sha256
        OR NEW.added_at IS NOT OLD.added_at OR NEW.added_by IS NOT OLD.added_by
BEGIN SELECT RAISE(ABORT, 'assessment evidence is kept as it was added; only archiving changes'); END;
-- +goose StatementEnd
{{else}}
CREATE TRIGGER assessment_evidence_chunks_unchanging BEFORE UPDATE OR DELETE ON assessment_evidence_chunks FOR EACH ROW EXECUTE FUNCTION psti_refuse_change();
-- +goose StatementBegin
CREATE FUNCTION psti_evidence_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'assessment evidence % is kept, never deleted: archive it instead', OLD.id;
    END IF;
    IF NEW.product_id IS DISTINCT FROM OLD.product_id OR NEW.requirement IS DISTINCT FROM OLD.requirement OR NEW.name IS DISTINCT FROM OLD.name
        OR NEW.media_type IS DISTINCT FROM OLD.media_type OR NEW.size IS DISTINCT FROM OLD.size OR NEW.sha256 IS DISTINCT FROM OLD.sha256
        OR NEW.added_at IS DISTINCT FROM OLD.added_at OR NEW.added_by IS DISTINCT FROM OLD.added_by THEN
        RAISE EXCEPTION 'assessment evidence % is kept as it was added; only archiving changes', OLD.id;
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER assessment_evidence_guard BEFORE UPDATE OR DELETE ON assessment_evidence FOR EACH ROW EXECUTE FUNCTION psti_evidence_guard();
{{end}}

-- +goose Down
-- Not undone: evidence files are the only copy.
SELECT 1;
