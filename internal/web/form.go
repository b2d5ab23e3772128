package web

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
)

// Forms: a form is a list of fields the templates render the same way
// (label, hint, input, the field's own error message), built from a record
// and decoded back into one. Decoding only converts text to types; the
// records' Validate methods apply the rules and name the fields at fault.

type option struct {
	Value, Label string
}

type hidden struct {
	Name, Value string
}

type field struct {
	Name         string
	Label        string
	Hint         string
	Type         string // text, email, url, date, number, password, textarea, select, checkboxes
	Value        string // for a date, YYYY-MM-DD; the form shows it as day, month and year
	Day          string // a date's parts as shown or typed (see dateParts)
	Month        string
	Year         string
	Checked      []string // for checkboxes
	Options      []option
	Required     bool
	Max          int
	Autocomplete string
	Error        string
	Rows         int // for textarea
}

// IsChecked reports whether a checkbox option is ticked.
func (f *field) IsChecked(v string) bool { return slices.Contains(f.Checked, v) }

type form struct {
	Action   string
	Submit   string
	Fields   []*field
	Hidden   []hidden
	Error    string // shown above the form, linked to the fields
	Problems []psti.FieldError
	ReadOnly bool
}

// field returns the field called name, or nil.
func (f *form) field(name string) *field {
	for _, fl := range f.Fields {
		if fl.Name == name {
			return fl
		}
	}
	return nil
}

// setError shows err on the form: its message above the form, and each
// field error next to its field (a field error for a field the form does not
// show, such as identifiers[2], goes to the nearest field by prefix).
func (f *form) setError(err error) {
	f.Error = psti.ErrorMessage(err)
	f.Problems = psti.ErrorFields(err)
	// One problem is said once in the summary (as a link to its field),
	// not twice over.
	if len(f.Problems) == 1 && f.Error == f.Problems[0].Message {
		f.Error = "Please correct the field marked below."
	}
	for _, p := range f.Problems {
		name := p.Field
		if i := strings.IndexByte(name, '['); i > 0 {
			name = name[:i]
		}
		if fl := f.field(name); fl != nil && fl.Error == "" {
			fl.Error = p.Message
		}
	}
}

// conv collects conversion problems while decoding a form.
type conv struct {
	v url.Values
	p psti.Problems
}

func (c *conv) str(name string) string { return strings.TrimSpace(c.v.Get(name)) }

// text keeps the value as typed, apart from line endings, for multi-line fields.
func (c *conv) text(name string) string {
	return strings.TrimSpace(strings.ReplaceAll(c.v.Get(name), "\r\n", "\n"))
}

// date reads a date typed as day, month and year (the fields name-day,
// name-month and name-year) and returns it as YYYY-MM-DD, or "" when
// nothing was typed or it is not a real date (then saying why). A form
// sent with the date in one field, as YYYY-MM-DD, is read as that.
func (c *conv) date(name, label string) string {
	day, month, year := c.str(name+"-day"), c.str(name+"-month"), c.str(name+"-year")
	if day == "" && month == "" && year == "" {
		if s := c.str(name); s != "" {
			if _, err := psti.ParseDate(s); err != nil {
				c.p.Add(name, "%s must be a real date, for example 27 3 2026.", label)
				return ""
			}
			return s
		}
		return ""
	}
	iso, msg := typedDate(day, month, year)
	if msg != "" {
		c.p.Add(name, "%s %s", label, msg)
		return ""
	}
	return iso
}

// months are the names a month may be typed as, besides its number.
var months = map[string]int{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
	"january": 1, "february": 2, "march": 3, "april": 4, "june": 6, "july": 7, "august": 8, "september": 9, "october": 10, "november": 11, "december": 12}

// typedDate turns a date typed as day, month and year into YYYY-MM-DD, or
// says what is wrong with it, to follow the field's label ("must include a
// month."). Each part is in its own field, so nothing depends on the order
// a country writes dates in: 7 12 2026 is 7 December. The year has all
// four digits, so 26 is never guessed to mean 2026.
func typedDate(day, month, year string) (string, string) {
	var missing []string
	for _, p := range []struct{ name, v string }{{"day", day}, {"month", month}, {"year", year}} {
		if p.v == "" {
			missing = append(missing, p.name)
		}
	}
	switch len(missing) {
	case 1:
		return "", "must include a " + missing[0] + "."
	case 2:
		return "", "must include a " + missing[0] + " and a " + missing[1] + "."
	}
	d, derr := strconv.Atoi(day)
	m, merr := strconv.Atoi(month)
	if merr != nil {
		m = months[strings.ToLower(strings.TrimSuffix(month, "."))]
		if m != 0 {
			merr = nil
		}
	}
	if len(year) != 4 || strings.Trim(year, "0123456789") != "" {
		return "", "must have a year of 4 digits, for example 2026."
	}
	y, _ := strconv.Atoi(year)
	if derr != nil || merr != nil || len(day) > 2 || d < 1 || m < 1 || m > 12 || y < 1000 ||
		d > time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		return "", "must be a real date, for example 27 3 2026."
	}
	return fmt.Sprintf("%04d-%02d-%02d", y, m, d), ""
}

