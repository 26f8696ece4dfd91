package energy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/nanospike/nanospike/device"
)

// Model names the energy model a Config describes. Configs stored before the circuit model
// have no model name; Current fills them in.
const Model = "circuit-1"

// Neuron circuits (Config.NeuronCircuit).
const (
	// NeuronIF is NeuroSim's integrate-and-fire read circuit: each column's current is
	// integrated by an analog IF circuit that is the neuron, at E_readout per column and read.
	NeuronIF = "if"
	// NeuronLIF is a digital leaky integrate-and-fire neuron: the column read-out digitises
	// the current (the same read circuit, counted as periphery) and a digital unit updates the
	// neuron every time step at NeuronUpdate.
	NeuronLIF = "lif"
)

// Config holds the energy model's constants: the crossbar tile, its periphery, the neuron
// circuit and the digital costs. Every constant's source is in its field's comment and in
// doc.go.
type Config struct {
	Model string `json:"model"` // Model; empty in configs stored before the circuit model
	// NeuronCircuit is NeuronIF or NeuronLIF.
	NeuronCircuit string `json:"neuron_circuit"`
	// NeuronUpdate is the energy of one digital neuron state update (leak, integrate,
	// compare). Default 4.6 pJ: one 45 nm multiply-accumulate (Horowitz, ISSCC 2014).
	NeuronUpdate float64 `json:"e_neuron_update_j"`
	// Spike is the energy of routing one spike event between layers (address generation
	// and delivery). Default 0.9 pJ, assumed: one 45 nm 32-bit add (Horowitz 2014) as the
	// cost of an address-event increment; no source measures it for NC arrays.
	Spike float64 `json:"e_spike_j"`
	// DigitalSOP is the energy of a synaptic operation on a digital (non-device) synapse,
	// e.g. fixed lateral inhibition. Default 0.9 pJ: one 45 nm add (Horowitz 2014).
	DigitalSOP float64 `json:"e_digital_sop_j"`
	// Crossbar is the tile the device layers are mapped onto.
	Crossbar Crossbar `json:"crossbar"`
	// Periphery holds the tile's drivers, latches, multiplexers and read circuits.
	Periphery Periphery `json:"periphery"`
	// StepTime is the hardware time of one simulated time step, s, over which the periphery
	// leaks. 0: hardware-paced, one array read per step, N_mux·(t_read + 1/f_clk) (NeuroSim's
	// read latency, ReadCircuit::CalculateLatency); the model's dt (e.g. 5e-4) runs the array
	// in biological real time.
	StepTime float64 `json:"step_time_s"`
}

