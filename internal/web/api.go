package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/psti"
)

// APIPrefix is where the JSON API lives.
const APIPrefix = "/api/v1"

// maxAPIBody bounds a JSON request body; larger ones get 413.
const maxAPIBody = 1 << 20

type ctxKey int

const (
	principalKey ctxKey = iota
	clientKey           // the client's address, when it came through a trusted proxy
)

// principal returns who the request acts as, or nil for an anonymous one.
func principal(ctx context.Context) *auth.Principal {
	p, _ := ctx.Value(principalKey).(*auth.Principal)
	return p
}

func (s *Server) newAPI() huma.API {
	cfg := huma.DefaultConfig("psti API", s.cfg.Version)
	cfg.Info.Description = "The JSON API of psti: the product register (organisations, manufacturers, brands, products, " +
		"firmware and software versions, production batches), defined support periods (published ones readable by anyone, without a token), " +
		"the requirement catalogue (JSON and OSCAL, readable by anyone, without a token), " +
		"users, API tokens and the audit trail. " +
		"Authenticate with an API token: `Authorization: Bearer psti_…` (make one with `psti tokens create`). " +
		"Errors are RFC 9457 problem documents. Records are never deleted: archive them."
	cfg.OpenAPIPath = "/openapi"
	cfg.DocsPath = ""    // the bundled docs page loads scripts from elsewhere; the spec is enough
	cfg.SchemasPath = "" // no $schema links in responses
	cfg.CreateHooks = nil
	cfg.Components.Schemas = huma.NewMapRegistry("#/components/schemas/", schemaName)
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", Description: "An API token made with `psti tokens create` or on the Tokens page."},
	}
	api := humago.NewWithPrefix(s.mux, APIPrefix, cfg)
	for _, p := range []string{"/openapi.json", "/openapi-3.0.json", "/openapi.yaml", "/openapi-3.0.yaml"} {
		s.routes = append(s.routes, Route{Method: http.MethodGet, Pattern: APIPrefix + p, Role: auth.Public, API: true})
	}
	// The rate limit comes first, so every request to a limited route
	// counts, whatever the answer: one refused for a bad token or a body
	// that does not validate costs the sender as much as one accepted.
	api.UseMiddleware(s.apiLimit, s.apiAuth)
	// Unknown API paths answer in the API's own language.
	s.handle(APIPrefix+"/", auth.Public, true, func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, http.StatusNotFound, "There is no API route "+r.Method+" "+r.URL.Path+". The routes are listed in "+APIPrefix+"/openapi.json.")
	})
	return api
}

// schemaName names a type in the API description. Types of the capability
// packages whose short names would clash (passwords.Report and
// disclosure.Report, catalog.Standard and statement.Standard,
// cases.Record and statement.Record) carry their capability in the name.
func schemaName(t reflect.Type, hint string) string {
	name := huma.DefaultSchemaNamer(t, hint)
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	prefix := map[string]string{"passwords": "PasswordAudit", "disclosure": "Security", "catalog": "Requirement", "cases": "Compliance"}[path.Base(t.PkgPath())]
	if prefix == "" || strings.HasPrefix(name, prefix) {
		return name
	}
	return prefix + name
}

// apiAuth authenticates the bearer token, if any, and checks the
// operation's role. A request with a bad token is refused even on a public
// route, so a script with a revoked token finds out at once.
func (s *Server) apiAuth(ctx huma.Context, next func(huma.Context)) {
	var p *auth.Principal
	if h := ctx.Header("Authorization"); h != "" && !receiptScheme(h) {
		var err error
		p, err = s.auth.Authenticate(ctx.Context(), h)
		if err != nil {
			s.writeAPIError(ctx, err)
			return
		}
		ctx = huma.WithValue(ctx, principalKey, p)
	}
	role, _ := ctx.Operation().Metadata["role"].(auth.Role)
	if role != auth.Public {
		switch {
		case p == nil:
			s.writeAPIError(ctx, psti.Errorf(psti.EUNAUTHORIZED, "This route needs an API token: send Authorization: Bearer psti_…"))
			return
		case !p.Role.Allows(role):
			s.writeAPIError(ctx, psti.Errorf(psti.EFORBIDDEN, "This route needs the %s role; this token acts as %s.", role, p.Role))
			return
		}
	}
	next(ctx)
}

