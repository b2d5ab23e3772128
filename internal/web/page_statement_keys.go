package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/statement"
)

// The keys that sign statements of compliance: editors make a self-signed
// key for trying psti out, or put in place a key and its certificate
// chain, and retire keys; the store seals them under the installation's
// secret. Staff are warned before the certificate that signs ends.

// StatementKeyStore keeps the keys that sign statements (see
// store.DB.AddStatementKey).
type StatementKeyStore interface {
	AddStatementKey(ctx context.Context, a psti.Actor, s *statement.Signer, label string) (*statement.SigningKey, error)
	StatementKeys(ctx context.Context) ([]*statement.SigningKey, error)
	RetireStatementKey(ctx context.Context, a psti.Actor, id int64) (*statement.SigningKey, error)
}

// statementKeysPath is the page of the keys that sign statements.
const statementKeysPath = "/admin/statements/keys"

// testKeyDays is how long a self-signed test key is valid unless asked.
const testKeyDays = 365

// maxImport bounds the import form: a key and a chain of certificates.
const maxImport = 512 << 10

// keyView is a key as the page shows it.
type keyView struct {
	ID                         int64
	Label, Subject, Issuer     string
	Fingerprint, From, Until   string
	Status, Warning            string
	SelfSigned, Retired, Signs bool
}

// importForm is the form that puts a key and its chain in place: what was
// sent, and what is wrong with it. The private key is never shown again.
type importForm struct {
	Label, Chain string
	Error        string
	Problems     []psti.FieldError
	Max          string
}

type statementKeysData struct {
	Keys     []keyView
	Warning  string
	Error    string // a retirement that failed
	Problems []psti.FieldError
	Generate *form
	Import   *importForm
}

func generateKeyForm() *form {
	return &form{Action: statementKeysPath + "/generate", Submit: "Make a self-signed test key", Fields: []*field{
		{Name: "organisation", Label: "Name of the organisation", Hint: "The organisation the certificate names, for example Acme Devices Ltd.",
			Type: "text", Required: true, Max: statement.MaxLabel - 40, Autocomplete: "organization"},
		{Name: "days", Label: "Valid for (days)", Hint: fmt.Sprintf("From now; from 1 to %d.", statement.MaxTestDays), Type: "number",
			Value: strconv.Itoa(testKeyDays), Required: true, Max: 4},
	}}
}

