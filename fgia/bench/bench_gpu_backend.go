package bench

// Backend helpers for GPU runs: PJRT client options (the CUDA plugin's
// memory settings) and a bf16 matmul autocast. Both belong in fgia/backend
// once training uses them; the benchmark needs them first.

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/xla"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// EnvPJRTOptions names the environment variable holding PJRT client options
// for `fgia bench` (same syntax as ParsePJRTOptions), e.g.
// FGIA_PJRT_OPTIONS=preallocate=false for a GPU shared with other jobs.
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

// ParsePJRTOptions reads "key=value,key=value" into PJRT client options.
// Known keys get the type the plugins expect (see pjrtOptionKinds); others
// are guessed: true/false a bool, an integer an int64, a decimal a float32,
// else a string. Lists are colon-separated: visible_devices=0:1.
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
		if !ok || k == "" {
			return nil, fmt.Errorf("bench: PJRT option %q is not key=value", kv)
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
			return nil, fmt.Errorf("bench: PJRT option %s: %w", kv, err)
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

// NewXLABackend creates GoMLX's XLA backend from a GOMLX_BACKEND-style
// configuration ("xla:/abs/path/plugin.so[,tf32,...]") with PJRT client
// options, which the configuration string cannot carry (go-xla's
// pjrt.NamedValuesMap is a map[string]any).
func NewXLABackend(config string, opts map[string]any) (backends.Backend, error) {
	name, rest, ok := strings.Cut(config, ":")
	if !ok || (name != "xla" && name != "stablehlo" && name != "hlo" && name != "pjrt") {
		return nil, fmt.Errorf("bench: PJRT options need an XLA backend (xla:/path/plugin.so), not %q", config)
	}
	b, err := xla.NewWithOptions(rest, opts)
	if err != nil {
		return nil, fmt.Errorf("backend %q with options %v: %w", config, opts, err)
	}
	return b, nil
}

// AutocastBF16 wraps b so that every float32 DotGeneral multiplies in
// bfloat16: both operands are rounded to bf16, the product (accumulated in
// float32 by cuBLAS and XLA's CPU) comes back as bf16 and is widened to
// float32. Variables, optimizer state and everything that is not a matmul
// stay float32. Gradients are DotGenerals too (fgia/gemm), so the backward
// pass is autocast the same way. It is a throughput switch for the
// benchmark: it cannot keep a head in float32 (that needs the compute dtype
// chosen per matmul, in fgia/gemm).
func AutocastBF16(b backends.Backend) backends.Backend { return autocastBackend{b} }

type autocastBackend struct{ backends.Backend }

func (a autocastBackend) Builder(name string) backends.Builder {
	return autocastBuilder{a.Backend.Builder(name)}
}

func (a autocastBackend) Description() string {
	return a.Backend.Description() + " [bf16 matmuls]"
}

func (a autocastBackend) String() string { return a.Backend.String() + "+bf16-matmul" }

type autocastBuilder struct{ backends.Builder }

func (b autocastBuilder) DotGeneral(lhs backends.Op, lhsContracting, lhsBatch []int, rhs backends.Op, rhsContracting, rhsBatch []int) (backends.Op, error) {
	return b.inBF16(lhs, rhs, func(l, r backends.Op) (backends.Op, error) {
		return b.Builder.DotGeneral(l, lhsContracting, lhsBatch, r, rhsContracting, rhsBatch)
	})
}

func (b autocastBuilder) Dot(lhs, rhs backends.Op) (backends.Op, error) {
	return b.inBF16(lhs, rhs, b.Builder.Dot)
}

// inBF16 applies product to lhs and rhs rounded to bf16 and widens the
// result back, when both are float32; else it applies it as it is.
func (b autocastBuilder) inBF16(lhs, rhs backends.Op, product func(l, r backends.Op) (backends.Op, error)) (backends.Op, error) {
	ls, err := b.OpShape(lhs)
	if err != nil {
		return nil, err
	}
	rs, err := b.OpShape(rhs)
	if err != nil {
		return nil, err
	}
	if ls.DType != dtypes.Float32 || rs.DType != dtypes.Float32 {
		return product(lhs, rhs)
	}
	l16, err := b.ConvertDType(lhs, dtypes.BFloat16)
	if err != nil {
		return nil, err
	}
	r16, err := b.ConvertDType(rhs, dtypes.BFloat16)
	if err != nil {
		return nil, err
	}
	out, err := product(l16, r16)
	if err != nil {
		return nil, err
	}
	return b.ConvertDType(out, dtypes.Float32)
}
