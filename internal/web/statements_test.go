package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/statement"
	"github.com/psti/psti/internal/store/storetest"
	"github.com/psti/psti/internal/support"
)

// statementSeed makes the seed product ready for a statement: three
// batches, a published support period, a signing key, and its assessment
// met.
func statementSeed(t *testing.T, e *env) (*storetest.Seed, []*product.Batch, *statement.Signer) {
	t.Helper()
	ctx := context.Background()
	s := storetest.NewSeed(t, e.db)
	var batches []*product.Batch
	for _, code := range []string{"B-2026-01", "B-2026-02", "B-2026-03"} {
		b := &product.Batch{ProductID: s.Product.ID, Code: code}
		must(t, e.db.CreateBatch(ctx, psti.System("test"), b))
		batches = append(batches, b)
	}
	p := &support.Period{ProductID: s.Product.ID, EndDate: "2031-06-30"}
	must(t, e.db.CreatePeriod(ctx, psti.System("test"), p))
	_, err := e.db.PublishPeriod(ctx, psti.System("test"), p.ID, 0)
	must(t, err)
	signer, err := statement.SelfSigned("Acme Devices Ltd statements", "Acme Devices Ltd", time.Now(), 365*24*time.Hour, nil)
	must(t, err)
	_, err = e.db.AddStatementKey(ctx, psti.System("test"), signer, "test key")
	must(t, err)
	markAssessed(t, e, s.Product.ID)
	return s, batches, signer
}

// statementValues is a complete statement form for batches.
func statementValues(productID int64, batches ...*product.Batch) url.Values {
	v := url.Values{"product": {fmt.Sprint(productID)}, "prepared": {"by"},
		"representatives": {"Vertreter GmbH\nHauptstraße 5\n10115 Berlin"},
		"claim1_route":    {"requirement"}, "claim2_route": {"deemed"}, "claim2_standard": {"ETSI EN 303 645"}, "claim2_version": {"V2.1.1"},
		"claim2_issued": {"2020-06"}, "claim2_provisions": {"5.2-1"}, "claim3_route": {"requirement"},
		"signatory_name": {"Zoë Brontë"}, "signatory_function": {"Head of Product Security"}, "place": {"Łódź"}}
	today := time.Now().In(psti.London)
	v.Set("issued-day", fmt.Sprint(today.Day()))
	v.Set("issued-month", fmt.Sprint(int(today.Month())))
	v.Set("issued-year", fmt.Sprint(today.Year()))
	for _, b := range batches {
		v.Add("batch_ids", fmt.Sprint(b.ID))
	}
	return v
}

