package device

import (
	"fmt"
	"math"
)

// Curve is one measured curve of a protocol.
type Curve struct {
	Name   string    `json:"name"`
	XLabel string    `json:"x_label"`
	YLabel string    `json:"y_label"`
	X      []float64 `json:"x"`
	Y      []float64 `json:"y"`
}

// PPFFit is a double-exponential fit PPF(Δt)/100 % = 1 + C1·e^(−Δt/τ1) + C2·e^(−Δt/τ2), τ1 ≤ τ2.
type PPFFit struct {
	C1   float64 `json:"c1"`
	Tau1 float64 `json:"tau1_s"`
	C2   float64 `json:"c2"`
	Tau2 float64 `json:"tau2_s"`
	RMS  float64 `json:"rms"` // root-mean-square residual, in units of PPF/100 %
}

// HighPassFit is a first-order high-pass fit of the gain:
// gain(f) = Low + (High − Low)·(f/fc)/√(1 + (f/fc)²).
type HighPassFit struct {
	CutoffHz float64 `json:"cutoff_hz"`
	Low      float64 `json:"low"`
	High     float64 `json:"high"`
	RMS      float64 `json:"rms"`
}

// RetentionFit is a fit of the review's power law y(t) = A + B·t^(−M).
type RetentionFit struct {
	A   float64 `json:"a"`
	B   float64 `json:"b"`
	M   float64 `json:"m"`
	RMS float64 `json:"rms"`
}

// Row compares one figure of merit quoted by the review with the simulated device.
type Row struct {
	Figure    string  `json:"figure"`
	Unit      string  `json:"unit"`
	Review    float64 `json:"review"`
	Simulated float64 `json:"simulated"`
	// Kind says how Simulated was obtained: KindSimulated, by driving the device through a
	// protocol (a check of the model against the figure), or KindParameter, by restating a
	// parameter (an echo, which checks nothing).
	Kind string `json:"kind"`
	Note string `json:"note,omitempty"`
}

// Kinds of a summary row.
const (
	KindSimulated = "simulated"
	KindParameter = "parameter"
)

// Report is the result of Characterize: every protocol's curve and fit, and the comparison
// with the review's figures. All numbers are finite (0 stands for "not applicable").
type Report struct {
	Device    string       `json:"device"`
	LTPLTD    Curve        `json:"ltp_ltd"`
	PPF       Curve        `json:"ppf"`
	PPFFit    PPFFit       `json:"ppf_fit"`
	EPSC      Curve        `json:"epsc_vs_spikes"`
	Gain      Curve        `json:"gain_vs_frequency"`
	GainFit   HighPassFit  `json:"gain_fit"`
	STDP      Curve        `json:"stdp"`
	Retention Curve        `json:"retention"`
	RetFit    RetentionFit `json:"retention_fit"`
	Summary   []Row        `json:"summary"`
	Notes     []string     `json:"notes,omitempty"`
}

// LTPLTD applies Pmax potentiation pulses and then Pmax depression pulses to d, starting from
// its Gmin, and returns the conductance read (with read noise) after each pulse; X = 0 is the
// start.
func LTPLTD(d *Device) Curve {
	P := d.p.States
	d.SetG(d.c.gmin)
	d.ResetShortTerm()
	c := Curve{Name: "LTP/LTD pulse train", XLabel: "pulse number", YLabel: "conductance (S)"}
	c.X = append(c.X, 0)
	c.Y = append(c.Y, d.Read())
	for k := 1; k <= 2*P; k++ {
		if k <= P {
			d.ProgramContinuous(1)
		} else {
			d.ProgramContinuous(-1)
		}
		c.X = append(c.X, float64(k))
		c.Y = append(c.Y, d.Read())
	}
	return c
}

// pairPPF returns 100 %·A2/A1 for two stimuli Δt apart on d, leaving d's stored and volatile
// state as it was.
func pairPPF(d *Device, dt float64) float64 {
	g, f := d.g, d.f.clone()
	d.f.reset()
	a1 := d.Stimulate(0)
	a2 := d.Stimulate(dt)
	d.g, d.f = g, f
	return 100 * a2 / a1
}

// PPF returns the paired-pulse facilitation index 100 %·A2/A1 of two stimuli vs their interval,
// each point the mean over repeats pairs (≥ 1) as a lab averages out read noise.
func PPF(d *Device, intervals []float64, repeats int) Curve {
	c := Curve{Name: "paired-pulse facilitation", XLabel: "pulse interval (s)", YLabel: "PPF index A2/A1 (%)"}
	repeats = max(repeats, 1)
	for _, dt := range intervals {
		sum := 0.0
		for range repeats {
			sum += pairPPF(d, dt)
		}
		c.X = append(c.X, dt)
		c.Y = append(c.Y, sum/float64(repeats))
	}
	return c
}

