package device

import (
	"math"
	"math/rand/v2"
)

// Counters are the operations a device or an array has performed since its last reset: the
// inputs of the energy report.
type Counters struct {
	Reads     uint64  `json:"reads"`      // device reads (synaptic events)
	PotPulses uint64  `json:"pot_pulses"` // potentiation pulses applied
	DepPulses uint64  `json:"dep_pulses"` // depression pulses applied
	ReadGSum  float64 `json:"read_g_sum"` // Σ over reads of the conductance read (S), noise-free, with facilitation
	// PotGSum and DepGSum are Σ over potentiation and depression pulses of the device's
	// conductance during the pulse, (G_before + G_after)/2 (S): the present conductance an
	// electrical pulse's V·I·t sees. Zero in counters stored before they existed.
	PotGSum float64 `json:"pot_g_sum,omitempty"`
	DepGSum float64 `json:"dep_g_sum,omitempty"`
}

// Add returns the sum of two counters.
func (c Counters) Add(o Counters) Counters {
	return Counters{
		Reads:     c.Reads + o.Reads,
		PotPulses: c.PotPulses + o.PotPulses,
		DepPulses: c.DepPulses + o.DepPulses,
		ReadGSum:  c.ReadGSum + o.ReadGSum,
		PotGSum:   c.PotGSum + o.PotGSum,
		DepGSum:   c.DepGSum + o.DepGSum,
	}
}

// Sub returns c − o: the operations between two snapshots.
func (c Counters) Sub(o Counters) Counters {
	return Counters{
		Reads:     c.Reads - o.Reads,
		PotPulses: c.PotPulses - o.PotPulses,
		DepPulses: c.DepPulses - o.DepPulses,
		ReadGSum:  c.ReadGSum - o.ReadGSum,
		PotGSum:   c.PotGSum - o.PotGSum,
		DepGSum:   c.DepGSum - o.DepGSum,
	}
}

// Energy is an energy breakdown in joules.
type Energy struct {
	Read  float64 `json:"read_j"`
	Pot   float64 `json:"pot_j"`   // electrical energy of the potentiation pulses (the channel's V·I·t)
	Dep   float64 `json:"dep_j"`   // electrical energy of the depression pulses
	Light float64 `json:"light_j"` // optical energy of the light pulses (e_light_pot_j, e_light_dep_j)
	Total float64 `json:"total_j"`
}

// EnergyOf returns the device energy of the operations in c, by one convention for every
// device (doc.go, Energy):
//
//	E_read  = V_read²·t_read·Σ G_read                 (Ohmic read of each device at its conductance)
//	E_pot   = V_pot²·t_pulse·Σ G_pulse = EPot·PotGSum/G_mid   (each pulse at the present conductance)
//	E_light = PotPulses·ELightPot + DepPulses·ELightDep      (optical pulses)
//
// and likewise E_dep. EPot = V_pot²·G_mid·t_pulse (PulseEnergy), so a pulse at G_mid costs
// EPot. Counters without conductance sums (stored before they existed) cost EPot per pulse.
func (p *Params) EnergyOf(c Counters) Energy {
	var e Energy
	e.Read = p.VRead * p.VRead * p.TRead * c.ReadGSum
	e.Pot = pulseEnergy(p.EPot, p.gMid(), c.PotPulses, c.PotGSum)
	e.Dep = pulseEnergy(p.EDep, p.gMid(), c.DepPulses, c.DepGSum)
	e.Light = float64(c.PotPulses)*p.ELightPot + float64(c.DepPulses)*p.ELightDep
	e.Total = e.Read + e.Pot + e.Dep + e.Light
	return e
}

// pulseEnergy is the electrical energy of n pulses whose conductances sum to gSum, each
// costing ePulse at gMid.
func pulseEnergy(ePulse, gMid float64, n uint64, gSum float64) float64 {
	if gSum > 0 && gMid > 0 {
		return ePulse * gSum / gMid
	}
	return float64(n) * ePulse
}

func (p *Params) gMid() float64 { return (p.Gmin + p.Gmax) / 2 }

