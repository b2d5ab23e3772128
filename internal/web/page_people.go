package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/psti"
)

// Admin pages for users, setup links and API tokens, and the audit trail
// every signed-in user may read.

func (s *Server) registerPeoplePages() {
	s.page("GET /admin/users", auth.Admin, s.usersPage)
	s.page("POST /admin/users/invite", auth.Admin, s.invite)
	s.page("GET /admin/users/{id}", auth.Admin, s.userPage)
	s.page("POST /admin/users/{id}", auth.Admin, s.updateUser)
	s.page("GET /admin/tokens", auth.Admin, s.tokensPage)
	s.page("POST /admin/tokens", auth.Admin, s.createToken)
	s.page("POST /admin/tokens/{id}/revoke", auth.Admin, s.revokeToken)
	s.page("POST /admin/invitations/{id}/revoke", auth.Admin, s.revokeInvitation)
	s.page("GET /admin/audit", auth.Viewer, s.auditPage)
}

func roleOptions() []option {
	return []option{
		{Value: "viewer", Label: "Viewer: can read everything, change nothing"},
		{Value: "editor", Label: "Editor: can also add, change and archive records"},
		{Value: "admin", Label: "Administrator: can also manage users and API tokens"},
	}
}

func inviteForm() *form {
	return &form{Action: "/admin/users/invite", Submit: "Make a setup link", Fields: []*field{
		{Name: "email", Label: "E-mail address", Hint: "If this person already has an account, the link lets them set a new password.", Type: "email", Required: true},
		{Name: "role", Label: "Role", Type: "select", Value: "editor", Options: roleOptions(), Required: true},
	}}
}

type usersData struct {
	Users       []*auth.User
	Invitations []*auth.Invitation
	Form        *form
	SetupURL    string // shown once, after an invitation is made
	Invited     string
	Now         time.Time
}

func (s *Server) usersView(r *http.Request, u *auth.User, d usersData) (*view, error) {
	var err error
	if d.Users, err = s.store.Users(r.Context()); err != nil {
		return nil, err
	}
	if d.Invitations, err = s.store.Invitations(r.Context()); err != nil {
		return nil, err
	}
	if d.Form == nil {
		d.Form = inviteForm()
	}
	d.Now = s.cfg.Clock.Now()
	return &view{Title: "Users", User: u, Section: "users", Data: d}, nil
}

// Session keys for what a page shows once, after the form that made it:
// a setup link or an API token's secret. They travel in the session, which
// the database keeps under the cookie's hash, never in an address, and are
// gone once shown.
const (
	keySetupURL    = "made_setup_url"
	keySetupFor    = "made_setup_for"
	keyTokenSecret = "made_token_secret"
	keyTokenID     = "made_token_id"
)

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request, u *auth.User) {
	ctx := r.Context()
	v, err := s.usersView(r, u, usersData{SetupURL: s.sessions.PopString(ctx, keySetupURL), Invited: s.sessions.PopString(ctx, keySetupFor)})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "users", v)
}

func (s *Server) invite(w http.ResponseWriter, r *http.Request, u *auth.User) {
	email, role := r.PostForm.Get("email"), auth.Role(r.PostForm.Get("role"))
	var err error
	if email == "" {
		err = psti.FieldErrorf(psti.EINVALID, "email", "E-mail address is required.")
	} else {
		var code string
		var inv *auth.Invitation
		code, inv, err = s.auth.Invite(r.Context(), userActor(u), email, role)
		if err == nil {
			// Shown once, on the page this leads to (keySetupURL).
			s.sessions.Put(r.Context(), keySetupURL, s.link("/setup/"+code))
			s.sessions.Put(r.Context(), keySetupFor, inv.Email)
			s.redirect(w, r, "/admin/users", "")
			return
		}
	}
	d := usersData{Form: withValues(inviteForm(), r.PostForm)}
	d.Form.setError(err)
	v, verr := s.usersView(r, u, d)
	if verr != nil {
		s.pageError(w, r, verr)
		return
	}
	s.render(w, r, statusOf(psti.ErrorCode(err)), "users", v)
}

