-- The foundation: the product register, people and access, and the audit
-- trail. Rendered per back end: {{.ID}}, {{.Time}} and {{.Blob}} come from
-- dialect.go.

-- +goose Up
CREATE TABLE organisations (
    id          {{.ID}},
    revision    BIGINT NOT NULL DEFAULT 1,
    created_at  {{.Time}} NOT NULL,
    updated_at  {{.Time}} NOT NULL,
    archived_at {{.Time}},
    legal_name  TEXT NOT NULL,
    address     TEXT NOT NULL,
    website     TEXT NOT NULL DEFAULT ''
);

CREATE TABLE manufacturers (
    id          {{.ID}},
    revision    BIGINT NOT NULL DEFAULT 1,
    created_at  {{.Time}} NOT NULL,
    updated_at  {{.Time}} NOT NULL,
    archived_at {{.Time}},
    name        TEXT NOT NULL,
    address     TEXT NOT NULL,
    website     TEXT NOT NULL DEFAULT ''
);

CREATE TABLE brands (
    id              {{.ID}},
    revision        BIGINT NOT NULL DEFAULT 1,
    created_at      {{.Time}} NOT NULL,
    updated_at      {{.Time}} NOT NULL,
    archived_at     {{.Time}},
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    name            TEXT NOT NULL,
    website         TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX brands_name ON brands (organisation_id, lower(name));

CREATE TABLE products (
    id               {{.ID}},
    revision         BIGINT NOT NULL DEFAULT 1,
    created_at       {{.Time}} NOT NULL,
    updated_at       {{.Time}} NOT NULL,
    archived_at      {{.Time}},
    brand_id         BIGINT NOT NULL REFERENCES brands (id),
    name             TEXT NOT NULL,
    type             TEXT NOT NULL,
    model_number     TEXT NOT NULL,
    hardware_version TEXT NOT NULL DEFAULT '',
    description      TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX products_model ON products (brand_id, lower(model_number), lower(hardware_version));
CREATE INDEX products_brand ON products (brand_id);

-- Every manufacturer of a product, in the order they are named (PSTI-S-07).
CREATE TABLE product_manufacturers (
    product_id      BIGINT NOT NULL REFERENCES products (id),
    manufacturer_id BIGINT NOT NULL REFERENCES manufacturers (id),
    position        INTEGER NOT NULL,
    PRIMARY KEY (product_id, manufacturer_id)
);
CREATE INDEX product_manufacturers_manufacturer ON product_manufacturers (manufacturer_id);

CREATE TABLE product_identifiers (
    product_id BIGINT NOT NULL REFERENCES products (id),
    position   INTEGER NOT NULL,
    scheme     TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (product_id, position)
);
-- A GTIN names one trade item: two products may not share one.
CREATE UNIQUE INDEX product_identifiers_gtin ON product_identifiers (value) WHERE scheme = 'gtin';

CREATE TABLE versions (
    id          {{.ID}},
    revision    BIGINT NOT NULL DEFAULT 1,
    created_at  {{.Time}} NOT NULL,
    updated_at  {{.Time}} NOT NULL,
    archived_at {{.Time}},
    product_id  BIGINT NOT NULL REFERENCES products (id),
    component   TEXT NOT NULL,
    version     TEXT NOT NULL,
    released_on TEXT NOT NULL DEFAULT '',
    notes       TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX versions_unique ON versions (product_id, lower(component), version);

CREATE TABLE batches (
    id             {{.ID}},
    revision       BIGINT NOT NULL DEFAULT 1,
    created_at     {{.Time}} NOT NULL,
    updated_at     {{.Time}} NOT NULL,
    archived_at    {{.Time}},
    product_id     BIGINT NOT NULL REFERENCES products (id),
    code           TEXT NOT NULL,
    first_produced TEXT NOT NULL DEFAULT '',
    last_produced  TEXT NOT NULL DEFAULT '',
    quantity       BIGINT NOT NULL DEFAULT 0,
    notes          TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX batches_code ON batches (product_id, code);

CREATE TABLE users (
    id                  {{.ID}},
    revision            BIGINT NOT NULL DEFAULT 1,
    created_at          {{.Time}} NOT NULL,
    updated_at          {{.Time}} NOT NULL,
    disabled_at         {{.Time}},
    email               TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL DEFAULT '',
    role                TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    password_hash       TEXT NOT NULL DEFAULT '',
    password_changed_at {{.Time}}
);

-- One-time setup links. Only the SHA-256 of the code is kept.
CREATE TABLE invitations (
    id         {{.ID}},
    token_hash {{.Blob}} NOT NULL UNIQUE,
    email      TEXT NOT NULL DEFAULT '',
    role       TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    created_at {{.Time}} NOT NULL,
    expires_at {{.Time}} NOT NULL,
    used_at    {{.Time}},
    created_by TEXT NOT NULL DEFAULT ''
);

-- API tokens. Only the SHA-256 of the token is kept.
CREATE TABLE api_tokens (
    id           {{.ID}},
    user_id      BIGINT NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    hint         TEXT NOT NULL,
    token_hash   {{.Blob}} NOT NULL UNIQUE,
    created_at   {{.Time}} NOT NULL,
    expires_at   {{.Time}},
    last_used_at {{.Time}},
    revoked_at   {{.Time}}
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Browser sessions, under the SHA-256 of the cookie value.
CREATE TABLE sessions (
    token_hash {{.Blob}} PRIMARY KEY,
    data       {{.Blob}} NOT NULL,
    expires_at {{.Time}} NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- The append-only audit trail: who changed what, when, before and after.
CREATE TABLE audit_log (
    id             {{.ID}},
    at             {{.Time}} NOT NULL,
    actor_user_id  BIGINT,
    actor_token_id BIGINT,
    actor_label    TEXT NOT NULL,
    action         TEXT NOT NULL,
    entity         TEXT NOT NULL,
    entity_id      BIGINT NOT NULL,
    before         TEXT,
    after          TEXT
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id, id);

-- The database itself refuses to rewrite history: audit entries cannot be
-- changed or removed, and records that legal documents may point to cannot be
-- deleted (they are archived instead).
{{if .SQLite}}
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER organisations_no_delete BEFORE DELETE ON organisations
BEGIN SELECT RAISE(ABORT, 'organisations are archived, never deleted'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER manufacturers_no_delete BEFORE DELETE ON manufacturers
BEGIN SELECT RAISE(ABORT, 'manufacturers are archived, never deleted'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER brands_no_delete BEFORE DELETE ON brands
BEGIN SELECT RAISE(ABORT, 'brands are archived, never deleted'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER products_no_delete BEFORE DELETE ON products
BEGIN SELECT RAISE(ABORT, 'products are archived, never deleted'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER versions_no_delete BEFORE DELETE ON versions
BEGIN SELECT RAISE(ABORT, 'versions are archived, never deleted'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER batches_no_delete BEFORE DELETE ON batches
BEGIN SELECT RAISE(ABORT, 'batches are archived, never deleted'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER users_no_delete BEFORE DELETE ON users
BEGIN SELECT RAISE(ABORT, 'users are disabled, never deleted'); END;
-- +goose StatementEnd
{{else}}
-- +goose StatementBegin
CREATE FUNCTION psti_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on % is refused: psti keeps this history', TG_OP, TG_TABLE_NAME;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION psti_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION psti_refuse_change();
CREATE TRIGGER organisations_no_delete BEFORE DELETE ON organisations FOR EACH ROW EXECUTE FUNCTION psti_refuse_change();
CREATE TRIGGER manufacturers_no_delete BEFORE DELETE ON manufacturers FOR EACH ROW EXECUTE FUNCTION psti_refuse_change();
CREATE TRIGGER brands_no_delete BEFORE DELETE ON brands FOR EACH ROW EXECUTE FUNCTION psti_refuse_change();
CREATE TRIGGER products_no_delete BEFORE DELETE ON products FOR EACH ROW EXECUTE FUNCTION psti_refuse_change();
CREATE TRIGGER versions_no_delete BEFORE DELETE ON versions FOR EACH ROW EXECUTE FUNCTION psti_refuse_change();
CREATE TRIGGER batches_no_delete BEFORE DELETE ON batches FOR EACH ROW EXECUTE FUNCTION psti_refuse_change();
CREATE TRIGGER users_no_delete BEFORE DELETE ON users FOR EACH ROW EXECUTE FUNCTION psti_refuse_change();
{{end}}

-- +goose Down
-- Going down loses the audit trail; restore a backup instead.
SELECT 1;