// Periphery holds the constants of a tile's periphery: NeuroSim's values for its 128 × 128
// analog cross-point subarray at 32 nm (MLP_NeuroSim_V3.0 at cc13863, computed by its code,
// docs/energy-neurosim.md §6(2)), per element so that they scale with the tile.
type Periphery struct {
	// Vdd is the periphery's supply: 0.9 V, PTM 32 nm HP (NeuroSim Technology.cpp L506–561).
	Vdd float64 `json:"vdd_v"`
	// SwitchDrain and SwitchGate are the word-line switch matrix's transmission gate:
	// drain capacitance 8.708417e-17 F and gate (NMOS + PMOS) 4.832541e-17 F, as NeuroSim
	// sizes it for Ag:a-Si's R_on (SwitchMatrix::Initialize L71–74); assumed for every device.
	// A row activation costs 3·C_d·V_read² + C_g·Vdd² (SwitchMatrix::CalculatePower L205–216).
	SwitchDrain float64 `json:"switch_c_drain_f"`
	SwitchGate  float64 `json:"switch_c_gate_f"`
	// DFF is one input latch's energy per array read: 1.7406e-15 J (2.2279e-13 J for the 128
	// DFFs of the word-line switch matrix, DFF::CalculatePower L145–158).
	DFF float64 `json:"e_dff_j"`
	// Mux is the column multiplexer and its decoder per array read: 4.0205e-15 J (6.2630e-17 +
	// 3.9579e-15 J, Mux::CalculatePower L178–182, RowDecoder::CalculatePower L356–384).
	Mux float64 `json:"e_mux_j"`
	// ReadOut is the integrate-and-fire read circuit's energy per column and read: 1.346 pJ,
	// NeuroSim's 65 nm SPICE value for the CMOS mode (ReadCircuit::CalculatePower L249–256,
	// "currently just import values"; manual §6.3, Kadetotad et al., JETCAS 2015).
	ReadOut float64 `json:"e_readout_j"`
	// ColsPerReadCircuit is N_mux, the columns sharing one read circuit: 16, NeuroSim's
	// numColMuxed (Param.cpp L78).
	ColsPerReadCircuit int `json:"cols_per_read_circuit"`
	// Clock is the periphery clock: 2 GHz (NeuroSim Param.cpp L85).
	Clock float64 `json:"f_clk_hz"`
	// LeakDFF is one DFF's leakage: 5.0730e-8 W (6.4935e-6 W for a switch matrix's 128,
	// DFF::CalculatePower; the switch matrices' only leakage). A tile has Rows + Cols DFFs.
	LeakDFF float64 `json:"p_leak_dff_w"`
	// LeakReadCircuit is one read circuit's leakage with its subtractor: 1.1819e-6 W
	// ((4.1612e-6 + 5.2939e-6) W for 8, ReadCircuit::CalculatePower L221–247,
	// Subtractor::CalculatePower).
	LeakReadCircuit float64 `json:"p_leak_read_circuit_w"`
	// LeakMux is the multiplexer decoder's leakage per tile: 5.6387e-7 W.
	LeakMux float64 `json:"p_leak_mux_w"`
}

// DefaultConfig returns the documented defaults: a 128 × 128 cross-point tile with NeuroSim's
// 32 nm periphery, digital LIF neurons at 45 nm, hardware-paced steps.
func DefaultConfig() Config {
	return Config{
		Model: Model, NeuronCircuit: NeuronLIF,
		NeuronUpdate: 4.6e-12, Spike: 0.9e-12, DigitalSOP: 0.9e-12,
		Crossbar: DefaultCrossbar(), Periphery: DefaultPeriphery(),
	}
}

// DefaultPeriphery returns NeuroSim's 32 nm periphery constants (see Periphery).
func DefaultPeriphery() Periphery {
	return Periphery{
		Vdd: 0.9, SwitchDrain: 8.708417e-17, SwitchGate: 2.239335e-17 + 2.593206e-17,
		DFF: 2.2279e-13 / 128, Mux: 6.2630e-17 + 3.9579e-15, ReadOut: 1.346e-12, ColsPerReadCircuit: 16,
		Clock: 2e9, LeakDFF: 6.4935e-6 / 128, LeakReadCircuit: (4.1612e-6 + 5.2939e-6) / 8, LeakMux: 5.6387e-7,
	}
}

// Current returns c in the current model: a config stored before the circuit model keeps its
// three digital constants and takes the defaults for the rest.
func (c Config) Current() Config {
	if c.Model != "" {
		return c
	}
	d := DefaultConfig()
	if c != (Config{}) {
		d.NeuronUpdate, d.Spike, d.DigitalSOP = c.NeuronUpdate, c.Spike, c.DigitalSOP
	}
	return d
}

