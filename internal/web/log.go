package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/ledger"
	"github.com/psti/psti/internal/psti"
)

// LogStore is what the transparency log's routes read (see store/ledger.go).
type LogStore interface {
	LogCheckpoint(ctx context.Context) ([]byte, ledger.Checkpoint, error)
	LogEntry(ctx context.Context, idx int64) ([]byte, error)
	LogTile(ctx context.Context, path string) ([]byte, error)
	ProveLogInclusion(ctx context.Context, idx, size int64) (*ledger.InclusionProof, error)
	ProveLogConsistency(ctx context.Context, old, new int64) (*ledger.ConsistencyProof, error)
	LogKeys(ctx context.Context) (*ledger.KeyList, error)
	LogVerifier(ctx context.Context) (string, error)
	LatestLogEntries(ctx context.Context, before int64, limit int) ([]ledger.Logged, error)
}

// The transparency log, served so that standard clients can follow it: the
// latest signed checkpoint (C2SP), the verifier key and the key list,
// entries one by one, tiles at tlog tile paths, and proofs under the API.
// Entries and full tiles never change, so they may be cached for ever.
func (s *Server) registerLog() {
	s.handle("GET /log/checkpoint", auth.Public, false, func(w http.ResponseWriter, r *http.Request) {
		msg, _, err := s.store.LogCheckpoint(r.Context())
		if err != nil {
			s.plainError(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		s.plain(w, "text/plain; charset=utf-8", msg)
	})
	s.handle("GET /log/key", auth.Public, false, func(w http.ResponseWriter, r *http.Request) {
		k, err := s.store.LogVerifier(r.Context())
		if err != nil {
			s.plainError(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		s.plain(w, "text/plain; charset=utf-8", []byte(k+"\n"))
	})
	s.handle("GET /log/keys", auth.Public, false, func(w http.ResponseWriter, r *http.Request) {
		l, err := s.store.LogKeys(r.Context())
		if err != nil {
			s.plainError(w, r, err)
			return
		}
		body, err := json.MarshalIndent(l, "", "  ")
		if err != nil {
			s.plainError(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		s.plain(w, "application/json", append(body, '\n'))
	})
	s.handle("GET /log/entries/{index}", auth.Public, false, func(w http.ResponseWriter, r *http.Request) {
		idx, err := strconv.ParseInt(r.PathValue("index"), 10, 64)
		if err != nil || idx < 0 {
			http.Error(w, "An entry is named by its index: 0, 1, 2, …", http.StatusNotFound)
			return
		}
		data, err := s.store.LogEntry(r.Context(), idx)
		if err != nil {
			s.plainError(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		s.plain(w, "application/json", data)
	})
	s.handle("GET /log/tile/{path...}", auth.Public, false, func(w http.ResponseWriter, r *http.Request) {
		data, err := s.store.LogTile(r.Context(), "tile/"+r.PathValue("path"))
		if err != nil {
			s.plainError(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		s.plain(w, "application/octet-stream", data)
	})
	s.page("GET /log", auth.Public, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		v := &logView{}
		if q := r.URL.Query().Get("entry"); q != "" {
			idx, err := strconv.ParseInt(q, 10, 64)
			if err != nil || idx < 0 {
				s.errorPage(w, r, http.StatusNotFound, "There is no such entry in our public record.")
				return
			}
			data, err := s.store.LogEntry(r.Context(), idx)
			if err != nil {
				s.pageError(w, r, err)
				return
			}
			e, err := ledger.ParseEntry(data)
			if err != nil {
				s.pageError(w, r, err)
				return
			}
			leaf := tlog.RecordHash(data)
			var pretty bytes.Buffer
			_ = json.Indent(&pretty, e.Record, "", "  ")
			v.Shown = &logShown{Index: idx, Entry: e, What: describeEntry(e), Record: pretty.String(), Leaf: base64.StdEncoding.EncodeToString(leaf[:])}
		}
		msg, c, err := s.store.LogCheckpoint(r.Context())
		if err == nil {
			v.Checkpoint, v.Size, v.Root = string(msg), c.Size, base64.StdEncoding.EncodeToString(c.Hash[:])
			v.Key, _ = s.store.LogVerifier(r.Context())
			entries, err := s.store.LatestLogEntries(r.Context(), 0, 50)
			if err != nil {
				s.pageError(w, r, err)
				return
			}
			for _, e := range entries {
				v.Entries = append(v.Entries, logLine{Index: e.Index, Entry: e.Entry, What: describeEntry(e.Entry)})
			}
		} else if psti.ErrorCode(err) != psti.EUNAVAILABLE {
			s.pageError(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, "log", &view{Title: "Our public record", User: u, Data: v})
	})
}

type logView struct {
	Shown      *logShown // the entry asked for with ?entry=N
	Checkpoint string
	Size       int64
	Root       string
	Key        string
	Entries    []logLine
}

// logShown is one entry, shown to a person.
type logShown struct {
	Index  int64
	Entry  *ledger.Entry
	What   string
	Record string // indented
	Leaf   string // its leaf hash, base64
}

type logLine struct {
	Index int64
	Entry *ledger.Entry
	What  string
}

// describeEntry says in plain words what an entry records.
func describeEntry(e *ledger.Entry) string {
	kind := map[string]string{
		ledger.KindSupportPublished:  "Security update period published",
		ledger.KindSupportExtended:   "Security update period extended",
		ledger.KindPolicyPublished:   "Security reporting policy published",
		ledger.KindPolicyChanged:     "Security reporting policy changed",
		ledger.KindAdvisoryPublished: "Security advisory published",
		ledger.KindAdvisoryRevised:   "Security advisory updated",
		ledger.KindStatementIssued:   "Statement of compliance issued",
	}[e.Kind]
	if kind == "" {
		kind = e.Kind
	}
	typ, key, _ := strings.Cut(e.Subject, "/")
	switch typ {
	case "product":
		// The product's name as the record gives it, else its address.
		var r struct {
			Brand string `json:"brand"`
			Name  string `json:"product_name"`
			Model string `json:"model_number"`
		}
		if json.Unmarshal(e.Record, &r) == nil && r.Name != "" {
			kind += ": " + strings.TrimSpace(r.Brand+" "+r.Name)
			if r.Model != "" {
				kind += " (" + r.Model + ")"
			}
		} else {
			kind += ": product " + key
		}
	case "advisory":
		kind += ": " + key
	case "statement":
		var r struct {
			Version int    `json:"version"`
			Model   string `json:"model"`
		}
		kind += ": " + key
		if json.Unmarshal(e.Record, &r) == nil && r.Version > 0 {
			kind += fmt.Sprintf(", version %d", r.Version)
			if r.Model != "" {
				kind += " (" + r.Model + ")"
			}
		}
	}
	return kind
}

// plain writes a body that is not a page (the security headers, nosniff
// among them, are the middleware's).
func (s *Server) plain(w http.ResponseWriter, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Write(body)
}

// plainError answers a request for a log file that cannot be served.
func (s *Server) plainError(w http.ResponseWriter, r *http.Request, err error) {
	code := psti.ErrorCode(err)
	status := statusOf(code)
	switch code {
	case psti.ENOTFOUND:
	case psti.EUNAVAILABLE:
		status = http.StatusServiceUnavailable // not yet: the server opens the log as it starts
	default:
		s.log.Error("serving the transparency log", "path", r.URL.Path, "err", err)
	}
	http.Error(w, psti.ErrorMessage(err), status)
}

type inclusionIn struct {
	Index    int64 `path:"index" minimum:"0" doc:"The entry's index."`
	TreeSize int64 `query:"tree_size" minimum:"0" doc:"Size of the tree to prove it in; 0 or absent for the latest signed checkpoint."`
}

type inclusionOut struct {
	Body struct {
		ledger.InclusionProof
		Checkpoint string `json:"checkpoint,omitempty" doc:"The signed checkpoint the proof leads to, when tree_size was not given."`
	}
}

type consistencyIn struct {
	Old int64 `path:"old" minimum:"0" doc:"Size of the older tree."`
	New int64 `path:"new" minimum:"0" doc:"Size of the newer tree."`
}

type consistencyOut struct {
	Body *ledger.ConsistencyProof
}

func (s *Server) registerLogAPI() {
	tags := []string{"Transparency log"}
	register(s, huma.Operation{OperationID: "prove-log-inclusion", Method: http.MethodGet, Path: "/log/proof/inclusion/{index}", Tags: tags,
		Summary: "Prove an entry is in the log",
		Description: "The RFC 6962 audit path from entry `index` to the root of the tree of `tree_size` entries (standard base64 hashes, as in checkpoints). " +
			"Check it offline with psti verify inclusion.",
		Errors: []int{http.StatusNotFound, http.StatusNotImplemented}}, auth.Public,
		func(ctx context.Context, in *inclusionIn) (*inclusionOut, error) {
			out := &inclusionOut{}
			size := in.TreeSize
			if size == 0 {
				msg, c, err := s.store.LogCheckpoint(ctx)
				if err != nil {
					return nil, err
				}
				size, out.Body.Checkpoint = c.Size, string(msg)
			}
			p, err := s.store.ProveLogInclusion(ctx, in.Index, size)
			if err != nil {
				return nil, err
			}
			out.Body.InclusionProof = *p
			return out, nil
		})
	register(s, huma.Operation{OperationID: "prove-log-consistency", Method: http.MethodGet, Path: "/log/proof/consistency/{old}/{new}", Tags: tags,
		Summary:     "Prove the log only grew between two sizes",
		Description: "The RFC 6962 consistency proof that the tree of `old` entries is a prefix of the tree of `new` entries. Check it offline with psti verify consistency.",
		Errors:      []int{http.StatusNotFound}}, auth.Public,
		func(ctx context.Context, in *consistencyIn) (*consistencyOut, error) {
			p, err := s.store.ProveLogConsistency(ctx, in.Old, in.New)
			if err != nil {
				return nil, err
			}
			return &consistencyOut{Body: p}, nil
		})
}
