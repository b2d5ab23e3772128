// Package securitytxt reads, checks and writes security.txt files (RFC 9116):
// the short plain-text file, published at /.well-known/security.txt, that
// tells anyone who finds a security issue where and how to report it.
//
// PSTI does not require a security.txt, but it is a good carrier for the
// published point of contact (PSTI-VR-02): security researchers and their
// tools look for it first.
//
// Parse reads the text and reports what is wrong with the text itself
// (encoding, line shapes, fields that may appear only once, dates it cannot
// read). Check applies the rules of RFC 9116 to the values, so a File built
// in code is checked the same way as one read from a web site. Validate does
// both and puts each problem on its line. Render writes a File back out.
package securitytxt

import (
	"bytes"
	"cmp"
	"fmt"
	"mime"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// WellKnownPath is where RFC 9116 §3 places the file on a web site.
const WellKnownPath = "/.well-known/security.txt"

// MaxSize is the most of a file that is read; anything after it is ignored
// and reported. A security.txt is a few hundred bytes; a larger answer is
// usually a web page served in its place.
const MaxSize = 64 << 10

// MaxLine is the longest line, in bytes, that is not reported as an error.
// RFC 9116 sets no limit; readers do, and 2,048 is longer than any address
// a person would type.
const MaxLine = 2048

// Severities of a Problem.
const (
	SeverityError   = "error"   // the file breaks RFC 9116; readers may reject it
	SeverityWarning = "warning" // allowed, but likely a mistake or against a recommendation
)

// Field is one field RFC 9116 does not define, as written in the file.
type Field struct {
	Name  string
	Value string
}

// File is the content of a security.txt file. Each slice holds one value
// per field line, in file order. Parse fills it from text; Render writes it.
type File struct {
	// Contact is where to report an issue: mailto:, https: or tel: URIs,
	// the preferred one first. At least one is required (RFC 9116 §2.5.3).
	Contact []string
	// Expires is when the file goes stale and must not be trusted any more.
	// Exactly one is required (§2.5.5); Parse returns it in UTC.
	Expires time.Time
	// Encryption says where a key for encrypted reports is found: a URI,
	// never the key itself (§2.5.4).
	Encryption []string
	// Acknowledgments is a page that thanks the people who reported issues
	// (§2.5.1).
	Acknowledgments []string
	// PreferredLanguages are the language tags reports may be written in
	// ("en", "cy", "en-GB"), from at most one field (§2.5.8).
	PreferredLanguages []string
	// Canonical are the URIs where this file is published (§2.5.2).
	Canonical []string
	// Policy is the vulnerability disclosure policy (§2.5.7).
	Policy []string
	// Hiring is a page of security jobs (§2.5.6).
	Hiring []string
	// CSAF is the provider-metadata.json of a CSAF 2.0 provider (CSAF 2.0
	// §7.1.8, requirement 8).
	CSAF []string
	// Other holds the fields RFC 9116 does not define, in file order. Their
	// names never match a field above, whatever the case.
	Other []Field
	// Signed says the file was an OpenPGP cleartext-signed message (§2.3).
	// The signature is not verified. Render ignores Signed: signing is done
	// on the rendered text, with the organisation's key.
	Signed bool
}

// Problem is one thing wrong with a file, said so that the person who
// publishes it knows what to change.
type Problem struct {
	Line     int    // 1-based line in the file; 0 when the problem is about the whole file
	Field    string // the field it is about, as RFC 9116 spells it ("Expires"); "" when none
	Severity string // SeverityError or SeverityWarning
	Message  string // a sentence in plain English
}

// String writes the problem as "LINE: severity: message", or "file: …" when
// it is not about one line.
func (p Problem) String() string {
	where := "file"
	if p.Line > 0 {
		where = strconv.Itoa(p.Line)
	}
	return where + ": " + p.Severity + ": " + p.Message
}

// Count returns how many of ps are errors and how many are warnings.
func Count(ps []Problem) (errors, warnings int) {
	for _, p := range ps {
		if p.Severity == SeverityError {
			errors++
		} else {
			warnings++
		}
	}
	return errors, warnings
}

// The fields RFC 9116 (and CSAF 2.0) define, by lower-case name.
const (
	kContact     = "contact"
	kExpires     = "expires"
	kEncryption  = "encryption"
	kAck         = "acknowledgments"
	kLanguages   = "preferred-languages"
	kCanonical   = "canonical"
	kPolicy      = "policy"
	kHiring      = "hiring"
	kCSAF        = "csaf"
	kOther       = "" // index key of File.Other
	beginSigned  = "-----BEGIN PGP SIGNED MESSAGE-----"
	beginSig     = "-----BEGIN PGP SIGNATURE-----"
	endSig       = "-----END PGP SIGNATURE-----"
	byteOrderBOM = "\uFEFF"
)

// names spells each known field as RFC 9116 does; Render writes them in
// this order.
var names = []struct{ key, name string }{
	{kContact, "Contact"},
	{kExpires, "Expires"},
	{kEncryption, "Encryption"},
	{kAck, "Acknowledgments"},
	{kLanguages, "Preferred-Languages"},
	{kCanonical, "Canonical"},
	{kPolicy, "Policy"},
	{kHiring, "Hiring"},
	{kCSAF, "CSAF"},
}

func fieldName(key string) string {
	for _, n := range names {
		if n.key == key {
			return n.name
		}
	}
	return ""
}

// list returns the slice of f that holds the values of a repeatable field.
func (f *File) list(key string) *[]string {
	switch key {
	case kContact:
		return &f.Contact
	case kEncryption:
		return &f.Encryption
	case kAck:
		return &f.Acknowledgments
	case kLanguages:
		return &f.PreferredLanguages
	case kCanonical:
		return &f.Canonical
	case kPolicy:
		return &f.Policy
	case kHiring:
		return &f.Hiring
	case kCSAF:
		return &f.CSAF
	}
	return nil
}

// index remembers the line of each value Parse read, by field key and
// position, so that Check can name the line a problem is on. It is kept
// out of File so that two Files with the same content are equal.
type index map[string][]int

func (ix index) line(key string, i int) int {
	if ls := ix[key]; i < len(ls) {
		return ls[i]
	}
	return 0
}

// Parse reads a security.txt file. It never fails: whatever it can read is
// in the File (never nil), and everything wrong with the text is in the
// problems, in line order. It does not apply the rules about values; call
// Check for those, or Validate for both.
func Parse(data []byte) (*File, []Problem) {
	f, ps, _ := parse(data)
	return f, ps
}

// Validate parses data and checks it as Check does, giving every problem
// its line: problems about the whole file first, then by line.
func Validate(data []byte, now time.Time, fetchedFrom string) (*File, []Problem) {
	f, ps, ix := parse(data)
	ps = append(ps, f.check(now, fetchedFrom, ix)...)
	slices.SortStableFunc(ps, func(a, b Problem) int { return cmp.Compare(a.Line, b.Line) })
	return f, ps
}

type parser struct {
	f        *File
	ps       []Problem
	ix       index
	expires  int // line of the first Expires field, 0 if none yet
	language int // line of the first Preferred-Languages field, 0 if none yet
}

func (p *parser) add(line int, field, severity, format string, args ...any) {
	p.ps = append(p.ps, Problem{Line: line, Field: field, Severity: severity, Message: fmt.Sprintf(format, args...)})
}

func parse(data []byte) (*File, []Problem, index) {
	p := &parser{f: &File{}, ix: index{}}
	if len(data) > MaxSize {
		p.add(0, "", SeverityError, "The file is larger than 64 KiB; a security.txt is a few lines long. Only the first 64 KiB were read.")
		data = data[:MaxSize]
		if i := bytes.LastIndexByte(data, '\n'); i >= 0 {
			data = data[:i+1]
		}
	}
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		p.add(1, "", SeverityError, "The file is written in UTF-16; RFC 9116 requires UTF-8. Save it as UTF-8.")
		return p.f, p.ps, p.ix
	}
	text := string(data)
	if rest, ok := strings.CutPrefix(text, byteOrderBOM); ok {
		p.add(1, "", SeverityWarning, "The file starts with a byte-order mark (BOM), which some readers do not expect: save it as UTF-8 without a BOM.")
		text = rest
	}
	lines := strings.Split(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	} else {
		p.add(len(lines), "", SeverityWarning, "The last line does not end with a line break: RFC 9116 ends every line with one.")
	}
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}

	for i, l := range lines {
		if t := strings.TrimSpace(l); t != "" {
			if strings.HasPrefix(t, "<") {
				p.add(i+1, "", SeverityError, "This is an HTML or XML page, not a security.txt: the server may be answering with an error page. Publish a plain-text file instead.")
				return p.f, p.ps, p.ix
			}
			break
		}
	}

	begin := slices.IndexFunc(lines, func(l string) bool { return marker(l) == beginSigned })
	if begin < 0 {
		for i, l := range lines {
			p.line(i+1, l)
		}
		return p.f, p.ps, p.ix
	}

	// An OpenPGP cleartext-signed message (RFC 4880 §7): armor headers, an
	// empty line, the dash-escaped text, then the signature block. Only the
	// text is the file; lines outside the message are read too, but the
	// signature does not cover them.
	p.f.Signed = true
	outside := false
	for i := range begin {
		outside = p.outside(i+1, lines[i], outside)
	}
	j := begin + 1
	for ; j < len(lines) && strings.TrimSpace(lines[j]) != ""; j++ {
		if !strings.HasPrefix(lines[j], "Hash:") {
			p.add(j+1, "", SeverityError, "After %s come only Hash: lines and then an empty line; the empty line is missing.", beginSigned)
			j--
			break
		}
	}
	j++ // the empty line
	sig := -1
	for ; j < len(lines); j++ {
		l := lines[j]
		if marker(l) == beginSig {
			sig = j
			break
		}
		if rest, ok := strings.CutPrefix(l, "- "); ok {
			l = rest
		} else if strings.HasPrefix(l, "-") {
			p.add(j+1, "", SeverityError, "In a signed file a line that starts with \"-\" must be written with \"- \" in front of it (dash-escaped).")
		}
		p.line(j+1, l)
	}
	if sig < 0 {
		p.add(begin+1, "", SeverityError, "The signed message has no %s block: sign the file again (for example with gpg --clearsign).", beginSig)
		return p.f, p.ps, p.ix
	}
	end := slices.IndexFunc(lines[sig:], func(l string) bool { return marker(l) == endSig })
	if end < 0 {
		p.add(sig+1, "", SeverityError, "The signature block has no %s line: the signature is cut short.", endSig)
		return p.f, p.ps, p.ix
	}
	outside = false
	for i := sig + end + 1; i < len(lines); i++ {
		outside = p.outside(i+1, lines[i], outside)
	}
	return p.f, p.ps, p.ix
}

