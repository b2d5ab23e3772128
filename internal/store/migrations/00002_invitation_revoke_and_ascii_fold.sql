-- Setup links can be revoked; names compare case-insensitively the same
-- way on both back ends (ASCII letters only: SQLite's lower() folds no
-- others, so PostgreSQL must not either, or a database copied from one to
-- the other could break a uniqueness rule).

-- +goose Up
ALTER TABLE invitations ADD COLUMN revoked_at {{.Time}};

DROP INDEX brands_name;
CREATE UNIQUE INDEX brands_name ON brands (organisation_id, {{.Fold "name"}});
DROP INDEX products_model;
CREATE UNIQUE INDEX products_model ON products (brand_id, {{.Fold "model_number"}}, {{.Fold "hardware_version"}});
DROP INDEX versions_unique;
CREATE UNIQUE INDEX versions_unique ON versions (product_id, {{.Fold "component"}}, version);

-- +goose Down
SELECT 1;
