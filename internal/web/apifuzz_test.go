package web_test

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"maps"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"github.com/psti/psti/internal/assessment"
	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/cases"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store/storetest"
)

// The API fuzzer.
//
// TestAPIFuzz reads the server's own OpenAPI document and sends every
// operation in it requests built from its schema: valid ones as each role
// (and with no token), then the same requests spoilt in each of the ways
// listed in (*apiFuzzer).mutations (unknown fields, wrong types, numbers out
// of range, empty and over-long strings, NUL, invalid UTF-8 and bidi
// controls in bodies, queries, paths and headers, malformed JSON, wrong
// content types, bodies over the limit, missing, unknown, revoked and
// malformed tokens, ids of records that do not exist…), then randomly
// chosen ones. It runs on both back ends over a small seeded register, and
// checks every answer:
//
//   - no answer is a server error (5xx);
//   - every status an operation answers is one its description lists;
//   - every refusal is a problem document of a few kilobytes at most,
//     however large the request;
//   - every answer with a documented status matches its schema;
//   - nobody gets what their role does not allow, nor a cross-site request;
//   - both back ends give every request the same status.
//
// It also sends the public HTML forms a few of the values that break the
// API. Every operation is fuzzed, the password-audit upload with raw
// bodies; the fuzzer only keeps its own users and tokens out of the ids it
// sends (see seedRegister). Requests go to the server's handler in the
// test's process, so headers may carry bytes (NUL) that Go's HTTP server
// would refuse before psti saw them. What is found is collected and
// reported together, each finding with the smallest request that still
// shows it and what the server logged; -v also logs each operation's
// statuses.
//
// The run is repeatable from its seed, which it logs. Settings are flags
// after -args, or environment variables:
//
//	-apifuzz.seed     PSTI_APIFUZZ_SEED      a number, or random (default 1)
//	-apifuzz.requests PSTI_APIFUZZ_REQUESTS  random requests per operation after the fixed ones (default 25)
//	-apifuzz.ops      PSTI_APIFUZZ_OPS       operation ids to fuzz, comma-separated (default all)
//
// A longer run, for example:
//
//	PSTI_APIFUZZ_SEED=random PSTI_APIFUZZ_REQUESTS=2000 go test ./internal/web/ -run TestAPIFuzz -timeout 1h

// The fuzzer's settings (see above).
var (
	apiFuzzSeed     = flag.String("apifuzz.seed", "", "TestAPIFuzz: the seed, a number or random (else PSTI_APIFUZZ_SEED, else 1)")
	apiFuzzRequests = flag.Int("apifuzz.requests", -1, "TestAPIFuzz: random requests per operation after the fixed ones (else PSTI_APIFUZZ_REQUESTS, else 25)")
	apiFuzzOps      = flag.String("apifuzz.ops", "", "TestAPIFuzz: comma-separated operation ids to fuzz (else PSTI_APIFUZZ_OPS, else all)")
)

// maxProblem is the most a problem document may weigh. It says what is
// wrong; it does not send the request back.
const maxProblem = 4 << 10

// TestAPIFuzz fuzzes every API operation on both back ends (see above).
func TestAPIFuzz(t *testing.T) {
	set := apiFuzzSettings(t)
	t.Logf("API fuzz: seed %d, %d random requests per operation after the fixed ones; repeat with PSTI_APIFUZZ_SEED=%d", set.seed, set.requests, set.seed)
	runs := make([]*apiFuzzer, len(storetest.Backends))
	t.Cleanup(func() { compareBackends(t, runs) })
	for i, b := range storetest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			f := newAPIFuzzer(t, b, set)
			f.run()
			runs[i] = f
		})
	}
}

type fuzzSettings struct {
	seed     uint64
	requests int
	ops      map[string]bool // nil for all
}

func apiFuzzSettings(t *testing.T) fuzzSettings {
	t.Helper()
	setting := func(flagValue, env string) string {
		if flagValue != "" {
			return flagValue
		}
		return os.Getenv(env)
	}
	set := fuzzSettings{seed: 1, requests: 25}
	switch v := setting(*apiFuzzSeed, "PSTI_APIFUZZ_SEED"); v {
	case "":
	case "random":
		set.seed = uint64(time.Now().UnixNano())
	default:
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("API fuzz seed %q: want a number, or random", v)
		}
		set.seed = n
	}
	if *apiFuzzRequests >= 0 {
		set.requests = *apiFuzzRequests
	} else if v := os.Getenv("PSTI_APIFUZZ_REQUESTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			t.Fatalf("PSTI_APIFUZZ_REQUESTS %q: want a number", v)
		}
		set.requests = n
	}
	if v := setting(*apiFuzzOps, "PSTI_APIFUZZ_OPS"); v != "" {
		set.ops = map[string]bool{}
		for _, id := range strings.Split(v, ",") {
			set.ops[strings.TrimSpace(id)] = true
		}
	}
	return set
}

// ---- the operations, as described ----

type fuzzOp struct {
	id, method, path string
	role             auth.Role // the least role that may use it
	params           []fuzzParam
	body             map[string]any // the JSON body's schema; nil for none
	upload           bool           // the body is a batch file, not JSON
	receipt          bool           // Authorization carries a report's receipt
	responses        map[string]bool
}

type fuzzParam struct {
	name, in string
	required bool
	schema   map[string]any
}

func (op *fuzzOp) String() string {
	return fmt.Sprintf("%s /api/v1%s (%s)", op.method, op.path, op.id)
}

// documents reports whether the operation's description lists status.
func (op *fuzzOp) documents(status int) bool {
	s := strconv.Itoa(status)
	return op.responses[s] || op.responses[s[:1]+"XX"] || op.responses["default"]
}

func (op *fuzzOp) documented() string {
	var codes []string
	for c := range op.responses {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	return strings.Join(codes, " ")
}

func (op *fuzzOp) queryParams() []fuzzParam {
	var ps []fuzzParam
	for _, p := range op.params {
		if p.in == "query" {
			ps = append(ps, p)
		}
	}
	return ps
}

func (op *fuzzOp) pathParam() string {
	for _, p := range op.params {
		if p.in == "path" {
			return p.name
		}
	}
	return ""
}

// readOps reads the operations from the server's OpenAPI document, in a
// fixed order.
func readOps(t *testing.T, e *env, doc []byte) ([]*fuzzOp, map[string]map[string]any) {
	t.Helper()
	var d struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
	}
	must(t, json.Unmarshal(doc, &d))
	roles := map[string]auth.Role{}
	for _, r := range e.srv.Routes() {
		if r.API {
			roles[r.Method+" "+r.Pattern] = r.Role
		}
	}
	var ops []*fuzzOp
	for path, item := range d.Paths {
		for method, raw := range item {
			var o struct {
				OperationID string `json:"operationId"`
				Parameters  []struct {
					Name     string         `json:"name"`
					In       string         `json:"in"`
					Required bool           `json:"required"`
					Schema   map[string]any `json:"schema"`
				} `json:"parameters"`
				RequestBody *struct {
					Content map[string]struct {
						Schema map[string]any `json:"schema"`
					} `json:"content"`
				} `json:"requestBody"`
				Responses map[string]json.RawMessage `json:"responses"`
			}
			if err := json.Unmarshal(raw, &o); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			op := &fuzzOp{id: o.OperationID, method: strings.ToUpper(method), path: path, responses: map[string]bool{}}
			role, ok := roles[op.method+" /api/v1"+path]
			if !ok {
				t.Fatalf("%s is described but the server has no such route", op)
			}
			op.role = role
			for _, p := range o.Parameters {
				if p.In == "header" {
					if p.Name == "Authorization" {
						op.receipt = true
					}
					continue // Content-Type of the upload: the mutations choose it
				}
				op.params = append(op.params, fuzzParam{name: p.Name, in: p.In, required: p.Required, schema: p.Schema})
			}
			if o.RequestBody != nil {
				if c, ok := o.RequestBody.Content["application/json"]; ok {
					op.body = c.Schema
				} else {
					op.upload = true
				}
			}
			for code := range o.Responses {
				op.responses[code] = true
			}
			ops = append(ops, op)
		}
	}
	sort.Slice(ops, func(i, j int) bool {
		if ops[i].path != ops[j].path {
			return ops[i].path < ops[j].path
		}
		return ops[i].method < ops[j].method
	})
	return ops, d.Components.Schemas
}

// ---- the fuzzer ----

type apiFuzzer struct {
	t       *testing.T
	backend string
	e       *env
	set     fuzzSettings
	log     *logBuffer
	doc     []byte
	ops     []*fuzzOp
	schemas map[string]map[string]any
	check   validator.Validator
	rnd     *rand.Rand

	pools    map[string][]int64 // ids of seeded records, by kind
	dutyKeys []string           // the {key} of duty paths
	emails   []string
	receipts []string
	revoked  string // a revoked token
	setup    string // a setup code, for the setup form

	findings map[string]*fuzzFinding
	seen     []fuzzSeen // every request's status, in order, to compare back ends
	statuses map[int]int
	took     time.Duration
}

type fuzzSeen struct {
	key    string // operation and request number
	op     string
	kind   string
	status int
	req    *fuzzReq // nil when it was large
}

// logBuffer holds what the server logs, to show with what caused it.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) take() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.b.String()
	l.b.Reset()
	return strings.TrimSpace(s)
}

func newAPIFuzzer(t *testing.T, b storetest.Backend, set fuzzSettings) *apiFuzzer {
	log := &logBuffer{}
	e := newEnvLogging(t, b, log)
	f := &apiFuzzer{t: t, backend: b.Name, e: e, set: set, log: log, findings: map[string]*fuzzFinding{}, statuses: map[int]int{}}
	res, body := e.call("GET", "/api/v1/openapi.json", "", "", "")
	if res.StatusCode != 200 {
		t.Fatalf("GET /api/v1/openapi.json: %d", res.StatusCode)
	}
	f.doc = []byte(body)
	f.ops, f.schemas = readOps(t, e, f.doc)
	doc, err := libopenapi.NewDocument(f.doc)
	must(t, err)
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("loading the API description: %v", errs)
	}
	f.check = v
	f.seedRegister()
	log.take()
	return f
}