// marker returns l without the spaces that may follow an armor line.
func marker(l string) string { return strings.TrimRight(l, " \t") }

// outside reads a line of a signed file that lies outside the signed
// message, reporting the first such line that holds anything.
func (p *parser) outside(n int, l string, reported bool) bool {
	if t := strings.TrimSpace(l); !reported && t != "" && !strings.HasPrefix(t, "#") {
		p.add(n, "", SeverityError, "This line is outside the signed message, so the signature does not cover it: move it inside and sign the file again.")
		reported = true
	}
	p.line(n, l)
	return reported
}

// line reads one line of the file's text: a field, a comment or nothing.
func (p *parser) line(n int, l string) {
	if !utf8.ValidString(l) {
		p.add(n, "", SeverityError, "This line is not valid UTF-8 text: save the file as UTF-8.")
		l = strings.ToValidUTF8(l, "\uFFFD")
	}
	if len(l) > MaxLine {
		p.add(n, "", SeverityError, "This line is %d bytes long; keep lines shorter than %d so that every reader takes them whole.", len(l), MaxLine)
	}
	if strings.ContainsRune(l, '\r') {
		p.add(n, "", SeverityError, "This line has a carriage return (CR) in the middle: lines must end with LF or CR LF.")
	}
	t := strings.TrimRight(l, " \t")
	lead := strings.TrimLeft(t, " \t")
	if lead == "" || strings.HasPrefix(lead, "#") {
		return
	}
	if lead != t {
		p.add(n, "", SeverityError, "This line starts with a space or tab: a field must start at the beginning of the line.")
		t = lead
	}
	i := strings.IndexByte(t, ':')
	if i < 0 {
		p.add(n, "", SeverityError, "This line is not a field (Name: value), a comment (# …) or empty.")
		return
	}
	name, value := t[:i], t[i+1:]
	if trimmed := strings.TrimRight(name, " \t"); trimmed != name {
		p.add(n, "", SeverityError, "There is a space before the colon after %q: write %s: with nothing between.", trimmed, trimmed)
		name = trimmed
	}
	if !validName(name) {
		p.add(n, "", SeverityError, "This line is not a field: %q is not a field name (a name is letters, digits and dashes, followed by a colon).", name)
		return
	}
	key := strings.ToLower(name)
	field := cmp.Or(fieldName(key), name)
	if value != "" && value[0] != ' ' {
		p.add(n, field, SeverityWarning, "Put a space after the colon: RFC 9116 writes \"%s: value\".", field)
	}
	value = strings.Trim(value, " \t")

	switch key {
	case kExpires:
		if p.expires > 0 {
			p.add(n, field, SeverityError, "Expires appears more than once (lines %d and %d): keep exactly one.", p.expires, n)
			return
		}
		p.expires = n
		p.ix[key] = []int{n}
		t, err := time.Parse(time.RFC3339, value)
		switch {
		case err != nil && isDate(value):
			p.add(n, field, SeverityError, "Expires needs a time as well as a date: write it like %sT00:00:00Z.", value)
		case err != nil:
			p.add(n, field, SeverityError, "Expires %q is not a date and time in RFC 3339 form: write it like 2027-11-29T00:00:00Z.", value)
		case t.UTC().Year() < 1 || t.UTC().Year() > 9999:
			p.add(n, field, SeverityError, "Expires %q is not a usable date: write it like 2027-11-29T00:00:00Z.", value)
		default:
			p.f.Expires = t.UTC()
		}
	case kLanguages:
		if p.language > 0 {
			p.add(n, field, SeverityError, "Preferred-Languages appears more than once (lines %d and %d): list every language in one field, separated by commas.", p.language, n)
		} else {
			p.language = n
		}
		for tag := range strings.SplitSeq(value, ",") {
			p.f.PreferredLanguages = append(p.f.PreferredLanguages, strings.Trim(tag, " \t"))
			p.ix[key] = append(p.ix[key], n)
		}
	default:
		if vs := p.f.list(key); vs != nil {
			*vs = append(*vs, value)
		} else {
			p.f.Other = append(p.f.Other, Field{Name: name, Value: value})
			key = kOther
		}
		p.ix[key] = append(p.ix[key], n)
	}
}

