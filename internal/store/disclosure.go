package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/mail"
	"github.com/psti/psti/internal/psti"
)

// ---- security-issue reports (disclosure.Store) ----

const reportCols = `id, organisation_id, product_id, product_text, summary, details, contact_email, credit, status, severity, cvss,
	assignee_id, duplicate_of, reason, received_at, acknowledged_at, last_update_at, closed_at, due_at, due_what, revision, updated_at`

func scanReport(row interface{ Scan(...any) error }) (*disclosure.Report, error) {
	r := &disclosure.Report{}
	var org, prod, assignee, dup sql.NullInt64
	err := row.Scan(&r.ID, &org, &prod, &r.ProductText, &r.Summary, &r.Details, &r.ContactEmail, &r.Credit, &r.Status, &r.Severity, &r.CVSS,
		&assignee, &dup, &r.Reason, &r.ReceivedAt, &r.AcknowledgedAt, &r.LastUpdateAt, &r.ClosedAt, &r.Due, &r.DueWhat, &r.Revision, &r.UpdatedAt)
	if err != nil {
		return nil, err
	}
	r.OrganisationID, r.ProductID, r.AssigneeID, r.DuplicateOf = org.Int64, prod.Int64, assignee.Int64, dup.Int64
	return r, nil
}

func mails(ms []disclosure.Mail) []mail.Message {
	out := make([]mail.Message, len(ms))
	for i, m := range ms {
		out[i] = mail.Message{To: m.To, Subject: m.Subject, Text: m.Text, Kind: m.Kind, Ref: m.Ref}
	}
	return out
}

// intake groups the reports that arrive together into one transaction, so
// that one flush to disk makes many reports durable: each submitter still
// waits until its own report is committed.
type intake struct {
	once    sync.Once
	in      chan *submission
	stop    chan struct{}
	stopped chan struct{}
	// stmts holds the group inserts prepared so far, by kind and group
	// size: parsing them again for every group would cost more than the
	// insert. mu guards it: PostgreSQL has several committers.
	mu    sync.Mutex
	stmts map[stmtKey]*sql.Stmt
}

type stmtKey struct {
	table string
	n     int
}

// groupStmt returns the prepared insert of n rows into table. It must be
// called outside a transaction: on SQLite the one write connection is the
// transaction's while it lasts.
func (db *DB) groupStmt(ctx context.Context, table string, n int, build func() string) (*sql.Stmt, error) {
	db.intake.mu.Lock()
	defer db.intake.mu.Unlock()
	if db.intake.stmts == nil {
		db.intake.stmts = map[stmtKey]*sql.Stmt{}
	}
	k := stmtKey{table, n}
	st := db.intake.stmts[k]
	if st == nil {
		var err error
		if st, err = db.rw.PrepareContext(ctx, build()); err != nil {
			return nil, fmt.Errorf("store: unable to prepare the insert into %s: %w", table, err)
		}
		db.intake.stmts[k] = st
	}
	return st, nil
}

type submission struct {
	ctx   context.Context
	r     *disclosure.Report
	hash  []byte
	once  *disclosure.Once
	e     disclosure.Event
	mails []disclosure.Mail
	done  chan error
}

// maxGroup bounds how many reports one transaction commits.
const maxGroup = 256

// SubmitReport stores a new report and returns once it is durably
// committed, together with any others that arrived at the same time.
func (db *DB) SubmitReport(ctx context.Context, r *disclosure.Report, receiptHash []byte, e disclosure.Event, ms ...disclosure.Mail) error {
	return db.SubmitReportOnce(ctx, r, receiptHash, nil, e, ms...)
}

// SubmitReportOnce is SubmitReport with the key of the form the report
// came from, written in the same transaction; see disclosure.Store.
func (db *DB) SubmitReportOnce(ctx context.Context, r *disclosure.Report, receiptHash []byte, once *disclosure.Once, e disclosure.Event, ms ...disclosure.Mail) error {
	db.intake.once.Do(func() {
		db.intake.in = make(chan *submission, 4*maxGroup)
		db.intake.stop = make(chan struct{})
		db.intake.stopped = make(chan struct{})
		// SQLite has one writer: a second committer would only wait for
		// the first. PostgreSQL commits several transactions at once
		// and merges their flushes to disk, so there one committer per
		// core commits a group while the others are in flight. Each
		// holds a connection of the pool (4 per core) while it commits;
		// the rest are left to readers. One transaction per report, or
		// more committers, made smaller groups whose per-statement work
		// (the counters' trigger, the round trips) cost more than the
		// concurrency gave (docs/benchmarks.md).
		n := 1
		if !db.dialect.sqlite {
			n = runtime.GOMAXPROCS(0)
		}
		var wg sync.WaitGroup
		for range n {
			wg.Go(db.commitReports)
		}
		go func() {
			wg.Wait()
			close(db.intake.stopped)
		}()
	})
	s := &submission{ctx: context.WithoutCancel(ctx), r: r, hash: receiptHash, once: once, e: e, mails: ms, done: make(chan error, 1)}
	select {
	case db.intake.in <- s:
	case <-db.intake.stop:
		return psti.Errorf(psti.EUNAVAILABLE, "The server is stopping; send the report again in a moment.")
	}
	select {
	case err := <-s.done:
		return err
	case <-db.intake.stopped:
		// The committer ended after taking the report: it answered, or
		// the report was not stored.
		select {
		case err := <-s.done:
			return err
		default:
			return psti.Errorf(psti.EUNAVAILABLE, "The server is stopping; send the report again in a moment.")
		}
	}
}

// closeIntake stops the committer after it has committed what it holds.
func (db *DB) closeIntake() {
	if db.intake.in == nil {
		return
	}
	close(db.intake.stop)
	<-db.intake.stopped
	for _, st := range db.intake.stmts {
		st.Close()
	}
}

func (db *DB) commitReports() {
	group := make([]*submission, 0, maxGroup)
	for {
		group = group[:0]
		select {
		case s := <-db.intake.in:
			group = append(group, s)
		case <-db.intake.stop:
			// Commit what is already waiting, then end.
			for {
				select {
				case s := <-db.intake.in:
					group = append(group, s)
					if len(group) == maxGroup {
						db.commitGroup(group)
						group = group[:0]
					}
					continue
				default:
				}
				break
			}
			if len(group) > 0 {
				db.commitGroup(group)
			}
			return
		}
	more:
		for len(group) < maxGroup {
			select {
			case s := <-db.intake.in:
				group = append(group, s)
			default:
				break more
			}
		}
		db.commitGroup(group)
	}
}

// commitGroup commits a group in one transaction. If that fails, each
// report is tried on its own, so one bad report cannot sink the others.
func (db *DB) commitGroup(group []*submission) {
	if len(group) > 1 {
		if err := db.insertReports(group); err == nil {
			for _, s := range group {
				s.done <- nil
			}
			return
		}
	}
	for _, s := range group {
		s.done <- db.insertReports([]*submission{s})
	}
}

