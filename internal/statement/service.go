package statement

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/support"
)

// Service makes, issues and corrects statements from psti's records, for
// the web pages and the API alike: they read requests and show answers;
// the rules are here and in the store.
type Service struct {
	Store   Store
	Records Records
	// Signer returns the signing identity valid at now (store.DB's
	// StatementSigner).
	Signer func(ctx context.Context, now time.Time) (*Signer, error)
	Clock  psti.Clock
	// BaseURL is the installation's public address: each version's page
	// is BaseURL/statements/NUMBER/VERSION.
	BaseURL string
	// Assessments is the products' assessments (assessment.Service): a
	// statement is not issued while a requirement it speaks to is unmet,
	// and a new draft declares each paragraph as the assessment does. Nil
	// only where no assessment is kept (benchmarks).
	Assessments Assessments
}

// Assessments is what statements need from the products' assessments.
type Assessments interface {
	// Unmet lists the requirements of a product that a statement speaks
	// to and that are neither met nor not applicable.
	Unmet(ctx context.Context, productID int64) ([]Unmet, error)
	// Claims is the declaration the assessment gives for each Schedule 1
	// paragraph it decides.
	Claims(ctx context.Context, productID int64) ([]Claim, error)
}

// Unmet is a requirement not met yet: its id and title.
type Unmet struct {
	ID, Title string
}

// URL is the public page of one version of a statement, which its PDF
// prints in full and as a QR code.
func (sv *Service) URL(number string, version int) string {
	return fmt.Sprintf("%s/statements/%s/%d", sv.BaseURL, url.PathEscape(number), version)
}