// dateField is a date typed as day, month and year (the GOV.UK date input),
// showing iso (YYYY-MM-DD, or empty). hint, when given, comes before the
// example.
func dateField(name, label, hint, iso string) *field {
	f := &field{Name: name, Label: label, Type: "date", Value: iso, Hint: strings.TrimSpace(hint + " For example, 27 3 2026.")}
	f.Day, f.Month, f.Year = dateParts(iso)
	return f
}

// dateParts splits a YYYY-MM-DD date into the day, month and year a form
// shows, without leading zeros ("7", "12", "2026"); text that is not such a
// date is shown whole in the day field, so nothing is lost.
func dateParts(iso string) (day, month, year string) {
	t, err := psti.ParseDate(iso)
	if err != nil {
		return iso, "", ""
	}
	return strconv.Itoa(t.Day()), strconv.Itoa(int(t.Month())), strconv.Itoa(t.Year())
}

func (c *conv) int(name, label string) int64 {
	s := c.str(name)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(strings.ReplaceAll(s, ",", ""), 10, 64)
	if err != nil {
		c.p.Add(name, "%s must be a whole number.", label)
	}
	return n
}

func (c *conv) ints(name, label string) []int64 {
	var out []int64
	for _, s := range c.v[name] {
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			c.p.Add(name, "%s: %q is not a valid choice.", label, s)
			continue
		}
		out = append(out, n)
	}
	return out
}

// done finishes decoding rec. When some text could not be converted, the
// record's own rules are checked as well, so the person sees every mistake
// at once rather than one round at a time.
func (c *conv) done(rec interface{ Validate() error }) error {
	if c.p.Err() == nil {
		return nil
	}
	for _, f := range psti.ErrorFields(rec.Validate()) {
		c.p.Add(f.Field, "%s", f.Message)
	}
	return c.p.Err()
}

func (c *conv) record(id int64) psti.Record {
	return psti.Record{ID: id, Revision: c.int("revision", "Revision")}
}

// The records' forms and decoders, one pair per kind.

func organisationForm(o *product.Organisation) *form {
	return &form{Fields: []*field{
		{Name: "legal_name", Label: "Legal name", Hint: "As registered, for example \"Acme Devices Ltd\".", Type: "text", Value: o.LegalName, Required: true, Max: product.MaxName, Autocomplete: "organization"},
		{Name: "address", Label: "Postal address", Hint: "One line per line of the address.", Type: "textarea", Value: o.Address, Required: true, Max: product.MaxAddress, Rows: 4},
		{Name: "website", Label: "Website", Hint: "For example, example.com: https:// is added when you leave it out.", Type: "url", Value: o.Website, Max: 2048},
		{Name: "brand_colour", Label: "Colour of your public pages", Hint: "The header and links of the pages the public sees, as # and 6 hexadecimal digits, for example #14243b. White text on it must be easy to read, so it must be a dark colour. Leave it empty for dark blue.", Type: "text", Value: o.BrandColour, Max: 7, Autocomplete: "off"},
	}}
}

func decodeOrganisation(v url.Values, id int64) (*product.Organisation, error) {
	c := conv{v: v}
	o := &product.Organisation{Record: c.record(id), LegalName: c.str("legal_name"), Address: c.text("address"), Website: c.str("website"),
		BrandColour: strings.ToLower(c.str("brand_colour"))}
	return o, c.done(o)
}

func manufacturerForm(m *product.Manufacturer) *form {
	return &form{Fields: []*field{
		{Name: "name", Label: "Name", Hint: "As it should appear on statements of compliance.", Type: "text", Value: m.Name, Required: true, Max: product.MaxName},
		{Name: "address", Label: "Postal address", Hint: "For a company, its registered office. One line per line of the address.", Type: "textarea", Value: m.Address, Required: true, Max: product.MaxAddress, Rows: 4},
		{Name: "website", Label: "Website", Type: "url", Value: m.Website, Max: 2048},
	}}
}

func decodeManufacturer(v url.Values, id int64) (*product.Manufacturer, error) {
	c := conv{v: v}
	m := &product.Manufacturer{Record: c.record(id), Name: c.str("name"), Address: c.text("address"), Website: c.str("website")}
	return m, c.done(m)
}

// choice is a record offered in a form's select or checkboxes.
func choice(id int64, label string, archived bool) option {
	if archived {
		label += " (archived)"
	}
	return option{Value: strconv.FormatInt(id, 10), Label: label}
}

