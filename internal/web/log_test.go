package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/ledger"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store"
	"github.com/psti/psti/internal/store/storetest"
	"github.com/psti/psti/internal/web"
)

func fetch(t *testing.T, url string) (int, []byte, http.Header) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b, res.Header
}

// logClient reads a server's log as an outside client would, trusting the
// key it was given.
type logClient struct {
	t     *testing.T
	base  string
	known *ledger.KeyList
}

func (c *logClient) checkpoint() ([]byte, ledger.Checkpoint) {
	c.t.Helper()
	st, msg, _ := fetch(c.t, c.base+"/log/checkpoint")
	if st != 200 {
		c.t.Fatalf("/log/checkpoint: %d %s", st, msg)
	}
	raw, _ := json.Marshal(c.known)
	known, _, err := ledger.ReadKeys(raw)
	if err != nil {
		c.t.Fatal(err)
	}
	cp, err := ledger.OpenCheckpoint(msg, known)
	if err != nil {
		c.t.Fatalf("checkpoint %s: %v", msg, err)
	}
	return msg, cp
}

// TestLogServed: publishing a policy puts it in the log; a client holding
// only the key served at /log/key verifies the checkpoint, every entry's
// inclusion and the consistency of successive checkpoints through the
// API, and reads the tiles at tlog paths.
func TestLogServed(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	base := e.ts.URL
	st, key, _ := fetch(t, base+"/log/key")
	if st != 200 || !strings.HasPrefix(string(key), "psti.test/log+") {
		t.Fatalf("/log/key: %d %q", st, key)
	}
	st, keysJSON, _ := fetch(t, base+"/log/keys")
	var keys ledger.KeyList
	if st != 200 || json.Unmarshal(keysJSON, &keys) != nil || len(keys.Keys) != 1 || keys.Keys[0].Key+"\n" != string(key) {
		t.Fatalf("/log/keys: %d %s", st, keysJSON)
	}
	c := &logClient{t: t, base: base, known: &keys}
	// From first start: a signed checkpoint of the empty log.
	_, empty := c.checkpoint()
	if empty.Size != 0 || empty.Hash != ledger.EmptyRoot {
		t.Fatalf("first checkpoint %+v", empty)
	}

	seed := storetest.NewSeed(t, e.db)
	var cps []ledger.Checkpoint
	for i := range 5 {
		p := disclosure.DefaultPolicy(seed.Org.ID)
		p.Scope = fmt.Sprintf("Everything we sell, version %d.", i+1)
		if st, text := e.json("PUT", fmt.Sprintf("/api/v1/organisations/%d/disclosure-policy", seed.Org.ID), auth.Editor, p, nil); st != 200 {
			t.Fatalf("policy: %d %s", st, text)
		}
		_, cp := c.checkpoint()
		cps = append(cps, cp)
	}
	last := cps[len(cps)-1]
	if last.Size != 5 {
		t.Fatalf("after five policies the log holds %d entries", last.Size)
	}
	for i := range last.Size {
		st, data, h := fetch(t, fmt.Sprintf("%s/log/entries/%d", base, i))
		if st != 200 || h.Get("Content-Type") != "application/json" || !strings.Contains(h.Get("Cache-Control"), "immutable") || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("entry %d: %d %v", i, st, h)
		}
		e, err := ledger.ParseEntry(data)
		if err != nil || (i == 0) != (e.Kind == ledger.KindPolicyPublished) || !strings.Contains(string(e.Record), fmt.Sprintf("version %d.", i+1)) {
			t.Fatalf("entry %d: %s %v", i, data, err)
		}
		var proof struct {
			ledger.InclusionProof
			Checkpoint string `json:"checkpoint"`
		}
		st, body, _ := fetch(t, fmt.Sprintf("%s/api/v1/log/proof/inclusion/%d", base, i))
		if st != 200 || json.Unmarshal(body, &proof) != nil {
			t.Fatalf("inclusion proof %d: %d %s", i, st, body)
		}
		if err := ledger.VerifyInclusion(data, &proof.InclusionProof, last); err != nil || !strings.HasPrefix(proof.Checkpoint, string(last.Text())) {
			t.Fatalf("entry %d: %v", i, err)
		}
		// In an older tree too.
		if i < 3 {
			st, body, _ = fetch(t, fmt.Sprintf("%s/api/v1/log/proof/inclusion/%d?tree_size=3", base, i))
			var p ledger.InclusionProof
			if st != 200 || json.Unmarshal(body, &p) != nil || ledger.VerifyInclusion(data, &p, cps[2]) != nil {
				t.Fatalf("entry %d in the tree of 3: %d %s", i, st, body)
			}
		}
	}
	for a := range cps {
		for b := a; b < len(cps); b++ {
			var p ledger.ConsistencyProof
			st, body, _ := fetch(t, fmt.Sprintf("%s/api/v1/log/proof/consistency/%d/%d", base, cps[a].Size, cps[b].Size))
			if st != 200 || json.Unmarshal(body, &p) != nil {
				t.Fatalf("consistency %d→%d: %d %s", cps[a].Size, cps[b].Size, st, body)
			}
			if err := ledger.VerifyConsistency(cps[a], cps[b], &p); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The partial tile holds the five leaf hashes, the bundle the entries.
	st, tile, _ := fetch(t, base+"/log/tile/8/0/000.p/5")
	if st != 200 || len(tile) != 5*32 {
		t.Fatalf("tile: %d, %d bytes", st, len(tile))
	}
	st, bundle, _ := fetch(t, base+"/log/tile/8/data/000.p/5")
	first, _ := e.db.LogEntry(context.Background(), 0)
	if st != 200 || !strings.Contains(string(bundle), string(first)) {
		t.Fatalf("entry bundle: %d", st)
	}
	for _, path := range []string{"/log/entries/5", "/log/entries/-1", "/log/entries/x", "/log/tile/8/0/000", "/log/tile/8/0/000.p/6", "/log/tile/9/0/000.p/5", "/log/tile/8/0/x",
		"/api/v1/log/proof/inclusion/5", "/api/v1/log/proof/consistency/3/9", "/api/v1/log/proof/consistency/4/3"} {
		if st, body, _ := fetch(t, base+path); st != 404 {
			t.Errorf("%s: %d %s, want 404", path, st, body)
		}
	}
	// A person can read an entry, with how to check it.
	st, page, _ := fetch(t, base+"/log?entry=1")
	if st != 200 || !strings.Contains(string(page), "Entry 1 of our public record") || !strings.Contains(string(page), "Security reporting policy changed") ||
		!strings.Contains(string(page), "version 2.") || !strings.Contains(string(page), `href="/api/v1/log/proof/inclusion/1"`) {
		t.Fatalf("/log?entry=1: %d\n%s", st, page)
	}
	for _, q := range []string{"5", "-1", "x"} {
		if st, _, _ := fetch(t, base+"/log?entry="+q); st != 404 {
			t.Errorf("/log?entry=%s: %d, want 404", q, st)
		}
	}
	// The page for people names what was recorded.
	st, page, _ = fetch(t, base+"/log")
	if st != 200 || !strings.Contains(string(page), "Security reporting policy changed") || !strings.Contains(string(page), "holds <strong>5</strong> entries") {
		t.Fatalf("/log page: %d\n%s", st, page)
	}
}

// TestLogTwoServers: two servers share one PostgreSQL database and both
// publish at once; the log never forks, and each server's checkpoints are
// consistent with the other's.
func TestLogTwoServers(t *testing.T) {
	e := newEnv(t, storetest.Postgres)
	seed := storetest.NewSeed(t, e.db)
	ctx := context.Background()
	other, err := store.Open(ctx, e.db.URL(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.OpenLog(ctx, store.LogOptions{Secret: storetest.LogSecret, Origin: "ignored: the log has its name"}); err != nil {
		t.Fatal(err)
	}
	svc := auth.NewService(other, psti.SystemClock{})
	srv, err := web.New(web.Config{BaseURL: "http://psti.test", Version: "test", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, other, svc)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	var wg sync.WaitGroup
	for _, base := range []string{e.ts.URL, ts.URL} {
		wg.Go(func() {
			for i := range 10 {
				p := disclosure.DefaultPolicy(seed.Org.ID)
				p.Scope = fmt.Sprintf("From %s, number %d.", base, i)
				b, _ := json.Marshal(p)
				req, _ := http.NewRequest("PUT", fmt.Sprintf("%s/api/v1/organisations/%d/disclosure-policy", base, seed.Org.ID), strings.NewReader(string(b)))
				req.Header.Set("Authorization", "Bearer "+e.tokens[auth.Editor])
				req.Header.Set("Content-Type", "application/json")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				res.Body.Close()
				if res.StatusCode != 200 {
					t.Errorf("policy through %s: %d", base, res.StatusCode)
				}
			}
		})
	}
	wg.Wait()
	keys, err := e.db.LogKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	one := &logClient{t: t, base: e.ts.URL, known: keys}
	two := &logClient{t: t, base: ts.URL, known: keys}
	_, a := one.checkpoint()
	_, b := two.checkpoint()
	if a != b || a.Size != 20 {
		t.Fatalf("the servers disagree or lost entries: %+v and %+v", a, b)
	}
	if problems, err := other.CheckLog(ctx, nil); err != nil || len(problems) > 0 {
		t.Fatalf("%v %v", problems, err)
	}
}

// TestLogSelfCheckShownToStaff: what the start-up self-check found is on
// every staff page, for every role, and never on public pages.
func TestLogSelfCheckShownToStaff(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	e.srv.SetLogProblems([]string{"entry 2: its content is not what was logged"})
	for _, role := range []auth.Role{auth.Viewer, auth.Admin} {
		res, err := e.browser(role).Get(e.ts.URL + "/admin")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(body), "The transparency log failed its self-check: entry 2: its content is not what was logged") {
			t.Fatalf("%s does not see the self-check's finding:\n%s", role, body)
		}
	}
	_, page, _ := fetch(t, e.ts.URL+"/log")
	if strings.Contains(string(page), "self-check") {
		t.Fatal("a public page shows the self-check's finding")
	}
}
