package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/mail/mailtest"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store"
	"github.com/psti/psti/internal/store/storetest"
)

// These tests run the real binary as a separate process, the way an
// operator does, and do to it what the operating system may: kill it outright,
// or ask it to stop.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds psti once for the test run.
func binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "psti-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "psti")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// server is a running psti serve process.
type server struct {
	cmd  *exec.Cmd
	base string
	logs *strings.Builder
	mu   *sync.Mutex
	done chan error
}

// startServer runs psti serve on a free loopback port and waits until it
// says where it listens.
func startServer(t *testing.T, dbURL string, args ...string) *server {
	t.Helper()
	return startServerEnv(t, dbURL, nil, args...)
}

// startServerEnv is startServer with more environment variables.
func startServerEnv(t *testing.T, dbURL string, env []string, args ...string) *server {
	t.Helper()
	cmd := exec.Command(binary(t), append([]string{"serve", "--addr", "127.0.0.1:0", "--database-url", dbURL, "--log-level", "info"}, args...)...)
	cmd.Env = append(os.Environ(), "PSTI_BASE_URL=")
	if strings.HasPrefix(dbURL, "postgres") {
		// Every server of one database opens its log with the same secret.
		cmd.Env = append(cmd.Env, "PSTI_LOG_SECRET=the transparency log secret of the process tests")
	}
	cmd.Env = append(cmd.Env, env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, logs: &strings.Builder{}, mu: &sync.Mutex{}, done: make(chan error, 1)}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.logs.WriteString(line + "\n")
			s.mu.Unlock()
			if a, ok := strings.CutPrefix(line, "psti: listening on "); ok {
				addr <- a
			}
		}
	}()
	go func() { s.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-s.done
		}
	})
	select {
	case s.base = <-addr:
	case err := <-s.done:
		t.Fatalf("psti serve exited at start: %v\n%s", err, s.log())
	case <-time.After(30 * time.Second):
		t.Fatalf("psti serve did not start:\n%s", s.log())
	}
	return s
}

func (s *server) log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logs.String()
}

// editorToken makes a user and an API token directly in the database.
func editorToken(t *testing.T, dbURL string) string {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dbURL, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := auth.NewService(db, psti.SystemClock{})
	svc.Params = auth.Params{Memory: 1024, Time: 1, Threads: 1}
	code, _, err := svc.Invite(ctx, psti.System("test"), "ed@example.com", auth.Editor)
	if err != nil {
		t.Fatal(err)
	}
	u, err := svc.AcceptInvitation(ctx, code, "", "", "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := svc.CreateToken(ctx, psti.System("test"), u.ID, "test", auth.Editor, nil)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// killDuringWrites has clients goroutines write to srv as fast as they can,
// lets the writes pile up until enough are acknowledged (or 20 s pass), then
// kills the server with SIGKILL mid-stream and waits for every client to
// stop. write makes a client's ith write and says what the server
// acknowledged; false means it acknowledged nothing and the client stops.
// The result is every write acknowledged, key to value.
func killDuringWrites[K comparable](t *testing.T, srv *server, clients, enough int, write func(client, i int) (key K, value string, ok bool)) map[K]string {
	t.Helper()
	var mu sync.Mutex
	acked := map[K]string{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				key, value, ok := write(c, i)
				if !ok {
					return
				}
				mu.Lock()
				acked[key] = value
				mu.Unlock()
			}
		})
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= enough || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-srv.done
	close(stop)
	wg.Wait()
	return acked
}