// validName reports whether s is a field name of RFC 5322 §3.6.8: printable
// US-ASCII other than the colon.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		if c := s[i]; c < 33 || c > 126 || c == ':' {
			return false
		}
	}
	return true
}

func isDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// Check applies the rules of RFC 9116 to f as of now. fetchedFrom is the
// address the file was read from after any redirects, or "" when it came
// from elsewhere (a local file); given an address, Check also says whether
// the file is served where and how RFC 9116 asks. Problems have no line
// numbers; Validate adds them for text.
func (f *File) Check(now time.Time, fetchedFrom string) []Problem {
	return f.check(now, fetchedFrom, nil)
}

type checker struct {
	ps []Problem
	ix index
}

func (c *checker) add(line int, field, severity, format string, args ...any) {
	c.ps = append(c.ps, Problem{Line: line, Field: field, Severity: severity, Message: fmt.Sprintf(format, args...)})
}

func (f *File) check(now time.Time, fetchedFrom string, ix index) []Problem {
	c := &checker{ix: ix}

	// RFC 9116 §2.5.3: at least one Contact.
	if len(f.Contact) == 0 {
		c.add(0, "Contact", SeverityError, "There is no Contact field: add at least one, such as Contact: mailto:security@example.com. RFC 9116 requires it.")
	}
	for i, v := range f.Contact {
		c.uri(kContact, i, v)
	}

	// §2.5.5: exactly one Expires, less than a year ahead. A field that was
	// there but unreadable has been reported by Parse already.
	switch {
	case f.Expires.IsZero():
		if _, seen := ix[kExpires]; !seen {
			c.add(0, "Expires", SeverityError, "There is no usable Expires field: add one such as Expires: %s (less than a year ahead). RFC 9116 requires it.", now.AddDate(0, 11, 0).UTC().Format(time.DateOnly)+"T00:00:00Z")
		}
	case f.Expires.Before(now):
		c.add(ix.line(kExpires, 0), "Expires", SeverityError, "Expires is in the past (%s): renew the file. Readers must not trust a file after it expires.", f.Expires.UTC().Format(time.DateOnly))
	case f.Expires.After(now.AddDate(1, 0, 0)):
		c.add(ix.line(kExpires, 0), "Expires", SeverityWarning, "Expires is more than a year ahead (%s): RFC 9116 recommends less than a year, so that the file is reviewed and renewed.", f.Expires.UTC().Format(time.DateOnly))
	}

	for _, key := range []string{kEncryption, kAck, kCanonical, kPolicy, kHiring, kCSAF} {
		for i, v := range *f.list(key) {
			c.uri(key, i, v)
		}
	}

	// §2.5.8: language tags of RFC 5646, separated by commas.
	for i, tag := range f.PreferredLanguages {
		line := ix.line(kLanguages, i)
		switch {
		case tag == "":
			c.add(line, "Preferred-Languages", SeverityError, "Preferred-Languages has an empty entry: separate language tags with single commas, such as en, cy.")
		case !languageTag(tag):
			c.add(line, "Preferred-Languages", SeverityError, "Preferred-Languages has %q, which is not a language tag: write codes such as en, cy or en-GB.", tag)
		case len(strings.SplitN(tag, "-", 2)[0]) > 3:
			c.add(line, "Preferred-Languages", SeverityError, "Preferred-Languages has %q, which looks like the name of a language: write its code instead, such as en for English.", tag)
		}
	}

	for i, o := range f.Other {
		line := ix.line(kOther, i)
		if !validName(o.Name) {
			c.add(line, "", SeverityError, "%q is not a field name: a name is letters, digits and dashes, without spaces or a colon.", o.Name)
			continue
		}
		if known := fieldName(strings.ToLower(o.Name)); known != "" {
			c.add(line, known, SeverityError, "%s is a field of RFC 9116: put its value in the %s field, not among the other fields.", known, known)
			continue
		}
		if hasControl(o.Value) {
			c.add(line, o.Name, SeverityError, "%s has a control character in its value.", o.Name)
		}
		if fix := lookalike(o.Name); fix != "" {
			c.add(line, o.Name, SeverityWarning, "%s", fix)
		}
	}

	if f.Signed && len(f.Canonical) == 0 {
		c.add(0, "Canonical", SeverityWarning, "The file is signed but has no Canonical field: add one, so that the signature also says where the file belongs (RFC 9116 §2.5.2).")
	}

	if fetchedFrom != "" {
		c.fetched(f, fetchedFrom)
	}
	return c.ps
}

