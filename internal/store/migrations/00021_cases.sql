-- Compliance cases (package cases): the parties in a product's chain and
-- the roles the organisation plays; cases with their products, facts,
-- duties and timeline; notices drafted and sent; holds on supply; the
-- investigation and failure records of ss.12 and 20, which are kept as
-- made for 10 years and more (nothing here deletes or changes one); the
-- notices the enforcement authority gave; the organisation's targets; and
-- which alerts were sent.

-- +goose Up
CREATE TABLE parties (
    id              {{.ID}},
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    kind            TEXT NOT NULL CHECK (kind IN ('manufacturer', 'importer', 'distributor', 'authorised_representative', 'enforcement_authority', 'other')),
    name            TEXT NOT NULL,
    email           TEXT NOT NULL DEFAULT '',
    address         TEXT NOT NULL DEFAULT '',
    revision        BIGINT NOT NULL DEFAULT 1,
    created_at      {{.Time}} NOT NULL,
    updated_at      {{.Time}} NOT NULL,
    archived_at     {{.Time}}
);
CREATE INDEX parties_organisation ON parties (organisation_id, id);

CREATE TABLE product_roles (
    product_id BIGINT NOT NULL REFERENCES products (id),
    role       TEXT NOT NULL CHECK (role IN ('manufacturer', 'importer', 'distributor', 'authorised_representative')),
    PRIMARY KEY (product_id, role)
);

CREATE TABLE product_chain (
    product_id BIGINT NOT NULL REFERENCES products (id),
    party_id   BIGINT NOT NULL REFERENCES parties (id),
    relation   TEXT NOT NULL CHECK (relation IN ('manufacturer', 'other_manufacturer', 'obtained_from', 'supplied_importer', 'supplied_distributor', 'authorised_representative')),
    PRIMARY KEY (product_id, party_id, relation)
);
CREATE INDEX product_chain_party ON product_chain (party_id);

