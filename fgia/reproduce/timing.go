package reproduce

import (
	"encoding/json"
	"os"
	"strconv"
)

// timing.json holds the wall time each step took, by seed, summed over the
// processes that worked on it (a killed process's time after its last
// save is lost with it).

func (p *pipeline) loadTiming() {
	b, err := os.ReadFile(p.outPath(TimingFile))
	if err != nil {
		return
	}
	var stored map[string]map[string]float64
	if json.Unmarshal(b, &stored) != nil {
		return
	}
	for step, bySeed := range stored {
		p.timing[step] = map[int]float64{}
		for k, v := range bySeed {
			if seed, err := strconv.Atoi(k); err == nil {
				p.timing[step][seed] = v
			}
		}
	}
}

func (p *pipeline) addTiming(step string, seed int, seconds float64) error {
	if p.timing[step] == nil {
		p.timing[step] = map[int]float64{}
	}
	p.timing[step][seed] += seconds
	b, err := json.MarshalIndent(p.timing, "", " ")
	if err != nil {
		return err
	}
	return writeText(p.outPath(TimingFile), string(b)+"\n")
}

// stepSeconds is a step's wall time summed over seeds.
func (p *pipeline) stepSeconds(step string) float64 {
	var t float64
	for _, v := range p.timing[step] {
		t += v
	}
	return t
}
