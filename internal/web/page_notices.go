package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/cases"
	"github.com/psti/psti/internal/psti"
)

// A notice a case's duty calls for: staff edit the draft psti wrote, each
// item under its label with the subsection that asks for it, and send it;
// once sent it is shown exactly as sent, and never changes.

type noticeItemView struct {
	cases.NoticeItem
	Error string
}

type noticePageData struct {
	Notice   *cases.Notice
	Case     *cases.Case
	Duty     string
	Items    []noticeItemView
	Editor   bool
	Sent     *sentForm
	Method   string
	SentWhen string
	How      string
}

func (s *Server) registerNoticePages() {
	s.page("GET /admin/notices/{id}", auth.Viewer, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		s.showNotice(w, r, u, nil, http.StatusOK)
	})
	// One form, two buttons: save the draft, or save it and send it. A
	// send refused for an empty required item keeps what was typed (it
	// is saved) and says which item, beside it.
	s.page("POST /admin/notices/{id}", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		id := pathID(r)
		f := r.PostForm
		n := &cases.Notice{ID: id, Revision: formInt(r, "revision"), ToName: strings.TrimSpace(f.Get("to_name")), ToEmail: strings.TrimSpace(f.Get("to_email")),
			Method: f.Get("method"), Subject: strings.TrimSpace(f.Get("subject"))}
		for k := range f {
			if key, ok := strings.CutPrefix(k, "item_"); ok {
				n.Items = append(n.Items, cases.NoticeItem{Key: key, Text: strings.ReplaceAll(f.Get(k), "\r\n", "\n")})
			}
		}
		a := userActor(u)
		err := s.cases.SaveNotice(r.Context(), a, n)
		if err == nil && f.Get("action") == "send" {
			_, err = s.cases.SendNotice(r.Context(), a, id, n.Revision)
			if err == nil {
				s.redirect(w, r, noticePath(id), "Notice sent. The exact text sent is kept below.")
				return
			}
		}
		if err != nil {
			code := psti.ErrorCode(err)
			if code != psti.EINVALID && code != psti.ECONFLICT {
				s.pageError(w, r, err)
				return
			}
			s.showNotice(w, r, u, newSent("notice", f, err), statusOf(code))
			return
		}
		s.redirect(w, r, noticePath(id), "Draft saved.")
	})
}

func (s *Server) showNotice(w http.ResponseWriter, r *http.Request, u *auth.User, sent *sentForm, status int) {
	ctx := r.Context()
	id := pathID(r)
	if id <= 0 {
		s.errorPage(w, r, http.StatusNotFound, "There is no such notice.")
		return
	}
	n, err := s.store.Notice(ctx, id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	c, err := s.cases.Case(ctx, n.CaseID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if sent == nil {
		sent = &sentForm{}
	}
	d := noticePageData{Notice: n, Case: c, Sent: sent, Editor: u.Role.Allows(auth.Editor) && n.State == cases.NoticeDraft && c.Status == cases.Open,
		Method: sent.Val("notice", "method", n.Method)}
	if x := caseDuty(c, n.DutyKey); x != nil {
		d.Duty = fmt.Sprintf("%s (%s, %s)", capital(cases.DutyText(x.Duty)), x.Section, cases.TimingText(x.Timing))
	}
	for _, it := range n.Items {
		v := noticeItemView{NoticeItem: it}
		if sent.Is("notice") {
			v.Text = sent.Values.Get("item_" + it.Key)
			v.Error = sent.Err("notice", "item_"+it.Key)
		}
		d.Items = append(d.Items, v)
	}
	if n.State == cases.NoticeSent && n.SentAt != nil {
		d.SentWhen = psti.LongDateTime(*n.SentAt)
		d.How = map[string]string{"email": "by e-mail to " + n.ToEmail, "post": "by post", "other": "another way, recorded by staff"}[n.Method]
	}
	title := fmt.Sprintf("Notice %d to %s", n.ID, n.ToName)
	if n.State == cases.NoticeDraft {
		title = fmt.Sprintf("Draft notice %d to %s", n.ID, n.ToName)
	}
	s.render(w, r, status, "notice", &view{Title: title, User: u, Section: "cases", Data: d})
}
