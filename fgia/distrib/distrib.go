// Package distrib runs the kit's compiled steps data-parallel over several
// devices of one backend through GoMLX's own distribution support
// (context.Exec.AutoSharding, XLA's Shardy partitioner): a one-axis device
// mesh ("data"), inputs split along their first (batch) axis, variables
// replicated (the context's default under AutoSharding). The program stays
// written for one device and XLA inserts the gradient all-reduce, so there is
// no hand-written collective here. Only the XLA backend can distribute;
// simplego has one device.
//
// fgia/bench measures throughput with it and fgia/train trains with it.
package distrib

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/distributed"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Axis names the mesh's only axis, along which batches are split.
const Axis = "data"

// Devices resolves a requested device count against the backend's:
// 0 or 1 is one device (no distribution), -1 is all of them, and a count
// above what the backend has is an error.
func Devices(requested, available int) (int, error) {
	switch {
	case requested == -1:
		return max(available, 1), nil
	case requested < -1:
		return 0, fmt.Errorf("distrib: %d devices (want -1 for all, or a count)", requested)
	case requested <= 1:
		return 1, nil
	case requested > available:
		return 0, fmt.Errorf("distrib: %d devices asked, the backend has %d", requested, available)
	}
	return requested, nil
}

// DataParallel is one mesh of devices and the batch-split sharding over it.
// Every Exec of one context must use the same DataParallel: variables
// remember the mesh they are replicated over, and a second, equal mesh is
// refused ("mesh ... was not registered with the Graph").
type DataParallel struct {
	mesh    *distributed.DeviceMesh
	byBatch *distributed.ShardingSpec
}

// New is the data-parallel setup over n devices (n >= 2; one device needs
// none).
func New(n int) (*DataParallel, error) {
	if n < 2 {
		return nil, fmt.Errorf("distrib: data parallelism needs 2 or more devices, not %d", n)
	}
	mesh, err := distributed.NewDeviceMesh([]int{n}, []string{Axis})
	if err != nil {
		return nil, err
	}
	byBatch, err := distributed.NewShardingSpec(mesh, distributed.AxisSpec{Axis})
	if err != nil {
		return nil, err
	}
	return &DataParallel{mesh: mesh, byBatch: byBatch}, nil
}

// Devices is the number of devices of the mesh.
func (d *DataParallel) Devices() int { return d.mesh.NumDevices() }

// Configure makes e run over the mesh. Its inputs (all of them, inputs
// counts them: a missing spec would mean "not sharded") are split along the
// batch. Outputs are replicated (a loss or a count: XLA reduces over the
// devices what the graph reduces over the batch) or, with shardedOutputs,
// split along the batch like the inputs (logits). Call it before e's first
// Exec.
func (d *DataParallel) Configure(e *context.Exec, inputs int, shardedOutputs bool) {
	out := distributed.NewReplicatedShardingSpec(d.mesh)
	if shardedOutputs {
		out = d.byBatch
	}
	specs := make([]*distributed.ShardingSpec, inputs)
	for i := range specs {
		specs[i] = d.byBatch
	}
	e.AutoSharding(d.mesh).WithInputShardingSpecs(specs...).WithOutputShardingSpecs(out)
}

// Shard splits each argument (a *tensors.Tensor, or a value
// tensors.FromAnyValue takes, such as []int32) along its first axis into one
// shard a device, on the host. A configured Exec takes the results as its
// arguments; it wants all of them distributed or none. The batch must divide
// by the devices.
func (d *DataParallel) Shard(args []any) ([]any, error) {
	out := make([]any, len(args))
	for i, a := range args {
		t, ok := a.(*tensors.Tensor)
		if !ok {
			t = tensors.FromAnyValue(a)
		}
		dt, err := distributed.ShardTensor(d.byBatch, t)
		if err != nil {
			return nil, fmt.Errorf("distrib: input %d: %w", i, err)
		}
		out[i] = dt
	}
	return out, nil
}