// Create saves a new draft built from req. It is saved even when fields
// are missing, so that nothing typed is lost; problems lists every one,
// field by field, which issuing would refuse. err is for a draft that
// cannot be saved at all (no such product).
func (sv *Service) Create(ctx context.Context, a psti.Actor, req Request) (r *Record, problems []psti.FieldError, err error) {
	if req.Claims, err = sv.prefill(ctx, req); err != nil {
		return nil, nil, err
	}
	s, problems, err := sv.build(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	r = &Record{ProductID: req.ProductID, Content: *s}
	if err := sv.Store.CreateStatement(ctx, a, r); err != nil {
		return nil, nil, err
	}
	return r, problems, nil
}

// Update rebuilds draft id from req: the product's records as they are
// now, and what the person chose. revision, when not 0, must be the
// draft's current one.
func (sv *Service) Update(ctx context.Context, a psti.Actor, id, revision int64, req Request) (*Record, []psti.FieldError, error) {
	cur, err := sv.Store.Statement(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if cur.Status != StatusDraft {
		return nil, nil, psti.Errorf(psti.ECONFLICT, "Statement %s version %d is issued: it never changes. Correct it with a new version instead.", cur.Number, cur.Version)
	}
	req.ProductID = cur.ProductID
	s, problems, err := sv.build(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	r := &Record{ID: id, Content: *s, Revision: revision}
	if err := sv.Store.UpdateStatement(ctx, a, r); err != nil {
		return nil, nil, err
	}
	out, err := sv.Store.Statement(ctx, id)
	return out, problems, err
}

// prefill adds to req's claims the declaration the product's assessment
// gives for each paragraph the request does not declare: a new draft
// says what the assessment says, and what the person chose stands.
func (sv *Service) prefill(ctx context.Context, req Request) ([]Claim, error) {
	if sv.Assessments == nil || req.Label != nil || req.ProductID <= 0 {
		return req.Claims, nil
	}
	from, err := sv.Assessments.Claims(ctx, req.ProductID)
	if psti.ErrorCode(err) == psti.ENOTFOUND {
		return req.Claims, nil // Build says there is no such product
	}
	if err != nil {
		return nil, err
	}
	claims := append([]Claim(nil), req.Claims...)
	for _, c := range from {
		if !slices.ContainsFunc(claims, func(x Claim) bool { return x.Paragraph == c.Paragraph }) {
			claims = append(claims, c)
		}
	}
	slices.SortStableFunc(claims, func(a, b Claim) int { return a.Paragraph - b.Paragraph })
	return claims, nil
}

// build makes a statement from req and says what it still lacks.
func (sv *Service) build(ctx context.Context, req Request) (*Statement, []psti.FieldError, error) {
	s, err := Build(ctx, sv.Records, req)
	if s == nil {
		return nil, nil, err
	}
	if err != nil && psti.ErrorCode(err) != psti.EINVALID {
		return nil, nil, err
	}
	return s, psti.ErrorFields(err), nil
}

// Problems lists what a draft lacks before it can be issued, field by
// field, its support period read again from the records; none for an
// issued statement.
func (sv *Service) Problems(ctx context.Context, r *Record) ([]psti.FieldError, error) {
	if r.Status != StatusDraft {
		return nil, nil
	}
	err := sv.check(&r.Content)
	if f, serr := sv.supportNow(ctx, r); serr != nil {
		return nil, serr
	} else if f != nil {
		err = addProblem(err, *f)
	}
	if f, aerr := sv.assessedNow(ctx, r); aerr != nil {
		return nil, aerr
	} else if f != nil {
		err = addProblem(err, *f)
	}
	return psti.ErrorFields(err), nil
}

// assessedNow is a problem of the assessment field when a requirement the
// statement speaks to is neither met nor not applicable in the product's
// assessment, as it stands now: the declaration would say the product
// complies when its own assessment says it does not (Act s.9(4)).
func (sv *Service) assessedNow(ctx context.Context, r *Record) (*psti.FieldError, error) {
	if sv.Assessments == nil {
		return nil, nil
	}
	unmet, err := sv.Assessments.Unmet(ctx, r.ProductID)
	if err != nil || len(unmet) == 0 {
		return nil, err
	}
	names := make([]string, len(unmet))
	for i, u := range unmet {
		names[i] = u.ID + " (" + u.Title + ")"
	}
	what := "requirement is"
	if len(unmet) > 1 {
		what = fmt.Sprintf("%d requirements are", len(unmet))
	}
	return &psti.FieldError{Field: "assessment", Message: fmt.Sprintf(
		"The product's assessment says this %s not met yet: %s. Mark each met (or not applicable, with the reason) on the product's assessment page first.",
		what, strings.Join(names, "; "))}, nil
}

// supportNow checks the draft's support period against the product's as
// it stands now: a period still a draft, or one changed since the draft
// was saved, is a problem of the support_end field (PSTI-SOC-F6). The
// draft's own copy of whether its period was published is not kept, so
// it is read again here, every time.
func (sv *Service) supportNow(ctx context.Context, r *Record) (*psti.FieldError, error) {
	s := &r.Content
	if s.Label != nil && s.SupportEnd == "" {
		return nil, nil
	}
	periods, err := sv.Records.Periods(ctx, support.Filter{ProductID: r.ProductID})
	if err != nil {
		return nil, err
	}
	name := s.Model
	if name == "" {
		name = "the product"
	}
	p := periodFor(periods)
	switch {
	case p == nil:
		return &psti.FieldError{Field: "support_end", Message: fmt.Sprintf("%s has no defined support period: publish one on the product's support page first.", name)}, nil
	case !p.Published():
		return &psti.FieldError{Field: "support_end", Message: fmt.Sprintf("The support period of %s is a draft; publish it first.", name)}, nil
	}
	if _, err := psti.ParseDate(s.Issued); err == nil {
		if end := statedEnd(p, s.Issued); end != s.SupportEnd {
			return &psti.FieldError{Field: "support_end", Message: fmt.Sprintf(
				"The support period of %s changed since this draft was saved: on the date of issue it ends on %s. Save the draft again to bring it up to date.", name, psti.DateText(end))}, nil
		}
	}
	return nil, nil
}

// check is Validate, and a date of issue that is not in the future.
func (sv *Service) check(s *Statement) error {
	err := s.Validate()
	issued, perr := psti.ParseDate(s.Issued)
	// The end of today in London: a date of issue from then on is
	// tomorrow's or later.
	endOfToday := psti.EndOfDay(sv.Clock.Now().In(psti.London))
	if perr == nil && !issued.Before(endOfToday) {
		err = addProblem(err, psti.FieldError{Field: "issued", Message: fmt.Sprintf(
			"The date of issue (%s) is in the future: issue the statement on that day, or give today's date.", psti.LongDate(issued))})
	}
	// A label that has expired since the record's date no longer stands
	// in for a statement (PSTI-DC-05).
	if s.LabelLapsed(sv.Clock.Now()) && !slices.ContainsFunc(psti.ErrorFields(err), func(f psti.FieldError) bool { return f.Field == "label.expires" }) {
		err = addProblem(err, psti.FieldError{Field: "label.expires", Message: fmt.Sprintf(
			"The label expired on %s: it no longer stands in for a statement of compliance. Issue a full statement instead.", psti.DateText(s.Label.Expires))})
	}
	return err
}

// Issue renders draft id, signs it with the signing key valid now and
// issues it: from then on it never changes, and the transparency log
// names every rendering's SHA-256. Every missing or inconsistent field is
// refused at once (EINVALID, field by field).
//
// revision, when not 0, is the draft's revision the person read: a draft
// changed since is refused, so that what is issued is what they read.
func (sv *Service) Issue(ctx context.Context, a psti.Actor, id, revision int64) (*Record, error) {
	r, err := sv.Store.Statement(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.Status != StatusDraft {
		return nil, psti.Errorf(psti.ECONFLICT, "Statement %s version %d is issued already.", r.Number, r.Version)
	}
	if revision != 0 && revision != r.Revision {
		return nil, psti.Errorf(psti.ECONFLICT, "Someone changed this draft after you read it. Read it again, then issue it.")
	}
	problems, err := sv.Problems(ctx, r)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, psti.FieldsErr(problems...)
	}
	now := sv.Clock.Now()
	signer, err := sv.Signer(ctx, now)
	if err != nil {
		return nil, err
	}
	rs, err := Renderings(&r.Content, r.Number, r.Version, sv.URL(r.Number, r.Version), signer, now)
	if err != nil {
		return nil, err
	}
	return sv.Store.IssueStatement(ctx, a, id, rs)
}

// Correct starts the next version of issued statement id, as a draft
// with the same content, to change and issue; the issued version stays as
// it is until the correction is issued, and is kept after.
func (sv *Service) Correct(ctx context.Context, a psti.Actor, id int64) (*Record, error) {
	old, err := sv.Store.Statement(ctx, id)
	if err != nil {
		return nil, err
	}
	// The correction is a new statement, issued on a day of its own:
	// the place and date of issue are the person's to give again.
	content := old.Content
	content.Issued = ""
	r := &Record{Supersedes: &old.ID, ProductID: old.ProductID, Content: content}
	if err := sv.Store.CreateStatement(ctx, a, r); err != nil {
		return nil, err
	}
	return r, nil
}