// chosen is the value a required select shows: the record's own choice,
// or, for a new record when there is only one to choose from, that one (a
// first brand belongs to the only organisation, a first token acts for the
// only user; nobody should have to pick it from a list of one).
func chosen(id int64, opts []option) string {
	if id == 0 && len(opts) == 1 {
		return opts[0].Value
	}
	return idString(id)
}

// offered reports whether a record belongs among a form's choices: it is
// not archived, or it is what the record points at now (so saving the form
// never changes it unseen).
func offered(archived bool, id int64, current ...int64) bool {
	return !archived || slices.Contains(current, id)
}

func brandForm(b *product.Brand, orgs []*product.Organisation) *form {
	opts := []option{}
	for _, o := range orgs {
		if offered(o.Archived(), o.ID, b.OrganisationID) {
			opts = append(opts, choice(o.ID, o.LegalName, o.Archived()))
		}
	}
	return &form{Fields: []*field{
		{Name: "organisation_id", Label: "Organisation", Type: "select", Value: chosen(b.OrganisationID, opts), Options: opts, Required: true},
		{Name: "name", Label: "Brand name", Type: "text", Value: b.Name, Required: true, Max: product.MaxName},
		{Name: "website", Label: "Website", Type: "url", Value: b.Website, Max: 2048},
	}}
}

func decodeBrand(v url.Values, id int64) (*product.Brand, error) {
	c := conv{v: v}
	b := &product.Brand{Record: c.record(id), OrganisationID: c.int("organisation_id", "Organisation"), Name: c.str("name"), Website: c.str("website")}
	return b, c.done(b)
}

func productForm(p *product.Product, brands []*product.Brand, makers []*product.Manufacturer) *form {
	brandOpts := []option{}
	for _, b := range brands {
		if offered(b.Archived(), b.ID, p.BrandID) {
			brandOpts = append(brandOpts, choice(b.ID, b.Name, b.Archived()))
		}
	}
	makerOpts := []option{}
	for _, m := range makers {
		if offered(m.Archived(), m.ID, p.ManufacturerIDs...) {
			makerOpts = append(makerOpts, choice(m.ID, m.Name, m.Archived()))
		}
	}
	checked := []string{}
	for _, id := range p.ManufacturerIDs {
		checked = append(checked, strconv.FormatInt(id, 10))
	}
	return &form{Fields: []*field{
		{Name: "brand_id", Label: "Brand", Type: "select", Value: chosen(p.BrandID, brandOpts), Options: brandOpts, Required: true},
		{Name: "name", Label: "Product name", Hint: "As sold, for example \"Doorbell Pro\".", Type: "text", Value: p.Name, Required: true, Max: product.MaxName},
		{Name: "type", Label: "Product type", Hint: "What it is, in plain words, for example \"video doorbell\" or \"smart plug\".", Type: "text", Value: p.Type, Required: true, Max: product.MaxName},
		{Name: "model_number", Label: "Model number", Type: "text", Value: p.ModelNumber, Required: true, Max: product.MaxCode},
		{Name: "hardware_version", Label: "Hardware version", Hint: "Only if one model number covers several hardware versions.", Type: "text", Value: p.HardwareVersion, Max: product.MaxCode},
		{Name: "manufacturer_ids", Label: "Manufacturers", Hint: "Tick every manufacturer of this product. Each is named on its statement of compliance.", Type: "checkboxes", Checked: checked, Options: makerOpts},
		{Name: "identifiers", Label: "Identifiers", Hint: "One per line: the kind (gtin, sku, mpn or other), a space, then the code. For example \"gtin 5012345678900\".", Type: "textarea", Value: formatIdentifiers(p.Identifiers), Rows: 3, Max: 2200},
		{Name: "description", Label: "Description", Type: "textarea", Value: p.Description, Max: product.MaxNotes, Rows: 3},
	}}
}

func formatIdentifiers(ids []product.Identifier) string {
	lines := make([]string, len(ids))
	for i, id := range ids {
		lines[i] = id.Scheme + " " + id.Value
	}
	return strings.Join(lines, "\n")
}

// parseIdentifiers reads one identifier per line: "scheme value". A line of
// digits alone is taken as a GTIN, the code a barcode carries.
func parseIdentifiers(text string) ([]product.Identifier, error) {
	var out []product.Identifier
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		scheme, value, ok := strings.Cut(line, " ")
		if !ok {
			if strings.Trim(line, "0123456789") == "" {
				scheme, value = product.SchemeGTIN, line
			} else {
				return nil, psti.FieldErrorf(psti.EINVALID, "identifiers", "Line %d: write the kind of identifier, a space, then the code (for example \"sku AB-12\").", i+1)
			}
		}
		scheme = strings.ToLower(strings.TrimSpace(scheme))
		switch scheme {
		case "ean", "upc", "barcode":
			scheme = product.SchemeGTIN
		}
		out = append(out, product.Identifier{Scheme: scheme, Value: strings.TrimSpace(value)})
	}
	return out, nil
}

