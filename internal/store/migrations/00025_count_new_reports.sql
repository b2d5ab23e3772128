-- New reports are counted by the code that inserts them, once per group
-- and counter, rather than by a trigger on each insert: the trigger was a
-- counter row update per report on SQLite and a statement over the
-- inserted rows on PostgreSQL, the largest part of intake's work after
-- the rows themselves (docs/benchmarks.md, "Intake against its
-- baselines"). Only the intake committer inserts reports (and a copy
-- between back ends, which counts what it copied): see countNewReports
-- and recountReports. The counts already kept are right and stay; the
-- triggers on a change to a report stay as they were.

-- +goose Up
DROP TRIGGER reports_count_insert{{if not .SQLite}} ON reports{{end}};
{{if not .SQLite}}
DROP FUNCTION psti_count_reports_inserted();
{{end}}

-- +goose Down
SELECT 1;
