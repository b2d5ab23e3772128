package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/psti"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// maxFormBody bounds a submitted form. Forms hold a few fields of text.
const maxFormBody = 64 << 10

// eventText names a timeline event for staff.
func eventText(kind string) string {
	switch kind {
	case disclosure.EventReceived:
		return "report received"
	case disclosure.EventAcknowledged:
		return "acknowledged"
	case disclosure.EventUpdate:
		return "status update"
	case disclosure.EventReporter:
		return "message from the reporter"
	case disclosure.EventNote:
		return "note"
	case disclosure.EventTriage:
		return "triage"
	case disclosure.EventClosed:
		return "closed"
	case disclosure.EventAdvisory:
		return "advisory published"
	case disclosure.EventReminder:
		return "overdue alert"
	}
	return kind
}

// langName names a language tag in English, for pages.
func langName(tag string) string {
	names := map[string]string{"en": "English", "cy": "Welsh", "gd": "Scottish Gaelic", "ga": "Irish", "de": "German", "fr": "French",
		"es": "Spanish", "it": "Italian", "nl": "Dutch", "pl": "Polish", "pt": "Portuguese", "zh": "Chinese", "ja": "Japanese", "ko": "Korean"}
	base, _, _ := strings.Cut(strings.ToLower(tag), "-")
	if n, ok := names[base]; ok {
		return n
	}
	return tag
}

// sizeText says how large a file is, in the units people read.
func sizeText(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 10e6:
		return fmt.Sprintf("%d MB", n/1e6)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%d kB", n/1e3)
	}
	return fmt.Sprintf("%d bytes", n)
}

// untilText says until when something lasts: to the end of a day when it
// ends at midnight in London (as a token given a last day does), and
// otherwise to the minute.
func untilText(t time.Time) string {
	if l := t.In(psti.London); l.Hour() == 0 && l.Minute() == 0 && l.Second() == 0 && l.Nanosecond() == 0 {
		return "until the end of " + psti.DeadlineDay(t)
	}
	return "until " + psti.LongDateTime(t)
}

// templates holds one parsed set per page: the layout, the shared
// partials, and the page itself.
type templates struct {
	sets map[string]*template.Template
}

var funcs = template.FuncMap{
	"longDate":  func(t time.Time) string { return psti.LongDate(t) },
	"shortDate": psti.ShortDate,
	"dateTime":  func(t time.Time) string { return psti.LongDateTime(t) },
	"deadline":  func(t time.Time) string { return psti.Deadline(t) },
	"until":     untilText,
	// formToken is a fresh one-time token for a form (see formtoken.go).
	"formToken":  newFormToken,
	"dateOf":     psti.DateText,
	"can":        func(u *auth.User, role string) bool { return u != nil && u.Role.Allows(auth.Role(role)) },
	"lines":      func(s string) []string { return strings.Split(s, "\n") },
	"count":      humanize.Comma,
	"langName":   langName,
	"capital":    capital,
	"percent":    func(f float64) float64 { return f * 100 },
	"statusText": disclosure.StatusText,
	"isOpen":     disclosure.Open,
	"severities": func() []string { return disclosure.Severities },
	"eventText":  eventText,
	"fieldError": func(ps []psti.FieldError, field string) string {
		for _, p := range ps {
			if p.Field == field {
				return p.Message
			}
		}
		return ""
	},
	"devices": func(n int64) string {
		if n == 1 {
			return "1 device"
		}
		return humanize.Comma(n) + " devices"
	},
	"size": sizeText,
}

func loadTemplates() (*templates, error) {
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	t := &templates{sets: map[string]*template.Template{}}
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".html")
		if base == "layout" || base == "partials" {
			continue
		}
		set, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/partials.html", n)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", n, err)
		}
		t.sets[base] = set
	}
	return t, nil
}

// view is what every page template receives.
type view struct {
	Title   string
	User    *auth.User
	Flash   string
	Section string // which part of the navigation is current
	Version string
	Site    site // whose site it is: the organisation's name, logo and colour
	Data    any
	// Warnings are settings an administrator must fix (warnings.go).
	Warnings []string
}

// render writes a page. It renders into a buffer first, so a template
// failure becomes a clean error page instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, v *view) {
	set, ok := s.pages.sets[name]
	if !ok {
		s.log.Error("no such template", "name", name)
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	v.Version = s.cfg.Version
	v.Warnings = s.staffWarnings(r.Context(), v.User)
	v.Site = s.site(r.Context())
	if v.Flash == "" && v.User != nil {
		v.Flash = s.sessions.PopString(r.Context(), keyFlash)
	}
	var buf bytes.Buffer
	if err := set.Execute(&buf, v); err != nil {
		s.log.Error("rendering page failed", "template", name, "err", err)
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// errorPage shows a plain page that says what went wrong and what to do.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	s.render(w, r, status, "error", &view{Title: http.StatusText(status), Data: struct {
		Status  int
		Message string
	}{status, msg}})
}

// pageError shows a domain error as a page, with the status statusOf gives.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(psti.ErrorCode(err))
	if status == http.StatusInternalServerError {
		s.logFailure(r.Context(), "page request failed", err, "path", logPath(r))
	}
	s.errorPage(w, r, status, psti.ErrorMessage(err))
}

