package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/disclosure"
)

// Security-issue reports over JSON: the public intake and status (no
// account: the receipt code is the reporter's key), and the staff side.

type reportIn struct {
	Body struct {
		Summary      string `json:"summary" minLength:"1" maxLength:"200" doc:"One line: what is wrong."`
		Details      string `json:"details" minLength:"1" maxLength:"20000" doc:"What happened, and how to reproduce it."`
		Product      string `json:"product,omitempty" maxLength:"200" doc:"The product, as you would name it (brand, model)."`
		ContactEmail string `json:"contact_email,omitempty" maxLength:"254" doc:"Optional. If given, we write to you there; if not, the receipt is your only way back to the report."`
		Credit       string `json:"credit,omitempty" maxLength:"200" doc:"Optional. How to credit you if an advisory is published."`
	}
}

type receiptOut struct {
	Body struct {
		Receipt   string `json:"receipt" doc:"Keep it: with it you can read the report's status and reply. It is shown only now."`
		StatusURL string `json:"status_url" doc:"Where a person reads the status (enter the receipt there). Scripts: GET /api/v1/reports/status with Authorization: Receipt <code>."`
	}
}

type receiptIn struct {
	Authorization string `header:"Authorization" required:"true" doc:"Receipt <code>: the code given when the report was sent."`
}

func (in *receiptIn) code() string { return receiptCode(in.Authorization) }

// receiptCode reads the code of an "Authorization: Receipt <code>" header.
func receiptCode(h string) string {
	scheme, code, _ := strings.Cut(strings.TrimSpace(h), " ")
	if !strings.EqualFold(scheme, "Receipt") {
		return ""
	}
	return strings.TrimSpace(code)
}

type replyIn struct {
	Authorization string `header:"Authorization" required:"true" doc:"Receipt <code>: the code given when the report was sent."`
	Body          struct {
		Message string `json:"message" minLength:"1" maxLength:"10000"`
	}
}

type statusOut struct {
	Body *disclosure.Status
}

type reportListIn struct {
	Status    string `query:"status" enum:"open,closed,received,acknowledged,investigating,resolved,duplicate,not_a_vulnerability" doc:"Only reports in this status; open for every open one, closed for every other."`
	ProductID int64  `query:"product_id" minimum:"0"`
	Assignee  int64  `query:"assignee_id" minimum:"0"`
	Overdue   bool   `query:"overdue" doc:"Only open reports whose next promise is overdue."`
	Limit     int    `query:"limit" minimum:"1" maximum:"1000" default:"100"`
	Cursor    string `query:"cursor" maxLength:"100" doc:"Continue after the last report of a page: the cursor of the Link header's next URL."`
	Offset    int    `query:"offset" minimum:"0" doc:"Skip this many reports first; costs as many reports as it skips, so use cursor to page."`
}

// reportListOut is a page of reports, with the link to the next one.
type reportListOut struct {
	Link string `header:"Link" doc:"<URL>; rel=\"next\": the next page, when this one is full."`
	Body []*disclosure.Report
}

type reportOut struct {
	Body struct {
		*disclosure.Report
		Events []disclosure.Event `json:"events"`
	}
}

type actionIn struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		Kind        string  `json:"kind" enum:"acknowledge,update,note,triage,close"`
		Revision    int64   `json:"revision,omitempty" minimum:"0" doc:"The revision you read; the action is refused (409) if the report changed since."`
		Body        string  `json:"body,omitempty" maxLength:"10000" doc:"The message: to the reporter for acknowledge, update and close; internal for note."`
		Status      string  `json:"status,omitempty" enum:",acknowledged,investigating,resolved,duplicate,not_a_vulnerability"`
		DuplicateOf int64   `json:"duplicate_of,omitempty" minimum:"0" doc:"For close as duplicate: the earlier report. Its reporter then gets that report's updates."`
		Reason      string  `json:"reason,omitempty" maxLength:"10000" doc:"For close as not_a_vulnerability (required): why, as the reporter is told."`
		Severity    *string `json:"severity,omitempty" enum:",none,low,medium,high,critical"`
		CVSS        *string `json:"cvss_vector,omitempty" maxLength:"200"`
		AssigneeID  *int64  `json:"assignee_id,omitempty" minimum:"0"`
		ProductID   *int64  `json:"product_id,omitempty" minimum:"0"`
	}
}