// fetched checks where the file was read from.
func (c *checker) fetched(f *File, from string) {
	u, err := url.Parse(from)
	if err != nil {
		return
	}
	switch strings.ToLower(u.Scheme) {
	case "http":
		// RFC 9116 §3: web-based services serve it over https only.
		c.add(0, "", SeverityError, "The file was fetched over plain http (%s): RFC 9116 requires https, so that readers can trust it comes from you.", from)
	case "https":
	default:
		return
	}
	if u.Path != WellKnownPath {
		c.add(0, "", SeverityWarning, "The file was fetched from %s; RFC 9116 places it at %s, where readers look for it.", from, WellKnownPath)
	}
	if len(f.Canonical) > 0 && !slices.ContainsFunc(f.Canonical, func(v string) bool { return sameURL(v, from) }) {
		c.add(0, "Canonical", SeverityWarning, "The file was fetched from %s, which is not one of its Canonical addresses (%s): readers may not trust it there.", from, strings.Join(f.Canonical, ", "))
	}
}

// uri checks the i-th value of a field whose values are URIs.
func (c *checker) uri(key string, i int, v string) {
	name := fieldName(key)
	line := c.ix.line(key, i)
	bad := func(severity, format string, args ...any) {
		c.add(line, name, severity, format, args...)
	}
	example := "https://example.com/…"
	if key == kContact {
		example = "mailto:security@example.com, https://example.com/security/report or tel:+441234567890"
	}
	switch {
	case v == "":
		bad(SeverityError, "%s is empty: give a URI such as %s.", name, example)
		return
	case key == kEncryption && strings.Contains(v, "-----BEGIN"):
		bad(SeverityError, "Encryption must say where your key is (a URI such as https://example.com/pgp-key.txt), not hold the key itself.")
		return
	case strings.ContainsAny(v, " \t"):
		bad(SeverityError, "%s %q contains a space, which a URI cannot: remove it (or write %%20).", name, v)
		return
	case hasControl(v):
		bad(SeverityError, "%s %q contains a control character, which a URI cannot.", name, v)
		return
	}
	u, err := url.Parse(v)
	if err != nil {
		bad(SeverityError, "%s %q is not a valid URI: write it like %s.", name, v, example)
		return
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme == "" {
		switch {
		case key == kContact && strings.Contains(v, "@"):
			bad(SeverityError, "Contact %q is an e-mail address without its scheme: write mailto:%s.", v, v)
		case key == kContact && phoneNumber(v):
			bad(SeverityError, "Contact %q is a telephone number without its scheme: write tel:%s.", v, v)
		default:
			bad(SeverityError, "%s %q is not a full URI: write it like %s.", name, v, example)
		}
		return
	}
	// §2.5: a web URI must begin with https://.
	switch {
	case scheme == "http":
		bad(SeverityError, "%s %q must start with https://, not http://: RFC 9116 requires https for web addresses.", name, v)
		return
	case scheme == "https" && u.Host == "":
		bad(SeverityError, "%s %q has no host: write it like %s.", name, v, example)
		return
	}
	switch key {
	case kContact:
		switch scheme {
		case "https":
		case "mailto":
			addr, err := url.PathUnescape(strings.SplitN(u.Opaque, "?", 2)[0])
			if a, perr := mail.ParseAddress(addr); err != nil || perr != nil || a.Address != addr {
				bad(SeverityError, "Contact %q does not hold a usable e-mail address: write it like mailto:security@example.com.", v)
			}
		case "tel":
			if !phoneNumber(strings.SplitN(u.Opaque, ";", 2)[0]) {
				bad(SeverityError, "Contact %q is not a telephone number: write it like tel:+441234567890.", v)
			}
		default:
			bad(SeverityError, "Contact %q must be a mailto:, https: or tel: URI, which every reader knows how to use.", v)
		}
	case kCSAF:
		// CSAF 2.0 §7.1.8: the field points to the provider metadata, over https.
		if scheme != "https" {
			bad(SeverityError, "CSAF %q must be an https:// address of a provider-metadata.json file.", v)
		} else if !strings.HasSuffix(u.Path, "/provider-metadata.json") {
			bad(SeverityWarning, "CSAF %q should be the address of a provider-metadata.json file (CSAF 2.0 §7.1.8).", v)
		}
	}
}

// phoneNumber reports whether s looks like a global telephone number of RFC
// 3966: an optional +, then digits and the visual separators - . ( ).
func phoneNumber(s string) bool {
	s = strings.TrimPrefix(s, "+")
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("-.()", r):
		default:
			return false
		}
	}
	return digits >= 3
}

