package network

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/nanospike/nanospike/device"
)

// DCConfig configures a Diehl & Cook (2015) network: Inputs Poisson inputs
// → Neurons excitatory neurons (all-to-all through a Synapses array, with
// optional per-synapse delays) ↔ Neurons inhibitory neurons (exc→inh one to
// one, inh→exc all but self). Times in ms, potentials in mV. The zero value
// is not valid: start from DefaultDCConfig.
type DCConfig struct {
	Inputs  int     `json:"inputs"`
	Neurons int     `json:"neurons"`
	Dt      float64 `json:"dt_ms"`      // default 0.5
	Present float64 `json:"present_ms"` // one presentation; default 350
	Rest    float64 `json:"rest_ms"`    // input-free rest after each presentation; default 150
	// SimulateRest, if false (the default), simulates the rest only until the
	// network is quiet (delay line empty, every conductance ≤ RestEps, nobody
	// refractory) and then advances v, ge, gi and θ to the end of the rest in
	// closed form, which is exact for the remaining input-free relaxation up
	// to the neglected conductances (≤ RestEps·τg/τm·|E−v|, < 1e-5 mV).
	SimulateRest bool       `json:"simulate_rest"`
	RestEps      float64    `json:"rest_eps"` // default 1e-6
	Exc          CondParams `json:"exc"`
	Inh          CondParams `json:"inh"`
	WExcInh      float64    `json:"w_exc_inh"`    // exc→inh one-to-one weight; default 10.4
	WInhExc      float64    `json:"w_inh_exc"`    // inh→exc all-but-self weight; default 17.0
	MaxDelay     float64    `json:"max_delay_ms"` // input→exc delays U[0, MaxDelay], rounded to steps; 0: none; default 10
	// Input coding of PresentImage: rate = pixel · RatePerPixel · intensity,
	// intensity starting at StartIntensity and raised by 1 while the
	// excitatory layer fires fewer than MinSpikes spikes, at most MaxTries
	// presentations.
	RatePerPixel   float64 `json:"rate_per_pixel_hz"` // default 1/8
	StartIntensity float64 `json:"start_intensity"`   // default 2
	MinSpikes      int     `json:"min_spikes"`        // default 5
	MaxTries       int     `json:"max_tries"`         // default 20
	// BlockSteps is the number of steps per frame between the input stage
	// and the layer stage; default 100.
	BlockSteps int    `json:"block_steps"`
	Seed       uint64 `json:"seed"`
	// Integration is how both populations are stepped: IntegrationEuler
	// (forward Euler, every variable, as Brian integrates Diehl & Cook's
	// nonlinear equations: the paper's numbers were made so) or
	// IntegrationExact (the membrane integrated exactly for the step-mean
	// conductances, the conductances decayed exactly). "" means
	// IntegrationEuler.
	Integration string `json:"integration,omitempty"`
}

// Integration methods of DCConfig.Integration.
const (
	IntegrationEuler = "euler"
	IntegrationExact = "exact"
)

// euler reports whether the populations are stepped by forward Euler.
func (c DCConfig) euler() bool { return c.Integration != IntegrationExact }

// DefaultDCConfig returns Diehl & Cook's network with the given sizes.
func DefaultDCConfig(inputs, neurons int) DCConfig {
	return DCConfig{
		Inputs: inputs, Neurons: neurons, Dt: 0.5, Present: 350, Rest: 150, RestEps: 1e-6,
		Exc: DCExcParams(), Inh: DCInhParams(), WExcInh: 10.4, WInhExc: 17.0, MaxDelay: 10,
		RatePerPixel: 1.0 / 8, StartIntensity: 2, MinSpikes: 5, MaxTries: 20, BlockSteps: 100,
	}
}

