package override

import (
	"fmt"
	"strings"
	"testing"
)

type schedule struct {
	LR     float64 `json:"lr"`
	Warmup int     `json:"warmup_steps"`
}

type mix struct {
	Alpha float64 `json:"alpha"`
}

type cfg struct {
	Name     string   `json:"name"`
	Schedule schedule `json:"schedule"`
	Windows  []int    `json:"windows,omitempty"`
	Mixup    *mix     `json:"mixup,omitempty"`
	Flip     bool     `json:"flip"`
	Hidden   func()   `json:"-"`
	Plain    int
}

func TestSet(t *testing.T) {
	for _, tc := range []struct {
		path, value string
		check       func(c cfg) bool
	}{
		{"schedule.lr", "1e-3", func(c cfg) bool { return c.Schedule.LR == 1e-3 }},
		{"schedule.lr", "0", func(c cfg) bool { return c.Schedule.LR == 0 }}, // zero is a value
		{"schedule.warmup_steps", "7", func(c cfg) bool { return c.Schedule.Warmup == 7 }},
		{"name", "arcface", func(c cfg) bool { return c.Name == "arcface" }}, // bare word
		{"name", `"a b"`, func(c cfg) bool { return c.Name == "a b" }},
		{"windows", "[24,24,24,12]", func(c cfg) bool { return fmt.Sprint(c.Windows) == "[24 24 24 12]" }},
		{"windows.1", "8", func(c cfg) bool { return fmt.Sprint(c.Windows) == "[1 8]" }},
		{"mixup", `{"alpha":0.8}`, func(c cfg) bool { return c.Mixup != nil && c.Mixup.Alpha == 0.8 }},
		{"flip", "true", func(c cfg) bool { return c.Flip }},
		{"Plain", "3", func(c cfg) bool { return c.Plain == 3 }},
	} {
		c := cfg{Windows: []int{1, 2}}
		if err := Set(&c, tc.path, tc.value); err != nil {
			t.Errorf("Set(%s=%s): %v", tc.path, tc.value, err)
			continue
		}
		if !tc.check(c) {
			t.Errorf("Set(%s=%s) gave %+v", tc.path, tc.value, c)
		}
	}
}

func TestSetErrors(t *testing.T) {
	for _, tc := range []struct{ path, value, want string }{
		{"schedule.lrr", "1", `unknown key "schedule.lrr" (did you mean lr?)`},
		{"shedule.lr", "1", `unknown key "shedule" (did you mean schedule?)`},
		{"schedule.lr", "fast", "schedule.lr=fast: want a number"},
		{"schedule.warmup_steps", "1.5", "want an integer"},
		{"flip", "yes", "want true or false"},
		{"mixup.alpha", "1", "mixup is not set in this configuration"},
		{"mixup", `{"alpah":1}`, "unknown field"},
		{"windows.5", "1", "has 2 elements"},
		{"name.x", "1", "has no field"},
		{"Hidden", "1", "unknown key"},
	} {
		c := cfg{Windows: []int{1, 2}}
		err := Set(&c, tc.path, tc.value)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Set(%s=%s) = %v, want an error containing %q", tc.path, tc.value, err, tc.want)
		}
	}
	if err := SetAll(&cfg{}, []string{"schedule.lr"}); err == nil {
		t.Error("an assignment without = was accepted")
	}
}

func TestPathsAndGet(t *testing.T) {
	c := cfg{Schedule: schedule{LR: 2e-3}}
	got := strings.Join(Paths(&c), " ")
	if want := "Plain flip mixup name schedule.lr schedule.warmup_steps windows"; got != want {
		t.Errorf("Paths = %q, want %q", got, want)
	}
	if v, err := Get(&c, "schedule.lr"); err != nil || v != "0.002" {
		t.Errorf("Get = %q, %v", v, err)
	}
}

func ExampleSetAll() {
	type optim struct {
		LR float64 `json:"lr"`
	}
	type config struct {
		Epochs float64 `json:"epochs"`
		Optim  optim   `json:"optim"`
	}
	c := config{Epochs: 10, Optim: optim{LR: 2e-3}}
	if err := SetAll(&c, []string{"epochs=15", "optim.lr=1e-3"}); err != nil {
		fmt.Println(err)
	}
	fmt.Printf("%+v\n", c)
	// Output: {Epochs:15 Optim:{LR:0.001}}
}