// Validate reports an impossible constant, naming its field.
func (c Config) Validate() error {
	if c.Model != Model {
		return fmt.Errorf("energy: model must be %q, got %q", Model, c.Model)
	}
	if c.NeuronCircuit != NeuronIF && c.NeuronCircuit != NeuronLIF {
		return fmt.Errorf("energy: neuron_circuit must be %q or %q, got %q", NeuronIF, NeuronLIF, c.NeuronCircuit)
	}
	p := c.Periphery
	for _, x := range []struct {
		name string
		v    float64
	}{
		{"e_neuron_update_j", c.NeuronUpdate}, {"e_spike_j", c.Spike}, {"e_digital_sop_j", c.DigitalSOP},
		{"step_time_s", c.StepTime},
		{"periphery.vdd_v", p.Vdd}, {"periphery.switch_c_drain_f", p.SwitchDrain}, {"periphery.switch_c_gate_f", p.SwitchGate},
		{"periphery.e_dff_j", p.DFF}, {"periphery.e_mux_j", p.Mux}, {"periphery.e_readout_j", p.ReadOut},
		{"periphery.p_leak_dff_w", p.LeakDFF}, {"periphery.p_leak_read_circuit_w", p.LeakReadCircuit},
		{"periphery.p_leak_mux_w", p.LeakMux},
	} {
		if !(x.v >= 0) || math.IsInf(x.v, 0) {
			return fmt.Errorf("energy: %s must be a finite number ≥ 0, got %v", x.name, x.v)
		}
	}
	if !(p.Clock > 0) || math.IsInf(p.Clock, 0) {
		return fmt.Errorf("energy: periphery.f_clk_hz must be a finite number > 0, got %v", p.Clock)
	}
	if p.ColsPerReadCircuit < 1 || p.ColsPerReadCircuit > maxTileSide {
		return fmt.Errorf("energy: periphery.cols_per_read_circuit must be between 1 and %d, got %d", maxTileSide, p.ColsPerReadCircuit)
	}
	if err := c.Crossbar.Validate(); err != nil {
		return fmt.Errorf("%w", err)
	}
	return nil
}

// Per-SOP energies of digital neuromorphic chips, for reference.
const (
	TrueNorthSOP = 26e-12   // J per synaptic operation (Merolla et al., Science 2014) [recalled in anchors.md]
	LoihiSOP     = 23.6e-12 // J per synaptic operation (Davies et al., IEEE Micro 2018) [recalled in anchors.md]
)

// Layer is one set of synapses and its counts over a run. A layer of devices is mapped onto
// crossbar tiles; a digital one (Device nil) is costed per synaptic operation.
type Layer struct {
	Name    string
	In, Out int // synapses: In inputs (rows) × Out outputs
	// Cells is the number of cells per synapse: 1, or 2 for a differential pair.
	Cells  int
	Device *device.Params
	// Rows is the number of row activations: the input spikes arriving at the layer.
	Rows float64
	// SOPs are the synaptic operations (spikes × fan-out).
	SOPs float64
	// Dev holds the devices' reads (with their conductance sum) and programming pulses.
	Dev device.Counters
}

// Population is one group of neurons and its counts over a run.
type Population struct {
	Name string
	N    int
	// Updates are the digital neuron updates (every neuron every simulated step).
	Updates float64
	// Spikes are the spikes the population emits (each routed once).
	Spikes float64
	// Inputs are the input events of a population whose neurons are not crossbar columns:
	// what an IF circuit integrates (one read each). 0 for a population read out of a tile.
	Inputs float64
	// Columns marks neurons that are crossbar columns: their IF circuit is the tile's read
	// circuit, costed with the layer.
	Columns bool
}

// Network is what a run did: its layers and populations, over Steps simulated time steps
// (summed over its images).
type Network struct {
	Layers []Layer
	Pops   []Population
	Steps  float64
}

// Item is one line of a breakdown.
type Item struct {
	Name      string  `json:"name"`      // layer or population
	Component string  `json:"component"` // one of the Breakdown's parts: "cells", "wires", …
	Count     float64 `json:"count"`     // the events it counts (reads, row activations, pulses, …)
	Joules    float64 `json:"joules"`
}

