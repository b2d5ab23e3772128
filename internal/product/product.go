// Package product is the register of what a manufacturer makes: the
// organisation running psti, the manufacturers named on products, brands,
// products, their firmware and software versions, and production batches.
// Later capabilities (support periods, statements of compliance, password
// audits) point at these records, so nothing here is ever deleted: records are
// archived instead.
package product

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/psti/psti/internal/psti"
)

// Limits on text fields, shared by validation, the API schema and the forms.
const (
	MaxName    = 200
	MaxAddress = 1000
	MaxNotes   = 5000
	MaxCode    = 100
)

// Organisation is the business running this installation of psti: usually
// the manufacturer itself. Brands belong to an organisation. Admins and
// editors may change it.
type Organisation struct {
	psti.Record
	LegalName string `json:"legal_name" doc:"Registered legal name."`
	Address   string `json:"address" doc:"Postal address, one line per line of the address."`
	Website   string `json:"website,omitempty" doc:"Public website, https://…"`
	// BrandColour is the colour of the public pages' header and links, as
	// #rrggbb; "" for the pages' own. White text on it must read at 4.5:1.
	BrandColour string `json:"brand_colour,omitempty" doc:"Colour of the public pages' header and links, #rrggbb; white text on it must have a contrast of at least 4.5:1." maxLength:"7"`
	// LogoSHA256 names the organisation's logo (hex SHA-256), "" for none.
	// It is set by SetLogo, never by a form or the API.
	LogoSHA256 string `json:"-"`
}

// Limits on an organisation's logo: a small image for a page header.
const (
	MaxLogoBytes = 100_000
	MaxLogoSide  = 2000
)

