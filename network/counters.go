package network

import "github.com/nanospike/nanospike/device"

// Counters are the event counts of a simulation, the inputs of the energy
// report. Spikes are per population, named by the network that fills them
// (DC: "input", "exc", "inh").
type Counters struct {
	Steps         uint64   `json:"steps"`          // simulated time steps (skipped rest steps excluded)
	SOPs          uint64   `json:"sops"`           // synaptic operations: Σ spikes × fan-out, every pathway
	NeuronUpdates uint64   `json:"neuron_updates"` // neuron state updates (skipped rest excluded)
	Spikes        []uint64 `json:"spikes"`         // spikes per population
	DeviceReads   uint64   `json:"device_reads"`   // synapse reads of the arrays (AccumulateRow elements)
	PotPulses     uint64   `json:"pot_pulses"`     // potentiation pulses: the *device.Array's own count (all programming, also between presentations)
	DepPulses     uint64   `json:"dep_pulses"`     // depression pulses (idem)
	ReadGSum      float64  `json:"read_g_sum"`     // Σ conductance read (S), for V²·G·t read energy (idem)
}

// Sub returns c − o (counters of the interval between two snapshots).
func (c Counters) Sub(o Counters) Counters {
	r := c
	r.Steps -= o.Steps
	r.SOPs -= o.SOPs
	r.NeuronUpdates -= o.NeuronUpdates
	r.DeviceReads -= o.DeviceReads
	r.PotPulses -= o.PotPulses
	r.DepPulses -= o.DepPulses
	r.ReadGSum -= o.ReadGSum
	r.Spikes = append([]uint64(nil), c.Spikes...)
	for i := range min(len(r.Spikes), len(o.Spikes)) {
		r.Spikes[i] -= o.Spikes[i]
	}
	return r
}

// Add returns c + o.
func (c Counters) Add(o Counters) Counters {
	r := c
	r.Spikes = append(make([]uint64, 0, max(len(c.Spikes), len(o.Spikes))), c.Spikes...)
	r.add(o)
	return r
}

// add adds o to c in place, its Spikes grown as needed.
func (c *Counters) add(o Counters) {
	c.Steps += o.Steps
	c.SOPs += o.SOPs
	c.NeuronUpdates += o.NeuronUpdates
	c.DeviceReads += o.DeviceReads
	c.PotPulses += o.PotPulses
	c.DepPulses += o.DepPulses
	c.ReadGSum += o.ReadGSum
	for len(c.Spikes) < len(o.Spikes) {
		c.Spikes = append(c.Spikes, 0)
	}
	for i, s := range o.Spikes {
		c.Spikes[i] += s
	}
}

// pulseCounts copies a device array's pulse counts and read conductance sum
// into c.
func pulseCounts(c *Counters, dc device.Counters) {
	c.PotPulses, c.DepPulses, c.ReadGSum = dc.PotPulses, dc.DepPulses, dc.ReadGSum
}
