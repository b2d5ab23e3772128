package passwords

import (
	"context"
	"os"
	"testing"
)

func TestZZProfile(t *testing.T) {
	p := os.Getenv("PSTI_PROF_INPUT")
	if p == "" {
		t.Skip()
	}
	f, _ := os.Open(p)
	defer f.Close()
	rep, err := Audit(context.Background(), f, Config{InputName: p, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(rep.Summary)
}
