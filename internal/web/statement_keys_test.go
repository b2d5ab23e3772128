package web_test

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/store/storetest"
)

// statementKey is a key as the API returns it.
type statementKey struct {
	ID            int64      `json:"id"`
	Label         string     `json:"label"`
	Subject       string     `json:"subject"`
	Issuer        string     `json:"issuer"`
	Fingerprint   string     `json:"fingerprint"`
	NotAfter      time.Time  `json:"not_after"`
	RetiredAt     *time.Time `json:"retired_at"`
	SelfSigned    bool       `json:"self_signed"`
	Signs         bool       `json:"signs"`
	Status        string     `json:"status"`
	ExpiryWarning string     `json:"expiry_warning"`
}

// problemFields are the fields a problem document names.
func problemFields(t *testing.T, body string) []string {
	t.Helper()
	var p struct {
		Errors []struct {
			Location string `json:"location"`
		} `json:"errors"`
	}
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatalf("not a problem document: %s", body)
	}
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Location)
	}
	return out
}

// TestStatementKeysAPI: an editor makes a self-signed test key and
// imports a key with its chain; the list shows which signs and warns of
// an end within 90 days; a key that is not the certificate's, an encrypted
// key, a body with neither or both parts, and a certificate in place
// already are refused, naming the field; a retired key stays listed.
func TestStatementKeysAPI(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	var list []statementKey
	if st, body := e.json("GET", "/api/v1/statement-keys", auth.Editor, nil, &list); st != 200 || len(list) != 0 || strings.TrimSpace(body) != "[]" {
		t.Fatalf("empty list: %d %s", st, body)
	}
	res, body := e.call("POST", "/api/v1/statement-keys", e.tokens[auth.Editor], "application/json",
		`{"generate": {"organisation": "Acme Devices Ltd", "days": 30}}`)
	var test statementKey
	if res.StatusCode != 201 || json.Unmarshal([]byte(body), &test) != nil || !test.SelfSigned || !test.Signs ||
		!strings.Contains(test.ExpiryWarning, "in 30 days") || !strings.Contains(test.Subject, "O=Acme Devices Ltd") {
		t.Fatalf("generate: %d %s", res.StatusCode, body)
	}
	if loc := res.Header.Get("Location"); loc != fmt.Sprintf("/api/v1/statement-keys/%d", test.ID) {
		t.Fatalf("Location %q", loc)
	}
	if strings.Contains(body, "PRIVATE") || strings.Contains(body, "sealed") {
		t.Fatalf("a secret in the answer: %s", body)
	}

	now := time.Now()
	keyPEM, chainPEM, leaf := storetest.CertChain(t, "Acme statements 2027", now.Add(-time.Hour), now.AddDate(2, 0, 0))
	var imported statementKey
	if st, body := e.json("POST", "/api/v1/statement-keys", auth.Editor, map[string]any{"import": map[string]any{
		"key_pem": string(keyPEM), "chain_pem": string(chainPEM), "label": "Statements 2027"}}, &imported); st != 201 || !imported.Signs ||
		imported.SelfSigned || imported.Label != "Statements 2027" || !strings.Contains(imported.Issuer, "Test CA") || imported.ExpiryWarning != "" {
		t.Fatalf("import: %d %s", st, body)
	}
	if !imported.NotAfter.Equal(leaf.NotAfter) {
		t.Fatalf("ends %s, the certificate %s", imported.NotAfter, leaf.NotAfter)
	}

	otherKey, _, _ := storetest.CertChain(t, "Other", now, now.AddDate(1, 0, 0))
	encrypted := pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1, 2, 3}})
	for _, c := range []struct {
		name   string
		body   any
		status int
		field  string
	}{
		{"another key", map[string]any{"import": map[string]any{"key_pem": string(otherKey), "chain_pem": string(chainPEM)}}, 422, "body.import.chain_pem"},
		{"an encrypted key", map[string]any{"import": map[string]any{"key_pem": string(encrypted), "chain_pem": string(chainPEM)}}, 422, "body.import.key_pem"},
		{"no organisation", map[string]any{"generate": map[string]any{"organisation": ""}}, 422, "body.generate.organisation"},
		{"neither", map[string]any{}, 422, ""},
		{"both", map[string]any{"generate": map[string]any{"organisation": "Acme"}, "import": map[string]any{"key_pem": "x", "chain_pem": "y"}}, 422, ""},
		{"in place already", map[string]any{"import": map[string]any{"key_pem": string(keyPEM), "chain_pem": string(chainPEM)}}, 409, ""},
	} {
		st, body := e.json("POST", "/api/v1/statement-keys", auth.Editor, c.body, nil)
		if st != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, st, body, c.status)
			continue
		}
		if c.field != "" && !strings.Contains(strings.Join(problemFields(t, body), " "), c.field) {
			t.Errorf("%s: the problem does not name %s: %s", c.name, c.field, body)
		}
	}

	var retired statementKey
	if st, body := e.json("POST", fmt.Sprintf("/api/v1/statement-keys/%d/retire", imported.ID), auth.Editor, nil, &retired); st != 200 || retired.RetiredAt == nil || retired.Signs {
		t.Fatalf("retire: %d %s", st, body)
	}
	if st, _ := e.json("POST", fmt.Sprintf("/api/v1/statement-keys/%d/retire", imported.ID), auth.Editor, nil, nil); st != 409 {
		t.Fatalf("retiring again: %d", st)
	}
	if st, _ := e.json("POST", "/api/v1/statement-keys/999/retire", auth.Editor, nil, nil); st != 404 {
		t.Fatalf("retiring a key that is not there: %d", st)
	}
	var one statementKey
	if st, body := e.json("GET", fmt.Sprintf("/api/v1/statement-keys/%d", test.ID), auth.Editor, nil, &one); st != 200 || !one.Signs {
		t.Fatalf("the test key signs again: %d %s", st, body)
	}
	if st, _ := e.json("GET", "/api/v1/statement-keys/999", auth.Editor, nil, nil); st != 404 {
		t.Fatalf("a key that is not there: %d", st)
	}
	if st, body := e.json("GET", "/api/v1/statement-keys", auth.Editor, nil, &list); st != 200 || len(list) != 2 || list[0].ID != imported.ID ||
		list[0].RetiredAt == nil || !list[1].Signs {
		t.Fatalf("list: %d %s", st, body)
	}
}

