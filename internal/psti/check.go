package psti

import (
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Problems collects the field errors found while validating one input, so
// that a person sees every mistake at once rather than one per attempt.
// The zero value is ready to use.
type Problems struct {
	list []FieldError
}

// Add records a problem with a field. Only the first problem per field is
// kept: it is the one to fix first.
func (p *Problems) Add(field, format string, args ...any) {
	if p.Has(field) {
		return
	}
	p.list = append(p.list, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Has reports whether a problem was recorded for field.
func (p *Problems) Has(field string) bool {
	for _, f := range p.list {
		if f.Field == field {
			return true
		}
	}
	return false
}

// FieldsErr is the error Problems.Err gives for fields, each added in
// turn (the first problem per field kept); nil for none.
func FieldsErr(fields ...FieldError) error {
	var p Problems
	for _, f := range fields {
		p.Add(f.Field, "%s", f.Message)
	}
	return p.Err()
}

// Err returns nil when nothing was recorded, or an EINVALID *Error listing
// every problem.
func (p *Problems) Err() error {
	if len(p.list) == 0 {
		return nil
	}
	msg := "Please correct the field marked below."
	if len(p.list) > 1 {
		msg = fmt.Sprintf("Please correct the %d fields marked below.", len(p.list))
	}
	return &Error{Code: EINVALID, Message: msg, Fields: append([]FieldError(nil), p.list...)}
}

// Text checks a single-line text field: it must be valid UTF-8 without
// control characters, at most max characters, and present when required.
// label is how the field is named in the message ("Brand name").
func (p *Problems) Text(field, label, value string, required bool, max int) {
	p.text(field, label, value, required, max, false)
}

// LongText is Text for multi-line fields: line breaks and tabs are allowed.
func (p *Problems) LongText(field, label, value string, required bool, max int) {
	p.text(field, label, value, required, max, true)
}

func (p *Problems) text(field, label, value string, required bool, max int, multiline bool) {
	if !utf8.ValidString(value) {
		p.Add(field, "%s contains characters that are not valid text.", label)
		return
	}
	if strings.TrimSpace(value) == "" {
		if required {
			p.Add(field, "%s is required.", label)
		}
		return
	}
	if n := utf8.RuneCountInString(value); n > max {
		p.Add(field, "%s must be at most %d characters (it has %d).", label, max, n)
		return
	}
	for _, r := range value {
		if multiline && (r == '\n' || r == '\r' || r == '\t') {
			continue
		}
		// Bidirectional controls can make a name read differently from
		// what it is (U+202E turns text around), so they are refused too.
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			p.Add(field, "%s must not contain control characters.", label)
			return
		}
	}
}

// URL checks an optional or required absolute http(s) address.
func (p *Problems) URL(field, label, value string, required bool) {
	p.Text(field, label, value, required, 2048)
	if value == "" || p.Has(field) {
		return
	}
	u, err := url.Parse(value)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		p.Add(field, "%s must be a full web address starting with https:// (for example https://example.com).", label)
	}
}

// Email checks an e-mail address of the plain form name@example.com.
func (p *Problems) Email(field, label, value string, required bool) {
	p.Text(field, label, value, required, 254)
	if value == "" || p.Has(field) {
		return
	}
	a, err := mail.ParseAddress(value)
	if err != nil || a.Address != value || a.Name != "" || !strings.Contains(value[strings.LastIndexByte(value, '@')+1:], ".") {
		p.Add(field, "%s must be written like name@example.com.", label)
	}
}

// Date checks a calendar date written as YYYY-MM-DD.
func (p *Problems) Date(field, label, value string, required bool) {
	if value == "" {
		if required {
			p.Add(field, "%s is required.", label)
		}
		return
	}
	if _, err := ParseDate(value); err != nil {
		p.Add(field, "%s must be a date written as YYYY-MM-DD, for example 2030-03-31.", label)
	}
}

// ParseDate parses a calendar date written as YYYY-MM-DD.
func ParseDate(s string) (time.Time, error) {
	if len(s) != len("2006-01-02") {
		return time.Time{}, fmt.Errorf("date %q is not YYYY-MM-DD", s)
	}
	return time.Parse(time.DateOnly, s)
}

// MaxFileName bounds a file name kept from an upload, in bytes.
const MaxFileName = 200

// FileName is the name of an uploaded file as psti keeps and shows it: the
// last part of whatever path the sender gave (with / or \), valid UTF-8,
// without control characters, at most MaxFileName bytes; fallback when
// nothing is left.
func FileName(s, fallback string) string {
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		s = s[i+1:]
	}
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	for len(s) > MaxFileName {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	if s == "" || s == "." || s == ".." {
		return fallback
	}
	return s
}