// TestStatementPages: staff make a statement from the product's records,
// see at once everything it lacks, issue it (signed, published, logged),
// cannot delete it, and correct it by a new version; the public reads each
// version, its copies byte for byte, and which one is current.
func TestStatementPages(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	s, batches, signer := statementSeed(t, e)
	editor, viewer, public := e.browser(auth.Editor), e.browser(auth.Viewer), e.browser(auth.Public)
	base := e.ts.URL

	st, page, _ := get(t, editor, fmt.Sprintf("%s/admin/statements/new?product=%d", base, s.Product.ID))
	if st != 200 || !strings.Contains(page, "B-2026-03") || !strings.Contains(page, `name="signatory_name"`) {
		t.Fatalf("the new statement form: %d", st)
	}
	// An empty draft is saved, and everything it lacks is listed at once.
	st, loc, _ := post(t, editor, base+"/admin/statements/new", url.Values{"product": {fmt.Sprint(s.Product.ID)}})
	if st != 303 || !strings.HasPrefix(loc, "/admin/statements/") {
		t.Fatalf("saving an empty draft: %d %s", st, loc)
	}
	draft := loc
	_, page, _ = get(t, editor, base+draft)
	for _, want := range []string{"Before it can be issued", "Name at least one batch", "The signatory&#39;s name", "The place of issue",
		"Say how Passwords (Schedule 1, paragraph 1) is met", `href="#f-batch_ids"`, `href="#f-signatory_name"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the draft page does not say %q", want)
		}
	}
	if strings.Contains(page, "Issue this statement") {
		t.Error("an incomplete draft is offered for issue")
	}
	// Issuing it anyway is refused, field by field, and changes nothing.
	before := e.counts(t)
	st, _, page = post(t, editor, base+draft+"/issue", url.Values{})
	if st != 422 || !strings.Contains(page, "Name at least one batch") {
		t.Fatalf("issuing an incomplete draft: %d", st)
	}
	if after := e.counts(t); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatal("a refused issue changed rows")
	}
	// A standard without its version is named beside its field, with
	// what was typed kept.
	v := statementValues(s.Product.ID, batches[0], batches[2])
	v.Set("revision", "1")
	v.Set("claim2_version", "")
	st, loc, _ = post(t, editor, base+draft, v)
	if st != 303 || loc != draft {
		t.Fatalf("saving the draft: %d %s", st, loc)
	}
	_, page, _ = get(t, editor, base+draft)
	if !strings.Contains(page, "The standard&#39;s version") || !strings.Contains(page, `href="#f-claim2_version"`) || !strings.Contains(page, `value="ETSI EN 303 645"`) {
		t.Fatalf("a standard without its version is not named at its field:\n%s", page)
	}
	v.Set("claim2_version", "V2.1.1")
	v.Set("revision", "2")
	if st, _, _ := post(t, editor, base+draft, v); st != 303 {
		t.Fatalf("completing the draft: %d", st)
	}
	// A viewer reads, but may not issue.
	if st, page, _ := get(t, viewer, base+draft); st != 200 || strings.Contains(page, "Issue this statement</button>") {
		t.Fatalf("a viewer's draft page: %d", st)
	}
	if st, _, _ := post(t, viewer, base+draft+"/issue", url.Values{}); st != 403 {
		t.Fatalf("a viewer issuing: %d", st)
	}
	// Drafts are never public.
	_, page, _ = get(t, editor, base+draft)
	if !strings.Contains(page, "Issue this statement") || !strings.Contains(page, "Hauptstraße 5") {
		t.Fatalf("a complete draft is not offered for issue with its preview:\n%s", page)
	}
	number := fmt.Sprintf("SOC-%d-0001", time.Now().Year())
	if st, _, _ := get(t, public, base+"/statements/"+number+"/1"); st != 404 {
		t.Fatalf("a draft's public page: %d", st)
	}

	// Issuing what was read at an earlier revision is refused.
	if st, _, page := post(t, editor, base+draft+"/issue", url.Values{"revision": {"1"}}); st != 409 || !strings.Contains(page, "changed this draft after you read it") {
		t.Fatalf("issuing a stale revision: %d", st)
	}
	st, loc, _ = post(t, editor, base+draft+"/issue", url.Values{"revision": {"3"}})
	if st != 303 || loc != draft {
		t.Fatalf("issuing: %d %s", st, loc)
	}
	st, page, _ = get(t, editor, base+draft)
	if st != 200 || !strings.Contains(page, "Issued; current") || !strings.Contains(page, "/statements/"+number+"/1/statement.pdf") {
		t.Fatalf("the issued statement's page: %d\n%s", st, page)
	}

	// The public page says everything, in the site, with its copies.
	st, page, _ = get(t, public, base+"/statements/"+number+"/1")
	for _, want := range []string{"Statement " + number + ", version 1", "video doorbell", "DB-200", "B-2026-01", "B-2026-03", "Acme Devices Ltd", "Shenzhen Widget Co",
		"Vertreter GmbH", "ETSI EN 303 645, version V2.1.1, issued June 2020; provisions 5.2-1", "Security updates until at least 30 June 2031.",
		"Zoë Brontë", "Łódź", "statement.pdf", "statement.json.jws", `href="/log?entry=`} {
		if !strings.Contains(page, want) {
			t.Errorf("the public page does not say %q", want)
		}
	}
	if st != 200 || strings.Contains(page, "B-2026-02") || strings.Contains(page, "has been corrected") {
		t.Fatalf("public page: %d", st)
	}
	if st, cur, _ := get(t, public, base+"/statements/"+number); st != 200 || !strings.Contains(cur, "version 1") {
		t.Fatalf("the current version's page: %d", st)
	}
	// Each copy is served byte for byte, as the log names it.
	rec := issuedRecord(t, e, number, 1)
	for _, x := range rec.Renderings {
		st, body, h := get(t, public, base+"/statements/"+number+"/1/"+statement.FileName[x.Kind])
		sum := sha256.Sum256([]byte(body))
		if st != 200 || hex.EncodeToString(sum[:]) != x.SHA256 || h.Get("Content-Type") != x.MediaType {
			t.Errorf("%s: %d %s, SHA-256 %x, want %s", x.Kind, st, h.Get("Content-Type"), sum, x.SHA256)
		}
	}
	_, doc, _ := get(t, public, base+"/statements/"+number+"/1/statement.json")
	_, jws, _ := get(t, public, base+"/statements/"+number+"/1/statement.json.jws")
	chain, err := statement.VerifyJSON([]byte(doc), jws)
	if err != nil || !chain[0].Equal(signer.Certificate()) {
		t.Fatalf("the JSON copy does not verify with the signing key: %v", err)
	}
	if _, pdf, _ := get(t, public, base+"/statements/"+number+"/1/statement.pdf"); !strings.HasPrefix(pdf, "%PDF-") || !strings.Contains(pdf, "/ByteRange") {
		t.Fatal("the PDF copy is not a signed PDF")
	}
	// The log's page for people says what the entry is.
	if _, page, _ := get(t, public, fmt.Sprintf("%s/log?entry=%d", base, *rec.LogIndex)); !strings.Contains(page, "Statement of compliance issued: "+number+", version 1 (DB-200)") {
		t.Error("the log page does not say the entry issues the statement")
	}
	// The product's page links it.
	if _, page, _ := get(t, public, base+"/products/"+s.Product.Slug); !strings.Contains(page, `href="/statements/`+number+`/1"`) {
		t.Error("the product's page does not link its statement")
	}

	// An issued statement is kept: deleting it is refused, saying until when.
	before = e.counts(t)
	st, _, page = post(t, editor, base+draft+"/delete", url.Values{})
	if st != 409 || !strings.Contains(page, "kept") || !strings.Contains(page, rec.KeepUntil[:4]) {
		t.Fatalf("deleting an issued statement: %d", st)
	}
	if after := e.counts(t); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatal("a refused deletion changed rows")
	}
	// The retention report lists it.
	if _, page, _ := get(t, viewer, base+"/admin/statements/retention"); !strings.Contains(page, number+", version 1") || !strings.Contains(page, psti.DateText(rec.KeepUntil)) {
		t.Fatal("the retention report does not list the statement with its date")
	}

	// A correction is a new version; both are kept, and the old one says
	// it was corrected.
	st, loc, _ = post(t, editor, base+draft+"/correct", url.Values{})
	if st != 303 || loc == draft {
		t.Fatalf("starting a correction: %d %s", st, loc)
	}
	correction := loc
	v = statementValues(s.Product.ID, batches...)
	v.Set("revision", "1")
	if st, _, _ := post(t, editor, base+correction, v); st != 303 {
		t.Fatalf("saving the correction: %d", st)
	}
	if st, _, _ := get(t, public, base+"/statements/"+number+"/2"); st != 404 {
		t.Fatalf("an unissued correction is public: %d", st)
	}
	if st, _, _ := post(t, editor, base+correction+"/issue", url.Values{}); st != 303 {
		t.Fatalf("issuing the correction: %d", st)
	}
	_, page, _ = get(t, public, base+"/statements/"+number+"/1")
	if !strings.Contains(page, "This version has been corrected") || !strings.Contains(page, `href="/statements/`+number+`/2"`) {
		t.Fatal("the corrected version does not say so")
	}
	if _, page, _ := get(t, public, base+"/statements/"+number); !strings.Contains(page, "version 2") || !strings.Contains(page, "B-2026-02") {
		t.Fatal("the statement's page does not show the current version")
	}
	// The public check: each copy as issued checks out and is found
	// here; the corrected version says a later one corrects it; one
	// changed byte fails; what is not a statement is said so.
	_, pdf1, _ := get(t, public, base+"/statements/"+number+"/1/statement.pdf")
	_, pdf2, _ := get(t, public, base+"/statements/"+number+"/2/statement.pdf")
	_, json2, _ := get(t, public, base+"/statements/"+number+"/2/statement.json")
	_, jws2, _ := get(t, public, base+"/statements/"+number+"/2/statement.json.jws")
	if st, page, _ := get(t, public, base+"/statements/verify"); st != 200 || !strings.Contains(page, `enctype="multipart/form-data"`) {
		t.Fatalf("the check page: %d", st)
	}
	// A complete statement, signed by someone's own key but not issued
	// here.
	other, err := statement.SelfSigned("Someone else", "Else Ltd", time.Now(), time.Hour, nil)
	must(t, err)
	elsewhere := issuedRecord(t, e, number, 2).Content
	rs, err := statement.Renderings(&elsewhere, "SOC-2026-0999", 1, "https://else.example/statements/SOC-2026-0999/1", other, time.Now())
	must(t, err)
	// The same, signed two hours ago with a certificate that ended an
	// hour ago.
	past, err := statement.SelfSigned("Ended Ltd statements", "Ended Ltd", time.Now().Add(-3*time.Hour), 2*time.Hour, nil)
	must(t, err)
	ended, err := statement.Renderings(&elsewhere, "SOC-2026-0998", 1, "https://else.example/statements/SOC-2026-0998/1", past, time.Now().Add(-2*time.Hour))
	must(t, err)
	tampered := []byte(pdf2)
	i := strings.Index(pdf2, "Head of Product Security")
	tampered[i] = 'h'
	for _, c := range []struct {
		name      string
		file, sig string
		status    int
		want, not []string
	}{
		{"current PDF", pdf2, "", 200, []string{"This statement checks out", "The digital signature is valid", "Every field the law asks", "This exact copy was issued here as statement " + number + ", version 2", signer.Fingerprint()}, []string{"Failed:"}},
		{"JSON with its signature", json2, jws2, 200, []string{"This statement checks out", "version 2"}, []string{"Failed:"}},
		{"signed elsewhere", string(rs[1].Data), "", 200, []string{"Intact and complete, but not issued by this site", "This site did not issue this exact copy", other.Fingerprint()}, []string{"This statement checks out"}},
		{"signed before its certificate ended", string(ended[1].Data), "", 200, []string{"has since expired", "the signature was made while it was valid", "Intact and complete"}, nil},
		{"corrected PDF", pdf1, "", 200, []string{"This statement does not check out", "A later version corrects this statement", "version 1"}, nil},
		{"one byte changed", string(tampered), "", 200, []string{"This statement does not check out", "This site did not issue this exact copy"}, []string{"The digital signature is valid"}},
		{"JSON without its signature", json2, "", 422, []string{"signature"}, nil},
		{"not a statement", "hello", "", 422, []string{"This file cannot be checked"}, nil},
		{"nothing", "", "", 422, []string{"Choose the statement to check"}, nil},
		{"larger than any statement", "%PDF-" + strings.Repeat("x", statement.MaxFile), "", 413, []string{"larger than 16 MB"}, nil},
	} {
		st, page := uploadStatement(t, public, base, c.file, c.sig)
		if st != c.status {
			t.Errorf("%s: status %d", c.name, st)
		}
		for _, w := range c.want {
			if !strings.Contains(page, w) {
				t.Errorf("%s: the result does not say %q", c.name, w)
			}
		}
		for _, w := range c.not {
			if strings.Contains(page, w) {
				t.Errorf("%s: the result says %q", c.name, w)
			}
		}
	}

	for _, bad := range []string{"/statements/NOPE", "/statements/" + number + "/9", "/statements/" + number + "/1/other.txt", "/statements/" + number + "/x"} {
		if st, _, _ := get(t, public, base+bad); st != 404 {
			t.Errorf("%s: %d", bad, st)
		}
	}
}

