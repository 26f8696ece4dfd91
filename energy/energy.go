package energy

import (
	"fmt"
	"math"

	"github.com/nanospike/nanospike/device"
)

// Config holds the peripheral energy constants in joules.
type Config struct {
	// NeuronUpdate is the energy of one neuron state update (leak, integrate,
	// compare). Default 4.6 pJ: one 45 nm multiply-accumulate (Horowitz 2014).
	NeuronUpdate float64 `json:"e_neuron_update_j"`
	// Spike is the energy of emitting one spike event (address generation and
	// routing). Default 0.9 pJ, assumed: one 45 nm 32-bit add (Horowitz 2014)
	// as the cost of an address-event increment; no source measures it for
	// NC arrays.
	Spike float64 `json:"e_spike_j"`
	// DigitalSOP is the energy of a synaptic operation on a digital (non-
	// device) synapse, e.g. fixed lateral inhibition. Default 0.9 pJ: one
	// 45 nm add (Horowitz 2014).
	DigitalSOP float64 `json:"e_digital_sop_j"`
}

// DefaultConfig returns the documented 45 nm defaults.
func DefaultConfig() Config {
	return Config{NeuronUpdate: 4.6e-12, Spike: 0.9e-12, DigitalSOP: 0.9e-12}
}

// Validate reports a negative or non-finite constant.
func (c Config) Validate() error {
	for _, x := range []struct {
		name string
		v    float64
	}{{"e_neuron_update_j", c.NeuronUpdate}, {"e_spike_j", c.Spike}, {"e_digital_sop_j", c.DigitalSOP}} {
		if !(x.v >= 0) || math.IsInf(x.v, 0) {
			return fmt.Errorf("energy: %s must be a finite number ≥ 0, got %v", x.name, x.v)
		}
	}
	return nil
}

// Per-SOP energies of digital neuromorphic chips, for reference.
const (
	TrueNorthSOP = 26e-12   // J per synaptic operation (Merolla et al., Science 2014) [recalled in anchors.md]
	LoihiSOP     = 23.6e-12 // J per synaptic operation (Davies et al., IEEE Micro 2018) [recalled in anchors.md]
)

// Pathway is one set of synapses and its counts. Device is nil for digital
// synapses (costed at Config.DigitalSOP per SOP).
type Pathway struct {
	Name    string          `json:"name"`
	SOPs    float64         `json:"sops"`
	Device  *device.Params  `json:"-"`
	Counter device.Counters `json:"device_counters"`
}

// Population is one group of neurons and its counts.
type Population struct {
	Name    string  `json:"name"`
	Updates float64 `json:"neuron_updates"`
	Spikes  float64 `json:"spikes"`
}

// Item is one line of a breakdown.
type Item struct {
	Name      string  `json:"name"`      // pathway or population
	Component string  `json:"component"` // "read", "digital-sop", "neuron", "spike", "potentiation", "depression"
	Count     float64 `json:"count"`
	Joules    float64 `json:"joules"`
}

// Breakdown is an energy report. Inference excludes programming; Training
// includes it.
type Breakdown struct {
	Items     []Item  `json:"items"`
	Read      float64 `json:"read_j"`
	Digital   float64 `json:"digital_sop_j"`
	Neuron    float64 `json:"neuron_j"`
	Spike     float64 `json:"spike_j"`
	Program   float64 `json:"program_j"`
	Inference float64 `json:"inference_j"`
	Training  float64 `json:"training_j"`
	SOPs      float64 `json:"sops"`
	TrueNorth float64 `json:"truenorth_j"` // SOPs at TrueNorth's per-SOP energy
	Loihi     float64 `json:"loihi_j"`     // SOPs at Loihi's per-SOP energy
}

// Compute returns the energy of the given counts. Divide the counts by the
// number of images first for a per-image figure (see Scale).
func Compute(cfg Config, paths []Pathway, pops []Population) Breakdown {
	var b Breakdown
	for _, p := range paths {
		b.SOPs += p.SOPs
		if p.Device == nil {
			j := p.SOPs * cfg.DigitalSOP
			b.Items = append(b.Items, Item{p.Name, "digital-sop", p.SOPs, j})
			b.Digital += j
			continue
		}
		e := p.Device.EnergyOf(p.Counter)
		b.Items = append(b.Items, Item{p.Name, "read", float64(p.Counter.Reads), e.Read})
		b.Read += e.Read
		if p.Counter.PotPulses+p.Counter.DepPulses > 0 {
			b.Items = append(b.Items,
				Item{p.Name, "potentiation", float64(p.Counter.PotPulses), e.Pot},
				Item{p.Name, "depression", float64(p.Counter.DepPulses), e.Dep})
			b.Program += e.Pot + e.Dep
		}
	}
	for _, p := range pops {
		nj, sj := p.Updates*cfg.NeuronUpdate, p.Spikes*cfg.Spike
		b.Items = append(b.Items, Item{p.Name, "neuron", p.Updates, nj}, Item{p.Name, "spike", p.Spikes, sj})
		b.Neuron += nj
		b.Spike += sj
	}
	b.Inference = b.Read + b.Digital + b.Neuron + b.Spike
	b.Training = b.Inference + b.Program
	b.TrueNorth = b.SOPs * TrueNorthSOP
	b.Loihi = b.SOPs * LoihiSOP
	return b
}

// Per returns b with every energy and count divided by n: the per-image
// breakdown of a run over n images.
func (b Breakdown) Per(n float64) Breakdown {
	r := b
	r.Items = make([]Item, len(b.Items))
	for i, it := range b.Items {
		it.Count /= n
		it.Joules /= n
		r.Items[i] = it
	}
	r.Read /= n
	r.Digital /= n
	r.Neuron /= n
	r.Spike /= n
	r.Program /= n
	r.Inference /= n
	r.Training /= n
	r.SOPs /= n
	r.TrueNorth /= n
	r.Loihi /= n
	return r
}