// insertReports stores a group of new reports in one transaction: one
// statement for all the reports, one for their first events, then any
// attachments and e-mail. On SQLite the group inserts bind their
// parameters by position ("?"): the driver looks a "$N" name up for each
// parameter, which for a group of 256 reports (3,328 parameters) took a
// sixth of the committer's time.
func (db *DB) insertReports(group []*submission) error {
	ctx := group[0].ctx
	const reportFields, eventFields = 13, 8
	// The ids come back with the receipt hashes they belong to: the order
	// of RETURNING rows is not promised.
	insReports, err := db.groupStmt(ctx, "reports", len(group), func() string {
		var q strings.Builder
		q.WriteString(`INSERT INTO reports (receipt_hash, organisation_id, product_id, product_text, summary, details,
		contact_email, credit, status, received_at, due_at, due_what, updated_at, revision) VALUES `)
		for i := range group {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(" + db.dialect.params(i*reportFields+1, reportFields) + ", 1)")
		}
		q.WriteString(` RETURNING id, receipt_hash`)
		return q.String()
	})
	if err != nil {
		return err
	}
	insEvents, err := db.groupStmt(ctx, "report_events", len(group), func() string {
		var q strings.Builder
		q.WriteString(`INSERT INTO report_events (report_id, at, kind, public, status, body, author_id, author) VALUES `)
		for i := range group {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(" + db.dialect.params(i*eventFields+1, eventFields) + ")")
		}
		return q.String()
	})
	if err != nil {
		return err
	}
	addCount, err := db.groupStmt(ctx, "report_counts", 1, db.dialect.addReportCount)
	if err != nil {
		return err
	}

	tx, err := db.rw.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: unable to begin a transaction: %w", err)
	}
	defer tx.Rollback()
	now := db.now()

	args := make([]any, 0, reportFields*len(group))
	byHash := make(map[string]*submission, len(group))
	for _, s := range group {
		r := s.r
		r.ReceivedAt = r.ReceivedAt.UTC().Truncate(time.Microsecond)
		r.Due = usec(r.Due)
		args = append(args, s.hash, nullInt(r.OrganisationID), nullInt(r.ProductID), r.ProductText, r.Summary, r.Details,
			r.ContactEmail, r.Credit, r.Status, r.ReceivedAt, r.Due, r.DueWhat, r.ReceivedAt)
		byHash[string(s.hash)] = s
	}
	rows, err := tx.StmtContext(ctx, insReports).QueryContext(ctx, args...)
	if err != nil {
		return fmt.Errorf("store: unable to store reports: %w", err)
	}
	for rows.Next() {
		var id int64
		var hash []byte
		if err := rows.Scan(&id, &hash); err != nil {
			rows.Close()
			return fmt.Errorf("store: unable to store reports: %w", err)
		}
		if s := byHash[string(hash)]; s != nil {
			s.r.ID = id
		}
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("store: unable to store reports: %w", err)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: unable to store reports: %w", err)
	}

	args = args[:0]
	for i, s := range group {
		r := s.r
		if r.ID == 0 {
			return fmt.Errorf("store: report %d of the group got no id", i)
		}
		r.Revision, r.UpdatedAt = 1, r.ReceivedAt
		s.e.ReportID = r.ID
		args = append(args, eventArgs(&s.e)...)
	}
	if _, err := tx.StmtContext(ctx, insEvents).ExecContext(ctx, args...); err != nil {
		return fmt.Errorf("store: unable to start the reports' timelines: %w", err)
	}
	if err := db.countNewReports(ctx, tx.StmtContext(ctx, addCount), group); err != nil {
		return err
	}

	if err := db.writeRest(ctx, tx, now, group); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: unable to commit reports: %w", err)
	}
	return nil
}

// reportCounter is one row of report_counts: the reports of a status whose
// next promise falls due on a day (days since 1970, UTC; -1 for none), in
// one shard.
type reportCounter struct {
	status string
	day    int64
	shard  int64
}

// dueDay is the day of report_counts that due falls on, as the triggers on
// a change to a report work it out: SQLite's integer division truncates,
// PostgreSQL's floor rounds down (the two differ only before 1970).
func (d *dialect) dueDay(due *time.Time) int64 {
	if due == nil {
		return -1
	}
	s := due.Unix()
	if d.sqlite || s >= 0 {
		return s / 86400
	}
	return -((-s + 86399) / 86400)
}

// countNewReports adds a group of new reports to the dashboard's counters
// in report_counts, once for each counter the group touches (the counts
// must stay exact: storetest's intake contract and TestReportCounts check
// them). No trigger counts an insert (migration 00025): every insert into
// reports is the intake committer's, but for a copy between back ends,
// which recounts (recountReports). On SQLite the shard is the report's id
// modulo 4, which the trigger on a change subtracts from; on PostgreSQL
// addReportCount takes it from the transaction, so that committers in
// flight together add to rows of their own. The counters are added in key
// order, as the trigger on a change does, so that two transactions never
// wait on each other in a cycle.
func (db *DB) countNewReports(ctx context.Context, add *sql.Stmt, group []*submission) error {
	counts := make(map[reportCounter]int64, 4)
	for _, s := range group {
		k := reportCounter{status: s.r.Status, day: db.dialect.dueDay(s.r.Due)}
		if db.dialect.sqlite {
			k.shard = s.r.ID % 4
		}
		counts[k]++
	}
	keys := make([]reportCounter, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b reportCounter) int {
		return cmp.Or(cmp.Compare(a.status, b.status), cmp.Compare(a.day, b.day), cmp.Compare(a.shard, b.shard))
	})
	for _, k := range keys {
		args := []any{k.status, k.day, k.shard, counts[k]}
		if !db.dialect.sqlite {
			args = []any{k.status, k.day, counts[k]}
		}
		if _, err := add.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("store: unable to count the new reports: %w", err)
		}
	}
	return nil
}

// addReportCount is the statement countNewReports adds to one counter
// with: its status, due day and shard (on SQLite; on PostgreSQL the
// transaction's), and how many.
func (d *dialect) addReportCount() string {
	values := "?, ?, ?, ?"
	if !d.sqlite {
		values = "$1, $2, (txid_current() % 8)::integer, $3"
	}
	return `INSERT INTO report_counts (status, due_day, shard, n) VALUES (` + values + `)
		ON CONFLICT (status, due_day, shard) DO UPDATE SET n = report_counts.n + excluded.n`
}

// recountReports counts every report into report_counts afresh, as
// migration 00022 first did: for a copy, whose inserts no trigger counts.
func (d *dialect) recountReports(ctx context.Context, q querier) error {
	count := `INSERT INTO report_counts (status, due_day, shard, n)
		SELECT status, COALESCE(floor(extract(epoch FROM due_at) / 86400)::bigint, -1), 0, COUNT(*) FROM reports GROUP BY 1, 2`
	if d.sqlite {
		count = `INSERT INTO report_counts (status, due_day, shard, n)
		SELECT status, COALESCE(CAST(strftime('%s', due_at) AS INTEGER) / 86400, -1), id % 4, COUNT(*) FROM reports GROUP BY 1, 2, 3`
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM report_counts`); err != nil {
		return fmt.Errorf("store: unable to count the reports: %w", err)
	}
	if _, err := q.ExecContext(ctx, count); err != nil {
		return fmt.Errorf("store: unable to count the reports: %w", err)
	}
	return nil
}

// params returns n parameters numbered from "from": "$from, …" on
// PostgreSQL, and on SQLite "?, ?, …", bound by position (the driver looks
// a "$N" name up for each parameter).
func (d *dialect) params(from, n int) string {
	if d.sqlite {
		return strings.Repeat("?, ", n-1) + "?"
	}
	return placeholders(from, n)
}

// writeRest writes what comes with a group of reports after their rows:
// the keys of their forms, their files and their e-mail.
func (db *DB) writeRest(ctx context.Context, tx *sql.Tx, now time.Time, group []*submission) error {
	if err := db.writeFormKeys(ctx, tx, now, group); err != nil {
		return err
	}
	for _, s := range group {
		r := s.r
		for i := range r.Attachments {
			if err := db.insertAttachment(ctx, tx, r.ID, 0, &r.Attachments[i]); err != nil {
				return err
			}
		}
		if err := db.queueReportMail(ctx, tx, now, r.ID, s.mails); err != nil {
			return err
		}
	}
	return nil
}

// writeFormKeys writes the keys of the forms a group of reports came from,
// after forgetting expired ones. A key written before fails the whole
// transaction with ErrFormSent: the group is then tried a report at a
// time, and only the form sent twice is refused.
func (db *DB) writeFormKeys(ctx context.Context, tx *sql.Tx, now time.Time, group []*submission) error {
	first := true
	for _, s := range group {
		if s.once == nil {
			continue
		}
		if first {
			if err := db.forgetForms(ctx, tx, now); err != nil {
				return err
			}
			first = false
		}
		if err := db.writeFormKey(ctx, tx, s.r.ID, s.once); err != nil {
			return err
		}
	}
	return nil
}

func (db *DB) forgetForms(ctx context.Context, tx *sql.Tx, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM report_form_tokens WHERE expires_at < $1`, now.UTC()); err != nil {
		return fmt.Errorf("store: unable to forget expired forms: %w", err)
	}
	return nil
}

