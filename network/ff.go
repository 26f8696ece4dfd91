package network

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// LIFParams are the parameters of a current-based leaky (or, with TauM = 0,
// non-leaky) integrate-and-fire population, in units of the threshold, the
// discrete-time model of surrogate-gradient training (snnTorch's Synaptic /
// Leaky neurons):
//
//	i[t] = α·i[t−1] + Σ_pre w·s_pre[t],   α = e^(−dt/τs)  (α = 0 if TauSyn = 0)
//	v[t] = VRest + β·(v[t−1] − VRest) + i[t],  β = e^(−dt/τm)  (β = 1 if TauM = 0)
//	s[t] = v[t] ≥ Threshold;  then v[t] = VReset, or v[t] −= Threshold if ResetSubtract
//
// The decays are the exact solutions of τ·dx/dt = −x over a step.
type LIFParams struct {
	TauM          float64 `json:"tau_m_ms"`   // membrane time constant; 0: no leak (IF)
	TauSyn        float64 `json:"tau_syn_ms"` // synaptic current time constant; 0: delta synapses
	VRest         float64 `json:"v_rest"`
	VReset        float64 `json:"v_reset"`
	Threshold     float64 `json:"threshold"`
	ResetSubtract bool    `json:"reset_subtract"`
	Refractory    float64 `json:"refractory_ms"`
}

// DefaultLIFParams returns a leaky neuron with τm 20 ms, delta synapses,
// rest and reset 0, threshold 1, reset to zero.
func DefaultLIFParams() LIFParams {
	return LIFParams{TauM: 20, VRest: 0, VReset: 0, Threshold: 1}
}

// Validate reports the first impossible parameter.
func (p LIFParams) Validate() error {
	for _, x := range []struct {
		name string
		v    float64
	}{{"tau_m_ms", p.TauM}, {"tau_syn_ms", p.TauSyn}, {"refractory_ms", p.Refractory}} {
		if x.v < 0 || math.IsNaN(x.v) || math.IsInf(x.v, 0) {
			return fmt.Errorf("%s must be ≥ 0 and finite, got %v", x.name, x.v)
		}
	}
	for _, x := range []struct {
		name string
		v    float64
	}{{"v_rest", p.VRest}, {"v_reset", p.VReset}, {"threshold", p.Threshold}} {
		if math.IsNaN(x.v) || math.IsInf(x.v, 0) {
			return fmt.Errorf("%s must be finite, got %v", x.name, x.v)
		}
	}
	if p.Threshold <= p.VReset {
		return fmt.Errorf("threshold %v must be above v_reset %v", p.Threshold, p.VReset)
	}
	return nil
}

// FFConfig configures a feed-forward network of LIF layers.
type FFConfig struct {
	Dt         float64     `json:"dt_ms"`       // default 1
	BlockSteps int         `json:"block_steps"` // steps per frame between stages; default 25
	Layers     []LIFParams `json:"layers"`      // one per layer
}

// DefaultFFConfig returns layers of DefaultLIFParams, dt 1 ms.
func DefaultFFConfig(layers int) FFConfig {
	c := FFConfig{Dt: 1, BlockSteps: 25}
	for range layers {
		c.Layers = append(c.Layers, DefaultLIFParams())
	}
	return c
}

// Validate reports the first invalid field.
func (c FFConfig) Validate() error {
	if !(c.Dt > 0) || math.IsInf(c.Dt, 0) {
		return fmt.Errorf("network: FFConfig.Dt: must be positive, got %v", c.Dt)
	}
	if c.BlockSteps < 1 {
		return fmt.Errorf("network: FFConfig.BlockSteps: must be ≥ 1, got %d", c.BlockSteps)
	}
	if len(c.Layers) == 0 {
		return errors.New("network: FFConfig.Layers: no layer")
	}
	for l, p := range c.Layers {
		if err := p.Validate(); err != nil {
			return fmt.Errorf("network: FFConfig.Layers[%d]: %w", l, err)
		}
	}
	return nil
}

// LIFLayer is one layer of an FF network: its neurons and the array of its
// incoming weights, which it owns. Its methods and fields may be used from
// its Plasticity (called on the layer's goroutine) or between runs.
type LIFLayer struct {
	p           LIFParams
	syn         Synapses
	v, i, vpre  []float64
	ref         []int32
	alpha, beta float64
	refSteps    int32
	plast       Plasticity
	counts      []int32
	spikes      []int32
	cnt         Counters // this layer's share: SOPs, reads, updates, Spikes[0]
	noisy       noiseDeferrer
	varBuf      []float64
}

