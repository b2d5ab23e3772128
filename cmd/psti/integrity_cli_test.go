package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/psti/psti/internal/store/storetest"
)

// TestServeRefusesDamagedDatabase: psti serve on a file with 20 overwritten
// pages exits 1 before listening or printing a setup link, says how to
// restore, and the restore it describes brings the server back.
func TestServeRefusesDamagedDatabase(t *testing.T) {
	url := storetest.Filled(t, 20)
	path := sqlitePath(t, url)
	bak := backupOf(t, url)
	storetest.Overwrite(t, path, 20)
	sum := fileSum(t, path)

	r := cli(t, "serve", "--addr", "127.0.0.1:0", "--database-url", url)
	wantExit(t, r, 1)
	wantContains(t, "stderr", r.stderr, path+" is damaged", "btreeInitPage", "psti restore --from BACKUP --database-url "+url)
	for _, never := range []string{"listening", "/setup/"} {
		if strings.Contains(r.stderr, never) {
			t.Fatalf("psti serve got as far as %q on a damaged database:\n%v", never, r)
		}
	}
	if fileSum(t, path) != sum {
		t.Fatal("psti serve changed the damaged file")
	}

	// Doing what the message says.
	r = cli(t, "restore", "--from", bak, "--database-url", url)
	wantExit(t, r, 0)
	asides, _ := filepath.Glob(path + ".before-restore-*")
	if len(asides) == 0 {
		t.Fatalf("restore kept no copy of the damaged file:\n%v", r)
	}
	if sum != fileSum(t, asides[0]) {
		t.Fatal("the damaged file was not kept as it was")
	}
	wantExit(t, cli(t, "users", "list", "--database-url", url), 0)
}