func (db *DB) writeFormKey(ctx context.Context, tx *sql.Tx, reportID int64, once *disclosure.Once) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO report_form_tokens (token_hash, report_id, sealed, expires_at) VALUES ($1, $2, $3, $4)`,
		once.Key, reportID, once.Sealed, once.Expires.UTC().Truncate(time.Microsecond))
	if isUnique(err) {
		return &psti.Error{Code: psti.ECONFLICT, Message: "This form was sent already.", Err: disclosure.ErrFormSent}
	}
	if err != nil {
		return fmt.Errorf("store: unable to keep a form's key: %w", err)
	}
	return nil
}

// FormSent returns the report a form's key was written with; see
// disclosure.Store.
func (db *DB) FormSent(ctx context.Context, key []byte, now time.Time) (int64, []byte, error) {
	var id int64
	var sealed []byte
	err := db.ro.QueryRowContext(ctx, `SELECT report_id, sealed FROM report_form_tokens WHERE token_hash = $1 AND expires_at >= $2`, key, now.UTC()).Scan(&id, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, psti.Errorf(psti.ENOTFOUND, "No form was sent with that key.")
	}
	if err != nil {
		return 0, nil, fmt.Errorf("store: unable to look up a form: %w", err)
	}
	return id, sealed, nil
}

// AddMessage appends a reporter's message with its files, and the key of
// its form; see disclosure.Store.
func (db *DB) AddMessage(ctx context.Context, a psti.Actor, id int64, e *disclosure.Event, once *disclosure.Once, files []disclosure.Attachment) error {
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		r, err := db.report(ctx, tx, id, db.dialect.forUpdate)
		if err != nil {
			return nil, err
		}
		if once != nil {
			if err := db.forgetForms(ctx, tx, now); err != nil {
				return nil, err
			}
			if err := db.writeFormKey(ctx, tx, id, once); err != nil {
				return nil, err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE reports SET revision = revision + 1, updated_at = $1 WHERE id = $2`, now, id); err != nil {
			return nil, fmt.Errorf("store: unable to save report %d: %w", id, err)
		}
		e.ReportID, e.Status = id, r.Status
		err = tx.QueryRowContext(ctx, `INSERT INTO report_events (report_id, at, kind, public, status, body, author_id, author)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, eventArgs(e)...).Scan(&e.ID)
		if err != nil {
			return nil, fmt.Errorf("store: unable to add to report %d's timeline: %w", id, err)
		}
		for i := range files {
			if err := db.insertAttachment(ctx, tx, id, e.ID, &files[i]); err != nil {
				return nil, err
			}
			files[i].EventID = e.ID
		}
		return &change{e.Kind, "report", id, reportSummary(r), reportSummary(r)}, nil
	})
}

// Duplicates lists the reports closed as duplicates of report id, oldest
// first.
func (db *DB) Duplicates(ctx context.Context, id int64) ([]*disclosure.Report, error) {
	return db.queryReports(ctx, `SELECT `+reportCols+` FROM reports WHERE duplicate_of = $1 ORDER BY id LIMIT 1000`, id)
}

// chunkSize is the most of an attachment kept in one row: the most that
// is held in memory at once while a file is stored or read back.
const chunkSize = 1 << 20

// insertAttachment stores a's description and then its content, read from
// the start in pieces of chunkSize, inside tx; it sets a's id, and refuses
// content whose length is not a.Size.
func (db *DB) insertAttachment(ctx context.Context, tx *sql.Tx, reportID, eventID int64, a *disclosure.Attachment) error {
	if a.Content == nil {
		return fmt.Errorf("store: attachment %q has no content", a.Name)
	}
	// The content may have been read by an earlier try of the same group.
	if _, err := a.Content.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("store: unable to read attachment %q: %w", a.Name, err)
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO report_attachments (report_id, name, content_type, size, sha256, data, event_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, reportID, a.Name, a.ContentType, a.Size, a.SHA256, []byte{}, nullInt(eventID)).Scan(&a.ID)
	if err != nil {
		return fmt.Errorf("store: unable to store attachment: %w", err)
	}
	buf := make([]byte, chunkSize)
	var size int64
	for seq := 0; ; seq++ {
		n, err := io.ReadFull(a.Content, buf)
		if n > 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO report_attachment_chunks (attachment_id, seq, data) VALUES ($1, $2, $3)`, a.ID, seq, buf[:n]); err != nil {
				return fmt.Errorf("store: unable to store attachment: %w", err)
			}
			size += int64(n)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return fmt.Errorf("store: unable to read attachment %q: %w", a.Name, err)
		}
	}
	if size != a.Size {
		return fmt.Errorf("store: attachment %q has %d bytes, not the %d described", a.Name, size, a.Size)
	}
	return nil
}

// eventArgs are an event's values in the column order of report_events,
// its time as the database keeps it.
func eventArgs(e *disclosure.Event) []any {
	e.At = e.At.UTC().Truncate(time.Microsecond)
	public := 0
	if e.Public {
		public = 1
	}
	return []any{e.ReportID, e.At, e.Kind, public, e.Status, e.Body, nullInt(e.AuthorID), e.Author}
}

// addEvent appends e to its report's timeline, and queues the e-mail about
// the report (ms, whose Ref it sets), inside tx.
func (db *DB) addEvent(ctx context.Context, tx *sql.Tx, now time.Time, e *disclosure.Event, ms ...disclosure.Mail) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO report_events (report_id, at, kind, public, status, body, author_id, author)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, eventArgs(e)...)
	if err != nil {
		return fmt.Errorf("store: unable to add to report %d's timeline: %w", e.ReportID, err)
	}
	return db.queueReportMail(ctx, tx, now, e.ReportID, ms)
}

// queueReportMail queues the e-mail about a report inside tx.
func (db *DB) queueReportMail(ctx context.Context, tx *sql.Tx, now time.Time, reportID int64, ms []disclosure.Mail) error {
	if len(ms) == 0 {
		return nil
	}
	for i := range ms {
		ms[i].Ref = fmt.Sprintf("report:%d", reportID)
	}
	return db.enqueueMail(ctx, tx, now, mails(ms)...)
}

// ReportByReceipt finds a report by its receipt's hash. The hash is looked
// up through the unique index; the code itself is never stored.
func (db *DB) ReportByReceipt(ctx context.Context, hash []byte) (*disclosure.Report, error) {
	r, err := scanReport(db.ro.QueryRowContext(ctx, `SELECT `+reportCols+` FROM reports WHERE receipt_hash = $1`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, psti.Errorf(psti.ENOTFOUND, "There is no report with that receipt code.")
	}
	if err != nil {
		return nil, fmt.Errorf("store: unable to read a report: %w", err)
	}
	return r, nil
}

func (db *DB) report(ctx context.Context, q querier, id int64, lock string) (*disclosure.Report, error) {
	r, err := scanReport(q.QueryRowContext(ctx, `SELECT `+reportCols+` FROM reports WHERE id = $1`+lock, id))
	if err := notFound(err, "report", id); err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT id, name, content_type, size, sha256, event_id FROM report_attachments WHERE report_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list attachments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a disclosure.Attachment
		var event sql.NullInt64
		if err := rows.Scan(&a.ID, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &event); err != nil {
			return nil, fmt.Errorf("store: unable to read attachment: %w", err)
		}
		a.EventID = event.Int64
		r.Attachments = append(r.Attachments, a)
	}
	return r, rows.Err()
}

