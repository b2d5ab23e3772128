package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/gocsaf/csaf/v3/csaf"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store/storetest"
)

// resolvedReport files a report, links it to the seeded product (which
// gets two firmware versions) with a CVSS vector, and resolves it.
func resolvedReport(t *testing.T, e *env) (int64, *storetest.Seed) {
	t.Helper()
	ctx := context.Background()
	seed := storetest.NewSeed(t, e.db)
	must(t, e.db.SavePolicy(ctx, psti.System("test"), disclosure.DefaultPolicy(seed.Org.ID)))
	for _, v := range []string{"3.1", "3.2"} {
		must(t, e.db.CreateVersion(ctx, psti.System("test"), &product.Version{ProductID: seed.Product.ID, Component: "firmware", Version: v}))
	}
	e.report(t, map[string]string{"summary": "Doorbell video without a password", "details": "Anyone on the network can watch.", "credit": "Jo Finder"})
	reps, err := e.db.Reports(ctx, disclosure.Filter{})
	must(t, err)
	id := reps[0].ID
	for _, a := range []map[string]any{
		{"kind": "triage", "product_id": seed.Product.ID, "cvss_vector": "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"},
		{"kind": "close", "status": "resolved", "body": "Fixed in firmware 3.2."},
	} {
		if st, body := e.json("POST", fmt.Sprintf("/api/v1/reports/%d/actions", id), auth.Editor, a, nil); st != http.StatusOK {
			t.Fatalf("%v: %d %s", a["kind"], st, body)
		}
	}
	return id, seed
}

