package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/securitytxt"
)

// securityTxtClient fetches security.txt files from the web. The command
// sets its own timeout and redirect rule on a copy; tests replace it with a
// client that trusts their server's certificate.
var securityTxtClient = &http.Client{}

// securityTxtTimeout bounds a whole fetch, the body included.
var securityTxtTimeout = 10 * time.Second

// securityTxtMaxRedirects is how many redirects a fetch follows.
const securityTxtMaxRedirects = 3

func securitytxtCmd(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "securitytxt",
		Short: "Check a security.txt file (RFC 9116), on a web site or on disk",
		Args:  groupArgs,
		RunE:  groupHelp,
	}
	c.AddCommand(securitytxtCheckCmd(a))
	return c
}

func securitytxtCheckCmd(a *app) *cobra.Command {
	var asOf string
	c := &cobra.Command{
		Use:   "check [--now YYYY-MM-DD] URL-or-FILE",
		Short: "Check a security.txt file against RFC 9116 and say what is wrong",
		Long: `Check a security.txt file against RFC 9116 and say, line by line, what is
wrong. security.txt is the short plain-text file at /.well-known/security.txt
that tells anyone who finds a security issue how to report it. PSTI asks every
manufacturer to publish a point of contact for security reports; security.txt
is where researchers and their tools look for it first.

URL-or-FILE is a web address or a file:
  https://example.com           fetches https://example.com/.well-known/security.txt
  https://example.com/sec.txt   fetches that address
  security.txt                  reads a file; - reads standard input
A fetch is a GET that follows up to 3 redirects, gives up after 10 seconds and
reads at most 64 KiB.

What RFC 9116 asks for:
  Contact              required, one or more: where to report. A mailto:, https:
                       or tel: address, the preferred one first.
  Expires              required, exactly once: a date and time such as
                       2027-11-29T00:00:00Z. Not in the past; best less than a
                       year ahead, so that the file is reviewed and renewed.
  Encryption           optional: the address of your key (never the key itself).
  Acknowledgments      optional: a page thanking those who reported issues.
  Preferred-Languages  optional, at most once: language codes, such as en, cy.
  Canonical            optional: the addresses where this file is published.
  Policy, Hiring       optional: your disclosure policy, security jobs.
  CSAF                 optional (CSAF 2.0): your provider-metadata.json.
Every web address must start with https://. The file is UTF-8 text, served
over https as text/plain; charset=utf-8. Field names may be written in any
case; other fields are allowed. The file may be signed with OpenPGP (gpg
--clearsign); the signature is not verified here.

A minimal file:
  Contact: mailto:security@example.com
  Expires: 2027-11-29T00:00:00Z
  Policy: https://example.com/security
  Preferred-Languages: en

Each problem is printed as "LINE: error: …" or "LINE: warning: …" ("file: …"
when it is about the whole file), then a summary. Errors break RFC 9116;
warnings are allowed but worth fixing.

Exit status: 0 no errors (warnings allowed); 1 the file has errors; 2 the file
or address cannot be read, or the command line is wrong.`,
		Example: `  psti securitytxt check https://example.com
  psti securitytxt check public/.well-known/security.txt
  curl -s https://example.com/.well-known/security.txt | psti securitytxt check -
  psti securitytxt check --now 2027-06-01 security.txt   # still valid on 1 June 2027?`,
		Args: exactArgs(1, "a web address or a file (- for standard input)"),
		RunE: func(c *cobra.Command, args []string) error {
			now := time.Now()
			if asOf != "" {
				d, err := psti.ParseDate(asOf)
				if err != nil {
					return usagef("--now must be a date written YYYY-MM-DD, not %q", asOf)
				}
				now = d
			}
			var src *securityTxtSource
			var err error
			if arg := args[0]; isSecurityTxtURL(arg) {
				src, err = fetchSecurityTxt(c.Context(), arg)
			} else {
				src, err = readSecurityTxt(arg)
			}
			if err != nil {
				fmt.Fprintln(a.stderr, "psti: "+err.Error())
				return exitError{2}
			}
			f, ps := securitytxt.Validate(src.data, now, src.fetchedFrom)
			ps = append(src.problems, ps...)
			writeSecurityTxtReport(a.stdout, src, f, ps, now)
			if errs, _ := securitytxt.Count(ps); errs > 0 {
				return exitError{1}
			}
			return nil
		},
	}
	c.Flags().StringVar(&asOf, "now", "", "check as of the start of this day (UTC), YYYY-MM-DD, instead of now")
	return c
}