// train applies n stimuli at the given interval from a clean volatile state and returns the
// first and last responses; d's state is restored afterwards.
func train(d *Device, n int, interval float64) (first, last float64) {
	g, f := d.g, d.f.clone()
	d.f.reset()
	for k := range n {
		r := d.Stimulate(float64(k) * interval)
		if k == 0 {
			first = r
		}
		last = r
	}
	d.g, d.f = g, f
	return first, last
}

// EPSCvsSpikes returns the response to the last stimulus of trains of n stimuli (for each n in
// counts) at the given interval: spike-number-dependent plasticity.
func EPSCvsSpikes(d *Device, counts []int, interval float64) Curve {
	c := Curve{Name: fmt.Sprintf("EPSC vs spike number (interval %.3g s)", interval),
		XLabel: "spike number", YLabel: "response of the last spike (read conductance, S)"}
	for _, n := range counts {
		_, last := train(d, n, interval)
		c.X = append(c.X, float64(n))
		c.Y = append(c.Y, last)
	}
	return c
}

// GainVsFrequency returns the gain EPSC_n/EPSC_1 of trains of n stimuli at each frequency
// (spike-rate-dependent plasticity; Huang et al. 2020 use n = 50), each point the mean over
// repeats trains (≥ 1).
func GainVsFrequency(d *Device, freqs []float64, n, repeats int) Curve {
	c := Curve{Name: fmt.Sprintf("gain EPSC_%d/EPSC_1 vs spike frequency", n),
		XLabel: "spike frequency (Hz)", YLabel: fmt.Sprintf("gain EPSC_%d/EPSC_1", n)}
	repeats = max(repeats, 1)
	for _, f := range freqs {
		sum := 0.0
		for range repeats {
			first, last := train(d, n, 1/f)
			sum += last / first
		}
		c.X = append(c.X, f)
		c.Y = append(c.Y, sum/float64(repeats))
	}
	return c
}

// STDPWindow returns the relative weight change 100 %·ΔG/G0 of a pre/post pair vs
// Δt = t_post − t_pre, starting each pair from the middle of d's window.
//
// Assumed mechanism (the review shows STDP windows but gives no device model): the pair acts
// through the device's volatile state. The first spike of the pair leaves the facilitation
// s(t) = C1·e^(−t/τ1) + C2·e^(−t/τ2); the second spike, |Δt| later, applies one programming
// pulse whose strength is the fraction s(|Δt|)/(C1 + C2) of a full pulse (a potentiation pulse if
// pre came first, a depression pulse otherwise). The window thus has the device's PPF time
// constants and the amplitude of one pulse at mid-window; without a volatile part it is zero.
func STDPWindow(d *Device, dts []float64) Curve {
	c := Curve{Name: "STDP window", XLabel: "Δt = t_post − t_pre (s)", YLabel: "ΔG/G0 (%)"}
	g, f := d.g, d.f.clone()
	mid := 0.5 * (d.c.gmin + d.c.gmax)
	ctot := d.p.PPFC1 + d.p.PPFC2
	for _, dt := range dts {
		d.SetG(mid)
		g0 := d.g
		d.f.reset()
		if ctot > 0 {
			d.f.stimulate(&d.p, 0, 0)
			s := d.f.at(&d.p, 0, math.Abs(dt))
			d.ProgramContinuous(math.Copysign(s/ctot, dt))
		}
		c.X = append(c.X, dt)
		c.Y = append(c.Y, 100*(d.g-g0)/g0)
	}
	d.g, d.f = g, f
	return c
}

// RetentionCurve programs d from its Gmin to its Gmax with Pmax pulses and returns the retained
// fraction (G(t) − Gmin)/(G0 − Gmin), read with read noise, at each time t after programming.
func RetentionCurve(d *Device, times []float64) Curve {
	c := Curve{Name: "retention", XLabel: "time after programming (s)", YLabel: "retained fraction of the stored part"}
	g, f := d.g, d.f.clone()
	d.SetG(d.c.gmin)
	d.ProgramContinuous(float64(d.p.States))
	g0 := d.g
	for _, t := range times {
		d.g = g0
		d.Relax(t)
		y := 0.0
		if g0 > d.c.gmin {
			y = (d.Read() - d.c.gmin) / (g0 - d.c.gmin)
		}
		c.X = append(c.X, t)
		c.Y = append(c.Y, y)
	}
	d.g, d.f = g, f
	return c
}

