package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/passwords"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
)

// Password audits from the web: an editor uploads a factory batch of
// default passwords for a production batch; the server audits it in the
// background (passwords.Runner) and keeps the report, not the file.

// uploadDeadline is how long an upload may take to arrive. The server's
// read timeout suits forms, not a file of tens of millions of rows.
const uploadDeadline = time.Hour

// maxDeclaration bounds an uploaded DP-15 declaration (a small JSON file).
const maxDeclaration = 1 << 20

// receiveBatch reads an uploaded batch: a multipart form, with the file in
// "file" and an optional declaration (DP-15) in "declaration", or the file
// itself as the whole body. The upload is kept until an audit takes it or
// it is discarded.
func (s *Server) receiveBatch(contentType string, body io.Reader, name string) (*passwords.Upload, *passwords.Declaration, error) {
	mt, params, _ := mime.ParseMediaType(contentType)
	switch {
	case mt == "multipart/form-data":
	case mt == "application/x-www-form-urlencoded":
		return nil, nil, psti.Errorf(psti.EINVALID, "Send the batch file as multipart/form-data (field \"file\") or as the request body (text/csv, or application/gzip).")
	default:
		if name == "" {
			name = "batch.csv"
		}
		u, err := s.audits.Receive(name, body)
		return u, nil, err
	}
	mr := multipart.NewReader(body, params["boundary"])
	var up *passwords.Upload
	var decl *passwords.Declaration
	fail := func(err error) (*passwords.Upload, *passwords.Declaration, error) {
		up.Discard()
		return nil, nil, err
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail(psti.Errorf(psti.EINVALID, "The form could not be read (%v). Choose the file and send it again.", err))
		}
		switch part.FormName() {
		case "file":
			if up != nil {
				return fail(psti.FieldErrorf(psti.EINVALID, "file", "Send one batch file at a time."))
			}
			if part.FileName() == "" {
				continue // a form sent without a file chosen
			}
			if up, err = s.audits.Receive(part.FileName(), part); err != nil {
				return fail(psti.FieldErrorf(psti.EINVALID, "file", "%s", psti.ErrorMessage(err)))
			}
		case "declaration":
			if part.FileName() == "" {
				continue
			}
			d, err := passwords.ReadDeclaration(io.LimitReader(part, maxDeclaration), psti.FileName(part.FileName(), "declaration.json"))
			if err != nil {
				return fail(psti.FieldErrorf(psti.EINVALID, "declaration", "The declaration could not be used: %v", err))
			}
			decl = d
		}
		part.Close()
	}
	if up == nil {
		return fail(psti.FieldErrorf(psti.EINVALID, "file", "Choose the batch file to audit: a CSV file with a password column, one row per device."))
	}
	return up, decl, nil
}

// startAudit checks the batch, receives the upload and starts its audit.
func (s *Server) startAudit(ctx context.Context, a psti.Actor, batchID int64, contentType string, body io.Reader, name string) (*passwords.Run, error) {
	b, err := s.store.Batch(ctx, batchID)
	if err != nil {
		return nil, err
	}
	if b.Archived() {
		return nil, psti.FieldErrorf(psti.EINVALID, "batch_id", "Batch %s is archived; bring it back before auditing its passwords.", b.Code)
	}
	req := passwords.RunRequest{BatchID: b.ID, BatchCode: b.Code}
	if p, err := s.store.Product(ctx, b.ProductID); err == nil {
		req.Model, req.Product = p.ModelNumber, p.Name
		if br, err := s.store.Brand(ctx, p.BrandID); err == nil {
			req.Brand = br.Name
		}
	}
	up, decl, err := s.receiveBatch(contentType, body, name)
	if err != nil {
		return nil, err
	}
	defer up.Discard()
	req.Declaration = decl
	return s.audits.Start(ctx, a, req, up)
}

// ---- API ----

// auditUploadIn takes the request body as it arrives: huma would read it
// into memory, and a batch can be gigabytes.
type auditUploadIn struct {
	BatchID     int64  `query:"batch_id" required:"true" minimum:"1" doc:"The production batch the passwords belong to."`
	FileName    string `query:"file_name" maxLength:"200" doc:"The file's name, for the report, when the body is the file itself."`
	ContentType string `header:"Content-Type"`
	body        io.Reader
}