CREATE TABLE cases (
    id              {{.ID}},
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    title           TEXT NOT NULL,
    requirement_id  TEXT NOT NULL DEFAULT '',
    source          TEXT NOT NULL CHECK (source IN ('report', 'notice', 'staff')),
    report_id       BIGINT REFERENCES reports (id),
    source_note     TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    facts           TEXT NOT NULL,
    rules_version   TEXT NOT NULL,
    details         TEXT NOT NULL DEFAULT '',
    risks           TEXT NOT NULL DEFAULT '',
    steps           TEXT NOT NULL DEFAULT '',
    steps_worked    TEXT NOT NULL DEFAULT '',
    opened_at       {{.Time}} NOT NULL,
    opened_by       TEXT NOT NULL,
    updated_at      {{.Time}} NOT NULL,
    closed_at       {{.Time}},
    revision        BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX cases_status ON cases (status, id);
CREATE INDEX cases_organisation ON cases (organisation_id, id);
-- One case per security report: a second click finds the first.
CREATE UNIQUE INDEX cases_report ON cases (report_id) WHERE report_id IS NOT NULL;

CREATE TABLE case_items (
    id         {{.ID}},
    case_id    BIGINT NOT NULL REFERENCES cases (id),
    product_id BIGINT NOT NULL REFERENCES products (id),
    batch_id   BIGINT REFERENCES batches (id)
);
CREATE INDEX case_items_case ON case_items (case_id, id);
CREATE INDEX case_items_product ON case_items (product_id, case_id);

CREATE TABLE case_duties (
    case_id      BIGINT NOT NULL REFERENCES cases (id),
    duty_key     TEXT NOT NULL,
    ord          INTEGER NOT NULL,
    duty         TEXT NOT NULL,
    section      TEXT NOT NULL,
    timing       TEXT NOT NULL CHECK (timing IN ('as_soon_as_possible', 'as_soon_as_practicable', 'none')),
    to_text      TEXT NOT NULL DEFAULT '',
    state        TEXT NOT NULL CHECK (state IN ('open', 'done', 'not_required')),
    needs_review INTEGER NOT NULL DEFAULT 0,
    review       TEXT NOT NULL DEFAULT '',
    why          TEXT NOT NULL DEFAULT '',
    listed_at    {{.Time}} NOT NULL,
    firm_at      {{.Time}},
    target_at    {{.Time}},
    done_at      {{.Time}},
    done_by      TEXT NOT NULL DEFAULT '',
    note         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (case_id, duty_key)
);
-- Overdue duties: open, firm, with a target, earliest first.
CREATE INDEX case_duties_target ON case_duties (target_at) WHERE state = 'open' AND needs_review = 0 AND target_at IS NOT NULL;

CREATE TABLE case_events (
    id      {{.ID}},
    case_id BIGINT NOT NULL REFERENCES cases (id),
    at      {{.Time}} NOT NULL,
    actor   TEXT NOT NULL,
    kind    TEXT NOT NULL,
    text    TEXT NOT NULL
);
CREATE INDEX case_events_case ON case_events (case_id, id);

CREATE TABLE case_notices (
    id         {{.ID}},
    case_id    BIGINT NOT NULL REFERENCES cases (id),
    duty_key   TEXT NOT NULL,
    party_id   BIGINT REFERENCES parties (id),
    to_name    TEXT NOT NULL,
    to_email   TEXT NOT NULL DEFAULT '',
    method     TEXT NOT NULL CHECK (method IN ('email', 'post', 'other')),
    subject    TEXT NOT NULL,
    items      TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('draft', 'sent')),
    body       TEXT NOT NULL DEFAULT '',
    created_at {{.Time}} NOT NULL,
    created_by TEXT NOT NULL,
    sent_at    {{.Time}},
    sent_by    TEXT NOT NULL DEFAULT '',
    revision   BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX case_notices_case ON case_notices (case_id, id);

CREATE TABLE product_holds (
    id              {{.ID}},
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    product_id      BIGINT NOT NULL REFERENCES products (id),
    batch_id        BIGINT REFERENCES batches (id),
    case_id         BIGINT REFERENCES cases (id),
    reason          TEXT NOT NULL,
    placed_at       {{.Time}} NOT NULL,
    placed_by       TEXT NOT NULL,
    lifted_at       {{.Time}},
    lifted_by       TEXT NOT NULL DEFAULT '',
    lift_reason     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX product_holds_product ON product_holds (product_id, id);
CREATE INDEX product_holds_case ON product_holds (case_id, id);

CREATE TABLE compliance_records (
    id               {{.ID}},
    organisation_id  BIGINT NOT NULL REFERENCES organisations (id),
    case_id          BIGINT REFERENCES cases (id),
    kind             TEXT NOT NULL CHECK (kind IN ('investigation', 'failure', 'manufacturer_investigation')),
    section          TEXT NOT NULL,
    version          INTEGER NOT NULL,
    corrects         BIGINT REFERENCES compliance_records (id),
    why              TEXT NOT NULL DEFAULT '',
    products         TEXT NOT NULL,
    outcome          TEXT NOT NULL DEFAULT '',
    failure_found    INTEGER NOT NULL DEFAULT 0,
    failure_details  TEXT NOT NULL DEFAULT '',
    remedial_steps   TEXT NOT NULL DEFAULT '',
    remedy_succeeded TEXT NOT NULL DEFAULT '',
    missing_facts    TEXT NOT NULL DEFAULT '',
    steps_to_obtain  TEXT NOT NULL DEFAULT '',
    joint_with       TEXT NOT NULL DEFAULT '',
    made_at          {{.Time}} NOT NULL,
    made_by          TEXT NOT NULL,
    keep_until       TEXT NOT NULL
);
CREATE INDEX compliance_records_organisation ON compliance_records (organisation_id, id);
CREATE INDEX compliance_records_case ON compliance_records (case_id, id);
-- A record is corrected once: a later correction corrects the correction.
CREATE UNIQUE INDEX compliance_records_corrects ON compliance_records (corrects) WHERE corrects IS NOT NULL;

CREATE TABLE authority_notices (
    id              {{.ID}},
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    case_id         BIGINT REFERENCES cases (id),
    kind            TEXT NOT NULL CHECK (kind IN ('intent_compliance', 'intent_stop', 'intent_recall', 'intent_penalty', 'compliance', 'stop', 'recall', 'penalty')),
    reference       TEXT NOT NULL DEFAULT '',
    electronic      INTEGER NOT NULL DEFAULT 0,
    sent_at         {{.Time}} NOT NULL,
    given_at        {{.Time}} NOT NULL,
    act_by          TEXT NOT NULL DEFAULT '',
    note            TEXT NOT NULL DEFAULT '',
    recorded_at     {{.Time}} NOT NULL,
    recorded_by     TEXT NOT NULL
);
CREATE INDEX authority_notices_organisation ON authority_notices (organisation_id, id);
CREATE INDEX authority_notices_case ON authority_notices (case_id, id);

CREATE TABLE duty_targets (
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    duty            TEXT NOT NULL,
    working_days    INTEGER NOT NULL CHECK (working_days >= 0),
    PRIMARY KEY (organisation_id, duty)
);

CREATE TABLE case_alerts (
    alert_key TEXT PRIMARY KEY,
    at        {{.Time}} NOT NULL
);

-- Kept as made: records, notices from the authority, the timeline, and a
-- notice once sent.
{{if .SQLite}}
-- +goose StatementBegin
CREATE TRIGGER compliance_records_no_update BEFORE UPDATE ON compliance_records
BEGIN SELECT RAISE(ABORT, 'a compliance record is kept as it was made (ss.12, 20): correct it with a new version'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER compliance_records_no_delete BEFORE DELETE ON compliance_records
BEGIN SELECT RAISE(ABORT, 'a compliance record is kept for 10 years from the day it is made (ss.12(4), 20(4))'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER authority_notices_no_change BEFORE UPDATE ON authority_notices
BEGIN SELECT RAISE(ABORT, 'a notice from the authority is kept as recorded'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER authority_notices_no_delete BEFORE DELETE ON authority_notices
BEGIN SELECT RAISE(ABORT, 'a notice from the authority is kept as recorded'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
BEGIN SELECT RAISE(ABORT, 'a case timeline is kept as written'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
BEGIN SELECT RAISE(ABORT, 'a case timeline is kept as written'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER case_notices_sent BEFORE UPDATE ON case_notices WHEN OLD.state = 'sent'
BEGIN SELECT RAISE(ABORT, 'a notice is kept as it was sent'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER case_notices_no_delete BEFORE DELETE ON case_notices WHEN OLD.state = 'sent'
BEGIN SELECT RAISE(ABORT, 'a notice is kept as it was sent'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER cases_no_delete BEFORE DELETE ON cases
BEGIN SELECT RAISE(ABORT, 'a case is kept'); END;
-- +goose StatementEnd
{{else}}
CREATE TRIGGER compliance_records_kept BEFORE UPDATE OR DELETE ON compliance_records FOR EACH ROW EXECUTE FUNCTION psti_refuse_change();
CREATE TRIGGER compliance_records_no_truncate BEFORE TRUNCATE ON compliance_records FOR EACH STATEMENT EXECUTE FUNCTION psti_refuse_change();
CREATE TRIGGER authority_notices_kept BEFORE UPDATE OR DELETE ON authority_notices FOR EACH ROW EXECUTE FUNCTION psti_refuse_change();
CREATE TRIGGER authority_notices_no_truncate BEFORE TRUNCATE ON authority_notices FOR EACH STATEMENT EXECUTE FUNCTION psti_refuse_change();
CREATE TRIGGER case_events_kept BEFORE UPDATE OR DELETE ON case_events FOR EACH ROW EXECUTE FUNCTION psti_refuse_change();
CREATE TRIGGER case_events_no_truncate BEFORE TRUNCATE ON case_events FOR EACH STATEMENT EXECUTE FUNCTION psti_refuse_change();
CREATE TRIGGER case_notices_sent BEFORE UPDATE OR DELETE ON case_notices FOR EACH ROW WHEN (OLD.state = 'sent') EXECUTE FUNCTION psti_refuse_change();
CREATE TRIGGER case_notices_no_truncate BEFORE TRUNCATE ON case_notices FOR EACH STATEMENT EXECUTE FUNCTION psti_refuse_change();
CREATE TRIGGER cases_no_delete BEFORE DELETE ON cases FOR EACH ROW EXECUTE FUNCTION psti_refuse_change();
CREATE TRIGGER cases_no_truncate BEFORE TRUNCATE ON cases FOR EACH STATEMENT EXECUTE FUNCTION psti_refuse_change();
{{end}}

-- +goose Down
-- Not undone: records are kept.
SELECT 1;
