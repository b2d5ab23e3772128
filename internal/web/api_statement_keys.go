package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/statement"
)

// The keys that sign statements of compliance over JSON: listed with
// their certificates' names, fingerprints and ends (never their secrets),
// made for testing or imported, and retired.

// StatementKeyOut is a key that signs statements, as the API shows it.
type StatementKeyOut struct {
	statement.SigningKey
	SelfSigned    bool   `json:"self_signed" doc:"The certificate signs itself: for trying psti out; it proves nothing to others."`
	Signs         bool   `json:"signs" doc:"This key signs statements now: the one added last that is valid."`
	Status        string `json:"status" doc:"Where the key stands, in words."`
	ExpiryWarning string `json:"expiry_warning,omitempty" doc:"Set on the key that signs from 90 days before its certificate ends, unless another key takes over then: what to do about it."`
}

func keyOut(k *statement.SigningKey, keys []*statement.SigningKey, now time.Time) *StatementKeyOut {
	a := statement.Active(keys, now)
	out := &StatementKeyOut{SigningKey: *k, SelfSigned: k.SelfSigned(), Signs: a != nil && a.ID == k.ID, Status: k.Status(keys, now)}
	if out.Signs {
		out.ExpiryWarning = statement.KeyWarning(keys, now)
	}
	return out
}

type statementKeyIn struct {
	Generate *struct {
		Organisation string `json:"organisation" maxLength:"200" doc:"The organisation the certificate names."`
		Days         int    `json:"days,omitempty" minimum:"0" maximum:"3660" doc:"How many days the certificate is valid for, from now; 365 when not given."`
	} `json:"generate,omitempty" doc:"Make a self-signed key, for trying psti out. It proves nothing to others."`
	Import *struct {
		KeyPEM   string `json:"key_pem" maxLength:"65536" doc:"The private key, PEM, not encrypted: PKCS#8 (or the older EC or RSA forms), ECDSA or RSA of at least 2048 bits."`
		ChainPEM string `json:"chain_pem" maxLength:"524288" doc:"The certificates, PEM: the key's own first, then each that issued the one before it."`
		Label    string `json:"label,omitempty" maxLength:"200" doc:"A name for people; the certificate's name when not given."`
	} `json:"import,omitempty" doc:"Put in place a key and its certificate chain."`
}

func (s *Server) registerStatementKeyAPI() {
	tags := []string{"Statement signing keys"}
	list := func(ctx context.Context) ([]*statement.SigningKey, error) { return s.store.StatementKeys(ctx) }
	register(s, huma.Operation{OperationID: "list-statement-keys", Method: http.MethodGet, Path: "/statement-keys", Tags: tags,
		Summary: "List the keys that sign statements",
		Description: "Newest first, with each certificate's subject, issuer, fingerprint (SHA-256 of the certificate) and validity, and which key signs now. " +
			"No secret is ever shown."}, auth.Editor,
		func(ctx context.Context, _ *struct{}) (*listOut[StatementKeyOut], error) {
			keys, err := list(ctx)
			if err != nil {
				return nil, err
			}
			now := s.cfg.Clock.Now()
			out := make([]*StatementKeyOut, len(keys))
			for i, k := range keys {
				out[i] = keyOut(k, keys, now)
			}
			return &listOut[StatementKeyOut]{Body: out}, nil
		})
	register(s, huma.Operation{OperationID: "get-statement-key", Method: http.MethodGet, Path: "/statement-keys/{id}", Tags: tags,
		Summary: "Read a key that signs statements", Errors: []int{http.StatusNotFound}}, auth.Editor,
		func(ctx context.Context, in *idIn) (*itemOut[StatementKeyOut], error) {
			keys, err := list(ctx)
			if err != nil {
				return nil, err
			}
			for _, k := range keys {
				if k.ID == in.ID {
					return &itemOut[StatementKeyOut]{Body: keyOut(k, keys, s.cfg.Clock.Now())}, nil
				}
			}
			return nil, psti.NotFound("statement signing key", in.ID)
		})
	register(s, huma.Operation{OperationID: "create-statement-key", Method: http.MethodPost, Path: "/statement-keys", Tags: tags,
		Summary: "Put in place a key to sign statements",
		Description: "Give either generate (a self-signed key, for trying psti out) or import (a private key and its certificate chain). " +
			"The key is kept encrypted under the installation's secret and signs from now on, as the key added last that is valid. " +
			"A certificate that has ended is refused (422), and so is one in place already (409).",
		DefaultStatus: http.StatusCreated, Errors: []int{http.StatusConflict, http.StatusUnprocessableEntity}}, auth.Editor,
		func(ctx context.Context, in *bodyIn[statementKeyIn]) (*createdOut[StatementKeyOut], error) {
			var signer *statement.Signer
			var label, part string
			var err error
			switch b := in.Body; {
			case (b.Generate == nil) == (b.Import == nil):
				return nil, psti.Errorf(psti.EINVALID, "Give either generate or import, and only one of them.")
			case b.Generate != nil:
				days := b.Generate.Days
				if days == 0 {
					days = testKeyDays
				}
				part = "generate."
				signer, err = statement.NewTestSigner(b.Generate.Organisation, days, s.cfg.Clock.Now())
			default:
				signer, err = statement.ParseSigner([]byte(b.Import.KeyPEM), []byte(b.Import.ChainPEM))
				part, label = "import.", b.Import.Label
			}
			if err != nil {
				return nil, keyFields(err, part)
			}
			k, err := s.store.AddStatementKey(ctx, actor(ctx), signer, label)
			if err != nil {
				return nil, keyFields(err, part)
			}
			keys, err := list(ctx)
			if err != nil {
				return nil, err
			}
			return &createdOut[StatementKeyOut]{Location: fmt.Sprintf("%s/statement-keys/%d", APIPrefix, k.ID), Body: keyOut(k, keys, s.cfg.Clock.Now())}, nil
		})
	register(s, huma.Operation{OperationID: "retire-statement-key", Method: http.MethodPost, Path: "/statement-keys/{id}/retire", Tags: tags,
		Summary:     "Retire a key that signs statements",
		Description: "It signs nothing more, and is kept: the statements it signed still name it, and still verify. A retired key cannot be brought back (409).",
		Errors:      []int{http.StatusNotFound, http.StatusConflict}}, auth.Editor,
		func(ctx context.Context, in *idIn) (*itemOut[StatementKeyOut], error) {
			k, err := s.store.RetireStatementKey(ctx, actor(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			keys, err := list(ctx)
			if err != nil {
				return nil, err
			}
			return &itemOut[StatementKeyOut]{Body: keyOut(k, keys, s.cfg.Clock.Now())}, nil
		})
}

// keyFields names the fields of a body's part in err's problems, as the
// body names them ("import.key_pem").
func keyFields(err error, prefix string) error {
	err = psti.PrefixFields(err, prefix) // a copy, when it names fields
	var e *psti.Error
	if errors.As(err, &e) {
		for i, f := range e.Fields {
			switch f.Field {
			case prefix + "key", prefix + "chain":
				e.Fields[i].Field += "_pem"
			}
		}
	}
	return err
}
