// Package hub downloads a timm model folder from the Hugging Face hub
// (config.json and model.safetensors, or pytorch_model.bin for models
// without safetensors) into a local cache, so that `fgia import --hub
// timm/NAME` needs the network once. It speaks the hub's plain file URLs
// (ENDPOINT/REPO/resolve/REVISION/FILE) over net/http: a few lines, and
// tests serve the same URLs from 127.0.0.1. github.com/gomlx/go-huggingface
// v0.3.1 does the same with more machinery (repository listings, the
// Python hub's cache layout), none of which an import needs.
//
// Without a network it fails fast with a message saying so: connecting
// gives up after DialTimeout and a silent server after HeaderTimeout,
// never hanging.
package hub

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// DefaultEndpoint is the hub; HF_ENDPOINT overrides it (mirrors).
const DefaultEndpoint = "https://huggingface.co"

// Timeouts of the default client.
const (
	DialTimeout   = 10 * time.Second
	HeaderTimeout = 30 * time.Second
)

// Files of a timm model folder, in the order they are fetched;
// pytorch_model.bin only when model.safetensors is absent.
var (
	configFile  = "config.json"
	weightFiles = []string{"model.safetensors", "pytorch_model.bin"}
)

// Client downloads from one endpoint into one cache folder.
type Client struct {
	Endpoint string // default: HF_ENDPOINT or DefaultEndpoint
	Cache    string // default: DefaultCache()
	Token    string // a bearer token for gated models (default: HF_TOKEN)
	HTTP     *http.Client
	Log      io.Writer // progress lines (default: discarded)
}

// NewClient returns a client configured from the environment.
func NewClient() *Client {
	dialer := &net.Dialer{Timeout: DialTimeout}
	transport := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   DialTimeout,
		ResponseHeaderTimeout: HeaderTimeout,
	}
	endpoint := os.Getenv("HF_ENDPOINT")
	if endpoint == "" {
		endpoint = DefaultEndpoint
	}
	return &Client{Endpoint: endpoint, Cache: DefaultCache(), Token: os.Getenv("HF_TOKEN"),
		HTTP: &http.Client{Transport: transport}}
}

// DefaultCache is FGIA_HUB_CACHE, else fgia/hub under the user's cache
// folder (~/.cache on Linux).
func DefaultCache() string {
	if d := os.Getenv("FGIA_HUB_CACHE"); d != "" {
		return d
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "fgia", "hub")
	}
	return filepath.Join(os.TempDir(), "fgia-hub")
}

// ParseRepo splits "owner/name[@revision]" (revision default "main") and
// checks its shape.
func ParseRepo(id string) (repo, revision string, err error) {
	repo, revision, _ = strings.Cut(id, "@")
	if revision == "" {
		revision = "main"
	}
	parts := strings.Split(repo, "/")
	if len(parts) != 2 || parts[0] == "" || parts[1] == "" || strings.ContainsAny(repo, " \\?#") {
		return "", "", fmt.Errorf("hub: %q is not a model id like timm/vit_base_patch16_224.augreg_in21k", id)
	}
	return repo, revision, nil
}

// Download returns the local folder holding the model id's config.json
// and weights, fetching what the cache lacks.
func (c *Client) Download(id string) (string, error) {
	repo, revision, err := ParseRepo(id)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(c.Cache, filepath.FromSlash(repo), revision)
	for _, name := range weightFiles {
		if cached(dir, configFile) && cached(dir, name) {
			return dir, nil
		}
	}
	if err := c.fetch(repo, revision, configFile, dir); err != nil {
		return "", err
	}
	for i, name := range weightFiles {
		err := c.fetch(repo, revision, name, dir)
		if err == nil {
			return dir, nil
		}
		if !errors.Is(err, errNotFound) || i == len(weightFiles)-1 {
			return "", err
		}
	}
	return dir, nil
}

var errNotFound = errors.New("not found")

func cached(dir, name string) bool {
	_, err := os.Stat(filepath.Join(dir, name))
	return err == nil
}

// fetch downloads one file into dir unless it is there already; the file
// appears complete or not at all.
func (c *Client) fetch(repo, revision, name, dir string) error {
	dst := filepath.Join(dir, name)
	if cached(dir, name) {
		return nil
	}
	u := strings.TrimRight(c.Endpoint, "/") + "/" + repo + "/resolve/" + url.PathEscape(revision) + "/" + name
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("hub: %w", err)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	client := c.HTTP
	if client == nil {
		client = NewClient().HTTP
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("hub: cannot reach %s (%v): no network here? Download the model folder (config.json and weights) elsewhere and import it with --weights DIR", c.Endpoint, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return fmt.Errorf("hub: %s: %w (%s)", u, errNotFound, resp.Status)
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("hub: %s: %s: a gated or private model? Set HF_TOKEN", u, resp.Status)
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("hub: %s: %s", u, resp.Status)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("hub: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+name+".part*")
	if err != nil {
		return fmt.Errorf("hub: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename, a no-op
	if c.Log != nil {
		fmt.Fprintf(c.Log, "hub: downloading %s (%s)\n", u, size(resp.ContentLength))
	}
	n, err := io.Copy(tmp, resp.Body)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil && resp.ContentLength >= 0 && n != resp.ContentLength {
		err = fmt.Errorf("got %d of %d bytes", n, resp.ContentLength)
	}
	if err != nil {
		return fmt.Errorf("hub: downloading %s: %w", u, err)
	}
	return os.Rename(tmp.Name(), dst)
}

func size(n int64) string {
	if n < 0 {
		return "size unknown"
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}