// multipartForm encodes fields and files as a browser sends a form with
// enctype multipart/form-data.
func multipartForm(t *testing.T, fields, files map[string]string) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		must(t, mw.WriteField(k, v))
	}
	for k, v := range files {
		w, err := mw.CreateFormFile(k, k+".pem")
		must(t, err)
		_, err = io.WriteString(w, v)
		must(t, err)
	}
	must(t, mw.Close())
	return mw.FormDataContentType(), &buf
}

// TestStatementKeysPage: the page's forms, over HTTP. A mistake comes back
// next to its field with what was typed (but never the private key); a
// key put in place leads back to the list; editors, not viewers, are
// warned on every page of the certificate that signs ending within 90
// days.
func TestStatementKeysPage(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	editor := e.browser(auth.Editor)
	get := func(c *http.Client, path string) string {
		t.Helper()
		res, err := c.Get(e.ts.URL + path)
		must(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("GET %s: %d", path, res.StatusCode)
		}
		return string(b)
	}
	page := get(editor, "/admin/statements/keys")
	for _, want := range []string{"No key yet", "Put the key in place", "Make a self-signed test key", "proves nothing to others"} {
		if !strings.Contains(page, want) {
			t.Fatalf("the empty page does not say %q", want)
		}
	}

	res, err := editor.PostForm(e.ts.URL+"/admin/statements/keys/generate", url.Values{"organisation": {""}, "days": {"45"}})
	must(t, err)
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 422 || !strings.Contains(string(b), `id="e-organisation"`) || !strings.Contains(string(b), `value="45"`) {
		t.Fatalf("no organisation: %d\n%s", res.StatusCode, b)
	}
	// Sent twice with its one-time token (a double click), the form makes
	// one key.
	token := formTokenRE.FindStringSubmatch(get(editor, "/admin/statements/keys"))[1]
	for range 2 {
		res, err = editor.PostForm(e.ts.URL+"/admin/statements/keys/generate", url.Values{"organisation": {"Acme Devices Ltd"}, "days": {"45"}, "form_token": {token}})
		must(t, err)
		res.Body.Close()
		if res.StatusCode != 303 || res.Header.Get("Location") != "/admin/statements/keys" {
			t.Fatalf("generate: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
	}
	if n := e.counts(t)["statement_keys"]; n != 1 {
		t.Fatalf("%d keys after one form sent twice", n)
	}

	now := time.Now()
	keyPEM, chainPEM, _ := storetest.CertChain(t, "Acme statements 2027", now.Add(-time.Hour), now.AddDate(2, 0, 0))
	otherKey, _, _ := storetest.CertChain(t, "Other", now, now.AddDate(1, 0, 0))
	ct, body := multipartForm(t, map[string]string{"label": "Statements 2027", "key_pem": string(otherKey)}, map[string]string{"chain_file": string(chainPEM)})
	res, err = editor.Post(e.ts.URL+"/admin/statements/keys/import", ct, body)
	must(t, err)
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	got := string(b)
	if res.StatusCode != 422 || !strings.Contains(got, `id="e-chain"`) || !strings.Contains(got, "not the key of the first certificate") ||
		!strings.Contains(got, `value="Statements 2027"`) || !strings.Contains(got, "-----BEGIN CERTIFICATE-----") {
		t.Fatalf("a key that is not the certificate's: %d\n%s", res.StatusCode, got)
	}
	if strings.Contains(got, "PRIVATE KEY-----\n") {
		t.Fatal("the page shows the private key sent back")
	}
	token = formTokenRE.FindStringSubmatch(get(editor, "/admin/statements/keys"))[1]
	for i := range 2 {
		ct, body = multipartForm(t, map[string]string{"label": "Statements 2027", "form_token": token}, map[string]string{"key_file": string(keyPEM), "chain_file": string(chainPEM)})
		res, err = editor.Post(e.ts.URL+"/admin/statements/keys/import", ct, body)
		must(t, err)
		res.Body.Close()
		if res.StatusCode != 303 {
			t.Fatalf("import, sent %d times: %d", i+1, res.StatusCode)
		}
	}
	page = get(editor, "/admin/statements/keys")
	for _, want := range []string{"Statements 2027", "Signs statements", "CN=Test CA", "self-signed, for testing", "a key added later signs"} {
		if !strings.Contains(page, want) {
			t.Fatalf("the list does not say %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "certificate that signs statements ends") {
		t.Fatal("warned though the key that signs has two years")
	}

	// Retiring the imported key leaves the test key, which ends within
	// 90 days, signing: editors are warned on every page, viewers not.
	keys, err := e.db.StatementKeys(t.Context())
	must(t, err)
	res, err = editor.PostForm(e.ts.URL+fmt.Sprintf("/admin/statements/keys/%d/retire", keys[0].ID), url.Values{})
	must(t, err)
	res.Body.Close()
	if res.StatusCode != 303 {
		t.Fatalf("retire: %d", res.StatusCode)
	}
	if page := get(editor, "/admin"); !strings.Contains(page, "The certificate that signs statements ends on") || !strings.Contains(page, "in 45 days") {
		t.Fatal("an editor is not warned of the key's end")
	}
	if page := get(e.browser(auth.Viewer), "/admin"); strings.Contains(page, "certificate that signs statements") {
		t.Fatal("a viewer is warned of what only editors can fix")
	}
	res, err = editor.PostForm(e.ts.URL+fmt.Sprintf("/admin/statements/keys/%d/retire", keys[0].ID), url.Values{})
	must(t, err)
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 409 || !strings.Contains(string(b), "retired on") {
		t.Fatalf("retiring again: %d", res.StatusCode)
	}
}

// TestBrowserStatementKeys: an editor, in a real browser, follows the
// overview to the signing keys, makes a self-signed test key, chooses a
// key file that does not go with the certificate and is told so next to
// the certificate (the page with the mistake passing the accessibility
// check), then chooses the right one: the new key signs, and the page fits
// a phone's width.
func TestBrowserStatementKeys(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	now := time.Now()
	keyPEM, chainPEM, leaf := storetest.CertChain(t, "Acme statements 2027", now.Add(-time.Hour), now.AddDate(2, 0, 0))
	otherKey, _, _ := storetest.CertChain(t, "Other", now, now.AddDate(1, 0, 0))
	dir := t.TempDir()
	files := map[string][]byte{"key.pem": keyPEM, "chain.pem": chainPEM, "other.pem": otherKey}
	for name, b := range files {
		must(t, os.WriteFile(filepath.Join(dir, name), b, 0o600))
	}

	b := newBrowser(t, e.ts.URL)
	b.open("/login")
	b.fill(map[string]string{"email": e.users[auth.Editor].Email, "password": testPassword})
	b.submit("form.form button[type=submit]", "/admin")
	b.do(chromedp.Click(chromedp.CSS(`a[href="/admin/statements/keys"]`)))
	b.do(chromedp.WaitVisible(chromedp.CSS(`form[action$="/generate"]`)))
	b.fill(map[string]string{"organisation": "Acme Devices Ltd"})
	b.submit(`form[action$="/generate"] button[type=submit]`, "/admin/statements/keys")
	if f := b.text(".flash"); !strings.Contains(f, "proves nothing to others") {
		t.Fatalf("flash after making a test key: %q", f)
	}

	b.do(chromedp.SetUploadFiles(`input[name=key_file]`, []string{filepath.Join(dir, "other.pem")}))
	b.do(chromedp.SetUploadFiles(`input[name=chain_file]`, []string{filepath.Join(dir, "chain.pem")}))
	b.fill(map[string]string{"label": "Statements 2027"})
	b.submit(`form[action$="/import"] button[type=submit]`, "/admin/statements/keys/import")
	if msg := b.text("#e-chain"); !strings.Contains(msg, "not the key of the first certificate") {
		t.Fatalf("a wrong key is not explained next to the certificate: %q", msg)
	}
	if v, _ := chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS(`[name="label"]`))); v != "Statements 2027" {
		t.Fatalf("the label typed was lost: %q", v)
	}
	for _, f := range b.checkPage("signing keys, a mistake shown") {
		t.Error(f)
	}
	b.do(chromedp.SetUploadFiles(`input[name=key_file]`, []string{filepath.Join(dir, "key.pem")}))
	b.do(chromedp.SetUploadFiles(`input[name=chain_file]`, []string{filepath.Join(dir, "chain.pem")}))
	b.submit(`form[action$="/import"] button[type=submit]`, "/admin/statements/keys")
	page := b.text("main")
	for _, want := range []string{"Statements 2027", "Signs statements", "Test CA", "a key added later signs", "self-signed, for testing"} {
		if !strings.Contains(page, want) {
			t.Fatalf("the page does not say %q:\n%s", want, page)
		}
	}
	s, err := e.db.StatementSigner(t.Context(), time.Now())
	must(t, err)
	if !s.Certificate().Equal(leaf) {
		t.Fatalf("the key that signs is %s", s.Certificate().Subject)
	}
	for _, w := range []int64{320, 1280} {
		b.do(chromedp.EmulateViewport(w, 900))
		b.fitsWidth(fmt.Sprintf("statement-keys-%d", w))
	}
}