// logspace returns n points from lo to hi, evenly spaced in log.
func logspace(lo, hi float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = lo * math.Pow(hi/lo, float64(i)/float64(n-1))
	}
	return out
}

// lsq2 solves the least-squares fit y ≈ a·u + b·v; ok is false if the basis is degenerate.
func lsq2(u, v, y []float64) (a, b, sse float64, ok bool) {
	var uu, uv, vv, uy, vy float64
	for i := range y {
		uu += u[i] * u[i]
		uv += u[i] * v[i]
		vv += v[i] * v[i]
		uy += u[i] * y[i]
		vy += v[i] * y[i]
	}
	det := uu*vv - uv*uv
	if math.Abs(det) <= 1e-12*uu*vv || det == 0 {
		return 0, 0, math.Inf(1), false
	}
	a = (uy*vv - vy*uv) / det
	b = (vy*uu - uy*uv) / det
	for i := range y {
		r := y[i] - a*u[i] - b*v[i]
		sse += r * r
	}
	return a, b, sse, true
}

// lsq1 fits y ≈ a·u.
func lsq1(u, y []float64) (a, sse float64) {
	var uu, uy float64
	for i := range y {
		uu += u[i] * u[i]
		uy += u[i] * y[i]
	}
	if uu > 0 {
		a = uy / uu
	}
	for i := range y {
		r := y[i] - a*u[i]
		sse += r * r
	}
	return a, sse
}

// FitPPF fits PPF(Δt) = 100 %·(1 + C1·e^(−Δt/τ1) + C2·e^(−Δt/τ2)) to a PPF curve (x in s, y in
// %), by variable projection: for given τ1, τ2 the amplitudes are a linear least-squares fit,
// and the time constants are found by a log-grid search refined by coordinate descent. If one
// exponential fits nearly as well as two (see below), the single-exponential fit is returned
// with C2 = τ2 = 0.
func FitPPF(x, y []float64) PPFFit {
	n := len(x)
	if n < 2 {
		return PPFFit{}
	}
	z := make([]float64, n)
	for i := range y {
		z[i] = y[i]/100 - 1
	}
	lo, hi := math.Inf(1), 0.0
	for _, v := range x {
		if v > 0 {
			lo = min(lo, v)
			hi = max(hi, v)
		}
	}
	if math.IsInf(lo, 1) {
		return PPFFit{}
	}
	lo, hi = lo/10, hi*10
	u := make([]float64, n)
	v := make([]float64, n)
	two := func(t1, t2 float64) (c1, c2, sse float64) {
		for i, xi := range x {
			u[i] = math.Exp(-xi / t1)
			v[i] = math.Exp(-xi / t2)
		}
		c1, c2, sse, ok := lsq2(u, v, z)
		if !ok {
			return 0, 0, math.Inf(1)
		}
		return c1, c2, sse
	}
	one := func(t float64) (c, sse float64) {
		for i, xi := range x {
			u[i] = math.Exp(-xi / t)
		}
		return lsq1(u, z)
	}
	// Single exponential by grid + golden refinement.
	grid := logspace(lo, hi, 200)
	best1, bt := math.Inf(1), grid[0]
	for _, t := range grid {
		if _, s := one(t); s < best1 {
			best1, bt = s, t
		}
	}
	r := math.Pow(hi/lo, 1.0/199)
	bt = goldenLog(func(t float64) float64 { _, s := one(t); return s }, bt/r, bt*r)
	c, best1 := one(bt)
	fit1 := PPFFit{C1: c, Tau1: bt, RMS: math.Sqrt(best1 / float64(n))}

	// Two exponentials.
	g2 := logspace(lo, hi, 50)
	best2, b1, b2 := math.Inf(1), 0.0, 0.0
	for i, t1 := range g2 {
		for _, t2 := range g2[i+1:] {
			if _, _, s := two(t1, t2); s < best2 {
				best2, b1, b2 = s, t1, t2
			}
		}
	}
	// Refine by alternating golden-section searches on each time constant (coordinate descent
	// in log τ), within a grid cell's width of the best grid point.
	if b1 > 0 {
		w := math.Pow(hi/lo, 2.0/49)
		for range 8 {
			b1 = goldenLog(func(t float64) float64 { _, _, s := two(t, b2); return s }, b1/w, b1*w)
			b2 = goldenLog(func(t float64) float64 { _, _, s := two(b1, t); return s }, b2/w, b2*w)
		}
	}
	c1, c2, s2 := two(b1, b2)
	// Keep the second exponential only if both amplitudes are positive and it explains clearly
	// more (10 % of the residual) than one exponential: with read noise, two extra parameters
	// always buy a little.
	if b1 == 0 || c1 <= 0 || c2 <= 0 || !(s2 < 0.9*best1) || math.IsInf(s2, 0) {
		return fit1
	}
	if b1 > b2 {
		b1, b2, c1, c2 = b2, b1, c2, c1
	}
	return PPFFit{C1: c1, Tau1: b1, C2: c2, Tau2: b2, RMS: math.Sqrt(s2 / float64(n))}
}

