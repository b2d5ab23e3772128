// Package web is psti's HTTP surface: the JSON API under /api/v1/ (described
// by OpenAPI 3.1), the server-rendered pages, health and metrics. It decodes
// and checks what arrives, calls the capability packages, and renders what
// they return; the rules live in those packages. Domain errors become HTTP
// statuses in one place, statusOf.
package web

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/danielgtaylor/huma/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/psti/psti/internal/assessment"
	"github.com/psti/psti/internal/assessment/pack"
	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/cases"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/passwords"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/scope"
	"github.com/psti/psti/internal/statement"
	"github.com/psti/psti/internal/support"
)

// Store is everything the web layer reads and writes.
type Store interface {
	product.Store
	auth.Store
	psti.AuditLog
	passwords.RunStore
	passwords.ReviewStore
	// RunsAudited returns how many rows each of a batch's newest finished
	// password audits audited, by run id (see store.DB.RunsAudited).
	RunsAudited(ctx context.Context, batchID int64, limit int) (map[int64]int64, error)
	disclosure.Store
	disclosure.AdvisoryStore
	support.Store
	statement.Store
	scope.Store
	// CurrentScopeDecisions returns each product's newest scope decision
	// (see store.DB.CurrentScopeDecisions).
	CurrentScopeDecisions(ctx context.Context, productIDs ...int64) (map[int64]*scope.Record, error)
	assessment.Store
	cases.Store
	// LatestAudits and PolicyLogIndex are the proof assessments read
	// (see store.DB).
	LatestAudits(ctx context.Context, productID int64) (map[int64]*passwords.Run, error)
	PolicyLogIndex(ctx context.Context, orgID, revision int64) (*int64, error)
	// StatementSigner returns the key that signs statements at now (see
	// store.DB.StatementSigner).
	StatementSigner(ctx context.Context, now time.Time) (*statement.Signer, error)
	// SetLogo and Logo keep the organisation's logo (see store.DB.SetLogo).
	SetLogo(ctx context.Context, a psti.Actor, orgID int64, data []byte) error
	Logo(ctx context.Context, orgID int64) (contentType string, data []byte, err error)
	LogStore
	StatementKeyStore
	// EvidencePack gathers what a product's evidence pack holds (see
	// store.DB.EvidencePack).
	EvidencePack(ctx context.Context, productID int64, now time.Time) (*pack.Input, error)
	Ping(ctx context.Context) error
	CheckWrite(ctx context.Context) error
}

// Config is what the server needs to know about where it runs.
type Config struct {
	// BaseURL is the public address of this installation, used for links in
	// pages and documents (e.g. https://psti.example.com). Cookies are marked
	// Secure when it starts with https://.
	BaseURL string
	Version string
	Logger  *slog.Logger
	Clock   psti.Clock
	// Audits configures the password audits run from the web (where
	// uploads wait, how large they may be). The zero value is usable.
	Audits passwords.RunnerOptions
	// TrustedProxies are the reverse proxies whose X-Forwarded-For header
	// names the client, for rate limits, throttling and logs.
	TrustedProxies []netip.Prefix
	// IntakeRate is how many security reports (and reporter messages) one
	// address may send a minute; 0 for no limit (load tests).
	IntakeRate int
	// WorkDir is where files being received wait while they arrive
	// (report attachments); "" means the system's temporary directory.
	WorkDir string
	// AttachmentsPerAddress is how many bytes of report attachments one
	// address may send a day, on each server; AttachmentsTotal is the most
	// all attachments kept may come to. 0 for no limit.
	AttachmentsPerAddress, AttachmentsTotal int64
	// SupportWindow is how far ahead staff are reminded of support periods
	// coming to an end (the reminders page and the overview); 0 means
	// support.ReminderWindow, 180 days.
	SupportWindow time.Duration
	// LabelWindow is how long before a label that deems a requirement met
	// expires the assessments warn; 0 means assessment.DefaultWarning.
	LabelWindow time.Duration
	// HSTSMaxAge is how long, in seconds, browsers are told to reach this
	// installation only over https (Strict-Transport-Security), when
	// BaseURL is https; 0 sends no such header.
	HSTSMaxAge int
}