func (in *auditUploadIn) Resolve(ctx huma.Context) []error {
	in.body = ctx.BodyReader()
	if _, w := humago.Unwrap(ctx); w != nil {
		extendDeadlines(w)
	}
	return nil
}

// extendDeadlines gives an upload time to arrive, and its answer time to be
// written after it.
func extendDeadlines(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(uploadDeadline))
	_ = rc.SetWriteDeadline(time.Now().Add(uploadDeadline + time.Minute))
}

type runOut struct {
	Location string `header:"Location" doc:"Where to poll the audit."`
	Body     *passwords.Run
}

type runsIn struct {
	ID int64 `path:"id" minimum:"1" doc:"Batch id."`
}

// reviewState is an audit's reviews and the verdict they lead to.
type reviewState struct {
	Outcome  string             `json:"outcome,omitempty" enum:"pass,fail,needs_review,passed_after_review" doc:"The verdict once reviews are counted (see the audit's outcome); absent while the audit has not finished."`
	Awaiting []string           `json:"awaiting_review" doc:"Rules whose findings need review and have none yet."`
	Reviews  []passwords.Review `json:"reviews" doc:"Every review, oldest first; a later review of a rule supersedes an earlier one, and both are kept."`
}

type reviewsOut struct {
	Body *reviewState
}

type reviewIn struct {
	ID   int64 `path:"id" minimum:"1" doc:"Password audit id."`
	Body struct {
		Rule     string `json:"rule" maxLength:"10" doc:"The rule whose findings were reviewed, e.g. DP-12: one of the audit's awaiting_review rules, or one already reviewed."`
		Decision string `json:"decision" enum:"accepted,confirmed" doc:"accepted: the finding is not a failure; confirmed: it is a failure."`
		Reason   string `json:"reason,omitempty" maxLength:"2000" doc:"Why, and what was checked. Required when accepted (for example: the factory log shows that the two rows are one device labelled twice); optional when confirmed."`
	}
}

// reviewResult is a review just recorded, with the audit's reviews and
// verdict after it.
type reviewResult struct {
	Review passwords.Review `json:"review"`
	reviewState
}

type reviewOut struct {
	Body *reviewResult
}

// stateOf is a run's reviews and outcome as the API gives them.
func stateOf(r *passwords.Run) *reviewState {
	st := &reviewState{Outcome: r.Outcome, Awaiting: passwords.Awaiting(r.Report, r.Reviews), Reviews: r.Reviews}
	if st.Awaiting == nil {
		st.Awaiting = []string{}
	}
	if st.Reviews == nil {
		st.Reviews = []passwords.Review{}
	}
	return st
}