// CheckLogo checks an uploaded logo and returns its content type. Only PNG
// and JPEG images are taken, read from the data rather than from what the
// upload says: an SVG can carry scripts, and a file that is not the image
// it claims to be must never be served as one.
func CheckLogo(data []byte) (string, error) {
	if len(data) == 0 {
		return "", psti.FieldErrorf(psti.EINVALID, "logo", "Choose an image file.")
	}
	if len(data) > MaxLogoBytes {
		return "", psti.FieldErrorf(psti.EINVALID, "logo", "The image is %d kB; a logo may be at most %d kB.", (len(data)+999)/1000, MaxLogoBytes/1000)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || (format != "png" && format != "jpeg") {
		return "", psti.FieldErrorf(psti.EINVALID, "logo", "The file is not a PNG or JPEG image.")
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > MaxLogoSide || cfg.Height > MaxLogoSide {
		return "", psti.FieldErrorf(psti.EINVALID, "logo", "The image is %d by %d pixels; a logo may be at most %d pixels each way.", cfg.Width, cfg.Height, MaxLogoSide)
	}
	if _, err := map[string]func(io.Reader) (image.Image, error){"png": png.Decode, "jpeg": jpeg.Decode}[format](bytes.NewReader(data)); err != nil {
		return "", psti.FieldErrorf(psti.EINVALID, "logo", "The image is damaged: it could not be read.")
	}
	return "image/" + format, nil
}

// Validate checks the fields a person fills in.
func (o *Organisation) Validate() error {
	var p psti.Problems
	p.Text("legal_name", "Legal name", o.LegalName, true, MaxName)
	p.LongText("address", "Postal address", o.Address, true, MaxAddress)
	o.Website = CompleteWebsite(o.Website) // "example.com" means https://example.com
	p.URL("website", "Website", o.Website, false)
	if o.BrandColour != "" {
		if c, ok := contrastWithWhite(o.BrandColour); !ok {
			p.Add("brand_colour", "Enter the colour as # and 6 hexadecimal digits, like #14243b.")
		} else if c < MinContrast {
			p.Add("brand_colour", "White text on this colour has a contrast of %.1f:1; it needs at least %.1f:1 to be read easily. Choose a darker colour.", math.Floor(c*10)/10, MinContrast)
		}
	}
	return p.Err()
}

// MinContrast is the least contrast between white text and an
// organisation's colour (WCAG 2.2 success criterion 1.4.3, normal text).
const MinContrast = 4.5

// contrastWithWhite returns the contrast ratio between white and a colour
// written #rrggbb (WCAG 2.2 relative luminance), and false if it is not
// written so.
func contrastWithWhite(hex string) (float64, bool) {
	if len(hex) != 7 || hex[0] != '#' {
		return 0, false
	}
	v, err := strconv.ParseUint(hex[1:], 16, 32)
	if err != nil {
		return 0, false
	}
	lin := func(c uint64) float64 {
		s := float64(c) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	l := 0.2126*lin(v>>16&0xff) + 0.7152*lin(v>>8&0xff) + 0.0722*lin(v&0xff)
	return 1.05 / (l + 0.05), true
}

// Manufacturer is a person or company named as a manufacturer on a product.
// The law asks for each manufacturer's name and address on a statement of
// compliance (PSTI-SOC-F2), and a product may have several (PSTI-S-07).
type Manufacturer struct {
	psti.Record
	Name    string `json:"name" doc:"Name as it appears on the statement of compliance."`
	Address string `json:"address" doc:"Postal address (registered office for a company)."`
	Website string `json:"website,omitempty"`
}

// Validate checks the fields a person fills in.
func (m *Manufacturer) Validate() error {
	var p psti.Problems
	p.Text("name", "Name", m.Name, true, MaxName)
	p.LongText("address", "Postal address", m.Address, true, MaxAddress)
	m.Website = CompleteWebsite(m.Website) // "example.com" means https://example.com
	p.URL("website", "Website", m.Website, false)
	return p.Err()
}

// Brand is a name products are sold under. Its name is unique within its
// organisation.
type Brand struct {
	psti.Record
	OrganisationID int64  `json:"organisation_id"`
	Name           string `json:"name"`
	Website        string `json:"website,omitempty"`
}

// Validate checks the fields a person fills in.
func (b *Brand) Validate() error {
	var p psti.Problems
	if b.OrganisationID <= 0 {
		p.Add("organisation_id", "Choose the organisation this brand belongs to.")
	}
	p.Text("name", "Brand name", b.Name, true, MaxName)
	b.Website = CompleteWebsite(b.Website) // "example.com" means https://example.com
	p.URL("website", "Website", b.Website, false)
	return p.Err()
}

// Identifier schemes a product may carry.
const (
	SchemeGTIN  = "gtin"  // GS1 trade item number (EAN/UPC barcodes), check digit verified
	SchemeSKU   = "sku"   // the seller's stock-keeping unit
	SchemeMPN   = "mpn"   // manufacturer part number
	SchemeOther = "other" // anything else
)

// Schemes lists the identifier schemes in the order forms offer them.
var Schemes = []string{SchemeGTIN, SchemeSKU, SchemeMPN, SchemeOther}

// Identifier is one code a product is known by, such as its GTIN.
type Identifier struct {
	Scheme string `json:"scheme" enum:"gtin,sku,mpn,other"`
	Value  string `json:"value" maxLength:"100"`
}

// Product is one model (type) of connectable product. Its model number and
// hardware version together are unique within its brand.
type Product struct {
	psti.Record
	// Slug names the product's public page, /products/{slug}. The store
	// makes it from brand, name and model number when the product is
	// created (see Slug) and never changes it.
	Slug            string       `json:"slug" readOnly:"true" doc:"Names the product's public page, /products/{slug}. Made when the product is created and never changed, even when it is renamed."`
	BrandID         int64        `json:"brand_id"`
	Name            string       `json:"name" doc:"Name as sold, e.g. \"Doorbell Pro\"."`
	Type            string       `json:"type" doc:"What it is, in plain words, e.g. \"video doorbell\"."`
	ModelNumber     string       `json:"model_number"`
	HardwareVersion string       `json:"hardware_version,omitempty"`
	Identifiers     []Identifier `json:"identifiers" doc:"Codes the product is known by, such as its GTIN."`
	ManufacturerIDs []int64      `json:"manufacturer_ids" doc:"Every manufacturer of the product (PSTI-S-07); each is named on its statement of compliance."`
	Description     string       `json:"description,omitempty"`
}

// Validate checks the fields a person fills in, including GTIN check digits.
func (pr *Product) Validate() error {
	var p psti.Problems
	if pr.BrandID <= 0 {
		p.Add("brand_id", "Choose the brand this product is sold under.")
	}
	p.Text("name", "Product name", pr.Name, true, MaxName)
	p.Text("type", "Product type", pr.Type, true, MaxName)
	p.Text("model_number", "Model number", pr.ModelNumber, true, MaxCode)
	p.Text("hardware_version", "Hardware version", pr.HardwareVersion, false, MaxCode)
	p.LongText("description", "Description", pr.Description, false, MaxNotes)
	if len(pr.Identifiers) > 20 {
		p.Add("identifiers", "A product may carry at most 20 identifiers.")
	}
	seen := map[Identifier]bool{}
	for i, id := range pr.Identifiers {
		field := "identifiers[" + strconv.Itoa(i) + "]"
		if !validScheme(id.Scheme) {
			p.Add(field, "Identifier scheme must be one of %s.", strings.Join(Schemes, ", "))
			continue
		}
		p.Text(field, "Identifier", id.Value, true, MaxCode)
		if id.Scheme == SchemeGTIN && !p.Has(field) && !ValidGTIN(id.Value) {
			p.Add(field, "%q is not a valid GTIN: it must be 8, 12, 13 or 14 digits with a correct check digit.", id.Value)
		}
		if seen[id] {
			p.Add(field, "Identifier %s %s is listed twice.", id.Scheme, id.Value)
		}
		seen[id] = true
	}
	if len(pr.ManufacturerIDs) > 20 {
		p.Add("manufacturer_ids", "A product may name at most 20 manufacturers.")
	}
	ids := map[int64]bool{}
	for _, id := range pr.ManufacturerIDs {
		if id <= 0 || ids[id] {
			p.Add("manufacturer_ids", "Each manufacturer may be named once.")
		}
		ids[id] = true
	}
	return p.Err()
}

func validScheme(s string) bool {
	for _, v := range Schemes {
		if s == v {
			return true
		}
	}
	return false
}

// ValidGTIN reports whether s is a GTIN-8, -12, -13 or -14 with a correct GS1
// check digit.
func ValidGTIN(s string) bool {
	switch len(s) {
	case 8, 12, 13, 14:
	default:
		return false
	}
	sum := 0
	for i := len(s) - 2; i >= 0; i-- {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if (len(s)-2-i)%2 == 0 {
			d *= 3
		}
		sum += d
	}
	last := s[len(s)-1]
	if last < '0' || last > '9' {
		return false
	}
	return (10-sum%10)%10 == int(last-'0')
}

// Version is a firmware or software version of a product, such as firmware
// 2.4.1 or companion app 5.0. Component and version together are unique
// within the product.
type Version struct {
	psti.Record
	ProductID  int64  `json:"product_id"`
	Component  string `json:"component" doc:"What the version belongs to, e.g. \"firmware\" or \"companion app\"."`
	Version    string `json:"version" doc:"Version string as shown to users, e.g. \"2.4.1\"."`
	ReleasedOn string `json:"released_on,omitempty" format:"date" doc:"Release date, YYYY-MM-DD."`
	Notes      string `json:"notes,omitempty"`
}

// Validate checks the fields a person fills in.
func (v *Version) Validate() error {
	var p psti.Problems
	if v.ProductID <= 0 {
		p.Add("product_id", "Choose the product this version belongs to.")
	}
	p.Text("component", "Component", v.Component, true, MaxCode)
	p.Text("version", "Version", v.Version, true, MaxCode)
	p.Date("released_on", "Release date", v.ReleasedOn, false)
	p.LongText("notes", "Notes", v.Notes, false, MaxNotes)
	return p.Err()
}

// Batch is a production run of a product. Its code is unique within the
// product. A statement of compliance names the batches it covers
// (PSTI-SOC-F1), and a password audit is stored against a batch.
type Batch struct {
	psti.Record
	ProductID     int64  `json:"product_id"`
	Code          string `json:"code" doc:"Batch identifier as printed or recorded in the factory."`
	FirstProduced string `json:"first_produced,omitempty" format:"date" doc:"First production date, YYYY-MM-DD."`
	LastProduced  string `json:"last_produced,omitempty" format:"date" doc:"Last production date, YYYY-MM-DD."`
	Quantity      int64  `json:"quantity,omitempty" doc:"Number of units in the batch; 0 when not known yet."`
	Notes         string `json:"notes,omitempty"`
}

// MaxQuantity bounds a batch's quantity: far above any real production run,
// well inside every integer type on the way.
const MaxQuantity = 1_000_000_000_000

// Validate checks the fields a person fills in: the date range must not run
// backwards and the quantity must be zero or more.
func (b *Batch) Validate() error {
	var p psti.Problems
	if b.ProductID <= 0 {
		p.Add("product_id", "Choose the product this batch belongs to.")
	}
	p.Text("code", "Batch identifier", b.Code, true, MaxCode)
	p.Date("first_produced", "First production date", b.FirstProduced, false)
	p.Date("last_produced", "Last production date", b.LastProduced, false)
	if b.FirstProduced != "" && b.LastProduced != "" && !p.Has("first_produced") && !p.Has("last_produced") &&
		b.LastProduced < b.FirstProduced {
		p.Add("last_produced", "Last production date must not be before the first production date.")
	}
	if b.Quantity < 0 || b.Quantity > MaxQuantity {
		p.Add("quantity", "Quantity must be a whole number from 0 to %d.", int64(MaxQuantity))
	}
	p.LongText("notes", "Notes", b.Notes, false, MaxNotes)
	return p.Err()
}

// MaxList is the most records one list may return.
const MaxList = 10000

// Filter selects records for a list. Zero values select everything that is
// not archived.
type Filter struct {
	ParentID        int64 // organisation for brands, brand for products, product for versions and batches
	IncludeArchived bool
	Limit           int // 0 means 500; at most MaxList
	// After continues a list after the record with this key (the
	// record's ListKey): a list is read a page at a time this way at any
	// depth, through the index of its order (DESIGN.md "Lists"). Offset
	// skips records instead, which costs as many as it skips.
	After  string
	Offset int
}

// The keys of records' places in their lists (Filter.After): the values
// the list sorts by, then the id (psti.ListKey).

// ListKey is the organisation's place in the list of organisations.
func (o *Organisation) ListKey() string { return psti.ListKeyID(o.ID, o.LegalName) }

// ListKey is the manufacturer's place in the list of manufacturers.
func (m *Manufacturer) ListKey() string { return psti.ListKeyID(m.ID, m.Name) }

// ListKey is the brand's place in a list of brands.
func (b *Brand) ListKey() string { return psti.ListKeyID(b.ID, b.Name) }

// ListKey is the product's place in a list of products.
func (p *Product) ListKey() string { return psti.ListKeyID(p.ID, p.Name, p.ModelNumber) }

// ListKey is the version's place in a list of versions.
func (v *Version) ListKey() string { return psti.ListKeyID(v.ID, v.ReleasedOn) }

// ListKey is the batch's place in a list of batches.
func (b *Batch) ListKey() string { return psti.ListKeyID(b.ID, b.FirstProduced) }

// Store keeps the register. Create and Update validate, check that parents
// exist and are not archived, write the change and its audit entry in one
// transaction, and fill in the record's bookkeeping fields. Update fails with
// ECONFLICT when r.Revision is set and no longer current. Errors: EINVALID,
// ENOTFOUND, ECONFLICT. Viewers may call the readers; editors and admins the
// writers.
type Store interface {
	CreateOrganisation(ctx context.Context, a psti.Actor, o *Organisation) error
	UpdateOrganisation(ctx context.Context, a psti.Actor, o *Organisation) error
	Organisation(ctx context.Context, id int64) (*Organisation, error)
	Organisations(ctx context.Context, f Filter) ([]*Organisation, error)

	CreateManufacturer(ctx context.Context, a psti.Actor, m *Manufacturer) error
	UpdateManufacturer(ctx context.Context, a psti.Actor, m *Manufacturer) error
	Manufacturer(ctx context.Context, id int64) (*Manufacturer, error)
	Manufacturers(ctx context.Context, f Filter) ([]*Manufacturer, error)

	CreateBrand(ctx context.Context, a psti.Actor, b *Brand) error
	UpdateBrand(ctx context.Context, a psti.Actor, b *Brand) error
	Brand(ctx context.Context, id int64) (*Brand, error)
	Brands(ctx context.Context, f Filter) ([]*Brand, error)

	CreateProduct(ctx context.Context, a psti.Actor, p *Product) error
	UpdateProduct(ctx context.Context, a psti.Actor, p *Product) error
	Product(ctx context.Context, id int64) (*Product, error)
	Products(ctx context.Context, f Filter) ([]*Product, error)
	// ProductBySlug returns the product whose page is /products/{slug}.
	ProductBySlug(ctx context.Context, slug string) (*Product, error)

	CreateVersion(ctx context.Context, a psti.Actor, v *Version) error
	UpdateVersion(ctx context.Context, a psti.Actor, v *Version) error
	Version(ctx context.Context, id int64) (*Version, error)
	Versions(ctx context.Context, f Filter) ([]*Version, error)

	CreateBatch(ctx context.Context, a psti.Actor, b *Batch) error
	UpdateBatch(ctx context.Context, a psti.Actor, b *Batch) error
	Batch(ctx context.Context, id int64) (*Batch, error)
	Batches(ctx context.Context, f Filter) ([]*Batch, error)

	// SetArchived archives (archived true) or brings back a record of the
	// given kind and returns its new revision. Archiving keeps the record and
	// everything that points at it; archived records are left out of lists
	// unless asked for and cannot be chosen as a parent for new records.
	SetArchived(ctx context.Context, a psti.Actor, kind Kind, id int64, archived bool) (revision int64, err error)

	// Count returns how many records of a kind a list with filter f would
	// hold, ignoring its limit and offset.
	Count(ctx context.Context, kind Kind, f Filter) (int, error)
}

// Kind names a kind of record in the register. It is also the entity name
// in the audit trail.
type Kind string

// The kinds of record in the register.
const (
	KindOrganisation Kind = "organisation"
	KindManufacturer Kind = "manufacturer"
	KindBrand        Kind = "brand"
	KindProduct      Kind = "product"
	KindVersion      Kind = "version"
	KindBatch        Kind = "batch"
)

// Kinds lists every kind of record in the register.
var Kinds = []Kind{KindOrganisation, KindManufacturer, KindBrand, KindProduct, KindVersion, KindBatch}
