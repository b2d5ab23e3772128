package product

import (
	"strconv"
	"strings"
)

// MaxSlug bounds a product's slug, in bytes, before any "-2" that keeps it
// unique.
const MaxSlug = 80

// Slug makes the readable part of a product's public address
// (/products/{slug}) from its brand, name and model number: lower-case
// ASCII letters and digits joined by single hyphens, accented letters
// written without their accents ("Café Été" gives "cafe-ete"), anything
// else dropped. A word the brand already gives (the name "Acme Doorbell"
// of brand "Acme") is not said twice. It returns "product" when nothing is
// left. The store makes it unique (see Unique) when the product is created
// and never changes it afterwards, so links to a product keep working
// whatever it is renamed to.
func Slug(brand, name, model string) string {
	words := slugWords(brand)
	for _, part := range []string{name, model} {
		w := slugWords(part)
		// "Acme" + "Acme Doorbell" is "acme-doorbell", not "acme-acme-doorbell".
		for len(words) > 0 && len(w) > 0 && hasPrefix(w, words) {
			w = w[len(words):]
		}
		words = append(words, w...)
	}
	var b strings.Builder
	for _, w := range words {
		if b.Len()+len(w)+1 > MaxSlug {
			break
		}
		if b.Len() > 0 {
			b.WriteByte('-')
		}
		b.WriteString(w)
	}
	if b.Len() == 0 {
		return "product"
	}
	return b.String()
}

func hasPrefix(w, prefix []string) bool {
	if len(prefix) > len(w) {
		return false
	}
	for i := range prefix {
		if w[i] != prefix[i] {
			return false
		}
	}
	return true
}

// slugWords splits text into lower-case ASCII words.
func slugWords(s string) []string {
	var words []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			words = append(words, cur.String())
			cur.Reset()
		}
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			cur.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			cur.WriteRune(r + 'a' - 'A')
		case r == '\'' || r == '’':
			// "Ada's" is "adas", not "ada-s".
		default:
			if t, ok := fold[r]; ok {
				cur.WriteString(t)
			} else {
				flush()
			}
		}
	}
	flush()
	return words
}

// Unique returns slug, or slug with "-2", "-3"… added, whichever is the
// first that taken does not report as taken.
func Unique(slug string, taken func(string) (bool, error)) (string, error) {
	for n := 1; ; n++ {
		s := slug
		if n > 1 {
			s += "-" + strconv.Itoa(n)
		}
		t, err := taken(s)
		if err != nil || !t {
			return s, err
		}
	}
}

// fold writes the accented Latin letters of Latin-1 and Latin Extended-A
// in plain lower-case ASCII.
var fold = func() map[rune]string {
	m := map[rune]string{}
	for plain, letters := range map[string]string{
		"a": "àáâãäåāăąÀÁÂÃÄÅĀĂĄ", "c": "çćĉċčÇĆĈĊČ", "d": "ďđðĎĐÐ", "e": "èéêëēĕėęěÈÉÊËĒĔĖĘĚ",
		"g": "ĝğġģĜĞĠĢ", "h": "ĥħĤĦ", "i": "ìíîïĩīĭįıÌÍÎÏĨĪĬĮİ", "j": "ĵĴ", "k": "ķĶ", "l": "ĺļľŀłĹĻĽĿŁ",
		"n": "ñńņňÑŃŅŇ", "o": "òóôõöøōŏőÒÓÔÕÖØŌŎŐ", "r": "ŕŗřŔŖŘ", "s": "śŝşšŚŜŞŠ", "t": "ţťŧŢŤŦ",
		"u": "ùúûüũūŭůűųÙÚÛÜŨŪŬŮŰŲ", "w": "ŵŴ", "y": "ýÿŷÝŶŸ", "z": "źżžŹŻŽ",
		"ae": "æÆ", "oe": "œŒ", "ss": "ß", "th": "þÞ",
	} {
		for _, r := range letters {
			m[r] = plain
		}
	}
	return m
}()
