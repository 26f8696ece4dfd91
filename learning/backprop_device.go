package learning

import (
	"fmt"
	"math"
	"slices"

	"github.com/nanospike/nanospike/device"
)

// BackpropCounters are the operations of a network since it was built (they survive checkpoints): the
// inputs of the energy report.
type BackpropCounters struct {
	Samples      int64 `json:"samples"`       // images trained
	InputSpikes  int64 `json:"input_spikes"`  // input spikes (rate coding)
	HiddenSpikes int64 `json:"hidden_spikes"` // spikes of all hidden layers
	OutputSpikes int64 `json:"output_spikes"`
	SynEvents    int64 `json:"syn_events"` // synaptic events: spikes × fan-out (SOPs)

	// Device operations by purpose (zero in ideal mode). Reads of a pair count two.
	Read    device.Counters `json:"read"`    // forward-pass reads of the weight matrices (training and evaluation)
	Update  device.Counters `json:"update"`  // in-situ updates (pulses), refreshes included
	Program device.Counters `json:"program"` // write-and-verify: initial weights (in-situ) or trained weights (ex-situ)

	Refreshes int64 `json:"refreshes"` // pairs refreshed
	Carries   int64 `json:"carries"`   // carries from a fine pair to its coarse pair
}

// Device returns the sum of the device counters of all purposes.
func (c BackpropCounters) Device() device.Counters { return c.Read.Add(c.Update).Add(c.Program) }

// BackpropCounters returns the network's operation counts.
func (n *Backprop) Counters() BackpropCounters { return n.stats }

// BackpropEnergy is the device energy of a network's operations, by purpose.
type BackpropEnergy struct {
	Read    device.Energy `json:"read"`
	Update  device.Energy `json:"update"`
	Program device.Energy `json:"program"`
	Total   float64       `json:"total_j"`
}

// BackpropEnergy returns the device energy of the counted operations (Params.EnergyOf of each
// purpose's counters); zero in ideal mode.
func (n *Backprop) Energy() BackpropEnergy {
	if n.dev == nil {
		return BackpropEnergy{}
	}
	e := BackpropEnergy{
		Read:    n.dev.EnergyOf(n.stats.Read),
		Update:  n.dev.EnergyOf(n.stats.Update),
		Program: n.dev.EnergyOf(n.stats.Program),
	}
	e.Total = e.Read.Total + e.Update.Total + e.Program.Total
	return e
}

// pairCounters sums the counters of every layer's pair.
func (n *Backprop) pairCounters() device.Counters {
	var c device.Counters
	for _, ly := range n.layers {
		if ly.pair != nil {
			c = c.Add(ly.pair.Counters())
		}
	}
	return c
}

// count runs f and adds the device operations it performs to *dst.
func (n *Backprop) count(dst *device.Counters, f func()) {
	before := n.pairCounters()
	f()
	*dst = dst.Add(n.pairCounters().Sub(before))
}

// wmaxOf returns the weight range of layer ly: WMaxScale/√fan_in in-situ, the ExSituQuantile
// of the trained |w| ex-situ.
func (n *Backprop) wmaxOf(ly *bpLayer) float64 {
	if n.cfg.Device.Mode != ModeExSitu {
		return n.cfg.Device.WMaxScale / math.Sqrt(float64(ly.in))
	}
	a := make([]float64, len(ly.w))
	for k, v := range ly.w {
		a[k] = math.Abs(v)
	}
	slices.Sort(a)
	k := int(math.Ceil(n.cfg.Device.ExSituQuantile*float64(len(a)))) - 1
	w := a[max(k, 0)]
	if w == 0 {
		w = n.cfg.Device.WMaxScale / math.Sqrt(float64(ly.in))
	}
	return w
}

// attachDevices builds one pair per layer and writes the current float weights onto it by
// write-and-verify (open loop and exact for UpdateExact).
func (n *Backprop) attachDevices(exsitu bool) error {
	d := &n.cfg.Device
	scheme, err := device.ParsePairScheme(d.Scheme)
	if err != nil {
		return fmt.Errorf("learning: %w", err)
	}
	for l, ly := range n.layers {
		q, err := device.NewPair(n.dev, ly.in, ly.out, n.cfg.Seed^(bpStreamDevice+uint64(l)))
		if err != nil {
			return fmt.Errorf("learning: layer %d devices: %w", l, err)
		}
		q.Scheme = scheme
		wmax := n.wmaxOf(ly)
		q.SetWMax(wmax)
		ly.pair = q
		ly.scratch = make([]float64, len(ly.w))
		tol := n.verifyTol(wmax)
		n.count(&n.stats.Program, func() {
			for i := range ly.in {
				for j := range ly.out {
					w := ly.w[i*ly.out+j]
					if !exsitu && d.Update == UpdateExact {
						q.ProgramContinuous(i, j, q.PulsesFor(w))
						continue
					}
					q.ProgramTo(i, j, w, tol, n.verifyMax())
				}
			}
		})
		if d.Update == UpdateAccumulate {
			ly.acc = make([]float64, len(ly.w))
		}
		if !exsitu && d.CarryEvery > 0 {
			f, err := device.NewPair(n.dev, ly.in, ly.out, n.cfg.Seed^(bpStreamCarry+uint64(l)))
			if err != nil {
				return fmt.Errorf("learning: layer %d carry devices: %w", l, err)
			}
			f.Scheme = scheme
			f.SetWMax(wmax / d.CarryGain)
			ly.lsb = f
		}
	}
	return nil
}