// PulseVoltage returns the voltage across the channel during a potentiation (pot) or a
// depression pulse: v_pot_v or v_dep_v, or where not given the V of e = V²·G_mid·t_pulse.
func (p *Params) PulseVoltage(pot bool) float64 {
	v, e := p.VDep, p.EDep
	if pot {
		v, e = p.VPot, p.EPot
	}
	if v > 0 || e <= 0 || p.TPulse <= 0 {
		return v
	}
	return math.Sqrt(e / (p.gMid() * p.TPulse))
}

// Optical reports whether potentiation (pot) or depression pulses are light pulses: a device
// with an optical energy per pulse for that direction.
func (p *Params) Optical(pot bool) bool {
	if pot {
		return p.ELightPot > 0
	}
	return p.ELightDep > 0
}

// ReadEnergy returns the energy of one read of a device of conductance g (J), V_read²·g·t_read.
func (p *Params) ReadEnergy(g float64) float64 {
	return p.VRead * p.VRead * g * p.TRead
}

// Retained returns the fraction of the stored (programmed) conductance that remains a time t
// (seconds) after programming, from the review's power law y(t) = a + b·t^(−m) with y(1 s) = 1
// by the preset's normalisation: y is clamped to [0, 1] and is 1 for t ≤ 1 s. A preset with
// a = b = 0 has no retention data and retains everything (y = 1).
func (p *Params) Retained(t float64) float64 {
	if p.RetA == 0 && p.RetB == 0 {
		return 1
	}
	if t <= 1 {
		return 1
	}
	y := p.RetA + p.RetB*math.Pow(t, -p.RetM)
	return min(max(y, 0), 1)
}

// hasSTP reports whether p has a volatile component.
func (p *Params) hasSTP() bool { return p.PPFC1 != 0 || p.PPFC2 != 0 }

// drawCurve draws one device's curve: with vary, the NL labels get N(0, D2DNL) added (absolute)
// and Gmin, Gmax are multiplied by 1 + N(0, D2DG), redrawn until 0 ≤ Gmin < Gmax (after 100
// failed draws the nominal window is used). The number of draws from rng depends only on the
// values drawn, so a seed reproduces the same devices.
func drawCurve(p *Params, rng *rand.Rand, vary bool) curve {
	nlP, nlD, gmin, gmax := p.NLLTP, p.NLLTD, p.Gmin, p.Gmax
	if vary {
		if p.D2DNL > 0 {
			nlP += p.D2DNL * rng.NormFloat64()
			nlD += p.D2DNL * rng.NormFloat64()
		}
		if p.D2DG > 0 {
			ok := false
			for range 100 {
				a := p.Gmin * (1 + p.D2DG*rng.NormFloat64())
				b := p.Gmax * (1 + p.D2DG*rng.NormFloat64())
				if a >= 0 && a < b {
					gmin, gmax, ok = a, b, true
					break
				}
			}
			if !ok {
				gmin, gmax = p.Gmin, p.Gmax
			}
		}
	}
	return newCurve(gmin, gmax, p.States, nlP, nlD)
}

// Stuck states of a device.
const (
	notStuck   uint8 = 0
	stuckAtMin uint8 = 1
	stuckAtMax uint8 = 2
)

// drawStuck draws whether a device is stuck: StuckMin of the devices at Gmin, StuckMax at Gmax.
func drawStuck(p *Params, rng *rand.Rand) uint8 {
	if p.StuckMin == 0 && p.StuckMax == 0 {
		return notStuck
	}
	u := rng.Float64()
	switch {
	case u < p.StuckMin:
		return stuckAtMin
	case u < p.StuckMin+p.StuckMax:
		return stuckAtMax
	}
	return notStuck
}

// Device is one simulated synapse: a stored conductance with NeuroSim's pulse response and
// noise, a volatile short-term part, and the short-to-long-term transition. It is what the
// protocols drive. It is not safe for concurrent use.
type Device struct {
	p      Params
	c      curve
	g      float64 // stored conductance (S)
	stuck  uint8
	f      *rowSTP // the volatile part: the array's model with one row
	rng    *rand.Rand
	src    *rand.PCG
	ns     normals
	count  Counters
	sigmaW float64 // C2C σ of one pulse (S)
}