// logFailure logs a request that failed on the server's side as an error,
// unless it failed only because its client went away first (it hung up, or
// a proxy in front gave up on it): then it is a warning, so that error
// alerts stay for faults. A request that keeps failing that way (waiting on
// a lock until the proxy's time runs out, say) still shows in the warnings.
func (s *Server) logFailure(ctx context.Context, msg string, err error, args ...any) {
	args = append(args, "err", err)
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		s.log.Warn(msg+": the client went away", args...)
		return
	}
	s.log.Error(msg, args...)
}

// pageHandler is a page that knows who is signed in (u is nil for nobody).
type pageHandler func(w http.ResponseWriter, r *http.Request, u *auth.User)

// page registers an HTML route that needs at least role. It loads the
// session, bounds and parses submitted forms, sends people who are not
// signed in to the sign-in page and refuses those whose role is too low.
func (s *Server) page(pattern string, role auth.Role, h pageHandler) {
	s.pageWith(pattern, role, pageOpts{}, h)
}

// pageOpts are the ways a page may differ from the plain one.
type pageOpts struct {
	// upload leaves a POST body for the handler to stream instead of
	// reading it as a small form.
	upload bool
	// limit, when set, refuses a client over its rate before anything
	// else is read, so that every request counts, whatever the answer;
	// limitMsg says so, with one %d for the seconds to wait.
	limit    *limiter
	limitMsg string
}

// pageWith is page, with options.
func (s *Server) pageWith(pattern string, role auth.Role, o pageOpts, h pageHandler) {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o.limit != nil && s.overLimit(w, r, o.limit, o.limitMsg) {
			return
		}
		if r.Method == http.MethodPost && !o.upload {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
			if err := r.ParseForm(); err != nil {
				var tooBig *http.MaxBytesError
				if errors.As(err, &tooBig) {
					s.errorPage(w, r, http.StatusRequestEntityTooLarge, "The form sent was larger than this page accepts. Shorten the text and try again.")
					return
				}
				s.errorPage(w, r, http.StatusBadRequest, "The form could not be read. Reload the page and try again.")
				return
			}
		}
		u := s.sessionUser(r)
		if role != auth.Public {
			if u == nil {
				if r.Method == http.MethodGet {
					http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
					return
				}
				s.errorPage(w, r, http.StatusUnauthorized, "You are not signed in, or your sign-in has expired. Sign in, then send the form again.")
				return
			}
			if !u.Role.Allows(role) {
				s.errorPage(w, r, http.StatusForbidden, fmt.Sprintf("Your role (%s) does not allow this. Ask an administrator if you need it.", u.Role))
				return
			}
		}
		if s.resent(w, r) {
			return
		}
		h(w, r, u)
	})
	s.handle(pattern, role, false, s.sessions.LoadAndSave(inner).ServeHTTP)
}

// redirect answers a successful form with a fresh page (POST/redirect/GET),
// leaving a message to show there.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, to, flash string) {
	if flash != "" {
		s.flash(r.Context(), flash)
	}
	s.markFormDone(r, to)
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// localPath returns p if it is a path on this site, else "/admin": sign-in
// must never send someone to another site.
func localPath(p string) string {
	if p == "" || p[0] != '/' || strings.HasPrefix(p, "//") {
		return "/admin"
	}
	for i := 0; i < len(p); i++ {
		// Browsers drop tabs and line breaks and read "\" as "/", so
		// "/\t/evil.example" would lead off the site.
		if p[i] < 0x20 || p[i] == 0x7f || p[i] == '\\' {
			return "/admin"
		}
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/admin"
	}
	return p
}

func (s *Server) registerStatic() {
	sub, _ := fs.Sub(staticFiles, "static")
	files := http.StripPrefix("/static/", http.FileServer(http.FS(sub)))
	s.handle("GET /static/", auth.Public, false, func(w http.ResponseWriter, r *http.Request) {
		// Files only: a folder is not listed.
		name := strings.TrimPrefix(r.URL.Path, "/static/")
		if fi, err := fs.Stat(sub, name); err != nil || fi.IsDir() || name == "" || strings.HasSuffix(name, "/") {
			s.errorPage(w, r, http.StatusNotFound, "There is no page at this address. Check the address, or start from the front page.")
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}

func (s *Server) registerPages() {
	// Anything no other route answers gets a page saying so, in the site's
	// own words.
	s.handle("/", auth.Public, false, func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, http.StatusNotFound, "There is no page at this address. Check the address, or start from the front page.")
	})
	s.registerStatic()
	s.registerSitePages()
	s.registerAuthPages()
	s.registerRegisterPages()
	s.registerPeoplePages()
	s.registerPasswordPages()
	s.registerSecurityPages()
	s.registerReportPages()
	s.registerAdvisoryPages()
	s.registerSupportPages()
	s.registerEvidencePack()
	s.registerStatementPages()
	s.registerScopePages()
	s.registerStatementKeyPages()
	s.registerAssessmentPages()
	s.registerLog()
	s.registerRequirementPages()
	s.registerCaseFilePages()
	s.registerCasePages()
	s.registerNoticePages()
	s.registerPartyPages()
	s.registerRecordPages()
}
