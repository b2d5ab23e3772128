-- Scope decisions (package scope): the facts given about a product, the
-- outcome the scope rules gave, every reason, and the version of the rules
-- used. A decision is kept as it was made, never changed: a decision made
-- again, with other facts or newer rules, is a new row, and the newest is
-- the product's current one.

-- +goose Up
CREATE TABLE scope_decisions (
    id            {{.ID}},
    product_id    BIGINT NOT NULL REFERENCES products (id),
    decided_at    {{.Time}} NOT NULL,
    decided_by    TEXT NOT NULL,
    outcome       TEXT NOT NULL CHECK (outcome IN ('in_scope', 'excepted', 'not_connectable', 'not_uk_consumer', 'needs_review')),
    rules_version TEXT NOT NULL,
    facts         TEXT NOT NULL,
    decision      TEXT NOT NULL
);
CREATE INDEX scope_decisions_product ON scope_decisions (product_id, id);

{{if .SQLite}}
-- +goose StatementBegin
CREATE TRIGGER scope_decisions_no_update BEFORE UPDATE ON scope_decisions
BEGIN SELECT RAISE(ABORT, 'a scope decision is kept as it was made: decide again instead'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER scope_decisions_no_delete BEFORE DELETE ON scope_decisions
BEGIN SELECT RAISE(ABORT, 'a scope decision is kept as it was made: decide again instead'); END;
-- +goose StatementEnd
{{else}}
CREATE TRIGGER scope_decisions_kept BEFORE UPDATE OR DELETE ON scope_decisions FOR EACH ROW EXECUTE FUNCTION psti_refuse_change();
CREATE TRIGGER scope_decisions_no_truncate BEFORE TRUNCATE ON scope_decisions FOR EACH STATEMENT EXECUTE FUNCTION psti_refuse_change();
{{end}}

-- +goose Down
-- Not undone: decisions are kept.
SELECT 1;