// Validate reports the first invalid field.
func (c DCConfig) Validate() error {
	bad := func(f string, format string, a ...any) error {
		return fmt.Errorf("network: DCConfig.%s: %s", f, fmt.Sprintf(format, a...))
	}
	finitePos := func(v float64) bool { return v > 0 && !math.IsInf(v, 0) }
	finiteNonNeg := func(v float64) bool { return v >= 0 && !math.IsInf(v, 0) }
	switch {
	case c.Inputs <= 0:
		return bad("Inputs", "must be positive, got %d", c.Inputs)
	case c.Neurons <= 0:
		return bad("Neurons", "must be positive, got %d", c.Neurons)
	case !finitePos(c.Dt):
		return bad("Dt", "must be positive, got %v", c.Dt)
	case !finitePos(c.Present) || c.Present < c.Dt:
		return bad("Present", "must be at least one step, got %v ms", c.Present)
	case !finiteNonNeg(c.Rest):
		return bad("Rest", "must be ≥ 0, got %v", c.Rest)
	case !finitePos(c.RestEps):
		return bad("RestEps", "must be positive, got %v", c.RestEps)
	case !finiteNonNeg(c.WExcInh) || !finiteNonNeg(c.WInhExc):
		return bad("WExcInh/WInhExc", "must be ≥ 0, got %v, %v", c.WExcInh, c.WInhExc)
	case !finiteNonNeg(c.MaxDelay) || c.MaxDelay/c.Dt > 250:
		return bad("MaxDelay", "must be in [0, 250 steps], got %v ms", c.MaxDelay)
	case !finiteNonNeg(c.RatePerPixel):
		return bad("RatePerPixel", "must be ≥ 0, got %v", c.RatePerPixel)
	case !finitePos(c.StartIntensity):
		return bad("StartIntensity", "must be positive, got %v", c.StartIntensity)
	case c.MinSpikes < 0:
		return bad("MinSpikes", "must be ≥ 0, got %d", c.MinSpikes)
	case c.MaxTries < 1:
		return bad("MaxTries", "must be ≥ 1, got %d", c.MaxTries)
	case c.BlockSteps < 1:
		return bad("BlockSteps", "must be ≥ 1, got %d", c.BlockSteps)
	case c.Integration != "" && c.Integration != IntegrationEuler && c.Integration != IntegrationExact:
		return bad("Integration", "must be %q or %q, got %q", IntegrationEuler, IntegrationExact, c.Integration)
	}
	if err := c.Exc.Validate(); err != nil {
		return fmt.Errorf("network: DCConfig.Exc: %w", err)
	}
	if err := c.Inh.Validate(); err != nil {
		return fmt.Errorf("network: DCConfig.Inh: %w", err)
	}
	return nil
}

// PresentationHooks may be implemented by a Plasticity attached to a DC
// network: BeginPresentation is called before the first step of every
// presentation (Diehl & Cook normalise the weights there, retries included)
// and EndPresentation after its last step, before the rest; both on the
// layer's goroutine or the caller's, never concurrently with Step. When the
// layer is stepped in column ranges, the parts' hooks are called instead, each
// on its range's goroutine (ColumnSplit).
type PresentationHooks interface {
	BeginPresentation(step int)
	EndPresentation(step int)
}

// Result is the response of the network to one image (or presentation).
type Result struct {
	Counts    []int32  `json:"counts"`     // spikes of each excitatory neuron during the (last) presentation
	InhCounts []int32  `json:"inh_counts"` // the same for the inhibitory neurons
	Intensity float64  `json:"intensity"`  // input intensity of the last presentation (PresentImage)
	Tries     int      `json:"tries"`      // presentations made (PresentImage)
	Counters  Counters `json:"counters"`   // events of all presentations and rests of this image
}

// Total returns the number of excitatory spikes.
func (r *Result) Total() int {
	n := 0
	for _, c := range r.Counts {
		n += int(c)
	}
	return n
}

