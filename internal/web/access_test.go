package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/cases"
	"github.com/psti/psti/internal/catalog"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/passwords"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/scope"
	"github.com/psti/psti/internal/statement"
	"github.com/psti/psti/internal/store/storetest"
	"github.com/psti/psti/internal/support"
)

// access is the least role for every route the server answers. A route
// added to the server must be added here, or TestAccess fails: nobody
// should be able to add a page or an endpoint without deciding who may use it.
var access = []struct {
	method, pattern string
	role            auth.Role
}{
	// Operations and static files.
	{"GET", "/healthz", auth.Public},
	{"GET", "/readyz", auth.Public},
	{"GET", "/metrics", auth.Public},
	{"GET", "/static/", auth.Public},
	{"GET", "/brand.css", auth.Public},
	{"GET", "/brand/logo", auth.Public},
	{"GET", "/admin/organisations/{id}/logo", auth.Editor},
	{"POST", "/admin/organisations/{id}/logo", auth.Editor},
	// The transparency log: public, like what it records.
	{"GET", "/log", auth.Public},
	{"GET", "/log/checkpoint", auth.Public},
	{"GET", "/log/key", auth.Public},
	{"GET", "/log/keys", auth.Public},
	{"GET", "/log/entries/{index}", auth.Public},
	{"GET", "/log/tile/{path...}", auth.Public},
	{"GET", "/api/v1/log/proof/inclusion/{index}", auth.Public},
	{"GET", "/api/v1/log/proof/consistency/{old}/{new}", auth.Public},
	// The requirement catalogue: about the law, public.
	{"GET", "/requirements", auth.Public},
	{"GET", "/api/v1/requirements", auth.Public},
	{"GET", "/api/v1/requirements/oscal", auth.Public},
	// API description and unknown API paths.
	{"GET", "/api/v1/openapi.json", auth.Public},
	{"GET", "/api/v1/openapi-3.0.json", auth.Public},
	{"GET", "/api/v1/openapi.yaml", auth.Public},
	{"GET", "/api/v1/openapi-3.0.yaml", auth.Public},
	{"*", "/api/v1/", auth.Public},
	// The product register over the API: viewers read, editors write.
	{"GET", "/api/v1/organisations", auth.Viewer},
	{"POST", "/api/v1/organisations", auth.Editor},
	{"GET", "/api/v1/organisations/{id}", auth.Viewer},
	{"PUT", "/api/v1/organisations/{id}", auth.Editor},
	{"POST", "/api/v1/organisations/{id}/archive", auth.Editor},
	{"POST", "/api/v1/organisations/{id}/unarchive", auth.Editor},
	{"GET", "/api/v1/manufacturers", auth.Viewer},
	{"POST", "/api/v1/manufacturers", auth.Editor},
	{"GET", "/api/v1/manufacturers/{id}", auth.Viewer},
	{"PUT", "/api/v1/manufacturers/{id}", auth.Editor},
	{"POST", "/api/v1/manufacturers/{id}/archive", auth.Editor},
	{"POST", "/api/v1/manufacturers/{id}/unarchive", auth.Editor},
	{"GET", "/api/v1/brands", auth.Viewer},
	{"POST", "/api/v1/brands", auth.Editor},
	{"GET", "/api/v1/brands/{id}", auth.Viewer},
	{"PUT", "/api/v1/brands/{id}", auth.Editor},
	{"POST", "/api/v1/brands/{id}/archive", auth.Editor},
	{"POST", "/api/v1/brands/{id}/unarchive", auth.Editor},
	{"GET", "/api/v1/products", auth.Viewer},
	{"POST", "/api/v1/products", auth.Editor},
	{"GET", "/api/v1/products/{id}", auth.Viewer},
	{"PUT", "/api/v1/products/{id}", auth.Editor},
	{"POST", "/api/v1/products/{id}/archive", auth.Editor},
	{"POST", "/api/v1/products/{id}/unarchive", auth.Editor},
	{"GET", "/api/v1/versions", auth.Viewer},
	{"POST", "/api/v1/versions", auth.Editor},
	{"GET", "/api/v1/versions/{id}", auth.Viewer},
	{"PUT", "/api/v1/versions/{id}", auth.Editor},
	{"POST", "/api/v1/versions/{id}/archive", auth.Editor},
	{"POST", "/api/v1/versions/{id}/unarchive", auth.Editor},
	{"GET", "/api/v1/batches", auth.Viewer},
	{"POST", "/api/v1/batches", auth.Editor},
	{"GET", "/api/v1/batches/{id}", auth.Viewer},
	{"PUT", "/api/v1/batches/{id}", auth.Editor},
	{"POST", "/api/v1/batches/{id}/archive", auth.Editor},
	{"POST", "/api/v1/batches/{id}/unarchive", auth.Editor},
	// Password audits: viewers read reports, editors upload batches.
	{"POST", "/api/v1/password-audits", auth.Editor},
	{"GET", "/api/v1/password-audits/{id}", auth.Viewer},
	{"GET", "/api/v1/password-audits/{id}/reviews", auth.Viewer},
	{"POST", "/api/v1/password-audits/{id}/reviews", auth.Editor},
	{"GET", "/api/v1/batches/{id}/password-audits", auth.Viewer},
	// Security reports: anyone reports and follows a report with its
	// receipt; staff read (viewers) and act (editors).
	{"POST", "/api/v1/reports", auth.Public},
	{"GET", "/api/v1/reports/status", auth.Public},
	{"POST", "/api/v1/reports/status", auth.Public},
	{"GET", "/api/v1/reports", auth.Viewer},
	{"GET", "/api/v1/reports/{id}", auth.Viewer},
	{"POST", "/api/v1/reports/{id}/actions", auth.Editor},
	{"GET", "/api/v1/organisations/{id}/disclosure-policy", auth.Viewer},
	{"PUT", "/api/v1/organisations/{id}/disclosure-policy", auth.Editor},
	{"POST", "/api/v1/reports/{id}/advisory", auth.Editor},
	// Support periods: published ones are public; staff draft, publish
	// and extend them.
	{"GET", "/api/v1/support-periods", auth.Public},
	{"GET", "/api/v1/support-periods/{id}", auth.Public},
	{"GET", "/api/v1/products/{id}/support-periods", auth.Viewer},
	{"POST", "/api/v1/support-periods", auth.Editor},
	{"PUT", "/api/v1/support-periods/{id}", auth.Editor},
	{"POST", "/api/v1/support-periods/{id}/publish", auth.Editor},
	{"POST", "/api/v1/support-periods/{id}/extend", auth.Editor},
	{"POST", "/api/v1/scope-decisions", auth.Editor},
	{"GET", "/api/v1/scope-decisions", auth.Viewer},
	{"GET", "/api/v1/scope-decisions/{id}", auth.Viewer},
	{"GET", "/api/v1/scope-rules", auth.Public},
	{"POST", "/api/v1/duties", auth.Viewer},
	// Compliance cases: staff only, never public; viewers read, editors
	// act. Deleting a record is always refused, and only an editor is
	// told so.
	{"GET", "/api/v1/parties", auth.Viewer},
	{"POST", "/api/v1/parties", auth.Editor},
	{"PUT", "/api/v1/parties/{id}", auth.Editor},
	{"GET", "/api/v1/products/{id}/chain", auth.Viewer},
	{"PUT", "/api/v1/products/{id}/chain", auth.Editor},
	{"GET", "/api/v1/cases", auth.Viewer},
	{"POST", "/api/v1/cases", auth.Editor},
	{"GET", "/api/v1/cases/{id}", auth.Viewer},
	{"PUT", "/api/v1/cases/{id}/facts", auth.Editor},
	{"PUT", "/api/v1/cases/{id}/particulars", auth.Editor},
	{"PUT", "/api/v1/cases/{id}/duties/{key}", auth.Editor},
	{"POST", "/api/v1/reports/{id}/case", auth.Editor},
	{"POST", "/api/v1/cases/{id}/notices", auth.Editor},
	{"PUT", "/api/v1/notices/{id}", auth.Editor},
	{"POST", "/api/v1/notices/{id}/send", auth.Editor},
	{"POST", "/api/v1/cases/{id}/holds", auth.Editor},
	{"POST", "/api/v1/holds/{id}/lift", auth.Editor},
	{"GET", "/api/v1/holds", auth.Viewer},
	{"POST", "/api/v1/cases/{id}/close", auth.Editor},
	{"GET", "/api/v1/records", auth.Viewer},
	{"GET", "/api/v1/records/retention", auth.Viewer},
	{"GET", "/api/v1/records/{id}", auth.Viewer},
	{"POST", "/api/v1/records/{id}/corrections", auth.Editor},
	{"DELETE", "/api/v1/records/{id}", auth.Editor},
	{"POST", "/api/v1/authority-notices", auth.Editor},
	{"GET", "/api/v1/authority-notices", auth.Viewer},
	{"GET", "/api/v1/authority-notices/{id}", auth.Viewer},
	{"GET", "/api/v1/duty-targets", auth.Viewer},
	{"PUT", "/api/v1/duty-targets", auth.Editor},
	{"GET", "/api/v1/statements", auth.Viewer},
	{"GET", "/api/v1/statements/retention", auth.Viewer},
	{"GET", "/api/v1/statements/{id}", auth.Viewer},
	{"POST", "/api/v1/statements", auth.Editor},
	{"PUT", "/api/v1/statements/{id}", auth.Editor},
	{"POST", "/api/v1/statements/{id}/issue", auth.Editor},
	{"POST", "/api/v1/statements/{id}/corrections", auth.Editor},
	{"DELETE", "/api/v1/statements/{id}", auth.Editor},
	// The keys that sign statements: editors list, add and retire them.
	{"GET", "/api/v1/statement-keys", auth.Editor},
	{"GET", "/api/v1/statement-keys/{id}", auth.Editor},
	{"POST", "/api/v1/statement-keys", auth.Editor},
	{"POST", "/api/v1/statement-keys/{id}/retire", auth.Editor},
	// People and access over the API: admins only, apart from "who am I".
	{"GET", "/api/v1/me", auth.Viewer},
	{"GET", "/api/v1/users", auth.Admin},
	{"PUT", "/api/v1/users/{id}", auth.Admin},
	{"GET", "/api/v1/invitations", auth.Admin},
	{"POST", "/api/v1/invitations", auth.Admin},
	{"POST", "/api/v1/invitations/{id}/revoke", auth.Admin},
	{"GET", "/api/v1/tokens", auth.Admin},
	{"POST", "/api/v1/tokens", auth.Admin},
	{"POST", "/api/v1/tokens/{id}/revoke", auth.Admin},
	{"GET", "/api/v1/audit", auth.Viewer},
	// Public pages, signing in and setting up.
	{"*", "/", auth.Public},
	{"GET", "/{$}", auth.Public},
	{"GET", "/login", auth.Public},
	{"POST", "/login", auth.Public},
	{"POST", "/logout", auth.Public},
	{"GET", "/setup/{code}", auth.Public},
	{"POST", "/setup/{code}", auth.Public},
	// Admin pages.
	{"GET", "/admin", auth.Viewer},
	{"GET", "/admin/account", auth.Viewer},
	{"POST", "/admin/account/password", auth.Viewer},
	{"GET", "/admin/audit", auth.Viewer},
	{"GET", "/admin/organisations", auth.Viewer},
	{"GET", "/admin/organisations/new", auth.Editor},
	{"POST", "/admin/organisations", auth.Editor},
	{"GET", "/admin/organisations/{id}", auth.Viewer},
	{"POST", "/admin/organisations/{id}", auth.Editor},
	{"POST", "/admin/organisations/{id}/archive", auth.Editor},
	{"GET", "/admin/manufacturers", auth.Viewer},
	{"GET", "/admin/manufacturers/new", auth.Editor},
	{"POST", "/admin/manufacturers", auth.Editor},
	{"GET", "/admin/manufacturers/{id}", auth.Viewer},
	{"POST", "/admin/manufacturers/{id}", auth.Editor},
	{"POST", "/admin/manufacturers/{id}/archive", auth.Editor},
	{"GET", "/admin/brands", auth.Viewer},
	{"GET", "/admin/brands/new", auth.Editor},
	{"POST", "/admin/brands", auth.Editor},
	{"GET", "/admin/brands/{id}", auth.Viewer},
	{"POST", "/admin/brands/{id}", auth.Editor},
	{"POST", "/admin/brands/{id}/archive", auth.Editor},
	{"GET", "/admin/products", auth.Viewer},
	{"GET", "/admin/products/new", auth.Editor},
	{"POST", "/admin/products", auth.Editor},
	{"GET", "/admin/products/{id}", auth.Viewer},
	{"POST", "/admin/products/{id}", auth.Editor},
	{"POST", "/admin/products/{id}/archive", auth.Editor},
	{"GET", "/admin/versions", auth.Viewer},
	{"GET", "/admin/versions/new", auth.Editor},
	{"POST", "/admin/versions", auth.Editor},
	{"GET", "/admin/versions/{id}", auth.Viewer},
	{"POST", "/admin/versions/{id}", auth.Editor},
	{"POST", "/admin/versions/{id}/archive", auth.Editor},
	{"GET", "/admin/batches", auth.Viewer},
	{"GET", "/admin/batches/new", auth.Editor},
	{"POST", "/admin/batches", auth.Editor},
	{"GET", "/admin/batches/{id}", auth.Viewer},
	{"POST", "/admin/batches/{id}", auth.Editor},
	{"POST", "/admin/batches/{id}/archive", auth.Editor},
	{"GET", "/admin/batches/{id}/password-audits/new", auth.Editor},
	{"POST", "/admin/batches/{id}/password-audits", auth.Editor},
	{"GET", "/admin/password-audits/{id}", auth.Viewer},
	{"GET", "/admin/password-audits/{id}/report.json", auth.Viewer},
	{"POST", "/admin/password-audits/{id}/reviews", auth.Editor},
	{"GET", "/security", auth.Public},
	{"GET", "/security/report", auth.Public},
	{"POST", "/security/report", auth.Public},
	{"GET", "/security/status", auth.Public},
	{"POST", "/security/status", auth.Public},
	{"POST", "/security/status/reply", auth.Public},
	{"GET", "/security/receipt", auth.Public},
	{"POST", "/security/status/forget", auth.Public},
	{"GET", "/admin/reports", auth.Viewer},
	{"GET", "/admin/reports/{id}", auth.Viewer},
	{"POST", "/admin/reports/{id}/actions", auth.Editor},
	{"GET", "/admin/reports/{id}/attachments/{aid}", auth.Viewer},
	{"GET", "/admin/security-policy", auth.Viewer},
	{"POST", "/admin/reports/{id}/advisory", auth.Editor},
	{"GET", "/admin/reports/{id}/advisory", auth.Editor},
	{"POST", "/admin/reports/{id}/advisory/draft", auth.Editor},
	{"GET", "/admin/reports/{id}/advisory/preview", auth.Editor},
	{"POST", "/admin/reports/{id}/advisory/publish", auth.Editor},
	{"GET", "/security/advisories", auth.Public},
	{"GET", "/security/advisories/{tracking}", auth.Public},
	{"GET", "/.well-known/security.txt", auth.Public},
	{"GET", "/security.txt", auth.Public},
	{"GET", "/.well-known/csaf/provider-metadata.json", auth.Public},
	{"GET", "/.well-known/csaf/{file}", auth.Public},
	{"GET", "/.well-known/csaf/{year}/{file}", auth.Public},
	{"GET", "/.well-known/csaf/openpgp/{file}", auth.Public},
	{"POST", "/admin/security-policy", auth.Editor},
	{"GET", "/admin/users", auth.Admin},
	{"POST", "/admin/users/invite", auth.Admin},
	{"GET", "/admin/users/{id}", auth.Admin},
	{"POST", "/admin/users/{id}", auth.Admin},
	{"GET", "/admin/tokens", auth.Admin},
	{"POST", "/admin/tokens", auth.Admin},
	{"POST", "/admin/tokens/{id}/revoke", auth.Admin},
	{"POST", "/admin/invitations/{id}/revoke", auth.Admin},
	{"GET", "/admin/products/{id}/support", auth.Viewer},
	{"GET", "/admin/products/{id}/scope", auth.Viewer},
	{"POST", "/admin/products/{id}/scope", auth.Editor},
	{"POST", "/admin/products/{id}/support", auth.Editor},
	{"GET", "/admin/products/{id}/evidence-pack", auth.Viewer},
	{"GET", "/admin/support-periods", auth.Viewer},
	{"GET", "/admin/support-periods/{id}", auth.Viewer},
	{"POST", "/admin/support-periods/{id}", auth.Editor},
	{"POST", "/admin/support-periods/{id}/publish", auth.Editor},
	{"POST", "/admin/support-periods/{id}/extend", auth.Editor},
	{"POST", "/admin/support-periods/{id}/delete", auth.Editor},
	{"GET", "/admin/statements/keys", auth.Editor},
	{"POST", "/admin/statements/keys/generate", auth.Editor},
	{"POST", "/admin/statements/keys/import", auth.Editor},
	{"POST", "/admin/statements/keys/{id}/retire", auth.Editor},
	{"GET", "/products", auth.Public},
	{"GET", "/products/{slug}", auth.Public},
	{"GET", "/admin/statements", auth.Viewer},
	{"GET", "/admin/statements/new", auth.Editor},
	{"POST", "/admin/statements/new", auth.Editor},
	{"GET", "/admin/statements/retention", auth.Viewer},
	{"GET", "/admin/statements/{id}", auth.Viewer},
	{"POST", "/admin/statements/{id}", auth.Editor},
	{"POST", "/admin/statements/{id}/issue", auth.Editor},
	{"POST", "/admin/statements/{id}/correct", auth.Editor},
	{"POST", "/admin/statements/{id}/delete", auth.Editor},
	{"GET", "/statements/verify", auth.Public},
	{"POST", "/statements/verify", auth.Public},
	{"GET", "/statements/{number}", auth.Public},
	{"GET", "/statements/{number}/{version}", auth.Public},
	{"GET", "/statements/{number}/{version}/{file}", auth.Public},
	// Assessments: viewers read, editors change rows and keep evidence.
	{"GET", "/admin/products/{id}/assessment", auth.Viewer},
	{"POST", "/admin/products/{id}/assessment/{requirement}", auth.Editor},
	{"POST", "/admin/products/{id}/assessment/{requirement}/evidence", auth.Editor},
	{"GET", "/admin/products/{id}/assessment/evidence/{file}", auth.Viewer},
	{"POST", "/admin/products/{id}/assessment/evidence/{file}/archive", auth.Editor},
	{"GET", "/api/v1/products/{id}/assessment", auth.Viewer},
	{"PUT", "/api/v1/products/{id}/assessment/{requirement}", auth.Editor},
	{"POST", "/api/v1/products/{id}/assessment/{requirement}/evidence", auth.Editor},
	{"GET", "/api/v1/products/{id}/assessment/evidence/{file}", auth.Viewer},
	// A compliance case's file: staff who read, never the public.
	{"GET", "/api/v1/cases/{id}/file", auth.Viewer},
	{"GET", "/admin/cases/{id}/file.html", auth.Viewer},
	{"GET", "/admin/cases/{id}/file.json", auth.Viewer},
	{"GET", "/admin/cases/{id}/file.pdf", auth.Viewer},
	// Compliance cases, their notices, parties, records and notices from
	// the authority: staff only; viewers read, editors act.
	{"GET", "/admin/cases", auth.Viewer},
	{"GET", "/admin/cases/new", auth.Editor},
	{"POST", "/admin/cases", auth.Editor},
	{"GET", "/admin/cases/{id}", auth.Viewer},
	{"POST", "/admin/cases/{id}/facts", auth.Editor},
	{"POST", "/admin/cases/{id}/particulars", auth.Editor},
	{"POST", "/admin/cases/{id}/duties", auth.Editor},
	{"POST", "/admin/cases/{id}/notices", auth.Editor},
	{"POST", "/admin/cases/{id}/holds", auth.Editor},
	{"POST", "/admin/cases/{id}/lift", auth.Editor},
	{"POST", "/admin/cases/{id}/close", auth.Editor},
	{"GET", "/admin/notices/{id}", auth.Viewer},
	{"POST", "/admin/notices/{id}", auth.Editor},
	{"GET", "/admin/parties", auth.Viewer},
	{"POST", "/admin/parties", auth.Editor},
	{"GET", "/admin/parties/{id}", auth.Viewer},
	{"POST", "/admin/parties/{id}", auth.Editor},
	{"GET", "/admin/products/{id}/chain", auth.Viewer},
	{"POST", "/admin/products/{id}/chain", auth.Editor},
	{"GET", "/admin/records", auth.Viewer},
	{"GET", "/admin/records/retention", auth.Viewer},
	{"GET", "/admin/records/{id}", auth.Viewer},
	{"POST", "/admin/records/{id}/correct", auth.Editor},
	{"POST", "/admin/records/{id}/delete", auth.Editor},
	{"GET", "/admin/authority-notices", auth.Viewer},
	{"POST", "/admin/authority-notices", auth.Editor},
	{"GET", "/admin/authority-notices/{id}", auth.Viewer},
	{"POST", "/admin/reports/{id}/case", auth.Editor},
}

