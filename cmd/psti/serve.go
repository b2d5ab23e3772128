package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/mail"
	"github.com/psti/psti/internal/passwords"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store"
	"github.com/psti/psti/internal/web"
)

func serveCmd(a *app) *cobra.Command {
	var o serveFlags
	c := &cobra.Command{
		Use:   "serve",
		Short: "Run the web server: public pages, admin pages and the JSON API",
		Long: `Run the web server. It is the one command that makes a new database: when
there is none where --database-url points (by default ./psti-data/psti.db, in
the folder it runs in), it creates it. It checks the database first: an SQLite file that fails
SQLite's quick integrity check is refused (exit status 1) with a message that
says how to restore a backup. It then applies any pending migrations, and
listens on --addr. On an empty database it prints a one-time setup link for the
first administrator: open it to choose your password. There is no default
password.

Every setting is checked before anything is written: a value psti cannot use
stops it at once (exit status 2), naming each such setting and why.

Health: /healthz (process up), /readyz (the database answers and takes a
write; 503 saying why when not, for example when the disk is full), /metrics
(Prometheus). API description: /api/v1/openapi.json.

SIGINT or SIGTERM stops it gracefully: requests in flight finish (for up to
--shutdown-timeout) and the database is closed cleanly.`,
		Example: `  psti serve
  psti serve --addr 0.0.0.0:8080 --base-url https://psti.example.com
  PSTI_DATABASE_URL=postgres://psti@db/psti psti serve`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			cfg, err := o.check(a)
			if err != nil {
				return err
			}
			return a.serve(c.Context(), cfg)
		},
	}
	f := c.Flags()
	f.StringVar(&o.addr, "addr", env("PSTI_ADDR", "127.0.0.1:8080"), "address to listen on, host:port (env PSTI_ADDR)")
	f.StringVar(&o.workDir, "work-dir", env("PSTI_WORK_DIR", ""), "where uploaded password batches wait for their audit; private to psti (env PSTI_WORK_DIR; default: the system's temporary directory)")
	f.StringVar(&o.intakeRate, "intake-rate", env("PSTI_INTAKE_RATE", "10"), "security reports (and reporter messages) one address may send a minute, on each server; 0 lifts the limit, for load tests (env PSTI_INTAKE_RATE)")
	f.StringVar(&o.proxies, "trusted-proxies", env("PSTI_TRUSTED_PROXIES", ""), "addresses or networks of your reverse proxies, comma-separated (e.g. 127.0.0.1,::1): their X-Forwarded-For names the client for rate limits and logs (env PSTI_TRUSTED_PROXIES)")
	f.StringVar(&o.attachPerAddress, "attachments-per-address", env("PSTI_ATTACHMENTS_PER_ADDRESS", "100MiB"), "how much one address may send in files with security reports in a day, on each server; 0 for no limit (env PSTI_ATTACHMENTS_PER_ADDRESS)")
	f.StringVar(&o.attachTotal, "attachments-total", env("PSTI_ATTACHMENTS_TOTAL", "10GiB"), "the most all files sent with security reports may come to; past it, reports are taken without files; 0 for no limit (env PSTI_ATTACHMENTS_TOTAL)")
	f.StringVar(&o.memory, "memory-limit", env("PSTI_MEMORY_LIMIT", "auto"), "the memory the server aims to stay within, e.g. 2GiB: near it, work slows down rather than the process being killed; auto takes GOMEMLIMIT, or 90% of the container's limit; 0 for none (env PSTI_MEMORY_LIMIT)")
	f.StringVar(&o.auditRows, "audit-max-rows", env("PSTI_AUDIT_MAX_ROWS", "40000000"), "the most devices one uploaded password batch may list (env PSTI_AUDIT_MAX_ROWS)")
	f.StringVar(&o.auditUpload, "audit-max-upload", env("PSTI_AUDIT_MAX_UPLOAD", "4GiB"), "the largest password batch file that may be uploaded, as sent (env PSTI_AUDIT_MAX_UPLOAD)")
	f.StringVar(&o.auditExpanded, "audit-max-expanded", env("PSTI_AUDIT_MAX_EXPANDED", "16GiB"), "the largest an uploaded password batch may be once decompressed (env PSTI_AUDIT_MAX_EXPANDED)")
	f.StringVar(&o.hsts, "hsts-max-age", env("PSTI_HSTS_MAX_AGE", "31536000"), "when the base URL is https, how many seconds browsers are told to come back only over https (Strict-Transport-Security); 0 sends no such header (env PSTI_HSTS_MAX_AGE)")
	f.StringVar(&o.labelDays, "label-warning-days", env("PSTI_LABEL_WARNING_DAYS", "90"), "how many days before a label (JC-STAR, Singapore CLS) that deems a requirement met expires the assessments warn, so it can be renewed before the route lapses (env PSTI_LABEL_WARNING_DAYS)")
	f.StringVar(&o.supportDays, "support-reminder-days", env("PSTI_SUPPORT_REMINDER_DAYS", "180"), "how many days ahead staff are reminded of support periods coming to an end, so they can decide in time whether to extend them (env PSTI_SUPPORT_REMINDER_DAYS)")
	f.DurationVar(&o.grace, "shutdown-timeout", 30*time.Second, "how long requests in flight may take to finish on shutdown")
	return c
}