// languageTag reports whether s has the shape of an RFC 5646 language tag:
// subtags of letters and digits, up to 8 each, joined by dashes, the first
// made of letters (or "x" or "i" for private and old tags).
func languageTag(s string) bool {
	for i, sub := range strings.Split(s, "-") {
		if len(sub) == 0 || len(sub) > 8 {
			return false
		}
		for _, r := range sub {
			letter := (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
			if !letter && (i == 0 || r < '0' || r > '9') {
				return false
			}
		}
		if i == 0 && len(sub) == 1 && !strings.EqualFold(sub, "x") && !strings.EqualFold(sub, "i") {
			return false
		}
	}
	return true
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r != '\t' && unicode.IsControl(r) })
}

// sameURL reports whether two web addresses name the same resource: the
// scheme and host in any case, the default port written or not.
func sameURL(a, b string) bool {
	ua, errA := url.Parse(a)
	ub, errB := url.Parse(b)
	if errA != nil || errB != nil {
		return a == b
	}
	norm := func(u *url.URL) string {
		scheme := strings.ToLower(u.Scheme)
		host := strings.ToLower(u.Hostname())
		if port := u.Port(); port != "" && !(scheme == "https" && port == "443") && !(scheme == "http" && port == "80") {
			host += ":" + port
		}
		path := cmp.Or(u.EscapedPath(), "/")
		return scheme + "://" + host + path + "?" + u.RawQuery
	}
	return norm(ua) == norm(ub)
}

