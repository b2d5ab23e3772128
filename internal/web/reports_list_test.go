package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/store/storetest"
)

// TestReportListPages reads the staff list of reports a page at a time,
// by the API's next links and by the page's, and finds every report once,
// in the order of the whole list.
func TestReportListPages(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	ctx := context.Background()
	now := time.Now().UTC()
	for i := range 105 {
		_, h := disclosure.NewReceipt()
		r := &disclosure.Report{Summary: fmt.Sprintf("report %d", i), Details: "d", Status: disclosure.StatusReceived, ReceivedAt: now}
		if i%4 != 0 {
			due := now.Add(time.Duration(i%9) * time.Hour)
			r.Due, r.DueWhat = &due, "acknowledgement"
		}
		if err := e.db.SubmitReport(ctx, r, h, disclosure.Event{At: now, Kind: disclosure.EventReceived, Public: true, Status: r.Status}); err != nil {
			t.Fatal(err)
		}
	}
	var all []disclosure.Report
	if st, body := e.json("GET", "/api/v1/reports?limit=1000", auth.Viewer, nil, &all); st != http.StatusOK || len(all) != 105 {
		t.Fatalf("whole list: %d %s", st, body)
	}
	var want []int64
	for _, r := range all {
		want = append(want, r.ID)
	}

	// The API: a Link to the next page while pages are full.
	link := regexp.MustCompile(`^<http://psti\.test(/api/v1/reports\?[^>]+)>; rel="next"$`)
	var got []int64
	path := "/api/v1/reports?status=open&limit=10"
	for pages := 0; path != "" && pages < 20; pages++ {
		res, body := e.call("GET", path, e.tokens[auth.Viewer], "", "")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", path, res.StatusCode, body)
		}
		var page []disclosure.Report
		if err := json.Unmarshal([]byte(body), &page); err != nil {
			t.Fatal(err)
		}
		for _, r := range page {
			got = append(got, r.ID)
		}
		path = ""
		if h := res.Header.Get("Link"); h != "" {
			m := link.FindStringSubmatch(h)
			if m == nil || !strings.Contains(m[1], "status=open") || !strings.Contains(m[1], "limit=10") {
				t.Fatalf("next link %q", h)
			}
			path = m[1]
		} else if len(page) == 10 {
			t.Fatalf("a full page without a next link")
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("by next links:\n got %v\nwant %v", got, want)
	}
	if res, _ := e.call("GET", "/api/v1/reports?cursor=nonsense", e.tokens[auth.Viewer], "", ""); res.StatusCode != http.StatusUnprocessableEntity && res.StatusCode != http.StatusBadRequest {
		t.Fatalf("a cursor the server did not give: %d", res.StatusCode)
	}

	// The page: 100 reports, then a link to the other 5.
	c := e.browser(auth.Viewer)
	res, err := c.Get(e.ts.URL + "/admin/reports")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	rows := regexp.MustCompile(`<a href="/admin/reports/(\d+)">`)
	next := regexp.MustCompile(`<a href="(/admin/reports\?[^"]+)">Next page</a>`)
	m := next.FindSubmatch(b)
	if n := len(rows.FindAll(b, -1)); res.StatusCode != http.StatusOK || n != 100 || m == nil {
		t.Fatalf("first page: %d, %d reports, next link %q", res.StatusCode, n, m)
	}
	res, err = c.Get(e.ts.URL + strings.ReplaceAll(string(m[1]), "&amp;", "&"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	var second []string
	for _, m := range rows.FindAllSubmatch(b, -1) {
		second = append(second, string(m[1]))
	}
	var wantSecond []string
	for _, id := range want[100:] {
		wantSecond = append(wantSecond, fmt.Sprint(id))
	}
	if res.StatusCode != http.StatusOK || !slices.Equal(second, wantSecond) || next.Match(b) {
		t.Fatalf("second page: %d, reports %v, want %v", res.StatusCode, second, wantSecond)
	}
}