// DC is a Diehl & Cook network. It runs as a two-stage pipeline (Poisson
// input generator → excitatory+inhibitory layer), the two populations of the
// layer sharing one goroutine because they are mutually recurrent (1-step
// latency: spikes at the end of step n act from step n+1). The layer owns its
// Synapses, so a Plasticity attached to it may program them without locks.
// With SetWorkers(n > 1) the layer may instead be stepped in column ranges, each
// on a goroutine of its own (dcsplit.go).
//
// A DC is not safe for concurrent use: call its methods from one goroutine
// (the pipeline's goroutines live within each call; SetWorkers' until
// SetWorkers(1)).
type DC struct {
	cfg      DCConfig
	syn      Synapses
	exc, inh *condPop
	src      *Poisson
	plast    Plasticity

	delays    []uint8 // steps, row-major (input i, neuron j); nil without delays
	delayOff  []int32 // delays[k]·stride + j
	maxOff    int32   // bound of delayOff
	maxDelay  int
	stride    int          // columns of a ring slot: N rounded up to a multiple of 8 (see initNoise)
	ring      []float64    // 2(maxDelay+1) slots × stride future conductance increments
	pring     [][2]float64 // instead of ring for a noisy array: (increment, read-noise variance)
	tmpVar    []float64
	dev       deviceArray // syn, if it is a device array
	noisy     deviceArray // dev, if its reads are noisy
	rows      weightRows  // syn, if its rows are plain weights
	tmp       []float64
	busyUntil int // last step at which the ring may hold something
	// gain (nil: none) scales each excitatory neuron's input conductance increments: the
	// read-out circuit's per-neuron gain (SetInputGain); gsave holds ge before a step's arrivals.
	gain, gsave []float64

	lastExc, lastInh []int32
	step             int
	presentSteps     int
	restSteps        int
	dtSec            float64

	presenting         bool
	source             Source // input of the current presentation
	presentStart       int    // global step of its first step
	excCount, inhCount []int32
	cnt                Counters
	rates              []float64
	pipe               *pipeline

	// Column ranges stepped at once (SetWorkers): the goroutines allowed, the fewest
	// columns a range takes (0: minSplitCols; tests lower it), the split in use; with
	// autoSplit (SetWorkers(0)), the presentations to step whole before the next split,
	// their number last time, and the stalled split presentations in a row (judgeSplit).
	workers, minSplit               int
	split                           *dcSplit
	autoSplit                       bool
	splitOff, splitBackoff, stalled int
}

// NewDC builds a network whose input→excitatory weights are syn (Inputs
// rows × Neurons columns). Delays are drawn from cfg.Seed (stream 0); the
// Poisson input uses stream 1.
func NewDC(cfg DCConfig, syn Synapses) (*DC, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if syn == nil {
		return nil, errors.New("network: NewDC: nil synapses")
	}
	if syn.Rows() != cfg.Inputs || syn.Cols() != cfg.Neurons {
		return nil, fmt.Errorf("network: NewDC: synapses are %d×%d, config wants %d×%d",
			syn.Rows(), syn.Cols(), cfg.Inputs, cfg.Neurons)
	}
	n := cfg.Neurons
	d := &DC{
		cfg: cfg, syn: syn,
		exc:          newCondPop(cfg.Exc, n, cfg.Dt, false, cfg.euler()),
		inh:          newCondPop(cfg.Inh, n, cfg.Dt, true, cfg.euler()),
		src:          NewPoisson(cfg.Inputs, cfg.Dt, cfg.Seed, 1),
		lastExc:      make([]int32, 0, n),
		lastInh:      make([]int32, 0, n),
		presentSteps: int(math.Round(cfg.Present / cfg.Dt)),
		restSteps:    int(math.Round(cfg.Rest / cfg.Dt)),
		dtSec:        cfg.Dt * 1e-3,
		excCount:     make([]int32, n),
		inhCount:     make([]int32, n),
		rates:        make([]float64, cfg.Inputs),
		busyUntil:    -1,
	}
	d.cnt.Spikes = make([]uint64, 3)
	d.maxDelay = int(math.Round(cfg.MaxDelay / cfg.Dt))
	d.stride = (n + 7) &^ 7
	if cfg.MaxDelay > 0 {
		rng := rand.New(rand.NewPCG(cfg.Seed, 0))
		d.delays = make([]uint8, cfg.Inputs*n)
		d.delayOff = make([]int32, cfg.Inputs*n)
		for k := range d.delays {
			// U[0, MaxDelay] ms rounded to the step grid.
			s := int(math.Round(rng.Float64() * cfg.MaxDelay / cfg.Dt))
			d.delays[k] = uint8(s)
			d.delayOff[k] = int32(s*d.stride + k%n)
		}
		// The ring (initNoise allocates it): the largest offset,
		// d·stride + j ≤ maxDelay·stride + N−1, indexes it from any base ≤
		// maxDelay·stride.
		d.maxOff = int32(d.maxDelay*d.stride + n - 1)
	}
	d.initNoise()
	d.pipe = d.newPipe()
	return d, nil
}

func (d *DC) newPipe() *pipeline { return newPipeline(d.sourceBlock, d.layerBlock) }