// Size returns the number of neurons.
func (l *LIFLayer) Size() int { return len(l.v) }

// Synapses returns the layer's incoming array.
func (l *LIFLayer) Synapses() Synapses { return l.syn }

// V returns the membrane potentials (aliasing the layer: read them in a
// Plasticity hook, e.g. for surrogate gradients; after the step's reset).
func (l *LIFLayer) V() []float64 { return l.v }

// VPre returns the membrane potentials of the last step before the
// threshold test and reset (aliasing the layer), what surrogate gradients
// are taken of; for a refractory neuron, its held potential.
func (l *LIFLayer) VPre() []float64 { return l.vpre }

// I returns the synaptic currents of the last step (aliasing the layer).
func (l *LIFLayer) I() []float64 { return l.i }

// SetPlasticity attaches p (nil: none); it is called after every step with
// the layer's input spikes and its own.
func (l *LIFLayer) SetPlasticity(p Plasticity) { l.plast = p }

// Counts returns the spikes of each neuron since the start of the last run
// (aliasing the layer).
func (l *LIFLayer) Counts() []int32 { return l.counts }

func (l *LIFLayer) reset() {
	for j := range l.v {
		l.v[j] = l.p.VRest
		l.vpre[j] = l.p.VRest
	}
	clear(l.i)
	clear(l.ref)
}

// block integrates the steps of one input frame; it runs on the layer's
// goroutine.
func (l *LIFLayer) block(in, out *Frame, step0, steps int, dtSec float64) {
	p := &l.p
	n := len(l.v)
	v, cur, ref, vpre := l.v, l.i[:n], l.ref[:n], l.vpre[:n]
	for s := range steps {
		pre := in.Spikes(s)
		if l.alpha == 0 {
			clear(cur)
		} else {
			for j := range cur {
				cur[j] *= l.alpha
			}
		}
		if len(pre) > 0 {
			t := float64(step0+s) * dtSec
			if l.noisy != nil {
				for _, k := range pre {
					l.noisy.AccumulateRowVar(cur, l.varBuf, int(k), t)
				}
				l.noisy.AddReadNoise(cur, l.varBuf)
			} else {
				for _, k := range pre {
					l.syn.AccumulateRow(cur, int(k), t)
				}
			}
			l.cnt.SOPs += uint64(len(pre) * n)
			l.cnt.DeviceReads += uint64(len(pre) * n)
		}
		l.spikes = l.spikes[:0]
		for j := range v {
			if ref[j] > 0 {
				ref[j]--
				vpre[j] = v[j]
				continue
			}
			vj := p.VRest + l.beta*(v[j]-p.VRest) + cur[j]
			vpre[j] = vj
			if vj >= p.Threshold {
				if p.ResetSubtract {
					vj -= p.Threshold
				} else {
					vj = p.VReset
				}
				ref[j] = l.refSteps
				l.spikes = append(l.spikes, int32(j))
				l.counts[j]++
			}
			v[j] = vj
		}
		for _, j := range l.spikes {
			out.Add(j)
		}
		out.EndStep()
		l.cnt.Spikes[0] += uint64(len(l.spikes))
		l.cnt.NeuronUpdates += uint64(n)
		if l.plast != nil {
			l.plast.Step(step0+s, pre, l.spikes)
		}
	}
}

// FF is a feed-forward network of LIF layers run as a pipeline: an input
// stage, then one goroutine per layer; layer l integrates step block b while
// layer l−1 integrates block b+1 (no synaptic delay between layers: layer l
// sees layer l−1's spikes of the same step). An FF is not safe for
// concurrent use.
type FF struct {
	cfg    FFConfig
	inputs int
	layers []*LIFLayer
	pipe   *pipeline
	step   int
	dtSec  float64
	src    Source
	inCnt  uint64
}

