package web

import (
	"context"
	"fmt"
	"net/netip"
	"net/url"
	"strings"

	"github.com/psti/psti/internal/auth"
)

// InsecureBaseURL says why a base URL will not do for an installation that
// others reach: an http:// address of another machine. psti serves
// /.well-known/security.txt with addresses made from the base URL, and RFC
// 9116 (sections 2.5 and 3) wants https for both, so its own checker (psti
// securitytxt check) fails the file; browsers would also send the sign-in
// cookie in the clear. It returns "" for an https:// address, and for one
// on this machine (localhost, 127.0.0.1, ::1), where people try psti out.
func InsecureBaseURL(base string) string {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" || loopbackHost(u.Hostname()) {
		return ""
	}
	return fmt.Sprintf("This installation's address is %s, not https://. "+
		"security.txt must be served over https, so the one psti serves fails its own check (psti securitytxt check), "+
		"and sign-in cookies travel unprotected. Put psti behind a TLS proxy and set PSTI_BASE_URL to its https:// address.", base)
}

// loopbackHost reports whether a host name is this machine.
func loopbackHost(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(h)
	return err == nil && ip.IsLoopback()
}

// staffWarnings are the settings that need an administrator's attention,
// shown at the top of every page to administrators (who can act on them),
// and the keys that sign statements, to editors.
func (s *Server) staffWarnings(ctx context.Context, u *auth.User) []string {
	if u == nil {
		return nil
	}
	var out []string
	if p := s.logProblems.Load(); p != nil {
		out = append(out, fmt.Sprintf("The transparency log failed its self-check: %s. Its records may have been altered behind psti's back: "+
			"keep the database as it is, compare it with your latest backup, and run psti verify against a copy of the log taken before.", strings.Join(*p, "; ")))
	}
	if u.Role.Allows(auth.Editor) {
		if w := s.statementKeyWarning(ctx); w != "" {
			out = append(out, w)
		}
	}
	if !u.Role.Allows(auth.Admin) {
		return out
	}
	if w := InsecureBaseURL(s.cfg.BaseURL); w != "" {
		out = append(out, w)
	}
	return out
}

// SetLogProblems records what the transparency log's self-check found
// wrong, for staff to see on every page.
func (s *Server) SetLogProblems(problems []string) {
	if len(problems) > 0 {
		s.logProblems.Store(&problems)
	}
}
