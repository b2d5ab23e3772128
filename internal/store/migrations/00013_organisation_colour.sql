-- The organisation's colour: public pages carry the organisation's name and
-- colour, not the tool's. '' for none (the pages' own dark blue).

-- +goose Up
ALTER TABLE organisations ADD COLUMN brand_colour TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE organisations DROP COLUMN brand_colour;