// Report returns one report.
func (db *DB) Report(ctx context.Context, id int64) (*disclosure.Report, error) {
	return db.report(ctx, db.ro, id, "")
}

// openStatuses is the SQL for a report still owed updates (disclosure.Open).
// It is written the same wherever it is used: SQLite uses the partial index
// reports_open_undated only for a query that repeats its condition.
const openStatuses = `status IN ('received', 'acknowledged', 'investigating')`

// reportConds are the conditions that select f's reports, with their
// arguments, numbered from $1.
func reportConds(f disclosure.Filter) ([]string, []any) {
	return reportCondsDated(f, false)
}

// reportCondsDated is reportConds for reports with a promise due when
// dated is true: those are all open (SaveReport and migration 00022 keep
// it so), so "open" asks nothing of their status. Asking would mislead
// both planners to the status index and a sort of all open reports:
// PostgreSQL takes "open" and "due" for independent conditions and
// expects a few rows where there are all the open reports.
func reportCondsDated(f disclosure.Filter, dated bool) ([]string, []any) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	switch {
	case f.Status == "" && f.Overdue.IsZero():
	case dated && (f.Status == "open" || f.Status == ""):
	case f.Status == "open", f.Status == "":
		where = append(where, openStatuses) // an overdue report is an open one
	case f.Status == "closed":
		where = append(where, `NOT `+openStatuses)
	default:
		where = append(where, `status = `+arg(f.Status))
	}
	if f.ProductID > 0 {
		where = append(where, `product_id = `+arg(f.ProductID))
	}
	if f.Assignee > 0 {
		where = append(where, `assignee_id = `+arg(f.Assignee))
	}
	if !f.Overdue.IsZero() {
		where = append(where, `due_at < `+arg(f.Overdue.UTC()))
	}
	return where, args
}

// reportPart is the WHERE clause and order of one part of a report list
// (dated: the reports with a promise due, earliest first; otherwise the
// others, newest first), after the report (due, id) when id is not 0, with
// its arguments, and the index it reads. Each part is one range of an
// index on (…, due_at, id DESC), read in order: it neither sorts nor skips
// rows, however deep the page.
func reportPart(f disclosure.Filter, dated bool, due *time.Time, id int64) (index, where, order string, args []any) {
	conds, args := reportCondsDated(f, dated)
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	specific := f.Status != "" && f.Status != "open" && f.Status != "closed"
	switch {
	case f.Status == "open" && !dated:
		// Open reports with no promise due are few, whatever else
		// filters them; a product's or assignee's undated reports are
		// nearly all closed.
		index = "reports_open_undated"
	case f.ProductID > 0:
		index = "reports_product_order"
	case f.Assignee > 0:
		index = "reports_assignee_order"
	case specific:
		index = "reports_status_order"
	default:
		index = "reports_due_order"
	}
	order = ` ORDER BY id DESC`
	if dated {
		conds = append(conds, `due_at IS NOT NULL`)
		if id != 0 {
			c := arg(*due)
			conds = append(conds, `due_at >= `+c, `(due_at > `+c+` OR id < `+arg(id)+`)`)
		}
		order = ` ORDER BY due_at, id DESC`
	} else {
		conds = append(conds, `due_at IS NULL`)
		if id != 0 {
			conds = append(conds, `id < `+arg(id))
		}
	}
	return index, ` WHERE ` + strings.Join(conds, " AND "), order, args
}

// reportPage is the query of up to limit reports of one part of a list,
// after skipping offset.
func (d *dialect) reportPage(f disclosure.Filter, dated bool, due *time.Time, id int64, limit, offset int) (string, []any) {
	index, where, order, args := reportPart(f, dated, due, id)
	q := `SELECT ` + reportCols + ` FROM reports` + d.indexedBy(index) + where + order + fmt.Sprintf(` LIMIT $%d`, len(args)+1)
	args = append(args, limit)
	if offset > 0 {
		q += fmt.Sprintf(` OFFSET $%d`, len(args)+1)
		args = append(args, offset)
	}
	return q, args
}

// Reports lists reports: those with a promise due, the earliest due first,
// then the others, newest first; a page at a time after f.After.
func (db *DB) Reports(ctx context.Context, f disclosure.Filter) ([]*disclosure.Report, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	var due *time.Time
	var id int64
	if f.After != "" {
		var err error
		if due, id, err = disclosure.ParseReportKey(f.After); err != nil {
			return nil, err
		}
	}
	var out []*disclosure.Report
	// A closed report has no promise due (disclosure.Open): the closed
	// list has no dated part to look through.
	if (id == 0 || due != nil) && f.Status != "closed" {
		q, args := db.dialect.reportPage(f, true, due, id, f.Limit, f.Offset)
		rs, err := db.queryReports(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		out = rs
		if len(out) == f.Limit {
			return out, nil
		}
		if len(out) > 0 || f.Offset == 0 {
			f.Offset = 0
		} else {
			// The offset went past the dated part: skip the rest of it
			// in the other part.
			index, where, _, args := reportPart(f, true, due, id)
			var n int
			if err := db.ro.QueryRowContext(ctx, `SELECT COUNT(*) FROM reports`+db.dialect.indexedBy(index)+where, args...).Scan(&n); err != nil {
				return nil, fmt.Errorf("store: unable to count reports: %w", err)
			}
			f.Offset -= n
		}
		id = 0
	}
	if !f.Overdue.IsZero() {
		return out, nil // overdue reports have a due date
	}
	q, args := db.dialect.reportPage(f, false, nil, id, f.Limit-len(out), f.Offset)
	rs, err := db.queryReports(ctx, q, args...)
	return append(out, rs...), err
}

// CountReports counts the reports f selects (its limit and offset aside).
func (db *DB) CountReports(ctx context.Context, f disclosure.Filter) (int, error) {
	q, args := reportCount(f)
	var n int
	if err := db.ro.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: unable to count reports: %w", err)
	}
	return n, nil
}

// reportCount is the query that counts f's reports. The dashboard's counts
// (all, by status, open, overdue) come from the counters in report_counts,
// which triggers keep with every change to a report, and for overdue
// reports from the counters of the days before today and the rows due
// today before now; a count by product or assignee counts their index's
// rows.
func reportCount(f disclosure.Filter) (string, []any) {
	if f.ProductID > 0 || f.Assignee > 0 {
		where, args := reportConds(f)
		return `SELECT COUNT(*) FROM reports WHERE ` + strings.Join(where, " AND "), args
	}
	status := f.Status
	if status == "" && !f.Overdue.IsZero() {
		status = "open" // an overdue report is an open one
	}
	where, args := reportConds(disclosure.Filter{Status: status})
	where = append(where, "1 = 1")
	counted := `SELECT COALESCE(SUM(n), 0) FROM report_counts WHERE ` + strings.Join(where, " AND ")
	if f.Overdue.IsZero() {
		return counted, args
	}
	now := f.Overdue.UTC()
	day := now.Unix() / 86400
	args = append(args, day, time.Unix(day*86400, 0).UTC(), now)
	n := len(args)
	return fmt.Sprintf(`SELECT (%s AND due_day >= 0 AND due_day < $%d) + (SELECT COUNT(*) FROM reports WHERE %s AND due_at >= $%d AND due_at < $%d)`,
		counted, n-2, strings.Join(where, " AND "), n-1, n), args
}

