package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"github.com/psti/psti/internal/psti"
)

// How long a message is retried, and how the delay between attempts grows:
// FirstRetry after the first failure, doubling after each further one up to
// MaxRetryDelay. A message still not accepted MaxAge after it was queued is
// given up at its next failure.
const (
	FirstRetry    = time.Minute
	MaxRetryDelay = time.Hour
	MaxAge        = 72 * time.Hour
)

// Security is how the connection to the relay is protected.
type Security int

const (
	// StartTLS (smtp://) upgrades the connection with STARTTLS and refuses
	// to send if the relay does not offer it.
	StartTLS Security = iota
	// ImplicitTLS (smtps://) speaks TLS from the first byte.
	ImplicitTLS
	// NoTLS (smtp+insecure://) sends in the clear: for a relay on the same
	// machine or a private network, and for tests.
	NoTLS
)

var schemes = map[string]struct {
	security Security
	port     int
}{
	"smtp":          {StartTLS, 587},
	"smtps":         {ImplicitTLS, 465},
	"smtp+insecure": {NoTLS, 25},
}

// Relay is the SMTP server that psti hands its mail to, as PSTI_SMTP_URL
// names it.
type Relay struct {
	Host     string
	Port     int
	Security Security
	Username string // "" to send without logging in
	Password string
	From     string // the from= parameter; "" if none was given
}

// urlHelp is how a correct URL looks, for error messages.
const urlHelp = "write it like smtp://user:password@mail.example.com:587?from=psti@example.com"

// ParseURL reads an SMTP relay URL:
//
//	smtp://user:password@host:587?from=psti@example.com   STARTTLS, required
//	smtps://user:password@host:465?from=…                 TLS from the start
//	smtp+insecure://host:25?from=…                        no TLS
//
// The port defaults to 587, 465 and 25. User and password are optional
// (percent-encode reserved characters in them) and not allowed without TLS,
// where they would cross the network in the clear. from= is the sender's
// address, optionally with a name ("PSTI <psti@example.com>", encoded). Error
// messages never repeat the URL, which may hold a password.
func ParseURL(s string) (*Relay, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("mail: the SMTP URL is empty: %s", urlHelp)
	}
	u, err := url.Parse(s)
	if err != nil {
		// url's own error quotes the URL, password and all.
		return nil, fmt.Errorf("mail: the SMTP URL is not a valid URL: %s", urlHelp)
	}
	scheme, ok := schemes[strings.ToLower(u.Scheme)]
	if !ok {
		return nil, fmt.Errorf("mail: the SMTP URL must start with smtp:// (STARTTLS), smtps:// (TLS) or smtp+insecure:// (no TLS), not %q", u.Scheme+":")
	}
	if u.Opaque != "" || u.Host == "" {
		return nil, fmt.Errorf("mail: the SMTP URL names no server: %s", urlHelp)
	}
	r := &Relay{Host: u.Hostname(), Port: scheme.port, Security: scheme.security}
	if r.Host == "" {
		return nil, fmt.Errorf("mail: the SMTP URL names no server: %s", urlHelp)
	}
	if !validHost(r.Host) {
		return nil, fmt.Errorf("mail: the SMTP URL's server %q is not a host name or IP address (write an IPv6 address in brackets: [::1])", r.Host)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("mail: the SMTP URL's port %q is not a number from 1 to 65535", p)
		}
		r.Port = n
	} else if strings.HasSuffix(u.Host, ":") {
		return nil, fmt.Errorf("mail: the SMTP URL has an empty port: leave out the colon, or give the port")
	}
	if u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("mail: the SMTP URL must not have a path (%q): only the server, port and ?from=", u.Path)
	}
	if u.Fragment != "" {
		return nil, fmt.Errorf("mail: the SMTP URL must not have a #fragment")
	}
	if u.User != nil {
		r.Username = u.User.Username()
		r.Password, _ = u.User.Password()
		if r.Username == "" {
			return nil, fmt.Errorf("mail: the SMTP URL has a password but no user name: write user:password@host")
		}
		if r.Security == NoTLS {
			return nil, fmt.Errorf("mail: smtp+insecure:// would send the password in the clear: use smtp:// (STARTTLS) or smtps:// (TLS) to log in")
		}
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("mail: the SMTP URL's query is not valid: %s", urlHelp)
	}
	for k, v := range q {
		if k != "from" {
			return nil, fmt.Errorf("mail: the SMTP URL has an unknown parameter %q: only from= is understood", k)
		}
		if len(v) != 1 {
			return nil, fmt.Errorf("mail: the SMTP URL gives from= %d times: give it once", len(v))
		}
		from, err := parseFrom(v[0])
		if err != nil {
			return nil, err
		}
		r.From = from
	}
	return r, nil
}