// seedRegister makes a small register, so that ids in paths and bodies
// sometimes name records: an organisation with its disclosure policy, a
// brand, manufacturers, a product, a version, batches (one archived), three
// security reports (one acknowledged, one resolved), a password audit, two
// support periods (one published and extended, one draft), and
// besides the users newEnv makes, two more with their tokens and a setup
// link for the operations on users, tokens and setup links to act on. The
// fuzzer's own users and tokens are never in the pools, so no request
// revokes, disables or demotes them.
func (f *apiFuzzer) seedRegister() {
	t, e, ctx := f.t, f.e, context.Background()
	s := storetest.NewSeed(t, e.db)
	var v product.Version
	e.mustJSON("POST", "/api/v1/versions", map[string]any{"product_id": s.Product.ID, "component": "firmware", "version": "2.4.1", "released_on": "2026-02-27"}, &v)
	var b1, b2 product.Batch
	e.mustJSON("POST", "/api/v1/batches", map[string]any{"product_id": s.Product.ID, "code": "B-2026-03", "first_produced": "2026-03-01", "quantity": 12000}, &b1)
	e.mustJSON("POST", "/api/v1/batches", map[string]any{"product_id": s.Product.ID, "code": "B-2025-11"}, &b2)
	e.mustJSON("POST", fmt.Sprintf("/api/v1/batches/%d/archive", b2.ID), nil, nil)
	e.mustJSON("PUT", fmt.Sprintf("/api/v1/organisations/%d/disclosure-policy", s.Org.ID), map[string]any{
		"organisation_id": s.Org.ID, "revision": 0, "updated_at": "2026-03-01T09:00:00Z", "ack_working_days": 5, "update_every_days": 30,
		"scope": "Acme doorbells and their app.", "safe_harbour": "We will not take action against good-faith research.",
		"languages": []string{"en"}, "contact": "security@acme.example"}, nil)
	for i, summary := range []string{"Telnet open on port 23", "Default password on the web interface", "Firmware update not signed"} {
		body := map[string]any{"summary": summary, "details": "Found while testing the doorbell.", "product": "Acme Doorbell Pro"}
		if i == 1 {
			body["contact_email"] = "reporter@example.net"
		}
		var out struct {
			Receipt string `json:"receipt"`
		}
		if st, text := e.json("POST", "/api/v1/reports", auth.Public, body, &out); st != 201 {
			t.Fatalf("seeding a report: %d %s", st, text)
		}
		f.receipts = append(f.receipts, out.Receipt)
	}
	var reports []struct {
		ID int64 `json:"id"`
	}
	e.json("GET", "/api/v1/reports", auth.Viewer, nil, &reports)
	var reportIDs []int64
	for _, r := range reports {
		reportIDs = append(reportIDs, r.ID)
	}
	slices.Sort(reportIDs)
	if len(reportIDs) != 3 {
		t.Fatalf("seeded reports: %v", reportIDs)
	}
	e.mustJSON("POST", fmt.Sprintf("/api/v1/reports/%d/actions", reportIDs[0]), map[string]any{"kind": "acknowledge"}, nil)
	e.mustJSON("POST", fmt.Sprintf("/api/v1/reports/%d/actions", reportIDs[2]), map[string]any{"kind": "close", "status": "resolved"}, nil)

	var spareUsers, spareTokens, users []int64
	for _, r := range []auth.Role{auth.Editor, auth.Viewer} {
		u := e.addUser("someone."+string(r)+"@example.com", r)
		e.token(u, r)
		toks, err := e.db.Tokens(ctx, u.ID)
		must(t, err)
		spareUsers = append(spareUsers, u.ID)
		spareTokens = append(spareTokens, toks[0].ID)
	}
	f.revoked = e.token(e.users[auth.Viewer], auth.Viewer)
	toks, err := e.db.Tokens(ctx, e.users[auth.Viewer].ID)
	must(t, err)
	newest := slices.MaxFunc(toks, func(a, b *auth.Token) int { return cmp.Compare(a.ID, b.ID) })
	must(t, e.db.RevokeToken(ctx, psti.System("test"), newest.ID, time.Now()))
	all, err := e.db.Users(ctx)
	must(t, err)
	for _, u := range all {
		users = append(users, u.ID)
		f.emails = append(f.emails, u.Email)
	}
	f.emails = append(f.emails, "new.person@example.com")
	_, inv, err := e.svc.Invite(ctx, psti.System("test"), "invitee@example.com", auth.Viewer)
	must(t, err)
	f.setup, _, err = e.svc.Invite(ctx, psti.System("test"), "newcomer@example.com", auth.Viewer)
	must(t, err)

	res, text := e.call("POST", fmt.Sprintf("/api/v1/password-audits?batch_id=%d", b1.ID), e.tokens[auth.Editor], "text/csv", "serial,password\nA1,Xk3mPq9rTz2w\nA2,Lm4nQw8sTy3v\n")
	var run struct {
		ID int64 `json:"id"`
	}
	if res.StatusCode != 202 || json.Unmarshal([]byte(text), &run) != nil {
		t.Fatalf("seeding a password audit: %d %s", res.StatusCode, text)
	}

	// Support periods: one published and extended, one draft.
	var published, draft struct{ ID int64 }
	e.mustJSON("POST", "/api/v1/support-periods", map[string]any{"product_id": s.Product.ID, "end_date": "2030-03-31"}, &published)
	e.mustJSON("POST", fmt.Sprintf("/api/v1/support-periods/%d/publish", published.ID), nil, nil)
	e.mustJSON("POST", fmt.Sprintf("/api/v1/support-periods/%d/extend", published.ID), map[string]any{"end_date": "2031-03-31", "reason": "More time."}, nil)
	e.mustJSON("POST", "/api/v1/support-periods", map[string]any{"product_id": s.Product.ID, "end_date": "2029-01-01", "models": []string{"DB-200 white"}}, &draft)

	// Keys to sign statements: a self-signed one (which the fuzzer may
	// retire; retiring again is a conflict).
	var key struct{ ID int64 }
	e.mustJSON("POST", "/api/v1/statement-keys", map[string]any{"generate": map[string]any{"organisation": "Acme Devices Ltd"}}, &key)

	// Statements: one issued, one draft (which the fuzzer may change,
	// issue or delete).
	today := time.Now().In(psti.London).Format(time.DateOnly)
	markAssessed(t, e, s.Product.ID)
	evidence := &assessment.Evidence{ProductID: s.Product.ID, Requirement: "PSTI-PW-01", Name: "report.pdf", MediaType: "application/pdf", Size: 8,
		SHA256: "x", Content: strings.NewReader("%PDF-1.7")}
	if err := e.db.AddEvidence(context.Background(), psti.System("test"), evidence); err != nil {
		t.Fatal(err)
	}
	var issued, draftSOC struct{ ID int64 }
	e.mustJSON("POST", "/api/v1/statements", map[string]any{"product_id": s.Product.ID, "batch_ids": []int64{b1.ID},
		"claims":    []map[string]any{{"paragraph": 1, "route": "requirement"}, {"paragraph": 2, "route": "requirement"}, {"paragraph": 3, "route": "requirement"}},
		"signatory": map[string]any{"name": "Zoë Brontë", "function": "Head of Product Security"}, "place": "London", "issued": today}, &issued)
	e.mustJSON("POST", fmt.Sprintf("/api/v1/statements/%d/issue", issued.ID), nil, nil)
	e.mustJSON("POST", "/api/v1/statements", map[string]any{"product_id": s.Product.ID}, &draftSOC)

	// A scope decision.
	var decision struct{ ID int64 }
	e.mustJSON("POST", "/api/v1/scope-decisions", map[string]any{"product_id": s.Product.ID, "facts": map[string]any{"ip_internet": true, "uk_consumers": true}}, &decision)

	// Compliance cases: a closed one with its records, a notice sent, a
	// hold and a notice from the authority (FillCases), then an open one
	// made over the API, with a draft notice and a hold.
	storetest.FillCases(t, e.db, s)
	var authority, importer struct{ ID int64 }
	e.mustJSON("POST", "/api/v1/parties", map[string]any{"organisation_id": s.Org.ID, "kind": "enforcement_authority", "name": "OPSS", "email": "notices@opss.example"}, &authority)
	e.mustJSON("POST", "/api/v1/parties", map[string]any{"organisation_id": s.Org.ID, "kind": "importer", "name": "Import Co", "address": "2 Dock Road\nHull"}, &importer)
	e.mustJSON("PUT", fmt.Sprintf("/api/v1/products/%d/chain", s.Product.ID), map[string]any{"roles": []string{"manufacturer"},
		"links": []map[string]any{{"party_id": importer.ID, "relation": "supplied_importer"}}}, nil)
	var open struct {
		ID     int64
		Duties []struct{ Key, Duty string }
	}
	e.mustJSON("POST", "/api/v1/cases", map[string]any{"title": "Default password", "items": []map[string]any{{"product_id": s.Product.ID}},
		"facts":   map[string]any{"status": "confirmed", "informed_by": nil, "made_available_in_uk": true, "supplied_distributors": false},
		"details": "Every unit ships with the password admin.", "risks": "Anyone on the network can watch."}, &open)
	f.dutyKeys = slices.Clone(fuzzDutyKeys)
	for _, d := range open.Duties {
		f.dutyKeys = append(f.dutyKeys, d.Key)
		if d.Duty == "notify_enforcement_authority" {
			e.mustJSON("POST", fmt.Sprintf("/api/v1/cases/%d/notices", open.ID), map[string]any{"duty_key": d.Key, "party_id": authority.ID}, nil)
		}
	}
	e.mustJSON("POST", fmt.Sprintf("/api/v1/cases/%d/holds", open.ID), map[string]any{"reason": "Stock keeps the old firmware."}, nil)
	parties, err := e.db.Parties(ctx, 0)
	must(t, err)
	list, err := e.db.Cases(ctx, cases.Filter{})
	must(t, err)
	caseIDs := idsOf(list, func(c *cases.Case) int64 { return c.ID })
	var noticeIDs []int64
	for _, c := range caseIDs {
		ns, err := e.db.Notices(ctx, c)
		must(t, err)
		noticeIDs = append(noticeIDs, idsOf(ns, func(n *cases.Notice) int64 { return n.ID })...)
	}
	holds, err := e.db.Holds(ctx, cases.HoldFilter{All: true})
	must(t, err)
	records, err := e.db.Records(ctx, cases.RecordFilter{})
	must(t, err)
	authorityNotices, err := e.db.AuthorityNotices(ctx, cases.AuthorityFilter{})
	must(t, err)

	f.pools = map[string][]int64{
		"party":            idsOf(parties, func(p *cases.Party) int64 { return p.ID }),
		"case":             caseIDs,
		"notice":           noticeIDs,
		"hold":             idsOf(holds, func(h *cases.Hold) int64 { return h.ID }),
		"record":           idsOf(records, func(r *cases.Record) int64 { return r.ID }),
		"authority notice": idsOf(authorityNotices, func(n *cases.AuthorityNotice) int64 { return n.ID }),
		"scope decision":   {decision.ID},
		"statement":        {issued.ID, draftSOC.ID},
		"statement key":    {key.ID},
		"support period":   {published.ID, draft.ID},
		"organisation":     {s.Org.ID},
		"brand":            {s.Brand.ID},
		"manufacturer":     {s.Makers[0].ID, s.Makers[1].ID},
		"product":          {s.Product.ID},
		"version":          {v.ID},
		"batch":            {b1.ID, b2.ID},
		"report":           reportIDs,
		"user":             users,
		"spare user":       spareUsers,
		"spare token":      spareTokens,
		"invitation":       {inv.ID},
		"run":              {run.ID},
		"evidence":         {evidence.ID},
	}
}