// sourceBlock is the input stage: the source's spikes of one block, checked.
func (d *DC) sourceBlock(_, out *Frame, step0, steps int) error {
	if err := d.source.Fill(out, step0-d.presentStart, steps); err != nil {
		return err
	}
	if out.Steps() != steps {
		return fmt.Errorf("network: input source filled %d steps of a block of %d", out.Steps(), steps)
	}
	for _, i := range out.Idx {
		if i < 0 || int(i) >= d.cfg.Inputs {
			return fmt.Errorf("network: input source: spike of input %d out of range [0, %d)", i, d.cfg.Inputs)
		}
	}
	return nil
}

// deviceArray is the read side of a device array (*device.Array), which the
// engine uses where syn has it:
//
//   - Params tells whether there is read noise.
//   - AccumulateRowVar and ScatterRowVar read a row without its Gaussian read
//     noise and add the noise's variances instead, to a buffer or, paired
//     with the weights, to the delay ring; AddReadNoise and DrainReadNoise
//     then draw the noise of the summed variances once per column per step,
//     which has the same distribution as one draw per read.
//   - ScatterRow adds a noise-free row read straight into the delay ring
//     (ring[offs[j]] += w_ij), the bits of reading it into a buffer and
//     scattering that, in one pass.
//   - Counters gives the pulse counts and read-conductance sum the energy
//     report needs.
type deviceArray interface {
	Synapses
	Params() *device.Params
	AccumulateRowVar(dst, variance []float64, i int, t float64)
	AddReadNoise(dst, variance []float64)
	ScatterRow(ring []float64, offs []int32, i int, t float64)
	ScatterRowVar(ring [][2]float64, offs []int32, i int, t float64)
	DrainReadNoise(dst []float64, lo, hi [][2]float64)
	Counters() device.Counters
}

// weightRows is implemented by synapses whose rows are plain weights (Dense,
// learning.Float): the read of a row is then the row itself, which the delay line takes
// without a copy.
type weightRows interface {
	// Row returns row i, aliasing the weights (the caller does not change it).
	Row(i int) []float64
}

// initNoise selects the deferred-noise path for noisy device arrays and
// allocates the delay ring of the path: weights, or (weight, variance) pairs.
// A slot of the ring holds stride ≥ N columns, N rounded up to a multiple of
// eight: the pairs' arrival (DrainReadNoise) then runs in whole blocks of
// eight columns, the padding columns staying zero (they are never written,
// and receive no noise), and the excitatory conductances have room for them
// (newCondPop pads ge's capacity alike).
func (d *DC) initNoise() {
	d.dev, _ = d.syn.(deviceArray)
	d.rows, _ = d.syn.(weightRows)
	d.noisy = nil
	d.tmpVar, d.pring, d.tmp = nil, nil, nil
	if d.delays != nil {
		d.ring = make([]float64, 2*(d.maxDelay+1)*d.stride)
		if d.dev == nil && d.rows == nil {
			d.tmp = make([]float64, d.cfg.Neurons) // a row read before its scatter
		}
	}
	if d.dev != nil && d.dev.Params().ReadNoise > 0 {
		d.noisy = d.dev
		if d.delays == nil {
			d.tmpVar = make([]float64, d.cfg.Neurons) // the variances of a step (no ring)
		} else {
			d.pring = make([][2]float64, len(d.ring))
			d.ring = nil
		}
	}
}

// SetInputGain sets each excitatory neuron's input gain: the conductance an input spike
// delivers to neuron j is g[j] times the weight read (the per-neuron gain of a read-out
// circuit). nil removes the gains. It panics if g is not nil and not one value per neuron.
func (d *DC) SetInputGain(g []float64) {
	if g == nil {
		d.gain, d.gsave = nil, nil
		return
	}
	if len(g) != d.cfg.Neurons {
		panic(fmt.Sprintf("network: SetInputGain: %d gains for %d neurons", len(g), d.cfg.Neurons))
	}
	d.gain = append(d.gain[:0], g...)
	if d.gsave == nil {
		d.gsave = make([]float64, d.cfg.Neurons)
	}
}

// InputGain returns the input gains (nil: none); the slice is d's.
func (d *DC) InputGain() []float64 { return d.gain }

