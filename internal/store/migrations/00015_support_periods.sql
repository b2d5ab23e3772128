-- Defined support periods (PSTI Schedule 1 paragraph 3), and the readable
-- slug of a product's public page.
--
-- A product's slug is made when it is created and never changes, so links
-- to /products/{slug} keep working whatever the product is renamed to.
-- Products that exist already are given one by the store right after this
-- migration (the slug is made in Go, the same way for both back ends).
--
-- A support period is a draft until an editor publishes it. Once
-- published, the database itself refuses what the law forbids
-- (PSTI-DSP-05): an earlier end date, unpublishing, deleting, or changing
-- the product or models it covers; its extensions are append-only. The
-- log_index columns name the transparency log entry of each publication
-- and extension; they may be filled once, never changed.

-- +goose Up
ALTER TABLE products ADD COLUMN slug TEXT;
CREATE UNIQUE INDEX products_slug ON products (slug);

CREATE TABLE support_periods (
    id                 {{.ID}},
    revision           BIGINT NOT NULL DEFAULT 1,
    created_at         {{.Time}} NOT NULL,
    updated_at         {{.Time}} NOT NULL,
    product_id         BIGINT NOT NULL REFERENCES products (id),
    models             TEXT NOT NULL DEFAULT '[]',
    end_date           TEXT NOT NULL CHECK ({{if .SQLite}}end_date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'{{else}}end_date ~ '^[0-9]{4}-[0-1][0-9]-[0-3][0-9]$'{{end}}),
    notes              TEXT NOT NULL DEFAULT '',
    status             TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    first_published_at {{.Time}},
    log_index          BIGINT,
    CHECK ((status = 'draft') = (first_published_at IS NULL))
);
CREATE INDEX support_periods_product ON support_periods (product_id);
CREATE INDEX support_periods_ending ON support_periods (status, end_date);

CREATE TABLE support_period_extensions (
    id           {{.ID}},
    period_id    BIGINT NOT NULL REFERENCES support_periods (id),
    at           {{.Time}} NOT NULL,
    old_end_date TEXT NOT NULL,
    new_end_date TEXT NOT NULL,
    reason       TEXT NOT NULL,
    log_index    BIGINT,
    CHECK (new_end_date > old_end_date)
);
CREATE INDEX support_period_extensions_period ON support_period_extensions (period_id, id);

{{if .SQLite}}
-- +goose StatementBegin
CREATE TRIGGER products_keep_slug BEFORE UPDATE OF slug ON products WHEN OLD.slug IS NOT NULL AND NEW.slug IS NOT OLD.slug
BEGIN SELECT RAISE(ABORT, 'a product keeps its slug for ever: links to its page must keep working'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER support_periods_never_shortened BEFORE UPDATE OF end_date ON support_periods
WHEN OLD.status = 'published' AND NEW.end_date < OLD.end_date
BEGIN SELECT RAISE(ABORT, 'PSTI-DSP-05: a published support period may be extended but never shortened'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER support_periods_stay_published BEFORE UPDATE ON support_periods
WHEN OLD.status = 'published' AND (NEW.status <> 'published' OR NEW.product_id <> OLD.product_id OR NEW.models <> OLD.models
    OR NEW.first_published_at IS NOT OLD.first_published_at OR (OLD.log_index IS NOT NULL AND NEW.log_index IS NOT OLD.log_index))
BEGIN SELECT RAISE(ABORT, 'a published support period stays published, for the same product and models'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER support_periods_published_kept BEFORE DELETE ON support_periods WHEN OLD.status = 'published'
BEGIN SELECT RAISE(ABORT, 'a published support period cannot be deleted'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER support_period_extensions_no_update BEFORE UPDATE ON support_period_extensions
WHEN NEW.period_id IS NOT OLD.period_id OR NEW.at IS NOT OLD.at OR NEW.old_end_date IS NOT OLD.old_end_date
    OR NEW.new_end_date IS NOT OLD.new_end_date OR NEW.reason IS NOT OLD.reason OR OLD.log_index IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'published extensions do not change'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER support_period_extensions_no_delete BEFORE DELETE ON support_period_extensions
BEGIN SELECT RAISE(ABORT, 'published extensions do not change'); END;
-- +goose StatementEnd
{{else}}
-- +goose StatementBegin
CREATE FUNCTION psti_support_period_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status = 'published' THEN
            RAISE EXCEPTION 'support period %: a published support period cannot be deleted', OLD.id;
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status = 'published' THEN
        IF NEW.end_date < OLD.end_date THEN
            RAISE EXCEPTION 'PSTI-DSP-05: support period % was published ending on %; it may be extended but never shortened (to %)',
                OLD.id, OLD.end_date, NEW.end_date;
        END IF;
        IF NEW.status <> 'published' OR NEW.product_id <> OLD.product_id OR NEW.models <> OLD.models
            OR NEW.first_published_at IS DISTINCT FROM OLD.first_published_at
            OR (OLD.log_index IS NOT NULL AND NEW.log_index IS DISTINCT FROM OLD.log_index) THEN
            RAISE EXCEPTION 'support period %: a published support period stays published, for the same product and models', OLD.id;
        END IF;
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER support_periods_guard BEFORE UPDATE OR DELETE ON support_periods FOR EACH ROW EXECUTE FUNCTION psti_support_period_guard();
CREATE TRIGGER support_periods_no_truncate BEFORE TRUNCATE ON support_periods FOR EACH STATEMENT EXECUTE FUNCTION psti_refuse_change();
CREATE TRIGGER products_keep_slug BEFORE UPDATE OF slug ON products FOR EACH ROW
    WHEN (OLD.slug IS NOT NULL AND NEW.slug IS DISTINCT FROM OLD.slug) EXECUTE FUNCTION psti_refuse_change();
CREATE TRIGGER support_period_extensions_no_delete BEFORE DELETE ON support_period_extensions FOR EACH ROW EXECUTE FUNCTION psti_refuse_change();
CREATE TRIGGER support_period_extensions_no_truncate BEFORE TRUNCATE ON support_period_extensions FOR EACH STATEMENT EXECUTE FUNCTION psti_refuse_change();
CREATE TRIGGER support_period_extensions_no_update BEFORE UPDATE ON support_period_extensions FOR EACH ROW
    WHEN (NEW.period_id IS DISTINCT FROM OLD.period_id OR NEW.at IS DISTINCT FROM OLD.at OR NEW.old_end_date IS DISTINCT FROM OLD.old_end_date
        OR NEW.new_end_date IS DISTINCT FROM OLD.new_end_date OR NEW.reason IS DISTINCT FROM OLD.reason OR OLD.log_index IS NOT NULL)
    EXECUTE FUNCTION psti_refuse_change();
{{end}}

-- +goose Down
-- Not undone: published support periods are public promises.
SELECT 1;