// idsOf is the ids of a list, in order.
func idsOf[T any](list []T, id func(T) int64) []int64 {
	out := []int64{}
	for _, x := range list {
		out = append(out, id(x))
	}
	slices.Sort(out)
	return out
}

// fuzzDutyKeys are the {key} of a case's duty paths that no case has;
// seedRegister adds the keys of the open case's duties.
var fuzzDutyKeys = []string{"investigate s.99(1)", "notify_enforcement_authority"}

// fuzzRequirements are the {requirement} of assessment paths: assessed
// requirements, and ones that are not.
var fuzzRequirements = []string{"PSTI-PW-01", "PSTI-VR-03", "PSTI-DSP-02", "PSTI-DSP-04", "PSTI-X-01", "psti-pw-01"}

// fuzzIDFields name the records that body and query fields refer to.
var fuzzIDFields = map[string]string{
	"organisation_id": "organisation", "brand_id": "brand", "product_id": "product", "manufacturer_ids": "manufacturer",
	"batch_id": "batch", "batch_ids": "batch", "assignee_id": "user", "duplicate_of": "report", "entity_id": "any",
	"party_id": "party", "case_id": "case",
}

// fuzzPathPools name the records a path's {id} refers to, by the path's
// first segment. Users and tokens are drawn only from the ones made to be
// acted on.
var fuzzPathPools = map[string]string{
	"organisations": "organisation", "manufacturers": "manufacturer", "brands": "brand", "products": "product",
	"versions": "version", "batches": "batch", "reports": "report", "users": "spare user", "tokens": "spare token",
	"invitations": "invitation", "password-audits": "run", "support-periods": "support period",
	"statement-keys": "statement key", "statements": "statement", "scope-decisions": "scope decision",
	"parties": "party", "cases": "case", "notices": "notice", "holds": "hold", "records": "record", "authority-notices": "authority notice",
}

func (f *apiFuzzer) pool(kind string) []int64 {
	if kind == "any" {
		var all []int64
		for _, k := range []string{"organisation", "brand", "product", "batch", "report"} {
			all = append(all, f.pools[k]...)
		}
		return all
	}
	return f.pools[kind]
}

func (f *apiFuzzer) pick(xs []int64) int64 { return xs[f.rnd.IntN(len(xs))] }

// restore brings back the seeded records an operation archived (and
// archives again the batch that is meant to be), so that what one
// operation did does not decide what the next one can do.
func (f *apiFuzzer) restore() {
	for _, k := range []product.Kind{product.KindOrganisation, product.KindManufacturer, product.KindBrand, product.KindProduct, product.KindVersion, product.KindBatch} {
		for i, id := range f.pools[string(k)] {
			archived := k == product.KindBatch && i == 1
			if _, err := f.e.db.SetArchived(context.Background(), psti.System("test"), k, id, archived); err != nil {
				f.t.Fatalf("restoring %s %d: %v", k, id, err)
			}
		}
	}
}

func (f *apiFuzzer) run() {
	start := time.Now()
	f.rnd = rand.New(rand.NewPCG(f.set.seed, 0))
	f.forms()
	for _, op := range f.ops {
		if f.set.ops != nil && !f.set.ops[op.id] {
			continue
		}
		f.fuzz(op)
		f.restore()
		// No operation may take away the fuzzer's own access: if one did,
		// the rest of the run would test nothing but 401.
		for role, tok := range f.e.tokens {
			if _, err := f.e.svc.Authenticate(context.Background(), "Bearer "+tok); err != nil {
				f.t.Fatalf("after %s the %s token no longer works (%v): the fuzzer must not act on its own users and tokens", op, role, err)
			}
		}
	}
	f.took = time.Since(start)
	var codes []string
	for _, c := range slices.Sorted(maps.Keys(f.statuses)) {
		codes = append(codes, fmt.Sprintf("%d×%d", c, f.statuses[c]))
	}
	f.t.Logf("%s: %d requests in %.1fs: %s", f.backend, len(f.seen), f.took.Seconds(), strings.Join(codes, " "))
	f.minimise()
	f.report()
}

// fuzz sends one operation its requests: each mutation once, then random
// ones. Its generator is seeded from the run's seed and the operation, so
// the same requests go whichever operations are chosen.
func (f *apiFuzzer) fuzz(op *fuzzOp) {
	h := fnv.New64a()
	h.Write([]byte(op.id))
	f.rnd = rand.New(rand.NewPCG(f.set.seed, h.Sum64()))
	muts := f.mutations(op)
	counts := map[int]int{}
	defer func() {
		if testing.Verbose() {
			var cs []string
			for _, c := range slices.Sorted(maps.Keys(counts)) {
				cs = append(cs, fmt.Sprintf("%d×%d", c, counts[c]))
			}
			f.t.Logf("%s %s: %s", f.backend, op, strings.Join(cs, " "))
		}
	}()
	for i := range len(muts) + f.set.requests {
		r := f.base(op)
		if i < len(muts) {
			if !muts[i].who && !op.receipt {
				// Sent by someone allowed to, so that the role check does
				// not stop it before what it tests.
				f.setRole(r, f.pickAllowed(op))
			}
			muts[i].apply(r)
			r.kind = muts[i].name
		} else if f.rnd.IntN(3) > 0 {
			m := muts[f.rnd.IntN(len(muts))]
			m.apply(r)
			r.kind = m.name
		}
		res := f.exec(r)
		counts[res.status]++
		f.record(fmt.Sprintf("%s#%d", op.id, i), r, res)
	}
}

func (f *apiFuzzer) record(key string, r *fuzzReq, res *fuzzResult) {
	f.statuses[res.status]++
	seen := fuzzSeen{key: key, op: r.opName(), kind: r.kind, status: res.status, req: r}
	if r.size() > 64<<10 {
		seen.req = nil // not kept: a long run sends thousands of bodies of a megabyte
	}
	f.seen = append(f.seen, seen)
	for _, is := range res.issues {
		fd := f.findings[is.key]
		if fd == nil {
			fd = &fuzzFinding{issue: is, kinds: map[string]int{}, ops: map[string]int{}}
			f.findings[is.key] = fd
		}
		fd.n++
		fd.kinds[r.kind]++
		fd.ops[r.opID()]++
		if len(res.body) > fd.largest {
			fd.largest, fd.largestNote = len(res.body), is.note
		}
		if fd.ex == nil || r.size() < fd.ex.size() {
			fd.ex, fd.res = r, res
		}
	}
}

// ---- requests ----

type fuzzReq struct {
	op        *fuzzOp // nil for a page
	page      string  // a page's path and query
	kind      string  // what was done to the request
	method    string
	path      map[string]string // path parameters, unescaped
	query     [][2]string       // query parameters, unescaped
	rawQuery  string            // sent as it is instead of query, when set
	as        string            // who sends it, as reported
	role      auth.Role         // whose token it carries, when roleKnown
	roleKnown bool
	authz     string
	hasAuthz  bool
	header    map[string]string
	value     any // the body, when it is JSON built from value
	encoded   bool
	raw       []byte // the body otherwise
	want4xx   bool   // the request must be refused
}

func (r *fuzzReq) opName() string {
	if r.op == nil {
		p, _, _ := strings.Cut(r.page, "?")
		return r.method + " " + p + " (page)"
	}
	return r.op.String()
}

func (r *fuzzReq) opID() string {
	if r.op == nil {
		return r.opName()
	}
	return r.op.id
}

func (r *fuzzReq) clone() *fuzzReq {
	c := *r
	c.path = map[string]string{}
	for k, v := range r.path {
		c.path[k] = v
	}
	c.query = slices.Clone(r.query)
	c.header = map[string]string{}
	for k, v := range r.header {
		c.header[k] = v
	}
	c.value = deepCopy(r.value)
	return &c
}

func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = deepCopy(x)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, x := range v {
			s[i] = deepCopy(x)
		}
		return s
	}
	return v
}

// Markers stand for what a JSON encoder will not write: they are replaced
// in the encoded body by invalid UTF-8 and by a lone surrogate escape.
const (
	badUTF8Marker   = "\uFDD0"
	surrogateMarker = "\uFDD1"
)

func (r *fuzzReq) body() []byte {
	if !r.encoded {
		return r.raw
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r.value); err != nil {
		panic(err)
	}
	out := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	out = bytes.ReplaceAll(out, []byte(badUTF8Marker), []byte("\xff\xfe"))
	return bytes.ReplaceAll(out, []byte(surrogateMarker), []byte(`\ud800`))
}

func (r *fuzzReq) size() int { return len(r.body()) + len(r.target()) + len(r.authz) }

func (r *fuzzReq) target() string {
	if r.op == nil {
		return r.page
	}
	p := "/api/v1" + r.op.path
	for k, v := range r.path {
		p = strings.ReplaceAll(p, "{"+k+"}", url.PathEscape(v))
	}
	q := r.rawQuery
	if q == "" {
		var parts []string
		for _, kv := range r.query {
			parts = append(parts, url.QueryEscape(kv[0])+"="+url.QueryEscape(kv[1]))
		}
		q = strings.Join(parts, "&")
	}
	if q != "" {
		p += "?" + q
	}
	return p
}