// serveFlags are psti serve's settings as given.
type serveFlags struct {
	addr, workDir, intakeRate, proxies, hsts string
	attachPerAddress, attachTotal            string
	memory, auditRows, auditUpload           string
	auditExpanded, supportDays, labelDays    string
	grace                                    time.Duration
}

// serveConfig is psti serve's settings, checked.
type serveConfig struct {
	addr, base, workDir string
	grace               time.Duration
	intakeRate          int
	hstsMaxAge          int
	supportWindow       time.Duration
	labelWindow         time.Duration
	attachPerAddress    int64
	attachTotal         int64
	memoryLimit         int64 // -1: leave GOMEMLIMIT's
	memoryFrom          string
	audits              passwords.RunnerOptions
	trusted             []netip.Prefix
	smtpURL, smtpFrom   string
}

// check checks every setting of psti serve, returning them all checked or
// a usage error that lists each one that is wrong.
func (o serveFlags) check(a *app) (serveConfig, error) {
	var p problems
	cfg := serveConfig{addr: o.addr, base: a.baseURL, workDir: o.workDir, grace: o.grace,
		smtpURL: os.Getenv("PSTI_SMTP_URL"), smtpFrom: os.Getenv("PSTI_SMTP_FROM")}
	checkAddr(&p, setting{"addr", "PSTI_ADDR"}, o.addr)
	checkBaseURL(&p, setting{"base-url", "PSTI_BASE_URL"}, a.baseURL)
	checkDatabaseURL(&p, setting{"database-url", "PSTI_DATABASE_URL"}, a.databaseURL)
	if _, err := a.logger(); err != nil {
		p = append(p, err.Error())
	}
	checkWorkDir(&p, setting{"work-dir", "PSTI_WORK_DIR"}, o.workDir)
	cfg.intakeRate = int(wholeNumber(&p, setting{"intake-rate", "PSTI_INTAKE_RATE"}, o.intakeRate, 0))
	cfg.attachPerAddress = size(&p, setting{"attachments-per-address", "PSTI_ATTACHMENTS_PER_ADDRESS"}, o.attachPerAddress)
	cfg.attachTotal = size(&p, setting{"attachments-total", "PSTI_ATTACHMENTS_TOTAL"}, o.attachTotal)
	cfg.memoryLimit, cfg.memoryFrom = memoryLimit(&p, setting{"memory-limit", "PSTI_MEMORY_LIMIT"}, o.memory)
	cfg.audits.MaxRows = wholeNumber(&p, setting{"audit-max-rows", "PSTI_AUDIT_MAX_ROWS"}, o.auditRows, 1)
	cfg.audits.MaxBytes = size(&p, setting{"audit-max-upload", "PSTI_AUDIT_MAX_UPLOAD"}, o.auditUpload)
	cfg.audits.MaxExpanded = size(&p, setting{"audit-max-expanded", "PSTI_AUDIT_MAX_EXPANDED"}, o.auditExpanded)
	cfg.hstsMaxAge = int(wholeNumber(&p, setting{"hsts-max-age", "PSTI_HSTS_MAX_AGE"}, o.hsts, 0))
	cfg.supportWindow = time.Duration(wholeNumber(&p, setting{"support-reminder-days", "PSTI_SUPPORT_REMINDER_DAYS"}, o.supportDays, 1)) * 24 * time.Hour
	cfg.labelWindow = time.Duration(wholeNumber(&p, setting{"label-warning-days", "PSTI_LABEL_WARNING_DAYS"}, o.labelDays, 1)) * 24 * time.Hour
	cfg.trusted = parseProxies(&p, setting{"trusted-proxies", "PSTI_TRUSTED_PROXIES"}, o.proxies)
	checkMail(&p, cfg.smtpURL, cfg.smtpFrom)
	checkLogSecret(&p, a.databaseURL)
	if o.grace < 0 {
		p.add(setting{flag: "shutdown-timeout"}, "must not be negative")
	}
	return cfg, p.err()
}

