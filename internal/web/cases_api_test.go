package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store/storetest"
	"github.com/psti/psti/internal/web"
)

// newClockEnv is newEnv with the server on the store's test clock, so a
// test can move time on past a duty's target.
func newClockEnv(t *testing.T, b storetest.Backend) (*env, *storetest.Clock) {
	t.Helper()
	db, clock := storetest.Open(t, b)
	svc := auth.NewService(db, psti.SystemClock{})
	svc.Params = fastParams
	srv, err := web.New(web.Config{BaseURL: "http://psti.test", Version: "test", Clock: clock,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, db, svc)
	must(t, err)
	t.Cleanup(srv.Close)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	e := &env{t: t, db: db, svc: svc, srv: srv, ts: ts, users: map[auth.Role]*auth.User{}, tokens: map[auth.Role]string{}}
	for _, r := range auth.Roles {
		e.users[r] = e.addUser(string(r)+"@example.com", r)
		e.tokens[r] = e.token(e.users[r], r)
	}
	return e, clock
}

type apiDuty struct {
	Key         string     `json:"key"`
	Duty        string     `json:"duty"`
	Section     string     `json:"section"`
	State       string     `json:"state"`
	NeedsReview bool       `json:"needs_review"`
	TargetAt    *time.Time `json:"target_at"`
	Overdue     bool       `json:"overdue"`
}

type apiCase struct {
	ID       int64          `json:"id"`
	Revision int64          `json:"revision"`
	Status   string         `json:"status"`
	Source   string         `json:"source"`
	ReportID int64          `json:"report_id"`
	Facts    map[string]any `json:"facts"`
	Details  string         `json:"details"`
	Duties   []apiDuty      `json:"duties"`
}

func (c *apiCase) duty(t *testing.T, name string) apiDuty {
	t.Helper()
	for _, d := range c.Duties {
		if d.Duty == name {
			return d
		}
	}
	t.Fatalf("case %d has no duty %s", c.ID, name)
	return apiDuty{}
}

// TestCasesAPI walks a compliance case through the API, step by step: a
// security report about the seeded camera becomes a case; the
// manufacturer confirms the failure, says what notices will tell, and
// notifies the authority (the sent text in the outbox, the duty done); a
// duty goes overdue across Christmas and /metrics counts it; supply is
// held; closing is refused while duties are open, then made, with its
// records; a record cannot be deleted (409 with the day it is kept until)
// but can be corrected (version 2); the retention list says what is kept
// until when; a notice from the authority sent by e-mail on Christmas Eve
// is given at 9 am on the next working day, with its deadlines. Bad input
// is refused along the way, naming what is wrong.
func TestCasesAPI(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			testCasesAPI(t, b)
		})
	}
}