func (r *fuzzReq) setQuery(name, value string) {
	for i := range r.query {
		if r.query[i][0] == name {
			r.query[i][1] = value
			return
		}
	}
	r.query = append(r.query, [2]string{name, value})
}

func (r *fuzzReq) setAuth(as, header string) {
	r.as, r.authz, r.hasAuthz, r.roleKnown = as, header, true, false
}

func (f *apiFuzzer) setRole(r *fuzzReq, role auth.Role) {
	if role == auth.Public {
		r.as, r.authz, r.hasAuthz = "with no token", "", false
	} else {
		r.setAuth("as "+string(role), "Bearer "+f.e.tokens[role])
	}
	r.role, r.roleKnown = role, true
}

// pickRole picks who sends a request: mostly someone allowed to, so that
// the request gets past the role check; sometimes anyone at all.
func (f *apiFuzzer) pickRole(op *fuzzOp) auth.Role {
	all := []auth.Role{auth.Public, auth.Viewer, auth.Editor, auth.Admin}
	if op.role == auth.Public || f.rnd.IntN(5) == 0 {
		return all[f.rnd.IntN(len(all))]
	}
	return f.pickAllowed(op)
}

// pickAllowed picks a role that may use op.
func (f *apiFuzzer) pickAllowed(op *fuzzOp) auth.Role {
	all := []auth.Role{auth.Public, auth.Viewer, auth.Editor, auth.Admin}
	var ok []auth.Role
	for _, r := range all {
		if r != auth.Public && r.Allows(op.role) || op.role == auth.Public {
			ok = append(ok, r)
		}
	}
	return ok[f.rnd.IntN(len(ok))]
}

// base is a valid request for op.
func (f *apiFuzzer) base(op *fuzzOp) *fuzzReq {
	r := &fuzzReq{op: op, kind: "valid", method: op.method, path: map[string]string{}, header: map[string]string{}}
	for _, p := range op.params {
		switch p.in {
		case "path":
			seg, _, _ := strings.Cut(strings.TrimPrefix(op.path, "/"), "/")
			id := int64(1)
			if pool := f.pools[fuzzPathPools[seg]]; len(pool) > 0 {
				id = f.pick(pool)
			}
			switch p.name {
			case "requirement":
				// An assessment row: one of the catalogue's, or none.
				r.path[p.name] = fuzzRequirements[f.rnd.IntN(len(fuzzRequirements))]
				continue
			case "key":
				// A case's duty, by its key (space and parentheses
				// escaped in the path), or one it does not have.
				r.path[p.name] = f.dutyKeys[f.rnd.IntN(len(f.dutyKeys))]
				continue
			case "file":
				id = f.pick(f.pools["evidence"])
			}
			r.path[p.name] = strconv.FormatInt(id, 10)
		case "query":
			if p.required || f.rnd.IntN(2) == 0 {
				r.query = append(r.query, [2]string{p.name, fmt.Sprint(f.gen(p.name, p.schema, 0))})
			}
		}
	}
	if op.receipt {
		r.setAuth("with a receipt", "Receipt "+f.receipts[f.rnd.IntN(len(f.receipts))])
	} else {
		f.setRole(r, f.pickRole(op))
	}
	switch {
	case op.upload:
		f.upload(r, f.rnd.IntN(3))
	case op.body != nil:
		r.value, r.encoded = f.gen("", op.body, 0), true
		r.header["Content-Type"] = "application/json"
	}
	return r
}

// ---- values from schemas ----

func (f *apiFuzzer) resolve(s map[string]any) map[string]any {
	for i := 0; s != nil && i < 10; i++ {
		ref, _ := s["$ref"].(string)
		if ref == "" {
			return s
		}
		s = f.schemas[strings.TrimPrefix(ref, "#/components/schemas/")]
	}
	return map[string]any{}
}

func schemaType(s map[string]any) string {
	switch t := s["type"].(type) {
	case string:
		return t
	case []any:
		for _, x := range t {
			if x, _ := x.(string); x != "null" {
				return x
			}
		}
	}
	return ""
}

func intKeyword(s map[string]any, k string, def int64) int64 {
	if v, ok := s[k].(float64); ok {
		return int64(v)
	}
	return def
}

func (f *apiFuzzer) props(s map[string]any) (map[string]map[string]any, map[string]bool) {
	s = f.resolve(s)
	props := map[string]map[string]any{}
	if ps, ok := s["properties"].(map[string]any); ok {
		for k, v := range ps {
			if v, ok := v.(map[string]any); ok {
				props[k] = f.resolve(v)
			}
		}
	}
	req := map[string]bool{}
	if rs, ok := s["required"].([]any); ok {
		for _, k := range rs {
			if k, ok := k.(string); ok {
				req[k] = true
			}
		}
	}
	return props, req
}

// gen makes a valid value for schema s, for a field called name.
func (f *apiFuzzer) gen(name string, s map[string]any, depth int) any {
	s = f.resolve(s)
	if enum, ok := s["enum"].([]any); ok && len(enum) > 0 {
		return enum[f.rnd.IntN(len(enum))]
	}
	switch schemaType(s) {
	case "object":
		props, req := f.props(s)
		m := map[string]any{}
		for _, k := range slices.Sorted(maps.Keys(props)) {
			if req[k] || (depth < 3 && f.rnd.IntN(2) == 0) {
				m[k] = f.gen(k, props[k], depth+1)
			}
		}
		if m["scheme"] == "gtin" {
			m["value"] = "4006381333931"
		}
		return m
	case "array":
		if name == "languages" {
			return []any{"en", "de"}[:1+f.rnd.IntN(2)]
		}
		n := min(int64(f.rnd.IntN(3)), intKeyword(s, "maxItems", 20))
		items, _ := s["items"].(map[string]any)
		out := make([]any, n)
		for i := range out {
			out[i] = f.gen(name, items, depth+1)
		}
		return out
	case "integer":
		return f.genInt(name, s)
	case "number":
		return float64(f.rnd.IntN(100))
	case "boolean":
		return f.rnd.IntN(2) == 0
	case "string":
		return f.genString(name, s)
	}
	return "x"
}

func (f *apiFuzzer) genInt(name string, s map[string]any) int64 {
	// Only seeded records: the two back ends number the records made
	// later differently (PostgreSQL spends a number on every failed
	// insert), and ids that do not exist are a mutation of their own.
	if pool := f.pool(fuzzIDFields[name]); len(pool) > 0 {
		return f.pick(pool)
	}
	lo, hi := intKeyword(s, "minimum", 0), intKeyword(s, "maximum", 100)
	switch name {
	case "revision":
		if f.rnd.IntN(3) > 0 {
			return 0
		}
		return 1 + f.rnd.Int64N(2)
	case "limit":
		hi = min(hi, 20)
	case "offset", "before_id":
		hi = 3
	case "quantity":
		hi = min(hi, 100000)
	}
	hi = max(hi, lo)
	return lo + f.rnd.Int64N(min(hi-lo, 1000)+1)
}

var fuzzWords = strings.Fields("Acme doorbell camera firmware update hub sensor plug bulb router smart lock garden outdoor Pro Mini Max 2 X")

func (f *apiFuzzer) words(n int) string {
	var b strings.Builder
	for b.Len() < n {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(fuzzWords[f.rnd.IntN(len(fuzzWords))])
	}
	return strings.TrimSpace(b.String()[:n])
}

func (f *apiFuzzer) genString(name string, s map[string]any) string {
	format, _ := s["format"].(string)
	switch {
	case format == "date-time":
		return "2099-01-02T03:04:05Z"
	case format == "date" || name == "released_on" || name == "first_produced" || name == "last_produced":
		return fmt.Sprintf("2026-%02d-%02d", 1+f.rnd.IntN(12), 1+f.rnd.IntN(28))
	case strings.Contains(name, "email") || name == "contact" || name == "alert_to":
		return f.emails[f.rnd.IntN(len(f.emails))]
	case name == "website":
		return "https://acme.example/" + strings.ToLower(fuzzWords[f.rnd.IntN(len(fuzzWords))])
	case name == "cursor":
		// A list's cursor (psti.ListKey) of one to three parts, so
		// that some fit the list asked and some are refused.
		var cols []string
		for range f.rnd.IntN(3) {
			cols = append(cols, fuzzWords[f.rnd.IntN(len(fuzzWords))])
		}
		return psti.ListKeyID(1+f.rnd.Int64N(3), cols...)
	case name == "cvss_vector":
		return "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
	case name == "languages":
		return "en"
	case name == "calendar":
		return ""
	case name == "entity":
		return []string{"organisation", "brand", "product", "batch", "user", "token", "report"}[f.rnd.IntN(7)]
	case name == "file_name":
		return "batch.csv"
	case name == "version" || name == "fixed_in" || name == "hardware_version":
		return fmt.Sprintf("%d.%d.%d", f.rnd.IntN(5), f.rnd.IntN(10), f.rnd.IntN(10))
	}
	lo, hi := intKeyword(s, "minLength", 1), intKeyword(s, "maxLength", 200)
	n := min(max(3+int64(f.rnd.IntN(30)), lo, 1), hi)
	return f.words(int(n))
}

// ---- mutations ----

type fuzzMutation struct {
	name  string
	apply func(r *fuzzReq)
	who   bool // it changes who sends the request
}

// badStrings are what a string field receives in the mutations that spoil
// strings.
var badStrings = []struct{ name, s string }{
	{"NUL", "\x00"},
	{"control characters", "\x07\x1b[2J\x7f"},
	{"invalid UTF-8", badUTF8Marker},
	{"a lone surrogate", surrogateMarker},
	{"a bidi control", "\u202e"},
}

