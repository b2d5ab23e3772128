package web

import (
	"net/http"
	"strconv"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/cases"
)

// registerCaseFilePages adds the staff downloads of a case's file: the
// links on a case's page. Each is downloaded, never shown inline: the
// file is kept and given on, and a page inside the site would run under
// the site's own address.
func (s *Server) registerCaseFilePages() {
	for _, format := range cases.FileFormats {
		s.page("GET /admin/cases/{id}/file."+format, auth.Viewer, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
			id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
			if err != nil || id <= 0 {
				s.errorPage(w, r, http.StatusNotFound, "There is no such case.")
				return
			}
			data, ct, err := s.caseFile(r.Context(), id, format)
			if err != nil {
				s.pageError(w, r, err)
				return
			}
			h := w.Header()
			h.Set("Content-Type", ct)
			h.Set("Content-Disposition", attachmentDisposition(cases.FileName(id, format), "case-file"))
			// The HTML file's own style is inline; nothing else may load or run.
			h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
			h.Set("Cache-Control", "private, no-store")
			h.Set("Content-Length", strconv.Itoa(len(data)))
			_, _ = w.Write(data)
		})
	}
}