func (db *DB) queryReports(ctx context.Context, q string, args ...any) ([]*disclosure.Report, error) {
	rows, err := db.ro.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list reports: %w", err)
	}
	defer rows.Close()
	var out []*disclosure.Report
	for rows.Next() {
		r, err := scanReport(rows)
		if err != nil {
			return nil, fmt.Errorf("store: unable to read report: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Events returns a report's timeline, oldest first.
func (db *DB) Events(ctx context.Context, reportID int64) ([]disclosure.Event, error) {
	rows, err := db.ro.QueryContext(ctx, `SELECT id, report_id, at, kind, public, status, body, author_id, author
		FROM report_events WHERE report_id = $1 ORDER BY id`, reportID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read report %d's timeline: %w", reportID, err)
	}
	defer rows.Close()
	var out []disclosure.Event
	for rows.Next() {
		var e disclosure.Event
		var public int
		var author sql.NullInt64
		if err := rows.Scan(&e.ID, &e.ReportID, &e.At, &e.Kind, &public, &e.Status, &e.Body, &author, &e.Author); err != nil {
			return nil, fmt.Errorf("store: unable to read an event: %w", err)
		}
		e.Public, e.AuthorID = public == 1, author.Int64
		out = append(out, e)
	}
	return out, rows.Err()
}

// ReportTimings returns the clocks of every report about a product, in
// the order received: status, when it was received, acknowledged and
// closed, and when each status update was sent. It reads nothing of the
// reporter or of what they wrote: it is what the evidence pack's record of
// report handling is made from (PSTI-VR-03).
func (db *DB) ReportTimings(ctx context.Context, productID int64) ([]disclosure.Timing, error) {
	rows, err := db.ro.QueryContext(ctx, `SELECT id, status, received_at, acknowledged_at, closed_at
		FROM reports WHERE product_id = $1 ORDER BY received_at, id`, productID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read the clocks of product %d's reports: %w", productID, err)
	}
	defer rows.Close()
	var out []disclosure.Timing
	at := map[int64]int{}
	for rows.Next() {
		var t disclosure.Timing
		var ack, closed sql.NullTime
		if err := rows.Scan(&t.ID, &t.Status, &t.ReceivedAt, &ack, &closed); err != nil {
			return nil, fmt.Errorf("store: unable to read a report's clocks: %w", err)
		}
		if ack.Valid {
			t.AcknowledgedAt = &ack.Time
		}
		if closed.Valid {
			t.ClosedAt = &closed.Time
		}
		at[t.ID] = len(out)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to read the clocks of product %d's reports: %w", productID, err)
	}
	rows.Close()
	urows, err := db.ro.QueryContext(ctx, `SELECT e.report_id, e.at FROM report_events e JOIN reports r ON r.id = e.report_id
		WHERE r.product_id = $1 AND e.kind = $2 AND e.public = 1 ORDER BY e.report_id, e.id`, productID, disclosure.EventUpdate)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read the status updates of product %d's reports: %w", productID, err)
	}
	defer urows.Close()
	for urows.Next() {
		var id int64
		var t time.Time
		if err := urows.Scan(&id, &t); err != nil {
			return nil, fmt.Errorf("store: unable to read a status update: %w", err)
		}
		if i, ok := at[id]; ok {
			out[i].Updates = append(out[i].Updates, t)
		}
	}
	return out, urows.Err()
}

// Attachment describes one of a report's attachments.
func (db *DB) Attachment(ctx context.Context, reportID, id int64) (*disclosure.Attachment, error) {
	var a disclosure.Attachment
	err := db.ro.QueryRowContext(ctx, `SELECT id, name, content_type, size, sha256 FROM report_attachments WHERE report_id = $1 AND id = $2`,
		reportID, id).Scan(&a.ID, &a.Name, &a.ContentType, &a.Size, &a.SHA256)
	if err := notFound(err, "attachment", id); err != nil {
		return nil, err
	}
	return &a, nil
}

// WriteAttachment writes the content of one of a report's attachments to
// w, a piece at a time.
func (db *DB) WriteAttachment(ctx context.Context, reportID, id int64, w io.Writer) error {
	if _, err := db.Attachment(ctx, reportID, id); err != nil {
		return err
	}
	rows, err := db.ro.QueryContext(ctx, `SELECT data FROM report_attachment_chunks WHERE attachment_id = $1 ORDER BY seq`, id)
	if err != nil {
		return fmt.Errorf("store: unable to read attachment %d: %w", id, err)
	}
	defer rows.Close()
	var data []byte
	for rows.Next() {
		if err := rows.Scan(&data); err != nil {
			return fmt.Errorf("store: unable to read attachment %d: %w", id, err)
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
	}
	return rows.Err()
}

// AttachmentBytes is the size of every report attachment kept.
func (db *DB) AttachmentBytes(ctx context.Context) (int64, error) {
	var n int64
	if err := db.ro.QueryRowContext(ctx, `SELECT COALESCE(SUM(size), 0) FROM report_attachments`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: unable to add up attachments: %w", err)
	}
	return n, nil
}

// SaveReport writes a changed report with its new timeline event and the
// e-mail the change causes, if nobody changed the report meanwhile.
func (db *DB) SaveReport(ctx context.Context, a psti.Actor, r *disclosure.Report, e disclosure.Event, ms ...disclosure.Mail) error {
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		before, err := db.report(ctx, tx, r.ID, db.dialect.forUpdate)
		if err != nil {
			return nil, err
		}
		if before.Revision != r.Revision {
			return nil, psti.Errorf(psti.ECONFLICT, "Report %d changed meanwhile (revision %d, now %d).", r.ID, r.Revision, before.Revision)
		}
		r.Revision, r.UpdatedAt = before.Revision+1, now
		if !disclosure.Open(r.Status) {
			// Only an open report has a promise due: the lists rely on it.
			r.Due, r.DueWhat = nil, ""
		}
		r.AcknowledgedAt, r.LastUpdateAt, r.ClosedAt, r.Due = usec(r.AcknowledgedAt), usec(r.LastUpdateAt), usec(r.ClosedAt), usec(r.Due)
		_, err = tx.ExecContext(ctx, `UPDATE reports SET product_id = $1, status = $2, severity = $3, cvss = $4, assignee_id = $5, duplicate_of = $6,
			acknowledged_at = $7, last_update_at = $8, closed_at = $9, due_at = $10, due_what = $11, revision = $12, updated_at = $13, reason = $15
			WHERE id = $14`,
			nullInt(r.ProductID), r.Status, r.Severity, r.CVSS, nullInt(r.AssigneeID), nullInt(r.DuplicateOf),
			r.AcknowledgedAt, r.LastUpdateAt, r.ClosedAt, r.Due, r.DueWhat, r.Revision, now, r.ID, r.Reason)
		if err != nil {
			return nil, fmt.Errorf("store: unable to save report %d: %w", r.ID, err)
		}
		e.ReportID = r.ID
		if err := db.addEvent(ctx, tx, now, &e, ms...); err != nil {
			return nil, err
		}
		return &change{e.Kind, "report", r.ID, reportSummary(before), reportSummary(r)}, nil
	})
}

// AppendEvent adds an event to a report's timeline without a revision
// check; see disclosure.Store.
func (db *DB) AppendEvent(ctx context.Context, a psti.Actor, id int64, e disclosure.Event, ms ...disclosure.Mail) error {
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		r, err := db.report(ctx, tx, id, db.dialect.forUpdate)
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE reports SET revision = revision + 1, updated_at = $1 WHERE id = $2`, now, id); err != nil {
			return nil, fmt.Errorf("store: unable to save report %d: %w", id, err)
		}
		e.ReportID, e.Status = id, r.Status
		if err := db.addEvent(ctx, tx, now, &e, ms...); err != nil {
			return nil, err
		}
		return &change{e.Kind, "report", id, reportSummary(r), reportSummary(r)}, nil
	})
}

// reportSummary is what the audit trail keeps of a report: its state, not
// what the reporter wrote.
func reportSummary(r *disclosure.Report) any {
	return struct {
		Status      string `json:"status"`
		Severity    string `json:"severity,omitempty"`
		CVSS        string `json:"cvss_vector,omitempty"`
		ProductID   int64  `json:"product_id,omitempty"`
		AssigneeID  int64  `json:"assignee_id,omitempty"`
		DuplicateOf int64  `json:"duplicate_of,omitempty"`
		Reason      string `json:"reason,omitempty"`
	}{r.Status, r.Severity, r.CVSS, r.ProductID, r.AssigneeID, r.DuplicateOf, r.Reason}
}

// freshReportsQuery reads the reports staff have not been told of, oldest
// first, from reports_unalerted: the few among a million that they have.
const freshReportsQuery = `SELECT ` + reportCols + ` FROM reports WHERE staff_alerted_at IS NULL ORDER BY id LIMIT $1`

// PendingAlerts returns reports staff have not been told of, and open
// reports overdue without staff being told.
func (db *DB) PendingAlerts(ctx context.Context, now time.Time, limit int) (fresh, overdue []*disclosure.Report, err error) {
	if fresh, err = db.queryReports(ctx, freshReportsQuery, limit); err != nil {
		return nil, nil, err
	}
	overdue, err = db.queryReports(ctx, `SELECT `+reportCols+` FROM reports WHERE due_at < $1 AND `+openStatuses+`
		AND (overdue_alerted_for IS NULL OR overdue_alerted_for <> due_at) ORDER BY due_at LIMIT $2`, now.UTC(), limit)
	return fresh, overdue, err
}

// ClaimAlerts records that staff are told of the reports no one else has
// claimed meanwhile; see disclosure.Store. Each mark is a conditional
// update: of two servers sweeping at once, the second finds the rows
// already marked (on PostgreSQL it waits for the first one's commit, then
// sees its marks) and claims nothing. Rows are marked in id order, so two
// sweeps never wait on each other in a cycle.
func (db *DB) ClaimAlerts(ctx context.Context, fresh, overdue []*disclosure.Report, at time.Time, compose func(fresh, overdue []*disclosure.Report) ([]disclosure.Mail, error)) (int, error) {
	byID := func(a, b *disclosure.Report) int { return cmp.Compare(a.ID, b.ID) }
	fresh, overdue = slices.SortedFunc(slices.Values(fresh), byID), slices.SortedFunc(slices.Values(overdue), byID)
	claimed := 0
	err := db.write(ctx, psti.System("alerts"), func(tx *sql.Tx, now time.Time) (*change, error) {
		claimed = 0
		var newOnes, lateOnes []*disclosure.Report
		for _, r := range fresh {
			res, err := tx.ExecContext(ctx, `UPDATE reports SET staff_alerted_at = $1 WHERE id = $2 AND staff_alerted_at IS NULL`, now, r.ID)
			if err != nil {
				return nil, fmt.Errorf("store: unable to mark report %d: %w", r.ID, err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return nil, err
			} else if n == 1 {
				newOnes = append(newOnes, r)
			}
		}
		for _, r := range overdue {
			if r.Due == nil {
				continue
			}
			res, err := tx.ExecContext(ctx, `UPDATE reports SET overdue_alerted_for = $1
				WHERE id = $2 AND due_at = $1 AND (overdue_alerted_for IS NULL OR overdue_alerted_for <> $1)`, usec(r.Due), r.ID)
			if err != nil {
				return nil, fmt.Errorf("store: unable to mark report %d: %w", r.ID, err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return nil, err
			} else if n == 0 {
				continue
			}
			lateOnes = append(lateOnes, r)
			e := disclosure.Event{ReportID: r.ID, At: at, Kind: disclosure.EventReminder, Status: r.Status,
				Body: fmt.Sprintf("The %s was due %s: staff were alerted.", r.DueWhat, psti.Deadline(*r.Due))}
			if err := db.addEvent(ctx, tx, now, &e); err != nil {
				return nil, err
			}
		}
		claimed = len(newOnes) + len(lateOnes)
		if claimed == 0 {
			return nil, nil
		}
		ms, err := compose(newOnes, lateOnes)
		if err != nil {
			return nil, err
		}
		if err := db.enqueueMail(ctx, tx, now, mails(ms)...); err != nil {
			return nil, err
		}
		return nil, nil
	})
	if err != nil {
		return 0, err
	}
	return claimed, nil
}

// ---- policies ----

// Policy returns an organisation's disclosure policy.
func (db *DB) Policy(ctx context.Context, orgID int64) (*disclosure.Policy, error) {
	return db.policy(ctx, db.ro, orgID)
}

func (db *DB) policy(ctx context.Context, q querier, orgID int64) (*disclosure.Policy, error) {
	var doc string
	var rev int64
	var updated time.Time
	err := q.QueryRowContext(ctx, `SELECT doc, revision, updated_at FROM disclosure_policies WHERE organisation_id = $1`, orgID).Scan(&doc, &rev, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, psti.Errorf(psti.ENOTFOUND, "Organisation %d has no disclosure policy yet.", orgID)
	}
	if err != nil {
		return nil, fmt.Errorf("store: unable to read a policy: %w", err)
	}
	p := &disclosure.Policy{}
	if err := json.Unmarshal([]byte(doc), p); err != nil {
		return nil, fmt.Errorf("store: unable to decode the policy of organisation %d: %w", orgID, err)
	}
	p.OrganisationID, p.Revision, p.UpdatedAt = orgID, rev, updated
	return p, nil
}

// Policies lists every organisation's policy, oldest organisation first.
func (db *DB) Policies(ctx context.Context) ([]*disclosure.Policy, error) {
	rows, err := db.ro.QueryContext(ctx, `SELECT organisation_id FROM disclosure_policies ORDER BY organisation_id`)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list policies: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	var out []*disclosure.Policy
	for _, id := range ids {
		p, err := db.Policy(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// SavePolicy creates or replaces an organisation's policy.
func (db *DB) SavePolicy(ctx context.Context, a psti.Actor, p *disclosure.Policy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return db.publish(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		if err := parent(ctx, tx, "organisations", "organisation_id", "organisation", p.OrganisationID); err != nil {
			return nil, err
		}
		doc, err := json.Marshal(p)
		if err != nil {
			return nil, err
		}
		before, err := db.policy(ctx, tx, p.OrganisationID)
		switch {
		case psti.ErrorCode(err) == psti.ENOTFOUND:
			p.Revision, p.UpdatedAt = 1, now
			if _, err := tx.ExecContext(ctx, `INSERT INTO disclosure_policies (organisation_id, revision, updated_at, doc) VALUES ($1, 1, $2, $3)`,
				p.OrganisationID, now, string(doc)); err != nil {
				return nil, fmt.Errorf("store: unable to save the policy: %w", err)
			}
			if err := db.logPolicy(ctx, tx, p); err != nil {
				return nil, err
			}
			return &change{psti.ActionCreate, "disclosure_policy", p.OrganisationID, nil, p}, nil
		case err != nil:
			return nil, err
		}
		if p.Revision != 0 && p.Revision != before.Revision {
			return nil, psti.Errorf(psti.ECONFLICT, "Someone else changed the policy since you opened it. Read it again first.")
		}
		p.Revision, p.UpdatedAt = before.Revision+1, now
		if _, err := tx.ExecContext(ctx, `UPDATE disclosure_policies SET revision = $1, updated_at = $2, doc = $3 WHERE organisation_id = $4`,
			p.Revision, now, string(doc), p.OrganisationID); err != nil {
			return nil, fmt.Errorf("store: unable to save the policy: %w", err)
		}
		if err := db.logPolicy(ctx, tx, p); err != nil {
			return nil, err
		}
		return &change{psti.ActionUpdate, "disclosure_policy", p.OrganisationID, before, p}, nil
	})
}

// ---- advisories ----

const advisoryCols = `id, tracking_id, report_id, organisation_id, product_id, title, summary, remedy, fixed_in, affected, fixed, product, cwe, cve,
	severity, cvss, credit, published_at, revision, updated_at, csaf`

func scanAdvisory(row interface{ Scan(...any) error }) (*disclosure.Advisory, error) {
	a := &disclosure.Advisory{}
	var org, prod sql.NullInt64
	var doc, affected, fixed string
	var updated sql.NullTime
	if err := row.Scan(&a.ID, &a.TrackingID, &a.ReportID, &org, &prod, &a.Title, &a.Summary, &a.Remedy, &a.FixedIn, &affected, &fixed, &a.Product,
		&a.CWE, &a.CVE, &a.Severity, &a.CVSS, &a.Credit, &a.PublishedAt, &a.Revision, &updated, &doc); err != nil {
		return nil, err
	}
	a.OrganisationID, a.ProductID, a.CSAF = org.Int64, prod.Int64, []byte(doc)
	a.UpdatedAt = a.PublishedAt
	if updated.Valid {
		a.UpdatedAt = updated.Time
	}
	_ = json.Unmarshal([]byte(affected), &a.Affected)
	_ = json.Unmarshal([]byte(fixed), &a.Fixed)
	if len(a.Fixed) == 0 && a.FixedIn != "" {
		// Published before versions were listed: one version, "and later".
		a.Fixed = []string{a.FixedIn + " and later"}
	}
	a.CWEName, _ = disclosure.CWEName(a.CWE)
	if sc, err := disclosure.ScoreCVSS(a.CVSS); err == nil {
		a.BaseScore = sc.Base
	}
	return a, nil
}

func jsonList(l []string) string {
	if len(l) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(l)
	return string(b)
}

// advisoryHistory reads an advisory's revisions, oldest first.
func advisoryHistory(ctx context.Context, q querier, a *disclosure.Advisory) error {
	rows, err := q.QueryContext(ctx, `SELECT number, released_at, summary FROM advisory_revisions WHERE advisory_id = $1 ORDER BY number`, a.ID)
	if err != nil {
		return fmt.Errorf("store: unable to read the history of advisory %s: %w", a.TrackingID, err)
	}
	defer rows.Close()
	a.History = nil
	for rows.Next() {
		var r disclosure.AdvisoryRevision
		if err := rows.Scan(&r.Number, &r.Date, &r.Summary); err != nil {
			return fmt.Errorf("store: unable to read the history of advisory %s: %w", a.TrackingID, err)
		}
		r.Date = r.Date.UTC()
		a.History = append(a.History, r)
	}
	return rows.Err()
}

// PublishAdvisory numbers, builds and stores an advisory with its timeline
// event and e-mail, as its revision 1, and forgets the report's draft.
func (db *DB) PublishAdvisory(ctx context.Context, a psti.Actor, adv *disclosure.Advisory, prefix string, build func() error, e *disclosure.Event, ms ...disclosure.Mail) error {
	return db.publish(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		if _, err := db.report(ctx, tx, adv.ReportID, db.dialect.forUpdate); err != nil {
			return nil, err
		}
		var existing int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM advisories WHERE report_id = $1`, adv.ReportID).Scan(&existing); err != nil {
			return nil, fmt.Errorf("store: unable to check advisories: %w", err)
		}
		if existing > 0 {
			return nil, psti.Errorf(psti.ECONFLICT, "An advisory about report %d is published already.", adv.ReportID)
		}
		stem := fmt.Sprintf("%s-%d-", prefix, adv.PublishedAt.Year())
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM advisories WHERE tracking_id LIKE $1`, stem+"%").Scan(&n); err != nil {
			return nil, fmt.Errorf("store: unable to number the advisory: %w", err)
		}
		adv.TrackingID = fmt.Sprintf("%s%04d", stem, n+1)
		adv.Revision = 1
		if adv.UpdatedAt.IsZero() {
			adv.UpdatedAt = adv.PublishedAt
		}
		if len(adv.History) == 0 {
			adv.History = []disclosure.AdvisoryRevision{{Number: 1, Date: adv.UpdatedAt, Summary: "First publication."}}
		}
		if err := build(); err != nil {
			return nil, err
		}
		adv.PublishedAt = adv.PublishedAt.UTC().Truncate(time.Microsecond)
		adv.UpdatedAt = adv.UpdatedAt.UTC().Truncate(time.Microsecond)
		err := tx.QueryRowContext(ctx, `INSERT INTO advisories (tracking_id, report_id, organisation_id, product_id, title, summary, remedy, fixed_in,
			affected, fixed, product, cwe, cve, severity, cvss, credit, published_at, revision, updated_at, csaf)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) RETURNING id`,
			adv.TrackingID, adv.ReportID, nullInt(adv.OrganisationID), nullInt(adv.ProductID), adv.Title, adv.Summary, adv.Remedy, adv.FixedIn,
			jsonList(adv.Affected), jsonList(adv.Fixed), adv.Product, adv.CWE, adv.CVE, adv.Severity, adv.CVSS, adv.Credit, adv.PublishedAt,
			adv.Revision, adv.UpdatedAt, string(adv.CSAF)).Scan(&adv.ID)
		if err != nil {
			return nil, fmt.Errorf("store: unable to publish the advisory: %w", err)
		}
		if err := db.addRevision(ctx, tx, adv); err != nil {
			return nil, err
		}
		e.ReportID = adv.ReportID
		if err := db.addEvent(ctx, tx, now, e, ms...); err != nil {
			return nil, err
		}
		if err := db.logAdvisory(ctx, tx, adv); err != nil {
			return nil, err
		}
		return &change{psti.ActionCreate, "advisory", adv.ID, nil, advisoryAudit(adv)}, nil
	})
}

// logPolicy appends a policy's revision to the transparency log.
func (db *DB) logPolicy(ctx context.Context, tx *sql.Tx, p *disclosure.Policy) error {
	e, err := disclosure.PolicyEntry(p)
	if err != nil {
		return err
	}
	_, err = db.appendLog(ctx, tx, e)
	return err
}

// logAdvisory appends an advisory's revision to the transparency log.
func (db *DB) logAdvisory(ctx context.Context, tx *sql.Tx, adv *disclosure.Advisory) error {
	e, err := disclosure.AdvisoryEntry(adv)
	if err != nil {
		return err
	}
	_, err = db.appendLog(ctx, tx, e)
	return err
}

func (db *DB) addRevision(ctx context.Context, tx *sql.Tx, adv *disclosure.Advisory) error {
	last := adv.History[len(adv.History)-1]
	if _, err := tx.ExecContext(ctx, `INSERT INTO advisory_revisions (advisory_id, number, released_at, summary, csaf) VALUES ($1, $2, $3, $4, $5)`,
		adv.ID, adv.Revision, adv.UpdatedAt, last.Summary, string(adv.CSAF)); err != nil {
		return fmt.Errorf("store: unable to record revision %d of advisory %s: %w", adv.Revision, adv.TrackingID, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM advisory_drafts WHERE report_id = $1`, adv.ReportID); err != nil {
		return fmt.Errorf("store: unable to forget the advisory draft: %w", err)
	}
	return nil
}

