package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store/storetest"
)

// FuzzAPIBody sends arbitrary bodies to the API's create and update
// routes. Whatever arrives, the answer is never a server error, a refusal is
// a problem document, and a refused request changes nothing.
func FuzzAPIBody(f *testing.F) {
	e := newEnv(f, storetest.SQLite)
	storetest.NewSeed(f, e.db)
	h := e.srv.Handler()
	for _, s := range []string{
		`{"brand_id": 1, "name": "N", "type": "T", "model_number": "M"}`,
		`{"brand_id": 1, "name": "N", "type": "T", "model_number": "M", "identifiers": [{"scheme": "gtin", "value": "4006381333931"}]}`,
		`{"product_id": 1, "code": "B", "quantity": 1e3, "first_produced": "2026-01-01"}`,
		`{"organisation_id": 1, "name": "\u202e"}`,
		`[]`, `null`, `{"name": {"$gt": ""}}`, "\x00", `{"brand_id": 99999999999999999999}`,
		`{"summary": "s", "details": "d", "contact_email": "a@b.example"}`, `{"message": "hello"}`,
		`{"ack_working_days": 5, "update_every_days": 30, "scope": "s", "safe_harbour": "h", "languages": ["en"], "calendar": "2027-12-24 closed"}`,
	} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(3))
	}
	paths := []string{"POST /api/v1/products", "POST /api/v1/batches", "POST /api/v1/brands", "PUT /api/v1/products/1",
		"PUT /api/v1/batches/1", "POST /api/v1/organisations", "POST /api/v1/versions", "POST /api/v1/tokens", "POST /api/v1/invitations",
		"POST /api/v1/reports", "POST /api/v1/reports/status", "PUT /api/v1/organisations/1/disclosure-policy"}
	f.Fuzz(func(t *testing.T, body string, route uint8) {
		method, path, _ := strings.Cut(paths[int(route)%len(paths)], " ")
		before := e.counts(t)
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+e.tokens[auth.Admin])
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s with %q: status %d: %s", method, path, body, rec.Code, rec.Body.String())
		}
		if rec.Code >= 300 {
			if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("refusal %d with Content-Type %q", rec.Code, ct)
			}
			if after := e.counts(t); !reflect.DeepEqual(before, after) {
				t.Fatalf("refused request (%d) changed the database: %v → %v", rec.Code, before, after)
			}
		}
	})
}

// FuzzUpload sends arbitrary uploads to the password audit API, raw or as
// multipart forms. Whatever arrives, the answer is never a server error; a
// refusal is a problem document and stores nothing; an accepted upload
// becomes a queued audit.
func FuzzUpload(f *testing.F) {
	e := newEnv(f, storetest.SQLite)
	seed := storetest.NewSeed(f, e.db)
	b := &product.Batch{ProductID: seed.Product.ID, Code: "B"}
	if err := e.db.CreateBatch(context.Background(), psti.System("test"), b); err != nil {
		f.Fatal(err)
	}
	h := e.srv.Handler()
	const boundary = "XyZ"
	for _, s := range []string{
		"serial,password\nA,Xk3mPq9rTz2w\n",
		"password\n\"unterminated\n",
		"\ufeffpassword,credential_type\nx,wifi_psk\n",
		"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\npassword\nabc\r\n--XyZ--\r\n",
		"--XyZ\r\nContent-Disposition: form-data; name=\"declaration\"; filename=\"m.json\"\r\n\r\n{}\r\n--XyZ--\r\n",
		"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", "", "\x00",
	} {
		for kind := range uint8(3) {
			f.Add(s, kind)
		}
	}
	types := []string{"text/csv", "multipart/form-data; boundary=" + boundary, "application/gzip"}
	f.Fuzz(func(t *testing.T, body string, kind uint8) {
		before := e.counts(t)
		req := httptest.NewRequest("POST", fmt.Sprintf("/api/v1/password-audits?batch_id=%d", b.ID), strings.NewReader(body))
		req.Header.Set("Content-Type", types[int(kind)%len(types)])
		req.Header.Set("Authorization", "Bearer "+e.tokens[auth.Editor])
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		after := e.counts(t)
		switch {
		case rec.Code >= 500:
			t.Fatalf("upload %q: status %d: %s", body, rec.Code, rec.Body.String())
		case rec.Code == http.StatusAccepted:
			if after["password_audits"] != before["password_audits"]+1 {
				t.Fatalf("accepted, but %d runs stored", after["password_audits"]-before["password_audits"])
			}
		default:
			if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("refusal %d with Content-Type %q", rec.Code, ct)
			}
			// (Only runs are compared: audits accepted earlier finish in
			// the background, adding to the audit trail meanwhile.)
			if after["password_audits"] != before["password_audits"] {
				t.Fatalf("refused upload (%d) stored a run", rec.Code)
			}
		}
	})
}

