package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store"
	"github.com/psti/psti/internal/store/storetest"
)

// TestOpenRefusesDamagedFile overwrites 20 pages in the middle of a
// database, as a failing disk might: opening it is refused with an error
// that names the file, quotes SQLite (a few lines, not all) and says how to
// restore, and the file is left as it was.
func TestOpenRefusesDamagedFile(t *testing.T) {
	url := storetest.Damaged(t, 20)
	path := strings.TrimPrefix(url, "sqlite:")
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	db, err := store.Open(context.Background(), url, store.Options{})
	if err == nil {
		db.Close()
		t.Fatal("a database with 20 overwritten pages opened without complaint")
	}
	if psti.ErrorCode(err) != psti.EDAMAGED {
		t.Fatalf("error code %q, want %q: %v", psti.ErrorCode(err), psti.EDAMAGED, err)
	}
	msg := psti.ErrorMessage(err)
	for _, want := range []string{path + " is damaged", "psti restore --from BACKUP --database-url " + url, path + ".before-restore-"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the message lacks %q:\n%s", want, msg)
		}
	}
	report, _, _ := strings.Cut(msg, "psti will not use it")
	if quoted := strings.Count(report, "\n    "); quoted != 6 || !strings.Contains(report, "Tree ") || !strings.Contains(report, "and more") {
		t.Errorf("want five lines of SQLite's report and a line saying there is more, got %d lines:\n%s", quoted, msg)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(after) != string(before) {
		t.Error("opening a damaged file changed it")
	}

	// Without the check the file opens, as it did before there was one, and
	// fails later, on whatever reads the damaged pages.
	unchecked, err := store.Open(context.Background(), url, store.Options{NoQuickCheck: true})
	if err != nil {
		t.Fatalf("the damage is meant to be where opening does not see it: %v", err)
	}
	// Every manufacturer's row is read (a count alone may read only an
	// index, and the damage is among the rows).
	_, err = unchecked.Manufacturers(context.Background(), product.Filter{Limit: product.MaxList, IncludeArchived: true})
	unchecked.Close()
	if err == nil {
		t.Fatal("the damaged pages were never read: the test proves nothing")
	}

	// Refusing did not leave the file's lock held: a restore could go ahead.
	bak := filepath.Join(t.TempDir(), "psti.db")
	good, err := store.Open(context.Background(), storetest.SQLite.URL(t), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer good.Close()
	if _, err := good.Backup(context.Background(), bak); err != nil {
		t.Fatal(err)
	}
	if _, _, err := store.Restore(context.Background(), url, bak, time.Now()); err != nil {
		t.Fatalf("restore over the refused file: %v", err)
	}
}

// TestOpenRefusesWhatIsNotADatabase: a file whose first page is gone is
// refused in the same words.
func TestOpenRefusesWhatIsNotADatabase(t *testing.T) {
	url := storetest.SQLite.URL(t)
	path := strings.TrimPrefix(url, "sqlite:")
	if err := os.WriteFile(path, []byte(strings.Repeat("not a database\n", 1000)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := store.Open(context.Background(), url, store.Options{})
	if psti.ErrorCode(err) != psti.EDAMAGED || !strings.Contains(psti.ErrorMessage(err), "psti restore --from BACKUP") {
		t.Fatalf("want a damaged-file error saying how to restore, got %v", err)
	}
	var pe *psti.Error
	if !errors.As(err, &pe) {
		t.Fatalf("%T is not a *psti.Error", err)
	}
}

// BenchmarkIntegrity measures what checking costs on a database of 100,000
// security reports (half with an e-mail address, so half with a queued
// e-mail; 155 MB): opening it with SQLite's quick check, as every psti
// command does, against opening it without; and psti check's full check.
// Building the database takes about half a minute.
//
//	go test -run '^$' -bench BenchmarkIntegrity -benchtime 5x -count 3 ./internal/store/
func BenchmarkIntegrity(b *testing.B) {
	ctx := context.Background()
	url := "sqlite:" + filepath.Join(b.TempDir(), "psti.db")
	db, err := store.Open(ctx, url, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	seed := storetest.NewSeed(b, db)
	if err := db.SavePolicy(ctx, psti.System("bench"), disclosure.DefaultPolicy(seed.Org.ID)); err != nil {
		b.Fatal(err)
	}
	svc := &disclosure.Service{Store: db, Register: db, Clock: psti.SystemClock{}, BaseURL: "http://psti.test"}
	details := strings.Repeat("The doorbell answers on port 23 with a root shell. ", 12)
	const reports, senders = 100_000, 64
	var wg sync.WaitGroup
	for w := range senders {
		wg.Go(func() {
			for i := w; i < reports; i += senders {
				sub := disclosure.Submission{Summary: fmt.Sprintf("Telnet open on doorbell %d", i), Details: details, ProductID: seed.Product.ID}
				if i%2 == 0 {
					sub.ContactEmail = fmt.Sprintf("reporter%d@example.com", i)
				}
				if _, _, err := svc.Submit(ctx, sub); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	if fi, err := os.Stat(strings.TrimPrefix(url, "sqlite:")); err == nil {
		b.Logf("%d reports, %.0f MB", reports, float64(fi.Size())/1e6)
	}

	open := func(b *testing.B, opt store.Options) {
		for b.Loop() {
			db, err := store.Open(ctx, url, opt)
			if err != nil {
				b.Fatal(err)
			}
			db.Close()
		}
	}
	b.Run("open", func(b *testing.B) { open(b, store.Options{}) })
	b.Run("open-without-quick-check", func(b *testing.B) { open(b, store.Options{NoQuickCheck: true}) })
	b.Run("check", func(b *testing.B) {
		db, err := store.Open(ctx, url, store.Options{NoMigrate: true, NoQuickCheck: true})
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		for b.Loop() {
			if _, err := db.Check(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestCheckWritePostgres: the write check commits on PostgreSQL, and fails
// on a session that may only read, as on a standby.
func TestCheckWritePostgres(t *testing.T) {
	ctx := context.Background()
	url := storetest.PostgresURL(t)
	db, err := store.Open(ctx, url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for range 3 {
		if err := db.CheckWrite(ctx); err != nil {
			t.Fatal(err)
		}
	}
	ro, err := store.Open(ctx, url+"&default_transaction_read_only=on", store.Options{NoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	err = ro.CheckWrite(ctx)
	if psti.ErrorCode(err) != psti.EUNAVAILABLE || !strings.Contains(psti.ErrorMessage(err), "read-only") {
		t.Fatalf("want an EUNAVAILABLE error saying read-only, got %v", err)
	}
}

// TestOpenExclusive: an Exclusive open is refused, at once, while another
// opener has the database, and goes through once it is closed; while it
// holds the database, other openers wait. On both back ends.
func TestOpenExclusive(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			url := b.URL(t)
			other, err := store.Open(ctx, url, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			// Another opener of the same database does not stand in the way.
			shared, err := store.Open(ctx, url, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			shared.Close()

			start := time.Now()
			_, err = store.Open(ctx, url, store.Options{Exclusive: true})
			if !errors.Is(err, store.ErrInUse) || psti.ErrorCode(err) != psti.ECONFLICT {
				other.Close()
				t.Fatalf("an exclusive open beside another: %v", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("the refusal took %v: it must not wait", d)
			}
			other.Close()

			alone, err := store.Open(ctx, url, store.Options{Exclusive: true})
			if err != nil {
				t.Fatalf("an exclusive open once the other is closed: %v", err)
			}
			opened := make(chan error, 1)
			go func() {
				db, err := store.Open(ctx, url, store.Options{})
				if err == nil {
					db.Close()
				}
				opened <- err
			}()
			select {
			case err := <-opened:
				alone.Close()
				t.Fatalf("another open went ahead beside an exclusive one: %v", err)
			case <-time.After(300 * time.Millisecond):
			}
			alone.Close()
			if err := <-opened; err != nil {
				t.Fatalf("the waiting open, once the exclusive one closed: %v", err)
			}
		})
	}
}