type advisoryIn struct {
	ID   int64 `path:"id" minimum:"1" doc:"Report id."`
	Body struct {
		Title          string   `json:"title" maxLength:"200"`
		Summary        string   `json:"summary" maxLength:"20000" doc:"What the problem is, for the public."`
		Remedy         string   `json:"remedy" maxLength:"5000" doc:"What users should do."`
		FixedIn        string   `json:"fixed_in,omitempty" maxLength:"100" doc:"One version that fixes the problem (or use fixed_versions)."`
		Affected       []string `json:"affected_versions,omitempty" maxItems:"50" doc:"The versions affected, such as \"firmware 2.4.1\"; empty when every version before the fix is."`
		Fixed          []string `json:"fixed_versions,omitempty" maxItems:"50" doc:"The versions that fix the problem."`
		CWE            string   `json:"cwe,omitempty" maxLength:"20" doc:"The weakness, as CWE-<number>, such as CWE-798."`
		CVE            string   `json:"cve,omitempty" maxLength:"30" doc:"The CVE id, if the problem has one."`
		CVSS           string   `json:"cvss_vector,omitempty" maxLength:"200" doc:"A CVSS 3.1 (or 3.0) vector; empty to take the report's. The CSAF document gives each affected version the base score computed from it."`
		CreditReporter bool     `json:"credit_reporter,omitempty" doc:"Credit the reporter as they asked to be credited."`
	}
}

type advisoryOut struct {
	Location string `header:"Location"`
	Body     struct {
		*disclosure.Advisory
		CSAFURL string `json:"csaf_url"`
	}
}

type policyIn struct {
	ID   int64 `path:"id" minimum:"1" doc:"Organisation id."`
	Body disclosure.Policy
}

type policyOut struct {
	Body *disclosure.Policy
}