// FuzzReportForm sends arbitrary bodies to the public report form, as a
// multipart form or as a plain one. Whatever arrives, the answer is never
// a server error; a report is stored exactly when the answer leads to the
// receipt page.
func FuzzReportForm(f *testing.F) {
	e := newEnv(f, storetest.SQLite)
	storetest.NewSeed(f, e.db)
	h := e.srv.Handler()
	const boundary = "XyZ"
	part := func(name, value string) string {
		return "--XyZ\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n"
	}
	for _, s := range []string{
		part("summary", "Open port") + part("details", "Telnet answers.") + "--XyZ--\r\n",
		part("summary", "x") + part("details", "y") + part("website", "spam") + "--XyZ--\r\n",
		part("summary", "x") + "--XyZ\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XyZ--\r\n",
		"summary=x&details=y", "", "--XyZ--", "\x00\xff",
	} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, body string, multipart bool) {
		before := e.counts(t)["reports"]
		req := httptest.NewRequest("POST", "/security/report", strings.NewReader(body))
		req.RemoteAddr = "192.0.2.1:1234"
		if multipart {
			req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		} else {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		stored := e.counts(t)["reports"] - before
		switch {
		case rec.Code >= 500:
			t.Fatalf("form %q: status %d", body, rec.Code)
		case rec.Code == http.StatusSeeOther && (stored != 1 || rec.Header().Get("Location") != "/security/receipt"):
			t.Fatalf("answered 303 to %q with %d reports stored", rec.Header().Get("Location"), stored)
		case rec.Code != http.StatusSeeOther && stored != 0:
			t.Fatalf("refused (%d) but stored %d reports", rec.Code, stored)
		}
	})
}

// FuzzEvidenceUpload sends arbitrary evidence files to the assessment API,
// raw or as multipart forms. Whatever arrives, the answer is never a
// server error; a refusal is a problem document and keeps nothing; a file
// accepted is kept once, with the SHA-256 of what was sent.
func FuzzEvidenceUpload(f *testing.F) {
	e := newEnv(f, storetest.SQLite)
	seed := storetest.NewSeed(f, e.db)
	h := e.srv.Handler()
	const boundary = "XyZ"
	for _, s := range []string{
		"%PDF-1.7 a test report",
		"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"../../etc/passwd\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XyZ--\r\n",
		"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nx\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b\"\r\n\r\ny\r\n--XyZ--\r\n",
		"--XyZ\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--XyZ--\r\n",
		"", "\x00", "--XyZ",
	} {
		for kind := range uint8(3) {
			f.Add(s, kind)
		}
	}
	types := []string{"application/pdf", "multipart/form-data; boundary=" + boundary, "application/x-www-form-urlencoded"}
	f.Fuzz(func(t *testing.T, body string, kind uint8) {
		before := e.counts(t)
		req := httptest.NewRequest("POST", fmt.Sprintf("/api/v1/products/%d/assessment/PSTI-PW-01/evidence?name=report.pdf", seed.Product.ID), strings.NewReader(body))
		req.Header.Set("Content-Type", types[int(kind)%len(types)])
		req.Header.Set("Authorization", "Bearer "+e.tokens[auth.Editor])
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		after := e.counts(t)
		switch {
		case rec.Code >= 500:
			t.Fatalf("evidence %q: status %d: %s", body, rec.Code, rec.Body.String())
		case rec.Code == http.StatusCreated:
			if after["assessment_evidence"] != before["assessment_evidence"]+1 {
				t.Fatalf("accepted, but %d files kept", after["assessment_evidence"]-before["assessment_evidence"])
			}
		default:
			if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("refusal %d with Content-Type %q", rec.Code, ct)
			}
			if !reflect.DeepEqual(before, after) {
				t.Fatalf("refused upload (%d) changed the database: %v → %v", rec.Code, before, after)
			}
		}
	})
}
