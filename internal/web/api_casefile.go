package web

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/cases"
)

// A compliance case's file (issue 15), for the enforcement authority or a
// court: the case, its duties, timeline, notices as sent, holds, records
// and the authority's notices, as JSON, HTML or PDF. Staff only: it is
// the business's own account. It never holds a reporter's identity.

type caseFileIn struct {
	ID     int64  `path:"id" minimum:"1" doc:"The case."`
	Format string `query:"format" enum:"json,html,pdf" default:"json" doc:"json (the default), html (one printable page, no scripts) or pdf (A4)."`
}

type caseFileOut struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	CacheControl       string `header:"Cache-Control"`
	Body               []byte
}

func (s *Server) registerCaseFileAPI() {
	register(s, huma.Operation{OperationID: "get-case-file", Method: http.MethodGet, Path: "/cases/{id}/file", Tags: []string{"Compliance cases"},
		Summary: "Download a case's file",
		Description: "Everything kept about a compliance case, for the enforcement authority or a court: the organisation, the case and its facts in words, " +
			"each duty with its state, timing, target and when and by whom it was done (or why it is not required), the whole timeline, " +
			"each notice exactly as sent (drafts are left out), holds on supply, every version of its s.12/s.20 records with corrections linked, " +
			"the authority's notices with the periods they start, and the issued statements of compliance of its products with the SHA-256 of each PDF kept. " +
			"For a case opened from a security report, only the report's number, the day it was received and its summary: never who reported it. " +
			"Downloaded as case-ID.json, .html or .pdf.",
		Errors: []int{http.StatusNotFound},
		Responses: map[string]*huma.Response{"200": {Description: "The case file.", Content: map[string]*huma.MediaType{
			"application/json": {Schema: &huma.Schema{Type: huma.TypeObject, Description: "The case file as JSON."}},
			"text/html":        {Schema: &huma.Schema{Type: huma.TypeString, Description: "The case file as one printable HTML page."}},
			"application/pdf":  {Schema: &huma.Schema{Type: huma.TypeString, Format: "binary", Description: "The case file as an A4 PDF."}},
		}}}}, auth.Viewer,
		func(ctx context.Context, in *caseFileIn) (*caseFileOut, error) {
			data, ct, err := s.caseFile(ctx, in.ID, in.Format)
			if err != nil {
				return nil, err
			}
			return &caseFileOut{ContentType: ct, ContentDisposition: attachmentDisposition(cases.FileName(in.ID, in.Format), "case-file"),
				CacheControl: "private, no-store", Body: data}, nil
		})
}

// caseFile gathers case id's file and renders it in format.
func (s *Server) caseFile(ctx context.Context, id int64, format string) ([]byte, string, error) {
	f, err := s.cases.Export(ctx, id)
	if err != nil {
		return nil, "", err
	}
	return cases.Render(f, format)
}