// Breakdown is an energy report, in parts. An inference is the activity-driven parts
// (Event) plus leakage; a training image adds the programming pulses.
type Breakdown struct {
	Items []Item `json:"items"`
	// Cells is the devices' Ohmic read energy, V_read²·t_read·ΣG.
	Cells float64 `json:"cells_j"`
	// Wires is the word lines charged by the row activations, C_row·V_read² per tile crossed.
	Wires float64 `json:"wires_j"`
	// Periphery is the row switches, input latches, multiplexers and (digital neurons) the
	// column read-out, per row activation and array read.
	Periphery float64 `json:"periphery_j"`
	// Neurons is the neuron circuits: the IF read circuits, or the digital LIF updates.
	Neurons float64 `json:"neurons_j"`
	// Routing is the spikes sent between layers.
	Routing float64 `json:"routing_j"`
	// Digital is the synaptic operations of digital (non-device) synapses.
	Digital float64 `json:"digital_sop_j"`
	// Leakage is the periphery's static power over the run's hardware time (per cycle).
	Leakage float64 `json:"leakage_j"`
	// Programming: the cells' electrical pulses at their present conductance, the bit lines
	// charged by electrical pulses, and the light of optical pulses.
	ProgramCells float64 `json:"program_cells_j"`
	ProgramWires float64 `json:"program_wires_j"`
	ProgramLight float64 `json:"program_light_j"`
	Program      float64 `json:"program_j"`
	// Event is the activity-driven part of an inference (all but leakage); Inference adds
	// the leakage; Training adds programming to it.
	Event     float64 `json:"event_j"`
	Inference float64 `json:"inference_j"`
	Training  float64 `json:"training_j"`
	// Clocked is an inference charged per cycle whatever the spikes do (SpikeSim's view):
	// every tile read and every neuron updated each step, plus leakage.
	Clocked float64 `json:"clocked_j"`
	// Device is the part the device's own parameters decide: cells and wires (at V_read) of an
	// inference; DeviceTraining adds the programming. The shares are of Inference and Training.
	Device              float64 `json:"device_j"`
	DeviceTraining      float64 `json:"device_training_j"`
	DeviceShare         float64 `json:"device_share"`
	DeviceShareTraining float64 `json:"device_share_training"`
	// Tiles is the number of crossbar tiles of the device layers; Steps the simulated steps;
	// StepTime the hardware time of one (s).
	Tiles    int     `json:"tiles"`
	Steps    float64 `json:"steps"`
	StepTime float64 `json:"step_time_s"`
	// SOPs are the synaptic operations; TrueNorth and Loihi cost them at those chips'
	// per-SOP energies, for reference.
	SOPs      float64 `json:"sops"`
	TrueNorth float64 `json:"truenorth_j"`
	Loihi     float64 `json:"loihi_j"`
}

// Cost returns the energy of what n did, with c's constants (c must be valid). Divide by the
// number of images with Per for a per-image figure. The equations are in doc.go.
func (c Config) Cost(n Network) Breakdown {
	var b Breakdown
	x, p := c.Crossbar, c.Periphery
	add := func(name, comp string, count, j float64, part *float64) {
		b.Items = append(b.Items, Item{name, comp, count, j})
		*part += j
	}
	var clocked float64
	for _, l := range n.Layers {
		b.SOPs += l.SOPs
		if l.Device == nil {
			add(l.Name, "digital", l.SOPs, l.SOPs*c.DigitalSOP, &b.Digital)
			clocked += l.SOPs * c.DigitalSOP
			continue
		}
		d := l.Device
		cols := l.Out * max(l.Cells, 1)
		rowTiles, colTiles := ceilDiv(l.In, x.Rows), ceilDiv(cols, x.Cols)
		tiles := rowTiles * colTiles
		b.Tiles += tiles
		e := d.EnergyOf(l.Dev)
		// A layer without synapses carries only programming (counted on one entry for all).
		if tiles > 0 {
			add(l.Name, "cells", float64(l.Dev.Reads), e.Read, &b.Cells)
			c.costReads(&b, add, l, d, rowTiles, colTiles, n.Steps, &clocked)
			clocked += e.Read
		}

		// Programming: the cells at their present conductance, the bit line of each electrical
		// pulse (NeuroSim's n·V²·C_col), the light of each optical pulse.
		pulses := float64(l.Dev.PotPulses + l.Dev.DepPulses)
		if pulses > 0 {
			add(l.Name, "program-cells", pulses, e.Pot+e.Dep, &b.ProgramCells)
			var lineJ float64
			for _, pot := range []bool{true, false} {
				np := float64(l.Dev.DepPulses)
				if pot {
					np = float64(l.Dev.PotPulses)
				}
				if !d.Optical(pot) {
					v := d.PulseVoltage(pot)
					lineJ += np * v * v * x.ColCap()
				}
			}
			add(l.Name, "program-wires", pulses, lineJ, &b.ProgramWires)
			if e.Light > 0 {
				add(l.Name, "program-light", pulses, e.Light, &b.ProgramLight)
			}
		}
	}
	for _, q := range n.Pops {
		switch {
		case c.NeuronCircuit == NeuronLIF:
			add(q.Name, "neurons", q.Updates, q.Updates*c.NeuronUpdate, &b.Neurons)
			clocked += q.Updates * c.NeuronUpdate
		case !q.Columns:
			add(q.Name, "neurons", q.Inputs, q.Inputs*p.ReadOut, &b.Neurons)
			clocked += float64(q.N) * n.Steps * p.ReadOut
		}
		add(q.Name, "routing", q.Spikes, q.Spikes*c.Spike, &b.Routing)
		clocked += q.Spikes * c.Spike
	}
	b.Steps = n.Steps
	b.Program = b.ProgramCells + b.ProgramWires + b.ProgramLight
	b.Event = b.Cells + b.Wires + b.Periphery + b.Neurons + b.Routing + b.Digital
	b.Inference = b.Event + b.Leakage
	b.Training = b.Inference + b.Program
	b.Clocked = clocked + b.Leakage
	b.Device = b.Cells + b.Wires
	b.DeviceTraining = b.Device + b.Program
	b.shares()
	b.TrueNorth = b.SOPs * TrueNorthSOP
	b.Loihi = b.SOPs * LoihiSOP
	return b
}