// TestKillLosesNothing kills the server with SIGKILL while 16 clients are
// writing, then checks that every record the server acknowledged is in the
// database, on both back ends.
func TestKillLosesNothing(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			dbURL := b.URL(t)
			token := editorToken(t, dbURL)
			srv := startServer(t, dbURL)

			client := &http.Client{Timeout: 10 * time.Second}
			acked := killDuringWrites(t, srv, 16, 300, func(w, i int) (int64, string, bool) {
				name := fmt.Sprintf("maker %d-%d", w, i)
				req, _ := http.NewRequest("POST", srv.base+"/api/v1/manufacturers",
					strings.NewReader(fmt.Sprintf(`{"name": %q, "address": "1 Street"}`, name)))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				res, err := client.Do(req)
				if err != nil {
					return 0, "", false // the server is gone
				}
				var m product.Manufacturer
				err = json.NewDecoder(res.Body).Decode(&m)
				res.Body.Close()
				if res.StatusCode != http.StatusCreated || err != nil {
					if res.StatusCode != http.StatusCreated {
						t.Errorf("status %d while writing", res.StatusCode)
					}
					return 0, "", false
				}
				return m.ID, name, true
			})

			if len(acked) < 50 {
				t.Fatalf("only %d writes were acknowledged before the kill; the test proves little\n%s", len(acked), srv.log())
			}
			db, err := store.Open(context.Background(), dbURL, store.Options{})
			if err != nil {
				t.Fatalf("reopening after kill -9: %v", err)
			}
			defer db.Close()
			for id, name := range acked {
				m, err := db.Manufacturer(context.Background(), id)
				if err != nil {
					t.Fatalf("acknowledged manufacturer %d (%s) is lost: %v", id, name, err)
				}
				if m.Name != name {
					t.Fatalf("manufacturer %d is %q, acknowledged as %q", id, m.Name, name)
				}
			}
			es, err := db.Audit(context.Background(), psti.AuditFilter{Entity: "manufacturer", Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			if len(es) == 0 {
				t.Fatal("no audit entries survived")
			}
			t.Logf("%d acknowledged writes, all present after kill -9", len(acked))
		})
	}
}

// TestKillKeepsEveryReceipt kills the server with SIGKILL while 32
// reporters send security reports as fast as they can, then checks that
// every report the server gave a receipt for can be read back with it, on
// both back ends: a receipt is given only after the report is durable.
func TestKillKeepsEveryReceipt(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			dbURL := b.URL(t)
			srv := startServer(t, dbURL, "--intake-rate", "0")
			client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			receipts := killDuringWrites(t, srv, 32, 2000, func(w, i int) (string, string, bool) {
				summary := fmt.Sprintf("report %d-%d", w, i)
				res, err := client.Post(srv.base+"/api/v1/reports", "application/json",
					strings.NewReader(fmt.Sprintf(`{"summary": %q, "details": "Telnet answers on port 23."}`, summary)))
				if err != nil {
					return "", "", false // the server is gone
				}
				var r struct{ Receipt string }
				err = json.NewDecoder(res.Body).Decode(&r)
				res.Body.Close()
				if res.StatusCode != http.StatusCreated || err != nil || r.Receipt == "" {
					return "", "", false
				}
				return r.Receipt, summary, true
			})

			if len(receipts) < 200 {
				t.Fatalf("only %d receipts before the kill; the test proves little\n%s", len(receipts), srv.log())
			}
			db, err := store.Open(context.Background(), dbURL, store.Options{})
			if err != nil {
				t.Fatalf("reopening after kill -9: %v", err)
			}
			defer db.Close()
			for code, summary := range receipts {
				r, err := db.ReportByReceipt(context.Background(), disclosure.ReceiptHash(code))
				if err != nil {
					t.Fatalf("report %q, receipt %s, is lost: %v", summary, code, err)
				}
				if r.Summary != summary {
					t.Fatalf("receipt %s reads report %q, given for %q", code, r.Summary, summary)
				}
			}
			t.Logf("%d receipts given, every report present after kill -9", len(receipts))
		})
	}
}

