-- Security reports, continued. A report or a reply sent from a form is
-- stored once, however often the form is sent (a reload, a double click,
-- two posts at once): each form carries a one-time token, and the
-- SHA-256 of that token is a unique key written in the same transaction
-- as what the form adds. For a report the row also keeps its receipt
-- sealed under the token, so that the same browser sending the same form
-- again is shown the same receipt; rows are forgotten when the token
-- expires. Reports closed as not a vulnerability keep the reason the
-- reporter is told; files sent with a reporter's message name it; and a
-- report's duplicates are found through an index.

-- +goose Up
CREATE TABLE report_form_tokens (
    token_hash {{.Blob}} PRIMARY KEY,
    report_id  BIGINT NOT NULL REFERENCES reports (id),
    sealed     {{.Blob}},
    expires_at {{.Time}} NOT NULL
);
CREATE INDEX report_form_tokens_expiry ON report_form_tokens (expires_at);

ALTER TABLE reports ADD COLUMN reason TEXT NOT NULL DEFAULT '';
CREATE INDEX reports_duplicate_of ON reports (duplicate_of);

ALTER TABLE report_attachments ADD COLUMN event_id BIGINT REFERENCES report_events (id);

-- +goose Down
DROP INDEX reports_duplicate_of;
DROP TABLE report_form_tokens;