// NewDevice returns one device of p, sampled like an element of an array: its NL labels and
// window drawn with the preset's device-to-device spread and stuck with the preset's
// probabilities, all from seed. Its conductance starts at its Gmin.
func NewDevice(p *Params, seed uint64) (*Device, error) {
	return newDevice(p, seed, true)
}

// NominalDevice returns a device with p's nominal labels and window and never stuck: the
// "typical device" that a paper's figure shows. Cycle-to-cycle and read noise stay on.
func NominalDevice(p *Params, seed uint64) (*Device, error) {
	return newDevice(p, seed, false)
}

func newDevice(p *Params, seed uint64, vary bool) (*Device, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	d := &Device{p: *p, sigmaW: p.C2C * (p.Gmax - p.Gmin), f: newRowSTP(1)}
	d.src = rand.NewPCG(seed, streamNoise)
	d.rng = rand.New(d.src)
	d.ns = normals{src: d.src}
	build := rand.New(rand.NewPCG(seed, streamBuild))
	d.c = drawCurve(p, build, vary)
	if vary {
		d.stuck = drawStuck(p, build)
	}
	d.g = d.c.gmin
	if d.stuck == stuckAtMax {
		d.g = d.c.gmax
	}
	return d, nil
}

// Params returns the device's parameters (a copy owned by the device; do not modify).
func (d *Device) Params() *Params { return &d.p }

// G returns the stored conductance (S), without noise or facilitation.
func (d *Device) G() float64 { return d.g }

// Window returns this device's own [Gmin, Gmax].
func (d *Device) Window() (gmin, gmax float64) { return d.c.gmin, d.c.gmax }

// SetG sets the stored conductance, clipped to the device's window (no effect if stuck).
func (d *Device) SetG(g float64) {
	if d.stuck == notStuck {
		d.g = d.c.clip(g)
	}
}

// Counters returns the operations since the last reset.
func (d *Device) Counters() Counters { return d.count }

// ResetCounters zeroes the counters.
func (d *Device) ResetCounters() { d.count = Counters{} }

// Program applies a signed number of pulses (+ potentiation, − depression). A fractional part
// is applied as one more pulse with probability equal to the fraction (stochastic rounding).
func (d *Device) Program(pulses float64) {
	n := stochasticRound(math.Abs(pulses), d.rng)
	if n == 0 {
		return
	}
	d.apply(math.Copysign(n, pulses))
}

// ProgramContinuous applies a signed, possibly fractional, number of pulses deterministically
// along the device's curve (a fractional pulse as a proportionally weaker pulse), with C2C noise
// N(0, σ)·√|n|. It counts ⌈|n|⌉ pulses.
func (d *Device) ProgramContinuous(pulses float64) {
	if pulses == 0 {
		return
	}
	d.apply(pulses)
}

func (d *Device) apply(n float64) {
	a := math.Abs(n)
	cnt := math.Ceil(a)
	g0 := d.g
	defer func() {
		if n > 0 {
			d.count.PotPulses += uint64(cnt)
			d.count.PotGSum += cnt * (g0 + d.g) / 2
		} else {
			d.count.DepPulses += uint64(cnt)
			d.count.DepGSum += cnt * (g0 + d.g) / 2
		}
	}()
	if d.stuck != notStuck {
		return
	}
	var g float64
	if n > 0 {
		g = d.c.pot(d.g, a)
	} else {
		g = d.c.dep(d.g, a)
	}
	if d.sigmaW > 0 {
		g += d.sigmaW * math.Sqrt(a) * d.ns.norm()
	}
	d.g = d.c.clip(g)
}

// Read returns the conductance read now with read noise, G·(1 + N(0, σ_read)), without
// facilitation (a read long after the last stimulus). It counts one read.
func (d *Device) Read() float64 {
	d.count.Reads++
	d.count.ReadGSum += d.g
	return d.g * (1 + d.p.ReadNoise*d.ns.norm())
}

