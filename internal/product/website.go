package product

import (
	"net"
	"strings"
)

// CompleteWebsite adds https:// to a web address typed without it
// ("example.com", "www.example.com/security"), as people write addresses
// and as browsers take them. Anything else (empty, already with a scheme,
// or not shaped like a host name) is returned as it is, for the check to
// accept or refuse.
func CompleteWebsite(s string) string {
	t := strings.TrimSpace(s)
	if t == "" || strings.Contains(t, "://") || strings.ContainsAny(t, " \t\r\n\\@") {
		return s
	}
	host := t
	if i := strings.IndexAny(host, "/?#"); i >= 0 {
		host = host[:i]
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	labels := strings.Split(host, ".")
	if len(labels) < 2 {
		return s
	}
	for _, l := range labels {
		if l == "" || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") || strings.ContainsFunc(l, func(r rune) bool {
			return !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 127)
		}) {
			return s
		}
	}
	return "https://" + t
}