// Route is one method and path the server answers, and the least role that
// may use it (auth.Public for everyone). Every route is registered through
// the server's helpers, so this list is complete; the access test checks each.
type Route struct {
	Method  string
	Pattern string
	Role    auth.Role
	API     bool
}

// Server serves psti over HTTP.
type Server struct {
	cfg         Config
	base        *url.URL
	store       Store
	auth        *auth.Service
	log         *slog.Logger
	mux         *http.ServeMux
	api         huma.API
	sessions    *scs.SessionManager
	pages       *templates
	metrics     *metrics
	routes      []Route
	handler     http.Handler
	audits      *passwords.Runner
	reports     *disclosure.Service
	statements  *statement.Service
	assessments *assessment.Service
	scope       *scope.Service
	cases       *cases.Service
	hsts        string   // the Strict-Transport-Security header, or ""
	intake      *limiter // security reports and replies, per address
	lookups     *limiter // receipt look-ups, per address
	attached    *quota   // attachment bytes, per address and day
	writable    probe    // the last write check, for /readyz
	// logProblems is what the transparency log's self-check found wrong.
	logProblems atomic.Pointer[[]string]
}

// probe keeps the result of the store's write check for a second, so that
// however often /readyz is asked, the database commits at most one check a
// second: the route is public, and each check is a flush to disk.
type probe struct {
	mu  sync.Mutex
	at  time.Time
	err error
}

// checkWrite runs the store's write check, or returns the result of one
// made in the last second. Requests that arrive while a check runs wait for
// it and share its result.
func (s *Server) checkWrite(ctx context.Context) error {
	s.writable.mu.Lock()
	defer s.writable.mu.Unlock()
	if !s.writable.at.IsZero() && time.Since(s.writable.at) < time.Second {
		return s.writable.err
	}
	// Not the request's context: a client that hangs up must not leave a
	// failure behind for the others to read.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	err := s.store.CheckWrite(ctx)
	s.writable.at, s.writable.err = time.Now(), err
	return err
}

// New builds a server. It registers every route; Handler returns the result.
func New(cfg Config, st Store, svc *auth.Service) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = psti.SystemClock{}
	}
	if cfg.WorkDir == "" {
		cfg.WorkDir = os.TempDir()
	}
	if cfg.SupportWindow <= 0 {
		cfg.SupportWindow = support.ReminderWindow
	}
	if cfg.Audits.Dir == "" {
		cfg.Audits.Dir = cfg.WorkDir
	}
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("web: base URL %q must be an absolute http(s) address", cfg.BaseURL)
	}
	pages, err := loadTemplates()
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:     cfg,
		base:    base,
		store:   st,
		auth:    svc,
		log:     cfg.Logger,
		mux:     http.NewServeMux(),
		pages:   pages,
		metrics: newMetrics(),
	}
	s.sessions = newSessions(st, base.Scheme == "https", s.log)
	if base.Scheme == "https" && cfg.HSTSMaxAge > 0 {
		s.hsts = fmt.Sprintf("max-age=%d", cfg.HSTSMaxAge)
	}
	if cfg.Audits.Logger == nil {
		cfg.Audits.Logger = s.log
	}
	if cfg.Audits.Clock == nil {
		cfg.Audits.Clock = cfg.Clock
	}
	s.audits = passwords.NewRunner(st, cfg.Audits)
	s.scope = &scope.Service{Store: st, Clock: cfg.Clock}
	s.assessments = &assessment.Service{Store: st, Records: st, Clock: cfg.Clock, Window: cfg.LabelWindow}
	s.statements = &statement.Service{Store: st, Records: st, Signer: st.StatementSigner, Clock: cfg.Clock, BaseURL: base.String(), Assessments: s.assessments}
	s.reports = &disclosure.Service{Store: st, Register: st, Users: st, Clock: cfg.Clock, BaseURL: base.String()}
	s.cases = &cases.Service{Store: st, Register: st, Reports: st, Policies: s.reports, Clock: cfg.Clock}
	s.attached = newQuota(cfg.AttachmentsPerAddress)
	if cfg.IntakeRate > 0 {
		s.intake, s.lookups = newLimiter(cfg.IntakeRate), newLimiter(max(60, cfg.IntakeRate))
	}
	s.metrics.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "psti_reports_overdue",
		Help: "Open security reports whose next promise (acknowledgement or status update) is overdue.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, err := st.CountReports(ctx, disclosure.Filter{Overdue: cfg.Clock.Now()})
		if err != nil {
			s.log.Warn("counting overdue reports", "err", err)
			return math.NaN()
		}
		return float64(n)
	}))
	s.metrics.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "psti_duties_overdue",
		Help: "Open duties of open compliance cases (notify, remedy, prevent or stop supply, contact) past the organisation's own target.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, err := st.CountOverdueDuties(ctx, cfg.Clock.Now())
		if err != nil {
			s.log.Warn("counting overdue duties", "err", err)
			return math.NaN()
		}
		return float64(n)
	}))
	s.api = s.newAPI()
	s.registerAPI()
	s.registerPages()
	s.registerOps()
	s.handler = s.middleware(s.mux)
	return s, nil
}

