package mail_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/psti/psti/internal/mail"
	"github.com/psti/psti/internal/mail/mailtest"
	"github.com/psti/psti/internal/store"
	"github.com/psti/psti/internal/store/storetest"
)

// ---- helpers ----

// setup is an outbox in a real SQLite database and a sender to url.
func setup(t *testing.T, url string, cfg mail.Config) (*store.DB, *storetest.Clock, *mail.Sender, *bytes.Buffer) {
	t.Helper()
	db, clock := storetest.Open(t, storetest.SQLite)
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg.URL = url
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	s, err := mail.New(db, cfg, clock, logger)
	if err != nil {
		t.Fatal(err)
	}
	return db, clock, s, &logs
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func enqueue(t *testing.T, db *store.DB, msgs ...mail.Message) {
	t.Helper()
	if err := db.EnqueueMail(context.Background(), msgs...); err != nil {
		t.Fatal(err)
	}
}

func sendDue(t *testing.T, s *mail.Sender) mail.Stats {
	t.Helper()
	st, err := s.SendDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func msg(to, subject, text string) mail.Message {
	return mail.Message{To: to, Subject: subject, Text: text, Kind: "report-ack", Ref: "report:1"}
}

// row is a message as the outbox keeps it.
type row struct {
	State     string
	Attempts  int
	Next      time.Time
	LastError string
	SentAt    *time.Time
}

func outboxRow(t *testing.T, db *store.DB, to string) row {
	t.Helper()
	c, err := sql.Open("sqlite", db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var r row
	var sent sql.Null[time.Time]
	err = c.QueryRow(`SELECT state, attempts, next_attempt_at, last_error, sent_at FROM mail_outbox WHERE to_addr = $1`, to).
		Scan(&r.State, &r.Attempts, &r.Next, &r.LastError, &sent)
	if err != nil {
		t.Fatalf("reading the outbox row for %s: %v", to, err)
	}
	r.Next = r.Next.UTC()
	if sent.Valid {
		at := sent.V.UTC()
		r.SentAt = &at
	}
	return r
}

// parsed is a received message read back as a mail client would.
type parsed struct {
	From, To, Subject, Body, MessageID, ContentType, AutoSubmitted string
	Date                                                           time.Time
}

func parse(t *testing.T, data []byte) parsed {
	t.Helper()
	m, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("reading the message: %v\n%s", err, data)
	}
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	var body io.Reader = m.Body
	switch strings.ToLower(m.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		body = quotedprintable.NewReader(m.Body)
	case "", "7bit", "8bit":
	default:
		t.Fatalf("unexpected transfer encoding %q", m.Header.Get("Content-Transfer-Encoding"))
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	date, err := m.Header.Date()
	if err != nil {
		t.Fatalf("Date header: %v", err)
	}
	return parsed{From: m.Header.Get("From"), To: m.Header.Get("To"), Subject: subject,
		Body: strings.ReplaceAll(string(b), "\r\n", "\n"), MessageID: m.Header.Get("Message-Id"),
		ContentType: m.Header.Get("Content-Type"), AutoSubmitted: m.Header.Get("Auto-Submitted"), Date: date}
}

func insecureURL(r *mailtest.Relay) string {
	return "smtp+insecure://" + r.Addr() + "?from=psti@example.com"
}

// ---- tests ----

func TestDelivers(t *testing.T) {
	r := mailtest.New(t)
	r.Start()
	db, clock, s, _ := setup(t, insecureURL(r), mail.Config{})
	long := strings.Repeat("A line longer than any mail line should be, with accents: é à ü. ", 5)
	text := "Dear reporter,\n\nWe received your report about the doorbell. It costs café — £5.\n" + long + "\n\n-- \nAcme security team\n"
	enqueue(t, db,
		msg("reporter@example.com", "We received your report: café — £5", text),
		msg("second@example.com", "Second", "Just one line."))
	clock.Add(time.Second)

	st := sendDue(t, s)
	if st != (mail.Stats{Sent: 2}) {
		t.Fatalf("pass: %+v, want 2 sent", st)
	}
	got := r.Received()
	if len(got) != 2 {
		t.Fatalf("relay received %d messages, want 2", len(got))
	}
	if got[0].From != "psti@example.com" || len(got[0].To) != 1 || got[0].To[0] != "reporter@example.com" {
		t.Fatalf("envelope: from %q to %q", got[0].From, got[0].To)
	}
	p := parse(t, got[0].Data)
	if p.Subject != "We received your report: café — £5" || p.Body != text {
		t.Fatalf("subject %q\nbody %q\nwant %q", p.Subject, p.Body, text)
	}
	if p.From != "<psti@example.com>" || p.To != "<reporter@example.com>" {
		t.Fatalf("From %q, To %q", p.From, p.To)
	}
	if !strings.HasPrefix(p.ContentType, "text/plain") || !strings.Contains(strings.ToLower(p.ContentType), "charset=utf-8") {
		t.Fatalf("Content-Type %q", p.ContentType)
	}
	if p.AutoSubmitted != "auto-generated" || !strings.HasSuffix(p.MessageID, "@example.com>") || !p.Date.Equal(clock.Now()) {
		t.Fatalf("Auto-Submitted %q, Message-ID %q, Date %v", p.AutoSubmitted, p.MessageID, p.Date)
	}
	for _, line := range strings.Split(string(got[0].Data), "\r\n") {
		if len(line) > 998 {
			t.Fatalf("a line of %d characters went on the wire", len(line))
		}
	}
	if p2 := parse(t, got[1].Data); p2.Subject != "Second" || p2.Body != "Just one line.\n" || p2.MessageID == p.MessageID {
		t.Fatalf("second message: %+v", p2)
	}

	// Recorded as sent, once: the next pass finds nothing.
	row := outboxRow(t, db, "reporter@example.com")
	if row.State != "sent" || row.Attempts != 1 || row.SentAt == nil || !row.SentAt.Equal(clock.Now()) {
		t.Fatalf("outbox after sending: %+v", row)
	}
	clock.Add(time.Hour)
	if st := sendDue(t, s); st != (mail.Stats{}) {
		t.Fatalf("second pass: %+v", st)
	}
	if n := len(r.Received()); n != 2 {
		t.Fatalf("relay has %d messages after the second pass", n)
	}
	if q, f, _, err := db.MailStats(context.Background()); err != nil || q != 0 || f != 0 {
		t.Fatalf("stats: %d queued, %d failed, %v", q, f, err)
	}
	if s.Stats() != (mail.Stats{Sent: 2}) {
		t.Fatalf("sender stats %+v", s.Stats())
	}
}

// TestRelayDown: while the relay is down nothing is lost; attempts back off
// (1, 2, 4 minutes …), and everything goes out once it is back.
func TestRelayDown(t *testing.T) {
	r := mailtest.New(t)
	r.Start()
	db, clock, s, logs := setup(t, insecureURL(r), mail.Config{})
	r.Stop()
	for i := range 3 {
		enqueue(t, db, msg(fmt.Sprintf("r%d@example.com", i), "Update", "Status: fixed.\n"))
	}
	queued := clock.Now()

	if st := sendDue(t, s); st != (mail.Stats{Retried: 3}) {
		t.Fatalf("first pass while down: %+v", st)
	}
	wantNext := queued
	for attempt, delay := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute} {
		wantNext = clock.Now().Add(delay)
		row := outboxRow(t, db, "r0@example.com")
		if row.State != "queued" || row.Attempts != attempt+1 || !row.Next.Equal(wantNext) || !strings.Contains(row.LastError, "connect") {
			t.Fatalf("after attempt %d: %+v, want next %v", attempt+1, row, wantNext)
		}
		// Not before it is due.
		clock.Set(wantNext.Add(-time.Second))
		if st := sendDue(t, s); st != (mail.Stats{}) {
			t.Fatalf("a pass before the retry was due: %+v", st)
		}
		clock.Set(wantNext)
		if attempt < 2 {
			if st := sendDue(t, s); st != (mail.Stats{Retried: 3}) {
				t.Fatalf("retry %d while down: %+v", attempt+1, st)
			}
		}
	}
	if len(r.Received()) != 0 {
		t.Fatal("the relay was down but received mail")
	}
	if q, _, oldest, err := db.MailStats(context.Background()); err != nil || q != 3 || !oldest.Equal(queued) {
		t.Fatalf("stats while down: %d queued, oldest %v, %v", q, oldest, err)
	}
	if strings.Contains(logs.String(), "r0@example.com") {
		t.Fatalf("the log names a recipient:\n%s", logs)
	}
	if !strings.Contains(logs.String(), "level=WARN") {
		t.Fatalf("failed attempts are not logged:\n%s", logs)
	}

	// Back: each message is delivered, once.
	r.Start()
	if st := sendDue(t, s); st != (mail.Stats{Sent: 3}) {
		t.Fatalf("pass after the relay came back: %+v", st)
	}
	got := r.Received()
	if len(got) != 3 {
		t.Fatalf("relay received %d messages, want 3", len(got))
	}
	seen := map[string]bool{}
	for _, m := range got {
		seen[m.To[0]] = true
	}
	for i := range 3 {
		to := fmt.Sprintf("r%d@example.com", i)
		if !seen[to] {
			t.Fatalf("nothing delivered to %s", to)
		}
		if row := outboxRow(t, db, to); row.State != "sent" || row.Attempts != 4 {
			t.Fatalf("%s after delivery: %+v", to, row)
		}
	}
	if s.Stats() != (mail.Stats{Sent: 3, Retried: 9}) {
		t.Fatalf("sender stats %+v", s.Stats())
	}
}

// TestGivesUp: a message the relay never takes is retried at most hourly
// and given up MaxAge after it was queued, with an error in the log.
func TestGivesUp(t *testing.T) {
	r := mailtest.New(t)
	r.Start()
	r.Refuse("gone@example.com")
	db, clock, s, logs := setup(t, insecureURL(r), mail.Config{})
	enqueue(t, db, msg("gone@example.com", "Update", "Status: fixed.\n"))
	queued := clock.Now()

	var delays []time.Duration
	last := queued
	for attempts := 1; ; attempts++ {
		if attempts > 200 {
			t.Fatal("never given up")
		}
		st := sendDue(t, s)
		row := outboxRow(t, db, "gone@example.com")
		if row.Attempts != attempts {
			t.Fatalf("attempt %d recorded as %d", attempts, row.Attempts)
		}
		if row.State == "failed" {
			if st != (mail.Stats{Failed: 1}) || !clock.Now().Equal(queued.Add(mail.MaxAge)) || !strings.Contains(row.LastError, "550") {
				t.Fatalf("given up at %v (queued %v): %+v, pass %+v", clock.Now(), queued, row, st)
			}
			break
		}
		if st != (mail.Stats{Retried: 1}) || row.State != "queued" {
			t.Fatalf("attempt %d: %+v, pass %+v", attempts, row, st)
		}
		delays = append(delays, row.Next.Sub(last))
		last = row.Next
		clock.Set(row.Next)
	}
	want := []time.Duration{1, 2, 4, 8, 16, 32}
	for i, d := range want {
		if delays[i] != d*time.Minute {
			t.Fatalf("delay %d is %v, want %v (all: %v)", i+1, delays[i], d*time.Minute, delays)
		}
	}
	for _, d := range delays[len(want):] {
		if d > time.Hour {
			t.Fatalf("a delay of %v, more than an hour", d)
		}
	}
	if q, f, _, err := db.MailStats(context.Background()); err != nil || q != 0 || f != 1 {
		t.Fatalf("stats: %d queued, %d failed, %v", q, f, err)
	}
	if !strings.Contains(logs.String(), "level=ERROR") || strings.Contains(logs.String(), "gone@example.com") {
		t.Fatalf("giving up is not logged as an error, or the log names the recipient:\n%s", logs)
	}
	// Given up is final.
	clock.Add(24 * time.Hour)
	if st := sendDue(t, s); st != (mail.Stats{}) {
		t.Fatalf("a pass after giving up: %+v", st)
	}
	if len(r.Received()) != 0 {
		t.Fatal("the refused message was delivered")
	}
}

// TestRefusedRecipient: a relay that refuses one recipient takes the
// others, over the same connection.
func TestRefusedRecipient(t *testing.T) {
	r := mailtest.New(t)
	r.Start()
	r.Refuse("nobody@example.com")
	db, _, s, _ := setup(t, insecureURL(r), mail.Config{})
	enqueue(t, db,
		msg("first@example.com", "One", "1"),
		msg("nobody@example.com", "Two", "2"),
		msg("third@example.com", "Three", "3"))
	if st := sendDue(t, s); st != (mail.Stats{Sent: 2, Retried: 1}) {
		t.Fatalf("pass: %+v", st)
	}
	r.WaitClosed()
	got := r.Received()
	if len(got) != 2 || got[0].To[0] != "first@example.com" || got[1].To[0] != "third@example.com" {
		t.Fatalf("relay received %+v", got)
	}
	if n := r.Sessions(); n != 1 {
		t.Fatalf("%d connections for one batch", n)
	}
	if row := outboxRow(t, db, "nobody@example.com"); row.State != "queued" || !strings.Contains(row.LastError, "550") {
		t.Fatalf("refused message: %+v", row)
	}
}

// TestRun: Run sends when kicked, without waiting for its interval, and
// stops with its context.
func TestRun(t *testing.T) {
	r := mailtest.New(t)
	r.Start()
	db, _, s, _ := setup(t, insecureURL(r), mail.Config{Interval: time.Hour, Batch: 2})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		s.Run(ctx)
		close(done)
	}()
	// Five messages, batches of two: full batches go out straight on.
	for i := range 5 {
		enqueue(t, db, msg(fmt.Sprintf("r%d@example.com", i), "Hello", "Hi."))
	}
	s.Kick()
	deadline := time.Now().Add(10 * time.Second)
	for len(r.Received()) < 5 {
		if time.Now().After(deadline) {
			t.Fatalf("after a kick the relay has %d of 5 messages", len(r.Received()))
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop with its context")
	}
	if s.Stats().Sent != 5 {
		t.Fatalf("stats %+v", s.Stats())
	}
}

// selfSigned is a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "relay.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// TestTLS: smtp:// requires STARTTLS and smtps:// speaks TLS; both check the
// relay's certificate and log in.
func TestTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	for _, tc := range []struct {
		scheme   string
		implicit bool
	}{{"smtp", false}, {"smtps", true}} {
		t.Run(tc.scheme, func(t *testing.T) {
			r := mailtest.New(t)
			r.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
			r.Implicit = tc.implicit
			r.Auth = map[string]string{"psti": "p@ss:w/rd"}
			r.Start()
			url := tc.scheme + "://psti:p%40ss%3Aw%2Frd@" + r.Addr() + "?from=psti@example.com"

			// An unknown certificate is refused: nothing is sent.
			db, _, s, _ := setup(t, url, mail.Config{})
			enqueue(t, db, msg("a@example.com", "S", "T"))
			if st := sendDue(t, s); st != (mail.Stats{Retried: 1}) || len(r.Received()) != 0 {
				t.Fatalf("with an untrusted certificate: %+v, %d received", st, len(r.Received()))
			}
			if row := outboxRow(t, db, "a@example.com"); !strings.Contains(row.LastError, "certificate") {
				t.Fatalf("error recorded: %q", row.LastError)
			}

			db, _, s, _ = setup(t, url, mail.Config{TLS: &tls.Config{RootCAs: pool}})
			enqueue(t, db, msg("a@example.com", "S", "T"))
			if st := sendDue(t, s); st != (mail.Stats{Sent: 1}) {
				t.Fatalf("pass: %+v (%s)", st, outboxRow(t, db, "a@example.com").LastError)
			}
			got := r.Received()
			if len(got) != 1 || !got[0].TLS || got[0].User != "psti" {
				t.Fatalf("received %+v", got)
			}

			// A wrong password is a failed attempt, retried later.
			db, _, s, _ = setup(t, strings.Replace(url, "p%40ss", "wrong", 1), mail.Config{TLS: &tls.Config{RootCAs: pool}})
			enqueue(t, db, msg("b@example.com", "S", "T"))
			if st := sendDue(t, s); st != (mail.Stats{Retried: 1}) || len(r.Received()) != 1 {
				t.Fatalf("with a wrong password: %+v", st)
			}
			if row := outboxRow(t, db, "b@example.com"); !strings.Contains(row.LastError, "535") {
				t.Fatalf("error recorded: %q", row.LastError)
			}
			r.WaitClosed()
		})
	}
}

// TestStartTLSRequired: smtp:// does not fall back to sending in the clear
// when the relay offers no STARTTLS.
func TestStartTLSRequired(t *testing.T) {
	r := mailtest.New(t)
	r.Start()
	db, _, s, _ := setup(t, "smtp://"+r.Addr()+"?from=psti@example.com", mail.Config{})
	enqueue(t, db, msg("a@example.com", "S", "T"))
	if st := sendDue(t, s); st != (mail.Stats{Retried: 1}) || len(r.Received()) != 0 {
		t.Fatalf("without STARTTLS: %+v, %d received", st, len(r.Received()))
	}
	if row := outboxRow(t, db, "a@example.com"); !strings.Contains(row.LastError, "STARTTLS") {
		t.Fatalf("error recorded: %q", row.LastError)
	}
	r.WaitClosed()
}

func TestNewRefusesBadConfig(t *testing.T) {
	db, clock := storetest.Open(t, storetest.SQLite)
	for _, cfg := range []mail.Config{
		{URL: ""},
		{URL: "smtp://mail.example.com"}, // no sender
		{URL: "smtp://mail.example.com", From: "not an address"},
		{URL: "http://mail.example.com?from=psti@example.com"},
	} {
		if _, err := mail.New(db, cfg, clock, nil); err == nil {
			t.Errorf("New accepted %+v", cfg)
		}
	}
	s, err := mail.New(db, mail.Config{URL: "smtp://mail.example.com?from=a@example.com", From: "PSTI <psti@example.com>"}, clock, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Relay().From != "<a@example.com>" {
		t.Fatalf("relay %+v", s.Relay())
	}
}

func TestRetryDelay(t *testing.T) {
	for n, want := range map[int]time.Duration{
		0: time.Minute, 1: time.Minute, 2: 2 * time.Minute, 3: 4 * time.Minute, 6: 32 * time.Minute,
		7: time.Hour, 8: time.Hour, 1000: time.Hour,
	} {
		if got := mail.RetryDelay(n); got != want {
			t.Errorf("RetryDelay(%d) = %v, want %v", n, got, want)
		}
	}
}
