package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/psti/psti/internal/assessment"
	"github.com/psti/psti/internal/auth"
)

// Assessments over JSON: read a product's assessment with psti's proof,
// change a row, keep and read evidence files.

type rowIn struct {
	ID          int64  `path:"id" minimum:"1" doc:"Product id."`
	Requirement string `path:"requirement" maxLength:"40" doc:"The requirement's id, e.g. PSTI-PW-01."`
	Body        rowBody
}

type rowBody struct {
	Route        string `json:"route" enum:"direct,provision,label"`
	Standard     string `json:"standard,omitempty" maxLength:"200" doc:"For the provision route: the standard, e.g. ETSI EN 303 645 V2.1.1."`
	Provisions   string `json:"provisions,omitempty" maxLength:"200" doc:"For the provision route: the provisions relied on, e.g. 5.1-1, 5.1-2."`
	LabelScheme  string `json:"label_scheme,omitempty" maxLength:"40" doc:"For the label route: jc-star-star-1 or sg-cls."`
	LabelID      string `json:"label_id,omitempty" maxLength:"200" doc:"For the label route: the label's number."`
	LabelExpires string `json:"label_expires,omitempty" maxLength:"10" doc:"For the label route: the last day the label is valid, YYYY-MM-DD (PSTI-DC-05)."`
	Status       string `json:"status" enum:"not_started,in_progress,met,not_applicable"`
	Reason       string `json:"reason,omitempty" maxLength:"1000" doc:"Why the requirement does not apply; needed for not_applicable."`
	Note         string `json:"note,omitempty" maxLength:"2000"`
	Revision     int64  `json:"revision" minimum:"0" doc:"The row's revision as read: 0 for a row never saved. A row changed since is refused (409)."`
}

// evidenceUploadIn takes the body as it arrives: the file itself, or a
// multipart form with it in "file".
type evidenceUploadIn struct {
	ID          int64  `path:"id" minimum:"1" doc:"Product id."`
	Requirement string `path:"requirement" maxLength:"40" doc:"The requirement's id, e.g. PSTI-PW-01."`
	Name        string `query:"name" maxLength:"200" doc:"The file's name, when the body is the file itself."`
	ContentType string `header:"Content-Type"`
	body        io.Reader
}

func (in *evidenceUploadIn) Resolve(ctx huma.Context) []error {
	in.body = ctx.BodyReader()
	if _, w := humago.Unwrap(ctx); w != nil {
		extendDeadlines(w)
	}
	return nil
}

type evidenceIn struct {
	ID   int64 `path:"id" minimum:"1" doc:"Product id."`
	File int64 `path:"file" minimum:"1" doc:"Evidence file id."`
}