// validHost reports whether h is an IP address or a plausible host name.
func validHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	for _, c := range h {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return !strings.HasPrefix(h, ".") && !strings.HasPrefix(h, "-")
}

// parseFrom checks a sender's address and returns it as a header writes it.
func parseFrom(s string) (string, error) {
	a, err := netmail.ParseAddress(s)
	if err != nil || !strings.Contains(a.Address, "@") {
		return "", fmt.Errorf("mail: the sender's address %q is not an address like psti@example.com", s)
	}
	return a.String(), nil
}

// String is the relay as a URL with the password hidden, for logs.
func (r *Relay) String() string {
	scheme := "smtp"
	switch r.Security {
	case ImplicitTLS:
		scheme = "smtps"
	case NoTLS:
		scheme = "smtp+insecure"
	}
	u := url.URL{Scheme: scheme, Host: net.JoinHostPort(r.Host, strconv.Itoa(r.Port))}
	if r.Username != "" {
		u.User = url.User(r.Username)
		if r.Password != "" {
			u.User = url.UserPassword(r.Username, "xxxxx")
		}
	}
	if r.From != "" {
		u.RawQuery = url.Values{"from": {r.From}}.Encode()
	}
	return u.String()
}

// Config says where and how a Sender sends. URL and a sender's address
// (From, or from= in the URL) are required; the rest have defaults.
type Config struct {
	URL  string // PSTI_SMTP_URL; see ParseURL
	From string // the sender's address; overrides the URL's from=
	// TLS is used to check the relay's certificate; nil means the system's
	// roots and the relay's host name.
	TLS *tls.Config
	// Interval is how often the outbox is looked at when no Kick comes;
	// 0 means 5 seconds.
	Interval time.Duration
	// Batch is how many messages are taken at a time and sent over one
	// connection; 0 means 20.
	Batch int
	// Timeout bounds connecting (with TLS and login) and then each message;
	// 0 means 10 seconds.
	Timeout time.Duration
}

// Stats counts what a Sender did.
type Stats struct {
	Sent    uint64 // messages the relay accepted
	Retried uint64 // failed attempts that will be tried again
	Failed  uint64 // messages given up
}

// Sender takes due messages from an outbox and hands them to the relay.
// Several senders, in one server or several, may share one outbox.
type Sender struct {
	outbox Outbox
	relay  *Relay
	from   string
	domain string // of the sender's address, for Message-IDs
	cfg    Config
	lease  time.Duration
	tls    *tls.Config
	clock  psti.Clock
	log    *slog.Logger
	kick   chan struct{}

	sent, retried, failed atomic.Uint64
}

// Check checks a configuration as New does, without an outbox: for
// refusing a bad setting before anything else starts.
func Check(cfg Config) error {
	_, err := New(nil, cfg, nil, nil)
	return err
}

// New returns a sender for outbox with the relay and sender's address in
// cfg. It checks the configuration but does not connect: a relay that is
// down when psti starts only delays mail. clock must tell the same time as
// the outbox's, which stamps queued mail; nil means the system clock.
func New(outbox Outbox, cfg Config, clock psti.Clock, logger *slog.Logger) (*Sender, error) {
	relay, err := ParseURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	from := relay.From
	if cfg.From != "" {
		if from, err = parseFrom(cfg.From); err != nil {
			return nil, err
		}
	}
	if from == "" {
		return nil, fmt.Errorf("mail: no sender's address: add ?from=psti@example.com to the SMTP URL")
	}
	a, _ := netmail.ParseAddress(from)
	if cfg.Interval <= 0 {
		cfg.Interval = 5 * time.Second
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 20
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if clock == nil {
		clock = psti.SystemClock{}
	}
	if logger == nil {
		logger = slog.Default()
	}
	s := &Sender{
		outbox: outbox, relay: relay, from: from, domain: a.Address[strings.LastIndexByte(a.Address, '@')+1:],
		cfg: cfg, clock: clock, log: logger, kick: make(chan struct{}, 1),
		// Long enough for the connection and every message of a batch to
		// time out twice over: a claim never runs out under a working sender.
		lease: 2 * time.Duration(cfg.Batch+1) * cfg.Timeout,
	}
	s.tls = &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.TLS != nil {
		s.tls = cfg.TLS.Clone()
	}
	if s.tls.ServerName == "" {
		s.tls.ServerName = relay.Host
	}
	// Check the options now rather than at the first message.
	if _, err := s.newClient((&net.Dialer{}).DialContext); err != nil {
		return nil, err
	}
	return s, nil
}

// Relay returns the relay the sender hands mail to.
func (s *Sender) Relay() Relay { return *s.relay }

// Stats returns what the sender has done since it was made.
func (s *Sender) Stats() Stats {
	return Stats{Sent: s.sent.Load(), Retried: s.retried.Load(), Failed: s.failed.Load()}
}

// Kick asks Run to look at the outbox now, for example after mail was
// queued. It never blocks.
func (s *Sender) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Run sends due mail until ctx ends: every Interval, at once after Kick, and
// straight on while full batches go out. Failures are logged and retried.
func (s *Sender) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.Interval)
	defer t.Stop()
	for {
		st, err := s.SendDue(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			s.log.Error("mail: unable to take mail from the outbox", "error", err)
		} else if int(st.Sent) == s.cfg.Batch {
			continue // there may be more waiting
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.kick:
		}
	}
}