// goldenLog minimises f on [a, b] (a, b > 0) by golden-section search in log.
func goldenLog(f func(float64) float64, a, b float64) float64 {
	la, lb := math.Log(a), math.Log(b)
	const gr = 0.6180339887498949
	c := lb - gr*(lb-la)
	d := la + gr*(lb-la)
	fc, fd := f(math.Exp(c)), f(math.Exp(d))
	for range 60 {
		if fc < fd {
			lb, d, fd = d, c, fc
			c = lb - gr*(lb-la)
			fc = f(math.Exp(c))
		} else {
			la, c, fc = c, d, fd
			d = la + gr*(lb-la)
			fd = f(math.Exp(d))
		}
	}
	return math.Exp(0.5 * (la + lb))
}

// FitHighPass fits the first-order high-pass response
// gain(f) = Low + (High − Low)·(f/fc)/√(1 + (f/fc)²) to a gain curve. The cutoff is where the
// rise reaches 1/√2 of its full swing: the −3 dB point of a first-order high-pass filter, the
// function Huang et al. (2020) fitted to find their device's 4.8 Hz (as the review reports;
// their exact fitting function is not given there).
func FitHighPass(f, gain []float64) HighPassFit {
	n := len(f)
	if n < 3 {
		return HighPassFit{}
	}
	lo, hi := math.Inf(1), 0.0
	for _, v := range f {
		lo = min(lo, v)
		hi = max(hi, v)
	}
	if !(lo > 0) || hi <= lo {
		return HighPassFit{}
	}
	ones := make([]float64, n)
	h := make([]float64, n)
	for i := range ones {
		ones[i] = 1
	}
	sse := func(fc float64) (g0, dg, s float64) {
		for i, fi := range f {
			x := fi / fc
			h[i] = x / math.Sqrt(1+x*x)
		}
		g0, dg, s, ok := lsq2(ones, h, gain)
		if !ok {
			return 0, 0, math.Inf(1)
		}
		return g0, dg, s
	}
	grid := logspace(lo/10, hi*10, 300)
	best, bf := math.Inf(1), 0.0
	for _, fc := range grid {
		if _, _, s := sse(fc); s < best {
			best, bf = s, fc
		}
	}
	if bf == 0 {
		return HighPassFit{}
	}
	r := math.Pow(100*hi/lo, 1.0/299)
	bf = goldenLog(func(fc float64) float64 { _, _, s := sse(fc); return s }, bf/r, bf*r)
	g0, dg, s := sse(bf)
	return HighPassFit{CutoffHz: bf, Low: g0, High: g0 + dg, RMS: math.Sqrt(s / float64(n))}
}

// FitRetention fits y = A + B·t^(−M) (t in s, M in [0, 5]) by a grid over M refined by golden
// section, with A and B a linear least-squares fit for each M.
func FitRetention(t, y []float64) RetentionFit {
	n := len(t)
	if n < 3 {
		return RetentionFit{}
	}
	ones := make([]float64, n)
	u := make([]float64, n)
	for i := range ones {
		ones[i] = 1
	}
	sse := func(m float64) (a, b, s float64) {
		for i, ti := range t {
			u[i] = math.Pow(ti, -m)
		}
		a, b, s, ok := lsq2(ones, u, y)
		if !ok {
			return 0, 0, math.Inf(1)
		}
		return a, b, s
	}
	best, bm := math.Inf(1), 0.0
	const steps = 500
	for k := 1; k <= steps; k++ {
		m := 5 * float64(k) / steps
		if _, _, s := sse(m); s < best {
			best, bm = s, m
		}
	}
	// Golden refinement in linear m.
	a0, b0 := max(bm-0.01, 1e-6), bm+0.01
	const gr = 0.6180339887498949
	c, d := b0-gr*(b0-a0), a0+gr*(b0-a0)
	_, _, fc := sse(c)
	_, _, fd := sse(d)
	for range 60 {
		if fc < fd {
			b0, d, fd = d, c, fc
			c = b0 - gr*(b0-a0)
			_, _, fc = sse(c)
		} else {
			a0, c, fc = c, d, fd
			d = a0 + gr*(b0-a0)
			_, _, fd = sse(d)
		}
	}
	if m := 0.5 * (a0 + b0); func() bool { _, _, s := sse(m); return s <= best }() {
		bm = m
	}
	a, b, s := sse(bm)
	if math.IsInf(s, 0) {
		return RetentionFit{}
	}
	return RetentionFit{A: a, B: b, M: bm, RMS: math.Sqrt(s / float64(n))}
}

