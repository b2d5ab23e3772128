-- Outgoing e-mail. A change that should tell someone queues its mail here in
-- the same transaction, so the change and its mail are kept together or not
-- at all; the sender (internal/mail) hands it to the SMTP relay and retries
-- while the relay is away. Sent mail is kept: it shows that a reporter was
-- told (PSTI-VR-03).

-- +goose Up
CREATE TABLE mail_outbox (
    id              {{.ID}},
    kind            TEXT NOT NULL,
    ref             TEXT NOT NULL DEFAULT '',
    to_addr         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at {{.Time}} NOT NULL,
    lease_until     {{.Time}},
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      {{.Time}} NOT NULL,
    sent_at         {{.Time}}
);
-- Senders look for due queued mail; the others are only counted.
CREATE INDEX mail_outbox_due ON mail_outbox (state, next_attempt_at);
-- The mail sent about one record.
CREATE INDEX mail_outbox_ref ON mail_outbox (ref, id);

-- Mail is kept, and once sent or given up it does not change.
{{if .SQLite}}
-- +goose StatementBegin
CREATE TRIGGER mail_outbox_no_delete BEFORE DELETE ON mail_outbox
BEGIN SELECT RAISE(ABORT, 'mail is kept, never deleted'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER mail_outbox_finished BEFORE UPDATE ON mail_outbox WHEN OLD.state <> 'queued'
BEGIN SELECT RAISE(ABORT, 'sent or failed mail does not change'); END;
-- +goose StatementEnd
{{else}}
CREATE TRIGGER mail_outbox_no_delete BEFORE DELETE ON mail_outbox FOR EACH ROW EXECUTE FUNCTION psti_refuse_change();
CREATE TRIGGER mail_outbox_finished BEFORE UPDATE ON mail_outbox FOR EACH ROW WHEN (OLD.state <> 'queued') EXECUTE FUNCTION psti_refuse_change();
{{end}}

-- +goose Down
SELECT 1;