// DCInitWeights fills dst with Diehl & Cook's initial input weights,
// 0.3·(U[0,1) + 0.01), from (seed, stream).
func DCInitWeights(dst []float64, seed, stream uint64) {
	rng := rand.New(rand.NewPCG(seed, stream))
	for k := range dst {
		dst[k] = 0.3 * (rng.Float64() + 0.01)
	}
}

// Config returns the network's configuration.
func (d *DC) Config() DCConfig { return d.cfg }

// Synapses returns the input→excitatory array.
func (d *DC) Synapses() Synapses { return d.syn }

// SetPlasticity attaches p to the excitatory layer (nil: no learning). If p
// implements PresentationHooks its hooks are called too.
func (d *DC) SetPlasticity(p Plasticity) {
	d.stopSplit() // the old plasticity's parts join it
	d.plast = p
}

// FreezeTheta stops (true) or resumes (false) the decay and growth of the
// adaptive thresholds.
func (d *DC) FreezeTheta(frozen bool) { d.exc.frozen = frozen }

// Theta returns a copy of the excitatory neurons' adaptive thresholds (mV).
func (d *DC) Theta() []float64 { return d.exc.thetaTo(nil) }

// SetTheta sets the excitatory neurons' adaptive thresholds (mV). It
// returns an error if theta does not have one finite value per neuron.
func (d *DC) SetTheta(theta []float64) error {
	if len(theta) != d.cfg.Neurons {
		return fmt.Errorf("network: SetTheta: %d values for %d neurons", len(theta), d.cfg.Neurons)
	}
	for j, x := range theta {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("network: SetTheta: θ of neuron %d is %v", j, x)
		}
	}
	d.exc.setTheta(theta)
	return nil
}

// Delays returns the input→excitatory delays in steps, row-major (input i,
// neuron j at i·Neurons+j), aliasing the network; nil without delays.
func (d *DC) Delays() []uint8 { return d.delays }

// Step returns the global step counter: the number of steps simulated or
// skipped since construction.
func (d *DC) Step() int { return d.step }

// ExcV writes the excitatory membrane potentials (mV) to dst and returns it.
func (d *DC) ExcV(dst []float64) []float64 { return append(dst[:0], d.exc.v...) }

// Counters returns the cumulative counters (Spikes: input, exc, inh).
func (d *DC) Counters() Counters {
	c := d.cnt
	c.Spikes = append([]uint64(nil), d.cnt.Spikes...)
	if d.dev != nil {
		pulseCounts(&c, d.dev.Counters())
	}
	return c
}

// Present shows one input pattern (rates in Hz, one per input) for
// cfg.Present ms, then rests for cfg.Rest ms. It returns the spike counts of
// the presentation and the counters of presentation and rest. After an error
// (a bad rate, or ctx cancelled) the network is left mid-presentation; restore
// a saved state to continue deterministically.
func (d *DC) Present(ctx context.Context, rates []float64) (Result, error) {
	if err := d.src.SetRates(rates, 0); err != nil {
		return Result{}, err
	}
	return d.PresentSource(ctx, d.src)
}

// PresentSource is Present with the input spikes drawn from src instead of
// the network's Poisson generator.
func (d *DC) PresentSource(ctx context.Context, src Source) (Result, error) {
	before := d.Counters()
	clear(d.excCount)
	clear(d.inhCount)
	d.source = src
	d.presentStart = d.step
	sp := d.splitFor()
	if d.splitOff > 0 {
		d.splitOff--
	}
	if sp != nil {
		err := d.presentSplit(ctx, sp)
		d.source = nil
		if err != nil {
			return Result{}, err
		}
		return d.result(before), nil
	}
	hooks, _ := d.plast.(PresentationHooks)
	if hooks != nil {
		hooks.BeginPresentation(d.step)
	}
	d.presenting = true
	err := d.pipe.run(ctx, d.step, d.presentSteps, d.cfg.BlockSteps, func() error {
		d.presenting = false
		if hooks != nil {
			hooks.EndPresentation(d.step)
		}
		d.rest()
		return nil
	})
	d.presenting = false
	d.source = nil
	if err != nil {
		return Result{}, err
	}
	return d.result(before), nil
}

// result is the Result of the presentation just made, whose counters started at before.
func (d *DC) result(before Counters) Result {
	return Result{
		Counts:    append([]int32(nil), d.excCount...),
		InhCounts: append([]int32(nil), d.inhCount...),
		Tries:     1,
		Counters:  d.Counters().Sub(before),
	}
}