// advisoryAudit is what the audit trail keeps of an advisory's revision.
func advisoryAudit(adv *disclosure.Advisory) any {
	return struct {
		TrackingID string   `json:"tracking_id"`
		ReportID   int64    `json:"report_id"`
		Revision   int      `json:"revision"`
		Title      string   `json:"title"`
		Affected   []string `json:"affected_versions,omitempty"`
		Fixed      []string `json:"fixed_versions,omitempty"`
		CWE        string   `json:"cwe,omitempty"`
		CVSS       string   `json:"cvss_vector,omitempty"`
	}{adv.TrackingID, adv.ReportID, adv.Revision, adv.Title, adv.Affected, adv.Fixed, adv.CWE, adv.CVSS}
}

// ReviseAdvisory stores an advisory's next revision.
func (db *DB) ReviseAdvisory(ctx context.Context, a psti.Actor, adv *disclosure.Advisory, build func() error, e *disclosure.Event, ms ...disclosure.Mail) error {
	return db.publish(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		if _, err := db.report(ctx, tx, adv.ReportID, db.dialect.forUpdate); err != nil {
			return nil, err
		}
		before, err := scanAdvisory(tx.QueryRowContext(ctx, `SELECT `+advisoryCols+` FROM advisories WHERE id = $1`, adv.ID))
		if err != nil {
			return nil, fmt.Errorf("store: unable to read advisory %s: %w", adv.TrackingID, err)
		}
		if before.Revision != adv.Revision-1 {
			return nil, psti.Errorf(psti.ECONFLICT, "Advisory %s was revised by someone else meanwhile (it is at version %d); look at it again.", adv.TrackingID, before.Revision)
		}
		if err := build(); err != nil {
			return nil, err
		}
		adv.UpdatedAt = adv.UpdatedAt.UTC().Truncate(time.Microsecond)
		if _, err := tx.ExecContext(ctx, `UPDATE advisories SET product_id = $1, title = $2, summary = $3, remedy = $4, fixed_in = $5, affected = $6,
			fixed = $7, product = $8, cwe = $9, cve = $10, severity = $11, cvss = $12, credit = $13, revision = $14, updated_at = $15, csaf = $16 WHERE id = $17`,
			nullInt(adv.ProductID), adv.Title, adv.Summary, adv.Remedy, adv.FixedIn, jsonList(adv.Affected), jsonList(adv.Fixed), adv.Product, adv.CWE,
			adv.CVE, adv.Severity, adv.CVSS, adv.Credit, adv.Revision, adv.UpdatedAt, string(adv.CSAF), adv.ID); err != nil {
			return nil, fmt.Errorf("store: unable to revise advisory %s: %w", adv.TrackingID, err)
		}
		if err := db.addRevision(ctx, tx, adv); err != nil {
			return nil, err
		}
		e.ReportID = adv.ReportID
		if err := db.addEvent(ctx, tx, now, e, ms...); err != nil {
			return nil, err
		}
		if err := db.logAdvisory(ctx, tx, adv); err != nil {
			return nil, err
		}
		return &change{psti.ActionUpdate, "advisory", adv.ID, advisoryAudit(before), advisoryAudit(adv)}, nil
	})
}