// SendDue takes one batch of due messages from the outbox and tries each
// once, over one connection, and records the outcome of each: sent, retry
// later, or (MaxAge after it was queued) given up. It returns what it did;
// an error means the outbox could not be read. Messages still held when ctx
// ends are offered again when their claim runs out.
func (s *Sender) SendDue(ctx context.Context) (Stats, error) {
	var st Stats
	batch, err := s.outbox.ClaimMail(ctx, s.clock.Now(), s.lease, s.cfg.Batch)
	if err != nil || len(batch) == 0 {
		return st, err
	}
	conn, err := s.dial(ctx)
	if err != nil {
		err = fmt.Errorf("connecting to %s:%d: %w", s.relay.Host, s.relay.Port, err)
		for _, q := range batch {
			s.attemptFailed(ctx, q, err, &st, false)
		}
		s.log.Warn("mail: the relay is not available; the mail will be tried again", "relay", s.relay.String(),
			"messages", len(batch), "error", err)
		return st, nil
	}
	defer conn.close()
	for i, q := range batch {
		if ctx.Err() != nil {
			break
		}
		msg, err := s.compose(q)
		if err == nil {
			err = conn.client.SendWithSMTPClient(conn.smtp, msg)
		}
		// A message the relay took counts as sent even if the exchange
		// after it (RSET) failed.
		if msg != nil && msg.IsDelivered() {
			s.delivered(ctx, q, &st)
			continue
		}
		s.attemptFailed(ctx, q, err, &st, true)
		var se *gomail.SendError
		if errors.As(err, &se) && se.Reason == gomail.ErrConnCheck {
			// The connection is gone: the rest wait for the next attempt
			// rather than each waiting out a timeout.
			for _, rest := range batch[i+1:] {
				s.attemptFailed(ctx, rest, err, &st, false)
			}
			break
		}
	}
	return st, nil
}

// newClient prepares a go-mail client that connects through dial.
func (s *Sender) newClient(dial gomail.DialContextFunc) (*gomail.Client, error) {
	r := s.relay
	opts := []gomail.Option{
		gomail.WithPort(r.Port),
		gomail.WithTimeout(s.cfg.Timeout),
		gomail.WithTLSConfig(s.tls),
		gomail.WithDialContextFunc(dial),
	}
	switch r.Security {
	case StartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case ImplicitTLS:
		opts = append(opts, gomail.WithSSL()) // dial speaks TLS; no STARTTLS
	case NoTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if r.Username != "" {
		// Only over TLS (ParseURL refuses a login without it), so PLAIN and
		// LOGIN are safe to use when the relay offers nothing stronger.
		opts = append(opts, gomail.WithUsername(r.Username), gomail.WithPassword(r.Password),
			gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthSCRAMSHA256PLUS, gomail.SMTPAuthSCRAMSHA256,
				gomail.SMTPAuthSCRAMSHA1PLUS, gomail.SMTPAuthSCRAMSHA1, gomail.SMTPAuthCramMD5,
				gomail.SMTPAuthPlain, gomail.SMTPAuthLogin))
	}
	c, err := gomail.NewClient(r.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("mail: unable to prepare the SMTP client: %w", err)
	}
	return c, nil
}

// connection is one session with the relay.
type connection struct {
	client *gomail.Client
	smtp   *smtp.Client
}

func (c *connection) close() { _ = c.client.CloseWithSMTPClient(c.smtp) }

