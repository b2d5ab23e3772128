package main

import (
	"encoding/json"
	"path/filepath"
	"syscall"
	"testing"
)

// TestBenchIntake runs psti bench intake against a running server: every
// report it counts is stored, and a server on another machine is refused
// unless asked for.
func TestBenchIntake(t *testing.T) {
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "psti.db")
	srv := startServer(t, dbURL, "--intake-rate", "0")
	r := cli(t, "bench", "intake", "--url", srv.base, "--connections", "4", "--requests", "200", "--format", "json")
	wantExit(t, r, 0)
	var got struct {
		Reports int     `json:"reports"`
		Errors  int     `json:"errors"`
		Rate    float64 `json:"reports_per_second"`
		P99     float64 `json:"p99_ms"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%v\n%s", err, r)
	}
	if got.Reports != 200 || got.Errors != 0 || got.Rate <= 0 || got.P99 <= 0 {
		t.Fatalf("measured %+v", got)
	}
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-srv.done; err != nil {
		t.Fatalf("psti serve: %v\n%s", err, srv.log())
	}
	if n := counts(t, dbURL)["reports"]; n != 200 {
		t.Fatalf("%d reports stored for 200 answered", n)
	}

	r = cli(t, "bench", "intake", "--url", "http://192.0.2.1:8080", "--requests", "1")
	wantExit(t, r, 2)
	wantContains(t, "stderr", r.stderr, "not this machine", "--remote")
	r = cli(t, "bench", "intake", "--duration", "0s")
	wantExit(t, r, 2)
}
