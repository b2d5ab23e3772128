package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/danielgtaylor/huma/v2"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/statement"
)

// Statements of compliance over JSON, for staff: draft one from a
// product's records, see every field it lacks, issue it and correct it by
// a new version. The public reads issued statements at their pages and
// copies (/statements/{number}/{version}/statement.json and the rest).

// StatementOut is a statement with where the public reads it and what a
// draft still lacks before it can be issued.
type StatementOut struct {
	*statement.Record
	PublicURL string            `json:"public_url,omitempty" doc:"The page of an issued version; drafts are never public."`
	Problems  []psti.FieldError `json:"problems" doc:"Every field a draft lacks or gets wrong, which issuing would refuse; empty when it can be issued."`
}

func (s *Server) statementOut(r *statement.Record, problems []psti.FieldError) *StatementOut {
	out := &StatementOut{Record: r, Problems: problems}
	if out.Problems == nil {
		out.Problems = []psti.FieldError{}
	}
	if r.Status == statement.StatusIssued {
		out.PublicURL = s.statements.URL(r.Number, r.Version)
	}
	return out
}

type statementListIn struct {
	ProductID int64  `query:"product_id" minimum:"0" doc:"Only the statements of this product."`
	Status    string `query:"status" enum:"draft,issued," doc:"Only drafts, or only issued versions."`
	Limit     int    `query:"limit" minimum:"1" maximum:"500" default:"500" doc:"At most this many statements."`
	Cursor    string `query:"cursor" maxLength:"100" doc:"Continue after the last statement of a page: the cursor of the Link header's next URL."`
}

type statementUpdateIn struct {
	ID   int64 `path:"id" minimum:"1" doc:"Statement id (of one version)."`
	Body struct {
		statement.Request
		Revision int64 `json:"revision,omitempty" minimum:"0" doc:"The revision you last read; the draft is not changed if it changed since."`
	}
}

// RetentionItem is an issued statement as the retention report lists it.
type RetentionItem struct {
	ID        int64  `json:"id"`
	Number    string `json:"number"`
	Version   int    `json:"version"`
	ProductID int64  `json:"product_id"`
	Issued    string `json:"issued" format:"date"`
	KeepUntil string `json:"keep_until" format:"date" doc:"The last day the law asks it to be kept: 10 years from issue, or the end of the support period it states if later. psti keeps it for good."`
	Current   bool   `json:"current" doc:"false once a later version corrects it; a corrected version is kept all the same."`
}

type noBody struct{}

type issueIn struct {
	ID       int64 `path:"id" minimum:"1" doc:"Statement id (of one version)."`
	Revision int64 `query:"revision" minimum:"0" doc:"The draft's revision you read; it is not issued if it changed since."`
}