func (s *Server) registerPasswordsAPI() {
	tags := []string{"Password audits"}
	binary := &huma.Schema{Type: "string", Format: "binary"}
	register(s, huma.Operation{OperationID: "create-password-audit", Method: http.MethodPost, Path: "/password-audits", Tags: tags,
		Summary: "Audit a batch of default passwords",
		Description: "Send the batch file (CSV with a header row and a password column; see psti passwords audit --help) as the body " +
			"(text/csv, or application/gzip for a compressed file), or as multipart/form-data with the file in \"file\" and, optionally, " +
			"the declaration of how the passwords were made (DP-15, the manifest of psti passwords generate) in \"declaration\". " +
			"The audit runs in the background: poll the Location until state is done or failed. The file is deleted when the audit " +
			"ends; only the report is kept.",
		DefaultStatus: http.StatusAccepted,
		Errors:        []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, auth.Editor,
		func(ctx context.Context, in *auditUploadIn) (*runOut, error) {
			r, err := s.startAudit(ctx, actor(ctx), in.BatchID, in.ContentType, in.body, in.FileName)
			if err != nil {
				return nil, err
			}
			return &runOut{Location: fmt.Sprintf("%s/password-audits/%d", APIPrefix, r.ID), Body: r}, nil
		})
	// The body is described here, after registering, so that huma leaves
	// it for the handler to stream instead of reading it into memory.
	for _, item := range s.api.OpenAPI().Paths {
		if op := item.Post; op != nil && op.OperationID == "create-password-audit" {
			op.RequestBody = &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
				"text/csv":         {Schema: &huma.Schema{Type: "string"}},
				"application/gzip": {Schema: binary},
				"multipart/form-data": {Schema: &huma.Schema{Type: "object", Required: []string{"file"}, Properties: map[string]*huma.Schema{
					"file": binary, "declaration": binary,
				}}},
			}}
		}
	}
	register(s, huma.Operation{OperationID: "get-password-audit", Method: http.MethodGet, Path: "/password-audits/{id}", Tags: tags,
		Summary:     "Read a password audit",
		Description: "Its state and progress while it runs; the verdict and the full report when it is done; the reason when it failed.",
		Errors:      []int{http.StatusNotFound}}, auth.Viewer,
		func(ctx context.Context, in *idIn) (*itemOut[passwords.Run], error) {
			r, err := s.audits.Run(ctx, in.ID)
			if err == nil && r.Report != nil {
				r.Audited = &r.Report.Audited
			}
			return &itemOut[passwords.Run]{Body: r}, err
		})
	register(s, huma.Operation{OperationID: "list-password-audit-reviews", Method: http.MethodGet, Path: "/password-audits/{id}/reviews", Tags: tags,
		Summary: "Read the reviews of a password audit's findings",
		Description: "A rule whose every flagged row was flagged for review (rather than as a violation) fails the batch until someone has looked. " +
			"This lists the reviews recorded, the rules still awaiting one, and the verdict once they are counted.",
		Errors: []int{http.StatusNotFound}}, auth.Viewer,
		func(ctx context.Context, in *idIn) (*reviewsOut, error) {
			r, err := s.audits.Run(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			return &reviewsOut{Body: stateOf(r)}, nil
		})
	register(s, huma.Operation{OperationID: "review-password-audit-finding", Method: http.MethodPost, Path: "/password-audits/{id}/reviews", Tags: tags,
		Summary: "Review a finding of a password audit",
		Description: "Record, for one rule whose findings need review, that the finding is accepted (not a failure: a reason is required) " +
			"or confirmed as a failure. The audit passes after review once every such finding is accepted and no rule found a violation; " +
			"one confirmed finding fails it. A later review of the same rule supersedes an earlier one; both are kept, and each is in the audit trail.",
		DefaultStatus: http.StatusCreated, Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}}, auth.Editor,
		func(ctx context.Context, in *reviewIn) (*reviewOut, error) {
			rv := passwords.Review{RunID: in.ID, Rule: in.Body.Rule, Decision: in.Body.Decision, Reason: in.Body.Reason}
			if err := s.store.AddReview(ctx, actor(ctx), &rv); err != nil {
				return nil, err
			}
			r, err := s.audits.Run(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			return &reviewOut{Body: &reviewResult{Review: rv, reviewState: *stateOf(r)}}, nil
		})
	register(s, huma.Operation{OperationID: "list-batch-password-audits", Method: http.MethodGet, Path: "/batches/{id}/password-audits", Tags: tags,
		Summary: "List a batch's password audits", Description: "Newest first, without their reports.",
		Errors: []int{http.StatusNotFound}}, auth.Viewer,
		func(ctx context.Context, in *runsIn) (*listOut[passwords.Run], error) {
			if _, err := s.store.Batch(ctx, in.ID); err != nil {
				return nil, err
			}
			rs, err := s.audits.Runs(ctx, in.ID, 0)
			if err != nil {
				return nil, err
			}
			if rs == nil {
				rs = []*passwords.Run{}
			}
			// How many rows each finished run audited: a pass with none
			// audited checked nothing (PSTI-PW-06).
			audited, err := s.store.RunsAudited(ctx, in.ID, len(rs))
			if err != nil {
				return nil, err
			}
			for _, r := range rs {
				if n, ok := audited[r.ID]; ok {
					r.Audited = &n
				}
			}
			return &listOut[passwords.Run]{Body: rs}, nil
		})
}

// ---- pages ----

type auditNewData struct {
	Batch    *product.Batch
	Product  string
	Action   string
	BackHref string
	Error    string
	Problems []psti.FieldError
	MaxSize  string
}

