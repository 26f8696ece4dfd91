package energy

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nanospike/nanospike/device"
)

// TestPeripheryMatchesNeuroSim reproduces the per-read periphery energy and the leakage that
// NeuroSim's own code computes (MLP_NeuroSim_V3.0 at cc13863, compiled unchanged;
// docs/energy-neurosim.md §6(2), docs/neurosim-harness/harness2_xp_out.txt) for its 128 × 128
// analog cross-point subarray at 32 nm, read at 0.5 V with its switch-matrix activity frozen
// at 0.5 (64 of 128 rows). Agrees with NeuroSim's code at cc13863; not a published figure.
func TestPeripheryMatchesNeuroSim(t *testing.T) {
	c := DefaultConfig()
	require.NoError(t, c.Validate())
	// WL switch matrix 2.2947e-13 + mux 6.2630e-17 + mux decoder 3.9579e-15 + 8 read circuits 1.0768e-11.
	assert.InEpsilon(t, 1.100149e-11, c.TileReadPeriphery(64, 0.5), 1e-5)
	// Only the read circuits: 8 × 1.346 pJ.
	assert.InEpsilon(t, 1.0768e-11, 8*c.Periphery.ReadOut, 1e-12)
	// WL and BL switch matrices 6.4935e-6 W each, mux decoder 5.6387e-7, read circuits
	// 4.1612e-6, subtractors 5.2939e-6.
	assert.InEpsilon(t, 2.300598e-05, c.TileLeakage(), 1e-5)
}

func testDevice() *device.Params {
	return &device.Params{Name: "t", Gmin: 1e-9, Gmax: 1e-8, States: 10, VRead: 0.5, TRead: 1e-6,
		TPulse: 1e-4, VPot: 2, VDep: 3, EPot: 4 * 5.5e-9 * 1e-4, EDep: 9 * 5.5e-9 * 1e-4}
}

