package scope

import (
	"testing"

	"github.com/psti/psti/internal/catalog"
)

// BenchmarkDecide: a decision from every fact known, and the worst case the
// API can be sent, nothing known (every unknown fact the outcome reads is
// tried, until two cases differ).
func BenchmarkDecide(b *testing.B) {
	r := catalog.DefaultScopeRules()
	for _, bc := range []struct {
		name string
		v    catalog.Values
	}{
		{"known", catalog.Values{"as_of": "2026-06-01", "ip_internet": true, "uk_consumers": true, "condition": "new", "category": "tablet", "cellular": true, "northern_ireland_windsor": false}},
		{"nothing-known", catalog.Values{"as_of": "2026-06-01"}},
		{"vehicle-nation-unknown", catalog.Values{"as_of": "2026-06-01", "ip_internet": true, "uk_consumers": true, "condition": "new", "category": "motor_vehicle"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				Decide(r, bc.v)
			}
		})
	}
}