func (a *app) serve(parent context.Context, o serveConfig) error {
	addr, grace := o.addr, o.grace
	log, err := a.logger()
	if err != nil {
		return err
	}
	if parent == nil {
		parent = context.Background()
	}
	ctx, stop := signal.NotifyContext(parent, syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	// The database first: one that is damaged (or newer than this psti) is
	// refused before anything listens, so that nothing reports the server
	// ready, and before a setup link is printed for a database that may hold
	// users after all.
	opened := time.Now()
	db, err := a.create(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if err := db.Close(); err != nil {
			log.Error("closing the database", "err", err)
		} else {
			log.Info("database closed")
		}
	}()
	log.Info("database ready", "backend", db.Backend(), "url", store.RedactURL(a.databaseURL), "took", time.Since(opened).Round(time.Millisecond))
	switch {
	case o.memoryLimit > 0:
		debug.SetMemoryLimit(o.memoryLimit)
		log.Info("memory limit set", "bytes", o.memoryLimit, "from", o.memoryFrom)
	case o.memoryLimit == 0:
		log.Info("no memory limit: set PSTI_MEMORY_LIMIT (e.g. 2GiB) so that work slows down rather than the process being killed when memory runs short")
	default:
		log.Info("memory limit set", "from", o.memoryFrom)
	}

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", addr, err)
	}
	defer ln.Close()
	base := o.base
	if base == "" {
		base = "http://" + displayAddr(ln.Addr().String())
	}
	work, releaseWork, removed, err := privateWorkDir(o.workDir)
	if err != nil {
		return err
	}
	defer releaseWork()
	if removed > 0 {
		log.Info("removed the files of servers that stopped without cleaning up", "folders", removed)
	}

	secret, secretFrom, err := a.logSecret(true)
	if err != nil {
		return err
	}
	if err := db.OpenLog(ctx, store.LogOptions{Secret: secret, Origin: logOrigin(base)}); err != nil {
		if errors.Is(err, store.ErrLogKey) {
			return fmt.Errorf("the transparency log's signing key cannot be opened with the key secret from %s: give psti the secret it was first started with (PSTI_LOG_SECRET or PSTI_LOG_SECRET_FILE)", secretFrom)
		}
		return err
	}
	logKey, err := db.LogVerifier(ctx)
	if err != nil {
		return err
	}
	log.Info("transparency log open", "key", logKey, "secret", secretFrom)

	clock := psti.SystemClock{}
	svc := auth.NewService(db, clock)
	svc.PasswordWords = func(ctx context.Context) []string { return organisationWords(ctx, db) }
	if code, ok, err := svc.FirstRun(ctx); err != nil {
		return err
	} else if ok {
		fmt.Fprintf(a.stderr, "\nNo users yet. To set up the first administrator, open this link (it works once, for 72 hours):\n\n    %s/setup/%s\n\n", base, code)
	} else if open, err := svc.OpenFirstRun(ctx); err != nil {
		return err
	} else if open != nil {
		// Not a second link: two would both lead to the first account.
		fmt.Fprintf(a.stderr, "\nNo users yet. The setup link printed when psti first started still works, until %s.\n"+
			"psti keeps no copy of it. If you no longer have it, make a new one (the server may keep running):\n\n    %s\n\n",
			psti.LongDateTime(open.ExpiresAt), a.usersAddCommand())
	}
	if w := web.InsecureBaseURL(base); w != "" {
		log.Warn(w)
	} else if o.base == "" && !loopback(ln.Addr()) {
		log.Warn(fmt.Sprintf("psti listens on %s for other machines, but PSTI_BASE_URL is not set, so links and security.txt name %s. "+
			"Put psti behind a TLS proxy and set PSTI_BASE_URL to its https:// address.", ln.Addr(), base))
	}

	srv, err := web.New(web.Config{BaseURL: base, Version: buildVersion(), Logger: log, Clock: clock,
		Audits: o.audits, IntakeRate: o.intakeRate, TrustedProxies: o.trusted, HSTSMaxAge: o.hstsMaxAge,
		SupportWindow: o.supportWindow, LabelWindow: o.labelWindow, WorkDir: work, AttachmentsPerAddress: o.attachPerAddress, AttachmentsTotal: o.attachTotal}, db, svc)
	if err != nil {
		return err
	}
	// Runs after the HTTP server has stopped: audits still running are
	// recorded as stopped before the database closes.
	defer srv.Close()
	httpSrv := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	go selfCheckLog(ctx, db, srv, log)
	go sweepSessions(ctx, db, log)
	go srv.SweepReports(ctx, time.Minute)
	if o.smtpURL != "" {
		sender, err := mail.New(db, mail.Config{URL: o.smtpURL, From: o.smtpFrom}, clock, log)
		if err != nil {
			return usagef("PSTI_SMTP_URL: %v", err)
		}
		relay := sender.Relay()
		log.Info("e-mail on", "relay", relay.String())
		go sender.Run(ctx)
	} else {
		log.Info("e-mail off: set PSTI_SMTP_URL to send reporters their updates and staff their alerts; mail is kept queued meanwhile")
	}

	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String(), "url", base, "version", buildVersion())
	fmt.Fprintf(a.stderr, "psti: listening on http://%s\n", ln.Addr().String())

	select {
	case err := <-errc:
		return fmt.Errorf("server stopped: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: waiting for requests in flight", "timeout", grace)
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := httpSrv.Shutdown(sctx); err != nil {
		log.Warn("requests were still running at the deadline", "err", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// usersAddCommand is the command that makes a setup link for an
// administrator on this server's database.
func (a *app) usersAddCommand() string {
	cmd := "psti users add --admin you@example.com"
	if a.databaseURL != store.DefaultURL {
		cmd += " --database-url " + store.RedactURL(a.databaseURL)
	}
	return cmd
}

// loopback reports whether a listening address is reachable from this
// machine only.
func loopback(addr net.Addr) bool {
	ap, err := netip.ParseAddrPort(addr.String())
	return err == nil && ap.Addr().IsLoopback()
}

// organisationWords are the names (and website hosts) of the
// organisations recorded: staff passwords must not be built on them.
func organisationWords(ctx context.Context, db *store.DB) []string {
	orgs, err := db.Organisations(ctx, product.Filter{IncludeArchived: true})
	if err != nil {
		return nil
	}
	var words []string
	for _, o := range orgs {
		words = append(words, o.LegalName)
		if u, err := url.Parse(o.Website); err == nil && u.Hostname() != "" {
			words = append(words, u.Hostname())
		}
	}
	return words
}

// sweepSessions removes expired sessions every hour.
func sweepSessions(ctx context.Context, db auth.Store, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if n, err := db.DeleteExpiredSessions(ctx, now); err != nil {
				log.Warn("removing expired sessions", "err", err)
			} else if n > 0 {
				log.Debug("removed expired sessions", "count", n)
			}
		}
	}
}

// displayAddr turns a listening address into one a browser can open.
func displayAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