func userForm(t *auth.User) *form {
	disabled := []string{}
	if t.Disabled() {
		disabled = []string{"1"}
	}
	return &form{Action: fmt.Sprintf("/admin/users/%d", t.ID), Submit: "Save changes", Fields: []*field{
		{Name: "name", Label: "Name", Type: "text", Value: t.Name, Max: 200},
		{Name: "role", Label: "Role", Type: "select", Value: string(t.Role), Options: roleOptions(), Required: true},
		{Name: "disabled", Label: "Access", Type: "checkboxes", Checked: disabled,
			Options: []option{{Value: "1", Label: "Disabled: cannot sign in, and their API tokens stop working"}}},
	}, Hidden: []hidden{{"revision", strconv.FormatInt(t.Revision, 10)}}}
}

type userData struct {
	Target *auth.User
	Form   *form
	Tokens []*auth.Token
}

func (s *Server) userPage(w http.ResponseWriter, r *http.Request, u *auth.User) {
	t, ok := getRecord(s, w, r, s.store.User)
	if !ok {
		return
	}
	s.showUser(w, r, u, t, userForm(t), http.StatusOK)
}

func (s *Server) showUser(w http.ResponseWriter, r *http.Request, u, t *auth.User, f *form, status int) {
	toks, err := s.store.Tokens(r.Context(), t.ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, status, "user", &view{Title: "User: " + t.Email, User: u, Section: "users", Data: userData{t, f, toks}})
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request, u *auth.User) {
	t, ok := getRecord(s, w, r, s.store.User)
	if !ok {
		return
	}
	v := r.PostForm
	next := *t
	next.Name, next.Role, next.DisabledAt = v.Get("name"), auth.Role(v.Get("role")), nil
	next.Revision, _ = strconv.ParseInt(v.Get("revision"), 10, 64)
	if v.Get("disabled") == "1" {
		now := s.cfg.Clock.Now()
		next.DisabledAt = &now
	}
	if err := s.store.UpdateUser(r.Context(), userActor(u), &next); err != nil {
		f := withValues(userForm(t), v)
		f.setError(err)
		s.showUser(w, r, u, t, f, statusOf(psti.ErrorCode(err)))
		return
	}
	s.redirect(w, r, fmt.Sprintf("/admin/users/%d", t.ID), "Saved.")
}

func tokenForm(users []*auth.User) *form {
	opts := []option{}
	for _, u := range users {
		if !u.Disabled() {
			opts = append(opts, option{Value: u.Email, Label: fmt.Sprintf("%s (%s)", u.Email, u.Role)})
		}
	}
	return &form{Action: "/admin/tokens", Submit: "Make a token", Fields: []*field{
		{Name: "name", Label: "What it is for", Hint: "For example \"factory line 3\" or \"nightly export\".", Type: "text", Required: true, Max: 200},
		{Name: "user_email", Label: "Acts for", Hint: "The token can do no more than this user can.", Type: "select", Value: chosen(0, opts), Options: opts, Required: true},
		{Name: "role", Label: "Role", Type: "select", Value: "viewer", Options: roleOptions(), Required: true},
		dateField("expires_on", "Last day it works", "It works until the end of that day, UK time. Leave empty for a token that works until revoked.", ""),
	}}
}

type tokensData struct {
	Tokens []*auth.Token
	Form   *form
	Secret string // shown once, after a token is made
	Made   *auth.Token
}

