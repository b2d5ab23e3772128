package auth

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"

	"github.com/psti/psti/internal/passwords"
	"github.com/psti/psti/internal/psti"
)

// The password policy for people follows the NCSC's password guidance and
// NIST SP 800-63B (section 3.1.1.2): length rather than composition rules
// (no "one capital, one digit, one symbol"), a check against passwords
// known to be common, no hints, and no forced change at intervals (psti
// never asks for one).
const (
	// MinGuessesLog10 is the fewest guesses, as a power of ten, the
	// strength estimator must expect before a new password is found:
	// 10^10 is its top score ("very unguessable").
	MinGuessesLog10 = 10
	// estimateLen bounds what the estimator reads: its pattern matching
	// takes far longer on long input, and a password weak in its first 64
	// characters is refused all the same.
	estimateLen = 64
)

// advice ends each message about a weak password with how to make a good one.
const advice = "Three or four random words make a strong one."

// CheckNewPassword applies the password rules for people: long enough to
// resist guessing, not absurdly long, not the e-mail address, not one of
// the most common passwords (the lists psti ships for the default-password
// audit), and not one the zxcvbn strength estimator expects to be guessed
// in fewer than 10^MinGuessesLog10 tries. The user's e-mail address (and
// its parts), "psti" and the context words given (the organisation's name)
// count as words an attacker tries first.
func CheckNewPassword(password, email string, context ...string) error {
	var p psti.Problems
	n := utf8.RuneCountInString(password)
	switch {
	case !utf8.ValidString(password):
		p.Add("password", "Password contains characters that are not valid text.")
	case n < MinPasswordLen:
		p.Add("password", "Password must be at least %d characters; a few unrelated words make a good one.", MinPasswordLen)
	case n > MaxPasswordLen:
		p.Add("password", "Password must be at most %d characters.", MaxPasswordLen)
	case email != "" && strings.EqualFold(strings.TrimSpace(password), email):
		p.Add("password", "Password must not be your e-mail address.")
	case strings.Count(password, string([]rune(password)[0])) == n:
		p.Add("password", "Password must not be one character repeated.")
	case common(password):
		p.Add("password", "Password is one of the most common passwords, so it would be guessed first. %s", advice)
	default:
		if weak, personal := guessable(password, contextWords(email, context)); personal {
			p.Add("password", "Password would be guessed quickly: it is built on your e-mail address, the organisation's name or psti, which are tried first. %s", advice)
		} else if weak {
			p.Add("password", "Password would be guessed quickly: it is built from common words, names, dates or patterns. %s", advice)
		}
	}
	return p.Err()
}

// common reports whether a password is on the shipped lists of common and
// default passwords: those the default-password audit checks devices with.
func common(password string) bool {
	low := strings.ToLower(strings.TrimSpace(password))
	return passwords.CommonPasswords().Has(low) || passwords.DefaultPasswords().Has(low)
}

// guessable runs the estimator with words as its hints. weak is whether it
// expects fewer than 10^MinGuessesLog10 guesses; personal, whether a
// hint is part of what makes it weak.
func guessable(password string, words []string) (weak, personal bool) {
	if len(password) > estimateLen {
		cut := estimateLen
		for cut > 0 && !utf8.RuneStart(password[cut]) {
			cut--
		}
		password = password[:cut]
	}
	r := zxcvbn.PasswordStrength(password, words)
	if math.Log10(math.Max(r.Guesses, 1)) >= MinGuessesLog10 {
		return false, false
	}
	for _, m := range r.Sequence {
		if m.DictionaryName == "user_inputs" {
			return true, true
		}
	}
	return true, false
}

// contextWords are the words specific to this account and installation:
// the e-mail address and its parts, "psti", and each context given and its
// words.
func contextWords(email string, context []string) []string {
	words := []string{"psti"}
	add := func(s string) {
		for _, w := range append([]string{s}, strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })...) {
			if w = strings.ToLower(w); len(w) >= 3 {
				words = append(words, w)
			}
		}
	}
	if email = NormalizeEmail(email); email != "" {
		add(email)
	}
	for _, c := range context {
		add(c)
	}
	return words
}
