package distrib

import (
	"testing"

	"github.com/gomlx/gomlx/pkg/core/distributed"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

func TestDevices(t *testing.T) {
	for _, tc := range []struct {
		requested, available, want int
		fails                      bool
	}{
		{0, 4, 1, false},
		{1, 4, 1, false},
		{-1, 4, 4, false},
		{-1, 1, 1, false},
		{2, 4, 2, false},
		{4, 4, 4, false},
		{5, 4, 0, true},
		{-2, 4, 0, true},
	} {
		got, err := Devices(tc.requested, tc.available)
		if (err != nil) != tc.fails || got != tc.want {
			t.Errorf("Devices(%d, %d) = %d, %v; want %d (fails: %v)", tc.requested, tc.available, got, err, tc.want, tc.fails)
		}
	}
}

// Shard splits every input along the batch, device 0 taking the first rows,
// whatever the input's type.
func TestShard(t *testing.T) {
	if _, err := New(1); err == nil {
		t.Error("a one-device mesh accepted")
	}
	dp, err := New(2)
	if err != nil {
		t.Fatal(err)
	}
	if dp.Devices() != 2 {
		t.Fatalf("%d devices", dp.Devices())
	}
	out, err := dp.Shard([]any{tensors.FromValue([][]float32{{1, 2}, {3, 4}, {5, 6}, {7, 8}}), []int32{0, 1, 2, 3}})
	if err != nil {
		t.Fatal(err)
	}
	images, labels := out[0].(*distributed.Tensor).Shards(), out[1].(*distributed.Tensor).Shards()
	if got := images[1].Value().([][]float32); got[0][0] != 5 || got[1][1] != 8 {
		t.Errorf("device 1's images %v", got)
	}
	if got := labels[0].Value().([]int32); len(got) != 2 || got[1] != 1 {
		t.Errorf("device 0's labels %v", got)
	}
	if _, err := dp.Shard([]any{[]int32{1, 2, 3}}); err == nil {
		t.Error("an odd batch split over 2 devices")
	}
}