func (s *Server) tokensView(r *http.Request, u *auth.User, d tokensData) (*view, error) {
	users, err := s.store.Users(r.Context())
	if err != nil {
		return nil, err
	}
	if d.Tokens, err = s.store.Tokens(r.Context(), 0); err != nil {
		return nil, err
	}
	if d.Form == nil {
		d.Form = tokenForm(users)
	}
	return &view{Title: "API tokens", User: u, Section: "tokens", Data: d}, nil
}

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request, u *auth.User) {
	ctx := r.Context()
	d := tokensData{Secret: s.sessions.PopString(ctx, keyTokenSecret)}
	madeID := s.sessions.GetInt64(ctx, keyTokenID)
	s.sessions.Remove(ctx, keyTokenID)
	v, err := s.tokensView(r, u, d)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if d.Secret != "" {
		td := v.Data.(tokensData)
		for _, t := range td.Tokens {
			if t.ID == madeID {
				td.Made = t
			}
		}
		if td.Made == nil { // not listed any more: never show a secret without its name
			td.Secret = ""
		}
		v.Data = td
	}
	s.render(w, r, http.StatusOK, "tokens", v)
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request, u *auth.User) {
	v := r.PostForm
	c := conv{v: v}
	var expires *time.Time
	if e := c.date("expires_on", "Last day it works"); e != "" {
		t, _ := psti.ParseDate(e) // c.date returns only real dates
		t = psti.EndOfDay(t)      // it works to the end of that day in London
		expires = &t
	}
	owner, err := s.store.UserByEmail(r.Context(), auth.NormalizeEmail(v.Get("user_email")))
	if psti.ErrorCode(err) == psti.ENOTFOUND {
		c.p.Add("user_email", "Choose the user the token acts for.")
	}
	if perr := c.p.Err(); perr != nil {
		err = perr
	}
	if err == nil {
		var secret string
		var made *auth.Token
		secret, made, err = s.auth.CreateToken(r.Context(), userActor(u), owner.ID, v.Get("name"), auth.Role(v.Get("role")), expires)
		if err == nil {
			// Shown once, on the page this leads to (keyTokenSecret).
			s.sessions.Put(r.Context(), keyTokenSecret, secret)
			s.sessions.Put(r.Context(), keyTokenID, made.ID)
			s.redirect(w, r, "/admin/tokens", "")
			return
		}
	}
	users, uerr := s.store.Users(r.Context())
	if uerr != nil {
		s.pageError(w, r, uerr)
		return
	}
	d := tokensData{Form: withValues(tokenForm(users), v)}
	d.Form.setError(err)
	view, verr := s.tokensView(r, u, d)
	if verr != nil {
		s.pageError(w, r, verr)
		return
	}
	s.render(w, r, statusOf(psti.ErrorCode(err)), "tokens", view)
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, u *auth.User) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.errorPage(w, r, http.StatusNotFound, "There is no such token.")
		return
	}
	if err := s.store.RevokeToken(r.Context(), userActor(u), id, s.cfg.Clock.Now()); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.redirect(w, r, "/admin/tokens", "The token is revoked: it stopped working at once.")
}

func (s *Server) revokeInvitation(w http.ResponseWriter, r *http.Request, u *auth.User) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.errorPage(w, r, http.StatusNotFound, "There is no such setup link.")
		return
	}
	if err := s.store.RevokeInvitation(r.Context(), userActor(u), id, s.cfg.Clock.Now()); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.redirect(w, r, "/admin/users", "The setup link is revoked: it no longer works.")
}

// hiddenFrom lists the kinds of audit entry a role may not read: the
// people and access records are for admins.
func hiddenFrom(role auth.Role) []string {
	if role.Allows(auth.Admin) {
		return nil
	}
	return []string{"user", "invitation", "token"}
}

type auditData struct {
	Entries  []auditRow
	Entity   string
	EntityID int64
	NextHref string
}

// auditRow is an audit entry as people read it: what was done to which
// record (by kind and name, linked), by whom, and what changed.
type auditRow struct {
	psti.AuditEntry
	What    string // "Updated product"
	Name    string // the record's name, e.g. "Doorbell Pro (DB-200)"
	Href    string // the record's page, or ""
	Changes []fieldChange
}

// fieldChange is one field of a record that an entry changed: old → new.
// On a record's creation Old is empty; a field both sides leave empty is
// not listed.
type fieldChange struct {
	Field    string
	Old, New string
}

// auditKinds names each kind of record in the trail and says where its
// page is (%d is its id); "" for kinds with no page of their own.
var auditKinds = map[string][2]string{
	"organisation":      {"organisation", "/admin/organisations/%d"},
	"manufacturer":      {"manufacturer", "/admin/manufacturers/%d"},
	"brand":             {"brand", "/admin/brands/%d"},
	"product":           {"product", "/admin/products/%d"},
	"version":           {"version", "/admin/versions/%d"},
	"batch":             {"batch", "/admin/batches/%d"},
	"password_audit":    {"password audit", "/admin/password-audits/%d"},
	"report":            {"security report", "/admin/reports/%d"},
	"disclosure_policy": {"security policy", "/admin/security-policy"},
	"advisory":          {"advisory", ""},
	"support_period":    {"support period", "/admin/support-periods/%d"},
	"statement_key":     {"statement signing key", ""},
	// An assessment row and its evidence are shown on their product's
	// assessment page, which the entry's product field leads to.
	"assessment":          {"assessment row", ""},
	"assessment_evidence": {"evidence file", ""},
	"user":                {"user", "/admin/users/%d"},
	"invitation":          {"setup link", ""},
	"token":               {"API token", ""},
}

