package backend

// PJRT client options: named values an XLA plugin reads when its client is
// created (the CUDA plugin's memory settings, the CPU plugin's device
// count). GoMLX's GOMLX_BACKEND string cannot carry them, so the kit reads
// them from FGIA_PJRT_OPTIONS for every command.

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/xla"
)

// EnvPJRTOptions names the environment variable holding PJRT client options
// (ParsePJRTOptions syntax), e.g. FGIA_PJRT_OPTIONS=preallocate=false for a
// GPU shared with other jobs, or cpu_device_count=2 to split XLA's CPU
// plugin into two devices.
const EnvPJRTOptions = "FGIA_PJRT_OPTIONS"

// pjrtOptionKinds are the types the PJRT plugins expect for the options they
// read in PJRT_Client_Create: XLA's GPU plugin (pjrt_c_api_gpu_internal.cc)
// and its CPU plugin (pjrt_c_api_cpu_internal.cc). A value of the wrong type
// is rejected by the plugin, so known keys are typed here.
var pjrtOptionKinds = map[string]byte{
	"allocator":              's', // "default", "platform", "bfc" or "cuda_async"
	"memory_fraction":        'f', // of the GPU's memory the BFC allocator may take (default 0.75)
	"preallocate":            'b', // take memory_fraction up front (default true)
	"collective_memory_size": 'i', // bytes reserved for NCCL collectives
	"visible_devices":        'l', // GPU ordinals this client uses, "0:1:2"
	"platform_name":          's',
	"node_id":                'i',
	"num_nodes":              'i',
	"enable_mock_nccl":       'b',
	"cpu_device_count":       'i', // CPU plugin: how many devices the host shows as
}

// ParsePJRTOptions reads "key=value,key=value" into PJRT client options
// (go-xla's pjrt.NamedValuesMap is a map[string]any). Known keys get the
// type the plugins expect (see pjrtOptionKinds); others are guessed:
// true/false a bool, an integer an int64, a decimal a float32, else a
// string. Lists are colon-separated: visible_devices=0:1. An empty string
// gives nil.
func ParsePJRTOptions(s string) (map[string]any, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	opts := map[string]any{}
	for _, kv := range strings.Split(s, ",") {
		if kv = strings.TrimSpace(kv); kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" {
			return nil, fmt.Errorf("backend: PJRT option %q is not key=value", kv)
		}
		kind, known := pjrtOptionKinds[k]
		if !known {
			kind = guessKind(v)
		}
		var err error
		switch kind {
		case 'b':
			opts[k], err = strconv.ParseBool(v)
		case 'i':
			opts[k], err = strconv.ParseInt(v, 10, 64)
		case 'f':
			var f float64
			f, err = strconv.ParseFloat(v, 32)
			opts[k] = float32(f)
		case 'l':
			var list []int64
			for _, e := range strings.Split(v, ":") {
				var n int64
				if n, err = strconv.ParseInt(e, 10, 64); err != nil {
					break
				}
				list = append(list, n)
			}
			opts[k] = list
		default:
			opts[k] = v
		}
		if err != nil {
			return nil, fmt.Errorf("backend: PJRT option %s: %w", kv, err)
		}
	}
	return opts, nil
}

func guessKind(v string) byte {
	if v == "true" || v == "false" {
		return 'b'
	}
	if _, err := strconv.ParseInt(v, 10, 64); err == nil {
		return 'i'
	}
	if _, err := strconv.ParseFloat(v, 64); err == nil {
		return 'f'
	}
	return 's'
}

// FormatPJRTOptions writes options back as sorted key=value pairs, for
// logs (a map prints in random order and without list syntax).
func FormatPJRTOptions(opts map[string]any) string {
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		v := fmt.Sprint(opts[k])
		if list, ok := opts[k].([]int64); ok {
			s := make([]string, len(list))
			for j, n := range list {
				s[j] = strconv.FormatInt(n, 10)
			}
			v = strings.Join(s, ":")
		}
		parts[i] = k + "=" + v
	}
	return strings.Join(parts, ",")
}

// NewXLABackend creates GoMLX's XLA backend from a GOMLX_BACKEND-style
// configuration ("xla:/abs/path/plugin.so[,tf32,...]") with PJRT client
// options, which the configuration string cannot carry.
func NewXLABackend(config string, opts map[string]any) (backends.Backend, error) {
	_, rest, ok := strings.Cut(config, ":")
	if !ok || !isXLA(config) {
		return nil, fmt.Errorf("backend: PJRT options need an XLA backend (xla:/path/plugin.so), not %q", config)
	}
	os.Setenv("GOMLX_NO_AUTO_INSTALL", "1")
	b, err := xla.NewWithOptions(rest, opts)
	if err != nil {
		return nil, fmt.Errorf("backend %q with options %s: %w", config, FormatPJRTOptions(opts), err)
	}
	return b, nil
}
