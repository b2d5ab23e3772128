package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReadyzOnAFullDisk runs psti serve with its database on a small file
// system of its own, fills that file system, and checks that /readyz
// answers 503 saying the disk is full once writes fail, and 200 again once
// there is room, with writes working again. It needs the right to mount a
// file system (root, on Linux); elsewhere it is skipped, and the
// conditions it shares with a full disk are tested without one
// (store.TestCheckWriteSQLite, web.TestReadyzNeedsAWrite).
func TestReadyzOnAFullDisk(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=32m,mode=0700"); err != nil {
		t.Skipf("cannot mount a small file system to fill (%v): run as root on Linux to test a full disk for real", err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(dir, syscall.MNT_DETACH) })
	srv := startServer(t, "sqlite:"+filepath.Join(dir, "psti.db"), "--intake-rate", "0")
	client := &http.Client{Timeout: 10 * time.Second}
	get := func(path string) (int, string) {
		t.Helper()
		res, err := client.Get(srv.base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	report := func(i int) int {
		t.Helper()
		res, err := client.Post(srv.base+"/api/v1/reports", "application/json",
			strings.NewReader(fmt.Sprintf(`{"summary": "report %d", "details": %q}`, i, strings.Repeat("Telnet answers on port 23. ", 30))))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	if code, body := get("/readyz"); code != http.StatusOK {
		t.Fatalf("readyz before the disk is full: %d %q", code, body)
	}
	// Enough reports for the write-ahead log to be folded into the database
	// and begun again from its start: writes then reuse room the log already
	// has, which is where a full disk is noticed last.
	for i := range 1500 {
		if code := report(i); code != http.StatusCreated {
			t.Fatalf("report %d before the disk is full: %d", i, code)
		}
	}

	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	f.Close()
	// Writes go on while the write-ahead log has room it used before; the
	// test is that readiness fails once they do not. A checkpoint of the
	// log between the failed write and the readiness check can make room
	// again (then readiness is right to pass): write until it is full
	// again, a few times at most.
	written := 0
	var code int
	var body string
	for round := 0; round < 5; round++ {
		for ; report(10000+written) == http.StatusCreated; written++ {
			if written == 20000 {
				t.Fatal("20,000 reports were stored on a full disk: it is not full")
			}
		}
		time.Sleep(1100 * time.Millisecond) // past the last readiness check's second
		if code, body = get("/readyz"); code == http.StatusServiceUnavailable {
			break
		}
	}
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "the disk is full") {
		t.Fatalf("readyz once writes fail on a full disk (%d stored before): %d %q\n%s", written, code, body, srv.log())
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond)
	if code, body := get("/readyz"); code != http.StatusOK {
		t.Fatalf("readyz once there is room: %d %q", code, body)
	}
	if code := report(-1); code != http.StatusCreated {
		t.Fatalf("a report once there is room: %d", code)
	}
	t.Logf("%d reports stored after the disk filled, before writes failed", written)
}
