package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/cases"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store/storetest"
)

// caseFromReport opens a case from a security report whose reporter gave
// an address and a credit.
func caseFromReport(t *testing.T, e *env) *cases.Case {
	t.Helper()
	ctx := context.Background()
	seed := storetest.NewSeed(t, e.db)
	reports := &disclosure.Service{Store: e.db, Register: e.db, Clock: psti.SystemClock{}}
	rep, _, err := reports.Submit(ctx, disclosure.Submission{Summary: "Default password admin", Details: "Found by my scanner.",
		ProductID: seed.Product.ID, ContactEmail: "finder@example.net", Credit: "Ada Finder"})
	if err != nil {
		t.Fatal(err)
	}
	svc := &cases.Service{Store: e.db, Register: e.db, Reports: e.db, Policies: reports, Clock: psti.SystemClock{}}
	c, err := svc.OpenFromReport(ctx, psti.System("test"), rep.ID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCaseFileRoutes: the API and the staff pages give a case's file in
// each format, as a download named case-ID.format, without the reporter.
func TestCaseFileRoutes(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	c := caseFromReport(t, e)
	want := map[string]string{"json": "application/json", "html": "text/html; charset=utf-8", "pdf": "application/pdf"}
	check := func(name string, res *http.Response, body, format string) {
		t.Helper()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d %s", name, res.StatusCode, body)
		}
		if ct := res.Header.Get("Content-Type"); ct != want[format] {
			t.Errorf("%s: Content-Type %q, want %q", name, ct, want[format])
		}
		if d := res.Header.Get("Content-Disposition"); d != fmt.Sprintf(`attachment; filename=case-%d.%s`, c.ID, format) {
			t.Errorf("%s: Content-Disposition %q", name, d)
		}
		if res.Header.Get("Cache-Control") != "private, no-store" {
			t.Errorf("%s: Cache-Control %q", name, res.Header.Get("Cache-Control"))
		}
		for _, secret := range []string{"finder@example.net", "Ada Finder", "my scanner"} {
			if strings.Contains(body, secret) {
				t.Errorf("%s holds the reporter's %q", name, secret)
			}
		}
		switch format {
		case "pdf":
			if !strings.HasPrefix(body, "%PDF-") {
				t.Errorf("%s: not a PDF", name)
			}
		case "html":
			if !strings.Contains(body, "Case file: case") || !strings.Contains(body, "Default password admin") {
				t.Errorf("%s: %s", name, body)
			}
		case "json":
			var f cases.File
			if err := json.Unmarshal([]byte(body), &f); err != nil || f.Case.ID != c.ID || f.Report == nil || f.Report.Summary != "Default password admin" {
				t.Errorf("%s: %v %s", name, err, body)
			}
		}
	}
	for _, format := range cases.FileFormats {
		path := fmt.Sprintf("/api/v1/cases/%d/file?format=%s", c.ID, format)
		res, body := e.call("GET", path, e.tokens[auth.Viewer], "", "")
		check("GET "+path, res, body, format)

		page := fmt.Sprintf("/admin/cases/%d/file.%s", c.ID, format)
		res, err := e.browser(auth.Viewer).Get(e.ts.URL + page)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		check("GET "+page, res, string(b), format)
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "sandbox") {
			t.Errorf("GET %s: Content-Security-Policy %q", page, csp)
		}
	}
	// JSON is the default.
	res, body := e.call("GET", fmt.Sprintf("/api/v1/cases/%d/file", c.ID), e.tokens[auth.Viewer], "", "")
	check("GET without a format", res, body, "json")

	if res, body := e.call("GET", fmt.Sprintf("/api/v1/cases/%d/file?format=docx", c.ID), e.tokens[auth.Viewer], "", ""); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("format docx: status %d %s", res.StatusCode, body)
	}
	if res, _ := e.call("GET", "/api/v1/cases/999999/file", e.tokens[auth.Viewer], "", ""); res.StatusCode != http.StatusNotFound {
		t.Errorf("no such case: status %d", res.StatusCode)
	}
	res, err := e.browser(auth.Viewer).Get(e.ts.URL + "/admin/cases/999999/file.pdf")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("no such case's page download: status %d", res.StatusCode)
	}
}
