package registry

import (
	"fmt"
	"strings"
	"testing"
)

func TestRegistry(t *testing.T) {
	r := New[int]("budget")
	r.Register("quick", "minutes", 1)
	r.Register("full", "the reference", 2)
	if v, err := r.Get("full"); err != nil || v != 2 {
		t.Fatalf("Get(full) = %d, %v", v, err)
	}
	if got := r.Names(); fmt.Sprint(got) != "[full quick]" {
		t.Errorf("Names = %v", got)
	}
	if r.Doc("quick") != "minutes" || r.Doc("none") != "" || !r.Has("quick") || r.Has("none") {
		t.Errorf("Doc/Has wrong")
	}
	_, err := r.Get("qiuck")
	if err == nil || !strings.Contains(err.Error(), `unknown budget "qiuck" (did you mean quick?)`) {
		t.Errorf("Get(qiuck) error = %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Errorf("registering a name twice did not panic")
		}
	}()
	r.Register("quick", "again", 3)
}

func ExampleRegistry() {
	recipes := New[[]string]("recipe")
	recipes.Register("demo", "the CPU ablation", []string{"baseline", "clean"})
	steps, _ := recipes.Get("demo")
	fmt.Println(recipes.Names(), recipes.Doc("demo"), steps)
	_, err := recipes.Get("dmeo")
	fmt.Println(err)
	// Output:
	// [demo] the CPU ablation [baseline clean]
	// unknown recipe "dmeo" (did you mean demo?); known: [demo]
}
