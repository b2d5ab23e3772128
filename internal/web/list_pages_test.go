package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store/storetest"
)

// TestListPagesByKey reads every list of the register and the list of
// statements a few records at a time, by the next links of the Link
// header, on both back ends, and finds each record once, in the order of
// the whole list read at once; records that tie on every sort column but
// the id (batches of one production date, products of one name and
// model) are split across pages. A cursor the server did not give is
// refused (issue 16).
func TestListPagesByKey(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b)
			ctx := context.Background()
			s := storetest.NewSeed(t, e.db)
			ed := psti.Actor{UserID: e.users[auth.Editor].ID, Label: "editor"}
			other := &product.Brand{OrganisationID: s.Org.ID, Name: "acme HOME 2"}
			must(t, e.db.CreateBrand(ctx, ed, other))
			must(t, e.db.CreateBrand(ctx, ed, &product.Brand{OrganisationID: s.Org.ID, Name: "Acme"}))
			// Products: the same name and model in both brands (and,
			// in one brand, for several hardware versions), in
			// either case.
			for i := range 9 {
				p := &product.Product{BrandID: []int64{s.Brand.ID, other.ID}[i%2], Name: []string{"Camera", "CAMERA", "Bulb"}[i%3], Type: "camera",
					ModelNumber: "C-1", HardwareVersion: fmt.Sprint("rev ", i)}
				must(t, e.db.CreateProduct(ctx, ed, p))
			}
			for i := range 14 {
				v := &product.Version{ProductID: s.Product.ID, Component: "firmware", Version: fmt.Sprint("1.", i), ReleasedOn: []string{"", "2026-01-02", "2026-03-04"}[i%3]}
				must(t, e.db.CreateVersion(ctx, ed, v))
				bt := &product.Batch{ProductID: s.Product.ID, Code: fmt.Sprint("B", i), FirstProduced: []string{"", "2026-01-02", "2026-01-02", "2026-03-04"}[i%4]}
				must(t, e.db.CreateBatch(ctx, ed, bt))
				if i%5 == 0 {
					_, err := e.db.SetArchived(ctx, ed, product.KindBatch, bt.ID, true)
					must(t, err)
				}
				m := &product.Manufacturer{Name: []string{"Maker", "maker"}[i%2], Address: "Somewhere"}
				must(t, e.db.CreateManufacturer(ctx, ed, m))
				o := &product.Organisation{LegalName: []string{"Org Ltd", "ORG LTD"}[i%2], Address: "Somewhere"}
				must(t, e.db.CreateOrganisation(ctx, ed, o))
				if i < 4 { // brands of the same name, of other organisations
					must(t, e.db.CreateBrand(ctx, ed, &product.Brand{OrganisationID: o.ID, Name: []string{"Acme Home", "ACME home"}[i%2]}))
				}
			}
			for range 7 {
				if st, body := e.json("POST", "/api/v1/statements", auth.Editor, map[string]any{"product_id": s.Product.ID}, nil); st != http.StatusCreated {
					t.Fatalf("draft a statement: %d %s", st, body)
				}
			}
			// The audit trail, paged by id (before_id) already: its
			// next links too.
			want := ids(t, e, "/api/v1/audit?entity=batch&limit=500")
			var got []int64
			next := "/api/v1/audit?entity=batch&limit=4"
			for pages := 0; next != "" && pages <= len(want); pages++ {
				var link string
				got = append(got, ids(t, e, next, &link)...)
				next = ""
				if m := regexp.MustCompile(`^<http://psti\.test(/api/v1/audit\?[^>]+)>; rel="next"$`).FindStringSubmatch(link); m != nil && strings.Contains(m[1], "entity=batch") {
					next = m[1]
				} else if link != "" {
					t.Fatalf("audit: next link %q", link)
				}
			}
			if len(want) < 5 || !slices.Equal(got, want) {
				t.Errorf("audit trail by next links:\n got %v\nwant %v", got, want)
			}
			lists := []string{"/organisations", "/manufacturers", "/brands", fmt.Sprint("/brands?organisation_id=", s.Org.ID),
				"/products", fmt.Sprint("/products?brand_id=", other.ID), "/versions", fmt.Sprint("/versions?product_id=", s.Product.ID),
				"/batches", "/batches?include_archived=true", fmt.Sprint("/batches?include_archived=true&product_id=", s.Product.ID),
				"/statements", fmt.Sprint("/statements?status=draft&product_id=", s.Product.ID)}
			for _, list := range lists {
				want := ids(t, e, "/api/v1"+list)
				if len(want) < 3 {
					t.Fatalf("%s: only %d records", list, len(want))
				}
				for _, size := range []int{1, 2, 3} {
					var got []int64
					next := fmt.Sprintf("/api/v1%s%slimit=%d", list, map[bool]string{false: "?", true: "&"}[strings.Contains(list, "?")], size)
					for pages := 0; next != "" && pages <= len(want)+1; pages++ {
						var link string
						got = append(got, ids(t, e, next, &link)...)
						next = ""
						if link != "" {
							m := regexp.MustCompile(`^<http://psti\.test(/api/v1[^>]+)>; rel="next"$`).FindStringSubmatch(link)
							if m == nil || !strings.Contains(m[1], "cursor=") {
								t.Fatalf("%s: next link %q", list, link)
							}
							for _, kv := range strings.Split(strings.TrimPrefix(list[strings.Index(list+"?", "?"):], "?"), "&") {
								if kv != "" && !strings.Contains(m[1], kv) {
									t.Fatalf("%s: the next link %q leaves out %s", list, link, kv)
								}
							}
							next = m[1]
						}
					}
					if !slices.Equal(got, want) {
						t.Errorf("%s, %d a page, by next links:\n got %v\nwant %v", list, size, got, want)
					}
				}
				path := "/api/v1" + list
				sep := map[bool]string{false: "?", true: "&"}[strings.Contains(list, "?")]
				for _, bad := range []string{"nonsense", psti.ListKey("a", "b", "c", "d", "e")} {
					res, body := e.call("GET", path+sep+"cursor="+bad, e.tokens[auth.Viewer], "", "")
					if res.StatusCode != http.StatusBadRequest && res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "cursor is not one this server gave") {
						t.Errorf("%s with cursor %q: %d %s", list, bad, res.StatusCode, body)
					}
				}
			}
		})
	}
}

// ids reads a page of a list and returns its records' ids, and its Link
// header into link, if given.
func ids(t *testing.T, e *env, path string, link ...*string) []int64 {
	t.Helper()
	res, body := e.call("GET", path, e.tokens[auth.Viewer], "", "")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %s", path, res.StatusCode, body)
	}
	var page []struct {
		ID int64 `json:"id"`
	}
	must(t, json.Unmarshal([]byte(body), &page))
	out := make([]int64, len(page))
	for i, r := range page {
		out[i] = r.ID
	}
	if len(link) > 0 {
		*link[0] = res.Header.Get("Link")
	} else if res.Header.Get("Link") != "" {
		t.Fatalf("%s: a page that is not full has a next link %q", path, res.Header.Get("Link"))
	}
	return out
}