// misspellings are names seen in the wild that edit distance alone would
// not catch, with the advice for each.
var misspellings = map[string]string{
	"signature":  "Signature is not a field of RFC 9116 (it was in early drafts): sign the file itself with OpenPGP instead (RFC 9116 §2.3).",
	"policies":   `"Policies" is not a field of RFC 9116; did you mean Policy? Readers ignore fields they do not know.`,
	"expiry":     `"Expiry" is not a field of RFC 9116; did you mean Expires? Readers ignore fields they do not know.`,
	"expiration": `"Expiration" is not a field of RFC 9116; did you mean Expires? Readers ignore fields they do not know.`,
	"language":   `"Language" is not a field of RFC 9116; did you mean Preferred-Languages? Readers ignore fields they do not know.`,
	"languages":  `"Languages" is not a field of RFC 9116; did you mean Preferred-Languages? Readers ignore fields they do not know.`,
}

// lookalike returns advice when name looks like a misspelt field of RFC 9116,
// and "" when it looks like a field of its own.
func lookalike(name string) string {
	lower := strings.ToLower(name)
	if advice, ok := misspellings[lower]; ok {
		return advice
	}
	if len(lower) > 24 {
		return ""
	}
	for _, n := range names {
		limit := 1
		if len(n.key) > 6 {
			limit = 2
		}
		if distance(lower, n.key) <= limit {
			return fmt.Sprintf("%q is not a field of RFC 9116; did you mean %s? Readers ignore fields they do not know.", name, n.name)
		}
	}
	return ""
}