func testCasesAPI(t *testing.T, b storetest.Backend) {
	e, clock := newClockEnv(t, b)
	ctx := context.Background()
	seed := storetest.NewSeed(t, e.db)
	// Thursday 24 December 2026, 10:00 in London: Christmas Day is a
	// Friday, Boxing Day a Saturday, so Monday 28 is its substitute.
	clock.Set(time.Date(2026, 12, 24, 10, 0, 0, 0, psti.London))
	reports := &disclosure.Service{Store: e.db, Register: e.db, Clock: clock}
	rep, _, err := reports.Submit(ctx, disclosure.Submission{Summary: "Every camera shares the password admin",
		Details: "Every unit answers to admin/admin.", ProductID: seed.Product.ID, ContactEmail: "finder@example.net", Credit: "Ann Finder"})
	must(t, err)

	var (
		authority, importer struct {
			ID       int64 `json:"id"`
			Revision int64 `json:"revision"`
		}
		c            apiCase
		notice       map[string]any
		records      []map[string]any
		correctionID int64
	)
	metric := func() string {
		res, err := http.Get(e.ts.URL + "/metrics")
		must(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "psti_duties_overdue "); ok {
				return v
			}
		}
		return "missing"
	}
	casePath := func(rest string) func() string {
		return func() string { return fmt.Sprintf("/api/v1/cases/%d%s", c.ID, rest) }
	}
	fixed := func(p string) func() string { return func() string { return p } }
	london := func(y int, m time.Month, d, h, min int) time.Time {
		return time.Date(y, m, d, h, min, 0, 0, psti.London)
	}

	steps := []struct {
		name   string
		before func() // moves the clock, or reads what the step needs
		method string
		path   func() string
		role   auth.Role
		body   func() any
		status int
		check  func(t *testing.T, text string)
	}{
		{name: "add the authority", method: "POST", path: fixed("/api/v1/parties"), role: auth.Editor, status: 201,
			body: func() any {
				return map[string]any{"organisation_id": seed.Org.ID, "kind": "enforcement_authority", "name": "OPSS", "email": "notices@opss.example"}
			},
			check: func(t *testing.T, text string) { must(t, json.Unmarshal([]byte(text), &authority)) }},
		{name: "add the importer", method: "POST", path: fixed("/api/v1/parties"), role: auth.Editor, status: 201,
			body: func() any {
				return map[string]any{"organisation_id": seed.Org.ID, "kind": "importer", "name": "Import Co", "email": "compliance@import.example"}
			},
			check: func(t *testing.T, text string) { must(t, json.Unmarshal([]byte(text), &importer)) }},
		{name: "a party with no address for notices", method: "POST", path: fixed("/api/v1/parties"), role: auth.Editor, status: 422,
			body: func() any {
				return map[string]any{"organisation_id": seed.Org.ID, "kind": "importer", "name": "Nowhere Ltd"}
			},
			check: func(t *testing.T, text string) { wantMention(t, text, "body.email") }},
		{name: "change a party at a stale revision", method: "PUT", path: func() string { return fmt.Sprintf("/api/v1/parties/%d", importer.ID) }, role: auth.Editor, status: 409,
			body: func() any {
				return map[string]any{"organisation_id": seed.Org.ID, "kind": "importer", "name": "Import Co Ltd", "email": "compliance@import.example", "revision": importer.Revision + 1}
			}},
		{name: "the product's chain", method: "PUT", path: fixed(fmt.Sprintf("/api/v1/products/%d/chain", seed.Product.ID)), role: auth.Editor, status: 200,
			body: func() any {
				return map[string]any{"roles": []string{"manufacturer"}, "links": []map[string]any{{"party_id": importer.ID, "relation": "supplied_importer"}}}
			},
			check: func(t *testing.T, text string) { wantMention(t, text, `"relation":"supplied_importer"`) }},
		{name: "a viewer reads the chain", method: "GET", path: fixed(fmt.Sprintf("/api/v1/products/%d/chain", seed.Product.ID)), role: auth.Viewer, status: 200,
			check: func(t *testing.T, text string) { wantMention(t, text, `"roles":["manufacturer"]`) }},
		{name: "a viewer cannot open a case", method: "POST", path: fixed(fmt.Sprintf("/api/v1/reports/%d/case", rep.ID)), role: auth.Viewer, status: 403},
		{name: "open a case from the report", method: "POST", path: fixed(fmt.Sprintf("/api/v1/reports/%d/case", rep.ID)), role: auth.Editor, status: 200,
			check: func(t *testing.T, text string) {
				must(t, json.Unmarshal([]byte(text), &c))
				if c.Source != "report" || c.ReportID != rep.ID || c.Facts["role"] != "manufacturer" || c.Facts["status"] != "suspected" || c.Facts["supplied_importers"] != true {
					t.Fatalf("opened %+v", c)
				}
				if ea := c.duty(t, "notify_enforcement_authority"); !ea.NeedsReview || ea.TargetAt != nil {
					t.Fatalf("while suspected: %+v", ea)
				}
				if strings.Contains(text, "finder@example.net") || strings.Contains(text, "Ann Finder") {
					t.Fatal("the case shows who reported it")
				}
			}},
		{name: "open it again: the same case", method: "POST", path: fixed(fmt.Sprintf("/api/v1/reports/%d/case", rep.ID)), role: auth.Editor, status: 200,
			check: func(t *testing.T, text string) { wantMention(t, text, fmt.Sprintf(`"id":%d,`, c.ID)) }},
		{name: "an unknown fact", method: "PUT", path: casePath("/facts"), role: auth.Editor, status: 422,
			body:  func() any { return map[string]any{"revision": c.Revision, "facts": map[string]any{"x": true}} },
			check: func(t *testing.T, text string) { wantMention(t, text, "body.facts.x") }},
		{name: "a fact with a value it cannot have", method: "PUT", path: casePath("/facts"), role: auth.Editor, status: 422,
			body: func() any {
				return map[string]any{"revision": c.Revision, "facts": map[string]any{"role": "wholesaler"}}
			},
			check: func(t *testing.T, text string) { wantMention(t, text, "body.facts.role") }},
		{name: "facts at a stale revision", method: "PUT", path: casePath("/facts"), role: auth.Editor, status: 409,
			body: func() any {
				return map[string]any{"revision": c.Revision + 1, "facts": map[string]any{"status": "confirmed"}}
			}},
		{name: "a viewer cannot change the facts", method: "PUT", path: casePath("/facts"), role: auth.Viewer, status: 403,
			body: func() any {
				return map[string]any{"revision": c.Revision, "facts": map[string]any{"status": "confirmed"}}
			}},
		{name: "confirm the failure", method: "PUT", path: casePath("/facts"), role: auth.Editor, status: 200,
			body: func() any {
				f := map[string]any{}
				for k, v := range c.Facts {
					f[k] = v
				}
				f["status"], f["made_available_in_uk"], f["units_not_yet_supplied"] = "confirmed", true, true
				f["other_manufacturers_known"], f["supplied_distributors"] = false, false
				return map[string]any{"revision": c.Revision, "facts": f, "note": "our tests agree"}
			},
			check: func(t *testing.T, text string) {
				must(t, json.Unmarshal([]byte(text), &c))
				ea := c.duty(t, "notify_enforcement_authority")
				// 2 working days from Thursday 24 December: Tuesday 29
				// and Wednesday 30.
				if ea.NeedsReview || ea.Section != "s.11(3)" || ea.TargetAt == nil || !ea.TargetAt.Equal(london(2026, 12, 31, 0, 0)) {
					t.Fatalf("after confirming: %+v", ea)
				}
			}},
		{name: "what notices will say", method: "PUT", path: casePath("/particulars"), role: auth.Editor, status: 200,
			body: func() any {
				return map[string]any{"revision": c.Revision, "details": "Every DB-200 ships with the password admin.", "risks": "Anyone on the network can watch.",
					"steps": "Firmware 2.1 forces a new password.", "steps_worked": "Not yet known."}
			},
			check: func(t *testing.T, text string) { must(t, json.Unmarshal([]byte(text), &c)) }},
		{name: "the target has not passed on its last day", before: func() { clock.Set(london(2026, 12, 30, 23, 59)) },
			method: "GET", path: casePath(""), role: auth.Viewer, status: 200,
			check: func(t *testing.T, text string) {
				if m := metric(); m != "0" {
					t.Fatalf("psti_duties_overdue %s before the target passed", m)
				}
			}},
		{name: "a moment after, two duties are overdue", before: func() { clock.Set(london(2026, 12, 31, 0, 1)) },
			method: "GET", path: casePath(""), role: auth.Viewer, status: 200,
			check: func(t *testing.T, text string) {
				must(t, json.Unmarshal([]byte(text), &c))
				if !c.duty(t, "notify_enforcement_authority").Overdue || c.duty(t, "remedy").Overdue {
					t.Fatalf("overdue marks: %+v", c.Duties)
				}
				if m := metric(); m != "2" { // the authority, and the importer supplied
					t.Fatalf("psti_duties_overdue %s, want 2", m)
				}
			}},
		{name: "draft the notice to the authority", method: "POST", path: casePath("/notices"), role: auth.Editor, status: 201,
			body: func() any {
				return map[string]any{"duty_key": c.duty(t, "notify_enforcement_authority").Key, "party_id": authority.ID}
			},
			check: func(t *testing.T, text string) {
				must(t, json.Unmarshal([]byte(text), &notice))
				if notice["state"] != "draft" || notice["to_email"] != "notices@opss.example" || !strings.Contains(text, `"source":"s.11(6)"`) {
					t.Fatalf("draft %s", text)
				}
			}},
		{name: "edit the draft", method: "PUT", path: func() string { return fmt.Sprintf("/api/v1/notices/%v", notice["id"]) }, role: auth.Editor, status: 200,
			body: func() any {
				return map[string]any{"revision": notice["revision"], "subject": notice["subject"], "to_name": notice["to_name"], "to_email": notice["to_email"],
					"method": "email", "items": []map[string]any{{"key": "risks", "text": "Anyone on the network can watch the camera."}}}
			},
			check: func(t *testing.T, text string) {
				must(t, json.Unmarshal([]byte(text), &notice))
				wantMention(t, text, "Anyone on the network can watch the camera.")
			}},
		{name: "send at a stale revision", method: "POST", path: func() string { return fmt.Sprintf("/api/v1/notices/%v/send", notice["id"]) }, role: auth.Editor, status: 409,
			body: func() any { return map[string]any{"revision": notice["revision"].(float64) + 1} }},
		{name: "send it", method: "POST", path: func() string { return fmt.Sprintf("/api/v1/notices/%v/send", notice["id"]) }, role: auth.Editor, status: 200,
			body: func() any { return map[string]any{"revision": notice["revision"]} },
			check: func(t *testing.T, text string) {
				must(t, json.Unmarshal([]byte(text), &notice))
				if notice["state"] != "sent" || !strings.Contains(notice["body"].(string), "Every DB-200 ships with the password admin.") {
					t.Fatalf("sent %s", text)
				}
				mails, err := e.db.ClaimMail(ctx, clock.Now(), time.Minute, 100)
				must(t, err)
				var found bool
				for _, m := range mails {
					found = found || m.Kind == "case-notice" && m.To == "notices@opss.example" && strings.Contains(m.Text, "Anyone on the network can watch the camera.")
				}
				if !found {
					t.Fatalf("no notice in the outbox: %+v", mails)
				}
				if m := metric(); m != "1" {
					t.Fatalf("psti_duties_overdue %s once the authority is told, want 1", m)
				}
			}},
		{name: "the duty to notify the authority is done", method: "GET", path: casePath(""), role: auth.Viewer, status: 200,
			check: func(t *testing.T, text string) {
				must(t, json.Unmarshal([]byte(text), &c))
				if d := c.duty(t, "notify_enforcement_authority"); d.State != "done" || d.Overdue {
					t.Fatalf("after the notice: %+v", d)
				}
				wantMention(t, text, `"events":[`, `"notices":[`, "Notice 1 sent to OPSS by e-mail to notices@opss.example")
			}},
		{name: "hold supply", method: "POST", path: casePath("/holds"), role: auth.Editor, status: 201,
			body:  func() any { return map[string]any{"reason": "Stock at the warehouse keeps the old firmware."} },
			check: func(t *testing.T, text string) { wantMention(t, text, "Stock at the warehouse") }},
		{name: "holds on the product", method: "GET", path: fixed(fmt.Sprintf("/api/v1/holds?product_id=%d", seed.Product.ID)), role: auth.Viewer, status: 200,
			check: func(t *testing.T, text string) {
				var hs []map[string]any
				must(t, json.Unmarshal([]byte(text), &hs))
				if len(hs) != 1 || hs[0]["case_id"].(float64) != float64(c.ID) {
					t.Fatalf("holds %s", text)
				}
			}},
		{name: "closing waits for the open duties", before: func() { clock.Set(london(2027, 2, 1, 12, 0)) },
			method: "POST", path: casePath("/close"), role: auth.Editor, status: 409,
			body: func() any {
				return map[string]any{"revision": c.Revision, "outcome": "Confirmed.", "failure_found": true, "failure_details": "One password.", "remedial_steps": "Firmware 2.1.", "remedy_succeeded": "yes"}
			},
			check: func(t *testing.T, text string) { wantMention(t, text, "remedy the failure (s.11(2)(b))") }},
		{name: "a duty key that round-trips escaped", method: "PUT",
			path: func() string { return casePath("/duties/" + url.PathEscape(c.duty(t, "remedy").Key))() }, role: auth.Editor, status: 200,
			body: func() any {
				return map[string]any{"state": "done", "note": "Firmware 2.1 shipped.", "revision": c.Revision}
			},
			check: func(t *testing.T, text string) {
				must(t, json.Unmarshal([]byte(text), &c))
				if d := c.duty(t, "remedy"); d.State != "done" || !strings.Contains(d.Key, " ") {
					t.Fatalf("remedy %+v", d)
				}
			}},
		{name: "a duty the case does not have", method: "PUT", path: casePath("/duties/" + url.PathEscape("remedy s.99(1)")), role: auth.Editor, status: 422,
			body:  func() any { return map[string]any{"state": "done", "revision": c.Revision} },
			check: func(t *testing.T, text string) { wantMention(t, text, "remedy s.99(1)") }},
		{name: "the other duties done", method: "GET", path: casePath(""), role: auth.Viewer, status: 200,
			check: func(t *testing.T, text string) {
				for _, name := range []string{"investigate", "prevent_supply", "notify_importers_supplied"} {
					var out apiCase
					p := casePath("/duties/" + url.PathEscape(c.duty(t, name).Key))()
					if st, text := e.json("PUT", p, auth.Editor, map[string]any{"state": "done", "revision": c.Revision}, &out); st != 200 {
						t.Fatalf("%s: %d %s", name, st, text)
					}
					c = out
				}
			}},
		{name: "close", method: "POST", path: casePath("/close"), role: auth.Editor, status: 200,
			body: func() any {
				return map[string]any{"revision": c.Revision, "outcome": "A failure of PSTI-PW-01 was confirmed.", "failure_found": true,
					"failure_details": "One default password on every unit.", "remedial_steps": "Firmware 2.1.", "remedy_succeeded": "yes"}
			},
			check: func(t *testing.T, text string) {
				var out struct {
					Case    apiCase          `json:"case"`
					Records []map[string]any `json:"records"`
				}
				must(t, json.Unmarshal([]byte(text), &out))
				if out.Case.Status != "closed" || len(out.Records) != 2 || out.Records[0]["section"] != "s.12(1)(a)" || out.Records[1]["kind"] != "failure" ||
					out.Records[0]["keep_until"] != "2037-02-01" {
					t.Fatalf("closed %s", text)
				}
				c, records = out.Case, out.Records
			}},
		{name: "a closed case's facts do not change", method: "PUT", path: casePath("/facts"), role: auth.Editor, status: 409,
			body: func() any { return map[string]any{"revision": c.Revision, "facts": map[string]any{}} }},
		{name: "records listed, a page at a time", method: "GET", path: fixed("/api/v1/records?limit=1"), role: auth.Viewer, status: 200,
			check: func(t *testing.T, text string) {
				res, body := e.call("GET", "/api/v1/records?limit=1", e.tokens[auth.Viewer], "", "")
				link := res.Header.Get("Link")
				next, ok := strings.CutPrefix(strings.TrimSuffix(link, `>; rel="next"`), "<")
				if !ok || !strings.Contains(body, fmt.Sprintf(`"id":%v,`, records[1]["id"])) {
					t.Fatalf("first page: Link %q, %s", link, body)
				}
				res, body = e.call("GET", next, e.tokens[auth.Viewer], "", "")
				if res.StatusCode != 200 || !strings.Contains(body, fmt.Sprintf(`"id":%v,`, records[0]["id"])) {
					t.Fatalf("next page %s: %d %s", next, res.StatusCode, body)
				}
				if res, body = e.call("GET", "/api/v1/records", e.tokens[auth.Viewer], "", ""); res.Header.Get("Link") != "" || strings.Count(body, `"kind"`) != 2 {
					t.Fatalf("a page that is not full has no next: %q %s", res.Header.Get("Link"), body)
				}
			}},
		{name: "a viewer cannot delete a record", method: "DELETE", path: func() string { return fmt.Sprintf("/api/v1/records/%v", records[0]["id"]) }, role: auth.Viewer, status: 403},
		{name: "deleting a record is refused", method: "DELETE", path: func() string { return fmt.Sprintf("/api/v1/records/%v", records[0]["id"]) }, role: auth.Admin, status: 409,
			check: func(t *testing.T, text string) {
				wantMention(t, text, "kept until at least 1 February 2037", "s.12(4)")
			}},
		{name: "deleting no record", method: "DELETE", path: fixed("/api/v1/records/999999"), role: auth.Editor, status: 404},
		{name: "correct a record", method: "POST", path: func() string { return fmt.Sprintf("/api/v1/records/%v/corrections", records[0]["id"]) }, role: auth.Editor, status: 201,
			body: func() any {
				return map[string]any{"why": "The outcome named the wrong model.", "outcome": "A failure of PSTI-PW-01 was confirmed in DB-200.", "failure_found": true,
					"failure_details": "One default password on every unit.", "remedial_steps": "Firmware 2.1.", "remedy_succeeded": "yes"}
			},
			check: func(t *testing.T, text string) {
				var r struct {
					ID       int64 `json:"id"`
					Version  int   `json:"version"`
					Corrects int64 `json:"corrects"`
				}
				must(t, json.Unmarshal([]byte(text), &r))
				if r.Version != 2 || float64(r.Corrects) != records[0]["id"] {
					t.Fatalf("correction %s", text)
				}
				correctionID = r.ID
			}},
		{name: "correct the old version again", method: "POST", path: func() string { return fmt.Sprintf("/api/v1/records/%v/corrections", records[0]["id"]) }, role: auth.Editor, status: 409,
			body: func() any { return map[string]any{"why": "again", "outcome": "x", "failure_found": false} }},
		{name: "the retention list", method: "GET", path: fixed("/api/v1/records/retention"), role: auth.Viewer, status: 200,
			check: func(t *testing.T, text string) {
				var list []struct {
					ID         int64  `json:"id"`
					Kind       string `json:"kind"`
					Section    string `json:"section"`
					KeepUntil  string `json:"keep_until"`
					Superseded bool   `json:"superseded"`
					MadeAt     string `json:"made_at"`
				}
				must(t, json.Unmarshal([]byte(text), &list))
				if len(list) != 3 {
					t.Fatalf("retention %s", text)
				}
				for i, r := range list {
					if r.KeepUntil != "2037-02-01" || r.Section == "" || r.Kind == "" || r.MadeAt == "" || (i > 0 && list[i-1].ID > r.ID) {
						t.Errorf("retention row %+v", r)
					}
					if r.Superseded != (float64(r.ID) == records[0]["id"]) || r.ID == correctionID && r.Superseded {
						t.Errorf("superseded %+v (the corrected record is %v)", r, records[0]["id"])
					}
				}
			}},
		{name: "a notice from the authority, sent by e-mail on Christmas Eve", method: "POST", path: fixed("/api/v1/authority-notices"), role: auth.Editor, status: 201,
			body: func() any {
				return map[string]any{"case_id": c.ID, "kind": "compliance", "reference": "OPSS/2026/1", "electronic": true,
					"sent_at": london(2026, 12, 24, 16, 0).Format(time.RFC3339), "act_by": "2027-03-31"}
			},
			check: func(t *testing.T, text string) {
				var n struct {
					ID        int64     `json:"id"`
					GivenAt   time.Time `json:"given_at"`
					Deadlines []struct {
						Name string    `json:"name"`
						Due  time.Time `json:"due"`
					} `json:"deadlines"`
				}
				must(t, json.Unmarshal([]byte(text), &n))
				// 9 am on Tuesday 29 December, the next working day; an
				// appeal within 28 days beginning with that day.
				if !n.GivenAt.Equal(london(2026, 12, 29, 9, 0)) || len(n.Deadlines) != 2 || n.Deadlines[0].Name != "Appeal" ||
					!n.Deadlines[0].Due.Equal(london(2027, 1, 26, 0, 0)) || n.Deadlines[1].Name != "Comply" {
					t.Fatalf("authority notice %s", text)
				}
				for _, p := range []string{fmt.Sprintf("/api/v1/authority-notices/%d", n.ID), "/api/v1/authority-notices", fmt.Sprintf("/api/v1/cases/%d", c.ID)} {
					if st, body := e.json("GET", p, auth.Viewer, nil, nil); st != 200 || !strings.Contains(body, `"given_at":"2026-12-29T09:00:00Z"`) || !strings.Contains(body, `"name":"Appeal"`) {
						t.Errorf("%s: %d %s", p, st, body)
					}
				}
			}},
		{name: "a notice from the authority sent in the future", method: "POST", path: fixed("/api/v1/authority-notices"), role: auth.Editor, status: 422,
			body: func() any {
				return map[string]any{"organisation_id": seed.Org.ID, "kind": "stop", "electronic": false, "sent_at": london(2027, 3, 1, 9, 0).Format(time.RFC3339)}
			},
			check: func(t *testing.T, text string) { wantMention(t, text, "body.sent_at") }},
		{name: "open a case by hand, with an unknown fact", method: "POST", path: fixed("/api/v1/cases"), role: auth.Editor, status: 422,
			body: func() any {
				return map[string]any{"title": "Telnet open", "items": []map[string]any{{"product_id": seed.Product.ID}}, "facts": map[string]any{"rol": "importer"}}
			},
			check: func(t *testing.T, text string) { wantMention(t, text, "body.facts.rol") }},
		{name: "open a case by hand", method: "POST", path: fixed("/api/v1/cases"), role: auth.Editor, status: 201,
			body: func() any {
				return map[string]any{"title": "Telnet open", "source": "notice", "source_note": "Letter from Import Co", "requirement_id": "PSTI-PW-01",
					"items": []map[string]any{{"product_id": seed.Product.ID}}, "facts": map[string]any{"informed_by": "importer"}}
			},
			check: func(t *testing.T, text string) { wantMention(t, text, `"source":"notice"`, `"status":"open"`) }},
		{name: "open cases, a page at a time", method: "GET", path: fixed("/api/v1/cases?status=open"), role: auth.Viewer, status: 200,
			check: func(t *testing.T, text string) {
				var open []apiCase
				must(t, json.Unmarshal([]byte(text), &open))
				if len(open) != 1 || open[0].ID == c.ID {
					t.Fatalf("open cases %s", text)
				}
				res, body := e.call("GET", "/api/v1/cases?limit=1", e.tokens[auth.Viewer], "", "")
				next, ok := strings.CutPrefix(strings.TrimSuffix(res.Header.Get("Link"), `>; rel="next"`), "<")
				if !ok || strings.Contains(body, fmt.Sprintf(`"id":%d,`, c.ID)) {
					t.Fatalf("first page: Link %q, %s", res.Header.Get("Link"), body)
				}
				if res, body = e.call("GET", next, e.tokens[auth.Viewer], "", ""); res.StatusCode != 200 || !strings.Contains(body, fmt.Sprintf(`"id":%d,`, c.ID)) {
					t.Fatalf("next page %q: %d %s", next, res.StatusCode, body)
				}
			}},
		{name: "targets, as they stand", method: "GET", path: fixed(fmt.Sprintf("/api/v1/duty-targets?organisation_id=%d", seed.Org.ID)), role: auth.Viewer, status: 200,
			check: func(t *testing.T, text string) {
				wantMention(t, text, `"notify_enforcement_authority":2`, `"remedy":10`)
			}},
		{name: "set a target", method: "PUT", path: fixed("/api/v1/duty-targets"), role: auth.Editor, status: 200,
			body: func() any {
				return map[string]any{"organisation_id": seed.Org.ID, "targets": map[string]int{"notify_enforcement_authority": 1}}
			},
			check: func(t *testing.T, text string) {
				wantMention(t, text, `"notify_enforcement_authority":1`, `"remedy":10`)
			}},
		{name: "a target for no such duty", method: "PUT", path: fixed("/api/v1/duty-targets"), role: auth.Editor, status: 422,
			body: func() any {
				return map[string]any{"organisation_id": seed.Org.ID, "targets": map[string]int{"nope": 1}}
			},
			check: func(t *testing.T, text string) { wantMention(t, text, "body.targets.nope") }},
		{name: "a viewer cannot set targets", method: "PUT", path: fixed("/api/v1/duty-targets"), role: auth.Viewer, status: 403,
			body: func() any { return map[string]any{"organisation_id": seed.Org.ID, "targets": map[string]int{}} }},
	}
	for _, s := range steps {
		if s.before != nil {
			s.before()
		}
		var body any
		if s.body != nil {
			body = s.body()
		}
		p := s.path()
		st, text := e.json(s.method, p, s.role, body, nil)
		if st != s.status {
			t.Fatalf("%s: %s %s as %s: %d %s, want %d", s.name, s.method, p, s.role, st, text, s.status)
		}
		if s.check != nil {
			s.check(t, text)
		}
		if t.Failed() {
			t.Fatalf("after step %q", s.name)
		}
	}
}

// wantMention fails unless text holds every one of want.
func wantMention(t *testing.T, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%q is not in %s", w, text)
		}
	}
}