// TestAccess checks every route against every kind of caller: the
// anonymous are turned away from anything not public, each role is refused
// what needs a higher one and let in to the rest. A viewer's requests change
// nothing at all, and an editor's change no user or token.
func TestAccess(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	ctx := context.Background()

	// The table and the server must agree, both ways.
	want := map[string]auth.Role{}
	for _, a := range access {
		want[a.method+" "+a.pattern] = a.role
	}
	got := map[string]auth.Role{}
	for _, r := range e.srv.Routes() {
		got[r.Method+" "+r.Pattern] = r.Role
	}
	for k, r := range got {
		if w, ok := want[k]; !ok {
			t.Errorf("route %s (least role %q) is not in the access table: add it, with the role it should need", k, r)
		} else if w != r {
			t.Errorf("route %s needs %q, the access table says %q", k, r, w)
		}
	}
	for k := range want {
		if _, ok := got[k]; !ok {
			t.Errorf("the access table lists %s, which the server does not answer", k)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	// Records for {id} to point at, and a user and token that routes may
	// change without disturbing the callers.
	seed := storetest.NewSeed(t, e.db)
	v := &product.Version{ProductID: seed.Product.ID, Component: "firmware", Version: "1.0"}
	b := &product.Batch{ProductID: seed.Product.ID, Code: "B1"}
	if err := e.db.CreateVersion(ctx, psti.System("test"), v); err != nil {
		t.Fatal(err)
	}
	if err := e.db.CreateBatch(ctx, psti.System("test"), b); err != nil {
		t.Fatal(err)
	}
	spare := e.addUser("spare@example.com", auth.Viewer)
	_, spareToken, err := e.svc.CreateToken(ctx, psti.System("test"), spare.ID, "spare", auth.Viewer, nil)
	if err != nil {
		t.Fatal(err)
	}
	spareInvite, _, err := e.svc.Invite(ctx, psti.System("test"), "later@example.com", auth.Viewer)
	if err != nil {
		t.Fatal(err)
	}
	_ = spareInvite
	rep := &disclosure.Report{OrganisationID: seed.Org.ID, Summary: "s", Details: "d", Status: disclosure.StatusReceived, ReceivedAt: time.Now(),
		Attachments: []disclosure.Attachment{{Name: "a.txt", ContentType: "text/plain", Size: 1, Content: strings.NewReader("a"), SHA256: "x"}}}
	_, receiptHash := disclosure.NewReceipt()
	if err := e.db.SubmitReport(ctx, rep, receiptHash, disclosure.Event{At: time.Now(), Kind: disclosure.EventReceived, Public: true}); err != nil {
		t.Fatal(err)
	}
	run := &passwords.Run{BatchID: b.ID, FileName: "batch.csv", FileBytes: 10, CreatedBy: "test"}
	if err := e.db.CreateRun(ctx, psti.System("test"), run); err != nil {
		t.Fatal(err)
	}
	period := &support.Period{ProductID: seed.Product.ID, EndDate: "2030-03-31"}
	if err := e.db.CreatePeriod(ctx, psti.System("test"), period); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.PublishPeriod(ctx, psti.System("test"), period.ID, 0); err != nil {
		t.Fatal(err)
	}
	soc := &statement.Record{ProductID: seed.Product.ID}
	if err := e.db.CreateStatement(ctx, psti.System("test"), soc); err != nil {
		t.Fatal(err)
	}
	signer, err := statement.SelfSigned("Acme statements", "Acme", time.Now(), 24*time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	key, err := e.db.AddStatementKey(ctx, psti.System("test"), signer, "")
	if err != nil {
		t.Fatal(err)
	}
	invs, err := e.db.Invitations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	decision := &scope.Record{ProductID: seed.Product.ID, Facts: catalog.Values{}, Decision: scope.Decision{Outcome: catalog.NeedsReview, RulesVersion: "test"}}
	if err := e.db.AddScopeDecision(ctx, psti.System("test"), decision); err != nil {
		t.Fatal(err)
	}
	// A closed compliance case with a party, a notice, a hold, records
	// and a notice from the authority.
	storetest.FillCases(t, e.db, seed)
	parties, err := e.db.Parties(ctx, seed.Org.ID)
	must(t, err)
	closed, err := e.db.Cases(ctx, cases.Filter{})
	must(t, err)
	notices, err := e.db.Notices(ctx, closed[0].ID)
	must(t, err)
	holds, err := e.db.Holds(ctx, cases.HoldFilter{All: true})
	must(t, err)
	records, err := e.db.Records(ctx, cases.RecordFilter{})
	must(t, err)
	authority, err := e.db.AuthorityNotices(ctx, cases.AuthorityFilter{})
	must(t, err)
	ids := map[string]int64{"parties": parties[0].ID, "cases": closed[0].ID, "notices": notices[0].ID, "holds": holds[0].ID, "records": records[0].ID,
		"authority-notices": authority[0].ID, "scope-decisions": decision.ID, "statements": soc.ID, "statement-keys": key.ID, "keys": key.ID, "support-periods": period.ID, "invitations": invs[0].ID, "organisations": seed.Org.ID, "manufacturers": seed.Makers[0].ID, "brands": seed.Brand.ID,
		"products": seed.Product.ID, "versions": v.ID, "batches": b.ID, "password-audits": run.ID, "reports": rep.ID, "users": spare.ID, "tokens": spareToken.ID}

	path := func(pattern string) string {
		if pattern == "/" {
			return "/no-such-page"
		}
		p := strings.ReplaceAll(pattern, "{$}", "")
		p = strings.ReplaceAll(p, "{code}", "not-a-real-setup-code")
		p = strings.ReplaceAll(p, "{aid}", fmt.Sprint(rep.Attachments[0].ID))
		p = strings.NewReplacer("{tracking}", "ACME-2026-0001", "{year}", "2026", "{file}", "index.txt", "{slug}", seed.Product.Slug,
			"{number}", soc.Number, "{version}", "1", "{requirement}", "PSTI-PW-01",
			"{key}", url.PathEscape(closed[0].Duties[0].Key)).Replace(p)
		if strings.Contains(p, "{id}") {
			var id int64
			for kind, n := range ids {
				if strings.Contains(p, "/"+kind+"/{id}") {
					id = n
				}
			}
			if id == 0 {
				t.Fatalf("no record for %s", pattern)
			}
			p = strings.ReplaceAll(p, "{id}", fmt.Sprint(id))
		}
		if strings.HasSuffix(p, "/static/") {
			p += "style.css"
		}
		return p
	}

	callers := []auth.Role{auth.Public, auth.Viewer, auth.Editor, auth.Admin}
	for _, caller := range callers {
		before := e.counts(t)
		for _, a := range access {
			method := a.method
			if method == "*" {
				method = "GET"
			}
			p := path(a.pattern)
			name := fmt.Sprintf("%s %s as %s", method, p, callerName(caller))
			var status int
			var location string
			if strings.HasPrefix(p, "/api/") {
				body, ct := "", ""
				if method == "POST" || method == "PUT" {
					body, ct = "{}", "application/json"
				}
				res, _ := e.call(method, p, e.tokens[caller], ct, body)
				status = res.StatusCode
			} else {
				c := e.browser(caller)
				form := ""
				if p == "/login" && method == "POST" {
					form = "email=spare%40example.com&password=" + strings.ReplaceAll(testPassword, " ", "+")
				}
				req, _ := http.NewRequest(method, e.ts.URL+p, strings.NewReader(form))
				if method == "POST" {
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				}
				res, err := c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				status, location = res.StatusCode, res.Header.Get("Location")
			}
			allowed := caller.Allows(a.role) || a.role == auth.Public
			switch {
			case allowed:
				if status == http.StatusUnauthorized || status == http.StatusForbidden || strings.HasPrefix(location, "/login?next=") {
					t.Errorf("%s: refused (%d %s), but the route needs only %q", name, status, location, a.role)
				}
			case caller == auth.Public && !strings.HasPrefix(p, "/api/") && method == "GET":
				if status != http.StatusSeeOther || !strings.HasPrefix(location, "/login?next=") {
					t.Errorf("%s: status %d %q, want a redirect to sign in", name, status, location)
				}
			case caller == auth.Public:
				if status != http.StatusUnauthorized {
					t.Errorf("%s: status %d, want 401", name, status)
				}
			default:
				if status != http.StatusForbidden {
					t.Errorf("%s: status %d, want 403 (needs %s)", name, status, a.role)
				}
			}
		}
		after := e.counts(t)
		switch caller {
		case auth.Public, auth.Viewer:
			if !reflect.DeepEqual(before, after) {
				t.Errorf("requests as %s changed the database:\nbefore %v\nafter  %v", callerName(caller), before, after)
			}
		case auth.Editor:
			if invs, _ := e.db.Invitations(ctx); invs[0].RevokedAt != nil {
				t.Error("an editor revoked a setup link")
			}
			for _, table := range []string{"users", "invitations", "api_tokens"} {
				if before[table] != after[table] {
					t.Errorf("requests as editor changed %s: %d → %d rows", table, before[table], after[table])
				}
			}
			if toks, _ := e.db.Tokens(ctx, spare.ID); toks[0].RevokedAt != nil {
				t.Error("an editor revoked a token")
			}
		}
	}
}

func callerName(r auth.Role) string {
	if r == auth.Public {
		return "anonymous"
	}
	return string(r)
}

// caseRecords names one record of each kind compliance cases keep.
type caseRecords struct{ caseID, notice, party, record, authority int64 }

// fillCaseIDs finds the records storetest.FillCases made.
func fillCaseIDs(t testing.TB, e *env) caseRecords {
	t.Helper()
	ctx := context.Background()
	var ids caseRecords
	cs, err := e.db.Cases(ctx, cases.Filter{})
	must(t, err)
	ns, err := e.db.Notices(ctx, cs[0].ID)
	must(t, err)
	ps, err := e.db.Parties(ctx, 0)
	must(t, err)
	rs, err := e.db.Records(ctx, cases.RecordFilter{})
	must(t, err)
	as, err := e.db.AuthorityNotices(ctx, cases.AuthorityFilter{})
	must(t, err)
	if len(ns) == 0 || len(ps) == 0 || len(rs) == 0 || len(as) == 0 {
		t.Fatal("FillCases left a kind of record empty")
	}
	ids.caseID, ids.notice, ids.party, ids.record, ids.authority = cs[0].ID, ns[0].ID, ps[0].ID, rs[0].ID, as[0].ID
	return ids
}