// auditActions says each action in words.
var auditActions = map[string]string{
	psti.ActionCreate: "Added", psti.ActionUpdate: "Changed", psti.ActionArchive: "Archived", psti.ActionUnarchive: "Brought back",
	psti.ActionRevoke: "Revoked", psti.ActionPassword: "Set the password of", psti.ActionInvite: "Made a setup link for",
	psti.ActionPublish: "Published", psti.ActionExtend: "Extended", psti.ActionDelete: "Deleted", psti.ActionRetire: "Retired",
}

// auditNameFields are the fields that name a record, in the order tried.
var auditNameFields = []string{"tracking_id", "legal_name", "name", "email", "code", "summary", "title", "file_name", "label", "requirement"}

// bookkeeping fields change on every write and say nothing to a reader.
var bookkeeping = map[string]bool{"id": true, "revision": true, "created_at": true, "updated_at": true, "updated_by": true}

// auditRefs are the fields that hold the ids of other records: the kind of
// record each names, and the field as people read it.
var auditRefs = map[string][2]string{
	"organisation_id":  {"organisation", "organisation"},
	"brand_id":         {"brand", "brand"},
	"manufacturer_ids": {"manufacturer", "manufacturers"},
	"product_id":       {"product", "product"},
	"version_id":       {"version", "version"},
	"batch_id":         {"batch", "batch"},
	"report_id":        {"report", "security report"},
	"audit_id":         {"password_audit", "password audit"},
	"assignee_id":      {"user", "assignee"},
	"user_id":          {"user", "user"},
}

// recordNamer names the record of a kind (as in auditKinds) with an id.
type recordNamer func(kind string, id int64) string

// auditIDs reads the ids a reference field holds, in order: one id, or a
// list of them; ok is false for anything else.
func auditIDs(v any) (ids []int64, ok bool) {
	switch x := v.(type) {
	case nil:
		return nil, true
	case float64:
		if x != 0 {
			ids = append(ids, int64(x))
		}
		return ids, x == float64(int64(x))
	case []any:
		for _, e := range x {
			n, isNum := e.(float64)
			if !isNum || n != float64(int64(n)) {
				return nil, false
			}
			ids = append(ids, int64(n))
		}
		slices.Sort(ids)
		return slices.Compact(ids), true
	}
	return nil, false
}

