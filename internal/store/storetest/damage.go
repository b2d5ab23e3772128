package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/store"
)

// Damaged returns the URL of an SQLite database that holds records and was
// closed cleanly, then had pages in the middle of its file overwritten, as a
// failing disk or a stray write leaves it. The damage is where the records
// are, away from the schema at the start of the file, so that SQLite still
// opens the file and answers the queries that do not touch it.
func Damaged(t testing.TB, pages int) string {
	t.Helper()
	url := Filled(t, pages)
	Overwrite(t, strings.TrimPrefix(url, "sqlite:"), pages)
	return url
}

// Filled returns the URL of an SQLite database, closed, whose records fill
// well over 3×pages pages beyond the schema.
func Filled(t testing.TB, pages int) string {
	t.Helper()
	url := SQLite.URL(t)
	db, err := store.Open(context.Background(), url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	NewSeed(t, db)
	address := strings.Repeat("Unit 4, Long Industrial Estate, ", 12)
	for i := range 40 * pages {
		must(t, db.CreateManufacturer(context.Background(), editor, &product.Manufacturer{Name: fmt.Sprintf("Maker %d", i), Address: address}))
	}
	must(t, db.Close())
	return url
}

// Overwrite replaces pages pages in the middle of the SQLite file at path
// with random bytes. The file must be closed, so that no write-ahead log
// holds newer copies of those pages.
func Overwrite(t testing.TB, path string, pages int) {
	t.Helper()
	const pageSize = 4096 // SQLite's default, which psti keeps
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	total := int(fi.Size() / pageSize)
	if total < 3*pages {
		t.Fatalf("%s has %d pages, too few to overwrite %d in the middle", path, total, pages)
	}
	junk := make([]byte, pages*pageSize)
	r := rand.New(rand.NewPCG(1, 2)) // the same damage on every run
	for i := range junk {
		junk[i] = byte(r.Uint32())
	}
	if _, err := f.WriteAt(junk, int64(total/2-pages/2)*pageSize); err != nil {
		t.Fatal(err)
	}
	must(t, f.Sync())
}