// uploadStatement sends a file (and a signature) to the public check.
func uploadStatement(t *testing.T, c *http.Client, base, file, sig string) (int, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if file != "" {
		fw, _ := mw.CreateFormFile("file", "statement.pdf")
		fw.Write([]byte(file))
	}
	if sig != "" {
		fw, _ := mw.CreateFormFile("signature", "statement.json.jws")
		fw.Write([]byte(sig))
	}
	mw.Close()
	res, err := c.Post(base+"/statements/verify", mw.FormDataContentType(), &body)
	must(t, err)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, html.UnescapeString(string(b))
}

func issuedRecord(t *testing.T, e *env, number string, version int) *statement.Record {
	t.Helper()
	recs, err := e.db.Statements(context.Background(), statement.Filter{Number: number})
	must(t, err)
	for _, r := range recs {
		if r.Version == version {
			full, err := e.db.Statement(context.Background(), r.ID)
			must(t, err)
			return full
		}
	}
	t.Fatalf("no %s version %d", number, version)
	return nil
}

type statementJSON struct {
	ID        int64             `json:"id"`
	Number    string            `json:"number"`
	Version   int               `json:"version"`
	Status    string            `json:"status"`
	PublicURL string            `json:"public_url"`
	KeepUntil string            `json:"keep_until"`
	LogIndex  *int64            `json:"log_index"`
	Revision  int64             `json:"revision"`
	Problems  []psti.FieldError `json:"problems"`
	Content   struct {
		Batches    []string          `json:"batches"`
		SupportEnd string            `json:"support_end"`
		Claims     []statement.Claim `json:"claims"`
	} `json:"content"`
	Renderings []struct {
		Kind   string `json:"kind"`
		SHA256 string `json:"sha256"`
	} `json:"renderings"`
}

