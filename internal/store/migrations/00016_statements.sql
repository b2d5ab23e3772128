-- Statements of compliance (package statement). A statement is a draft
-- until it is issued; then it never changes and is never deleted (it must
-- be kept for the longer of 10 years and the support period it states,
-- PSTI-SOC-05, and psti keeps it for good): a correction is a new version
-- under the same number that supersedes it, and both are kept. Each
-- rendering of an issued statement is kept beside it, byte for byte, with
-- its SHA-256, which the transparency log entry of its issue names.

-- +goose Up
CREATE TABLE statements (
    id            {{.ID}},
    number        TEXT NOT NULL,
    version       INTEGER NOT NULL,
    product_id    BIGINT NOT NULL REFERENCES products (id),
    status        TEXT NOT NULL CHECK (status IN ('draft', 'issued')),
    content       TEXT NOT NULL,
    supersedes    BIGINT REFERENCES statements (id),
    -- Not a foreign key: it points at a later row, and copies of the
    -- database (psti migrate-data) write rows in id order.
    superseded_by BIGINT,
    revision      BIGINT NOT NULL DEFAULT 1,
    created_at    {{.Time}} NOT NULL,
    updated_at    {{.Time}} NOT NULL,
    issued_at     {{.Time}},
    keep_until    TEXT NOT NULL DEFAULT '',
    log_index     BIGINT
);
CREATE UNIQUE INDEX statements_version ON statements (number, version);
CREATE INDEX statements_product ON statements (product_id, id);

CREATE TABLE statement_renderings (
    statement_id BIGINT NOT NULL REFERENCES statements (id),
    kind         TEXT NOT NULL,
    media_type   TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    data         {{.Blob}} NOT NULL,
    PRIMARY KEY (statement_id, kind)
);

{{if .SQLite}}
-- +goose StatementBegin
CREATE TRIGGER statements_issued_kept BEFORE DELETE ON statements WHEN OLD.status = 'issued'
BEGIN SELECT RAISE(ABORT, 'PSTI-SOC-05: an issued statement of compliance is kept; it cannot be deleted'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER statements_issued_unchanged BEFORE UPDATE ON statements WHEN OLD.status = 'issued'
    AND (NEW.status IS NOT OLD.status OR NEW.content IS NOT OLD.content OR NEW.number IS NOT OLD.number OR NEW.version IS NOT OLD.version
        OR NEW.product_id IS NOT OLD.product_id OR NEW.issued_at IS NOT OLD.issued_at OR NEW.keep_until IS NOT OLD.keep_until
        OR NEW.log_index IS NOT OLD.log_index OR NEW.supersedes IS NOT OLD.supersedes
        OR (OLD.superseded_by IS NOT NULL AND NEW.superseded_by IS NOT OLD.superseded_by))
BEGIN SELECT RAISE(ABORT, 'an issued statement of compliance never changes: issue a corrected version instead'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER statement_renderings_no_update BEFORE UPDATE ON statement_renderings
BEGIN SELECT RAISE(ABORT, 'the renderings of an issued statement never change'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER statement_renderings_no_delete BEFORE DELETE ON statement_renderings
BEGIN SELECT RAISE(ABORT, 'PSTI-SOC-05: the renderings of an issued statement are kept'); END;
-- +goose StatementEnd
{{else}}
-- +goose StatementBegin
CREATE FUNCTION psti_statement_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status <> 'issued' THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'PSTI-SOC-05: statement % version % is issued and kept; it cannot be deleted', OLD.number, OLD.version;
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status OR NEW.content IS DISTINCT FROM OLD.content OR NEW.number IS DISTINCT FROM OLD.number
        OR NEW.version IS DISTINCT FROM OLD.version OR NEW.product_id IS DISTINCT FROM OLD.product_id OR NEW.issued_at IS DISTINCT FROM OLD.issued_at
        OR NEW.keep_until IS DISTINCT FROM OLD.keep_until OR NEW.log_index IS DISTINCT FROM OLD.log_index OR NEW.supersedes IS DISTINCT FROM OLD.supersedes
        OR (OLD.superseded_by IS NOT NULL AND NEW.superseded_by IS DISTINCT FROM OLD.superseded_by) THEN
        RAISE EXCEPTION 'statement % version %: an issued statement of compliance never changes; issue a corrected version instead', OLD.number, OLD.version;
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER statements_guard BEFORE UPDATE OR DELETE ON statements FOR EACH ROW EXECUTE FUNCTION psti_statement_guard();
CREATE TRIGGER statements_no_truncate BEFORE TRUNCATE ON statements FOR EACH STATEMENT EXECUTE FUNCTION psti_refuse_change();
CREATE TRIGGER statement_renderings_unchanging BEFORE UPDATE OR DELETE ON statement_renderings FOR EACH ROW EXECUTE FUNCTION psti_refuse_change();
CREATE TRIGGER statement_renderings_no_truncate BEFORE TRUNCATE ON statement_renderings FOR EACH STATEMENT EXECUTE FUNCTION psti_refuse_change();
{{end}}

-- +goose Down
-- Not undone: issued statements must be kept.
SELECT 1;