// auditNames names the records ids points at, in alphabetical order.
func auditNames(kind string, ids []int64, name recordNamer) string {
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = name(kind, id)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

func newAuditRow(e psti.AuditEntry, name recordNamer) auditRow {
	row := auditRow{AuditEntry: e, What: capital(e.Action) + " " + strings.ReplaceAll(e.Entity, "_", " ")}
	kind, ok := auditKinds[e.Entity]
	if ok {
		verb := auditActions[e.Action]
		if verb == "" {
			verb = capital(strings.ReplaceAll(e.Action, "_", " "))
		}
		row.What = verb + " " + kind[0]
		if kind[1] != "" {
			row.Href = kind[1]
			if strings.Contains(kind[1], "%d") {
				row.Href = fmt.Sprintf(kind[1], e.EntityID)
			}
		}
	}
	var before, after map[string]any
	_ = json.Unmarshal(e.Before, &before)
	_ = json.Unmarshal(e.After, &after)
	for _, side := range []map[string]any{after, before} {
		for _, f := range auditNameFields {
			if v, ok := side[f].(string); ok && v != "" && row.Name == "" {
				row.Name = v
			}
		}
	}
	if row.Name == "" {
		row.Name = fmt.Sprintf("no. %d", e.EntityID)
	}
	keys := map[string]bool{}
	for k := range before {
		keys[k] = true
	}
	for k := range after {
		keys[k] = true
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		if !bookkeeping[k] {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		if ref, ok := auditRefs[k]; ok {
			// Records pointed at are named; a list whose order alone
			// differs has not changed.
			oi, ok1 := auditIDs(before[k])
			ni, ok2 := auditIDs(after[k])
			if ok1 && ok2 {
				if !slices.Equal(oi, ni) {
					row.Changes = append(row.Changes, fieldChange{Field: ref[1], Old: auditNames(ref[0], oi, name), New: auditNames(ref[0], ni, name)})
				}
				continue
			}
		}
		o, n := auditValue(before[k]), auditValue(after[k])
		if o == n {
			continue
		}
		row.Changes = append(row.Changes, fieldChange{Field: strings.ReplaceAll(k, "_", " "), Old: o, New: n})
	}
	return row
}

// auditValue writes a field's value as text: strings as they are, a list
// of them (or of a product's identifiers, as its form writes them)
// separated by commas, other values as compact JSON; "" for none.
func auditValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []any:
		if len(x) == 0 {
			return ""
		}
		items := make([]string, 0, len(x))
		for _, e := range x {
			switch y := e.(type) {
			case string:
				items = append(items, y)
			case map[string]any:
				scheme, ok1 := y["scheme"].(string)
				value, ok2 := y["value"].(string)
				if ok1 && ok2 && len(y) == 2 {
					items = append(items, scheme+" "+value)
				}
			}
		}
		if len(items) == len(x) {
			return strings.Join(items, ", ")
		}
	case map[string]any:
		if len(x) == 0 {
			return ""
		}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// recordName names a record for the audit trail by its current name, or
// by its number when it cannot be read.
func (s *Server) recordName(ctx context.Context, kind string, id int64) string {
	var n string
	switch kind {
	case "organisation":
		if o, err := s.store.Organisation(ctx, id); err == nil {
			n = o.LegalName
		}
	case "manufacturer":
		if m, err := s.store.Manufacturer(ctx, id); err == nil {
			n = m.Name
		}
	case "brand":
		if b, err := s.store.Brand(ctx, id); err == nil {
			n = b.Name
		}
	case "product":
		if p, err := s.store.Product(ctx, id); err == nil {
			n = p.Name
		}
	case "version":
		if v, err := s.store.Version(ctx, id); err == nil {
			n = disclosure.VersionLabel(v)
		}
	case "batch":
		if b, err := s.store.Batch(ctx, id); err == nil {
			n = b.Code
		}
	case "report":
		if rep, err := s.store.Report(ctx, id); err == nil {
			n = rep.Summary
		}
	case "password_audit":
		if run, err := s.store.Run(ctx, id); err == nil {
			n = run.FileName
		}
	case "user":
		// Staff see who a report is assigned to on its page; the entries
		// about people and their tokens are for admins only (hiddenFrom).
		if usr, err := s.store.User(ctx, id); err == nil {
			n = usr.Email
		}
	}
	if n == "" {
		return fmt.Sprintf("no. %d", id)
	}
	return n
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, u *auth.User) {
	q := r.URL.Query()
	f := psti.AuditFilter{Entity: q.Get("entity"), Limit: 50, Hide: hiddenFrom(u.Role)}
	f.EntityID, _ = strconv.ParseInt(q.Get("entity_id"), 10, 64)
	f.BeforeID, _ = strconv.ParseInt(q.Get("before_id"), 10, 64)
	es, err := s.store.Audit(r.Context(), f)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := auditData{Entity: f.Entity, EntityID: f.EntityID}
	known := map[string]string{}
	name := func(kind string, id int64) string {
		key := kind + ":" + strconv.FormatInt(id, 10)
		if n, ok := known[key]; ok {
			return n
		}
		n := s.recordName(r.Context(), kind, id)
		known[key] = n
		return n
	}
	for _, e := range es {
		d.Entries = append(d.Entries, newAuditRow(e, name))
	}
	if len(es) == f.Limit {
		q := url.Values{"before_id": {strconv.FormatInt(es[len(es)-1].ID, 10)}}
		if f.Entity != "" {
			q.Set("entity", f.Entity)
		}
		if f.EntityID != 0 {
			q.Set("entity_id", strconv.FormatInt(f.EntityID, 10))
		}
		d.NextHref = "/admin/audit?" + q.Encode()
	}
	s.render(w, r, http.StatusOK, "audit", &view{Title: "Audit trail", User: u, Section: "audit", Data: d})
}
