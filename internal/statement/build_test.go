package statement

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/support"
)

// records is an in-memory register for Build.
type records struct {
	products      map[int64]*product.Product
	manufacturers map[int64]*product.Manufacturer
	batches       map[int64]*product.Batch
	periods       []*support.Period
}

func (r *records) Product(_ context.Context, id int64) (*product.Product, error) {
	if p, ok := r.products[id]; ok {
		return p, nil
	}
	return nil, psti.Errorf(psti.ENOTFOUND, "no product %d", id)
}

func (r *records) Manufacturer(_ context.Context, id int64) (*product.Manufacturer, error) {
	return r.manufacturers[id], nil
}

func (r *records) Batch(_ context.Context, id int64) (*product.Batch, error) {
	if b, ok := r.batches[id]; ok {
		return b, nil
	}
	return nil, psti.Errorf(psti.ENOTFOUND, "no batch %d", id)
}

func (r *records) Periods(_ context.Context, f support.Filter) ([]*support.Period, error) {
	var out []*support.Period
	for _, p := range r.periods {
		if p.ProductID == f.ProductID {
			out = append(out, p)
		}
	}
	return out, nil
}

func register() *records {
	ext := time.Date(2027, 6, 1, 23, 30, 0, 0, time.UTC) // 00:30 on 2 June in London (BST)
	return &records{
		products: map[int64]*product.Product{
			1: {Record: psti.Record{ID: 1}, Type: "Video doorbell", ModelNumber: "AC-200", ManufacturerIDs: []int64{10, 11}},
			2: {Record: psti.Record{ID: 2}, Type: "Smart plug", ModelNumber: "SP-1"},
		},
		manufacturers: map[int64]*product.Manufacturer{
			10: {Name: "Acme Devices Ltd", Address: "1 High Street\nLondon"},
			11: {Name: "Fabryka Łódź sp. z o.o.", Address: "ul. Piotrkowska 1\n90-001 Łódź"},
		},
		batches: map[int64]*product.Batch{
			20: {ProductID: 1, Code: "B-2026-01"}, 21: {ProductID: 1, Code: "B-2026-02"}, 22: {ProductID: 1, Code: "B-2027-01"},
			30: {ProductID: 2, Code: "P-1"},
		},
		periods: []*support.Period{
			{ProductID: 1, EndDate: "2029-01-01", Status: support.StatusDraft, Models: []string{"AC-200 black"}},
			{ProductID: 1, EndDate: "2031-03-31", Status: support.StatusPublished,
				Extensions: []support.Extension{{PreviousEndDate: "2030-03-31", EndDate: "2031-03-31", At: ext}}},
			{ProductID: 2, EndDate: "2030-01-01", Status: support.StatusDraft},
		},
	}
}

func request(product int64, issued string, batches ...int64) Request {
	c := complete()
	return Request{ProductID: product, BatchIDs: batches, Claims: c.Claims, Signatory: c.Signatory, Place: "London", Issued: issued}
}

// TestBuild: a statement made from the records carries the product, every
// manufacturer and the support end date as it stood on the date of issue
// (PSTI-SOC-F6, PSTI-SOC-07).
func TestBuild(t *testing.T) {
	ctx := context.Background()
	r := register()
	s, err := Build(ctx, r, request(1, "2027-06-01", 20, 21, 22))
	if err != nil {
		t.Fatal(err, psti.ErrorFields(err))
	}
	if s.ProductType != "Video doorbell" || s.Model != "AC-200" || len(s.Batches) != 3 || len(s.Manufacturers) != 2 || s.Manufacturers[1].Address != "ul. Piotrkowska 1\n90-001 Łódź" {
		t.Fatalf("statement %+v", s)
	}
	// Issued on 1 June: the extension published in the first minutes of
	// 2 June (London) is not yet in force.
	if s.SupportEnd != "2030-03-31" {
		t.Fatalf("issued the day before the extension: support end %s, want 2030-03-31", s.SupportEnd)
	}
	s, err = Build(ctx, r, request(1, "2027-06-02", 20))
	if err != nil || s.SupportEnd != "2031-03-31" {
		t.Fatalf("issued the day of the extension: %s, %v", s.SupportEnd, err)
	}
}

// TestBuildRefusals: every problem is named at once.
func TestBuildRefusals(t *testing.T) {
	ctx := context.Background()
	_, err := Build(ctx, register(), request(1, "2027-06-01", 20, 30, 99))
	got := fields(err)
	if !strings.Contains(got["batches[1]"], "Batch P-1 is a batch of another product, not of AC-200") || !strings.Contains(got["batches[2]"], "There is no batch 99") {
		t.Fatalf("batches: %v", got)
	}
	_, err = Build(ctx, register(), request(2, "2027-06-01", 30))
	got = fields(err)
	if !strings.Contains(got["support_end"], "The support period of SP-1 is a draft; publish it first.") || !strings.Contains(got["manufacturers"], "Name the manufacturer of SP-1") {
		t.Fatalf("smart plug: %v", got)
	}
	if _, err := Build(ctx, register(), request(3, "2027-06-01")); psti.ErrorCode(err) != psti.ENOTFOUND {
		t.Fatalf("no such product: %v", err)
	}
}
