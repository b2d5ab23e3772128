-- A new report has no product matched (from the API, most often), no
-- assignee and is no duplicate, yet every insert added an entry to the
-- indexes on those columns, which only ever serve lookups of one product,
-- assignee or original ("= x", never IS NULL). Leaving the empty values
-- out makes intake cheaper (docs/benchmarks.md, "Intake against its
-- baselines") and the indexes smaller; the lookups and the lists' plans
-- are the same (TestListPlans).

-- +goose Up
DROP INDEX reports_duplicate_of;
CREATE INDEX reports_duplicate_of ON reports (duplicate_of) WHERE duplicate_of IS NOT NULL;
DROP INDEX reports_product_order;
CREATE INDEX reports_product_order ON reports (product_id, due_at, id DESC) WHERE product_id IS NOT NULL;
DROP INDEX reports_assignee_order;
CREATE INDEX reports_assignee_order ON reports (assignee_id, due_at, id DESC) WHERE assignee_id IS NOT NULL;

-- +goose Down
SELECT 1;