// SweepReports alerts staff to new security reports and to promises that
// fell due without being kept, and to compliance duties past their target
// and deadlines of notices from the authority coming close, every interval
// until ctx ends. Alerts go by e-mail to each policy's alert address; the
// list pages and the psti_reports_overdue and psti_duties_overdue metrics
// show the same at any time.
func (s *Server) SweepReports(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := s.reports.Sweep(ctx, s.base.String()); err != nil {
			if ctx.Err() != nil {
				return
			}
			s.log.Warn("alerting staff about security reports", "err", err)
		} else if n > 0 {
			s.log.Info("staff alerted about security reports", "reports", n)
		}
		if n, err := s.cases.Sweep(ctx, s.base.String()); err != nil {
			if ctx.Err() != nil {
				return
			}
			s.log.Warn("alerting staff about compliance duties", "err", err)
		} else if n > 0 {
			s.log.Info("staff alerted about compliance duties", "alerts", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Close stops the background work the server started: password audits
// still running are recorded as stopped. Call it after the HTTP server has
// shut down.
func (s *Server) Close() { s.audits.Close() }

// Handler returns the server's root handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Routes lists every route the server answers.
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }

// Metrics is the registry /metrics serves; later capabilities add to it.
func (s *Server) Metrics() *prometheus.Registry { return s.metrics.registry }

// OpenAPI returns the API description.
func (s *Server) OpenAPI() *huma.OpenAPI { return s.api.OpenAPI() }

// link returns the absolute address of a path on this installation.
func (s *Server) link(path string) string { return s.base.String() + path }

// registerOps adds the routes operators and their tools use.
func (s *Server) registerOps() {
	s.handle("GET /healthz", auth.Public, false, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	s.handle("GET /readyz", auth.Public, false, func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := s.store.Ping(ctx); err != nil {
			s.log.Warn("readiness check failed", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "database unavailable")
			return
		}
		// A database that answers but cannot write (a full disk) would
		// accept every request and fail each one that changes something.
		if err := s.checkWrite(ctx); err != nil {
			s.log.Warn("readiness check failed", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "not ready: "+psti.ErrorMessage(err))
			return
		}
		fmt.Fprintln(w, "ready")
	})
	s.handle("GET /metrics", auth.Public, false, s.metrics.handler().ServeHTTP)
}

// handle registers a plain handler and records its route.
func (s *Server) handle(pattern string, role auth.Role, api bool, h http.HandlerFunc) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "*", pattern // any method
	}
	s.routes = append(s.routes, Route{Method: method, Pattern: path, Role: role, API: api})
	s.mux.HandleFunc(pattern, h)
}