func (s *Server) registerStatementKeyPages() {
	s.page("GET "+statementKeysPath, auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		s.showStatementKeys(w, r, u, &statementKeysData{}, http.StatusOK)
	})
	s.page("POST "+statementKeysPath+"/generate", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		c := conv{v: r.PostForm}
		org := c.str("organisation")
		days := testKeyDays
		if c.str("days") != "" {
			days = int(c.int("days", "The number of days"))
		}
		err := c.p.Err()
		var k *statement.SigningKey
		if err == nil {
			var signer *statement.Signer
			if signer, err = statement.NewTestSigner(org, days, s.cfg.Clock.Now()); err == nil {
				k, err = s.store.AddStatementKey(r.Context(), userActor(u), signer, "")
			}
		}
		if err != nil {
			f := withValues(generateKeyForm(), r.PostForm)
			f.setError(err)
			s.showStatementKeys(w, r, u, &statementKeysData{Generate: f}, statusOf(psti.ErrorCode(err)))
			return
		}
		s.redirect(w, r, statementKeysPath, fmt.Sprintf("The self-signed test key for %s is in place (key %d). It proves nothing to others: "+
			"use it to try psti out, and put in place a key from a certification authority for statements others rely on.", org, k.ID))
	})
	s.upload("POST "+statementKeysPath+"/import", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		r.Body = http.MaxBytesReader(w, r.Body, maxImport)
		in := &importForm{}
		var keyPEM, chainPEM []byte
		err := r.ParseMultipartForm(maxImport)
		if err == nil {
			if s.resent(w, r) {
				return
			}
			var p psti.Problems
			in.Label = strings.TrimSpace(r.PostFormValue("label"))
			keyPEM = formPEM(r, "key_file", "key_pem")
			chainPEM = formPEM(r, "chain_file", "chain_pem")
			in.Chain = strings.TrimSpace(string(chainPEM))
			if len(keyPEM) == 0 {
				p.Add("key", "Choose the file of the private key, or paste the key.")
			}
			if len(chainPEM) == 0 {
				p.Add("chain", "Choose the file of the certificate chain, or paste the certificates.")
			}
			err = p.Err()
		} else {
			err = psti.FieldErrorf(psti.EINVALID, "key", "The files are larger than %s together, or the form could not be read.", sizeText(maxImport))
		}
		var k *statement.SigningKey
		if err == nil {
			var signer *statement.Signer
			if signer, err = statement.ParseSigner(keyPEM, chainPEM); err == nil {
				k, err = s.store.AddStatementKey(r.Context(), userActor(u), signer, in.Label)
			}
		}
		if err != nil {
			in.Error, in.Problems = psti.ErrorMessage(err), psti.ErrorFields(err)
			if len(in.Problems) == 0 {
				in.Problems = []psti.FieldError{{Field: "chain", Message: in.Error}}
			}
			if len(in.Problems) == 1 && in.Error == in.Problems[0].Message {
				in.Error = "The key was not put in place."
			}
			s.showStatementKeys(w, r, u, &statementKeysData{Import: in}, statusOf(psti.ErrorCode(err)))
			return
		}
		s.redirect(w, r, statementKeysPath, fmt.Sprintf("The key “%s” is in place (key %d). Its certificate ends on %s.", k.Label, k.ID, psti.LongDate(k.NotAfter)))
	})
	s.page("POST "+statementKeysPath+"/{id}/retire", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil || id < 1 {
			s.errorPage(w, r, http.StatusNotFound, "There is no such signing key.")
			return
		}
		k, err := s.store.RetireStatementKey(r.Context(), userActor(u), id)
		if err != nil {
			s.showStatementKeys(w, r, u, &statementKeysData{Error: psti.ErrorMessage(err)}, statusOf(psti.ErrorCode(err)))
			return
		}
		s.redirect(w, r, statementKeysPath, fmt.Sprintf("The key “%s” is retired: it signs nothing more. What it signed still verifies.", k.Label))
	})
}

// formPEM is the text of a PEM upload: the file chosen, else what was
// pasted.
func formPEM(r *http.Request, fileField, textField string) []byte {
	if f, h, err := r.FormFile(fileField); err == nil {
		defer f.Close()
		if h.Size > 0 {
			b, _ := io.ReadAll(io.LimitReader(f, maxImport))
			return b
		}
	}
	return []byte(strings.TrimSpace(strings.ReplaceAll(r.PostFormValue(textField), "\r\n", "\n")))
}

func (s *Server) showStatementKeys(w http.ResponseWriter, r *http.Request, u *auth.User, d *statementKeysData, status int) {
	keys, err := s.store.StatementKeys(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	now := s.cfg.Clock.Now()
	active := statement.Active(keys, now)
	for _, k := range keys {
		d.Keys = append(d.Keys, keyView{ID: k.ID, Label: k.Label, Subject: k.Subject, Issuer: k.Issuer, Fingerprint: k.Fingerprint,
			From: psti.LongDateTime(k.NotBefore), Until: psti.LongDateTime(k.NotAfter), Status: k.Status(keys, now),
			SelfSigned: k.SelfSigned(), Retired: k.Retired(), Signs: active != nil && active.ID == k.ID})
	}
	d.Warning = statement.KeyWarning(keys, now)
	if d.Generate == nil {
		d.Generate = generateKeyForm()
	}
	if d.Import == nil {
		d.Import = &importForm{}
	}
	d.Import.Max = sizeText(maxImport)
	s.render(w, r, status, "statement_keys", &view{Title: "Signing keys for statements", User: u, Section: "statements", Data: d})
}

// statementKeyWarning is what staff who can act on it must do about the
// keys that sign statements, "" when nothing.
func (s *Server) statementKeyWarning(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	keys, err := s.store.StatementKeys(ctx)
	if err != nil {
		s.log.Warn("reading the statement signing keys for the staff warning", "err", err)
		return ""
	}
	return statement.KeyWarning(keys, s.cfg.Clock.Now())
}