// PresentImage shows an image (pixel intensities, e.g. 0–255, one per input)
// with Diehl & Cook's protocol: rate = pixel·RatePerPixel·k Hz with k =
// StartIntensity, shown again with k+1 while the excitatory layer fires fewer
// than MinSpikes spikes, at most MaxTries times. Counts are those of the last
// presentation; Counters add up all of them.
func (d *DC) PresentImage(ctx context.Context, pixels []float64) (Result, error) {
	if len(pixels) != d.cfg.Inputs {
		return Result{}, fmt.Errorf("network: PresentImage: %d pixels for %d inputs", len(pixels), d.cfg.Inputs)
	}
	var total Counters
	k := d.cfg.StartIntensity
	for try := 1; ; try++ {
		for i, p := range pixels {
			d.rates[i] = p * d.cfg.RatePerPixel * k
		}
		r, err := d.Present(ctx, d.rates)
		if err != nil {
			return Result{}, err
		}
		total = total.Add(r.Counters)
		if r.Total() >= d.cfg.MinSpikes || try >= d.cfg.MaxTries {
			r.Intensity, r.Tries, r.Counters = k, try, total
			return r, nil
		}
		k++
	}
}

// inhibit adds to the excitatory conductances gi the inhibition of k inhibitory spikes of
// weight w, but not that of the spikes own (indices into gi) on their partners: every
// inhibitory neuron inhibits every excitatory one but its own partner.
func inhibit(gi []float64, w float64, k int, own []int32) {
	tot := w * float64(k)
	for j := range gi {
		gi[j] += tot
	}
	for _, j := range own {
		gi[j] -= w
	}
}

// layerBlock is the layer stage: it integrates the steps of one input frame
// and writes the excitatory spikes to out.
func (d *DC) layerBlock(in, out *Frame, _, steps int) error {
	for s := range steps {
		for _, j := range d.advance(in.Spikes(s)) {
			out.Add(j)
		}
		out.EndStep()
	}
	d.exc.flush()
	return nil
}