func get(t *testing.T, c *http.Client, u string) (int, string, http.Header) {
	t.Helper()
	res, err := c.Get(u)
	must(t, err)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

func sendForm(t *testing.T, c *http.Client, u string, v url.Values) (int, string, string) {
	t.Helper()
	res, err := c.PostForm(u, v)
	must(t, err)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header.Get("Location")
}

// TestAdvisoryForms: the draft, preview, publish and revise forms post and
// redirect; a refused form comes back with what was typed and the message
// next to its field; posting publish again changes nothing.
func TestAdvisoryForms(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	id, _ := resolvedReport(t, e)
	staff := e.browser(auth.Editor)
	base := fmt.Sprintf("%s/admin/reports/%d/advisory", e.ts.URL, id)

	st, body, _ := get(t, staff, base)
	if st != http.StatusOK || !strings.Contains(body, "firmware 3.1") || !strings.Contains(body, "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N") {
		t.Fatalf("editor: %d %s", st, body)
	}
	form := url.Values{"title": {"Doorbell video without a password"}, "summary": {"Anyone nearby could watch."}, "remedy": {"Update to firmware 3.2."},
		"affected": {"firmware 3.1"}, "affected_other": {"firmware 3.0"}, "fixed": {"firmware 3.2"}, "cwe": {"CWE-99999"},
		"cvss_vector": {"CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}, "credit": {"1"}}
	st, body, _ = sendForm(t, staff, base+"/draft", form)
	if st != http.StatusUnprocessableEntity || !strings.Contains(body, `id="e-cwe"`) || !strings.Contains(body, "not in MITRE") ||
		!strings.Contains(body, "Anyone nearby could watch.") || !strings.Contains(body, "firmware 3.0</textarea>") {
		t.Fatalf("a bad CWE: %d %s", st, body)
	}
	form.Set("cwe", "cwe-306")
	st, _, loc := sendForm(t, staff, base+"/draft", form)
	if st != http.StatusSeeOther || loc != fmt.Sprintf("/admin/reports/%d/advisory", id) {
		t.Fatalf("saving: %d %s", st, loc)
	}
	// The short form on the report page does not overwrite a kept draft.
	st, _, loc = sendForm(t, staff, base+"/draft", url.Values{"from_report": {"1"}, "title": {"Other"}, "summary": {"x"}, "remedy": {"y"}})
	if d, err := e.db.AdvisoryDraft(context.Background(), id); st != http.StatusSeeOther || err != nil || d.Title != "Doorbell video without a password" {
		t.Fatalf("the report page's form over a kept draft: %d %s %+v %v", st, loc, d, err)
	}
	st, body, _ = get(t, staff, base+"/preview")
	if st != http.StatusOK || !strings.Contains(body, "Preview: not published") || !strings.Contains(body, "Missing Authentication for Critical Function") ||
		!strings.Contains(body, "firmware 3.1, firmware 3.0") || !strings.Contains(body, "6.5") {
		t.Fatalf("preview: %d %s", st, body)
	}
	if _, body, _ := get(t, http.DefaultClient, e.ts.URL+"/security/advisories"); strings.Contains(body, "Doorbell video without a password") {
		t.Fatal("a draft is public")
	}
	if st, _, _ := get(t, e.browser(auth.Public), base+"/preview"); st != http.StatusSeeOther {
		t.Fatalf("an anonymous preview: %d", st)
	}

	st, _, loc = sendForm(t, staff, base+"/publish", nil)
	if st != http.StatusSeeOther || !strings.HasPrefix(loc, "/security/advisories/ACME-") {
		t.Fatalf("publishing: %d %s", st, loc)
	}
	tracking := strings.TrimPrefix(loc, "/security/advisories/")
	if st, body, _ := sendForm(t, staff, base+"/publish", nil); st != http.StatusConflict || !strings.Contains(body, "no draft") {
		t.Fatalf("publishing twice: %d %s", st, body)
	}

	// A revision needs to say what changed.
	form.Set("fixed_other", "firmware 3.1.1")
	st, _, _ = sendForm(t, staff, base+"/draft", form)
	if st != http.StatusSeeOther {
		t.Fatalf("saving a revision: %d", st)
	}
	if st, body, _ := sendForm(t, staff, base+"/publish", nil); st != http.StatusUnprocessableEntity || !strings.Contains(body, `id="e-change"`) {
		t.Fatalf("a revision without a change: %d %s", st, body)
	}
	form.Set("change", "Firmware 3.1.1 also fixes the problem.")
	sendForm(t, staff, base+"/draft", form)
	if st, _, loc := sendForm(t, staff, base+"/publish", nil); st != http.StatusSeeOther || loc != "/security/advisories/"+tracking {
		t.Fatalf("publishing a revision: %d %s", st, loc)
	}
	st, body, _ = get(t, http.DefaultClient, e.ts.URL+"/security/advisories/"+tracking)
	if st != http.StatusOK || !strings.Contains(body, "Version 2,") || !strings.Contains(body, "Firmware 3.1.1 also fixes the problem.") ||
		!strings.Contains(body, "firmware 3.2, firmware 3.1.1") {
		t.Fatalf("revised page: %d %s", st, body)
	}
	a, err := e.db.AdvisoryByTracking(context.Background(), tracking)
	must(t, err)
	if a.Revision != 2 || len(a.History) != 2 {
		t.Fatalf("stored: %+v", a)
	}
}

// TestCSAFProvider: the provider metadata claims the trusted provider role
// and passes its schema; each CSAF document is served with hashes that
// match it and an OpenPGP signature that the published key verifies.
func TestCSAFProvider(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	id, _ := resolvedReport(t, e)
	if st, body := e.json("POST", fmt.Sprintf("/api/v1/reports/%d/advisory", id), auth.Editor, map[string]any{"title": "Doorbell video",
		"summary": "S", "remedy": "R", "cwe": "CWE-abc", "cvss_vector": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N"}, nil); st != http.StatusUnprocessableEntity ||
		!strings.Contains(body, `body.cwe`) || !strings.Contains(body, `body.cvss_vector`) || !strings.Contains(body, "not a 4.0 one") {
		t.Fatalf("a bad CWE and a CVSS 4.0 vector: %d %s", st, body)
	}
	if st, body := e.json("POST", fmt.Sprintf("/api/v1/reports/%d/advisory", id), auth.Editor, map[string]any{"title": "Doorbell video",
		"summary": "Anyone nearby could watch.", "remedy": "Update.", "fixed_versions": []string{"firmware 3.2"}, "cwe": "CWE-306"}, nil); st != http.StatusCreated {
		t.Fatalf("publishing: %d %s", st, body)
	}
	c := http.DefaultClient
	st, meta, _ := get(t, c, e.ts.URL+"/.well-known/csaf/provider-metadata.json")
	if st != http.StatusOK {
		t.Fatalf("provider metadata: %d", st)
	}
	var generic any
	must(t, json.Unmarshal([]byte(meta), &generic))
	problems, err := csaf.ValidateProviderMetadata(generic)
	must(t, err)
	if len(problems) > 0 {
		t.Fatalf("provider metadata breaks its schema: %v", problems)
	}
	var pm csaf.ProviderMetadata
	must(t, json.Unmarshal([]byte(meta), &pm))
	must(t, pm.Validate())
	if pm.Role == nil || *pm.Role != csaf.MetadataRoleTrustedProvider || len(pm.PGPKeys) != 1 || pm.PGPKeys[0].URL == nil {
		t.Fatalf("provider metadata: %s", meta)
	}
	keyURL := strings.Replace(*pm.PGPKeys[0].URL, "http://psti.test", e.ts.URL, 1)
	st, armored, _ := get(t, c, keyURL)
	if st != http.StatusOK {
		t.Fatalf("public key: %d", st)
	}
	ring, err := openpgp.ReadArmoredKeyRing(strings.NewReader(armored))
	must(t, err)
	if fp := strings.ToUpper(hex.EncodeToString(ring[0].PrimaryKey.Fingerprint)); fp != string(pm.PGPKeys[0].Fingerprint) {
		t.Fatalf("key fingerprint %s, metadata says %s", fp, pm.PGPKeys[0].Fingerprint)
	}
	if strings.Contains(armored, "PRIVATE") {
		t.Fatal("the published key has its secret part")
	}

	_, index, _ := get(t, c, e.ts.URL+"/.well-known/csaf/index.txt")
	path := strings.TrimSpace(index)
	st, doc, hdr := get(t, c, e.ts.URL+"/.well-known/csaf/"+path)
	if st != http.StatusOK || hdr.Get("Content-Type") != "application/json" {
		t.Fatalf("document %s: %d", path, st)
	}
	must(t, disclosure.CheckCSAF([]byte(doc)))
	name := path[strings.LastIndex(path, "/")+1:]
	s256, s512 := sha256.Sum256([]byte(doc)), sha512.Sum512([]byte(doc))
	for ext, want := range map[string]string{".sha256": hex.EncodeToString(s256[:]), ".sha512": hex.EncodeToString(s512[:])} {
		st, got, _ := get(t, c, e.ts.URL+"/.well-known/csaf/"+path+ext)
		if st != http.StatusOK || got != want+"  "+name+"\n" {
			t.Errorf("%s: %d %q, want %s", ext, st, got, want)
		}
	}
	st, sig, _ := get(t, c, e.ts.URL+"/.well-known/csaf/"+path+".asc")
	if st != http.StatusOK {
		t.Fatalf(".asc: %d", st)
	}
	if _, err := openpgp.CheckArmoredDetachedSignature(ring, strings.NewReader(doc), strings.NewReader(sig), nil); err != nil {
		t.Fatalf("the signature does not verify with the published key: %v", err)
	}
	if _, err := openpgp.CheckArmoredDetachedSignature(ring, bytes.NewReader(append([]byte(doc), ' ')), strings.NewReader(sig), nil); err == nil {
		t.Fatal("the signature verifies a changed document")
	}

	// The document names itself by its canonical URL and is marked TLP:WHITE.
	var m struct {
		Document struct {
			Distribution struct {
				TLP struct{ Label string } `json:"tlp"`
			} `json:"distribution"`
			References []struct{ Category, URL string } `json:"references"`
		} `json:"document"`
	}
	must(t, json.Unmarshal([]byte(doc), &m))
	if m.Document.Distribution.TLP.Label != "WHITE" || len(m.Document.References) == 0 || m.Document.References[0].Category != "self" ||
		m.Document.References[0].URL != "http://psti.test/.well-known/csaf/"+path {
		t.Fatalf("document: %+v", m.Document)
	}
	for _, bad := range []string{path[:len(path)-5] + ".txt", "1999/" + name, path + ".md5", "openpgp/0000.asc"} {
		if st, _, _ := get(t, c, e.ts.URL+"/.well-known/csaf/"+bad); st != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", bad, st)
		}
	}
}
