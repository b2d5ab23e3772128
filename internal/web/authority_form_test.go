package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/cases"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store/storetest"
)

// TestAuthorityNoticeOfAnyOrganisation: where psti holds several
// organisations, a notice from the authority that concerns no case yet can
// still be recorded on the staff page, for the organisation chosen.
func TestAuthorityNoticeOfAnyOrganisation(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	ctx := context.Background()
	storetest.NewSeed(t, e.db)
	other := &product.Organisation{LegalName: "Other Devices Ltd", Address: "3 Road\nYork"}
	must(t, e.db.CreateOrganisation(ctx, psti.System("test"), other))
	c := e.browser(auth.Editor)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	// Whose it is, not said: refused beside the field, never put on the
	// first organisation.
	res, err := c.PostForm(e.ts.URL+"/admin/authority-notices", url.Values{"kind": {"intent_compliance"}, "electronic": {"yes"},
		"sent-day": {"2"}, "sent-month": {"11"}, "sent-year": {"2026"}, "case_id": {"0"}})
	must(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(body), `name="organisation_id"`) || !strings.Contains(string(body), "Choose the organisation the notice was given to.") {
		t.Fatalf("no organisation chosen: status %d", res.StatusCode)
	}
	res, err = c.PostForm(e.ts.URL+"/admin/authority-notices", url.Values{"kind": {"intent_compliance"}, "reference": {"OPSS/1"}, "electronic": {"yes"},
		"sent-day": {"2"}, "sent-month": {"11"}, "sent-year": {"2026"}, "sent_time": {"10:00"}, "case_id": {"0"}, "organisation_id": {strconv.FormatInt(other.ID, 10)}})
	must(t, err)
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d: %s", res.StatusCode, body)
	}
	ns, err := e.db.AuthorityNotices(ctx, cases.AuthorityFilter{})
	must(t, err)
	if len(ns) != 1 || ns[0].OrganisationID != other.ID {
		t.Fatalf("notices %+v", ns)
	}
}

// TestLiftOnlyThisCasesHold: a case's page lifts only the holds that case
// placed; a hold id of another case posted there is refused and stays.
func TestLiftOnlyThisCasesHold(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	ctx := context.Background()
	seed := storetest.NewSeed(t, e.db)
	storetest.FillCases(t, e.db, seed)
	holds, err := e.db.Holds(ctx, cases.HoldFilter{})
	must(t, err)
	if len(holds) != 1 {
		t.Fatalf("holds %+v", holds)
	}
	clock := psti.SystemClock{}
	svc := &cases.Service{Store: e.db, Register: e.db, Reports: e.db, Policies: &disclosure.Service{Store: e.db, Register: e.db, Clock: clock}, Clock: clock}
	other, err := svc.Open(ctx, psti.System("test"), cases.Opening{Title: "Another", Items: []cases.Item{{ProductID: seed.Product.ID}}})
	must(t, err)
	c := e.browser(auth.Editor)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := c.PostForm(e.ts.URL+"/admin/cases/"+strconv.FormatInt(other.ID, 10)+"/lift", url.Values{"hold_id": {strconv.FormatInt(holds[0].ID, 10)}, "reason": {"Not ours"}})
	must(t, err)
	res.Body.Close()
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("lifting another case's hold: status %d", res.StatusCode)
	}
	still, err := e.db.Holds(ctx, cases.HoldFilter{})
	must(t, err)
	if len(still) != 1 {
		t.Fatal("another case's hold was lifted")
	}
}
