package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/passwords"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store/storetest"
)

// caseTwins is a batch of random passwords in which two devices' passwords
// differ only in letter case (lines 9 and 10): DP-04 flags them for review,
// not as a violation, and nothing else is flagged.
func caseTwins(n int) string {
	return batchCSV(n, func(i int, serial, mac string) string {
		switch i {
		case 7:
			return "Vq7mTz4pXw9k"
		case 8:
			return "vQ7MtZ4PxW9K"
		}
		return randomPassword(i, serial, mac)
	})
}

// reviewEnv is a server with a batch whose audit found only a finding for
// review, and that audit, finished.
func reviewEnv(t *testing.T, b storetest.Backend) (*env, *product.Batch, *passwords.Run) {
	t.Helper()
	e := newEnv(t, b)
	seed := storetest.NewSeed(t, e.db)
	batch := &product.Batch{ProductID: seed.Product.ID, Code: "B-2026-12"}
	must(t, e.db.CreateBatch(context.Background(), psti.System("test"), batch))
	res, text := e.call("POST", fmt.Sprintf("/api/v1/password-audits?batch_id=%d&file_name=twins.csv", batch.ID), e.tokens[auth.Editor], "text/csv", caseTwins(600))
	if res.StatusCode != http.StatusAccepted {
		t.Fatalf("upload: %d %s", res.StatusCode, text)
	}
	var r passwords.Run
	must(t, json.Unmarshal([]byte(text), &r))
	run := waitRun(t, e, r.ID)
	if run.State != passwords.RunDone || run.Verdict != "fail" || run.Outcome != passwords.OutcomeNeedsReview {
		t.Fatalf("the audit of case twins: %+v %+v", run, run.Report)
	}
	if got := run.Report.ReviewRules(); len(got) != 1 || got[0] != "DP-04" {
		t.Fatalf("findings for review: %v; report %+v", got, run.Report.Rules)
	}
	return e, batch, run
}

// TestPasswordAuditReviewAPI: an editor reviews a finding for review over
// the API, on both back ends; the verdict after review follows, a viewer
// reads it and may not review, and refused reviews keep nothing.
func TestPasswordAuditReviewAPI(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			e, batch, run := reviewEnv(t, b)
			path := fmt.Sprintf("/api/v1/password-audits/%d/reviews", run.ID)
			var st struct {
				Outcome  string             `json:"outcome"`
				Awaiting []string           `json:"awaiting_review"`
				Reviews  []passwords.Review `json:"reviews"`
				Review   passwords.Review   `json:"review"`
			}
			if code, text := e.json("GET", path, auth.Viewer, nil, &st); code != http.StatusOK || st.Outcome != passwords.OutcomeNeedsReview || len(st.Awaiting) != 1 || st.Awaiting[0] != "DP-04" || len(st.Reviews) != 0 {
				t.Fatalf("before any review: %d %s", code, text)
			}

			before := e.counts(t)
			for _, c := range []struct {
				name   string
				role   auth.Role
				path   string
				body   map[string]string
				status int
				says   string
			}{
				{"accepted without a reason", auth.Editor, path, map[string]string{"rule": "DP-04", "decision": "accepted"}, http.StatusUnprocessableEntity, "reason"},
				{"a rule that passed", auth.Editor, path, map[string]string{"rule": "DP-06", "decision": "confirmed"}, http.StatusUnprocessableEntity, "DP-04"},
				{"an unknown decision", auth.Editor, path, map[string]string{"rule": "DP-04", "decision": "ignored"}, http.StatusUnprocessableEntity, "decision"},
				{"a viewer", auth.Viewer, path, map[string]string{"rule": "DP-04", "decision": "confirmed"}, http.StatusForbidden, ""},
				{"no such audit", auth.Editor, "/api/v1/password-audits/99999/reviews", map[string]string{"rule": "DP-04", "decision": "confirmed"}, http.StatusNotFound, ""},
			} {
				if code, text := e.json("POST", c.path, c.role, c.body, nil); code != c.status || !strings.Contains(text, c.says) {
					t.Errorf("%s: %d %s, want %d saying %q", c.name, code, text, c.status, c.says)
				}
			}
			if after := e.counts(t); after["password_audit_reviews"] != before["password_audit_reviews"] || after["audit_log"] != before["audit_log"] {
				t.Fatalf("a refused review changed the store: %v, then %v", before, after)
			}

			// Accepted: the batch passes after review.
			code, text := e.json("POST", path, auth.Editor, map[string]string{"rule": "DP-04", "decision": "accepted",
				"reason": "Lines 9 and 10 are one device's two labels, checked against the factory log."}, &st)
			if code != http.StatusCreated || st.Outcome != passwords.OutcomeReviewedPass || st.Review.ID == 0 || st.Review.ReviewedBy != "editor@example.com" ||
				len(st.Awaiting) != 0 || len(st.Reviews) != 1 {
				t.Fatalf("accepting: %d %s", code, text)
			}
			var got passwords.Run
			if code, text := e.json("GET", fmt.Sprintf("/api/v1/password-audits/%d", run.ID), auth.Viewer, nil, &got); code != http.StatusOK ||
				got.Outcome != passwords.OutcomeReviewedPass || len(got.Reviews) != 1 || got.Verdict != "fail" {
				t.Fatalf("the audit after review: %d %s", code, trim(text))
			}
			var list []passwords.Run
			if code, text := e.json("GET", fmt.Sprintf("/api/v1/batches/%d/password-audits", batch.ID), auth.Viewer, nil, &list); code != http.StatusOK || len(list) != 1 || list[0].Outcome != passwords.OutcomeReviewedPass {
				t.Fatalf("the batch's audits: %d %s", code, text)
			}

			// Confirmed by a later review: it fails; both reviews are kept.
			code, text = e.json("POST", path, auth.Admin, map[string]string{"rule": "DP-04", "decision": "confirmed"}, &st)
			if code != http.StatusCreated || st.Outcome != passwords.OutcomeFail || len(st.Reviews) != 2 || !st.Reviews[0].Superseded || st.Reviews[1].Superseded {
				t.Fatalf("confirming: %d %s", code, text)
			}
			var trail []psti.AuditEntry
			if code, text := e.json("GET", fmt.Sprintf("/api/v1/audit?entity=password_audit&entity_id=%d", run.ID), auth.Viewer, nil, &trail); code != http.StatusOK ||
				len(trail) < 2 || trail[0].Action != "review" || trail[0].Actor.Label != "admin@example.com" || !strings.Contains(string(trail[1].After), "checked against the factory log") {
				t.Fatalf("audit trail: %d %s", code, trim(text))
			}
		})
	}
}