// dial connects, says hello, starts TLS and logs in. The network
// connection is made here rather than inside go-mail, which would leave it
// open when a step after connecting fails (no STARTTLS, a refused login).
func (s *Sender) dial(ctx context.Context) (*connection, error) {
	var mu sync.Mutex
	var raw net.Conn
	dialer := &net.Dialer{Timeout: s.cfg.Timeout}
	client, err := s.newClient(func(ctx context.Context, network, addr string) (net.Conn, error) {
		var c net.Conn
		var err error
		if s.relay.Security == ImplicitTLS {
			c, err = (&tls.Dialer{NetDialer: dialer, Config: s.tls}).DialContext(ctx, network, addr)
		} else {
			c, err = dialer.DialContext(ctx, network, addr)
		}
		if err == nil {
			mu.Lock()
			raw = c
			mu.Unlock()
		}
		return c, err
	})
	if err != nil {
		return nil, err
	}
	c, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		mu.Lock()
		if raw != nil {
			raw.Close()
		}
		mu.Unlock()
		return nil, err
	}
	return &connection{client: client, smtp: c}, nil
}

// compose writes a queued message as go-mail's. Its Message-ID is the same
// at every attempt, so a message that went out twice (a sender stopped
// between the relay's answer and recording it) can be recognised as one.
func (s *Sender) compose(q Queued) (*gomail.Msg, error) {
	m := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := m.From(s.from); err != nil {
		return nil, fmt.Errorf("the sender's address: %w", err)
	}
	if err := m.To(q.To); err != nil {
		return nil, fmt.Errorf("the recipient's address: %w", err)
	}
	m.Subject(q.Subject)
	m.SetDateWithValue(s.clock.Now())
	m.SetMessageIDWithValue(fmt.Sprintf("psti.%d.%d@%s", q.ID, q.CreatedAt.UnixMicro(), s.domain))
	// RFC 3834: sent by a program, so auto-responders do not answer it.
	m.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	m.SetBodyString(gomail.TypeTextPlain, q.Text)
	return m, nil
}

// recordTimeout bounds writing an outcome to the outbox, which goes ahead
// when ctx has ended: a message the relay took must not be sent again.
const recordTimeout = 10 * time.Second

func (s *Sender) delivered(ctx context.Context, q Queued, st *Stats) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	st.Sent++
	s.sent.Add(1)
	if err := s.outbox.SentMail(ctx, q.ID, s.clock.Now()); err != nil {
		s.log.Error("mail: sent, but unable to record it", "id", q.ID, "kind", q.Kind, "ref", q.Ref, "error", err)
		return
	}
	s.log.Debug("mail: sent", "id", q.ID, "kind", q.Kind, "ref", q.Ref)
}

// attemptFailed schedules the next attempt, or gives the message up once it
// is MaxAge old. Giving up is always logged; a retry only if logRetry (a
// relay that is down is logged once, not once per message).
func (s *Sender) attemptFailed(ctx context.Context, q Queued, cause error, st *Stats, logRetry bool) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if cause == nil {
		cause = errors.New("not delivered, for no reason given")
	}
	now := s.clock.Now()
	// Logs name the message, not the person: the relay's answer may quote
	// the recipient's address.
	reason := strings.ReplaceAll(cause.Error(), q.To, "<recipient>")
	attempt := q.Attempts + 1
	giveUp := q.CreatedAt.Add(MaxAge)
	if !now.Before(giveUp) {
		st.Failed++
		s.failed.Add(1)
		if err := s.outbox.FailedMail(ctx, q.ID, cause.Error()); err != nil {
			s.log.Error("mail: unable to record mail as given up", "id", q.ID, "error", err)
		}
		s.log.Error("mail: given up: not accepted by the relay since it was queued", "id", q.ID, "kind", q.Kind, "ref", q.Ref,
			"queued", q.CreatedAt, "attempts", attempt, "error", reason)
		return
	}
	next := now.Add(RetryDelay(attempt))
	if next.After(giveUp) {
		next = giveUp // one last attempt when the time is up
	}
	st.Retried++
	s.retried.Add(1)
	if err := s.outbox.RetryMail(ctx, q.ID, next, cause.Error()); err != nil {
		s.log.Error("mail: unable to record a failed attempt", "id", q.ID, "error", err)
		return
	}
	if !logRetry {
		return
	}
	s.log.Warn("mail: not sent; will try again", "id", q.ID, "kind", q.Kind, "ref", q.Ref,
		"attempt", attempt, "next", next, "error", reason)
}

// RetryDelay is how long to wait after the n-th failed attempt (n ≥ 1):
// FirstRetry, doubling each time, at most MaxRetryDelay.
func RetryDelay(n int) time.Duration {
	d := FirstRetry
	for i := 1; i < n && d < MaxRetryDelay; i++ {
		d *= 2
	}
	return min(d, MaxRetryDelay)
}