type auditPageData struct {
	Run       *passwords.Run
	Batch     *product.Batch
	Product   string
	BackHref  string
	Percent   int
	Reading   bool // still reading rows (else working on the whole batch)
	Flagged   []finding
	Passed    []passwords.RuleResult
	Unchecked []passwords.RuleResult
	Info      []passwords.RuleResult
	Formats   []passwords.Template // the batch's formats with rows enough to judge
	JSONHref  string
	Covers    string // what the verdict covers (para 1(1)); reports kept before it was recorded lack it
	Chance    *chanceFlags
	Declared  *passwords.RuleResult // DP-15, when a declaration was given
	// Reviews: the verdict once they are counted, the rules that found a
	// violation, those for review, and those confirmed as failures.
	Outcome   string
	Breaches  []string
	ForReview []string
	Confirmed []string
	// A review form sent back with a problem: the summary above the page.
	Error    string
	Problems []psti.FieldError
}

// finding is a flagged rule on the report page, with its reviews.
type finding struct {
	passwords.RuleResult
	ForReview bool               // every row it flagged was flagged for review
	Reviews   []passwords.Review // oldest first
	Current   *passwords.Review  // the review in force
	Form      *reviewForm        // the review form, for editors
}

// reviewForm is one rule's review form, as typed.
type reviewForm struct {
	Action   string
	Decision string
	Reason   string
	Errors   map[string]string // by field: decision, reason
}

// chanceFlags is Report.Batch.ChanceFlags as a person reads it.
type chanceFlags struct {
	Rows  string // "0.001"
	OneIn string // "1,000" batches, or "" when it is a row or more
}

func chanceOf(f float64) *chanceFlags {
	if f <= 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	// Two significant figures, without trailing zeros.
	digits := max(0, 1-int(math.Floor(math.Log10(f))))
	c := &chanceFlags{Rows: strings.TrimRight(strings.TrimRight(strconv.FormatFloat(f, 'f', digits, 64), "0"), ".")}
	if f < 1 {
		c.OneIn = passwords.OneIn(f)
	}
	return c
}