// Facilitation returns the volatile facilitation s1 + s2 at time t ≥ the last stimulus, without
// changing the state.
func (d *Device) Facilitation(t float64) float64 {
	return d.f.clone().at(&d.p, 0, t)
}

// Stimulate delivers one presynaptic stimulus (an optical or electrical spike) at time t
// (seconds, not before the previous stimulus) and returns the response it evokes, the
// conductance read during it:
//
//	EPSC_k ∝ G·(1 + s1 + s2)·(1 + N(0, σ_read))
//
// where s1, s2 are the facilitation left by the earlier stimuli at t. The stimulus then adds
// C1, C2 to s1, s2; if the STP→LTP transition is on (STPRate > 0) and s = s1 + s2 exceeds
// STPThreshold, the fraction STPRate of the excess is stored: ΔG = STPRate·(s − θ)·G (clipped to
// Gmax) and s1, s2 shrink by the same fraction so that the total conductance G·(1+s) is
// unchanged at that instant. It counts one read.
func (d *Device) Stimulate(t float64) float64 {
	s := d.f.stimulate(&d.p, 0, t) // s before this stimulus; its increments are added
	gr := d.g * (1 + s)
	d.count.Reads++
	d.count.ReadGSum += gr
	out := gr
	if d.p.ReadNoise > 0 {
		out *= 1 + d.p.ReadNoise*d.ns.norm()
	}
	d.consolidate()
	return out
}

// consolidate moves the part of the facilitation above the threshold into the stored part.
func (d *Device) consolidate() {
	if d.p.STPRate == 0 || d.stuck != notStuck {
		return
	}
	s := d.f.at(&d.p, 0, d.f.Tc)
	ex := s - d.p.STPThreshold
	if ex <= 0 || s <= 0 {
		return
	}
	moved := d.p.STPRate * ex // in units of G
	g := d.c.clip(d.g * (1 + moved))
	// Keep G·(1+s) continuous: the volatile part loses what the stored part gained.
	sNew := (d.g*(1+s))/g - 1
	scale := max(sNew, 0) / s
	d.f.scale(0, scale)
	d.g = g
}

// ResetShortTerm clears the volatile state and sets the time origin to 0.
func (d *Device) ResetShortTerm() { d.f.reset() }

// Relax lets the device sit unstimulated for a time t after programming: its stored part
// relaxes toward Gmin, G ← Gmin + (G − Gmin)·Retained(t), and the volatile part is cleared.
// The power law is not a semigroup, so Relax(t1) then Relax(t2) is not Relax(t1+t2): call it
// once per idle period measured from the last programming.
func (d *Device) Relax(t float64) {
	if d.stuck == notStuck {
		d.g = d.c.gmin + (d.g-d.c.gmin)*d.p.Retained(t)
	}
	d.f.reset()
}

// Clone returns a deep copy with an independent noise stream drawn from seed.
func (d *Device) Clone(seed uint64) *Device {
	e := *d
	e.f = d.f.clone()
	e.src = rand.NewPCG(seed, streamNoise)
	e.rng = rand.New(e.src)
	e.ns = normals{src: e.src}
	return &e
}

// Random streams derived from one seed, in a fixed order.
const (
	streamBuild uint64 = 0x6e616e6f73706b31 // device-to-device draws and stuck devices
	streamNoise uint64 = 0x6e616e6f73706b32 // C2C, read noise (and a Device's stochastic rounding)
	// streamReadNoise seeds an array's read-noise lanes (Array.AddReadNoise).
	streamReadNoise uint64 = 0x6e616e6f73706b33
	// streamRound is an array's stochastic rounding: its own stream, so that the outcomes of a
	// batch of updates do not depend on when their pulses' C2C noise is drawn.
	streamRound uint64 = 0x6e616e6f73706b34
)

// stochasticRound returns ⌊x⌋ + 1 with probability x − ⌊x⌋, else ⌊x⌋ (x ≥ 0).
func stochasticRound(x float64, rng *rand.Rand) float64 {
	fl := math.Floor(x)
	if fr := x - fl; fr > 0 && rng.Float64() < fr {
		return fl + 1
	}
	return fl
}
