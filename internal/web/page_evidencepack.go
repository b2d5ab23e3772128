package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/psti/psti/internal/assessment/pack"
	"github.com/psti/psti/internal/auth"
)

// registerEvidencePack serves a product's evidence pack (package pack):
// one zip file with everything an enforcement officer would ask for, the
// same that psti evidence-pack writes.
func (s *Server) registerEvidencePack() {
	s.page("GET /admin/products/{id}/evidence-pack", auth.Viewer, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		p, ok := getRecord(s, w, r, s.store.Product)
		if !ok {
			return
		}
		in, err := s.store.EvidencePack(r.Context(), p.ID, s.cfg.Clock.Now())
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		data, err := pack.Build(in)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/zip")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="evidence-pack-%s-%s.zip"`, p.Slug, in.AsOf.Format("2006-01-02")))
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		_, _ = w.Write(data)
	})
}
