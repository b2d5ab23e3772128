// Package psti is the centre of the system: the error codes every package
// returns, the actor behind a change, the audit trail's entry and the small
// vocabulary of checks that domain types use to validate themselves. It imports
// nothing from the rest of psti, and everything else may import it.
package psti

import (
	"errors"
	"fmt"
	"strings"
)

// Code says what kind of failure an Error is. The web layer maps each code to
// one HTTP status in one place; nothing else needs to know about HTTP.
type Code string

const (
	EINVALID      Code = "invalid"       // the input breaks a rule; Fields says which
	ENOTFOUND     Code = "not_found"     // no such record
	ECONFLICT     Code = "conflict"      // a uniqueness rule, or a stale revision
	EUNAUTHORIZED Code = "unauthorized"  // who is asking is unknown or not allowed in
	EFORBIDDEN    Code = "forbidden"     // known, but the role does not allow it
	ETOOMANY      Code = "too_many"      // throttled; try again later
	EINTERNAL     Code = "internal"      // anything else; the message is not shown
	EUNAVAILABLE  Code = "not_available" // refused in this configuration (e.g. a back end)
	EDAMAGED      Code = "damaged"       // stored data failed an integrity check; a backup must be restored
)

// Error is the error type of the domain. Message is written for the person
// who made the request: a sentence that says what to change.
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError // for EINVALID and some ECONFLICT: which field, and why
	Err     error        // the cause, for logs; never shown to users
}

// FieldError names one field of the input (by its JSON name) and what is
// wrong with it, in a sentence a person can act on.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Message)
	for i, f := range e.Fields {
		if i == 0 && e.Message != "" {
			b.WriteString(": ")
		} else if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(f.Field + ": " + f.Message)
	}
	if e.Err != nil {
		b.WriteString(" (" + e.Err.Error() + ")")
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an Error with the given code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an Error about one field.
func FieldErrorf(code Code, field, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Code: code, Message: msg, Fields: []FieldError{{Field: field, Message: msg}}}
}

// ErrorCode returns the code of err, EINTERNAL for errors that are not an
// *Error, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message that may be shown to the person who made
// the request. Internal errors get a fixed sentence: their detail belongs in
// the log.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "Something went wrong on our side. Nothing was changed; please try again."
}

// ErrorFields returns the field errors carried by err, if any.
func ErrorFields(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// PrefixFields returns err with prefix before each field it names ("x"
// becomes "facts.x"), for input checked apart from the body that held it;
// an error naming no field is returned as it is.
func PrefixFields(err error, prefix string) error {
	var e *Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = make([]FieldError, len(e.Fields))
	for i, f := range e.Fields {
		out.Fields[i] = FieldError{Field: prefix + f.Field, Message: f.Message}
	}
	return &out
}

// NotFound returns an ENOTFOUND error naming the kind of record.
func NotFound(kind string, id int64) *Error {
	return Errorf(ENOTFOUND, "There is no %s with id %d.", kind, id)
}