// TestGracefulStop asks the server to stop with SIGTERM while readers are
// busy: every request it accepted is answered in full, it exits 0, and the
// database is closed cleanly (on SQLite, the write-ahead log is folded back
// and removed).
func TestGracefulStop(t *testing.T) {
	dir := t.TempDir()
	dbURL := "sqlite:" + filepath.Join(dir, "psti.db")
	token := editorToken(t, dbURL)
	srv := startServer(t, dbURL)

	var wg sync.WaitGroup
	var mu sync.Mutex
	var answered, refused int
	var broken []error
	for range 8 {
		wg.Go(func() {
			client := &http.Client{Timeout: 10 * time.Second}
			for {
				req, _ := http.NewRequest("GET", srv.base+"/api/v1/manufacturers", nil)
				req.Header.Set("Authorization", "Bearer "+token)
				res, err := client.Do(req)
				if err != nil {
					mu.Lock()
					if errors.Is(err, syscall.ECONNREFUSED) {
						refused++
					} else {
						broken = append(broken, err)
					}
					mu.Unlock()
					return
				}
				_, err = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				mu.Lock()
				if err != nil || res.StatusCode != 200 {
					broken = append(broken, fmt.Errorf("status %d, body %v", res.StatusCode, err))
				} else {
					answered++
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		})
	}
	time.Sleep(300 * time.Millisecond)
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-srv.done:
		if err != nil {
			t.Fatalf("psti serve exited with %v after SIGTERM\n%s", err, srv.log())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("psti serve did not stop within 30 s of SIGTERM")
	}
	wg.Wait()
	if answered == 0 {
		t.Fatal("no request was answered")
	}
	for _, err := range broken {
		t.Errorf("request broken by shutdown: %v", err)
	}
	logs := srv.log()
	for _, want := range []string{"shutting down", "msg=stopped", "database closed"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "psti.db-wal")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("write-ahead log still present after a clean stop: %v", err)
	}
	t.Logf("%d requests answered, %d refused after the listener closed, %d broken", answered, refused, len(broken))
}

// BenchmarkStartup measures the time from starting psti serve on an
// existing SQLite database to /readyz answering 200, as a whole process.
//
//	go test -run '^$' -bench BenchmarkStartup -benchtime 20x ./cmd/psti/
func BenchmarkStartup(b *testing.B) {
	dir := b.TempDir()
	dbURL := "sqlite:" + filepath.Join(dir, "psti.db")
	bin := binary(b)
	// Create and migrate the database once, as an installation has it.
	if db, err := store.Open(context.Background(), dbURL, store.Options{}); err != nil {
		b.Fatal(err)
	} else {
		db.Close()
	}
	client := &http.Client{Timeout: time.Second}
	var ready time.Duration
	var runs int
	for b.Loop() {
		start := time.Now()
		cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--database-url", dbURL, "--log-level", "warn")
		stderr, _ := cmd.StderrPipe()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		sc := bufio.NewScanner(stderr)
		base := ""
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "psti: listening on "); ok {
				base = a
				break
			}
		}
		for {
			res, err := client.Get(base + "/readyz")
			if err == nil {
				res.Body.Close()
				if res.StatusCode == 200 {
					break
				}
			}
			time.Sleep(time.Millisecond)
		}
		ready += time.Since(start)
		runs++
		_ = cmd.Process.Signal(syscall.SIGTERM)
		go func() { _, _ = io.Copy(io.Discard, stderr) }()
		_ = cmd.Wait()
	}
	b.ReportMetric(float64(ready.Microseconds())/1000/float64(runs), "ms-to-ready")
}