// stpRange returns the shortest and longest volatile time constants of p (0, 0 without STP).
func stpRange(p *Params) (lo, hi float64) {
	lo = math.Inf(1)
	for _, x := range []struct{ c, tau float64 }{{p.PPFC1, p.PPFTau1}, {p.PPFC2, p.PPFTau2}} {
		if x.c != 0 && x.tau > 0 {
			lo = min(lo, x.tau)
			hi = max(hi, x.tau)
		}
	}
	if hi == 0 {
		return 0, 0
	}
	return lo, hi
}

// characterizeRepeats is the number of pairs or trains Characterize averages per point.
const characterizeRepeats = 20

// Characterize runs every protocol on a nominal device of p (NominalDevice, noise from seed)
// and compares the results with the figures the review quotes (p.Review):
//
//   - LTP/LTD: Pmax pulses up, Pmax down.
//   - PPF: 40 intervals from τmin/20 to 5·τmax (20 pairs each), with the double-exponential fit.
//   - EPSC vs spike number (1…50) at the review's PPF interval (else τmin).
//   - Gain EPSC_50/EPSC_1 at 40 frequencies from 0.02/τmax to 2000/τmin (20 trains each), with
//     the high-pass fit.
//   - STDP window for |Δt| from τmin/20 to 5·τmax.
//   - Retention at 30 times from 1 s to 10⁵ s (or 10× the review's retention time), with the
//     power-law fit.
func Characterize(p *Params, seed uint64) (*Report, error) {
	d, err := NominalDevice(p, seed)
	if err != nil {
		return nil, err
	}
	rep := &Report{Device: p.Name}
	rep.LTPLTD = LTPLTD(d)

	tlo, thi := stpRange(p)
	if thi == 0 {
		tlo, thi = 1e-3, 1
		rep.Notes = append(rep.Notes, "no short-term component (ppf_c1 = ppf_c2 = 0): PPF, gain and STDP curves are flat; their fits are 0")
	}
	d.ResetShortTerm()
	rep.PPF = PPF(d, logspace(tlo/20, 5*thi, 40), characterizeRepeats)
	if p.hasSTP() {
		rep.PPFFit = FitPPF(rep.PPF.X, rep.PPF.Y)
	}

	interval := p.Review.PPFDt
	if interval <= 0 {
		interval = tlo
	}
	counts := []int{1, 2, 3, 5, 7, 10, 15, 20, 30, 40, 50}
	rep.EPSC = EPSCvsSpikes(d, counts, interval)

	rep.Gain = GainVsFrequency(d, logspace(0.02/thi, 2000/tlo, 40), 50, characterizeRepeats)
	if p.hasSTP() {
		rep.GainFit = FitHighPass(rep.Gain.X, rep.Gain.Y)
	}

	pos := logspace(tlo/20, 5*thi, 20)
	dts := make([]float64, 0, 2*len(pos))
	for i := len(pos) - 1; i >= 0; i-- {
		dts = append(dts, -pos[i])
	}
	dts = append(dts, pos...)
	rep.STDP = STDPWindow(d, dts)
	rep.Notes = append(rep.Notes, "STDP window: assumed mechanism (the pair acts through the volatile state; see STDPWindow)")

	tmax := 1e5
	if p.Review.Retention > 0 {
		tmax = max(tmax, 10*p.Review.Retention)
	}
	rep.Retention = RetentionCurve(d, logspace(1, tmax, 30))
	if p.RetA != 0 || p.RetB != 0 {
		rep.RetFit = FitRetention(rep.Retention.X, rep.Retention.Y)
	} else {
		rep.Notes = append(rep.Notes, "no retention data (retention_a = retention_b = 0): the stored part is kept forever")
	}
	if p.STPRate > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("STP→LTP transition on: threshold %g, rate %g (assumed model)", p.STPThreshold, p.STPRate))
	}
	rep.Summary = summarize(p, d, rep)
	return rep, nil
}

