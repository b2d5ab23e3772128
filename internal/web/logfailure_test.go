package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// TestAPIErrorWhenTheClientWentAway: a request that failed only because its
// client hung up is logged as a warning, not as a server error, so that
// error alerts stay for faults; a fault is an error even when the client
// has gone too.
func TestAPIErrorWhenTheClientWentAway(t *testing.T) {
	var logs bytes.Buffer
	s := &Server{log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	_ = s.apiError(gone, fmt.Errorf("store: unable to read a report: %w", context.Canceled))
	_ = s.apiError(gone, errors.New("store: unable to read a report: disk I/O error"))
	_ = s.apiError(context.Background(), fmt.Errorf("store: unable to read a report: %w", context.Canceled))
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 3 ||
		!strings.Contains(lines[0], "level=WARN") || !strings.Contains(lines[0], "the client went away") || !strings.Contains(lines[0], "context canceled") ||
		!strings.Contains(lines[1], "level=ERROR") || !strings.Contains(lines[1], "disk I/O error") ||
		!strings.Contains(lines[2], "level=ERROR") {
		t.Fatalf("logged:\n%s", logs.String())
	}
}
