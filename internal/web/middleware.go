package web

import (
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

// middleware wraps the router with what every response needs: panic
// recovery, security headers, cross-origin protection for forms, metrics and
// an access log.
func (s *Server) middleware(next http.Handler) http.Handler {
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.Warn("cross-origin request refused", "method", r.Method, "path", logPath(r), "origin", r.Header.Get("Origin"))
		if isAPI(r) {
			writeProblem(w, http.StatusForbidden, "Cross-origin requests that change data are refused.")
			return
		}
		s.errorPage(w, r, http.StatusForbidden, "This form was sent from another website, so it was refused. Open the page on this site and send it again.")
	}))
	h := csrf.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(s.cfg.TrustedProxies) > 0 {
			r = r.WithContext(context.WithValue(r.Context(), clientKey, forwardedFor(r, s.cfg.TrustedProxies)))
		}
		if isAPI(r) {
			// Media types are case-insensitive (RFC 9110): APPLICATION/JSON
			// is JSON, though the API's decoder only knows the lower case.
			if ct := r.Header.Get("Content-Type"); ct != "" {
				if mt, params, err := mime.ParseMediaType(ct); err == nil {
					r.Header.Set("Content-Type", mime.FormatMediaType(mt, params))
				}
			}
		}
		start := time.Now()
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		securityHeaders(rec.Header(), isAPI(r))
		if s.hsts != "" {
			rec.Header().Set("Strict-Transport-Security", s.hsts)
		}
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("panic serving request", "method", r.Method, "path", logPath(r), "panic", p, "stack", string(debug.Stack()))
				if !rec.wrote {
					http.Error(rec, "Internal Server Error", http.StatusInternalServerError)
				}
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			d := time.Since(start)
			s.metrics.observe(r.Method, route, rec.status, d)
			level := s.log.Info
			if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || r.URL.Path == "/metrics" {
				level = s.log.Debug
			}
			level("request", "method", r.Method, "path", logPath(r), "status", rec.status,
				"bytes", rec.bytes, "duration_ms", float64(d.Microseconds())/1000, "remote", clientAddr(r))
		}()
		h.ServeHTTP(rec, r)
	})
}

// securityHeaders are sent with every response. Pages use no inline script
// or style and load nothing from elsewhere, so the policy can be strict.
func securityHeaders(h http.Header, api bool) {
	if api {
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	} else {
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	}
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	// Answers carry receipts, tokens, reports and people's details: none
	// may be kept by a browser or a proxy. The few that are public and
	// the same for everyone (style sheet, security.txt, advisories) say
	// so themselves.
	h.Set("Cache-Control", "no-store")
}

// logPath is the request path as logged: secrets that travel in paths
// (setup codes) are replaced by an ellipsis.
func logPath(r *http.Request) string {
	if strings.HasPrefix(r.URL.Path, "/setup/") {
		return "/setup/…"
	}
	return r.URL.Path
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// clientAddr is the address a request came from, for throttling and logs:
// the one the middleware worked out (see forwardedFor), or the peer's.
func clientAddr(r *http.Request) string {
	if a, ok := r.Context().Value(clientKey).(string); ok {
		return a
	}
	return peerAddr(r)
}

func peerAddr(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}

// forwardedFor is the client's address when the request came through one
// of the trusted proxies: the last address in X-Forwarded-For that is not
// itself a trusted proxy. From anyone else the header is ignored, because
// any client can write it (see docs/operations.md).
func forwardedFor(r *http.Request, trusted []netip.Prefix) string {
	peer := peerAddr(r)
	if len(trusted) == 0 || !isTrusted(peer, trusted) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return peer // a malformed chain: trust none of it
		}
		if !isTrusted(a.String(), trusted) {
			return a.Unmap().String()
		}
	}
	return peer
}

func isTrusted(addr string, trusted []netip.Prefix) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// recorder remembers the status and size of a response.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int
	wrote  bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// writeProblem writes an RFC 9457 problem document outside huma (for the
// routes and middleware huma does not own).
func writeProblem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(huma.ErrorModel{Title: http.StatusText(status), Status: status, Detail: detail})
}
