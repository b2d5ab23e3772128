package storetest

import (
	"bytes"
	"context"
	"sync"
	"testing"
)

// testInstallationKeys: a key is made once, the same for every caller (even
// two at once), different by name, refused at another size, and the table
// refuses to change or delete it.
func testInstallationKeys(t *testing.T, b Backend) {
	db, _ := Open(t, b)
	ctx := context.Background()
	var wg sync.WaitGroup
	keys := make([][]byte, 8)
	for i := range keys {
		wg.Go(func() {
			k, err := db.InstallationKey(ctx, "fingerprints", 32)
			must(t, err)
			keys[i] = k
		})
	}
	wg.Wait()
	for _, k := range keys[1:] {
		if len(k) != 32 || !bytes.Equal(k, keys[0]) {
			t.Fatalf("callers got different keys: %x and %x", keys[0], k)
		}
	}
	if bytes.Equal(keys[0], make([]byte, 32)) {
		t.Fatal("the key is all zeros")
	}
	other, err := db.InstallationKey(ctx, "manifest-signing", 32)
	must(t, err)
	if bytes.Equal(other, keys[0]) {
		t.Fatal("two names share one key")
	}
	if _, err := db.InstallationKey(ctx, "fingerprints", 64); err == nil {
		t.Fatal("a key was handed out at a size it was not made with")
	}
	again, err := db.InstallationKey(ctx, "fingerprints", 32)
	must(t, err)
	if !bytes.Equal(again, keys[0]) {
		t.Fatal("the key changed between calls")
	}
	if _, err := raw(t, db).ExecContext(ctx, `UPDATE installation_keys SET secret = $1 WHERE name = 'fingerprints'`, make([]byte, 32)); err == nil {
		t.Fatal("the table let a key be changed")
	}
	if _, err := raw(t, db).ExecContext(ctx, `DELETE FROM installation_keys`); err == nil {
		t.Fatal("the table let a key be deleted")
	}
}