// mutations lists the ways a valid request for op is spoilt. Each is
// applied once in order, then at random.
func (f *apiFuzzer) mutations(op *fuzzOp) []fuzzMutation {
	var ms []fuzzMutation
	add := func(name string, apply func(r *fuzzReq)) { ms = append(ms, fuzzMutation{name: name, apply: apply}) }
	addWho := func(name string, apply func(r *fuzzReq)) {
		ms = append(ms, fuzzMutation{name: name, apply: apply, who: true})
	}

	// Who sends it.
	for _, role := range []auth.Role{auth.Public, auth.Viewer, auth.Editor, auth.Admin} {
		name := "valid, as " + string(role)
		if role == auth.Public {
			name = "valid, with no token"
		}
		if op.receipt {
			name += " (no receipt)"
		}
		addWho(name, func(r *fuzzReq) { f.setRole(r, role) })
	}
	tokenLike := func() string {
		tok := []byte(f.e.tokens[auth.Viewer])
		for i := len(auth.TokenPrefix); i < len(tok); i++ {
			tok[i] = "abcdefghijklmnopqrstuvwxyz234567"[f.rnd.IntN(32)]
		}
		return string(tok)
	}
	addWho("unknown token", func(r *fuzzReq) { r.setAuth("with an unknown token", "Bearer "+tokenLike()) })
	addWho("revoked token", func(r *fuzzReq) { r.setAuth("with a revoked token", "Bearer "+f.revoked) })
	addWho("malformed Authorization", func(r *fuzzReq) {
		tok := f.e.tokens[f.pickRole(op)]
		if tok == "" {
			tok = f.e.tokens[auth.Viewer]
		}
		h := []string{"Bearer", "Bearer ", "Bearer  ", "Basic dXNlcjpwYXNzd29yZA==", "psti_", tok, "Bearer " + tok + " extra",
			"Bearer " + tok[:len(tok)-1], "Token " + tok, "Bearer " + strings.Repeat("a", 8<<10), "Bearer\t" + tok,
			"Bearer " + strings.ToUpper(tok), "Bearer psti_" + strings.Repeat("é", 26), "Bearer " + tok + "\u202e", "Receipt",
		}[f.rnd.IntN(15)]
		r.setAuth(fmt.Sprintf("with Authorization: %q", h), h)
	})
	addWho("NUL in Authorization", func(r *fuzzReq) {
		h := []string{"Bearer " + f.e.tokens[auth.Admin] + "\x00", "Bearer \x00", "\x00", "Receipt \x00", "Bearer psti_\x00"}[f.rnd.IntN(5)]
		r.setAuth(fmt.Sprintf("with Authorization: %q", h), h)
	})
	if op.method != http.MethodGet {
		add("cross-origin", func(r *fuzzReq) { r.header["Sec-Fetch-Site"] = "cross-site" })
	}
	if op.receipt {
		addWho("unknown receipt", func(r *fuzzReq) { r.setAuth("with an unknown receipt", "Receipt "+f.mangle(f.receipts[0])) })
		for _, bad := range badStrings[:3] {
			addWho(bad.name+" in the receipt", func(r *fuzzReq) {
				h := "Receipt " + inject(f.receipts[0], strings.ReplaceAll(bad.s, badUTF8Marker, "\xff"), f.rnd)
				r.setAuth(fmt.Sprintf("with Authorization: %q", h), h)
			})
		}
		addWho("empty receipt", func(r *fuzzReq) { r.setAuth(`with Authorization: "Receipt "`, "Receipt ") })
	}

	// The path.
	if name := op.pathParam(); name != "" {
		for _, m := range []struct {
			name string
			ids  []string
		}{
			{"unknown id in the path", []string{"999999", "9223372036854775807"}},
			{"id out of range in the path", []string{"0", "-1", "99999999999999999999"}},
			{"id not a number", []string{"abc", "1.5", "1e3", " 1", "0x10", "１", "1;"}},
			{"NUL in the path", []string{"\x00", "1\x00"}},
			{"invalid UTF-8 in the path", []string{"\xff", "1\xfe"}},
		} {
			add(m.name, func(r *fuzzReq) { r.path[name] = m.ids[f.rnd.IntN(len(m.ids))] })
		}
	}

	// The query.
	if qs := op.queryParams(); len(qs) > 0 {
		rq := func() fuzzParam { return qs[f.rnd.IntN(len(qs))] }
		for _, p := range qs {
			add("NUL in query "+p.name, func(r *fuzzReq) { r.setQuery(p.name, inject(f.queryValue(p), "\x00", f.rnd)) })
			switch schemaType(p.schema) {
			case "string":
				add("invalid UTF-8 in query "+p.name, func(r *fuzzReq) { r.setQuery(p.name, inject(f.queryValue(p), "\xff", f.rnd)) })
			case "integer": // just past 32 bits, or the most 64 bits hold
				add("large number in query "+p.name, func(r *fuzzReq) { r.setQuery(p.name, []string{"2147483648", "9223372036854775807"}[f.rnd.IntN(2)]) })
			}
		}
		add("a bidi control in the query", func(r *fuzzReq) {
			p := rq()
			r.setQuery(p.name, inject(f.queryValue(p), "\u202e", f.rnd))
		})
		add("wrong type in the query", func(r *fuzzReq) {
			p := rq()
			r.setQuery(p.name, []string{"abc", "1.5", "[]", "true", "{}"}[f.rnd.IntN(5)])
		})
		add("number out of range in the query", func(r *fuzzReq) {
			p := rq()
			vals := []string{"-1", "0", "99999999999999999999", "9223372036854775807", "-9223372036854775808", "1e3"}
			if m, ok := p.schema["maximum"].(float64); ok {
				vals = append(vals, strconv.FormatInt(int64(m)+1, 10))
			}
			r.setQuery(p.name, vals[f.rnd.IntN(len(vals))])
		})
		add("over-long query", func(r *fuzzReq) { r.setQuery(rq().name, strings.Repeat("a", 10<<10)) })
		add("empty query value", func(r *fuzzReq) { r.setQuery(rq().name, "") })
		add("unknown query parameter", func(r *fuzzReq) { r.setQuery("colour", "red") })
		add("repeated query parameter", func(r *fuzzReq) {
			p := rq()
			v := f.queryValue(p)
			r.query = append(r.query, [2]string{p.name, v}, [2]string{p.name, v + "1"})
		})
		add("malformed query", func(r *fuzzReq) {
			p := rq()
			r.rawQuery = []string{p.name + "=%zz", p.name + "=%", p.name + "=%00%ff", "=&&=", p.name + "=1;" + p.name + "=2", p.name + "=%u202e"}[f.rnd.IntN(6)]
		})
	}

	switch {
	case op.body != nil:
		ms = append(ms, f.bodyMutations(op)...)
	case op.upload:
		ms = append(ms, f.uploadMutations(op)...)
	}
	return ms
}

func (f *apiFuzzer) queryValue(p fuzzParam) string { return fmt.Sprint(f.gen(p.name, p.schema, 0)) }

// mangle changes the letters of a secret, keeping its shape.
func (f *apiFuzzer) mangle(s string) string {
	b := []byte(s)
	for i := range b {
		if b[i] >= 'a' && b[i] <= 'z' {
			b[i] = 'a' + byte(f.rnd.IntN(26))
		}
	}
	return string(b)
}

// inject puts bad into s at a random place, or makes it the whole string.
func inject(s, bad string, rnd *rand.Rand) string {
	if s == "" || rnd.IntN(4) == 0 {
		return bad
	}
	i := rnd.IntN(len(s) + 1)
	for i < len(s) && !utf8.RuneStart(s[i]) {
		i++
	}
	return s[:i] + bad + s[i:]
}