// TestTwoServersOneDatabase starts two servers together on one PostgreSQL
// database holding 40 reports staff have not heard of: between them they
// alert staff of each report exactly once, and their two mail senders, on
// one outbox, send each alert once. (Two sweeps at the very same instant
// are tested in internal/disclosure, TestSweepOnTwoServers.)
func TestTwoServersOneDatabase(t *testing.T) {
	dbURL := storetest.PostgresURL(t)
	ctx := context.Background()
	db, err := store.Open(ctx, dbURL, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	seed := storetest.NewSeed(t, db)
	svc := &disclosure.Service{Store: db, Register: db, Clock: psti.SystemClock{}, BaseURL: "http://psti.test"}
	p := disclosure.DefaultPolicy(seed.Org.ID)
	p.AlertTo = "security-team@acme.example"
	if err := svc.SavePolicy(ctx, psti.System("test"), p); err != nil {
		t.Fatal(err)
	}
	const n = 40
	for i := range n {
		if _, _, err := svc.Submit(ctx, disclosure.Submission{Summary: fmt.Sprintf("Problem %02d", i), Details: "details"}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	relay := mailtest.New(t)
	relay.Start()
	env := []string{"PSTI_SMTP_URL=smtp+insecure://" + relay.Addr() + "?from=psti@acme.example"}
	var wg sync.WaitGroup
	var servers [2]*server
	for i := range servers {
		wg.Go(func() { servers[i] = startServerEnv(t, dbURL, env) })
	}
	wg.Wait()

	text := func() string {
		var b strings.Builder
		for _, m := range relay.Received() {
			b.WriteString(m.Text())
		}
		return b.String()
	}
	deadline := time.Now().Add(30 * time.Second)
	for strings.Count(text(), "New: report") < n && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // time for a second alert, if one were coming
	all := text()
	for i := range n {
		if c := strings.Count(all, fmt.Sprintf("“Problem %02d”", i)); c != 1 {
			t.Errorf("report “Problem %02d” is in %d staff alerts, want 1", i, c)
		}
	}
	if t.Failed() {
		t.Logf("first server:\n%s\nsecond server:\n%s", servers[0].log(), servers[1].log())
	}
}

// TestWorkFolder: each server works in its own folder inside the work
// folder, removed when it stops; a server starting removes what servers
// killed before it left behind, and never another running server's files
// or anything else there. It also takes the memory limit it is given.
func TestWorkFolder(t *testing.T) {
	work := t.TempDir()
	// What a killed server left: a folder whose lock nobody holds.
	stale := filepath.Join(work, "psti-work-123")
	if err := os.MkdirAll(stale, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{".lock", "psti-upload-1", "psti-audit-dups-2"} {
		if err := os.WriteFile(filepath.Join(stale, f), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// A command-line audit's working file, which is none of the server's business.
	cli := filepath.Join(work, "psti-audit-77")
	if err := os.WriteFile(cli, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"PSTI_WORK_DIR=" + work, "PSTI_MEMORY_LIMIT=1GiB"}
	first := startServerEnv(t, "sqlite:"+filepath.Join(t.TempDir(), "psti.db"), env)
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the stale work folder is still there: %v", err)
	}
	if !strings.Contains(first.log(), "memory limit set") || !strings.Contains(first.log(), "bytes=1073741824") {
		t.Errorf("the memory limit is not in the log:\n%s", first.log())
	}
	mine, _ := filepath.Glob(filepath.Join(work, "psti-work-*"))
	if len(mine) != 1 {
		t.Fatalf("work folders after the first start: %v", mine)
	}
	second := startServerEnv(t, "sqlite:"+filepath.Join(t.TempDir(), "psti.db"), env)
	if _, err := os.Stat(mine[0]); err != nil {
		t.Fatalf("a second server removed the first one's folder: %v", err)
	}
	for _, s := range []*server{first, second} {
		if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		<-s.done
	}
	left, _ := filepath.Glob(filepath.Join(work, "*"))
	if len(left) != 1 || left[0] != cli {
		t.Fatalf("after both stopped, the work folder holds %v; want only %s", left, cli)
	}
}

// TestMigrateDataRefusesASourceInUse runs psti serve on the source, and
// checks that migrate-data refuses to copy it (exit 1, nothing written to
// the target) while the server runs, and copies it whole once the server
// has stopped; on both back ends.
func TestMigrateDataRefusesASourceInUse(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			src := b.URL(t)
			db := openDB(t, src)
			storetest.NewSeed(t, db)
			db.Close()
			srv := startServer(t, src)
			res, err := http.Post(srv.base+"/api/v1/reports", "application/json", strings.NewReader(`{"summary": "Telnet open", "details": "Port 23."}`))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusCreated {
				t.Fatalf("a report to the running server: %d", res.StatusCode)
			}

			dir := t.TempDir()
			dst := "sqlite:" + filepath.Join(dir, "psti.db")
			r := cli(t, "migrate-data", "--from", src, "--to", dst)
			wantExit(t, r, 1)
			wantContains(t, "stderr", r.stderr, "is open in another psti process", "Stop the server, then run migrate-data again")
			if names := dirNames(t, dir); len(names) != 0 {
				t.Fatalf("a refused copy wrote to the target: %v", names)
			}

			if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			if err := <-srv.done; err != nil {
				t.Fatalf("psti serve: %v\n%s", err, srv.log())
			}
			r = cli(t, "migrate-data", "--from", src, "--to", dst)
			wantExit(t, r, 0)
			want := counts(t, src)
			if want["reports"] != 1 {
				t.Fatalf("the source holds %d reports, want the 1 sent", want["reports"])
			}
			if got := counts(t, dst); !reflect.DeepEqual(got, want) {
				t.Fatalf("the copy holds %v, the source %v", got, want)
			}
		})
	}
}
