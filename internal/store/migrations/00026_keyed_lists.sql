-- The lists still paged by offset now page by key too (DESIGN.md "Lists";
-- issue 16): the manufacturers' list, by name, gets the index of its
-- order, as migration 00022 gave the registry's other lists.

-- +goose Up
CREATE INDEX manufacturers_order ON manufacturers (lower(name), id);

-- +goose Down
SELECT 1;