// summarize builds the review-vs-simulated rows for the figures the review quotes.
func summarize(p *Params, d *Device, rep *Report) []Row {
	rv := p.Review
	var rows []Row
	if rv.OnOff > 0 {
		e := d.Clone(0)
		e.sigmaW = 0
		e.SetG(e.c.gmin)
		g0 := e.g
		e.Program(float64(p.States))
		sim := 0.0
		if g0 > 0 {
			sim = e.g / g0
		}
		rows = append(rows, Row{Figure: "on/off ratio", Unit: "Gmax/Gmin", Review: rv.OnOff, Simulated: sim, Kind: KindSimulated,
			Note: "stored G after Pmax pulses from Gmin (without C2C noise) / G at start"})
	}
	if rv.States > 0 {
		rows = append(rows, Row{Figure: "conductance states", Unit: "pulses Gmin→Gmax", Review: float64(rv.States),
			Simulated: float64(p.States), Kind: KindParameter, Note: "a parameter (Pmax), not a measurement"})
	}
	if rv.PPFIndex > 0 {
		dt := rv.PPFDt
		note := fmt.Sprintf("mean of %d pairs at Δt = %g s", characterizeRepeats, dt)
		if dt <= 0 {
			lo, _ := stpRange(p)
			dt = max(lo, 1e-3)
			note = fmt.Sprintf("review gives no interval; mean of %d pairs at Δt = %g s", characterizeRepeats, dt)
		}
		// The mean of several pairs, as the PPF curve and a lab do: one pair's ratio carries
		// √2 times the read noise.
		if IsAssumedSource(p.Source["review.ppf_dt_s"]) && rv.PPFDt > 0 {
			note += " (the interval is assumed: the source quotes none)"
		}
		ppf := PPF(d, []float64{dt}, characterizeRepeats).Y[0]
		rows = append(rows, Row{Figure: "PPF index", Unit: "%", Review: rv.PPFIndex, Simulated: ppf, Kind: KindSimulated, Note: note})
	}
	if rv.CutoffHz > 0 {
		rows = append(rows, Row{Figure: "gain high-pass cutoff", Unit: "Hz", Review: rv.CutoffHz, Simulated: rep.GainFit.CutoffHz,
			Kind: KindSimulated, Note: "first-order high-pass fit of EPSC_50/EPSC_1 vs frequency"})
	}
	if rv.EEvent > 0 {
		row := Row{Figure: "energy per synaptic event", Unit: "J", Review: rv.EEvent}
		if p.VPot > 0 {
			// One potentiation pulse from mid-window: the channel conducts at V_pot for t_pulse.
			e := d.Clone(0)
			e.sigmaW = 0
			e.SetG((e.c.gmin + e.c.gmax) / 2)
			g0 := e.g
			e.Program(1)
			row.Simulated = p.VPot * p.VPot * (g0 + e.g) / 2 * p.TPulse
			row.Kind, row.Note = KindSimulated, "one potentiation pulse from mid-window: V_pot²·G·t_pulse, G its mean over the pulse"
		} else {
			row.Simulated = p.EPot
			row.Kind, row.Note = KindParameter, "the preset's e_pot_j (a parameter: no v_pot_v to simulate it from)"
		}
		rows = append(rows, row)
	}
	if rv.Retention > 0 {
		y := p.Retained(rv.Retention)
		sim := rv.Retention
		if y < 0.5 {
			// Time at which half the stored part is lost, by bisection in log t.
			a, b := 1.0, rv.Retention
			for range 100 {
				m := math.Sqrt(a * b)
				if p.Retained(m) >= 0.5 {
					a = m
				} else {
					b = m
				}
			}
			sim = a
		}
		rows = append(rows, Row{Figure: "retention time", Unit: "s", Review: rv.Retention, Simulated: sim, Kind: KindSimulated,
			Note: fmt.Sprintf("simulated: time the stored part stays ≥ 50 %% (capped at the review's time); retained there: %.3g", y)})
	}
	if rv.Response > 0 {
		rows = append(rows, Row{Figure: "response time", Unit: "s", Review: rv.Response, Simulated: p.Response, Kind: KindParameter,
			Note: "a parameter (informational), not simulated"})
	}
	return rows
}