func (f *apiFuzzer) bodyMutations(op *fuzzOp) []fuzzMutation {
	var ms []fuzzMutation
	add := func(name string, apply func(r *fuzzReq)) {
		ms = append(ms, fuzzMutation{name: name, apply: func(r *fuzzReq) {
			if _, ok := r.value.(map[string]any); !ok {
				r.value = map[string]any{}
			}
			apply(r)
		}})
	}
	obj := func(r *fuzzReq) map[string]any { return r.value.(map[string]any) }
	props, required := f.props(op.body)
	keys := slices.Sorted(maps.Keys(props))
	ofType := func(types ...string) []string {
		var ks []string
		for _, k := range keys {
			if slices.Contains(types, schemaType(props[k])) {
				ks = append(ks, k)
			}
		}
		return ks
	}
	anyOf := func(ks []string) string { return ks[f.rnd.IntN(len(ks))] }
	ints := ofType("integer")
	var texts []string // fields that hold free text somewhere inside
	for _, k := range keys {
		if f.holdsText(props[k]) {
			texts = append(texts, k)
		}
	}

	add("unknown field", func(r *fuzzReq) { obj(r)["colour"] = "red" })
	// Not thousands: each unknown field is reported with the whole body
	// as its value, so the answer grows with the square of their number.
	add("hundreds of unknown fields", func(r *fuzzReq) {
		for i := range 300 {
			obj(r)[fmt.Sprintf("unknown_%04d", i)] = i
		}
	})
	add("wrong type", func(r *fuzzReq) {
		k := anyOf(keys)
		obj(r)[k] = wrongType(schemaType(props[k]), f.rnd)
	})
	add("null field", func(r *fuzzReq) { obj(r)[anyOf(keys)] = nil })
	if len(ints) > 0 {
		add("number out of range", func(r *fuzzReq) {
			k := anyOf(ints)
			vals := []string{"-1", "0", "9223372036854775807", "9223372036854775808", "-9223372036854775809", "1e400", "1.5", "1e3", "-0", "99999999999999999999999999"}
			if m, ok := props[k]["maximum"].(float64); ok {
				vals = append(vals, strconv.FormatInt(int64(m)+1, 10))
			}
			if m, ok := props[k]["minimum"].(float64); ok {
				vals = append(vals, strconv.FormatInt(int64(m)-1, 10))
			}
			obj(r)[k] = json.Number(vals[f.rnd.IntN(len(vals))])
		})
	}
	if strs := ofType("string"); len(strs) > 0 {
		add("empty string", func(r *fuzzReq) { obj(r)[anyOf(strs)] = []string{"", " ", "\t\n"}[f.rnd.IntN(3)] })
		add("over-long string", func(r *fuzzReq) {
			k := anyOf(strs)
			n := int(intKeyword(props[k], "maxLength", 1000))
			obj(r)[k] = []string{strings.Repeat("a", n+1), strings.Repeat("é", n+1), strings.Repeat("a", 100<<10)}[f.rnd.IntN(3)]
		})
	}
	// Every field that holds text gets a NUL once, because PostgreSQL
	// refuses it wherever it is not caught first; the other bad strings go
	// to one field at random.
	for _, k := range texts {
		add("NUL in "+k, func(r *fuzzReq) { obj(r)[k] = f.spoil(obj(r)[k], props[k], "\x00") })
	}
	if len(texts) > 0 {
		for _, bad := range badStrings[1:] {
			add(bad.name+" in a string", func(r *fuzzReq) {
				k := anyOf(texts)
				obj(r)[k] = f.spoil(obj(r)[k], props[k], bad.s)
			})
		}
	}
	// Every field that names a record gets an id that does not exist.
	for _, k := range keys {
		if !f.namesRecord(k, props[k]) {
			continue
		}
		add("unknown id in "+k, func(r *fuzzReq) {
			if kinds, ok := props["kind"]["enum"].([]any); ok && slices.Contains(kinds, any("triage")) {
				// A report action: the one that reads the id, on the
				// revision it is at.
				obj(r)["kind"] = "triage"
				if k == "duplicate_of" {
					obj(r)["kind"], obj(r)["status"] = "close", "duplicate"
				}
				delete(obj(r), "revision")
			}
			obj(r)[k] = f.unknownIDs(k, props[k])
		})
	}
	if len(required) > 0 {
		req := slices.Sorted(maps.Keys(required))
		add("missing required field", func(r *fuzzReq) { delete(obj(r), anyOf(req)) })
	}
	add("empty object", func(r *fuzzReq) { r.value = map[string]any{} })
	add("duplicate field", func(r *fuzzReq) {
		b := r.body()
		k := anyOf(keys)
		r.raw, r.encoded = append([]byte(fmt.Sprintf(`{%q: %s, `, k, []string{`"dup"`, `1`, `null`}[f.rnd.IntN(3)])), bytes.TrimPrefix(b, []byte("{"))...), false
		if len(obj(r)) == 0 {
			r.raw = []byte(fmt.Sprintf(`{%q: "dup"}`, k))
		}
	})
	ms = append(ms,
		fuzzMutation{name: "wrong top-level type", apply: func(r *fuzzReq) {
			r.raw, r.encoded = []byte([]string{`[]`, `null`, `"x"`, `1`, `true`, `[{}]`}[f.rnd.IntN(6)]), false
		}},
		fuzzMutation{name: "malformed JSON", apply: func(r *fuzzReq) {
			b := string(r.body())
			r.raw, r.encoded = []byte([]string{b[:len(b)/2], b + "}", b + " trailing", "{", `{"a":}`, `{'name': 'x'}`,
				`{"name": "a` + "\x00" + `b"}`, strings.Repeat("[", 20000), "\ufeff" + b, `{"a":1,}`, `{"a": 01}`, `{"a": NaN}`,
				"/* note */" + b, strings.ReplaceAll(b, `"`, `\"`)}[f.rnd.IntN(14)]), false
		}},
		fuzzMutation{name: "empty body", apply: func(r *fuzzReq) { r.raw, r.encoded = nil, false }},
		fuzzMutation{name: "wrong content type", apply: func(r *fuzzReq) {
			r.header["Content-Type"] = []string{"text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
				"image/png", "application/cbor", "text/csv"}[f.rnd.IntN(7)]
		}},
		fuzzMutation{name: "unusual content type", apply: func(r *fuzzReq) {
			r.header["Content-Type"] = []string{"application/json; charset=utf-16", "application/", "application/json\x00", "APPLICATION/JSON",
				"application/merge-patch+json", "application/problem+json", "application/json; charset=latin1", ";;"}[f.rnd.IntN(8)]
		}},
		fuzzMutation{name: "no Content-Type", apply: func(r *fuzzReq) { delete(r.header, "Content-Type") }},
		fuzzMutation{name: "body over the limit", apply: func(r *fuzzReq) {
			m, ok := r.value.(map[string]any)
			if !ok {
				m = map[string]any{}
			}
			k := "padding"
			if strs := ofType("string"); len(strs) > 0 {
				k = anyOf(strs)
			}
			m[k] = strings.Repeat("a", 1<<20+f.rnd.IntN(1000))
			r.value, r.encoded = m, true
		}},
	)
	return ms
}

// holdsText reports whether a value of schema s holds free text: a string
// that is not one of a list, or an array or object with one inside.
func (f *apiFuzzer) holdsText(s map[string]any) bool {
	s = f.resolve(s)
	switch schemaType(s) {
	case "string":
		_, enum := s["enum"]
		format, _ := s["format"].(string)
		return !enum && format != "date-time"
	case "array":
		items, _ := s["items"].(map[string]any)
		return f.holdsText(items)
	case "object":
		props, _ := f.props(s)
		for _, p := range props {
			if f.holdsText(p) {
				return true
			}
		}
	}
	return false
}

// spoil returns a value for schema s (v, when it has one) with bad put into
// its text.
func (f *apiFuzzer) spoil(v any, s map[string]any, bad string) any {
	s = f.resolve(s)
	switch schemaType(s) {
	case "string":
		str, _ := v.(string)
		if str == "" {
			str = f.genString("", s)
		}
		return inject(str, bad, f.rnd)
	case "array":
		items, _ := s["items"].(map[string]any)
		return []any{f.spoil(nil, items, bad)}
	case "object":
		m, _ := deepCopy(v).(map[string]any)
		if m == nil {
			m, _ = f.gen("", s, 1).(map[string]any)
		}
		// In a fixed order: each field draws from the generator, and both
		// back ends must be sent the same requests.
		props, _ := f.props(s)
		for _, k := range slices.Sorted(maps.Keys(props)) {
			if f.holdsText(props[k]) {
				m[k] = f.spoil(m[k], props[k], bad)
			}
		}
		return m
	}
	return v
}

// namesRecord reports whether field k (of schema s) holds record ids.
func (f *apiFuzzer) namesRecord(k string, s map[string]any) bool {
	if _, ok := fuzzIDFields[k]; ok {
		return true
	}
	if schemaType(s) == "array" {
		items, _ := s["items"].(map[string]any)
		props, _ := f.props(items)
		for p := range props {
			if _, ok := fuzzIDFields[p]; ok {
				return true
			}
		}
	}
	return false
}

// unknownIDs is a value for field k that names records that do not exist.
func (f *apiFuzzer) unknownIDs(k string, s map[string]any) any {
	id := json.Number([]string{"999999", "9223372036854775807", "1099511627776"}[f.rnd.IntN(3)])
	if schemaType(s) != "array" {
		return id
	}
	items, _ := s["items"].(map[string]any)
	items = f.resolve(items)
	if schemaType(items) != "object" {
		return []any{id}
	}
	m, _ := f.gen(k, items, 1).(map[string]any)
	props, _ := f.props(items)
	for p := range props {
		if _, ok := fuzzIDFields[p]; ok {
			m[p] = id
		}
	}
	return []any{m}
}

func wrongType(t string, rnd *rand.Rand) any {
	var opts []any
	for _, v := range []struct {
		t string
		v any
	}{{"string", "text"}, {"integer", json.Number("12")}, {"boolean", true}, {"object", map[string]any{"a": 1}}, {"array", []any{"x"}}, {"number", json.Number("1.5")}} {
		if v.t != t && !(t == "number" && v.t == "integer") {
			opts = append(opts, v.v)
		}
	}
	return opts[rnd.IntN(len(opts))]
}

// ---- uploads ----

const fuzzBoundary = "fuzzBoundary7MA4YWxk"

func (f *apiFuzzer) csv(rows int) string {
	var b strings.Builder
	b.WriteString("serial,password\n")
	for i := range rows {
		pw := make([]byte, 14)
		for j := range pw {
			pw[j] = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"[f.rnd.IntN(55)]
		}
		fmt.Fprintf(&b, "SN%05d,%s\n", i, pw)
	}
	return b.String()
}

func multipartBody(parts ...[3]string) string {
	var b strings.Builder
	for _, p := range parts { // name, file name, content
		fmt.Fprintf(&b, "--%s\r\nContent-Disposition: form-data; name=%q; filename=%q\r\nContent-Type: application/octet-stream\r\n\r\n%s\r\n", fuzzBoundary, p[0], p[1], p[2])
	}
	return b.String() + "--" + fuzzBoundary + "--\r\n"
}

func gzipped(s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	_, _ = w.Write([]byte(s))
	_ = w.Close()
	return b.Bytes()
}

// upload gives r a valid batch file: as CSV, compressed, or in a form.
func (f *apiFuzzer) upload(r *fuzzReq, how int) {
	csv := f.csv(1 + f.rnd.IntN(5))
	switch how {
	case 0:
		r.raw, r.header["Content-Type"] = []byte(csv), "text/csv"
	case 1:
		r.raw, r.header["Content-Type"] = gzipped(csv), "application/gzip"
	default:
		r.raw, r.header["Content-Type"] = []byte(multipartBody([3]string{"file", "batch.csv", csv})), "multipart/form-data; boundary="+fuzzBoundary
	}
}

