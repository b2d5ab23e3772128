-- On PostgreSQL several transactions insert reports at once (one intake
-- committer per core, each committing a group). Each insert adds to the
-- counter of its status and due day in report_counts and holds that row
-- locked until it commits: with the shard taken from the reports' ids, the
-- 4 rows of a day were shared by every group, and with a transaction per
-- report the 32 in flight committed one after another (docs/benchmarks.md,
-- "Intake against its baselines"). The shard is now taken from the
-- transaction's id, over 8 shards: transactions in flight together have
-- neighbouring ids, so each of the few committers updates a row of its
-- own, and a day's counter is still at most 8 rows for the dashboard to
-- add up (twice as many as before). The counts stay right
-- whatever the shard: they are read as the sum of every shard, and a change
-- to a report subtracts from any shard of its old counter and adds to any
-- of its new one. SQLite has one writer at a time and keeps its triggers.

-- +goose Up
{{if not .SQLite}}
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION psti_count_reports_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_counts (status, due_day, shard, n)
    SELECT status, COALESCE(floor(extract(epoch FROM due_at) / 86400)::bigint, -1), (txid_current() % 8)::integer, COUNT(*)
    FROM new_rows GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (status, due_day, shard) DO UPDATE SET n = report_counts.n + excluded.n;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
{{else}}
SELECT 1;
{{end}}

-- +goose Down
SELECT 1;