func (s *Server) registerPasswordPages() {
	s.page("GET /admin/batches/{id}/password-audits/new", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		b, ok := getRecord(s, w, r, s.store.Batch)
		if !ok {
			return
		}
		s.showAuditNew(w, r, u, b, nil, http.StatusOK)
	})
	s.upload("POST /admin/batches/{id}/password-audits", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		b, ok := getRecord(s, w, r, s.store.Batch)
		if !ok {
			return
		}
		extendDeadlines(w)
		run, err := s.startAudit(r.Context(), userActor(u), b.ID, r.Header.Get("Content-Type"), r.Body, "")
		if err != nil {
			if st := statusOf(psti.ErrorCode(err)); st == http.StatusInternalServerError || st == http.StatusNotImplemented {
				s.pageError(w, r, err)
				return
			}
			s.showAuditNew(w, r, u, b, err, statusOf(psti.ErrorCode(err)))
			return
		}
		s.redirect(w, r, fmt.Sprintf("/admin/password-audits/%d", run.ID), "")
	})
	s.page("GET /admin/password-audits/{id}", auth.Viewer, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		run, ok := getRecord(s, w, r, s.audits.Run)
		if !ok {
			return
		}
		s.showAudit(w, r, u, run, nil, nil, http.StatusOK)
	})
	s.page("POST /admin/password-audits/{id}/reviews", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		run, ok := getRecord(s, w, r, s.audits.Run)
		if !ok {
			return
		}
		rv := &passwords.Review{RunID: run.ID, Rule: strings.TrimSpace(r.PostFormValue("rule")), Decision: r.PostFormValue("decision"),
			Reason: strings.TrimSpace(strings.ReplaceAll(r.PostFormValue("reason"), "\r\n", "\n"))}
		err := s.store.AddReview(r.Context(), userActor(u), rv)
		switch st := statusOf(psti.ErrorCode(err)); {
		case err == nil:
			s.redirect(w, r, fmt.Sprintf("/admin/password-audits/%d#review-%s", run.ID, rv.Rule), reviewFlash(rv, s.outcomeOf(r.Context(), run.ID)))
		case st == http.StatusUnprocessableEntity || st == http.StatusConflict:
			s.showAudit(w, r, u, run, rv, err, st)
		default:
			s.pageError(w, r, err)
		}
	})
	s.page("GET /admin/password-audits/{id}/report.json", auth.Viewer, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		run, ok := getRecord(s, w, r, s.audits.Run)
		if !ok {
			return
		}
		if run.Report == nil {
			s.errorPage(w, r, http.StatusNotFound, "This audit has no report (yet): it is "+run.State+".")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="password-audit-%d.json"`, run.ID))
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(run.Report)
	})
}

// showAudit renders an audit's page. sent is a review form sent back with
// err, shown with what was typed and the problem next to its field.
func (s *Server) showAudit(w http.ResponseWriter, r *http.Request, u *auth.User, run *passwords.Run, sent *passwords.Review, err error, status int) {
	d := auditPageData{Run: run, JSONHref: fmt.Sprintf("/admin/password-audits/%d/report.json", run.ID), Covers: passwords.Coverage, Outcome: run.Outcome}
	if b, err := s.store.Batch(r.Context(), run.BatchID); err == nil {
		d.Batch = b
		d.Product = s.productName(r.Context(), b.ProductID)
		d.BackHref = fmt.Sprintf("/admin/batches/%d", b.ID)
	}
	d.Percent = int(run.Progress() * 100)
	d.Reading = run.State == passwords.RunQueued || run.BytesRead < run.FileBytes
	if rep := run.Report; rep != nil {
		d.Chance = chanceOf(rep.Batch.ChanceFlags)
		if rep.Covers != "" {
			d.Covers = rep.Covers
		}
		for _, tp := range rep.Batch.Templates {
			if tp.Verdict != "too_few_rows" {
				d.Formats = append(d.Formats, tp)
			}
		}
		reviews := slices.Clone(run.Reviews)
		current := passwords.Current(reviews)
		editor := u != nil && u.Role.Allows(auth.Editor)
		for _, rr := range rep.Rules {
			if rr.ID == "DP-15" && rep.Declaration != nil {
				d.Declared = &rr
			}
			switch rr.Status {
			case "flagged":
				f := finding{RuleResult: rr, ForReview: rr.NeedsReview(), Current: current[rr.ID]}
				for _, rv := range reviews {
					if rv.Rule == rr.ID {
						f.Reviews = append(f.Reviews, rv)
					}
				}
				switch {
				case !f.ForReview:
					d.Breaches = append(d.Breaches, rr.ID)
				case f.Current != nil && f.Current.Decision == passwords.Confirmed:
					d.Confirmed = append(d.Confirmed, rr.ID)
					d.ForReview = append(d.ForReview, rr.ID)
				default:
					d.ForReview = append(d.ForReview, rr.ID)
				}
				if f.ForReview && editor {
					f.Form = &reviewForm{Action: fmt.Sprintf("/admin/password-audits/%d/reviews", run.ID)}
					if sent != nil && sent.Rule == rr.ID {
						f.Form.Decision, f.Form.Reason, f.Form.Errors = sent.Decision, sent.Reason, map[string]string{}
						for _, p := range psti.ErrorFields(err) {
							f.Form.Errors[p.Field] = p.Message
						}
					}
				}
				d.Flagged = append(d.Flagged, f)
			case "not_checked":
				d.Unchecked = append(d.Unchecked, rr)
			case "info":
				d.Info = append(d.Info, rr)
			default:
				d.Passed = append(d.Passed, rr)
			}
		}
	}
	if err != nil {
		// Above the page, each problem links to its field in the rule's form.
		d.Error = psti.ErrorMessage(err)
		for _, p := range psti.ErrorFields(err) {
			field := p.Field
			if sent != nil && (field == "decision" || field == "reason") {
				field = sent.Rule + "-" + field
			}
			d.Problems = append(d.Problems, psti.FieldError{Field: field, Message: p.Message})
		}
	}
	title := "Password audit"
	if d.Batch != nil {
		title = "Password audit of batch " + d.Batch.Code
	}
	v := &view{Title: title, User: u, Section: "batches", Data: d}
	if !run.Finished() {
		w.Header().Set("Refresh", "2") // progress, without script
	}
	s.render(w, r, status, "password_audit", v)
}

// outcomeOf reads an audit's verdict after its reviews ("" if it cannot).
func (s *Server) outcomeOf(ctx context.Context, id int64) string {
	r, err := s.audits.Run(ctx, id)
	if err != nil {
		return ""
	}
	return r.Outcome
}

// reviewFlash says what a review recorded and where the batch now stands.
func reviewFlash(rv *passwords.Review, outcome string) string {
	what := "accepted"
	if rv.Decision == passwords.Confirmed {
		what = "confirmed as a failure"
	}
	msg := fmt.Sprintf("Your review is recorded: %s %s.", rv.Rule, what)
	switch outcome {
	case passwords.OutcomeReviewedPass:
		msg += " The batch now passes after review."
	case passwords.OutcomeNeedsReview:
		msg += " Other findings still need review."
	case passwords.OutcomeFail:
		msg += " The batch fails."
	}
	return msg
}

func (s *Server) showAuditNew(w http.ResponseWriter, r *http.Request, u *auth.User, b *product.Batch, err error, status int) {
	d := auditNewData{Batch: b, Action: fmt.Sprintf("/admin/batches/%d/password-audits", b.ID), BackHref: fmt.Sprintf("/admin/batches/%d", b.ID),
		Product: s.productName(r.Context(), b.ProductID), MaxSize: sizeText(s.audits.MaxBytes())}
	if err != nil {
		// The summary above the form links to the field at fault; the
		// message sits next to the field too. A browser never keeps a
		// chosen file, so the hint asks for it again.
		d.Error = psti.ErrorMessage(err)
		for _, p := range psti.ErrorFields(err) {
			if p.Field == "file" || p.Field == "declaration" {
				d.Problems = append(d.Problems, p)
			}
		}
		if len(d.Problems) > 0 {
			d.Error = "Please correct the field marked below, then choose the files again."
		}
	}
	s.render(w, r, status, "password_audit_new", &view{Title: "Audit the default passwords of batch " + b.Code, User: u, Section: "batches", Data: d})
}

// productName names a product as its pages do, or "the product" if it
// cannot be read.
func (s *Server) productName(ctx context.Context, id int64) string {
	p, err := s.store.Product(ctx, id)
	if err != nil {
		return "the product"
	}
	return describe(p)
}

// batchAuditSection lists a batch's password audits on its page.
func (s *Server) batchAuditSection(ctx context.Context, b *product.Batch) (section, error) {
	sec := section{Title: "Default password audits", Headers: []string{"Started", "Result", "Devices", "File"},
		AddHref: fmt.Sprintf("/admin/batches/%d/password-audits/new", b.ID), AddLabel: "Audit this batch's default passwords",
		Empty: "No audits yet. Upload the batch's default passwords to check them against the law's password rules."}
	if b.Archived() {
		sec.AddHref = ""
	}
	const listed = 20
	rs, err := s.audits.Runs(ctx, b.ID, listed)
	if err != nil {
		return sec, err
	}
	audited, err := s.store.RunsAudited(ctx, b.ID, listed)
	if err != nil {
		return sec, err
	}
	// The result comes first after the date, so that a phone shows it
	// without scrolling the table.
	for _, r := range rs {
		n, known := audited[r.ID]
		sec.Rows = append(sec.Rows, []cell{{Text: psti.LongDateTime(r.CreatedAt), Href: fmt.Sprintf("/admin/password-audits/%d", r.ID)},
			{Text: runResult(r, known && n == 0)}, {Text: quantity(r.RowsRead)}, {Text: r.FileName}})
	}
	return sec, nil
}

// runResult says in a few words how an audit stands. nothing is whether
// its report audited no row: such a pass is never shown as one
// (PSTI-PW-06, para 1(4)).
func runResult(r *passwords.Run, nothing bool) string {
	switch r.State {
	case passwords.RunDone:
		switch {
		case r.Verdict == "pass" && nothing:
			return "Nothing checked"
		case r.Outcome != "":
			return passwords.OutcomeText(r.Outcome) // "Needs review", "Passed after review"…
		case r.Verdict == "pass":
			return "Passed"
		}
		return "Failed"
	case passwords.RunFailed:
		return "Could not be audited"
	case passwords.RunInterrupted:
		return "Interrupted"
	case passwords.RunQueued:
		return "Waiting to start"
	}
	return fmt.Sprintf("Running (%d%%)", int(r.Progress()*100))
}

// upload registers a page that receives a file: like page, but the body is
// left for the handler to stream, not parsed as a small form.
func (s *Server) upload(pattern string, role auth.Role, h pageHandler) {
	s.pageWith(pattern, role, pageOpts{upload: true}, h)
}
