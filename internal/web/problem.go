package web

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"
)

// Problem documents (RFC 9457) are the API's only error answer. Whatever
// arrives, an answer stays small: a problem never repeats the request's
// values, lists at most maxProblemDetails problems, and quotes at most
// maxProblemText bytes of any message or location. Without these bounds a
// body of a few thousand unknown fields, each reported with the whole body
// as its value, made an answer that grew with the square of the body.
const (
	maxProblemDetails = 20
	maxProblemText    = 200
)

func init() {
	// huma builds every error it answers (validation, unreadable JSON,
	// wrong content type, body too large) through NewError, and so do
	// this package's handlers: one place bounds them all.
	huma.NewError = newProblem
}

// newProblem is huma.NewError with the bounds above.
func newProblem(status int, msg string, errs ...error) huma.StatusError {
	p := &huma.ErrorModel{Status: status, Title: http.StatusText(status), Detail: clip(msg)}
	if status >= 500 {
		// The causes of a server error are for the operator's log, not
		// for the client.
		return p
	}
	more := 0
	for _, err := range errs {
		if err == nil {
			continue
		}
		if len(p.Errors) == maxProblemDetails {
			more++
			continue
		}
		// A detail's own Error method prints its value: never call it.
		var d huma.ErrorDetail
		if ed, ok := err.(huma.ErrorDetailer); ok {
			if got := ed.ErrorDetail(); got != nil {
				d = *got
			}
		} else {
			d.Message = err.Error()
		}
		d.Message, d.Location = plainUnmarshal(d.Message, d.Location)
		p.Errors = append(p.Errors, &huma.ErrorDetail{Message: clip(d.Message), Location: clip(d.Location)})
	}
	if more > 0 {
		p.Errors = append(p.Errors, &huma.ErrorDetail{Message: fmt.Sprintf("%d more problems were found but are not listed; correct those above and send the request again.", more)})
	}
	return p
}

// clip shortens s to at most maxProblemText bytes of valid UTF-8.
func clip(s string) string {
	if len(s) <= maxProblemText {
		return s
	}
	s = s[:maxProblemText]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// goUnmarshal matches the decoder's message for a value of the wrong type
// (a number too large, or written 1e3, for a whole number), which names
// the server's own types.
var goUnmarshal = regexp.MustCompile(`^json: cannot unmarshal (\w+)(?: "?[^ ]*"?)? into Go (?:struct field \w+\.([\w.]+)|value) of type (\S+)`)

// plainUnmarshal says such a problem in the API's words: which field, and
// what it takes.
func plainUnmarshal(msg, loc string) (string, string) {
	m := goUnmarshal.FindStringSubmatch(msg)
	if m == nil {
		return msg, loc
	}
	if m[2] != "" {
		loc = "body." + m[2]
	}
	want := "a value of another type"
	switch t := strings.TrimPrefix(m[3], "*"); {
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"):
		want = "a whole number, written with digits only, of at most 18 digits"
	case strings.HasPrefix(t, "float"):
		want = "a number"
	case t == "string":
		want = "text"
	case t == "bool":
		want = "true or false"
	}
	return "expected " + want, loc
}