func (f *apiFuzzer) uploadMutations(op *fuzzOp) []fuzzMutation {
	var ms []fuzzMutation
	add := func(name string, apply func(r *fuzzReq)) { ms = append(ms, fuzzMutation{name: name, apply: apply}) }
	form := "multipart/form-data; boundary=" + fuzzBoundary
	file := func(r *fuzzReq, ctype string, body string) { r.raw, r.header["Content-Type"] = []byte(body), ctype }
	add("CSV", func(r *fuzzReq) { f.upload(r, 0) })
	add("gzip", func(r *fuzzReq) { f.upload(r, 1) })
	add("form", func(r *fuzzReq) { f.upload(r, 2) })
	add("form with a declaration", func(r *fuzzReq) {
		decl := []string{`{"format": "psti-password-manifest/1", "mechanism": "csprng", "entropy_bits": 80, "length": 14, "alphabet": "abc"}`, `{}`, `[`, "\x00", `{"format": "psti-password-manifest/1", "mechanism": "csprng\u0000", "entropy_bits": 1e400}`}[f.rnd.IntN(5)]
		file(r, form, multipartBody([3]string{"file", "batch.csv", f.csv(3)}, [3]string{"declaration", "manifest.json", decl}))
	})
	for _, bad := range []struct{ name, s string }{{"NUL", "\x00"}, {"invalid UTF-8", "\xff\xfe"}, {"a bidi control", "\u202e"}} {
		add(bad.name+" in the file", func(r *fuzzReq) {
			lines := strings.Split(f.csv(3), "\n")
			i := f.rnd.IntN(3)
			lines[i] = inject(lines[i], bad.s, f.rnd)
			file(r, []string{"text/csv", form}[f.rnd.IntN(2)], strings.Join(lines, "\n"))
			if strings.HasPrefix(r.header["Content-Type"], "multipart") {
				r.raw = []byte(multipartBody([3]string{"file", "batch.csv", string(r.raw)}))
			}
		})
	}
	add("empty file", func(r *fuzzReq) { file(r, "text/csv", "") })
	add("binary garbage", func(r *fuzzReq) {
		b := make([]byte, 1+f.rnd.IntN(4096))
		for i := range b {
			b[i] = byte(f.rnd.IntN(256))
		}
		r.raw, r.header["Content-Type"] = b, "application/octet-stream"
	})
	add("damaged gzip", func(r *fuzzReq) {
		g := gzipped(f.csv(50))
		file(r, "application/gzip", string(g[:len(g)/2]))
	})
	add("no password column", func(r *fuzzReq) { file(r, "text/csv", "serial,colour\nSN1,red\n") })
	add("wrong content type", func(r *fuzzReq) {
		r.header["Content-Type"] = []string{"application/json", "application/x-www-form-urlencoded", "image/png", "text/plain; charset=latin1", "application/", "text/csv\x00"}[f.rnd.IntN(6)]
	})
	add("no Content-Type", func(r *fuzzReq) { delete(r.header, "Content-Type") })
	add("form without a boundary", func(r *fuzzReq) { r.header["Content-Type"] = "multipart/form-data" })
	add("malformed form", func(r *fuzzReq) {
		file(r, form, []string{"--" + fuzzBoundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\npassword\nabc",
			"garbage", "--" + fuzzBoundary + "--", "--" + fuzzBoundary + "\r\n\r\n\r\n--" + fuzzBoundary + "--\r\n"}[f.rnd.IntN(4)])
	})
	add("bad file name", func(r *fuzzReq) {
		name := []string{"a\x00.csv", "\xff.csv", "\u202ecsv.exe", strings.Repeat("n", 5000) + ".csv", "../../etc/passwd", ""}[f.rnd.IntN(6)]
		file(r, form, multipartBody([3]string{"file", name, f.csv(3)}))
	})
	add("two files", func(r *fuzzReq) {
		file(r, form, multipartBody([3]string{"file", "a.csv", f.csv(2)}, [3]string{"file", "b.csv", f.csv(2)}))
	})
	add("form without the file", func(r *fuzzReq) { file(r, form, multipartBody([3]string{"other", "x.csv", f.csv(2)})) })
	add("archived batch", func(r *fuzzReq) { r.setQuery("batch_id", strconv.FormatInt(f.pools["batch"][1], 10)) })
	add("upload over 1 MiB", func(r *fuzzReq) {
		b := bytes.Repeat([]byte{0xfe, 0x00, 0x41}, (1<<20)/3+1000)
		r.raw, r.header["Content-Type"] = b, "text/csv"
	})
	return ms
}

// ---- sending and checking ----

type fuzzResult struct {
	status int
	header http.Header
	body   []byte
	log    string
	issues []fuzzIssue
}

// An issue is one thing wrong with one answer. Its key groups it with the
// same thing wrong elsewhere.
type fuzzIssue struct {
	cat    int
	key    string
	op     string
	status int
	note   string
}

// The kinds of issue, in the order they are reported.
const (
	catServerError = iota
	catUndocumented
	catNotProblem
	catEcho
	catSchema
	catNotRefused
	catAccess
)

var catTitles = []string{
	catServerError:  "server errors (5xx)",
	catUndocumented: "statuses the OpenAPI document does not list for the operation",
	catNotProblem:   "refusals that are not problem documents",
	catEcho:         "problem documents larger than " + strconv.Itoa(maxProblem) + " bytes (they send the request back)",
	catSchema:       "answers that do not match the OpenAPI document",
	catNotRefused:   "page forms that accepted what they must refuse",
	catAccess:       "requests answered that the sender may not make",
}

func (f *apiFuzzer) exec(r *fuzzReq) *fuzzResult {
	req := httptest.NewRequest(r.method, r.target(), bytes.NewReader(r.body()))
	if r.hasAuthz {
		req.Header["Authorization"] = []string{r.authz} // as it is, whatever it holds
	}
	for k, v := range r.header {
		req.Header[k] = []string{v}
	}
	rec := httptest.NewRecorder()
	f.e.srv.Handler().ServeHTTP(rec, req)
	res := &fuzzResult{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes(), log: f.log.take()}
	name := r.opName()
	issue := func(cat int, key, note string) {
		where := name
		if cat == catEcho {
			where = "" // the same cause everywhere: one finding, naming every operation
		}
		res.issues = append(res.issues, fuzzIssue{cat: cat, key: fmt.Sprintf("%d|%s|%d|%s", cat, where, res.status, key), op: name, status: res.status, note: note})
	}
	if res.status >= 500 {
		key := r.kind
		if c := errorCause(res.log); c != "" {
			key = c // one finding per cause, however it was reached
		}
		issue(catServerError, key, "")
	}
	if r.op == nil {
		if r.want4xx && res.status < 400 {
			issue(catNotRefused, r.kind, "")
		}
		return res
	}
	if res.status < 300 && r.roleKnown && !r.role.Allows(r.op.role) {
		issue(catAccess, string(r.role), fmt.Sprintf("needs %s, sent %s", r.op.role, r.as))
	}
	if res.status < 400 && r.header["Sec-Fetch-Site"] == "cross-site" {
		issue(catAccess, "cross-site", "a cross-site request that changes data was not refused")
	}
	documented := r.op.documents(res.status)
	if !documented {
		issue(catUndocumented, "", "")
	}
	if res.status >= 400 {
		mt, _, _ := mime.ParseMediaType(res.header.Get("Content-Type"))
		var p struct {
			Status int    `json:"status"`
			Title  string `json:"title"`
		}
		switch {
		case mt != "application/problem+json":
			issue(catNotProblem, "", fmt.Sprintf("Content-Type %q", res.header.Get("Content-Type")))
		case json.Unmarshal(res.body, &p) != nil || p.Status != res.status || p.Title == "":
			issue(catNotProblem, "", "not a problem document with this status and a title")
		}
		if len(res.body) > maxProblem {
			issue(catEcho, r.kind, fmt.Sprintf("%d bytes in answer to a request of %d", len(res.body), r.size()))
		}
	}
	if documented && res.status < 500 && len(res.body) <= 1<<20 {
		hr := &http.Response{StatusCode: res.status, Header: res.header, Body: io.NopCloser(bytes.NewReader(res.body)), Request: req}
		req.Body = io.NopCloser(bytes.NewReader(r.body()))
		if ok, errs := f.check.ValidateHttpResponse(req, hr); !ok {
			for _, e := range errs {
				note := e.Message
				if e.Reason != "" && e.Reason != e.Message {
					note += ": " + e.Reason
				}
				for _, se := range e.SchemaValidationErrors {
					note += fmt.Sprintf("\n      %s: %s", se.KeywordLocation, se.Reason)
				}
				issue(catSchema, e.Message, "mismatch: "+note)
			}
		}
	}
	return res
}

var fuzzDigits = regexp.MustCompile(`[0-9]+`)

// errorCause is the error the server logged, with its numbers left out,
// to tell one cause of server errors from another.
func errorCause(log string) string {
	for _, line := range strings.Split(log, "\n") {
		if _, err, ok := strings.Cut(line, " err="); ok && strings.Contains(line, "level=ERROR") {
			err = fuzzDigits.ReplaceAllString(err, "#")
			return err[:min(len(err), 160)]
		}
	}
	return ""
}

// ---- findings ----

type fuzzFinding struct {
	issue       fuzzIssue
	n           int
	kinds       map[string]int
	ops         map[string]int
	ex          *fuzzReq
	res         *fuzzResult
	largest     int // the largest answer that showed it
	largestNote string
}

// minimise makes each finding's example as small as it can while it still
// shows the same issue, by dropping fields and query parameters and
// shortening strings. It runs after the fuzzing, as it sends requests of
// its own.
func (f *apiFuzzer) minimise() {
	for _, fd := range f.findings {
		cur, res := fd.ex, fd.res
		for tries := 0; tries < 60; {
			better := false
			for _, c := range smaller(cur) {
				tries++
				cr := f.exec(c)
				if slices.ContainsFunc(cr.issues, func(is fuzzIssue) bool { return is.key == fd.issue.key }) {
					cur, res, better = c, cr, true
					break
				}
				if tries >= 60 {
					break
				}
			}
			if !better {
				break
			}
		}
		fd.ex, fd.res = cur, res
	}
}

// smaller lists requests a little smaller than r.
func smaller(r *fuzzReq) []*fuzzReq {
	var out []*fuzzReq
	with := func(change func(c *fuzzReq)) {
		c := r.clone()
		change(c)
		out = append(out, c)
	}
	if m, ok := r.value.(map[string]any); ok && r.encoded {
		keys := slices.Sorted(maps.Keys(m))
		if len(keys) > 8 {
			with(func(c *fuzzReq) {
				for _, k := range keys[:len(keys)/2] {
					delete(c.value.(map[string]any), k)
				}
			})
			with(func(c *fuzzReq) {
				for _, k := range keys[len(keys)/2:] {
					delete(c.value.(map[string]any), k)
				}
			})
		}
		for _, k := range keys {
			with(func(c *fuzzReq) { delete(c.value.(map[string]any), k) })
		}
		for _, k := range keys {
			switch v := m[k].(type) {
			case string:
				for _, s := range shorter(v) {
					with(func(c *fuzzReq) { c.value.(map[string]any)[k] = s })
				}
			case []any:
				if len(v) > 1 {
					with(func(c *fuzzReq) { c.value.(map[string]any)[k] = v[:1] })
				}
			case map[string]any:
				for _, kk := range slices.Sorted(maps.Keys(v)) {
					with(func(c *fuzzReq) { delete(c.value.(map[string]any)[k].(map[string]any), kk) })
				}
			}
		}
	}
	for i := range r.query {
		with(func(c *fuzzReq) { c.query = slices.Delete(c.query, i, i+1) })
	}
	for i, kv := range r.query {
		for _, s := range shorter(kv[1]) {
			with(func(c *fuzzReq) { c.query[i][1] = s })
		}
	}
	return out
}

