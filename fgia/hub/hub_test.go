package hub

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeHub serves files under /REPO/resolve/REVISION/ from a map, counting
// requests.
func fakeHub(t *testing.T, files map[string]string, token string) (*httptest.Server, *atomic.Int32) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if token != "" && r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "gated", http.StatusUnauthorized)
			return
		}
		body, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestDownload(t *testing.T) {
	const base = "/timm/vit_x.tag/resolve/main/"
	for _, tc := range []struct {
		name    string
		files   map[string]string
		token   string
		want    []string // files that must be in the folder
		wantErr string
	}{
		{"safetensors", map[string]string{base + "config.json": "{}", base + "model.safetensors": "ST", base + "pytorch_model.bin": "PT"},
			"", []string{"config.json", "model.safetensors"}, ""},
		{"pytorch only", map[string]string{base + "config.json": "{}", base + "pytorch_model.bin": "PT"},
			"", []string{"config.json", "pytorch_model.bin"}, ""},
		{"no weights", map[string]string{base + "config.json": "{}"}, "", nil, "pytorch_model.bin: not found"},
		{"no such model", map[string]string{}, "", nil, "config.json: not found"},
		{"gated", map[string]string{base + "config.json": "{}", base + "model.safetensors": "ST"}, "secret", nil, "HF_TOKEN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, hits := fakeHub(t, tc.files, tc.token)
			c := &Client{Endpoint: srv.URL, Cache: t.TempDir(), HTTP: srv.Client()}
			dir, err := c.Download("timm/vit_x.tag")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range tc.want {
				b, err := os.ReadFile(filepath.Join(dir, f))
				if err != nil || string(b) != tc.files[base+f] {
					t.Errorf("%s: %q, %v", f, b, err)
				}
			}
			// A second download is served by the cache alone.
			before := hits.Load()
			srv.Close()
			if again, err := c.Download("timm/vit_x.tag"); err != nil || again != dir {
				t.Errorf("cached download: %s, %v", again, err)
			}
			if hits.Load() != before {
				t.Error("the cache did not answer")
			}
			leftovers, _ := filepath.Glob(filepath.Join(dir, ".*part*"))
			if len(leftovers) > 0 {
				t.Errorf("partial files left: %v", leftovers)
			}
		})
	}
}

// TestNoNetworkFailsFast: a refused connection and a server that never
// answers both end in an error that says the hub cannot be reached.
func TestNoNetworkFailsFast(t *testing.T) {
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // never answers
	}))
	defer silent.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	refused := closed.URL
	closed.Close()
	for _, tc := range []struct{ name, endpoint string }{{"refused", refused}, {"silent", silent.URL}} {
		t.Run(tc.name, func(t *testing.T) {
			c := NewClient()
			c.Endpoint, c.Cache = tc.endpoint, t.TempDir()
			// The default client's header timeout, shortened for the test.
			c.HTTP.Transport.(*http.Transport).ResponseHeaderTimeout = 200 * time.Millisecond
			_, err := c.Download("timm/vit_x")
			if err == nil || !strings.Contains(err.Error(), "cannot reach") || !strings.Contains(err.Error(), "--weights") {
				t.Fatalf("error %v, want a cannot-reach message suggesting --weights", err)
			}
		})
	}
}

func TestParseRepo(t *testing.T) {
	for _, tc := range []struct{ id, repo, rev string }{
		{"timm/vit_base_patch16_224.augreg_in21k", "timm/vit_base_patch16_224.augreg_in21k", "main"},
		{"timm/swinv2_base_window12_192.ms_in22k@v1", "timm/swinv2_base_window12_192.ms_in22k", "v1"},
		{"vit_base", "", ""}, {"a/b/c", "", ""}, {"/x", "", ""},
	} {
		repo, rev, err := ParseRepo(tc.id)
		if (err != nil) != (tc.repo == "") || repo != tc.repo || rev != tc.rev {
			t.Errorf("ParseRepo(%q) = %q, %q, %v", tc.id, repo, rev, err)
		}
	}
}