// securityTxtSource is a security.txt as read: its bytes (at most one more
// than securitytxt.MaxSize, so that an oversized file is noticed), where it
// came from, and what was wrong with how it was served.
type securityTxtSource struct {
	name        string // what was read, for the report
	fetchedFrom string // the address after redirects; "" for a file
	redirects   []string
	data        []byte
	problems    []securitytxt.Problem
}

func isSecurityTxtURL(arg string) bool {
	lower := strings.ToLower(arg)
	return strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://")
}

func readSecurityTxt(name string) (*securityTxtSource, error) {
	var r io.Reader = os.Stdin
	label := "standard input"
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) && !strings.ContainsAny(name, `/\`) && strings.Contains(name, ".") && !strings.HasSuffix(strings.ToLower(name), ".txt") {
				return nil, fmt.Errorf("cannot read %s: there is no such file (to check a web site, write https://%s)", name, name)
			}
			return nil, fmt.Errorf("cannot read the file: %v", err)
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.IsDir() {
			return nil, fmt.Errorf("%s is a directory, not a security.txt file", name)
		}
		r, label = f, name
	}
	data, err := io.ReadAll(io.LimitReader(r, securitytxt.MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %v", label, err)
	}
	return &securityTxtSource{name: label, data: data}, nil
}

var errTooManyRedirects = errors.New("stopped after " + fmt.Sprint(securityTxtMaxRedirects) + " redirects")

func fetchSecurityTxt(ctx context.Context, raw string) (*securityTxtSource, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("%q is not a web address: write it like https://example.com", raw)
	}
	// RFC 9116 §3: a site's file is at /.well-known/security.txt.
	if u.Path == "" || u.Path == "/" {
		u.Path = securitytxt.WellKnownPath
	}
	src := &securityTxtSource{name: u.String()}
	client := *securityTxtClient
	client.Timeout = securityTxtTimeout
	client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) > securityTxtMaxRedirects {
			return fmt.Errorf("%w (the next was to %s)", errTooManyRedirects, req.URL)
		}
		src.redirects = append(src.redirects, req.URL.String())
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%q is not a web address: %v", raw, err)
	}
	req.Header.Set("User-Agent", "psti/"+buildVersion()+" (security.txt check)")
	req.Header.Set("Accept", "text/plain")
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("cannot fetch %s: %v", src.name, err)
	}
	defer resp.Body.Close()
	final := resp.Request.URL.String()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("cannot fetch %s: the server answered %s", final, resp.Status)
	}
	src.data, err = io.ReadAll(io.LimitReader(resp.Body, securitytxt.MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("cannot fetch %s: %v", final, err)
	}
	src.fetchedFrom = final
	src.problems = securitytxt.CheckContentType(resp.Header.Get("Content-Type"))
	return src, nil
}

// securityTxtMaxShown is how many problems are printed; a file that is not a
// security.txt at all could give one per line.
const securityTxtMaxShown = 100

func writeSecurityTxtReport(w io.Writer, src *securityTxtSource, f *securitytxt.File, ps []securitytxt.Problem, now time.Time) {
	fmt.Fprintf(w, "Checked %s as of %s.\n", src.name, psti.LongDate(now))
	if len(src.redirects) > 0 {
		fmt.Fprintf(w, "Redirected to %s: make sure the new address belongs to the same organisation.\n", strings.Join(src.redirects, ", then "))
	}
	if f.Signed {
		fmt.Fprintln(w, "The file is signed with OpenPGP; the signature is not verified here (use gpg --verify).")
	}
	for i, p := range ps {
		if i == securityTxtMaxShown {
			fmt.Fprintf(w, "… and %d more problems not shown.\n", len(ps)-securityTxtMaxShown)
			break
		}
		fmt.Fprintln(w, p.String())
	}
	errs, warns := securitytxt.Count(ps)
	switch {
	case errs > 0:
		fmt.Fprintf(w, "Not valid: %s and %s. Fix the errors: readers may ignore the file until then.\n", countOf(errs, "error"), countOf(warns, "warning"))
	case warns > 0:
		fmt.Fprintf(w, "Valid, with %s: the file meets RFC 9116, but the warnings are worth fixing.%s\n", countOf(warns, "warning"), securityTxtExpiry(f, now))
	default:
		fmt.Fprintf(w, "Valid: no problems found; the file meets RFC 9116.%s\n", securityTxtExpiry(f, now))
	}
}

func securityTxtExpiry(f *securitytxt.File, now time.Time) string {
	days := int(f.Expires.Sub(now).Hours() / 24)
	return fmt.Sprintf(" It expires on %s (in %s): renew it before then.", psti.LongDateTime(f.Expires), countOf(days, "day"))
}

func countOf(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprint(n) + " " + what + "s"
}