// costReads adds the read parts of device layer l (on rowTiles × colTiles tiles of d's cells)
// to b: word lines, periphery, read-out or IF neurons, and the leakage over steps; and the
// per-cycle view's share to *clocked.
func (c Config) costReads(b *Breakdown, add func(name, comp string, count, j float64, part *float64), l Layer, d *device.Params,
	rowTiles, colTiles int, steps float64, clocked *float64) {
	x, p := c.Crossbar, c.Periphery
	cols := l.Out * max(l.Cells, 1)
	tiles := rowTiles * colTiles
	v2 := d.VRead * d.VRead
	// An active row charges its word line and toggles its switch in each tile it crosses. A
	// tile is read (its latches clocked, its columns converted) once per step in which one of
	// its rows is active: at most once per input spike, at most once per step.
	rowSegs := float64(colTiles) * l.Rows
	reads := min(l.Rows, steps*float64(rowTiles)) // reads of a column of tiles
	tileReads := reads * float64(colTiles)
	conversions := reads * float64(cols) // every column of those tiles read out
	wires := rowSegs * x.RowCap() * v2
	add(l.Name, "wires", rowSegs, wires, &b.Wires)
	perRead := float64(x.Rows)*p.DFF + p.Mux                              // latches and mux of a tile read
	switches := rowSegs * (3*p.SwitchDrain*v2 + p.SwitchGate*p.Vdd*p.Vdd) // the row's switch in each tile
	add(l.Name, "periphery", tileReads, switches+tileReads*perRead, &b.Periphery)
	readOut := conversions * p.ReadOut
	if c.NeuronCircuit == NeuronIF {
		add(l.Name, "neurons", conversions, readOut, &b.Neurons)
	} else {
		add(l.Name, "periphery", conversions, readOut, &b.Periphery)
	}
	*clocked += wires + switches + steps*float64(tiles)*perRead + steps*float64(rowTiles)*float64(cols)*p.ReadOut

	// Leakage over the hardware time of the run.
	st := c.stepTime(d)
	b.StepTime = max(b.StepTime, st)
	add(l.Name, "leakage", steps, float64(tiles)*c.TileLeakage()*steps*st, &b.Leakage)
}

func (b *Breakdown) shares() {
	b.DeviceShare, b.DeviceShareTraining = 0, 0
	if b.Inference > 0 {
		b.DeviceShare = b.Device / b.Inference
	}
	if b.Training > 0 {
		b.DeviceShareTraining = b.DeviceTraining / b.Training
	}
}

// stepTime is the hardware time of one step on a tile of device d's cells.
func (c Config) stepTime(d *device.Params) float64 {
	if c.StepTime > 0 {
		return c.StepTime
	}
	return float64(c.Periphery.ColsPerReadCircuit) * (d.TRead + 1/c.Periphery.Clock)
}

