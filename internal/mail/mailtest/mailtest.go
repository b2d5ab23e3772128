// Package mailtest is a real SMTP server on loopback for tests: it keeps
// what it receives, can go down and come back on the same port, refuse
// recipients, speak TLS and require a login.
package mailtest

import (
	"crypto/tls"
	"encoding/base64"
	"io"
	"log"
	"mime"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one message as the relay got it.
type Message struct {
	From string   // envelope sender
	To   []string // envelope recipients
	Data []byte   // as it came over the wire
	TLS  bool     // the session was encrypted
	User string   // who logged in, if anyone
}

// Text reads the message as a mail program would: the decoded Subject
// header, a blank line, and the body with its transfer encoding undone.
// A message that cannot be read as mail is returned as it came.
func (m Message) Text() string {
	msg, err := netmail.ReadMessage(strings.NewReader(string(m.Data)))
	if err != nil {
		return string(m.Data)
	}
	var body io.Reader = msg.Body
	switch strings.ToLower(msg.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		body = quotedprintable.NewReader(msg.Body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, msg.Body)
	}
	b, _ := io.ReadAll(body)
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	return "Subject: " + subject + "\n\n" + string(b)
}

// Relay is an SMTP server on 127.0.0.1 that keeps what it receives. Set its
// options before Start.
type Relay struct {
	// TLS is offered with STARTTLS, or spoken from the start if Implicit.
	TLS      *tls.Config
	Implicit bool
	// Auth maps each user to a password; nil means no login is needed.
	Auth map[string]string

	t    testing.TB
	addr string

	mu       sync.Mutex
	msgs     []Message
	refuse   map[string]bool // recipients answered 550
	sessions int             // connections accepted
	open     int             // connections not yet closed
	srv      *smtp.Server
	ln       net.Listener
}

// New is a relay that is not yet listening; it is stopped when the test ends.
func New(t testing.TB) *Relay {
	r := &Relay{t: t, addr: "127.0.0.1:0", refuse: map[string]bool{}}
	t.Cleanup(r.Stop)
	return r
}

// Addr is where the relay listens: host and port.
func (r *Relay) Addr() string { return r.addr }

// Refuse has the relay answer 550 to the recipient addr.
func (r *Relay) Refuse(addr string) {
	r.mu.Lock()
	r.refuse[addr] = true
	r.mu.Unlock()
}

// Start listens: on a free port the first time, on the same port after a
// Stop.
func (r *Relay) Start() {
	r.t.Helper()
	var ln net.Listener
	var err error
	// The port was closed a moment ago; binding it again may take a few tries.
	for range 50 {
		if ln, err = net.Listen("tcp", r.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		r.t.Fatalf("listening on %s: %v", r.addr, err)
	}
	if r.Implicit {
		ln = tls.NewListener(ln, r.TLS)
	}
	r.addr = ln.Addr().String()
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		r.mu.Lock()
		r.sessions++
		r.open++
		r.mu.Unlock()
		return &session{r: r, c: c}, nil
	}))
	srv.Domain = "relay.test"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.AllowInsecureAuth = false
	if !r.Implicit {
		srv.TLSConfig = r.TLS
	}
	r.mu.Lock()
	r.srv, r.ln = srv, ln
	r.mu.Unlock()
	go srv.Serve(ln)
}

// Stop closes the listener and every connection: the relay is down. It
// closes the listener itself, so that a server still starting cannot take
// it up.
func (r *Relay) Stop() {
	r.mu.Lock()
	srv, ln := r.srv, r.ln
	r.srv, r.ln = nil, nil
	r.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
	if srv != nil {
		srv.Close()
	}
}

// Received is every message the relay has taken, in order.
func (r *Relay) Received() []Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Message(nil), r.msgs...)
}

// Sessions is how many connections the relay has accepted.
func (r *Relay) Sessions() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sessions
}

// WaitClosed waits for the client to close every connection: a client that
// gave up on a session must not leave it for the relay to time out.
func (r *Relay) WaitClosed() {
	r.t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		r.mu.Lock()
		open := r.open
		r.mu.Unlock()
		if open == 0 {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("%d connections left open", open)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type session struct {
	r    *Relay
	c    *smtp.Conn
	from string
	to   []string
	user string
}

func (s *session) AuthMechanisms() []string {
	if s.r.Auth == nil {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if want, ok := s.r.Auth[user]; !ok || want != pass {
			return smtp.ErrAuthFailed
		}
		s.user = user
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.r.Auth != nil && s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.r.mu.Lock()
	refused := s.r.refuse[to]
	s.r.mu.Unlock()
	if refused {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := s.c.TLSConnectionState()
	s.r.mu.Lock()
	s.r.msgs = append(s.r.msgs, Message{From: s.from, To: s.to, Data: b, TLS: isTLS, User: s.user})
	s.r.mu.Unlock()
	return nil
}

func (s *session) Reset() { s.from, s.to = "", nil }

func (s *session) Logout() error {
	s.r.mu.Lock()
	s.r.open--
	s.r.mu.Unlock()
	return nil
}