func decodeProduct(v url.Values, id int64) (*product.Product, error) {
	c := conv{v: v}
	p := &product.Product{Record: c.record(id), BrandID: c.int("brand_id", "Brand"), Name: c.str("name"), Type: c.str("type"),
		ModelNumber: c.str("model_number"), HardwareVersion: c.str("hardware_version"), Description: c.text("description"),
		ManufacturerIDs: c.ints("manufacturer_ids", "Manufacturers")}
	ids, err := parseIdentifiers(v.Get("identifiers"))
	if err != nil {
		c.p.Add("identifiers", "%s", psti.ErrorFields(err)[0].Message)
	}
	p.Identifiers = ids
	return p, c.done(p)
}

func versionForm(v *product.Version) *form {
	if v.Component == "" {
		v.Component = "firmware"
	}
	return &form{Fields: []*field{
		{Name: "component", Label: "Component", Hint: "What the version belongs to: \"firmware\", \"companion app\", \"cloud service\"…", Type: "text", Value: v.Component, Required: true, Max: product.MaxCode},
		{Name: "version", Label: "Version", Hint: "As shown to users, for example \"2.4.1\".", Type: "text", Value: v.Version, Required: true, Max: product.MaxCode},
		dateField("released_on", "Release date", "", v.ReleasedOn),
		{Name: "notes", Label: "Notes", Type: "textarea", Value: v.Notes, Max: product.MaxNotes, Rows: 3},
	}, Hidden: []hidden{{"product_id", idString(v.ProductID)}}}
}

func decodeVersion(v url.Values, id int64) (*product.Version, error) {
	c := conv{v: v}
	r := &product.Version{Record: c.record(id), ProductID: c.int("product_id", "Product"), Component: c.str("component"),
		Version: c.str("version"), ReleasedOn: c.date("released_on", "Release date"), Notes: c.text("notes")}
	return r, c.done(r)
}

func batchForm(b *product.Batch) *form {
	qty := ""
	if b.Quantity > 0 {
		qty = strconv.FormatInt(b.Quantity, 10)
	}
	return &form{Fields: []*field{
		{Name: "code", Label: "Batch identifier", Hint: "As printed or recorded in the factory.", Type: "text", Value: b.Code, Required: true, Max: product.MaxCode},
		dateField("first_produced", "First production date", "", b.FirstProduced),
		dateField("last_produced", "Last production date", "", b.LastProduced),
		{Name: "quantity", Label: "Quantity", Hint: "Number of units. Leave empty if not known yet.", Type: "number", Value: qty},
		{Name: "notes", Label: "Notes", Type: "textarea", Value: b.Notes, Max: product.MaxNotes, Rows: 3},
	}, Hidden: []hidden{{"product_id", idString(b.ProductID)}}}
}

func decodeBatch(v url.Values, id int64) (*product.Batch, error) {
	c := conv{v: v}
	b := &product.Batch{Record: c.record(id), ProductID: c.int("product_id", "Product"), Code: c.str("code"),
		FirstProduced: c.date("first_produced", "First production date"), LastProduced: c.date("last_produced", "Last production date"), Quantity: c.int("quantity", "Quantity"), Notes: c.text("notes")}
	return b, c.done(b)
}

func idString(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

// withValues copies what the person typed back into a form after a
// rejected submission, so nothing they wrote is lost.
func withValues(f *form, v url.Values) *form {
	for _, fl := range f.Fields {
		switch fl.Type {
		case "checkboxes":
			fl.Checked = v[fl.Name]
		case "password":
			// never echoed
		case "date":
			fl.Value = v.Get(fl.Name)
			fl.Day, fl.Month, fl.Year = v.Get(fl.Name+"-day"), v.Get(fl.Name+"-month"), v.Get(fl.Name+"-year")
			if fl.Day == "" && fl.Month == "" && fl.Year == "" {
				fl.Day, fl.Month, fl.Year = dateParts(fl.Value)
			}
		default:
			fl.Value = v.Get(fl.Name)
		}
	}
	return f
}

// describe is a short label for a record, used in messages and titles.
func describe(rec any) string {
	switch r := rec.(type) {
	case *product.Organisation:
		return r.LegalName
	case *product.Manufacturer:
		return r.Name
	case *product.Brand:
		return r.Name
	case *product.Product:
		s := r.Name + " (" + r.ModelNumber
		if r.HardwareVersion != "" {
			s += ", hardware " + r.HardwareVersion
		}
		return s + ")"
	case *product.Version:
		return r.Component + " " + r.Version
	case *product.Batch:
		return r.Code
	}
	return fmt.Sprint(rec)
}
