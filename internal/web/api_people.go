package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/psti"
)

// Users, setup links, API tokens, the caller's own identity and the audit
// trail, over JSON.

type meOut struct {
	Body struct {
		User  *auth.User  `json:"user"`
		Role  auth.Role   `json:"role" doc:"What this request may do: the lower of the token's role and its owner's."`
		Token *auth.Token `json:"token,omitempty"`
	}
}

type invitationIn struct {
	Body struct {
		Email string    `json:"email" maxLength:"254" doc:"Who the link is for. If they already have an account, the link sets a new password."`
		Role  auth.Role `json:"role" enum:"viewer,editor,admin"`
	}
}

type invitationOut struct {
	Body struct {
		Invitation *auth.Invitation `json:"invitation"`
		SetupURL   string           `json:"setup_url" doc:"The one-time link. It is shown only now; send it to the person privately."`
	}
}

type userUpdateIn struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		Name     string    `json:"name" maxLength:"200"`
		Role     auth.Role `json:"role" enum:"viewer,editor,admin"`
		Disabled bool      `json:"disabled" doc:"A disabled user cannot sign in and their tokens stop working."`
		Revision int64     `json:"revision,omitempty" minimum:"0"`
	}
}

type tokenIn struct {
	Body struct {
		UserEmail string     `json:"user_email" maxLength:"254" doc:"The owner. The token can do no more than its owner."`
		Name      string     `json:"name" maxLength:"200" doc:"What the token is for."`
		Role      auth.Role  `json:"role" enum:"viewer,editor,admin"`
		ExpiresAt *time.Time `json:"expires_at,omitempty" doc:"When the token stops working; never, when absent."`
	}
}

type tokenOut struct {
	Body struct {
		Token  *auth.Token `json:"token"`
		Secret string      `json:"secret" doc:"The token itself. It is shown only now and cannot be recovered."`
	}
}

type auditIn struct {
	Entity   string `query:"entity" maxLength:"50" doc:"Only entries about this kind of record (brand, product, batch, user, token…)."`
	EntityID int64  `query:"entity_id" minimum:"0" doc:"Only entries about this record."`
	BeforeID int64  `query:"before_id" minimum:"0" doc:"Only entries older than this one, for paging."`
	Limit    int    `query:"limit" minimum:"1" maximum:"500" default:"50"`
}