func (s *Server) registerReportsAPI() {
	tags := []string{"Security reports"}
	register(s, huma.Operation{OperationID: "create-report", Method: http.MethodPost, Path: "/reports", Tags: tags,
		Summary: "Report a security issue",
		Description: "No account and no personal information is needed. The answer (201) comes only once the report is stored durably; " +
			"it carries the receipt code, which is the reporter's way back to the report. At most a few reports a minute are accepted " +
			"from one address (429 with Retry-After).",
		DefaultStatus: http.StatusCreated, Errors: []int{http.StatusUnprocessableEntity, http.StatusTooManyRequests},
		Metadata: map[string]any{"limit": s.intake}}, auth.Public,
		func(ctx context.Context, in *reportIn) (*receiptOut, error) {
			_, code, err := s.reports.Submit(ctx, disclosure.Submission{Summary: in.Body.Summary, Details: in.Body.Details,
				ProductText: in.Body.Product, ContactEmail: in.Body.ContactEmail, Credit: in.Body.Credit})
			if err != nil {
				return nil, err
			}
			out := &receiptOut{}
			out.Body.Receipt, out.Body.StatusURL = code, s.link(disclosure.StatusPath)
			return out, nil
		})
	register(s, huma.Operation{OperationID: "get-report-status", Method: http.MethodGet, Path: "/reports/status", Tags: tags,
		Summary:     "Read a report's status with its receipt",
		Description: "The status, when you will hear next at the latest, and the timeline of acknowledgement, status updates and messages.",
		Errors:      []int{http.StatusNotFound, http.StatusTooManyRequests}, Metadata: map[string]any{"limit": s.lookups}}, auth.Public,
		func(ctx context.Context, in *receiptIn) (*statusOut, error) {
			st, err := s.reports.ReporterStatus(ctx, in.code())
			return &statusOut{Body: st}, err
		})
	register(s, huma.Operation{OperationID: "reply-to-report", Method: http.MethodPost, Path: "/reports/status", Tags: tags,
		Summary: "Add a message to a report, with its receipt", DefaultStatus: http.StatusOK,
		Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity, http.StatusTooManyRequests}, Metadata: map[string]any{"limit": s.intake}}, auth.Public,
		func(ctx context.Context, in *replyIn) (*statusOut, error) {
			code := receiptCode(in.Authorization)
			if err := s.reports.Reply(ctx, code, in.Body.Message); err != nil {
				return nil, err
			}
			st, err := s.reports.ReporterStatus(ctx, code)
			return &statusOut{Body: st}, err
		})

	register(s, huma.Operation{OperationID: "list-reports", Method: http.MethodGet, Path: "/reports", Tags: tags,
		Summary: "List security reports",
		Description: "Reports whose next promise falls due soonest come first, then those with none due (closed ones), newest first. " +
			"A full page carries a Link header with the URL of the next (rel=\"next\"), which repeats the filters and adds cursor: " +
			"follow it to read the whole list, at any depth, as fast as the first page. offset still skips reports, but reads every one it skips."}, auth.Viewer,
		func(ctx context.Context, in *reportListIn) (*reportListOut, error) {
			f := disclosure.Filter{Status: in.Status, ProductID: in.ProductID, Assignee: in.Assignee, Limit: in.Limit, Offset: in.Offset, After: in.Cursor}
			if in.Overdue {
				f.Status, f.Overdue = "open", s.cfg.Clock.Now()
			}
			rs, err := s.store.Reports(ctx, f)
			if err != nil {
				return nil, err
			}
			out := &reportListOut{Body: rs}
			if rs == nil {
				out.Body = []*disclosure.Report{}
			}
			q := url.Values{}
			for k, v := range map[string]string{"status": in.Status, "product_id": strconv.FormatInt(in.ProductID, 10),
				"assignee_id": strconv.FormatInt(in.Assignee, 10), "overdue": strconv.FormatBool(in.Overdue)} {
				if v != "" && v != "0" && v != "false" {
					q.Set(k, v)
				}
			}
			out.Link = s.nextPage("/reports", q, len(rs), in.Limit, func() string { return disclosure.ReportKey(rs[len(rs)-1]) })
			return out, nil
		})
	register(s, huma.Operation{OperationID: "get-report", Method: http.MethodGet, Path: "/reports/{id}", Tags: tags,
		Summary: "Read a security report with its whole timeline", Errors: []int{http.StatusNotFound}}, auth.Viewer,
		func(ctx context.Context, in *idIn) (*reportOut, error) {
			r, err := s.store.Report(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			es, err := s.store.Events(ctx, in.ID)
			out := &reportOut{}
			out.Body.Report, out.Body.Events = r, es
			return out, err
		})
	register(s, huma.Operation{OperationID: "act-on-report", Method: http.MethodPost, Path: "/reports/{id}/actions", Tags: tags,
		Summary: "Acknowledge, update, annotate, triage or close a report",
		Description: "acknowledge, update and close send their message to the reporter (on the status page, and by e-mail if they gave an address); " +
			"note is internal; triage sets severity, CVSS vector, assignee and product.",
		Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}}, auth.Editor,
		func(ctx context.Context, in *actionIn) (*itemOut[disclosure.Report], error) {
			b := in.Body
			r, err := s.reports.Act(ctx, actor(ctx), in.ID, disclosure.Action{Kind: b.Kind, Revision: b.Revision, Body: b.Body, Status: b.Status,
				DuplicateOf: b.DuplicateOf, Reason: b.Reason, Severity: b.Severity, CVSS: b.CVSS, AssigneeID: b.AssigneeID, ProductID: b.ProductID})
			return &itemOut[disclosure.Report]{Body: r}, err
		})
	register(s, huma.Operation{OperationID: "publish-advisory", Method: http.MethodPost, Path: "/reports/{id}/advisory", Tags: tags,
		Summary: "Publish an advisory about a resolved report",
		Description: "Published at once as a page and a CSAF 2.0 document (checked against the CSAF schema), served with its SHA-256 and SHA-512 hashes and an OpenPGP signature. " +
			"The report must be linked to its product in the register and have a CVSS 3 vector (given here or at triage): the document names the product's model number and codes and gives each affected version its score. " +
			"Staff revise a published advisory on its web page (each revision enters the CSAF revision history). The reporter is told.",
		DefaultStatus: http.StatusCreated, Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}}, auth.Editor,
		func(ctx context.Context, in *advisoryIn) (*advisoryOut, error) {
			a, err := s.reports.Publish(ctx, s.store, actor(ctx), in.ID, disclosure.AdvisoryDraft{Title: in.Body.Title, Summary: in.Body.Summary,
				Remedy: in.Body.Remedy, FixedIn: in.Body.FixedIn, Affected: in.Body.Affected, Fixed: in.Body.Fixed, CWE: in.Body.CWE, CVE: in.Body.CVE,
				CVSS: in.Body.CVSS, CreditThem: in.Body.CreditReporter})
			if err != nil {
				return nil, err
			}
			out := &advisoryOut{Location: s.link("/security/advisories/" + a.TrackingID)}
			out.Body.Advisory, out.Body.CSAFURL = a, s.link("/.well-known/csaf/"+a.CSAFPath())
			return out, nil
		})
	register(s, huma.Operation{OperationID: "get-disclosure-policy", Method: http.MethodGet, Path: "/organisations/{id}/disclosure-policy", Tags: tags,
		Summary: "Read an organisation's vulnerability disclosure policy", Errors: []int{http.StatusNotFound}}, auth.Viewer,
		func(ctx context.Context, in *idIn) (*policyOut, error) {
			p, err := s.store.Policy(ctx, in.ID)
			return &policyOut{Body: p}, err
		})
	register(s, huma.Operation{OperationID: "put-disclosure-policy", Method: http.MethodPut, Path: "/organisations/{id}/disclosure-policy", Tags: tags,
		Summary: "Write an organisation's vulnerability disclosure policy", Description: "It is published at once at /security and in security.txt.",
		Errors: []int{http.StatusConflict, http.StatusUnprocessableEntity}}, auth.Editor,
		func(ctx context.Context, in *policyIn) (*policyOut, error) {
			p := &in.Body
			p.OrganisationID = in.ID
			if err := s.reports.SavePolicy(ctx, actor(ctx), p); err != nil {
				return nil, err
			}
			return &policyOut{Body: p}, nil
		})
}

// receiptScheme reports whether an Authorization header carries a receipt
// rather than an API token.
func receiptScheme(h string) bool {
	scheme, _, _ := strings.Cut(strings.TrimSpace(h), " ")
	return strings.EqualFold(scheme, "Receipt")
}
