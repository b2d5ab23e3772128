package main

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/dustin/go-humanize"

	"github.com/psti/psti/internal/mail"
	"github.com/psti/psti/internal/store"
)

// Settings of psti serve arrive as flags or environment variables, and
// every one is checked before anything is written: a server told to use a
// value it cannot use stops at once with exit status 2, naming each
// setting that is wrong and why, rather than migrating a database or
// printing a setup link first.

// setting names one value both ways, for messages.
type setting struct{ flag, env string }

func (s setting) String() string {
	if s.env == "" {
		return "--" + s.flag
	}
	if s.flag == "" {
		return s.env
	}
	return s.env + " (--" + s.flag + ")"
}

// problems collects what is wrong with the settings.
type problems []string

func (p *problems) add(s setting, format string, args ...any) {
	*p = append(*p, s.String()+": "+fmt.Sprintf(format, args...))
}

// err is a usage error listing every problem, or nil.
func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	if len(p) == 1 {
		return usagef("%s", p[0])
	}
	return usagef("%d settings cannot be used:\n      %s", len(p), strings.Join(p, "\n      "))
}

// checkAddr checks a listening address, host:port.
func checkAddr(p *problems, s setting, v string) {
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		p.add(s, "%q is not an address to listen on; write host:port, for example 127.0.0.1:8080 or 0.0.0.0:8080", v)
		return
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		p.add(s, "the port %q is not a number from 0 to 65535", port)
	}
	if host != "" && net.ParseIP(host) == nil && !validHostName(host) {
		p.add(s, "%q is not a host name or IP address", host)
	}
}

func validHostName(h string) bool {
	if len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// checkBaseURL checks the public address: absolute http(s), nothing after
// the path.
func checkBaseURL(p *problems, s setting, v string) {
	if v == "" {
		return
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		p.add(s, "%q is not a web address; write it in full, for example https://psti.example.com", v)
		return
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		p.add(s, "%q must be a plain address, without a user, ?query or #fragment", v)
	}
}

// wholeNumber reads a whole number of at least min.
func wholeNumber(p *problems, s setting, v string, min int64) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < min {
		p.add(s, "%q is not a whole number of %d or more", v, min)
		return min
	}
	return n
}

// size reads an amount of data: 4GiB, 512MiB, 1.5GB or a number of bytes;
// 0 where allowed means no limit.
func size(p *problems, s setting, v string) int64 {
	n, err := humanize.ParseBytes(strings.TrimSpace(v))
	if err != nil || n > math.MaxInt64 {
		p.add(s, "%q is not an amount of data; write it like 4GiB, 512MiB or 1.5GB", v)
		return 0
	}
	return int64(n)
}

// checkWorkDir checks that dir exists and psti may write there.
func checkWorkDir(p *problems, s setting, dir string) {
	if dir == "" {
		return
	}
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		p.add(s, "the folder %s does not exist; create it (only psti should be able to read it), or leave the setting out to use the system's temporary folder", dir)
		return
	case err != nil:
		p.add(s, "cannot use %s: %v", dir, err)
		return
	case !fi.IsDir():
		p.add(s, "%s is not a folder", dir)
		return
	}
	f, err := os.CreateTemp(dir, ".psti-check-*")
	if err != nil {
		p.add(s, "psti cannot write in %s: %v", dir, err)
		return
	}
	f.Close()
	os.Remove(f.Name())
}

// parseProxies reads --trusted-proxies: addresses (a single host) or
// networks in CIDR form.
func parseProxies(p *problems, s setting, v string) []netip.Prefix {
	var out []netip.Prefix
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if pre, err := netip.ParsePrefix(f); err == nil {
			out = append(out, pre.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			p.add(s, "%q is not an address or network (write 127.0.0.1 or 10.0.0.0/8)", f)
			continue
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out
}

// checkDatabaseURL checks the database URL's form (not that it answers).
func checkDatabaseURL(p *problems, s setting, v string) {
	if _, _, err := store.ParseURL(v); err != nil {
		p.add(s, "%s", strings.TrimPrefix(err.Error(), "store: "))
	}
}

// checkMail checks the SMTP settings without connecting.
func checkMail(p *problems, smtpURL, from string) {
	if smtpURL == "" {
		if from != "" {
			p.add(setting{env: "PSTI_SMTP_FROM"}, "is set, but PSTI_SMTP_URL is not: set the relay too, or leave both out")
		}
		return
	}
	if err := mail.Check(mail.Config{URL: smtpURL, From: from}); err != nil {
		p.add(setting{env: "PSTI_SMTP_URL"}, "%s", strings.TrimPrefix(err.Error(), "mail: "))
	}
}

// memoryLimit reads the Go memory limit: a size, 0 (none), or auto: what
// GOMEMLIMIT says if it is set, else 90% of the memory the process's
// control group may use, if it is limited, else none. Under the limit the
// garbage collector works harder as memory fills, so pressure slows work
// down instead of the system killing the process.
func memoryLimit(p *problems, s setting, v string) (limit int64, from string) {
	v = strings.TrimSpace(v)
	if v != "auto" {
		if v == "0" || v == "off" {
			return 0, "none"
		}
		return size(p, s, v), "setting"
	}
	if os.Getenv("GOMEMLIMIT") != "" {
		return -1, "GOMEMLIMIT"
	}
	for _, f := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if err != nil || n <= 0 || n >= 1<<60 { // "max", or unlimited
			continue
		}
		return n / 10 * 9, "control group"
	}
	return 0, "none"
}
