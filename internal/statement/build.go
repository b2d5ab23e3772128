package statement

import (
	"context"
	"strconv"
	"time"

	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/support"
)

// Records is what a statement is made from: the register and the support
// periods (store.DB has them all).
type Records interface {
	Product(ctx context.Context, id int64) (*product.Product, error)
	Manufacturer(ctx context.Context, id int64) (*product.Manufacturer, error)
	Batch(ctx context.Context, id int64) (*product.Batch, error)
	Periods(ctx context.Context, f support.Filter) ([]*support.Period, error)
}

// Request is what a person chooses when making a statement; the rest
// comes from the records.
type Request struct {
	ProductID       int64     `json:"product_id" minimum:"1"`
	BatchIDs        []int64   `json:"batch_ids,omitempty" maxItems:"200" doc:"The product's batches the statement covers."`
	Representatives []Party   `json:"representatives,omitempty" maxItems:"20" doc:"Authorised representatives, if the manufacturer appointed any."`
	OnBehalf        bool      `json:"prepared_on_behalf,omitempty" doc:"Prepared on behalf of the manufacturer, rather than by it."`
	Claims          []Claim   `json:"claims,omitempty" maxItems:"10" doc:"How each Schedule 1 requirement (paragraphs 1 to 3) is met."`
	Signatory       Signatory `json:"signatory,omitempty"`
	Place           string    `json:"place,omitempty" maxLength:"200" doc:"Place of issue."`
	Issued          string    `json:"issued,omitempty" maxLength:"10" doc:"Date of issue, YYYY-MM-DD: today or earlier."`
	// Label records the label route (Schedule 2A) instead of a
	// statement: the product's accepted label stands in for it.
	Label *Label `json:"label,omitempty" doc:"Only for the label route: the accepted label (JC-STAR STAR-1 or Singapore CLS) that stands in for a statement while it has not expired."`
}

// Build makes a statement from psti's records and a request: the
// product's type and model, the batches' codes, every manufacturer's name
// and address, and the end of its defined support period as it stood on
// the date of issue (PSTI-SOC-F6: the period correct when the product was
// first supplied; PSTI-SOC-07: a batch first supplied after an extension
// carries the extended date). It reports every problem at once, field by
// field: a batch of another product, and everything Validate finds.
func Build(ctx context.Context, r Records, req Request) (*Statement, error) {
	p, err := r.Product(ctx, req.ProductID)
	if err != nil {
		return nil, err
	}
	s := &Statement{ProductType: p.Type, Model: p.ModelNumber, Representatives: req.Representatives, OnBehalf: req.OnBehalf,
		Claims: req.Claims, Signatory: req.Signatory, Place: req.Place, Issued: req.Issued, Label: req.Label}
	var extra psti.Problems
	for i, id := range req.BatchIDs {
		b, err := r.Batch(ctx, id)
		if psti.ErrorCode(err) == psti.ENOTFOUND {
			extra.Add("batches["+strconv.Itoa(i)+"]", "There is no batch %d.", id)
			continue
		}
		if err != nil {
			return nil, err
		}
		if b.ProductID != p.ID {
			extra.Add("batches["+strconv.Itoa(i)+"]", "Batch %s is a batch of another product, not of %s.", b.Code, p.ModelNumber)
			continue
		}
		s.Batches = append(s.Batches, b.Code)
	}
	for _, id := range p.ManufacturerIDs {
		m, err := r.Manufacturer(ctx, id)
		if err != nil {
			return nil, err
		}
		s.Manufacturers = append(s.Manufacturers, Party{Name: m.Name, Address: m.Address})
	}
	periods, err := r.Periods(ctx, support.Filter{ProductID: p.ID})
	if err != nil {
		return nil, err
	}
	if period := periodFor(periods); period != nil {
		s.SupportDraft = !period.Published()
		s.SupportEnd = statedEnd(period, req.Issued)
	}
	err = s.Validate()
	for _, f := range psti.ErrorFields(extra.Err()) {
		err = addProblem(err, f)
	}
	return s, err
}

// addProblem adds a field problem to a validation error (or to none).
func addProblem(err error, f psti.FieldError) error {
	return psti.FieldsErr(append(psti.ErrorFields(err), f)...)
}

// periodFor chooses the support period a statement states: a published
// one for the whole product before one narrowed to some models, and a
// published one before a draft (which issuing then refuses).
func periodFor(periods []*support.Period) *support.Period {
	var best *support.Period
	rank := func(p *support.Period) int {
		r := 0
		if p.Published() {
			r += 2
		}
		if len(p.Models) == 0 {
			r++
		}
		return r
	}
	for _, p := range periods {
		if best == nil || rank(p) > rank(best) {
			best = p
		}
	}
	return best
}

// statedEnd is the support end date a statement issued on issued
// (YYYY-MM-DD) states from period: the end it had then, once published;
// a draft's, or without a date of issue, its end date as it stands.
func statedEnd(period *support.Period, issued string) string {
	if d, err := psti.ParseDate(issued); err == nil && period.Published() {
		return EndOn(period, psti.EndOfDay(d))
	}
	return period.EndDate
}

// EndOn is the end date a published period had just before the instant
// at: its first published end date, moved by every extension published
// before then.
func EndOn(p *support.Period, at time.Time) string {
	end := p.EndDate
	if len(p.Extensions) > 0 {
		end = p.Extensions[0].PreviousEndDate
	}
	for _, e := range p.Extensions {
		if e.At.Before(at) {
			end = e.EndDate
		}
	}
	return end
}