func (s *Server) registerStatementAPI() {
	tags := []string{"Statements of compliance"}
	register(s, huma.Operation{OperationID: "list-statements", Method: http.MethodGet, Path: "/statements", Tags: tags,
		Summary: "List statements of compliance", Description: "Drafts and issued versions, newest first, without their copies. " +
			"A full page carries a Link header with the URL of the next (rel=\"next\"), which repeats the filters and adds cursor."}, auth.Viewer,
		func(ctx context.Context, in *statementListIn) (*pageOut[statement.Record], error) {
			rs, err := s.store.Statements(ctx, statement.Filter{ProductID: in.ProductID, Status: in.Status, Limit: in.Limit, After: in.Cursor})
			if err != nil {
				return nil, err
			}
			q := withParent(url.Values{}, "product_id", in.ProductID)
			if in.Status != "" {
				q.Set("status", in.Status)
			}
			return &pageOut[statement.Record]{Body: rs, Link: s.nextPage("/statements", q, len(rs), in.Limit, func() string { return rs[len(rs)-1].ListKey() })}, nil
		})
	register(s, huma.Operation{OperationID: "statement-retention", Method: http.MethodGet, Path: "/statements/retention", Tags: tags,
		Summary:     "List the statements kept, and until when",
		Description: "Every issued statement, with the last day the law asks it to be kept (PSTI-SOC-05), soonest first. None can be deleted."}, auth.Viewer,
		func(ctx context.Context, _ *struct{}) (*listOut[RetentionItem], error) {
			rs, err := s.store.Retention(ctx)
			out := make([]*RetentionItem, 0, len(rs))
			for _, r := range rs {
				out = append(out, &RetentionItem{ID: r.ID, Number: r.Number, Version: r.Version, ProductID: r.ProductID, Issued: r.Content.Issued,
					KeepUntil: r.KeepUntil, Current: r.SupersededBy == nil})
			}
			return &listOut[RetentionItem]{Body: out}, err
		})
	register(s, huma.Operation{OperationID: "get-statement", Method: http.MethodGet, Path: "/statements/{id}", Tags: tags,
		Summary: "Read a statement of compliance", Description: "One version, with its copies' SHA-256 once issued, or a draft with what it lacks.",
		Errors: []int{http.StatusNotFound}}, auth.Viewer,
		func(ctx context.Context, in *idIn) (*itemOut[StatementOut], error) {
			r, err := s.store.Statement(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			problems, err := s.statements.Problems(ctx, r)
			if err != nil {
				return nil, err
			}
			return &itemOut[StatementOut]{Body: s.statementOut(r, problems)}, nil
		})
	register(s, huma.Operation{OperationID: "create-statement", Method: http.MethodPost, Path: "/statements", Tags: tags,
		Summary: "Draft a statement of compliance",
		Description: "Builds a draft from the product's records (its type, model, manufacturers and their addresses, and its support period) and what you choose " +
			"(batches, representatives, how each requirement is met, the signatory, place and date of issue). The draft is saved even when fields are missing; " +
			"problems lists every one, field by field.",
		DefaultStatus: http.StatusCreated, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, auth.Editor,
		func(ctx context.Context, in *bodyIn[statement.Request]) (*createdOut[StatementOut], error) {
			r, problems, err := s.statements.Create(ctx, actor(ctx), in.Body)
			if err != nil {
				return nil, err
			}
			return &createdOut[StatementOut]{Location: fmt.Sprintf("%s/statements/%d", APIPrefix, r.ID), Body: s.statementOut(r, problems)}, nil
		})
	register(s, huma.Operation{OperationID: "update-statement", Method: http.MethodPut, Path: "/statements/{id}", Tags: tags,
		Summary:     "Change a draft statement",
		Description: "Rebuilds the draft from the product's records as they are now and what you choose. An issued statement never changes (409): correct it with a new version.",
		Errors:      []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}}, auth.Editor,
		func(ctx context.Context, in *statementUpdateIn) (*itemOut[StatementOut], error) {
			r, problems, err := s.statements.Update(ctx, actor(ctx), in.ID, in.Body.Revision, in.Body.Request)
			if err != nil {
				return nil, err
			}
			return &itemOut[StatementOut]{Body: s.statementOut(r, problems)}, nil
		})
	register(s, huma.Operation{OperationID: "issue-statement", Method: http.MethodPost, Path: "/statements/{id}/issue", Tags: tags,
		Summary: "Issue a draft statement",
		Description: "Renders it (HTML, PDF, JSON), signs the PDF and the JSON with the signing key in place, publishes it and records every copy's SHA-256 in the " +
			"transparency log. From then on it never changes and is never deleted. A draft that lacks any field is refused (422), naming each.",
		Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}}, auth.Editor,
		func(ctx context.Context, in *issueIn) (*itemOut[StatementOut], error) {
			r, err := s.statements.Issue(ctx, actor(ctx), in.ID, in.Revision)
			if err != nil {
				return nil, err
			}
			return &itemOut[StatementOut]{Body: s.statementOut(r, nil)}, nil
		})
	register(s, huma.Operation{OperationID: "correct-statement", Method: http.MethodPost, Path: "/statements/{id}/corrections", Tags: tags,
		Summary: "Start a corrected version of an issued statement",
		Description: "A draft of the next version, with the same content, to change and issue. The issued version stays current until the correction is issued, " +
			"and is kept after.",
		DefaultStatus: http.StatusCreated, Errors: []int{http.StatusNotFound, http.StatusConflict}}, auth.Editor,
		func(ctx context.Context, in *idIn) (*createdOut[StatementOut], error) {
			r, err := s.statements.Correct(ctx, actor(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			problems, err := s.statements.Problems(ctx, r)
			if err != nil {
				return nil, err
			}
			return &createdOut[StatementOut]{Location: fmt.Sprintf("%s/statements/%d", APIPrefix, r.ID), Body: s.statementOut(r, problems)}, nil
		})
	register(s, huma.Operation{OperationID: "delete-statement", Method: http.MethodDelete, Path: "/statements/{id}", Tags: tags,
		Summary:       "Delete a draft statement",
		Description:   "Only a draft. An issued statement is kept (409): the law asks for it to be kept for 10 years from issue or the support period it states, if longer.",
		DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound, http.StatusConflict}}, auth.Editor,
		func(ctx context.Context, in *idIn) (*noBody, error) {
			return nil, s.store.DeleteStatement(ctx, actor(ctx), in.ID)
		})
}
