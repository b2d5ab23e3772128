package store_test

import (
	"testing"

	"github.com/psti/psti/internal/store/storetest"
)

func TestSQLite(t *testing.T) {
	t.Parallel()
	storetest.Run(t, storetest.SQLite)
}

func TestPostgres(t *testing.T) {
	t.Parallel()
	storetest.PostgresURL(t) // skips, or fails under CI=true, before any subtest
	storetest.Run(t, storetest.Postgres)
}