// TestStatementAPI: over JSON, on both back ends, a draft is saved with
// every problem listed; issuing is refused naming each missing field in
// turn; an issued statement is kept (409 on delete), corrected by a new
// version, and both are in the retention report.
func TestStatementAPI(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b)
			s, batches, _ := statementSeed(t, e)
			ctx := context.Background()
			today := time.Now().In(psti.London).Format(time.DateOnly)
			full := func() map[string]any {
				return map[string]any{"product_id": s.Product.ID, "batch_ids": []int64{batches[0].ID, batches[1].ID, batches[2].ID},
					"claims": []map[string]any{{"paragraph": 1, "route": "requirement"}, {"paragraph": 2, "route": "requirement"},
						{"paragraph": 3, "route": "deemed", "standards": []map[string]any{{"number": "ETSI EN 303 645", "version": "V2.1.1", "issued": "2020-06", "provisions": "5.3-13"}}}},
					"signatory": map[string]any{"name": "Zoë Brontë", "function": "Head of Product Security"}, "place": "Straße 1, Berlin", "issued": today}
			}

			var draft statementJSON
			if st, body := e.json("POST", "/api/v1/statements", auth.Editor, map[string]any{"product_id": s.Product.ID}, &draft); st != 201 {
				t.Fatalf("an empty draft: %d %s", st, body)
			}
			got := map[string]bool{}
			for _, p := range draft.Problems {
				got[p.Field] = true
			}
			for _, f := range []string{"batches", "signatory.name", "signatory.function", "place", "issued"} {
				if !got[f] {
					t.Errorf("an empty draft's problems do not name %s: %v", f, draft.Problems)
				}
			}
			// The declaration comes from the product's assessment (every
			// requirement met as such), as the request named none.
			if got["claims"] || len(draft.Content.Claims) != 3 || draft.Content.Claims[2].Route != statement.RouteRequirement {
				t.Errorf("an empty draft's declaration is not the assessment's: %+v %v", draft.Content.Claims, draft.Problems)
			}
			if draft.Status != "draft" || draft.PublicURL != "" || draft.Content.SupportEnd != "2031-06-30" {
				t.Fatalf("draft %+v", draft)
			}
			// Each mandatory choice dropped in turn: issuing is refused
			// naming it, and nothing is issued or logged.
			for _, c := range []struct {
				drop, field string
			}{{"batch_ids", "batches"}, {"claims", "claims"}, {"signatory", "signatory.name"}, {"place", "place"}, {"issued", "issued"}} {
				body := full()
				delete(body, c.drop)
				body["revision"] = draft.Revision
				var upd statementJSON
				if st, text := e.json("PUT", fmt.Sprintf("/api/v1/statements/%d", draft.ID), auth.Editor, body, &upd); st != 200 {
					t.Fatalf("without %s: %d %s", c.drop, st, text)
				}
				draft.Revision = upd.Revision
				before := e.counts(t)
				st, text := e.json("POST", fmt.Sprintf("/api/v1/statements/%d/issue", draft.ID), auth.Editor, nil, nil)
				if st != 422 || !strings.Contains(text, `"body.`+c.field+`"`) {
					t.Errorf("issuing without %s: %d %s", c.drop, st, text)
				}
				if fmt.Sprint(e.counts(t)) != fmt.Sprint(before) {
					t.Errorf("a refused issue without %s changed rows", c.drop)
				}
			}
			// A date of issue after the support period's end, and one in
			// the future, are each refused saying why.
			for date, want := range map[string]string{"2032-01-05": "after the support end date", time.Now().AddDate(0, 0, 2).Format(time.DateOnly): "in the future"} {
				body := full()
				body["issued"], body["revision"] = date, draft.Revision
				var upd statementJSON
				e.json("PUT", fmt.Sprintf("/api/v1/statements/%d", draft.ID), auth.Editor, body, &upd)
				draft.Revision = upd.Revision
				if st, text := e.json("POST", fmt.Sprintf("/api/v1/statements/%d/issue", draft.ID), auth.Editor, nil, nil); st != 422 || !strings.Contains(text, want) {
					t.Errorf("issued %s: %d %s", date, st, text)
				}
			}
			body := full()
			body["revision"] = draft.Revision
			var upd statementJSON
			if st, text := e.json("PUT", fmt.Sprintf("/api/v1/statements/%d", draft.ID), auth.Editor, body, &upd); st != 200 || len(upd.Problems) != 0 {
				t.Fatalf("the complete draft: %d %s", st, text)
			}
			var issued statementJSON
			if st, text := e.json("POST", fmt.Sprintf("/api/v1/statements/%d/issue", draft.ID), auth.Editor, nil, &issued); st != 200 {
				t.Fatalf("issuing: %d %s", st, text)
			}
			if issued.Status != "issued" || issued.LogIndex == nil || len(issued.Renderings) != 4 || !strings.HasSuffix(issued.PublicURL, "/statements/"+issued.Number+"/1") ||
				issued.KeepUntil != time.Now().In(psti.London).AddDate(10, 0, -1).Format(time.DateOnly) {
				t.Fatalf("issued %+v", issued)
			}
			// The log entry names every copy's SHA-256.
			entry, err := e.db.LogEntry(ctx, *issued.LogIndex)
			must(t, err)
			for _, x := range issued.Renderings {
				if !strings.Contains(string(entry), x.SHA256) {
					t.Errorf("the log entry does not name the %s copy's SHA-256", x.Kind)
				}
			}
			if st, _ := e.json("PUT", fmt.Sprintf("/api/v1/statements/%d", draft.ID), auth.Editor, full(), nil); st != 409 {
				t.Errorf("changing an issued statement: %d", st)
			}
			if st, text := e.json("DELETE", fmt.Sprintf("/api/v1/statements/%d", draft.ID), auth.Editor, nil, nil); st != 409 || !strings.Contains(text, "kept") {
				t.Errorf("deleting an issued statement: %d %s", st, text)
			}
			var corr statementJSON
			if st, text := e.json("POST", fmt.Sprintf("/api/v1/statements/%d/corrections", draft.ID), auth.Editor, nil, &corr); st != 201 || corr.Version != 2 || corr.Number != issued.Number {
				t.Fatalf("a correction: %d %s", st, text)
			}
			if st, _ := e.json("POST", fmt.Sprintf("/api/v1/statements/%d/corrections", draft.ID), auth.Editor, nil, nil); st != 409 {
				t.Errorf("a second correction while one is a draft: %d", st)
			}
			// A correction asks for its own date of issue.
			if st, text := e.json("POST", fmt.Sprintf("/api/v1/statements/%d/issue", corr.ID), auth.Editor, nil, nil); st != 422 || !strings.Contains(text, "body.issued") {
				t.Fatalf("issuing the correction without its date: %d %s", st, text)
			}
			if st, text := e.json("PUT", fmt.Sprintf("/api/v1/statements/%d", corr.ID), auth.Editor, full(), nil); st != 200 {
				t.Fatalf("dating the correction: %d %s", st, text)
			}
			if st, _ := e.json("POST", fmt.Sprintf("/api/v1/statements/%d/issue", corr.ID), auth.Editor, nil, nil); st != 200 {
				t.Fatalf("issuing the correction: %d", st)
			}
			var kept []struct {
				Number    string `json:"number"`
				Version   int    `json:"version"`
				KeepUntil string `json:"keep_until"`
				Current   bool   `json:"current"`
			}
			e.mustJSON("GET", "/api/v1/statements/retention", nil, &kept)
			if len(kept) != 2 || kept[0].Current == kept[1].Current {
				t.Fatalf("retention: %+v", kept)
			}
			// A draft may be deleted, and then is gone.
			var spare statementJSON
			e.json("POST", "/api/v1/statements", auth.Editor, map[string]any{"product_id": s.Product.ID}, &spare)
			if st, text := e.json("DELETE", fmt.Sprintf("/api/v1/statements/%d", spare.ID), auth.Editor, nil, nil); st != 204 {
				t.Fatalf("deleting a draft: %d %s", st, text)
			}
			if st, _ := e.json("GET", fmt.Sprintf("/api/v1/statements/%d", spare.ID), auth.Viewer, nil, nil); st != 404 {
				t.Errorf("a deleted draft: %d", st)
			}
			// A product whose support period is only a draft.
			plug := &product.Product{BrandID: s.Brand.ID, Name: "Smart Plug", Type: "smart plug", ModelNumber: "AC-200", ManufacturerIDs: []int64{s.Makers[0].ID}}
			must(t, e.db.CreateProduct(ctx, psti.System("test"), plug))
			must(t, e.db.CreatePeriod(ctx, psti.System("test"), &support.Period{ProductID: plug.ID, EndDate: "2030-01-31"}))
			var pd statementJSON
			e.json("POST", "/api/v1/statements", auth.Editor, map[string]any{"product_id": plug.ID}, &pd)
			found := false
			for _, p := range pd.Problems {
				found = found || (p.Field == "support_end" && strings.Contains(p.Message, "The support period of AC-200 is a draft; publish it first."))
			}
			if !found {
				t.Errorf("a draft support period is not named: %+v", pd.Problems)
			}
			// Read back, and when issuing, the draft period is still seen
			// (the draft does not keep it; the records are read again).
			full2 := full()
			full2["product_id"], full2["batch_ids"] = plug.ID, []int64{}
			e.json("PUT", fmt.Sprintf("/api/v1/statements/%d", pd.ID), auth.Editor, full2, nil)
			var back statementJSON
			e.mustJSON("GET", fmt.Sprintf("/api/v1/statements/%d", pd.ID), nil, &back)
			if !slices.ContainsFunc(back.Problems, func(p psti.FieldError) bool { return strings.Contains(p.Message, "is a draft; publish it first") }) {
				t.Errorf("read back, the draft period is not named: %+v", back.Problems)
			}
			if st, text := e.json("POST", fmt.Sprintf("/api/v1/statements/%d/issue", pd.ID), auth.Editor, nil, nil); st != 422 || !strings.Contains(text, "is a draft; publish it first") {
				t.Errorf("issuing with a draft support period: %d %s", st, text)
			}
			if st, _ := e.json("POST", "/api/v1/statements", auth.Viewer, map[string]any{"product_id": s.Product.ID}, nil); st != 403 {
				t.Errorf("a viewer drafting: %d", st)
			}
		})
	}
}