func TestCost(t *testing.T) {
	d := testDevice()
	require.NoError(t, d.Validate())
	c := DefaultConfig()
	dev := device.Counters{Reads: 300 * 100, ReadGSum: 300 * 100 * 2e-9, PotPulses: 10, DepPulses: 20, PotGSum: 10 * 3e-9, DepGSum: 20 * 4e-9}
	n := Network{
		Steps: 500,
		Layers: []Layer{
			{Name: "in→exc", In: 200, Out: 100, Cells: 1, Device: d, Rows: 300, SOPs: 300 * 100, Dev: dev},
			{Name: "inh→exc", SOPs: 300},
		},
		Pops: []Population{{Name: "exc", N: 100, Updates: 500 * 100, Spikes: 7, Columns: true}},
	}
	b := c.Cost(n)
	p, x := c.Periphery, c.Crossbar
	assert.Equal(t, 2, b.Tiles, "200 rows in two 128-row tiles, 100 columns in one")
	assert.InEpsilon(t, 0.25*1e-6*300*100*2e-9, b.Cells, 1e-12)
	assert.InEpsilon(t, 300*5.12e-15*0.25, b.Wires, 1e-12, "each spike charges its row's line in the one column tile")
	periph := 300*(3*p.SwitchDrain*0.25+p.SwitchGate*0.81) + 300*(128*p.DFF+p.Mux) + 300*100*p.ReadOut
	assert.InEpsilon(t, periph, b.Periphery, 1e-12, "LIF: the read-out digitises every column per spike")
	assert.InEpsilon(t, 500*100*4.6e-12, b.Neurons, 1e-12)
	assert.InEpsilon(t, 7*0.9e-12, b.Routing, 1e-12)
	assert.InEpsilon(t, 300*0.9e-12, b.Digital, 1e-12)
	st := 16 * (1e-6 + 0.5e-9)
	assert.InEpsilon(t, st, b.StepTime, 1e-12)
	assert.InEpsilon(t, 2*c.TileLeakage()*500*st, b.Leakage, 1e-12)
	// Programming at the present conductance: V²·t·ΣG.
	assert.InEpsilon(t, 4*1e-4*10*3e-9+9*1e-4*20*4e-9, b.ProgramCells, 1e-12)
	assert.InEpsilon(t, (10*4+20*9)*x.ColCap(), b.ProgramWires, 1e-12)
	assert.Zero(t, b.ProgramLight)
	assert.InEpsilon(t, b.Cells+b.Wires+b.Periphery+b.Neurons+b.Routing+b.Digital, b.Event, 1e-12)
	assert.InEpsilon(t, b.Event+b.Leakage, b.Inference, 1e-12)
	assert.InEpsilon(t, b.Inference+b.Program, b.Training, 1e-12)
	assert.InEpsilon(t, (b.Cells+b.Wires)/b.Inference, b.DeviceShare, 1e-12)
	assert.InEpsilon(t, (b.Cells+b.Wires+b.Program)/b.Training, b.DeviceShareTraining, 1e-12)
	assert.Greater(t, b.Clocked, b.Inference, "per cycle, every tile is read every step")
	assert.InEpsilon(t, 30300*TrueNorthSOP, b.TrueNorth, 1e-12)
	sum := 0.0
	for _, it := range b.Items {
		sum += it.Joules
	}
	assert.InEpsilon(t, b.Training, sum, 1e-12, "items add up to the total")
	parts := 0.0
	for _, q := range b.Parts(true) {
		parts += q.Joules
	}
	assert.InEpsilon(t, b.Training, parts, 1e-12, "parts add up to the total")
	q := b.Per(10)
	assert.InEpsilon(t, b.Inference/10, q.Inference, 1e-12)
	assert.InEpsilon(t, b.Items[0].Count/10, q.Items[0].Count, 1e-12)
	assert.Equal(t, b.DeviceShare, q.DeviceShare)

	// The IF circuit: the read-out is the neuron; no digital updates.
	c.NeuronCircuit = NeuronIF
	bi := c.Cost(n)
	assert.InEpsilon(t, 300*100*p.ReadOut, bi.Neurons, 1e-12)
	assert.InEpsilon(t, b.Periphery-300*100*p.ReadOut, bi.Periphery, 1e-12)
	n.Pops = append(n.Pops, Population{Name: "inh", N: 100, Updates: 500 * 100, Spikes: 3, Inputs: 7})
	assert.InEpsilon(t, bi.Neurons+7*p.ReadOut, c.Cost(n).Neurons, 1e-12, "an IF neuron off the crossbar pays per input")

	// A fixed step time (real time) scales the leakage.
	c.StepTime = 5e-4
	assert.InEpsilon(t, 2*c.TileLeakage()*500*5e-4, c.Cost(n).Leakage, 1e-12)
}

// TestCostDenseInput: with more active rows than steps, a tile is read once per step (its
// active rows together), not once per spike; the word lines and switches still count every row.
func TestCostDenseInput(t *testing.T) {
	d := testDevice()
	c := DefaultConfig()
	p := c.Periphery
	n := Network{Steps: 25, Layers: []Layer{{Name: "l", In: 200, Out: 100, Cells: 1, Device: d, Rows: 5000, SOPs: 5000 * 100}}}
	b := c.Cost(n)
	reads := 25.0 * 2 // two row tiles, each read once per step
	assert.InEpsilon(t, 5000*(3*p.SwitchDrain*0.25+p.SwitchGate*0.81)+reads*(128*p.DFF+p.Mux)+reads*100*p.ReadOut, b.Periphery, 1e-12)
	assert.InEpsilon(t, 5000*c.Crossbar.RowCap()*0.25, b.Wires, 1e-12)
	assert.LessOrEqual(t, b.Inference, b.Clocked, "never more than reading every tile every step")
}

