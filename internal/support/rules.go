package support

import (
	"slices"
	"strings"
	"time"

	"github.com/psti/psti/internal/psti"
)

// ShortenRefused is why an earlier end date is refused, in the words the
// pages and the API give next to the field.
const ShortenRefused = "Once a support period is published, the law allows it to be extended but never shortened (PSTI-DSP-05)."

// Publish makes draft p public at now: a deliberate act by an editor, after
// which its end date only moves later. p must be valid.
func Publish(p *Period, now time.Time) error {
	if p.Published() {
		return psti.Errorf(psti.ECONFLICT, "This support period is published already (on %s).", psti.LongDate(*p.FirstPublishedAt))
	}
	draft := *p
	draft.Status = StatusPublished
	if err := draft.Validate(); err != nil {
		return err
	}
	p.Status, p.FirstPublishedAt, p.UpdatedAt = StatusPublished, &now, now
	p.Revision++
	return nil
}

// Extend moves published period p's end date to endDate, later than the
// current one, for reason, at now, and returns the extension to publish
// (PSTI-DSP-02). An end date that is not later is refused: earlier with
// ECONFLICT (PSTI-DSP-05), the same date with EINVALID.
func Extend(p *Period, endDate, reason string, now time.Time) (Extension, error) {
	var pr psti.Problems
	endDate, reason = strings.TrimSpace(endDate), strings.TrimSpace(reason)
	if !p.Published() {
		return Extension{}, psti.Errorf(psti.ECONFLICT, "This support period is a draft: change its end date directly, then publish it.")
	}
	checkEndDate(&pr, "end_date", endDate)
	pr.LongText("reason", "The reason", reason, true, MaxReason)
	if !pr.Has("end_date") {
		switch {
		case endDate < p.EndDate:
			// PSTI-DSP-05: never shortened. The field's message says why,
			// and the store's trigger refuses it again if asked directly.
			return Extension{}, &psti.Error{Code: psti.ECONFLICT,
				Message: shortened(p.EndDate, endDate),
				Fields:  []psti.FieldError{{Field: "end_date", Message: shortened(p.EndDate, endDate)}}}
		case endDate == p.EndDate:
			pr.Add("end_date", "The period already ends on %s. An extension needs a later date.", psti.DateText(endDate))
		}
	}
	if err := pr.Err(); err != nil {
		return Extension{}, err
	}
	e := Extension{PreviousEndDate: p.EndDate, EndDate: endDate, Reason: reason, At: now}
	p.EndDate, p.UpdatedAt = endDate, now
	p.Revision++
	p.Extensions = append(p.Extensions, e)
	return e, nil
}

// shortened explains the refusal of an earlier end date.
func shortened(current, asked string) string {
	// Short enough to be given whole in an API problem (200 bytes).
	return "A published support period may be extended but never shortened (PSTI-DSP-05). This one runs until at least " + psti.DateText(current) +
		", so it cannot end on " + psti.DateText(asked) + "."
}

// CheckEdit checks an edit of a period, from before to after, and returns
// the period to store: a draft may change in every way but its product; a
// published period only in its notes, since what it promises (its product,
// models and end date) changes only by Extend (PSTI-DSP-05).
func CheckEdit(before, after *Period, now time.Time) (*Period, error) {
	if after.Revision != 0 && after.Revision != before.Revision {
		return nil, psti.Errorf(psti.ECONFLICT, "This support period was changed by someone else after you opened it (your copy is revision %d, the current one is %d). Reload it, then make your change again.",
			after.Revision, before.Revision)
	}
	if after.ProductID != 0 && after.ProductID != before.ProductID {
		return nil, psti.FieldErrorf(psti.EINVALID, "product_id", "A support period cannot move to another product; add one to that product instead.")
	}
	next := *before
	next.Notes = after.Notes
	if before.Published() {
		if after.EndDate != before.EndDate {
			msg := ShortenRefused + " To give a later date, extend it, with the reason."
			if after.EndDate < before.EndDate {
				msg = shortened(before.EndDate, after.EndDate)
			}
			return nil, &psti.Error{Code: psti.ECONFLICT, Message: msg, Fields: []psti.FieldError{{Field: "end_date", Message: msg}}}
		}
		if !slices.Equal(after.Models, before.Models) && after.Models != nil {
			return nil, psti.FieldErrorf(psti.ECONFLICT, "models", "The models a published support period covers cannot change: narrowing them would shorten the period for the others (PSTI-DSP-05).")
		}
		if after.Status == StatusDraft {
			return nil, psti.FieldErrorf(psti.ECONFLICT, "status", "A published support period stays published.")
		}
	} else {
		next.EndDate, next.Models = after.EndDate, after.Models
		if after.Status == StatusPublished {
			return nil, psti.FieldErrorf(psti.EINVALID, "status", "Publish a draft with the publish action, not by changing its status.")
		}
	}
	if err := next.Validate(); err != nil {
		return nil, err
	}
	next.Revision, next.UpdatedAt = before.Revision+1, now
	return &next, nil
}

// CheckDelete refuses to delete a published period: it is a public
// commitment, and stays in force whatever happens to the product.
func CheckDelete(p *Period) error {
	if p.Published() {
		return psti.Errorf(psti.ECONFLICT, "A published support period cannot be deleted: it is a promise to everyone who bought the product. %s", ShortenRefused)
	}
	return nil
}
