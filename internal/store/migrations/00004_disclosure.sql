-- Security-issue reporting (PSTI Schedule 1 paragraph 2): each
-- organisation's disclosure policy, the reports, their timelines and
-- attachments. Reports are evidence that the promises were kept: nothing
-- here is deleted, and timeline entries never change.

-- +goose Up
CREATE TABLE disclosure_policies (
    organisation_id BIGINT PRIMARY KEY REFERENCES organisations (id),
    revision        BIGINT NOT NULL DEFAULT 1,
    updated_at      {{.Time}} NOT NULL,
    doc             TEXT NOT NULL
);

CREATE TABLE reports (
    id                  {{.ID}},
    receipt_hash        {{.Blob}} NOT NULL UNIQUE,
    organisation_id     BIGINT REFERENCES organisations (id),
    product_id          BIGINT REFERENCES products (id),
    product_text        TEXT NOT NULL DEFAULT '',
    summary             TEXT NOT NULL,
    details             TEXT NOT NULL,
    contact_email       TEXT NOT NULL DEFAULT '',
    credit              TEXT NOT NULL DEFAULT '',
    status              TEXT NOT NULL CHECK (status IN ('received', 'acknowledged', 'investigating', 'resolved', 'duplicate', 'not_a_vulnerability')),
    severity            TEXT NOT NULL DEFAULT '',
    cvss                TEXT NOT NULL DEFAULT '',
    assignee_id         BIGINT REFERENCES users (id),
    duplicate_of        BIGINT REFERENCES reports (id),
    received_at         {{.Time}} NOT NULL,
    acknowledged_at     {{.Time}},
    last_update_at      {{.Time}},
    closed_at           {{.Time}},
    due_at              {{.Time}},
    due_what            TEXT NOT NULL DEFAULT '',
    staff_alerted_at    {{.Time}},
    overdue_alerted_for {{.Time}},
    revision            BIGINT NOT NULL DEFAULT 1,
    updated_at          {{.Time}} NOT NULL
);
CREATE INDEX reports_due ON reports (due_at);
CREATE INDEX reports_received ON reports (received_at);
CREATE INDEX reports_product ON reports (product_id);

CREATE TABLE report_events (
    id        {{.ID}},
    report_id BIGINT NOT NULL REFERENCES reports (id),
    at        {{.Time}} NOT NULL,
    kind      TEXT NOT NULL,
    public    INTEGER NOT NULL,
    status    TEXT NOT NULL DEFAULT '',
    body      TEXT NOT NULL DEFAULT '',
    author_id BIGINT,
    author    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX report_events_report ON report_events (report_id, id);

CREATE TABLE report_attachments (
    id           {{.ID}},
    report_id    BIGINT NOT NULL REFERENCES reports (id),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    data         {{.Blob}} NOT NULL
);
CREATE INDEX report_attachments_report ON report_attachments (report_id);

-- Published advisories: as published, never changed.
CREATE TABLE advisories (
    id              {{.ID}},
    tracking_id     TEXT NOT NULL UNIQUE,
    report_id       BIGINT NOT NULL REFERENCES reports (id),
    organisation_id BIGINT REFERENCES organisations (id),
    title           TEXT NOT NULL,
    summary         TEXT NOT NULL,
    remedy          TEXT NOT NULL,
    fixed_in        TEXT NOT NULL DEFAULT '',
    product         TEXT NOT NULL,
    severity        TEXT NOT NULL DEFAULT '',
    cvss            TEXT NOT NULL DEFAULT '',
    credit          TEXT NOT NULL DEFAULT '',
    published_at    {{.Time}} NOT NULL,
    csaf            TEXT NOT NULL
);

{{if .SQLite}}
-- +goose StatementBegin
CREATE TRIGGER reports_no_delete BEFORE DELETE ON reports
BEGIN SELECT RAISE(ABORT, 'reports are kept, never deleted'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER report_events_no_update BEFORE UPDATE ON report_events
BEGIN SELECT RAISE(ABORT, 'report timelines are append-only'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER report_events_no_delete BEFORE DELETE ON report_events
BEGIN SELECT RAISE(ABORT, 'report timelines are append-only'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER report_attachments_no_delete BEFORE DELETE ON report_attachments
BEGIN SELECT RAISE(ABORT, 'report attachments are kept, never deleted'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER advisories_no_update BEFORE UPDATE ON advisories
BEGIN SELECT RAISE(ABORT, 'published advisories do not change'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER advisories_no_delete BEFORE DELETE ON advisories
BEGIN SELECT RAISE(ABORT, 'published advisories do not change'); END;
-- +goose StatementEnd
{{else}}
CREATE TRIGGER reports_no_delete BEFORE DELETE ON reports FOR EACH ROW EXECUTE FUNCTION psti_refuse_change();
CREATE TRIGGER report_events_append_only BEFORE UPDATE OR DELETE ON report_events FOR EACH ROW EXECUTE FUNCTION psti_refuse_change();
CREATE TRIGGER report_attachments_no_delete BEFORE DELETE ON report_attachments FOR EACH ROW EXECUTE FUNCTION psti_refuse_change();
CREATE TRIGGER advisories_unchanging BEFORE UPDATE OR DELETE ON advisories FOR EACH ROW EXECUTE FUNCTION psti_refuse_change();
{{end}}

-- +goose Down
SELECT 1;