func TestCostDifferentialAndOptical(t *testing.T) {
	d := testDevice()
	d.ELightPot = 1e-9 // potentiation by light
	c := DefaultConfig()
	dev := device.Counters{PotPulses: 5, DepPulses: 2, PotGSum: 5 * 5e-9, DepGSum: 2 * 5e-9}
	b := c.Cost(Network{Steps: 25, Layers: []Layer{{Name: "l", In: 784, Out: 100, Cells: 2, Device: d, Rows: 10, Dev: dev}}})
	assert.Equal(t, 7*2, b.Tiles, "a pair takes two columns: 200 columns in two tiles")
	assert.InEpsilon(t, 10*2*c.Crossbar.RowCap()*0.25, b.Wires, 1e-12, "a row crosses both column tiles")
	assert.InEpsilon(t, 5e-9, b.ProgramLight, 1e-12)
	assert.InEpsilon(t, 2*9*c.Crossbar.ColCap(), b.ProgramWires, 1e-12, "light pulses charge no bit line")
}

func TestConfigValidate(t *testing.T) {
	for field, mod := range map[string]func(*Config){
		"e_neuron_update_j":               func(c *Config) { c.NeuronUpdate = -1 },
		"e_spike_j":                       func(c *Config) { c.Spike = math.NaN() },
		"e_digital_sop_j":                 func(c *Config) { c.DigitalSOP = math.Inf(1) },
		"neuron_circuit":                  func(c *Config) { c.NeuronCircuit = "hh" },
		"step_time_s":                     func(c *Config) { c.StepTime = -1 },
		"periphery.vdd_v":                 func(c *Config) { c.Periphery.Vdd = -0.9 },
		"periphery.switch_c_drain_f":      func(c *Config) { c.Periphery.SwitchDrain = -1e-17 },
		"periphery.f_clk_hz":              func(c *Config) { c.Periphery.Clock = 0 },
		"periphery.cols_per_read_circuit": func(c *Config) { c.Periphery.ColsPerReadCircuit = 0 },
		"tile_rows":                       func(c *Config) { c.Crossbar.Rows = 0 },
		"wire_cap_f_per_m":                func(c *Config) { c.Crossbar.WireCap = -1 },
		"model":                           func(c *Config) { c.Model = "" },
	} {
		c := DefaultConfig()
		mod(&c)
		assert.ErrorContains(t, c.Validate(), field)
	}
}

func TestCurrent(t *testing.T) {
	old := Config{NeuronUpdate: 1e-12, Spike: 2e-12, DigitalSOP: 3e-12}
	c := old.Current()
	require.NoError(t, c.Validate())
	assert.Equal(t, 1e-12, c.NeuronUpdate, "a stored constant is kept")
	assert.Equal(t, DefaultCrossbar(), c.Crossbar)
	assert.Equal(t, DefaultConfig(), Config{}.Current())
	d := DefaultConfig()
	d.StepTime = 1
	assert.Equal(t, d, d.Current())
}

func TestParseConfig(t *testing.T) {
	c, err := ParseConfig([]byte(`{"neuron_circuit": "if", "crossbar": {"tile_rows": 256}, "periphery": {"vdd_v": 0.85}}`))
	require.NoError(t, err)
	assert.Equal(t, NeuronIF, c.NeuronCircuit)
	assert.Equal(t, 256, c.Crossbar.Rows)
	assert.Equal(t, 128, c.Crossbar.Cols, "fields not given keep their defaults")
	assert.Equal(t, 0.85, c.Periphery.Vdd)
	for in, field := range map[string]string{
		`{"tile_size": 128}`:                      "tile_size",
		`{"crossbar": {"tile_rows": 0}}`:          "tile_rows",
		`{"periphery": {"switch_c_drain_f": -1}}`: "switch_c_drain_f",
		`{"periphery": {"vdd_v": -0.9}}`:          "vdd_v",
		`{"crossbar": {"tile_cols": "big"}}`:      "tile_cols",
		`{"step_time_s": -1}`:                     "step_time_s",
	} {
		_, err := ParseConfig([]byte(in))
		assert.ErrorContains(t, err, field, in)
	}
}