// TileLeakage is one tile's static power (W): its Rows + Cols input and column DFFs, the mux
// decoder, and its ⌈Cols/N_mux⌉ read circuits with their subtractors.
func (c Config) TileLeakage() float64 {
	x, p := c.Crossbar, c.Periphery
	rc := ceilDiv(x.Cols, p.ColsPerReadCircuit)
	return float64(x.Rows+x.Cols)*p.LeakDFF + p.LeakMux + float64(rc)*p.LeakReadCircuit
}

// TileReadPeriphery is the periphery energy of one read of a whole tile with `active` rows
// driven and every column converted by ⌈Cols/N_mux⌉ read circuits in one read each, at read
// voltage v: NeuroSim's per-read periphery of an analog cross-point subarray (switch matrix,
// mux and decoder, read circuits; NeuroSim.cpp NeuroSimSubArrayReadEnergy L772–785).
func (c Config) TileReadPeriphery(active int, v float64) float64 {
	x, p := c.Crossbar, c.Periphery
	rc := ceilDiv(x.Cols, p.ColsPerReadCircuit)
	return float64(active)*(3*p.SwitchDrain*v*v+p.SwitchGate*p.Vdd*p.Vdd) + float64(x.Rows)*p.DFF + p.Mux +
		float64(rc)*p.ReadOut
}

// Per returns b with every energy and count divided by n: the per-image breakdown of a run
// over n images. Shares, tiles and the step time are kept.
func (b Breakdown) Per(n float64) Breakdown {
	r := b
	r.Items = make([]Item, len(b.Items))
	for i, it := range b.Items {
		it.Count /= n
		it.Joules /= n
		r.Items[i] = it
	}
	for _, f := range []*float64{&r.Cells, &r.Wires, &r.Periphery, &r.Neurons, &r.Routing, &r.Digital, &r.Leakage,
		&r.ProgramCells, &r.ProgramWires, &r.ProgramLight, &r.Program, &r.Event, &r.Inference, &r.Training,
		&r.Clocked, &r.Device, &r.DeviceTraining, &r.Steps, &r.SOPs, &r.TrueNorth, &r.Loihi} {
		*f /= n
	}
	return r
}

// Parts returns the named parts of an inference (training: and of the programming) in the
// order reports print them.
func (b Breakdown) Parts(training bool) []Part {
	ps := []Part{
		{"cells", "device cells (V_read²·G·t_read)", b.Cells, true},
		{"wires", "word lines (C_row·V_read²)", b.Wires, true},
		{"periphery", "periphery (switches, latches, mux, read-out)", b.Periphery, false},
		{"neurons", "neuron circuits", b.Neurons, false},
		{"routing", "spike routing", b.Routing, false},
		{"digital", "digital synapses", b.Digital, false},
		{"leakage", "leakage (per cycle)", b.Leakage, false},
	}
	if training {
		ps = append(ps,
			Part{"program-cells", "programming: cells (V·I·t at present G)", b.ProgramCells, true},
			Part{"program-wires", "programming: bit lines (V²·C_col)", b.ProgramWires, true},
			Part{"program-light", "programming: light (density × area × t)", b.ProgramLight, true})
	}
	return ps
}

// Part is one named part of a breakdown; Device marks the parts the device's parameters decide.
type Part struct {
	Key, Label string
	Joules     float64
	Device     bool
}

// ParseConfig reads a JSON energy configuration: the fields it gives replace DefaultConfig's
// (the "energy" object of a run's config.json is one). An unknown field or an impossible
// value is an error naming the field.
func ParseConfig(data []byte) (Config, error) {
	c := DefaultConfig()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return c, fmt.Errorf("energy config: field %q: %v is not a %v", te.Field, te.Value, te.Type)
		}
		return c, fmt.Errorf("energy config: %w", err)
	}
	if dec.More() {
		return c, errors.New("energy config: more than one JSON value")
	}
	if c.Model == "" {
		c.Model = Model
	}
	return c, c.Validate()
}