func (s *Server) registerPeopleAPI() {
	tags := []string{"People and access"}
	register(s, huma.Operation{OperationID: "get-me", Method: http.MethodGet, Path: "/me", Tags: tags,
		Summary: "Who this token acts as"}, auth.Viewer,
		func(ctx context.Context, _ *struct{}) (*meOut, error) {
			p := principal(ctx)
			out := &meOut{}
			out.Body.User, out.Body.Role, out.Body.Token = p.User, p.Role, p.Token
			return out, nil
		})
	register(s, huma.Operation{OperationID: "list-users", Method: http.MethodGet, Path: "/users", Tags: tags,
		Summary: "List users"}, auth.Admin,
		func(ctx context.Context, _ *struct{}) (*listOut[auth.User], error) {
			us, err := s.store.Users(ctx)
			return &listOut[auth.User]{Body: us}, err
		})
	register(s, huma.Operation{OperationID: "update-user", Method: http.MethodPut, Path: "/users/{id}", Tags: tags,
		Summary: "Change a user's name, role, or whether they are disabled", Errors: []int{http.StatusNotFound, http.StatusConflict}}, auth.Admin,
		func(ctx context.Context, in *userUpdateIn) (*itemOut[auth.User], error) {
			u, err := s.store.User(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			u.Name, u.Role, u.Revision = in.Body.Name, in.Body.Role, in.Body.Revision
			u.DisabledAt = nil
			if in.Body.Disabled {
				now := s.cfg.Clock.Now()
				u.DisabledAt = &now
			}
			if err := s.store.UpdateUser(ctx, actor(ctx), u); err != nil {
				return nil, err
			}
			return &itemOut[auth.User]{Body: u}, nil
		})
	register(s, huma.Operation{OperationID: "list-invitations", Method: http.MethodGet, Path: "/invitations", Tags: tags,
		Summary: "List setup links (without their codes)"}, auth.Admin,
		func(ctx context.Context, _ *struct{}) (*listOut[auth.Invitation], error) {
			is, err := s.store.Invitations(ctx)
			return &listOut[auth.Invitation]{Body: is}, err
		})
	register(s, huma.Operation{OperationID: "create-invitation", Method: http.MethodPost, Path: "/invitations", Tags: tags,
		Summary:       "Make a one-time setup link",
		Description:   "For a new address the link creates an account with the role given; for an existing one it sets a new password.",
		DefaultStatus: http.StatusCreated, Errors: []int{http.StatusUnprocessableEntity}}, auth.Admin,
		func(ctx context.Context, in *invitationIn) (*invitationOut, error) {
			if in.Body.Email == "" {
				return nil, psti.FieldErrorf(psti.EINVALID, "email", "E-mail address is required.")
			}
			code, inv, err := s.auth.Invite(ctx, actor(ctx), in.Body.Email, in.Body.Role)
			if err != nil {
				return nil, err
			}
			out := &invitationOut{}
			out.Body.Invitation, out.Body.SetupURL = inv, s.link("/setup/"+code)
			return out, nil
		})
	register(s, huma.Operation{OperationID: "revoke-invitation", Method: http.MethodPost, Path: "/invitations/{id}/revoke", Tags: tags,
		Summary: "Revoke a setup link at once", DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound}}, auth.Admin,
		func(ctx context.Context, in *idIn) (*struct{}, error) {
			return nil, s.store.RevokeInvitation(ctx, actor(ctx), in.ID, s.cfg.Clock.Now())
		})
	register(s, huma.Operation{OperationID: "list-tokens", Method: http.MethodGet, Path: "/tokens", Tags: tags,
		Summary: "List API tokens (without their secrets)"}, auth.Admin,
		func(ctx context.Context, _ *struct{}) (*listOut[auth.Token], error) {
			ts, err := s.store.Tokens(ctx, 0)
			return &listOut[auth.Token]{Body: ts}, err
		})
	register(s, huma.Operation{OperationID: "create-token", Method: http.MethodPost, Path: "/tokens", Tags: tags,
		Summary: "Make an API token", DefaultStatus: http.StatusCreated, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, auth.Admin,
		func(ctx context.Context, in *tokenIn) (*tokenOut, error) {
			email := auth.NormalizeEmail(in.Body.UserEmail)
			var pr psti.Problems
			pr.Email("user_email", "The owner's e-mail address", email, true)
			if err := pr.Err(); err != nil {
				return nil, err
			}
			u, err := s.store.UserByEmail(ctx, email)
			if err != nil {
				return nil, err
			}
			secret, t, err := s.auth.CreateToken(ctx, actor(ctx), u.ID, in.Body.Name, in.Body.Role, in.Body.ExpiresAt)
			if err != nil {
				return nil, err
			}
			out := &tokenOut{}
			out.Body.Token, out.Body.Secret = t, secret
			return out, nil
		})
	register(s, huma.Operation{OperationID: "revoke-token", Method: http.MethodPost, Path: "/tokens/{id}/revoke", Tags: tags,
		Summary: "Revoke an API token at once", DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound}}, auth.Admin,
		func(ctx context.Context, in *idIn) (*struct{}, error) {
			return nil, s.store.RevokeToken(ctx, actor(ctx), in.ID, s.cfg.Clock.Now())
		})
	register(s, huma.Operation{OperationID: "list-audit", Method: http.MethodGet, Path: "/audit", Tags: []string{"Audit trail"},
		Summary: "Read the audit trail, newest first", Description: "A full page has a Link header (rel=\"next\") to the next."}, auth.Viewer,
		func(ctx context.Context, in *auditIn) (*pageOut[psti.AuditEntry], error) {
			var pr psti.Problems
			pr.Text("entity", "The kind of record", in.Entity, false, 50)
			if err := pr.Err(); err != nil {
				return nil, err
			}
			es, err := s.store.Audit(ctx, psti.AuditFilter{Entity: in.Entity, EntityID: in.EntityID, BeforeID: in.BeforeID, Limit: in.Limit,
				Hide: hiddenFrom(principal(ctx).Role)})
			if err != nil {
				return nil, err
			}
			out := &pageOut[psti.AuditEntry]{Body: make([]*psti.AuditEntry, len(es))}
			for i := range es {
				out.Body[i] = &es[i]
			}
			if len(es) > 0 && len(es) == in.Limit {
				// Paged by id already (before_id): the next page's URL.
				q := withParent(url.Values{}, "entity_id", in.EntityID)
				if in.Entity != "" {
					q.Set("entity", in.Entity)
				}
				q.Set("before_id", strconv.FormatInt(es[len(es)-1].ID, 10))
				q.Set("limit", strconv.Itoa(in.Limit))
				out.Link = "<" + s.link(APIPrefix+"/audit?"+q.Encode()) + `>; rel="next"`
			}
			return out, nil
		})
}

func (s *Server) registerAPI() {
	s.registerRegisterAPI()
	s.registerPeopleAPI()
	s.registerPasswordsAPI()
	s.registerReportsAPI()
	s.registerSupportAPI()
	s.registerStatementAPI()
	s.registerScopeAPI()
	s.registerDutiesAPI()
	s.registerCasesAPI()
	s.registerStatementKeyAPI()
	s.registerAssessmentAPI()
	s.registerLogAPI()
	s.registerRequirementsAPI()
	s.registerCaseFileAPI()
}