// apiLimit refuses a request to a rate-limited operation (its metadata
// names the limiter under "limit") when its client is over the limit,
// before anything else about the request is looked at.
func (s *Server) apiLimit(ctx huma.Context, next func(huma.Context)) {
	l, _ := ctx.Operation().Metadata["limit"].(*limiter)
	if l == nil {
		next(ctx)
		return
	}
	client := ""
	if r, _ := humago.Unwrap(ctx); r != nil {
		client = clientAddr(r)
	}
	if ok, wait := l.allow(client, time.Now()); !ok {
		secs := int(wait.Seconds())
		ctx.SetHeader("Retry-After", strconv.Itoa(secs))
		_ = huma.WriteErr(s.api, ctx, http.StatusTooManyRequests, fmt.Sprintf("Too many requests from your address: wait %d seconds, then try again.", secs))
		return
	}
	next(ctx)
}

// writeAPIError answers from a huma middleware, where no handler can
// return the error.
func (s *Server) writeAPIError(ctx huma.Context, err error) {
	status := statusOf(psti.ErrorCode(err))
	if status == http.StatusUnauthorized {
		ctx.SetHeader("WWW-Authenticate", `Bearer realm="psti"`)
	}
	_ = huma.WriteErr(s.api, ctx, status, psti.ErrorMessage(err), detailsOf(err)...)
}

// statusOf maps a domain error code to its HTTP status. It is the one place
// this mapping is made, for the API and the pages alike.
func statusOf(code psti.Code) int {
	switch code {
	case psti.EINVALID:
		return http.StatusUnprocessableEntity
	case psti.ENOTFOUND:
		return http.StatusNotFound
	case psti.ECONFLICT:
		return http.StatusConflict
	case psti.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case psti.EFORBIDDEN:
		return http.StatusForbidden
	case psti.ETOOMANY:
		return http.StatusTooManyRequests
	case psti.EUNAVAILABLE:
		return http.StatusNotImplemented
	}
	return http.StatusInternalServerError
}

func detailsOf(err error) []error {
	var out []error
	for _, f := range psti.ErrorFields(err) {
		out = append(out, &huma.ErrorDetail{Location: "body." + f.Field, Message: f.Message})
	}
	return out
}

// apiError turns a domain error into a problem document. An error that is
// one already (with its own status and headers) passes through.
func (s *Server) apiError(ctx context.Context, err error) error {
	var se huma.StatusError
	if errors.As(err, &se) {
		return err
	}
	code := psti.ErrorCode(err)
	status := statusOf(code)
	if status == http.StatusInternalServerError {
		s.logFailure(ctx, "API request failed", err)
	}
	e := huma.NewError(status, psti.ErrorMessage(err), detailsOf(err)...)
	if status == http.StatusUnauthorized {
		return huma.ErrorWithHeaders(e, http.Header{"WWW-Authenticate": {`Bearer realm="psti"`}})
	}
	return e
}

// register adds an API operation that needs at least role, and records its
// route. Handlers return domain errors; they are mapped here.
func register[I, O any](s *Server, op huma.Operation, role auth.Role, h func(context.Context, *I) (*O, error)) {
	if op.Metadata == nil {
		op.Metadata = map[string]any{}
	}
	op.Metadata["role"] = role
	op.MaxBodyBytes = maxAPIBody
	if role != auth.Public {
		op.Security = []map[string][]string{{"bearer": {}}}
		op.Description = strings.TrimSpace(op.Description + " Needs the " + string(role) + " role or higher.")
		op.Errors = append(op.Errors, http.StatusUnauthorized, http.StatusForbidden)
	}
	// Every answer an operation can give is documented, refusals included.
	if _, ok := reflect.TypeFor[I]().FieldByName("Body"); ok {
		// JSON that cannot be read, or none; a body over maxAPIBody; a
		// body that is not JSON.
		op.Errors = append(op.Errors, http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType)
	}
	if role == auth.Public {
		// An Authorization header that is not a receipt must be a valid
		// token, even here; and forms sent from another site are refused.
		op.Errors = append(op.Errors, http.StatusUnauthorized)
		if op.Method != http.MethodGet && op.Method != http.MethodHead {
			op.Errors = append(op.Errors, http.StatusForbidden)
		}
	}
	s.routes = append(s.routes, Route{Method: op.Method, Pattern: APIPrefix + op.Path, Role: role, API: true})
	huma.Register(s.api, op, func(ctx context.Context, in *I) (*O, error) {
		out, err := h(ctx, in)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return out, nil
	})
}

// actor is the audit actor for the request's principal.
func actor(ctx context.Context) psti.Actor {
	if p := principal(ctx); p != nil {
		return p.Actor()
	}
	return psti.System("anonymous")
}