// TestStatementLabelRoute: a product with a current accepted label is
// recorded on the label route (Schedule 2A) from the form, issued and
// published as such; a label already expired is refused, naming the
// field; the public page says when a recorded label has lapsed.
func TestStatementLabelRoute(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	s, batches, _ := statementSeed(t, e)
	editor, public := e.browser(auth.Editor), e.browser(auth.Public)
	base := e.ts.URL
	today := time.Now().In(psti.London)
	v := url.Values{"product": {fmt.Sprint(s.Product.ID)}, "route": {"label"}, "label_scheme": {"sg-cls"}, "label_level": {""}, "label_reference": {"CLS-2026-000123"},
		"label_expires-day": {"31"}, "label_expires-month": {"5"}, "label_expires-year": {"2029"}, "batch_ids": {fmt.Sprint(batches[0].ID)},
		"issued-day": {fmt.Sprint(today.Day())}, "issued-month": {fmt.Sprint(int(today.Month()))}, "issued-year": {fmt.Sprint(today.Year())}}
	st, loc, _ := post(t, editor, base+"/admin/statements/new", v)
	if st != 303 {
		t.Fatalf("a label route draft: %d", st)
	}
	_, page, _ := get(t, editor, base+loc)
	if !strings.Contains(page, "Give the CLS label&#39;s level, 1 to 4.") || !strings.Contains(page, `href="#f-label_level"`) || strings.Contains(page, "The signatory&#39;s name is required") {
		t.Fatalf("the label route draft's problems:\n%s", page)
	}
	v.Set("label_level", "2")
	v.Set("revision", "1")
	if st, _, _ := post(t, editor, base+loc, v); st != 303 {
		t.Fatalf("completing: %d", st)
	}
	if st, _, page := post(t, editor, base+loc+"/issue", url.Values{}); st != 303 {
		t.Fatalf("issuing the label route record: %d\n%s", st, page)
	}
	number := fmt.Sprintf("SOC-%d-0001", today.Year())
	_, page, _ = get(t, public, base+"/statements/"+number+"/1")
	for _, want := range []string{"Label route record", "Singapore Cybersecurity Labelling Scheme (CLS) label, level 2, number CLS-2026-000123, valid until 31 May 2029", "Schedule 2A"} {
		if !strings.Contains(html.UnescapeString(page), want) {
			t.Errorf("the public page does not say %q", want)
		}
	}
	if strings.Contains(page, "expired on") {
		t.Error("a current label is said to have expired")
	}
	if _, page, _ := get(t, public, base+"/products/"+s.Product.Slug); !strings.Contains(page, "Label route record "+number) {
		t.Error("the product page does not name the label route record")
	}
	_, labelPDF, _ := get(t, public, base+"/statements/"+number+"/1/statement.pdf")
	if st, page := uploadStatement(t, public, base, labelPDF, ""); st != 200 || !strings.Contains(page, "This is a label route record (Schedule 2A), not a statement") ||
		!strings.Contains(page, "CLS-2026-000123") || !strings.Contains(page, "This statement checks out") {
		t.Errorf("checking the label route record: %d", st)
	}

	// A label that expired yesterday, on a record dated a week ago.
	week := today.AddDate(0, 0, -7)
	yesterday := today.AddDate(0, 0, -1)
	var d statementJSON
	e.json("POST", "/api/v1/statements", auth.Editor, map[string]any{"product_id": s.Product.ID, "batch_ids": []int64{batches[1].ID}, "issued": week.Format(time.DateOnly),
		"label": map[string]any{"scheme": "jc-star-star-1", "reference": "JC-0001", "expires": yesterday.Format(time.DateOnly)}}, &d)
	if len(d.Problems) != 0 {
		t.Fatalf("problems of a label route record: %+v", d.Problems)
	}
	if st, text := e.json("POST", fmt.Sprintf("/api/v1/statements/%d/issue", d.ID), auth.Editor, nil, nil); st != 422 || !strings.Contains(text, "body.label.expires") || !strings.Contains(text, "no longer stands in") {
		t.Fatalf("issuing with an expired label: %d %s", st, text)
	}
}