// verifyTol returns the write-and-verify tolerance (weight units) of a pair with range wmax:
// VerifyTol nominal steps, but never below one cycle-to-cycle σ of a pulse (C2C·WMax): a
// tighter target is a random walk of many pulses that the noise of each pulse defeats.
func (n *Backprop) verifyTol(wmax float64) float64 {
	return max(n.cfg.Device.VerifyTol*wmax/float64(n.dev.States), n.dev.C2C*wmax)
}

// verifyMax returns the pulse budget of one write-and-verify.
func (n *Backprop) verifyMax() int {
	if m := n.cfg.Device.VerifyMaxPulses; m > 0 {
		return m
	}
	return 3 * n.dev.States
}

// ProgramDevices writes the float weights onto device pairs by write-and-verify (ex-situ
// mode); from then on Evaluate reads the devices. Calling it again reprograms fresh devices. It
// returns an error in other modes.
func (n *Backprop) ProgramDevices() error {
	if n.cfg.Device.Mode != ModeExSitu {
		return fmt.Errorf("learning: ProgramDevices needs device mode %q, not %q", ModeExSitu, n.cfg.Device.Mode)
	}
	return n.attachDevices(true)
}

// readDevices reads every layer's pair (with read noise) into its forward weights.
func (n *Backprop) readDevices() {
	n.count(&n.stats.Read, func() {
		for _, ly := range n.layers {
			ly.w = ly.pair.ReadTo(ly.w, ly.scratch)
			if ly.lsb != nil {
				ly.scratch2 = ly.lsb.ReadTo(ly.scratch2, ly.scratch)
				for k, v := range ly.scratch2 {
					ly.w[k] += v
				}
			}
		}
	})
	n.syncTranspose()
}

// updateDevices turns every layer's optimizer step dw into pulses by the configured rule and
// refreshes saturated unipolar pairs periodically.
func (n *Backprop) updateDevices() {
	d := &n.cfg.Device
	n.count(&n.stats.Update, func() {
		for _, ly := range n.layers {
			q := ly.pair
			if ly.lsb != nil {
				q = ly.lsb // updates go to the fine pair; carry moves them on
			}
			per := float64(n.dev.States) / q.WMax() // pulses per unit weight
			row := make([]float64, ly.out)
			for i := range ly.in {
				dw := ly.dw[i*ly.out : (i+1)*ly.out]
				switch d.Update {
				case UpdateExact:
					for j, v := range dw {
						q.ProgramContinuous(i, j, v*per)
					}
					continue
				case UpdateRound:
					for j, v := range dw {
						row[j] = math.Round(v * per)
					}
				case UpdateStochastic:
					for j, v := range dw {
						row[j] = v * per
					}
				case UpdateAccumulate:
					acc := ly.acc[i*ly.out : (i+1)*ly.out]
					th := d.Threshold
					for j, v := range dw {
						a := acc[j] + v*per
						if math.Abs(a) >= th {
							p := math.Trunc(a)
							if p == 0 { // threshold below one pulse: fire one
								p = math.Copysign(1, a)
							}
							row[j] = p
							a -= p
						} else {
							row[j] = 0
						}
						acc[j] = a
					}
				}
				q.ProgramRow(i, row)
			}
		}
	})
	if q := d.RefreshEvery; q > 0 && d.Scheme != "sign-magnitude" && n.step%uint64(q) == 0 {
		n.refresh()
	}
	if q := d.CarryEvery; q > 0 && n.step%uint64(q) == 0 {
		n.carry()
	}
}

// carry moves the whole M pulses held by each fine pair onto its coarse pair: read w_L, apply
// round(w_L·Pmax/WMax) pulses to M, reset L and write the remainder back by write-and-verify.
func (n *Backprop) carry() {
	n.count(&n.stats.Update, func() {
		for _, ly := range n.layers {
			m, f := ly.pair, ly.lsb
			if f == nil {
				continue
			}
			perM := float64(n.dev.States) / m.WMax()
			tolL := n.verifyTol(f.WMax())
			for i := range ly.in {
				for j := range ly.out {
					wl := f.ReadWeight(i, j)
					p := math.Round(wl * perM)
					if p == 0 {
						continue
					}
					m.Program(i, j, p)
					f.Reset(i, j)
					if r := wl - p/perM; math.Abs(r) > tolL {
						f.ProgramTo(i, j, r, tolL, n.verifyMax())
					}
					n.stats.Carries++
				}
			}
		}
	})
}

// refresh re-centres every unipolar pair with a device above RefreshLevel of its window.
func (n *Backprop) refresh() {
	d := &n.cfg.Device
	n.count(&n.stats.Update, func() {
		for _, ly := range n.layers {
			q := ly.pair
			tol := n.verifyTol(q.WMax())
			for i := range ly.in {
				for j := range ly.out {
					if q.NeedsRefresh(i, j, d.RefreshLevel) {
						q.Refresh(i, j, tol, n.verifyMax())
						n.stats.Refreshes++
					}
				}
			}
		}
	})
}
