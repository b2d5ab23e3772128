-- Lists page by key, each with an index that matches its sort, so no list
-- scans a table that grows (DESIGN.md "Lists"; issue 16). The report list
-- reads in two parts: reports with a due date, earliest first (newest
-- first among equal dates), then the rest, newest first. Each index below
-- serves both parts for its filter: "due_at = x, id < y" and "due_at IS
-- NULL, id < y" are both ranges of (…, due_at, id DESC).
--
-- report_counts keeps the dashboard's counts without counting a million
-- rows: reports by status and by the day (UTC, days since 1970) their
-- next promise falls due (-1 for none), kept by triggers in the same
-- transaction as every change to a report. A few rows a day of open
-- reports' due dates: the counts add up hundreds of rows, not millions.
-- It is spread over 4 shards by id, so that transactions adding reports
-- at once wait less on the same counter row.

-- +goose Up
-- Only an open report has a promise due (disclosure.Open; SaveReport keeps
-- it so): the lists read the open ones by due date alone.
UPDATE reports SET due_at = NULL, due_what = ''
WHERE due_at IS NOT NULL AND status NOT IN ('received', 'acknowledged', 'investigating');
DROP INDEX reports_due;
DROP INDEX reports_product;
CREATE INDEX reports_due_order ON reports (due_at, id DESC);
CREATE INDEX reports_status_order ON reports (status, due_at, id DESC);
CREATE INDEX reports_product_order ON reports (product_id, due_at, id DESC);
CREATE INDEX reports_assignee_order ON reports (assignee_id, due_at, id DESC);
-- Open reports with no promise due are few; "open" cannot seek the
-- status index in id order (three statuses), so they have their own.
CREATE INDEX reports_open_undated ON reports (id) WHERE due_at IS NULL AND status IN ('received', 'acknowledged', 'investigating');
-- The alert sweep looks for reports staff have not been told of: few,
-- among a million that they have.
CREATE INDEX reports_unalerted ON reports (id) WHERE staff_alerted_at IS NULL;

-- The audit trail of one kind of record, newest first.
CREATE INDEX audit_log_kind ON audit_log (entity, id);

-- Support periods, earliest end first: all of them, of one status, or of
-- one product.
DROP INDEX support_periods_ending;
DROP INDEX support_periods_product;
CREATE INDEX support_periods_product_order ON support_periods (product_id, end_date, id);
CREATE INDEX support_periods_order ON support_periods (end_date, id);
CREATE INDEX support_periods_status_order ON support_periods (status, end_date, id);

-- Statements of one status, newest first.
CREATE INDEX statements_status ON statements (status, id);

-- The registry's lists, in their orders (registryPage), all of them and
-- of one parent.
CREATE INDEX organisations_order ON organisations (lower(legal_name), id);
CREATE INDEX brands_order ON brands (lower(name), id);
CREATE INDEX brands_organisation_order ON brands (organisation_id, lower(name), id);
CREATE INDEX products_order ON products (lower(name), lower(model_number), id);
CREATE INDEX products_brand_order ON products (brand_id, lower(name), lower(model_number), id);
CREATE INDEX versions_order ON versions (released_on DESC, id DESC);
CREATE INDEX versions_product_order ON versions (product_id, released_on DESC, id DESC);
CREATE INDEX batches_order ON batches (first_produced DESC, id DESC);
CREATE INDEX batches_product_order ON batches (product_id, first_produced DESC, id DESC);

CREATE TABLE report_counts (
    status   TEXT NOT NULL,
    due_day BIGINT NOT NULL,
    shard    INTEGER NOT NULL,
    n        BIGINT NOT NULL,
    PRIMARY KEY (status, due_day, shard)
);

{{if .SQLite}}
INSERT INTO report_counts (status, due_day, shard, n)
SELECT status, COALESCE(CAST(strftime('%s', due_at) AS INTEGER) / 86400, -1), id % 4, COUNT(*) FROM reports GROUP BY 1, 2, 3;
-- +goose StatementBegin
CREATE TRIGGER reports_count_insert AFTER INSERT ON reports
BEGIN
    INSERT INTO report_counts (status, due_day, shard, n)
    VALUES (NEW.status, COALESCE(CAST(strftime('%s', NEW.due_at) AS INTEGER) / 86400, -1), NEW.id % 4, 1)
    ON CONFLICT (status, due_day, shard) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER reports_count_update AFTER UPDATE OF status, due_at ON reports
WHEN OLD.status IS NOT NEW.status OR OLD.due_at IS NOT NEW.due_at
BEGIN
    UPDATE report_counts SET n = n - 1
    WHERE status = OLD.status AND due_day = COALESCE(CAST(strftime('%s', OLD.due_at) AS INTEGER) / 86400, -1) AND shard = OLD.id % 4;
    INSERT INTO report_counts (status, due_day, shard, n)
    VALUES (NEW.status, COALESCE(CAST(strftime('%s', NEW.due_at) AS INTEGER) / 86400, -1), NEW.id % 4, 1)
    ON CONFLICT (status, due_day, shard) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd
{{else}}
INSERT INTO report_counts (status, due_day, shard, n)
SELECT status, COALESCE(floor(extract(epoch FROM due_at) / 86400)::bigint, -1), id % 4, COUNT(*) FROM reports GROUP BY 1, 2, 3;
-- Once per statement, from its transition tables: a group of reports
-- inserted together updates each counter it touches once, in key order
-- (so that two transactions never wait on each other in a cycle).
-- +goose StatementBegin
CREATE FUNCTION psti_count_reports_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_counts (status, due_day, shard, n)
    SELECT status, COALESCE(floor(extract(epoch FROM due_at) / 86400)::bigint, -1), id % 4, COUNT(*)
    FROM new_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (status, due_day, shard) DO UPDATE SET n = report_counts.n + excluded.n;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION psti_count_reports_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_counts (status, due_day, shard, n)
    SELECT status, due_day, shard, SUM(d) FROM (
        SELECT o.status, COALESCE(floor(extract(epoch FROM o.due_at) / 86400)::bigint, -1) AS due_day, o.id % 4 AS shard, -1 AS d
        FROM old_rows o JOIN new_rows r ON r.id = o.id
        WHERE o.status IS DISTINCT FROM r.status OR o.due_at IS DISTINCT FROM r.due_at
        UNION ALL
        SELECT r.status, COALESCE(floor(extract(epoch FROM r.due_at) / 86400)::bigint, -1), r.id % 4, 1
        FROM old_rows o JOIN new_rows r ON r.id = o.id
        WHERE o.status IS DISTINCT FROM r.status OR o.due_at IS DISTINCT FROM r.due_at
    ) c GROUP BY 1, 2, 3 HAVING SUM(d) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT (status, due_day, shard) DO UPDATE SET n = report_counts.n + excluded.n;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER reports_count_insert AFTER INSERT ON reports REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION psti_count_reports_inserted();
CREATE TRIGGER reports_count_update AFTER UPDATE ON reports REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION psti_count_reports_updated();
{{end}}

-- +goose Down
SELECT 1;