// TestPasswordAuditReviewPage: the review form on the report page posts,
// then redirects (a reload records nothing twice); a reason left out is
// asked for next to its field, keeping the decision; viewers see the
// reviews but no form. Uploading an audit from its page also posts, then
// redirects, and the first look at the new audit does not say another
// audit is running when none is.
func TestPasswordAuditReviewPage(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	seed := storetest.NewSeed(t, e.db)
	batch := &product.Batch{ProductID: seed.Product.ID, Code: "B-2026-12"}
	must(t, e.db.CreateBatch(context.Background(), psti.System("test"), batch))
	c := e.browser(auth.Editor)
	get := func(c *http.Client, path string) (int, string) {
		t.Helper()
		res, err := c.Get(e.ts.URL + path)
		must(t, err)
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}

	// Upload from the page: 303 to the audit, which is under way.
	ct, body := form(map[string][2]string{"file": {"twins.csv", caseTwins(600)}})
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/admin/batches/%d/password-audits", e.ts.URL, batch.ID), strings.NewReader(body))
	req.Header.Set("Content-Type", ct)
	res, err := c.Do(req)
	must(t, err)
	res.Body.Close()
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/password-audits/") {
		t.Fatalf("upload: %d to %q", res.StatusCode, loc)
	}
	_, page := get(c, loc)
	if strings.Contains(page, "another audit") {
		t.Fatalf("the first look at the only audit says it waits for another:\n%s", page)
	}
	var id int64
	fmt.Sscanf(strings.TrimPrefix(loc, "/admin/password-audits/"), "%d", &id)
	run := waitRun(t, e, id)
	if run.Outcome != passwords.OutcomeNeedsReview {
		t.Fatalf("outcome %q", run.Outcome)
	}
	// Reloading the audit's page (the GET the upload redirected to) starts
	// nothing.
	before := e.counts(t)
	for range 2 {
		if st, _ := get(c, loc); st != http.StatusOK {
			t.Fatalf("reloading the audit: %d", st)
		}
	}
	if after := e.counts(t); after["password_audits"] != before["password_audits"] {
		t.Fatalf("reloading the audit's page started another: %v, then %v", before, after)
	}
	st, page := get(c, loc)
	if st != http.StatusOK || !strings.Contains(page, "This batch needs review") || !strings.Contains(page, `action="/admin/password-audits/`+fmt.Sprint(id)+`/reviews"`) {
		t.Fatalf("the report before review: %d\n%s", st, page)
	}

	post := func(v url.Values) (*http.Response, string) {
		t.Helper()
		res, err := c.PostForm(e.ts.URL+loc+"/reviews", v)
		must(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	// A reason left out: 422, the message next to the field, the choice kept.
	res, page = post(url.Values{"rule": {"DP-04"}, "decision": {"accepted"}, "reason": {"  "}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="e-DP-04-reason"`) || !strings.Contains(page, `href="#f-DP-04-reason"`) ||
		!strings.Contains(page, `value="accepted" checked`) {
		t.Fatalf("a review without a reason: %d\n%s", res.StatusCode, page)
	}
	// A note that is too long is kept as typed, with the problem beside it.
	long := strings.Repeat("x", passwords.MaxReviewReason+1)
	res, page = post(url.Values{"rule": {"DP-04"}, "decision": {"confirmed"}, "reason": {long}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, long+"</textarea>") || !strings.Contains(page, `id="e-DP-04-reason"`) {
		t.Fatalf("a long note: %d", res.StatusCode)
	}
	if after := e.counts(t); after["password_audit_reviews"] != 0 {
		t.Fatalf("refused reviews were kept: %v", after)
	}
	res, _ = post(url.Values{"rule": {"DP-04"}, "decision": {"accepted"}, "reason": {"The two rows are one device, labelled twice."}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != loc+"#review-DP-04" {
		t.Fatalf("a review: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	_, page = get(c, loc)
	if !strings.Contains(page, "Your review is recorded: DP-04 accepted. The batch now passes after review.") || !strings.Contains(page, "This batch passes after review") ||
		!strings.Contains(page, "The two rows are one device, labelled twice.") {
		t.Fatalf("after the review:\n%s", page)
	}
	// The reload of the page after the redirect records nothing.
	n := e.counts(t)["password_audit_reviews"]
	get(c, loc)
	if e.counts(t)["password_audit_reviews"] != n || n != 1 {
		t.Fatalf("reviews after a reload: %d, then %d", n, e.counts(t)["password_audit_reviews"])
	}
	// The batch's list says so.
	if _, page := get(c, fmt.Sprintf("/admin/batches/%d", batch.ID)); !strings.Contains(page, "Passed after review") {
		t.Fatalf("the batch's page does not show the verdict after review")
	}

	// A viewer sees the review, and no form; posting one is refused.
	v := e.browser(auth.Viewer)
	_, page = get(v, loc)
	if !strings.Contains(page, "The two rows are one device, labelled twice.") || !strings.Contains(page, "editor@example.com") || strings.Contains(page, `name="decision"`) {
		t.Fatalf("a viewer's report page:\n%s", page)
	}
	res, err = v.PostForm(e.ts.URL+loc+"/reviews", url.Values{"rule": {"DP-04"}, "decision": {"confirmed"}})
	must(t, err)
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("a viewer's review: %d", res.StatusCode)
	}
}

// TestPasswordAuditUploadPage: an upload the audit cannot use is answered
// with the upload form (422), the problem next to the field and linked
// from the summary above the form; nothing is stored. A batch that is
// archived says so above the form.
func TestPasswordAuditUploadPage(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	seed := storetest.NewSeed(t, e.db)
	batch := &product.Batch{ProductID: seed.Product.ID, Code: "B-2026-12"}
	must(t, e.db.CreateBatch(context.Background(), psti.System("test"), batch))
	c := e.browser(auth.Editor)
	send := func(files map[string][2]string) (int, string) {
		t.Helper()
		ct, body := form(files)
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/admin/batches/%d/password-audits", e.ts.URL, batch.ID), strings.NewReader(body))
		req.Header.Set("Content-Type", ct)
		res, err := c.Do(req)
		must(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	before := e.counts(t)
	for _, c := range []struct {
		name  string
		files map[string][2]string
		field string
		says  string
	}{
		{"no password column", map[string][2]string{"file": {"b.csv", "serial,pass\nA,B\n"}}, "file", "password"},
		{"no file", map[string][2]string{"file": {"", ""}}, "file", "Choose the batch file"},
		{"a declaration that is not one", map[string][2]string{"file": {"b.csv", caseTwins(10)}, "declaration": {"m.json", "not json"}}, "declaration", "could not be used"},
	} {
		st, page := send(c.files)
		if st != http.StatusUnprocessableEntity || !strings.Contains(page, `<p class="field-error" id="e-`+c.field+`">`) || !strings.Contains(page, `href="#f-`+c.field+`"`) ||
			!strings.Contains(page, c.says) || !strings.Contains(page, "choose the files again") {
			t.Errorf("%s: %d\n%s", c.name, st, page)
		}
	}
	if after := e.counts(t); after["password_audits"] != before["password_audits"] {
		t.Fatalf("a refused upload was stored: %v, then %v", before, after)
	}
}
