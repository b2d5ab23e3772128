package web

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

// TestAPIErrorWhenTheClientWentAway: a request that fails because its
// client hung up is logged at info level, not as a server error, so that
// error alerts stay for real faults; a real fault is still an error.
func TestAPIErrorWhenTheClientWentAway(t *testing.T) {
	var logs bytes.Buffer
	s := &Server{log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	_ = s.apiError(gone, errors.New("store: unable to read a report: context canceled"))
	_ = s.apiError(context.Background(), errors.New("store: unable to read a report: disk I/O error"))
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 2 ||
		!strings.Contains(lines[0], "level=INFO") || !strings.Contains(lines[0], "the client went away") || !strings.Contains(lines[0], "context canceled") ||
		!strings.Contains(lines[1], "level=ERROR") || !strings.Contains(lines[1], "disk I/O error") {
		t.Fatalf("logged:\n%s", logs.String())
	}
}