// advance simulates one step with the input spikes pre and returns the
// excitatory spikes (aliasing an internal buffer).
func (d *DC) advance(pre []int32) []int32 {
	n := d.cfg.Neurons
	exc, inh := d.exc, d.inh
	// Recurrent spikes of the previous step.
	if k := len(d.lastInh); k > 0 {
		inhibit(exc.gi, d.cfg.WInhExc, k, d.lastInh)
		d.cnt.SOPs += uint64(k * (n - 1))
	}
	if len(d.lastExc) > 0 {
		inh.drive(d.lastExc, d.cfg.WExcInh, d.step)
		d.cnt.SOPs += uint64(len(d.lastExc))
	}
	// With an input gain, the step's arrivals are scaled: ge ← ge0 + g·(ge − ge0).
	var ge0 []float64
	if d.gain != nil && (len(pre) > 0 || (d.delays != nil && d.step <= d.busyUntil)) {
		ge0 = d.gsave[:n]
		copy(ge0, exc.ge[:n])
	}
	// Input spikes: one row read each.
	if len(pre) > 0 {
		t := float64(d.step) * d.dtSec
		switch {
		case d.delays == nil && d.noisy == nil:
			for _, i := range pre {
				d.syn.AccumulateRow(exc.ge, int(i), t)
			}
		case d.delays == nil:
			// Read noise deferred to one Gaussian per column per step.
			for _, i := range pre {
				d.noisy.AccumulateRowVar(exc.ge, d.tmpVar, int(i), t)
			}
			d.noisy.AddReadNoise(exc.ge[:n], d.tmpVar[:n])
		default:
			// The ring has 2R slots for R = maxDelay+1 step offsets: writing at
			// (step mod R) + delay needs no wrap-around test (an unpredictable
			// branch per synapse), and slot s mod R is drained from both s and
			// s+R.
			base := (d.step % (d.maxDelay + 1)) * d.stride
			switch {
			case d.noisy != nil:
				// The noise variance travels with the weights, in pairs;
				// the noise is drawn at arrival, per column.
				pring := d.pring[base:]
				for _, i := range pre {
					d.noisy.ScatterRowVar(pring, d.delayOff[int(i)*n:int(i)*n+n], int(i), t)
				}
			case d.dev != nil:
				ring := d.ring[base:]
				for _, i := range pre {
					d.dev.ScatterRow(ring, d.delayOff[int(i)*n:int(i)*n+n], int(i), t)
				}
			case d.rows != nil:
				// Plain weights: the row itself is the read, with no copy.
				ring := d.ring[base:]
				for _, i := range pre {
					scatterRow(ring, d.delayOff[int(i)*n:int(i)*n+n], d.rows.Row(int(i)), d.maxOff)
				}
			default:
				ring, tmp := d.ring[base:], d.tmp[:n]
				for _, i := range pre {
					d.syn.AccumulateRow(tmp, int(i), t)
					scatterRow(ring, d.delayOff[int(i)*n:int(i)*n+n], tmp, d.maxOff)
					clear(tmp)
				}
			}
			d.busyUntil = d.step + d.maxDelay
		}
		d.cnt.SOPs += uint64(len(pre) * n)
		d.cnt.DeviceReads += uint64(len(pre) * n)
		d.cnt.Spikes[0] += uint64(len(pre))
	}
	if d.delays != nil && d.step <= d.busyUntil {
		r, m := d.maxDelay+1, d.stride
		base := (d.step % r) * m
		if d.noisy != nil {
			// The whole padded slot: ge's capacity covers it (see initNoise).
			lo, hi := d.pring[base:base+m], d.pring[base+r*m:base+r*m+m]
			d.noisy.DrainReadNoise(exc.ge[:m], lo, hi)
		} else {
			lo, hi := d.ring[base:base+n], d.ring[base+r*m:base+r*m+n]
			drain(exc.ge[:n], lo, hi)
		}
	}
	if ge0 != nil {
		ge := exc.ge[:n]
		for j, g := range d.gain[:n] {
			ge[j] = ge0[j] + g*(ge[j]-ge0[j])
		}
	}
	es := exc.step(d.step)
	is := inh.step(d.step)
	d.lastExc = append(d.lastExc[:0], es...)
	d.lastInh = append(d.lastInh[:0], is...)
	if d.presenting {
		for _, j := range es {
			d.excCount[j]++
		}
		for _, j := range is {
			d.inhCount[j]++
		}
	}
	d.cnt.Spikes[1] += uint64(len(es))
	d.cnt.Spikes[2] += uint64(len(is))
	d.cnt.NeuronUpdates += uint64(2 * n)
	d.cnt.Steps++
	if d.plast != nil {
		d.plast.Step(d.step, pre, es)
	}
	d.step++
	return es
}

// rest simulates the input-free rest, or (SimulateRest false) simulates it
// until the network is quiet and relaxes the rest in closed form.
func (d *DC) rest() {
	done := 0
	if !d.cfg.SimulateRest {
		for done < d.restSteps && !d.quiet() {
			d.advance(nil)
			done++
			if done%100 == 0 {
				d.exc.flush()
			}
		}
		if m := d.restSteps - done; m > 0 {
			d.exc.relax(d.step, m)
			d.inh.relax(d.step, m)
			d.step += m
		}
		return
	}
	for ; done < d.restSteps; done++ {
		d.advance(nil)
		if done%100 == 99 {
			d.exc.flush()
		}
	}
}

// quiet reports whether the rest of an input-free period is a pure
// relaxation: nothing in the delay line, no spike in flight, no conductance
// above RestEps, nobody refractory, and every threshold above rest (so
// nobody can fire).
func (d *DC) quiet() bool {
	if d.step <= d.busyUntil || len(d.lastExc) > 0 || len(d.lastInh) > 0 {
		return false
	}
	return d.popsQuiet(d.exc, d.inh, true)
}

// popsQuiet is quiet's test of the populations exc and inh (the whole network's, or one
// column range's, which tests the inhibitory threshold only if it holds neuron 0, inh0).
func (d *DC) popsQuiet(exc, inh *condPop, inh0 bool) bool {
	eps := d.cfg.RestEps
	if !exc.quiet(eps) || !inh.quiet(eps) {
		return false
	}
	for j := range exc.u {
		if exc.thrBase+exc.theta(j) <= d.cfg.Exc.VRest {
			return false
		}
	}
	return !inh0 || inh.thrBase+inh.theta(0) > d.cfg.Inh.VRest
}
