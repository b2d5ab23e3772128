package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/psti/psti/internal/loadtest"
)

func benchCmd(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "bench",
		Short: "Measure a running server under load",
		Args:  exactArgs(0, "a subcommand (intake)"),
		RunE: func(c *cobra.Command, _ []string) error {
			return c.Help()
		},
	}
	c.AddCommand(benchIntakeCmd(a))
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