func (s *Server) registerAssessmentAPI() {
	tags := []string{"Assessments"}
	register(s, huma.Operation{OperationID: "get-assessment", Method: http.MethodGet, Path: "/products/{id}/assessment", Tags: tags,
		Summary: "Read a product's assessment",
		Description: "One item per requirement the product is assessed against: the row staff saved (route, status, note), what psti's own records show " +
			"(proofs: password audits, the published disclosure policy, the published support period and its history), the evidence files kept, " +
			"and where it stands once these are counted (effective, light, text). A label route whose label has expired is not met (PSTI-DC-05).",
		Errors: []int{http.StatusNotFound}}, auth.Viewer,
		func(ctx context.Context, in *idIn) (*itemOut[assessment.Assessment], error) {
			a, err := s.assessments.Read(ctx, in.ID)
			return &itemOut[assessment.Assessment]{Body: a}, err
		})
	register(s, huma.Operation{OperationID: "update-assessment-row", Method: http.MethodPut, Path: "/products/{id}/assessment/{requirement}", Tags: tags,
		Summary: "Change one row of a product's assessment",
		Description: "Sets how the requirement is met and how far it stands. Send the revision you read (0 for a row never saved): a row changed since " +
			"is refused (409). A label route needs the label's scheme, number and expiry date; not_applicable needs a reason. Every change is kept in the audit trail.",
		Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}}, auth.Editor,
		func(ctx context.Context, in *rowIn) (*itemOut[assessment.Item], error) {
			b := in.Body
			row := &assessment.Row{ProductID: in.ID, Requirement: in.Requirement, Route: b.Route, Standard: b.Standard, Provisions: b.Provisions,
				LabelScheme: b.LabelScheme, LabelID: b.LabelID, LabelExpires: b.LabelExpires, Status: b.Status, Reason: b.Reason, Note: b.Note, Revision: b.Revision}
			if err := s.assessments.Save(ctx, actor(ctx), row); err != nil {
				return nil, err
			}
			a, err := s.assessments.Read(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			return &itemOut[assessment.Item]{Body: a.Item(in.Requirement)}, nil
		})
	register(s, huma.Operation{OperationID: "add-assessment-evidence", Method: http.MethodPost, Path: "/products/{id}/assessment/{requirement}/evidence", Tags: tags,
		Summary: "Keep an evidence file for one row",
		Description: fmt.Sprintf("Send the file as the body (its Content-Type, and its name in ?name=), or as multipart/form-data with the file in \"file\". "+
			"At most %d MB. Its SHA-256 is kept with it; it is never deleted, only archived.", assessment.MaxEvidence>>20),
		DefaultStatus: http.StatusCreated, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, auth.Editor,
		func(ctx context.Context, in *evidenceUploadIn) (*createdOut[assessment.Evidence], error) {
			e, err := s.keepEvidence(ctx, actor(ctx), in.ID, in.Requirement, in.ContentType, in.body, in.Name, nil)
			if err != nil {
				return nil, err
			}
			return &createdOut[assessment.Evidence]{Location: fmt.Sprintf("%s/products/%d/assessment/evidence/%d", APIPrefix, in.ID, e.ID), Body: e}, nil
		})
	// The body is described here, after registering, so that huma leaves
	// it for the handler to stream.
	binary := &huma.Schema{Type: "string", Format: "binary"}
	for _, item := range s.api.OpenAPI().Paths {
		if op := item.Post; op != nil && op.OperationID == "add-assessment-evidence" {
			op.RequestBody = &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
				"application/octet-stream": {Schema: binary},
				"multipart/form-data": {Schema: &huma.Schema{Type: "object", Required: []string{"file"}, Properties: map[string]*huma.Schema{
					"file": binary,
				}}},
			}}
		}
	}
	register(s, huma.Operation{OperationID: "get-assessment-evidence", Method: http.MethodGet, Path: "/products/{id}/assessment/evidence/{file}", Tags: tags,
		Summary: "Download an evidence file", Description: "The file as it was kept, byte for byte; its SHA-256 is in the Repr-Digest header (RFC 9530).",
		Errors: []int{http.StatusNotFound}}, auth.Viewer,
		func(ctx context.Context, in *evidenceIn) (*huma.StreamResponse, error) {
			e, err := s.store.Evidence(ctx, in.ID, in.File)
			if err != nil {
				return nil, err
			}
			return &huma.StreamResponse{Body: func(hc huma.Context) {
				hc.SetHeader("Content-Type", "application/octet-stream")
				hc.SetHeader("Content-Disposition", attachmentDisposition(e.Name, "evidence"))
				hc.SetHeader("Content-Length", strconv.FormatInt(e.Size, 10))
				hc.SetHeader("Repr-Digest", reprDigest(e.SHA256))
				hc.SetHeader("Cache-Control", "private, no-store")
				if err := s.store.WriteEvidence(context.WithoutCancel(ctx), e.ProductID, e.ID, hc.BodyWriter()); err != nil {
					s.log.Error("sending an evidence file", "product", e.ProductID, "file", e.ID, "err", err)
				}
			}}, nil
		})
}