// shorter lists shorter versions of s: only its unusual characters, and
// its first half.
func shorter(s string) []string {
	var out []string
	odd := strings.Map(func(r rune) rune {
		if r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == ' ') {
			return -1
		}
		return r
	}, s)
	if odd != "" && odd != s && len(odd) < len(s) {
		out = append(out, odd)
	}
	if len(s) > 12 {
		out = append(out, s[:len(s)/2])
	}
	return out
}

// describe writes a request as a developer would want to read it.
func (f *apiFuzzer) describe(r *fuzzReq) string {
	var b strings.Builder
	as := r.as
	if as == "" {
		as = "with no token"
	}
	fmt.Fprintf(&b, "request:  %s %s %s", r.method, clip([]byte(r.target()), 300), as)
	if c, ok := r.header["Content-Type"]; ok {
		fmt.Fprintf(&b, ", Content-Type: %s", quoteOdd(c))
	} else if len(r.body()) > 0 {
		b.WriteString(", no Content-Type")
	}
	for k, v := range r.header {
		if k != "Content-Type" {
			fmt.Fprintf(&b, ", %s: %s", k, v)
		}
	}
	if body := r.body(); len(body) > 0 {
		fmt.Fprintf(&b, "\n            %s", clip(body, 400))
	}
	s := b.String()
	for role, tok := range f.e.tokens {
		s = strings.ReplaceAll(s, tok, "<"+string(role)+" token>")
	}
	return strings.ReplaceAll(s, f.revoked, "<revoked token>")
}

// clip shows the start of b, quoted if it is not plain text, with its size
// when it is cut.
func clip(b []byte, n int) string {
	b = bytes.TrimSpace(b)
	if bytes.HasPrefix(b, []byte("<!doctype html>")) { // a page: its title says enough
		if _, t, ok := bytes.Cut(b, []byte("<title>")); ok {
			t, _, _ = bytes.Cut(t, []byte("</title>"))
			return fmt.Sprintf("a page titled %q (%d bytes)", t, len(b))
		}
	}
	s, more := string(b), ""
	if len(s) > n {
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s, more = s[:n], fmt.Sprintf("… (%d bytes)", len(b))
	}
	return quoteOdd(s) + more
}

func quoteOdd(s string) string {
	if !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool {
		return (unicode.IsControl(r) && r != '\n') || unicode.Is(unicode.Bidi_Control, r) || r == 0xFDD0 || r == 0xFDD1
	}) {
		return strconv.Quote(s)
	}
	return s
}

func (f *apiFuzzer) report() {
	byCat := map[int][]*fuzzFinding{}
	for _, fd := range f.findings {
		byCat[fd.issue.cat] = append(byCat[fd.issue.cat], fd)
	}
	total := 0
	for cat := range catTitles {
		fds := byCat[cat]
		if len(fds) == 0 {
			continue
		}
		total += len(fds)
		sort.Slice(fds, func(i, j int) bool {
			a, b := fds[i].issue, fds[j].issue
			if a.op != b.op {
				return a.op < b.op
			}
			if a.status != b.status {
				return a.status < b.status
			}
			return a.key < b.key
		})
		var b strings.Builder
		fmt.Fprintf(&b, "%s: %d %s (seed %d)\n", f.backend, len(fds), catTitles[cat], f.set.seed)
		if cat == catUndocumented { // the same few statuses are missing from many operations
			byStatus := map[int][]string{}
			for _, fd := range fds {
				id := fd.issue.op
				if fd.ex.op != nil {
					id = fd.ex.op.id
				}
				byStatus[fd.issue.status] = append(byStatus[fd.issue.status], id)
			}
			for _, st := range slices.Sorted(maps.Keys(byStatus)) {
				fmt.Fprintf(&b, "  %d from %d operations: %s\n", st, len(byStatus[st]), strings.Join(byStatus[st], ", "))
			}
		}
		for _, fd := range fds {
			var kinds []string
			for _, k := range slices.Sorted(maps.Keys(fd.kinds)) {
				kinds = append(kinds, fmt.Sprintf("%s ×%d", k, fd.kinds[k]))
			}
			if cat == catEcho {
				fmt.Fprintf(&b, "\n● %d after %s, %d times, from %d operations\n", fd.issue.status, strings.Join(slices.Sorted(maps.Keys(fd.kinds)), ", "), fd.n, len(fd.ops))
				fmt.Fprintf(&b, "  operations: %s\n", strings.Join(slices.Sorted(maps.Keys(fd.ops)), ", "))
			} else {
				fmt.Fprintf(&b, "\n● %s → %d, %d times: %s\n", fd.issue.op, fd.issue.status, fd.n, strings.Join(kinds, "; "))
			}
			if cat == catUndocumented && fd.ex.op != nil {
				fmt.Fprintf(&b, "  documented: %s\n", fd.ex.op.documented())
			}
			fmt.Fprintf(&b, "  %s\n", f.describe(fd.ex))
			fmt.Fprintf(&b, "  answer:   %d %s %s\n", fd.res.status, fd.res.header.Get("Content-Type"), clip(fd.res.body, 300))
			for _, is := range fd.res.issues { // of the smallest example
				if is.key == fd.issue.key && is.note != "" {
					fmt.Fprintf(&b, "  %s\n", is.note)
				}
			}
			if cat == catEcho {
				fmt.Fprintf(&b, "  at worst: %s\n", fd.largestNote)
			}
			if fd.res.log != "" {
				fmt.Fprintf(&b, "  server log:\n    %s\n", strings.ReplaceAll(clip([]byte(fd.res.log), 1200), "\n", "\n    "))
			}
		}
		f.t.Error(strings.TrimSuffix(b.String(), "\n"))
	}
	if total > 0 {
		f.t.Logf("%s: %d findings; repeat with PSTI_APIFUZZ_SEED=%d (and PSTI_APIFUZZ_OPS=<operation id> for one operation)", f.backend, total, f.set.seed)
	}
}

// compareBackends checks that both back ends gave every request the same
// status. Their databases differ; what the API answers must not.
func compareBackends(t *testing.T, runs []*apiFuzzer) {
	for _, r := range runs {
		if r == nil {
			return // one was skipped or stopped
		}
	}
	a, b := runs[0], runs[1]
	other := map[string]fuzzSeen{}
	for _, s := range b.seen {
		other[s.key] = s
	}
	type diff struct {
		op, kind string
		sa, sb   int
	}
	groups := map[diff][]fuzzSeen{}
	for _, s := range a.seen {
		o, ok := other[s.key]
		if !ok || o.status == s.status {
			continue
		}
		d := diff{s.op, s.kind, s.status, o.status}
		groups[d] = append(groups[d], s)
	}
	if len(groups) == 0 {
		return
	}
	keys := slices.Collect(maps.Keys(groups))
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].op != keys[j].op {
			return keys[i].op < keys[j].op
		}
		return keys[i].kind < keys[j].kind
	})
	var sb strings.Builder
	fmt.Fprintf(&sb, "the back ends answered %d kinds of request differently (seed %d)\n", len(keys), a.set.seed)
	for _, k := range keys {
		fmt.Fprintf(&sb, "\n● %s [%s]: %s %d, %s %d, %d times\n", k.op, k.kind, a.backend, k.sa, b.backend, k.sb, len(groups[k]))
		var small []*fuzzReq
		for _, s := range groups[k] {
			if s.req != nil {
				small = append(small, s.req)
			}
		}
		if len(small) > 0 {
			ex := slices.MinFunc(small, func(x, y *fuzzReq) int { return x.size() - y.size() })
			fmt.Fprintf(&sb, "  %s\n", a.describe(ex))
		}
	}
	t.Error(sb.String())
}

// ---- pages ----

// forms sends the public forms the values that broke the API, as a
// browser would: every one must be answered without a server error, and
// one that cannot be right must be refused.
func (f *apiFuzzer) forms() {
	form := func(path, kind string, want4xx bool, v url.Values) {
		r := &fuzzReq{page: path, kind: kind, method: http.MethodPost, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			raw: []byte(v.Encode()), as: "from a browser", want4xx: want4xx}
		res := f.exec(r)
		f.record(fmt.Sprintf("form %s#%s", path, kind), r, res)
	}
	for _, bad := range []struct{ name, s string }{{"NUL", "\x00"}, {"invalid UTF-8", "\xff"}, {"a bidi control", "\u202e"}, {"control characters", "\x07\x1b"}} {
		form("/login", bad.name+" in the e-mail", true, url.Values{"email": {"admin" + bad.s + "@example.com"}, "password": {testPassword}})
		form("/login", bad.name+" in the password", true, url.Values{"email": {"nobody@example.com"}, "password": {"pass" + bad.s + "word"}})
		form("/security/status", bad.name+" in the receipt", true, url.Values{"receipt": {f.receipts[0] + bad.s}})
		form("/security/status/reply", bad.name+" in the receipt", true, url.Values{"receipt": {bad.s + f.receipts[0]}, "message": {"Any news?"}})
		form("/security/status/reply", bad.name+" in the message", false, url.Values{"receipt": {f.receipts[1]}, "message": {"Any" + bad.s + " news?"}})
		form("/security/report", bad.name+" in the summary", false, url.Values{"summary": {"Open" + bad.s + " port"}, "details": {"Telnet answers."}})
		form("/security/report", bad.name+" in the contact e-mail", true, url.Values{"summary": {"Open port"}, "details": {"Telnet answers."}, "contact_email": {"me" + bad.s + "@example.net"}})
		form("/setup/"+f.setup, bad.name+" in the name", false, url.Values{"name": {"Ann" + bad.s}, "password": {"a strong passphrase here"}, "confirm": {"a strong passphrase here"}})
		form("/setup/"+url.PathEscape(f.setup+bad.s), bad.name+" in the setup code", true, url.Values{"name": {"Ann"}, "password": {"a strong passphrase here"}, "confirm": {"a strong passphrase here"}})
	}
}