// Advisories lists published advisories, newest first.
func (db *DB) Advisories(ctx context.Context) ([]*disclosure.Advisory, error) {
	rows, err := db.ro.QueryContext(ctx, `SELECT `+advisoryCols+` FROM advisories ORDER BY published_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list advisories: %w", err)
	}
	defer rows.Close()
	var out []*disclosure.Advisory
	for rows.Next() {
		a, err := scanAdvisory(rows)
		if err != nil {
			return nil, fmt.Errorf("store: unable to read an advisory: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// AdvisoryOf returns the advisory made from a report.
func (db *DB) AdvisoryOf(ctx context.Context, reportID int64) (*disclosure.Advisory, error) {
	a, err := scanAdvisory(db.ro.QueryRowContext(ctx, `SELECT `+advisoryCols+` FROM advisories WHERE report_id = $1`, reportID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, psti.Errorf(psti.ENOTFOUND, "No advisory has been published about report %d.", reportID)
	}
	if err != nil {
		return nil, fmt.Errorf("store: unable to read the advisory of report %d: %w", reportID, err)
	}
	return a, advisoryHistory(ctx, db.ro, a)
}

// AdvisoryByTracking returns one advisory by its tracking id, in any case.
func (db *DB) AdvisoryByTracking(ctx context.Context, id string) (*disclosure.Advisory, error) {
	a, err := scanAdvisory(db.ro.QueryRowContext(ctx, `SELECT `+advisoryCols+` FROM advisories WHERE `+db.dialect.Fold("tracking_id")+` = $1`, strings.ToLower(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, psti.Errorf(psti.ENOTFOUND, "There is no advisory %s.", id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: unable to read advisory %s: %w", id, err)
	}
	return a, advisoryHistory(ctx, db.ro, a)
}

// AdvisoryDraft returns the draft kept for a report.
func (db *DB) AdvisoryDraft(ctx context.Context, reportID int64) (*disclosure.AdvisoryDraft, error) {
	var doc, by string
	var at time.Time
	err := db.ro.QueryRowContext(ctx, `SELECT doc, updated_at, updated_by FROM advisory_drafts WHERE report_id = $1`, reportID).Scan(&doc, &at, &by)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, psti.Errorf(psti.ENOTFOUND, "No advisory draft is kept for report %d.", reportID)
	}
	if err != nil {
		return nil, fmt.Errorf("store: unable to read the advisory draft of report %d: %w", reportID, err)
	}
	d := &disclosure.AdvisoryDraft{}
	if err := json.Unmarshal([]byte(doc), d); err != nil {
		return nil, fmt.Errorf("store: the advisory draft of report %d is unreadable: %w", reportID, err)
	}
	d.UpdatedAt, d.UpdatedBy = at.UTC(), by
	return d, nil
}

// SaveAdvisoryDraft keeps a report's draft, replacing any.
func (db *DB) SaveAdvisoryDraft(ctx context.Context, a psti.Actor, reportID int64, d *disclosure.AdvisoryDraft) error {
	doc, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		if _, err := db.report(ctx, tx, reportID, db.dialect.forUpdate); err != nil {
			return nil, err
		}
		var before *disclosure.AdvisoryDraft
		var old string
		switch err := tx.QueryRowContext(ctx, `SELECT doc FROM advisory_drafts WHERE report_id = $1`, reportID).Scan(&old); {
		case err == nil:
			before = &disclosure.AdvisoryDraft{}
			_ = json.Unmarshal([]byte(old), before)
			_, err = tx.ExecContext(ctx, `UPDATE advisory_drafts SET doc = $1, updated_at = $2, updated_by = $3 WHERE report_id = $4`, string(doc), now, a.Label, reportID)
			if err != nil {
				return nil, fmt.Errorf("store: unable to save the advisory draft: %w", err)
			}
		case errors.Is(err, sql.ErrNoRows):
			if _, err := tx.ExecContext(ctx, `INSERT INTO advisory_drafts (report_id, doc, updated_at, updated_by) VALUES ($1, $2, $3, $4)`,
				reportID, string(doc), now, a.Label); err != nil {
				return nil, fmt.Errorf("store: unable to save the advisory draft: %w", err)
			}
		default:
			return nil, fmt.Errorf("store: unable to read the advisory draft: %w", err)
		}
		d.UpdatedAt, d.UpdatedBy = now, a.Label
		action := psti.ActionUpdate
		if before == nil {
			action = psti.ActionCreate
		}
		return &change{action, "advisory_draft", reportID, before, d}, nil
	})
}
