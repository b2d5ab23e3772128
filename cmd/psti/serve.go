package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/mail"
	"github.com/psti/psti/internal/passwords"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/web"
)

func serveCmd(a *app) *cobra.Command {
	var addr, workDir string
	var grace time.Duration
	var intakeRate int
	var proxies string
	c := &cobra.Command{
		Use:   "serve",
		Short: "Run the web server: public pages, admin pages and the JSON API",
		Long: `Run the web server. It checks the database first: an SQLite file that fails
SQLite's quick integrity check is refused (exit status 1) with a message that
says how to restore a backup. It then applies any pending migrations, and
listens on --addr. On an empty database it prints a one-time setup link for the
first administrator: open it to choose your password. There is no default
password.

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
			return a.serve(c.Context(), serveOptions{addr: addr, workDir: workDir, grace: grace, intakeRate: intakeRate, proxies: proxies})
		},
	}
	c.Flags().StringVar(&addr, "addr", env("PSTI_ADDR", "127.0.0.1:8080"), "address to listen on, host:port (env PSTI_ADDR)")
	c.Flags().StringVar(&workDir, "work-dir", env("PSTI_WORK_DIR", ""), "where uploaded password batches wait for their audit; private to psti (env PSTI_WORK_DIR; default: the system's temporary directory)")
	c.Flags().IntVar(&intakeRate, "intake-rate", envInt("PSTI_INTAKE_RATE", 10), "security reports (and reporter messages) one address may send a minute; 0 lifts the limit, for load tests (env PSTI_INTAKE_RATE)")
	c.Flags().StringVar(&proxies, "trusted-proxies", env("PSTI_TRUSTED_PROXIES", ""), "addresses or networks of your reverse proxies, comma-separated (e.g. 127.0.0.1,::1): their X-Forwarded-For names the client for rate limits and logs (env PSTI_TRUSTED_PROXIES)")
	c.Flags().DurationVar(&grace, "shutdown-timeout", 30*time.Second, "how long requests in flight may take to finish on shutdown")
	return c
}

type serveOptions struct {
	addr, workDir string
	grace         time.Duration
	intakeRate    int
	proxies       string
}

func (a *app) serve(parent context.Context, o serveOptions) error {
	addr, grace := o.addr, o.grace
	if o.intakeRate < 0 {
		return usagef("--intake-rate must be 0 (no limit) or more")
	}
	trusted, err := parseProxies(o.proxies)
	if err != nil {
		return err
	}
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
	db, err := a.open(ctx)
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
	log.Info("database ready", "backend", db.Backend(), "url", redact(a.databaseURL), "took", time.Since(opened).Round(time.Millisecond))

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", addr, err)
	}
	defer ln.Close()
	base := a.baseURL
	if base == "" {
		base = "http://" + displayAddr(ln.Addr().String())
	}

	clock := psti.SystemClock{}
	svc := auth.NewService(db, clock)
	if code, ok, err := svc.FirstRun(ctx); err != nil {
		return err
	} else if ok {
		fmt.Fprintf(a.stderr, "\nNo users yet. To set up the first administrator, open this link (it works once, for 72 hours):\n\n    %s/setup/%s\n\n", base, code)
	}

	srv, err := web.New(web.Config{BaseURL: base, Version: buildVersion(), Logger: log, Clock: clock,
		Audits: passwords.RunnerOptions{Dir: o.workDir}, IntakeRate: o.intakeRate, TrustedProxies: trusted}, db, svc)
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
	go sweepSessions(ctx, db, log)
	go srv.SweepReports(ctx, time.Minute)
	if url := os.Getenv("PSTI_SMTP_URL"); url != "" {
		sender, err := mail.New(db, mail.Config{URL: url, From: os.Getenv("PSTI_SMTP_FROM")}, clock, log)
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

// parseProxies reads --trusted-proxies: addresses (a single host) or
// networks in CIDR form.
func parseProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, usagef("--trusted-proxies: %q is not an address or network (write 127.0.0.1 or 10.0.0.0/8)", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
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