// distance is the Levenshtein distance between two short ASCII strings.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			sub := prev[j-1]
			if a[i-1] != b[j-1] {
				sub++
			}
			cur[j] = min(sub, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// CheckContentType checks the Content-Type a web server sent with the file:
// RFC 9116 §3 asks for text/plain with charset=utf-8.
func CheckContentType(contentType string) []Problem {
	problem := func(severity, format string, args ...any) []Problem {
		return []Problem{{Severity: severity, Message: fmt.Sprintf(format, args...)}}
	}
	if contentType == "" {
		return problem(SeverityError, "The server sent the file without a Content-Type: RFC 9116 requires text/plain; charset=utf-8.")
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return problem(SeverityError, "The server sent an unreadable Content-Type (%q): RFC 9116 requires text/plain; charset=utf-8.", contentType)
	}
	if mt != "text/plain" {
		return problem(SeverityError, "The server sent the file as %s: RFC 9116 requires text/plain; charset=utf-8.", mt)
	}
	switch cs, ok := params["charset"]; {
	case !ok:
		return problem(SeverityWarning, "The server sent the file as text/plain without a charset: add charset=utf-8, as RFC 9116 asks.")
	case !strings.EqualFold(cs, "utf-8"):
		return problem(SeverityError, "The server sent the file with charset=%s: RFC 9116 requires UTF-8 (charset=utf-8).", cs)
	}
	return nil
}

// Render writes f as a security.txt file: a comment line, then the fields
// in the order RFC 9116 lists them (Contact, Expires, Encryption,
// Acknowledgments, Preferred-Languages, Canonical, Policy, Hiring), CSAF,
// and the other fields in their order. Lines end with LF. Expires is written
// in UTC, such as 2027-11-29T00:00:00Z. A line break inside a value would
// start a new field, so it is written as a space. Render does not check f;
// call Check first.
func (f *File) Render() []byte {
	var b bytes.Buffer
	b.WriteString("# security.txt (RFC 9116)\n")
	field := func(name, value string) {
		b.WriteString(oneLine(name))
		b.WriteByte(':')
		if value != "" {
			b.WriteByte(' ')
			b.WriteString(oneLine(value))
		}
		b.WriteByte('\n')
	}
	for _, n := range names {
		switch n.key {
		case kExpires:
			if !f.Expires.IsZero() {
				field(n.name, f.Expires.UTC().Format(time.RFC3339Nano))
			}
		case kLanguages:
			if len(f.PreferredLanguages) > 0 {
				field(n.name, strings.Join(f.PreferredLanguages, ", "))
			}
		default:
			for _, v := range *f.list(n.key) {
				field(n.name, v)
			}
		}
	}
	for _, o := range f.Other {
		field(o.Name, o.Value)
	}
	return b.Bytes()
}

func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return ' '
		}
		return r
	}, s)
}
