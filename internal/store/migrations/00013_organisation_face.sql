-- The organisation's public face: public pages carry the organisation's
-- name, colour and logo, not the tool's. brand_colour is #rrggbb or '' for
-- none (the pages' own dark blue). The logo is a small PNG or JPEG image,
-- checked when it is uploaded; logo_sha256 names it ('' for none).

-- +goose Up
ALTER TABLE organisations ADD COLUMN brand_colour TEXT NOT NULL DEFAULT '';
ALTER TABLE organisations ADD COLUMN logo {{.Blob}};
ALTER TABLE organisations ADD COLUMN logo_type TEXT NOT NULL DEFAULT '';
ALTER TABLE organisations ADD COLUMN logo_sha256 TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE organisations DROP COLUMN logo_sha256;
ALTER TABLE organisations DROP COLUMN logo_type;
ALTER TABLE organisations DROP COLUMN logo;
ALTER TABLE organisations DROP COLUMN brand_colour;
