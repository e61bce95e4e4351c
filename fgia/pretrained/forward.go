package pretrained

import (
	"fmt"
	"strings"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/fgia/fgia/fgia/model"
	"github.com/fgia/fgia/fgia/statedict"
)

// Forward runs a model at inference on images [B, H, W, C] with the given
// variables (by path) and returns its output: the logits, or the pooled
// features when the head has no classes (a backbone alone, as timm's
// num_classes=0 models return).
func Forward(b backends.Backend, spec model.Spec, vars map[string]*statedict.Tensor, images *tensors.Tensor) (*tensors.Tensor, error) {
	ctx := context.New().Checked(false)
	for path, t := range vars {
		i := strings.LastIndex(path, "/")
		ctx.InAbsPath(path[:i]).VariableWithValue(path[i+1:], tensors.FromFlatDataAndDimensions(t.Data, t.Shape...))
	}
	bb, err := spec.Backbone()
	if err != nil {
		return nil, err
	}
	exec, err := context.NewExec(b, ctx, func(ctx *context.Context, x *Node) *Node {
		if spec.Head.Classes == 0 {
			return bb.Features(ctx.In(model.BackboneScope), x)
		}
		return spec.Logits(ctx, x, nil, nil)
	})
	if err != nil {
		return nil, err
	}
	defer exec.Finalize()
	out, err := exec.Exec(images)
	if err != nil {
		return nil, fmt.Errorf("pretrained: forward pass: %w", err)
	}
	// A variable the weights did not give was initialised at random by
	// the graph: the mapping missed it.
	var extra []string
	for v := range ctx.IterVariables() {
		if _, ok := vars[v.ScopeAndName()]; !ok {
			extra = append(extra, v.ScopeAndName())
		}
	}
	if len(extra) > 0 {
		return nil, fmt.Errorf("pretrained: the model has variables the weights do not give: %v", extra)
	}
	return out[0], nil
}
