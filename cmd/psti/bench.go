package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/spf13/cobra"

	"github.com/psti/psti/internal/loadtest"
)

func benchCmd(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "bench",
		Short: "Measure a running server under load",
		Args:  exactArgs(0, "a subcommand (intake, soak)"),
		RunE: func(c *cobra.Command, _ []string) error {
			return c.Help()
		},
	}
	c.AddCommand(benchIntakeCmd(a), benchSoakCmd(a))
	return c
}

// benchReport is the report psti bench intake sends: a short one, with no
// e-mail address, as docs/benchmarks.md measures.
var benchReport = map[string]string{
	"summary": "Camera video visible without a password",
	"details": "Open http://camera.local/live on the home network and the video plays; no password is asked. Firmware 2.0.1.",
	"product": "Acme Cam 2",
}

func benchIntakeCmd(a *app) *cobra.Command {
	var (
		url         string
		connections int
		requests    int
		duration    time.Duration
		remote      bool
		format      string
	)
	c := &cobra.Command{
		Use:   "intake",
		Short: "Send security reports to a running server's API and measure the rate",
		Long: `Send the same short security report (250 bytes of JSON, no e-mail address)
to POST /api/v1/reports of a running psti serve from --connections clients at
once, each on its own keep-alive connection and waiting for its receipt
before sending the next, for --duration (or --requests reports), then print
the reports answered per second and the latencies (50th, 99th percentile,
most).

Every report sent is stored: run it against a server kept for measuring,
started with --intake-rate 0 (the rate limit would otherwise refuse most of
them). Only this machine's addresses are accepted (127.0.0.1, ::1,
localhost) unless --remote is given, so that a load test is not sent to
someone's server by mistake. See docs/benchmarks.md.`,
		Example: `  psti serve --intake-rate 0 &
  psti bench intake --url http://127.0.0.1:8080 --connections 32 --duration 30s`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			if !remote && !loadtest.Loopback(url) {
				return usagef("--url %s is not this machine: give --remote to load another server", url)
			}
			if connections < 1 || connections > 1024 {
				return usagef("--connections must be 1 to 1024, not %d", connections)
			}
			if requests < 0 || requests == 0 && duration <= 0 {
				return usagef("give --duration (more than 0) or --requests")
			}
			if format != "text" && format != "json" {
				return usagef("--format must be text or json, not %q", format)
			}
			body, _ := json.Marshal(benchReport)
			res, err := loadtest.Run(c.Context(), loadtest.Options{URL: url + "/api/v1/reports", ContentType: "application/json", Body: body,
				Connections: connections, Requests: requests, Duration: duration})
			if err != nil {
				return err
			}
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
			if format == "json" {
				err = json.NewEncoder(a.stdout).Encode(map[string]any{"reports": res.Requests, "errors": res.Errors, "seconds": res.Elapsed.Seconds(),
					"reports_per_second": res.Rate(), "p50_ms": ms(res.Quantile(0.5)), "p99_ms": ms(res.Quantile(0.99)), "max_ms": ms(res.Quantile(1))})
			} else {
				_, err = fmt.Fprintf(a.stdout, "%d reports in %.1f s from %d connections: %.0f reports/s\nlatency: p50 %.2f ms, p99 %.2f ms, most %.2f ms\n",
					res.Requests, res.Elapsed.Seconds(), connections, res.Rate(), ms(res.Quantile(0.5)), ms(res.Quantile(0.99)), ms(res.Quantile(1)))
			}
			if err != nil {
				return err
			}
			if res.Errors > 0 {
				return fmt.Errorf("%d of %d reports were not stored; the first: %v", res.Errors, res.Errors+res.Requests, res.FirstErr)
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&url, "url", "http://127.0.0.1:8080", "address of the running server")
	f.IntVar(&connections, "connections", 32, "clients sending at once")
	f.DurationVar(&duration, "duration", 30*time.Second, "how long to send for")
	f.IntVar(&requests, "requests", 0, "send this many reports instead of sending for --duration")
	f.BoolVar(&remote, "remote", false, "allow a server that is not on this machine")
	f.StringVar(&format, "format", "text", "text or json")
	return c
}

func benchSoakCmd(a *app) *cobra.Command {
	var (
		o         loadtest.SoakOptions
		maxGrowth float64
		format    string
	)
	c := &cobra.Command{
		Use:   "soak --token TOKEN [--duration 30m]",
		Short: "Keep a running server under a mixed load for a long time and check it holds",
		Long: `Keep a running psti serve under a bounded, mixed load for --duration:
security reports sent, reporters reading their reports' status with their
receipts, staff lists read with an API token (the reports list first page,
by status, overdue, by product, the next page by its link; products,
batches and the audit trail), and one password batch of --audit-rows random
passwords uploaded for audit at a time, over and over.

Every request must succeed; every audit must pass; the server's resident
memory (read from its /metrics every 10 s) may grow by at most --max-growth
percent from the second sixth of the soak to the last (the first sixth is
warm-up; a soak under 3 minutes is too short to judge); and at the end every
report a receipt was given for must read back with that receipt. The command
prints progress each minute on stderr, then what it measured, and exits 1 if
any of that failed.

The token must be an editor's (psti tokens create --role editor): the
soak makes an organisation, manufacturer, brand, product and batch named
"Soak test" with the date, to file its audits under. Everything it sends is
stored: run it only against a server kept for measuring, started with
--intake-rate 0 (the rate limits would otherwise refuse most of it). Only
this machine's addresses are accepted (127.0.0.1, ::1, localhost).`,
		Example: `  psti serve --intake-rate 0 &
  psti tokens create --user you@example.com --role editor --name soak
  psti bench soak --token "$TOKEN" --duration 30m`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			if !loadtest.Loopback(o.URL) {
				return usagef("--url %s is not this machine: a soak is run only against a server on this machine", o.URL)
			}
			if o.Token == "" {
				return usagef("give --token (or PSTI_API_TOKEN): an editor's API token, from psti tokens create --role editor")
			}
			if o.Duration <= 0 {
				return usagef("--duration must be more than 0, e.g. 30m")
			}
			for _, r := range []struct {
				flag string
				v    float64
			}{{"--reports-per-second", o.Reports}, {"--reads-per-second", o.Reads}, {"--lists-per-second", o.Lists}} {
				if r.v < 0 || r.v > 100000 {
					return usagef("%s must be 0 to 100000, not %g", r.flag, r.v)
				}
			}
			if o.AuditRows < 0 || o.AuditRows > 10_000_000 {
				return usagef("--audit-rows must be 0 to 10000000, not %d", o.AuditRows)
			}
			if maxGrowth <= 0 || maxGrowth > 1000 {
				return usagef("--max-growth must be a percentage above 0, not %g", maxGrowth)
			}
			if format != "text" && format != "json" {
				return usagef("--format must be text or json, not %q", format)
			}
			o.MaxGrowth = maxGrowth / 100
			o.Progress = func(r *loadtest.SoakResult) {
				fmt.Fprintf(a.stderr, "%s: %d reports, %d status reads, %d list reads, %d audits, %d failed; resident memory %s\n",
					r.Elapsed.Round(time.Second), r.Intake.Requests, r.Status.Requests, r.Lists.Requests, r.Audits.Requests,
					r.Intake.Errors+r.Status.Errors+r.Lists.Errors+r.Audits.Errors, lastMemory(r))
			}
			res, err := loadtest.Soak(c.Context(), o)
			if err != nil {
				return err
			}
			if format == "json" {
				err = json.NewEncoder(a.stdout).Encode(res)
			} else {
				err = writeSoak(a.stdout, res)
			}
			if err != nil {
				return err
			}
			if !res.OK() {
				for _, p := range res.Problems {
					fmt.Fprintln(a.stderr, "psti: "+p)
				}
				return exitError{1}
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&o.URL, "url", "http://127.0.0.1:8080", "address of the running server, on this machine")
	f.StringVar(&o.Token, "token", env("PSTI_API_TOKEN", ""), "an editor's API token (env PSTI_API_TOKEN)")
	f.DurationVar(&o.Duration, "duration", 30*time.Minute, "how long to keep the load on")
	f.Float64Var(&o.Reports, "reports-per-second", 100, "security reports to send a second, at most")
	f.Float64Var(&o.Reads, "reads-per-second", 100, "reporters' status reads a second, at most")
	f.Float64Var(&o.Lists, "lists-per-second", 10, "staff list reads a second, at most")
	f.IntVar(&o.AuditRows, "audit-rows", 100000, "passwords in each batch uploaded for audit, one audit at a time; 0 for none")
	f.Float64Var(&maxGrowth, "max-growth", 10, "how much, in percent, the server's resident memory may grow")
	f.StringVar(&format, "format", "text", "text or json")
	return c
}

// lastMemory is the server's latest resident memory in a soak, in words.
func lastMemory(r *loadtest.SoakResult) string {
	if len(r.Memory) == 0 {
		return "not read yet"
	}
	return humanize.IBytes(uint64(r.Memory[len(r.Memory)-1].Resident))
}

// writeSoak prints what a soak measured.
func writeSoak(w io.Writer, r *loadtest.SoakResult) error {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	var b strings.Builder
	fmt.Fprintf(&b, "Soak of %s:\n", r.Elapsed.Round(time.Second))
	for _, k := range []struct {
		name string
		t    *loadtest.Traffic
	}{{"security reports", &r.Intake}, {"status reads", &r.Status}, {"staff list reads", &r.Lists}, {"password audits", &r.Audits}} {
		fmt.Fprintf(&b, "  %-17s %9d done, %d failed; p50 %.1f ms, p99 %.1f ms, most %.1f ms\n",
			k.name+":", k.t.Requests, k.t.Errors, ms(k.t.P50), ms(k.t.P99), ms(k.t.Max))
	}
	fmt.Fprintf(&b, "  audited rows:     %9d\n", r.AuditedRows)
	fmt.Fprintf(&b, "  receipts:         %9d given, %d read back, %d lost\n", r.Receipts, r.ReadBack, r.Lost)
	if r.Judged {
		fmt.Fprintf(&b, "  resident memory:  %s in the second sixth, %s in the last: %+.1f%%\n",
			humanize.IBytes(uint64(r.BaselineResident)), humanize.IBytes(uint64(r.EndResident)), 100*r.Growth)
	} else {
		fmt.Fprintf(&b, "  resident memory:  %s at the end; a soak under 3 minutes is too short to judge its growth\n", lastMemory(r))
	}
	if r.OK() {
		b.WriteString("Passed.\n")
	} else {
		fmt.Fprintf(&b, "Failed: %d problems.\n", len(r.Problems))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