// NewFF builds a network whose layer l has incoming array syns[l]:
// syns[0] is inputs × size(0), syns[l] is size(l−1) × size(l).
func NewFF(cfg FFConfig, syns ...Synapses) (*FF, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(syns) != len(cfg.Layers) {
		return nil, fmt.Errorf("network: NewFF: %d arrays for %d layers", len(syns), len(cfg.Layers))
	}
	n := &FF{cfg: cfg, dtSec: cfg.Dt * 1e-3}
	for l, s := range syns {
		if s == nil {
			return nil, fmt.Errorf("network: NewFF: layer %d: nil synapses", l)
		}
		if l > 0 && s.Rows() != syns[l-1].Cols() {
			return nil, fmt.Errorf("network: NewFF: layer %d has %d rows, layer %d has %d neurons", l, s.Rows(), l-1, syns[l-1].Cols())
		}
		p := cfg.Layers[l]
		c := s.Cols()
		ly := &LIFLayer{
			p: p, syn: s, v: make([]float64, c), i: make([]float64, c), vpre: make([]float64, c), ref: make([]int32, c),
			beta: 1, counts: make([]int32, c), spikes: make([]int32, 0, c),
			refSteps: int32(math.Round(p.Refractory / cfg.Dt)),
		}
		if p.TauM > 0 {
			ly.beta = math.Exp(-cfg.Dt / p.TauM)
		}
		if p.TauSyn > 0 {
			ly.alpha = math.Exp(-cfg.Dt / p.TauSyn)
		}
		if nd, ok := s.(noiseDeferrer); ok && deviceNoisy(s) {
			ly.noisy = nd
			ly.varBuf = make([]float64, c)
		}
		ly.cnt.Spikes = make([]uint64, 1)
		ly.reset()
		n.layers = append(n.layers, ly)
	}
	n.inputs = syns[0].Rows()
	stages := []blockFunc{func(_, out *Frame, step0, steps int) error {
		if err := n.src.Fill(out, step0-n.step, steps); err != nil {
			return err
		}
		if out.Steps() != steps {
			return fmt.Errorf("network: input source filled %d steps of a block of %d", out.Steps(), steps)
		}
		for _, i := range out.Idx {
			if i < 0 || int(i) >= n.inputs {
				return fmt.Errorf("network: input source: spike of input %d out of range [0, %d)", i, n.inputs)
			}
		}
		n.inCnt += uint64(len(out.Idx))
		return nil
	}}
	for _, ly := range n.layers {
		stages = append(stages, func(in, out *Frame, step0, steps int) error {
			ly.block(in, out, step0, steps, n.dtSec)
			return nil
		})
	}
	n.pipe = newPipeline(stages...)
	return n, nil
}

// Layers returns the number of layers.
func (n *FF) Layers() int { return len(n.layers) }

// Layer returns layer l.
func (n *FF) Layer(l int) *LIFLayer { return n.layers[l] }

// Step returns the global step counter.
func (n *FF) Step() int { return n.step }

// Reset sets every layer's v to rest and its currents to zero (between
// samples).
func (n *FF) Reset() {
	for _, l := range n.layers {
		l.reset()
	}
}

// FFResult is the outcome of one FF run.
type FFResult struct {
	Counts   [][]int32 `json:"counts"` // per layer, spikes of each neuron during the run
	Counters Counters  `json:"counters"`
}

// Run feeds steps steps of src (steps counted from 0) through the network,
// continuing from its current state (call Reset between independent
// samples). out, if not nil, receives the last layer's spikes of every step,
// in order, on the last layer's goroutine (the slice is reused).
func (n *FF) Run(ctx context.Context, src Source, steps int, out func(step int, spikes []int32)) (FFResult, error) {
	if steps <= 0 {
		return FFResult{}, fmt.Errorf("network: FF.Run: steps must be positive, got %d", steps)
	}
	before := n.Counters()
	for _, l := range n.layers {
		clear(l.counts)
	}
	n.src = src
	var sink func(*Frame)
	if out != nil {
		sink = func(f *Frame) {
			for s := range f.Steps() {
				out(f.Step0+s, f.Spikes(s))
			}
		}
	}
	err := n.pipe.run(ctx, n.step, steps, n.cfg.BlockSteps, sink, nil)
	n.src = nil
	n.step += steps
	if err != nil {
		return FFResult{}, err
	}
	res := FFResult{Counters: n.Counters().Sub(before)}
	for _, l := range n.layers {
		res.Counts = append(res.Counts, append([]int32(nil), l.counts...))
	}
	return res, nil
}

// Counters returns the cumulative counters (Spikes: input, layer 1, …).
func (n *FF) Counters() Counters {
	c := Counters{Spikes: []uint64{n.inCnt}}
	for _, l := range n.layers {
		c.SOPs += l.cnt.SOPs
		c.DeviceReads += l.cnt.DeviceReads
		c.NeuronUpdates += l.cnt.NeuronUpdates
		c.Spikes = append(c.Spikes, l.cnt.Spikes[0])
		var lc Counters
		pulseCounts(&lc, l.syn)
		c.PotPulses += lc.PotPulses
		c.DepPulses += lc.DepPulses
		c.ReadGSum += lc.ReadGSum
	}
	c.Steps = uint64(n.step)
	return c
}
