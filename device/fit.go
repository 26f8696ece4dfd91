package device

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Fitting a device to a measured LTP/LTD pulse curve.
//
// The model is the simulator's own (doc.go): with y(x; NL) = (1 − e^(−κx/P))/(1 − e^(−κ)),
// κ = 1/NormalizedA(NL), P = Pmax,
//
//	LTP, x pulses after the start:       G = Gmin + (Gmax − Gmin)·y(x; NL_LTP)
//	LTD, x pulses after the LTP's end:    G = Gmin + (Gmax − Gmin)·y(max(P − x, 0); NL_LTD)
//
// Pmax is the number of potentiation pulses of the measured LTP part: the curve is taken to span
// the device's whole window, so the label NL describes the measured range. (A curve that goes
// on pulsing after it saturates will get a larger |NL| than its device.) The LTD part is fitted
// with the same Pmax, as the simulator walks it; Fit warns if its pulse count differs by more
// than 10 %. For given labels the model is linear in Gmin and Gmax, so those come from a 2×2 least-squares
// solve; the labels are found by a grid search over [−9, 9]² refined by Nelder–Mead (variable
// projection). Without a label column, the split between the LTP and LTD parts is searched near
// the curve's peak for the smallest residual.

// MaxFitNL is the largest |NL| the fitter returns: the end of NeuroSim's table, beyond which
// NormalizedA is constant.
const MaxFitNL = 9.0

// minCurvePoints is the fewest rows a curve file must have, and minPhasePoints the fewest in
// each of its LTP and LTD parts.
const (
	minCurvePoints = 6
	minPhasePoints = 3
)

// CurvePoint is one row of a measured curve.
type CurvePoint struct {
	Pulse float64 // pulse number, as in the file
	G     float64 // conductance (S, after FitConfig.Unit)
	Line  int     // line of the file
}

// MeasuredCurve is a measured LTP/LTD pulse curve: the potentiation part, then the depression
// part.
type MeasuredCurve struct {
	File string
	LTP  []CurvePoint
	LTD  []CurvePoint
	// Labelled is true when the file had an ltp/ltd column; otherwise the split between the
	// parts is chosen by Fit (LTP holds every row and LTD is empty until then).
	Labelled bool
}

// FitConfig configures Fit.
type FitConfig struct {
	// Name of the fitted device. Default: the curve file's base name without extension.
	Name string `json:"name"`
	// Unit is the number of siemens per unit of the file's conductance column (1e-9 for a
	// column in nS). Default 1.
	Unit float64 `json:"unit"`
	// Base supplies every field the fit does not determine (noise, energy, STP, retention),
	// with its source prefixed "assumed: as device <name>". Nil: NeuroSim's default cell with no
	// noise, no short-term part and no retention loss (each marked "assumed").
	Base *Params `json:"-"`
}

// DefaultFitConfig returns the defaults: the name from the file, conductances in siemens, no
// base device.
func DefaultFitConfig() FitConfig { return FitConfig{Unit: 1} }

// Validate reports an impossible configuration.
func (c FitConfig) Validate() error {
	if !(c.Unit > 0) || math.IsInf(c.Unit, 0) {
		return fmt.Errorf("device: fit: unit must be a positive number of siemens, got %g", c.Unit)
	}
	if c.Base != nil {
		if err := c.Base.Validate(); err != nil {
			return fmt.Errorf("device: fit: base device: %w", err)
		}
	}
	return nil
}

// FitResult is a fitted device and how well it fits.
type FitResult struct {
	Params *Params `json:"-"` // the fitted device, ready for WriteJSON

	Gmin   float64 `json:"gmin_s"`
	Gmax   float64 `json:"gmax_s"`
	States int     `json:"states"`
	NLLTP  float64 `json:"nl_ltp"`
	NLLTD  float64 `json:"nl_ltd"`

	PointsLTP int `json:"points_ltp"`
	PointsLTD int `json:"points_ltd"`
	// RMSE of the conductance (S), over both parts and per part, and R² over both.
	RMSE    float64 `json:"rmse_s"`
	RMSELTP float64 `json:"rmse_ltp_s"`
	RMSELTD float64 `json:"rmse_ltd_s"`
	R2      float64 `json:"r2"`
	// NRMSE is RMSE/(Gmax − Gmin).
	NRMSE float64 `json:"nrmse"`

	// X and G are the fitted points: X the pulse count from the start of the LTP train (the LTD
	// part continues it), G the measured conductance; Model the fitted curve there.
	X     []float64 `json:"-"`
	G     []float64 `json:"-"`
	Model []float64 `json:"-"`

	Warnings []string `json:"warnings,omitempty"`
}

// ReadCurveFile reads a measured curve from a CSV file; see ReadCurve.
func ReadCurveFile(path string, unit float64) (*MeasuredCurve, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("device: reading curve: %w", err)
	}
	defer f.Close()
	return ReadCurve(f, path, unit)
}

// ReadCurve reads a measured LTP/LTD curve. Each row is "pulse, conductance" or
// "pulse, conductance, ltp|ltd", separated by commas, semicolons, tabs or spaces; blank lines
// and lines starting with # are skipped, and the first row may be a header. Conductances are
// multiplied by unit (siemens per file unit).
//
// Pulse numbers count pulses from the start of the LTP train: a row at pulse 0 is the state
// before the first pulse, and a first row at pulse n > 1 is taken as one pulse in. Without a
// label column they must increase through the whole file (LTP rows, then LTD rows continuing
// the count); with one, they must increase within each part, and the LTD part may restart its
// count. Every error names the file and the line.
func ReadCurve(r io.Reader, name string, unit float64) (*MeasuredCurve, error) {
	if !(unit > 0) {
		return nil, fmt.Errorf("device: curve %s: unit must be > 0, got %g", name, unit)
	}
	c := &MeasuredCurve{File: name}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	line := 0
	cols := 0 // number of columns of the data rows, fixed by the first one
	seenData, seenHeader := false, false
	var prev *CurvePoint // previous row of the same part
	var prevLabel string
	bad := func(format string, args ...any) error {
		return fmt.Errorf("device: curve %s:%d: %s", name, line, fmt.Sprintf(format, args...))
	}
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if line == 1 {
			text = strings.TrimPrefix(text, "\uFEFF") // UTF-8 byte-order mark
		}
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := splitFields(text)
		if !seenData && !seenHeader && !isNumber(fields[0]) {
			seenHeader = true // a header line: column names
			continue
		}
		if len(fields) < 2 || len(fields) > 3 {
			return nil, bad("want 2 columns (pulse, conductance) or 3 (pulse, conductance, ltp|ltd), got %d", len(fields))
		}
		if cols == 0 {
			cols = len(fields)
			c.Labelled = cols == 3
		} else if len(fields) != cols {
			return nil, bad("%d columns, but the first data row has %d", len(fields), cols)
		}
		pulse, err := parseNumber(fields[0])
		if err != nil {
			return nil, bad("pulse number: %v", err)
		}
		g, err := parseNumber(fields[1])
		if err != nil {
			return nil, bad("conductance: %v", err)
		}
		if pulse < 0 {
			return nil, bad("pulse number %g is negative", pulse)
		}
		if g < 0 {
			return nil, bad("conductance %g is negative", g)
		}
		pt := CurvePoint{Pulse: pulse, G: g * unit, Line: line}
		label := "ltp"
		if c.Labelled {
			label = strings.ToLower(strings.Trim(fields[2], `"' `))
			if label != "ltp" && label != "ltd" {
				return nil, bad("third column must be ltp or ltd, got %q", fields[2])
			}
			if label == "ltp" && prevLabel == "ltd" {
				return nil, bad("an ltp row after ltd rows: the file must hold one LTP part, then one LTD part")
			}
			if label != prevLabel {
				prev = nil // the LTD part may restart its count
			}
		}
		if prev != nil && !(pulse > prev.Pulse) {
			hint := ""
			if !c.Labelled {
				hint = "; if the LTD part restarts the count, add a third column ltp|ltd"
			}
			return nil, bad("pulse number %g does not increase (previous %g at line %d)%s", pulse, prev.Pulse, prev.Line, hint)
		}
		if label == "ltp" {
			c.LTP = append(c.LTP, pt)
			prev = &c.LTP[len(c.LTP)-1]
		} else {
			c.LTD = append(c.LTD, pt)
			prev = &c.LTD[len(c.LTD)-1]
		}
		prevLabel = label
		seenData = true
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("device: curve %s:%d: %w", name, line+1, err)
	}
	n := len(c.LTP) + len(c.LTD)
	if n < minCurvePoints {
		return nil, fmt.Errorf("device: curve %s: %d data rows, need at least %d (an LTP part and an LTD part)", name, n, minCurvePoints)
	}
	if c.Labelled {
		for _, ph := range []struct {
			name string
			pts  []CurvePoint
		}{{"ltp", c.LTP}, {"ltd", c.LTD}} {
			if len(ph.pts) < minPhasePoints {
				return nil, fmt.Errorf("device: curve %s: %d %s rows, need at least %d", name, len(ph.pts), ph.name, minPhasePoints)
			}
		}
	}
	return c, nil
}

// splitFields splits a CSV row on commas, semicolons, tabs or runs of spaces.
func splitFields(s string) []string {
	var sep func(rune) bool
	if strings.ContainsAny(s, ",;\t") {
		sep = func(r rune) bool { return r == ',' || r == ';' || r == '\t' }
	} else {
		sep = func(r rune) bool { return r == ' ' }
	}
	parts := strings.FieldsFunc(s, sep)
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	// A trailing separator (e.g. "1,2,") gives no field: FieldsFunc drops empties, but an empty
	// field in the middle would shift columns, so keep the rule simple: reject it in the caller
	// through the column count.
	return parts
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(strings.Trim(s, `"' `), 64)
	return err == nil || errors.Is(err, strconv.ErrRange)
}

// parseNumber parses a finite number.
func parseNumber(s string) (float64, error) {
	t := strings.Trim(s, `"' `)
	v, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q is not a finite number", s)
	}
	return v, nil
}

// FitFile reads a curve file and fits it; see Fit.
func FitFile(path string, cfg FitConfig) (*FitResult, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c, err := ReadCurveFile(path, cfg.Unit)
	if err != nil {
		return nil, err
	}
	return Fit(c, cfg)
}

// phaseData is a curve in the fitter's coordinates.
type phaseData struct {
	xP, gP []float64 // LTP: pulses since the start, conductance
	xD, gD []float64 // LTD: pulses since the end of LTP
	pmax   float64
	lines  [2]int // first and last line, for messages
}

// ltpOffset is the pulse number at which a part's count starts: 0 if it begins at pulse 0 or 1,
// else one before its first row.
func ltpOffset(first float64) float64 {
	if first <= 1 {
		return 0
	}
	return first - 1
}

// split builds the fitter's coordinates with rows [0, s] as LTP and the rest as LTD (for an
// unlabelled curve), or from the labels.
func (c *MeasuredCurve) split(s int) (*phaseData, error) {
	ltp, ltd := c.LTP, c.LTD
	if !c.Labelled {
		ltp, ltd = c.LTP[:s+1], c.LTP[s+1:]
	}
	if len(ltp) < minPhasePoints || len(ltd) < minPhasePoints {
		return nil, fmt.Errorf("device: curve %s: LTP part has %d rows and LTD part %d, need at least %d each", c.File, len(ltp), len(ltd), minPhasePoints)
	}
	d := &phaseData{lines: [2]int{ltp[0].Line, ltd[len(ltd)-1].Line}}
	off := ltpOffset(ltp[0].Pulse)
	for _, p := range ltp {
		d.xP = append(d.xP, p.Pulse-off)
		d.gP = append(d.gP, p.G)
	}
	d.pmax = d.xP[len(d.xP)-1]
	last := ltp[len(ltp)-1].Pulse
	offD := last // LTD continues the count
	if ltd[0].Pulse <= last {
		offD = ltpOffset(ltd[0].Pulse) // LTD restarts its count
	}
	for _, p := range ltd {
		d.xD = append(d.xD, p.Pulse-offD)
		d.gD = append(d.gD, p.G)
	}
	if d.pmax < 2 {
		return nil, fmt.Errorf("device: curve %s: the LTP part spans %g pulses, need at least 2", c.File, d.pmax)
	}
	return d, nil
}

// checkDirections fails unless the LTP part rises and the LTD part falls (comparing the means
// of the first and last two rows of each, so single noisy rows do not decide).
func (d *phaseData) checkDirections(file string) error {
	ends := func(g []float64) (a, b float64) {
		k := min(2, len(g)/2)
		for i := range k {
			a += g[i] / float64(k)
			b += g[len(g)-1-i] / float64(k)
		}
		return a, b
	}
	if a, b := ends(d.gP); !(b > a) {
		return fmt.Errorf("device: curve %s: the LTP part does not rise (%g S at its start, %g S at its end)", file, a, b)
	}
	if a, b := ends(d.gD); !(b < a) {
		return fmt.Errorf("device: curve %s: the LTD part does not fall (%g S at its start, %g S at its end)", file, a, b)
	}
	return nil
}

// ynorm is the normalised branch y(x) = (1 − e^(−κ·x/P))/(1 − e^(−κ)) of NeuroSim's law, with
// κ = P/A = 1/NormalizedA(NL) (0: linear).
func ynorm(x, pmax, kappa float64) float64 {
	if math.Abs(kappa) < linearK {
		return x / pmax
	}
	return math.Expm1(-kappa*x/pmax) / math.Expm1(-kappa)
}

// basis fills y with the normalised model at the data points for labels (nlP, nlD).
func (d *phaseData) basis(y []float64, nlP, nlD float64) {
	kP, kD := 1/NormalizedA(nlP), 1/NormalizedA(nlD)
	i := 0
	for _, x := range d.xP {
		y[i] = ynorm(x, d.pmax, kP)
		i++
	}
	for _, x := range d.xD {
		y[i] = ynorm(max(d.pmax-x, 0), d.pmax, kD)
		i++
	}
}

// solveWindow returns the least-squares Gmin, Gmax of g ≈ Gmin·(1 − y) + Gmax·y, with Gmin ≥ 0,
// and the sum of squared residuals.
func solveWindow(y, g []float64) (gmin, gmax, sse float64) {
	gmin, gmax = sumsOf(y, g).window()
	for i := range y {
		r := g[i] - gmin*(1-y[i]) - gmax*y[i]
		sse += r * r
	}
	return gmin, gmax, sse
}

// normalSums are the sums of the least-squares problem g ≈ Gmin·(1 − y) + Gmax·y.
type normalSums struct{ s11, s12, s22, b1, b2 float64 }

func sumsOf(y, g []float64) normalSums {
	var m normalSums
	for i := range y {
		u, v := 1-y[i], y[i]
		m.s11 += u * u
		m.s12 += u * v
		m.s22 += v * v
		m.b1 += u * g[i]
		m.b2 += v * g[i]
	}
	return m
}

func (m normalSums) add(o normalSums) normalSums {
	return normalSums{m.s11 + o.s11, m.s12 + o.s12, m.s22 + o.s22, m.b1 + o.b1, m.b2 + o.b2}
}

// window solves the normal equations for Gmin, Gmax; if that gives Gmin < 0 (or the system is
// singular) it fits Gmax alone with Gmin = 0.
func (m normalSums) window() (gmin, gmax float64) {
	det := m.s11*m.s22 - m.s12*m.s12
	if det > 1e-12*m.s11*m.s22 {
		gmin = (m.b1*m.s22 - m.b2*m.s12) / det
		gmax = (m.b2*m.s11 - m.b1*m.s12) / det
	}
	if !(det > 1e-12*m.s11*m.s22) || gmin < 0 {
		gmin = 0
		if m.s22 > 0 {
			gmax = m.b2 / m.s22
		}
	}
	return gmin, gmax
}

// sse returns the residual of the least-squares window from the sums and gg = Σg².
func (m normalSums) sse(gg float64) float64 {
	gmin, gmax := m.window()
	return gg - 2*(gmin*m.b1+gmax*m.b2) + gmin*gmin*m.s11 + 2*gmin*gmax*m.s12 + gmax*gmax*m.s22
}

// fitLabels finds the labels that minimise the residual for d: a grid over [−9, 9]² with the
// given step, refined by Nelder–Mead unless coarse. g is the data scaled to order 1.
func (d *phaseData) fitLabels(g []float64, step float64, refine bool) (nlP, nlD, sse float64) {
	y := make([]float64, len(g))
	obj := func(p, q float64) float64 {
		d.basis(y, p, q)
		_, _, s := solveWindow(y, g)
		return s
	}
	// The labels interact only through the shared window, whose least-squares solve needs five
	// sums over the points; each branch's part of them depends on its own label only. So the
	// 2-D grid costs one pass over each branch's points per label value plus O(1) per pair.
	n := int(math.Round(MaxFitNL / step))
	nP := len(d.xP)
	sumsP := make([]normalSums, 2*n+1)
	sumsD := make([]normalSums, 2*n+1)
	for i := -n; i <= n; i++ {
		nl := float64(i) * step
		d.basis(y, nl, nl)
		sumsP[i+n] = sumsOf(y[:nP], g[:nP])
		sumsD[i+n] = sumsOf(y[nP:], g[nP:])
	}
	var gg float64
	for _, v := range g {
		gg += v * v
	}
	best := math.Inf(1)
	for i := range sumsP {
		for j := range sumsD {
			if s := sumsP[i].add(sumsD[j]).sse(gg); s < best {
				best, nlP, nlD = s, float64(i-n)*step, float64(j-n)*step
			}
		}
	}
	best = obj(nlP, nlD) // exact, without the cancellation of the sums
	if !refine {
		return nlP, nlD, best
	}
	clamp := func(v float64) float64 { return math.Max(-MaxFitNL, math.Min(MaxFitNL, v)) }
	f := func(p, q float64) float64 {
		// The clamped curve is flat in NL beyond the table: steer the simplex back inside.
		pen := max(math.Abs(p)-MaxFitNL, 0) + max(math.Abs(q)-MaxFitNL, 0)
		return obj(clamp(p), clamp(q)) * (1 + 1e3*pen)
	}
	p, q, s := nelderMead2(f, nlP, nlD, step/2, 1e-7, 400)
	if s < best {
		nlP, nlD = clamp(p), clamp(q)
		best = obj(nlP, nlD)
	}
	return nlP, nlD, best
}

// Fit fits NeuroSim's pulse-response law to a measured LTP/LTD curve and returns the fitted
// device: Gmin, Gmax, States (Pmax) and the two NL labels, each with the source "fitted from
// <file> by nanospike device fit"; every other field comes from cfg.Base or from documented
// assumptions. It fails when the curve cannot be split into an LTP and an LTD part of at least 3
// rows each or the fitted window is empty.
func Fit(c *MeasuredCurve, cfg FitConfig) (*FitResult, error) {
	if cfg.Unit == 0 {
		cfg.Unit = 1
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	all := slices.Concat(c.LTP, c.LTD)
	if len(all) < minCurvePoints {
		return nil, fmt.Errorf("device: curve %s: %d rows, need at least %d", c.File, len(all), minCurvePoints)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range all {
		lo, hi = min(lo, p.G), max(hi, p.G)
	}
	if !(hi > lo) {
		return nil, fmt.Errorf("device: curve %s: every conductance is %g: nothing to fit", c.File, lo)
	}
	scale := hi
	gs := make([]float64, len(all))
	for i, p := range all {
		gs[i] = p.G / scale
	}

	var d *phaseData
	var warnings []string
	if c.Labelled {
		var err error
		if d, err = c.split(0); err != nil {
			return nil, err
		}
	} else {
		var err error
		d, err = c.bestSplit(gs)
		if err != nil {
			return nil, err
		}
	}
	if err := d.checkDirections(c.File); err != nil {
		return nil, err
	}
	nlP, nlD, _ := d.fitLabels(gs, 0.05, true)
	y := make([]float64, len(gs))
	d.basis(y, nlP, nlD)
	gmin, gmax, _ := solveWindow(y, gs)
	gmin, gmax = gmin*scale, gmax*scale
	if !(gmax > gmin) {
		return nil, fmt.Errorf("device: curve %s: the fitted window is empty (Gmin %g S ≥ Gmax %g S): is the LTP part rising?", c.File, gmin, gmax)
	}

	r := &FitResult{Gmin: gmin, Gmax: gmax, NLLTP: nlP, NLLTD: nlD,
		PointsLTP: len(d.xP), PointsLTD: len(d.xD)}
	r.States = int(math.Round(d.pmax))
	if math.Abs(d.pmax-float64(r.States)) > 1e-9 {
		warnings = append(warnings, fmt.Sprintf("the LTP part spans %g pulses, not a whole number: states rounded to %d", d.pmax, r.States))
	}
	if spanD := d.xD[len(d.xD)-1]; math.Abs(spanD-d.pmax) > 0.1*d.pmax {
		warnings = append(warnings, fmt.Sprintf("the LTD part spans %g pulses and the LTP part %g: the model uses one Pmax (%d) for both", spanD, d.pmax, r.States))
	}
	for _, l := range []struct {
		name string
		v    float64
	}{{"nl_ltp", nlP}, {"nl_ltd", nlD}} {
		if math.Abs(l.v) >= MaxFitNL-1e-6 {
			warnings = append(warnings, fmt.Sprintf("%s is at the end of NeuroSim's table (|NL| = 9): the curve is at least that nonlinear", l.name))
		}
	}

	// Residuals and the fitted curve.
	var ssP, ssD, mean, sst float64
	for _, g := range gs {
		mean += g
	}
	mean /= float64(len(gs))
	r.X = slices.Concat(d.xP, make([]float64, len(d.xD)))
	for i, x := range d.xD {
		r.X[len(d.xP)+i] = x + d.pmax
	}
	r.G = make([]float64, len(gs))
	r.Model = make([]float64, len(gs))
	for i := range gs {
		m := gmin*(1-y[i]) + gmax*y[i]
		res := all[i].G - m
		if i < len(d.xP) {
			ssP += res * res
		} else {
			ssD += res * res
		}
		r.G[i], r.Model[i] = all[i].G, m
		sst += (gs[i] - mean) * (gs[i] - mean)
	}
	r.RMSE = math.Sqrt((ssP + ssD) / float64(len(gs)))
	r.RMSELTP = math.Sqrt(ssP / float64(len(d.xP)))
	r.RMSELTD = math.Sqrt(ssD / float64(len(d.xD)))
	if sst > 0 {
		r.R2 = 1 - (ssP+ssD)/(scale*scale)/sst
	}
	r.NRMSE = r.RMSE / (gmax - gmin)
	if r.R2 < 0.9 {
		warnings = append(warnings, fmt.Sprintf("poor fit (R² = %.3f): is this an LTP part followed by an LTD part?", r.R2))
	}
	r.Warnings = warnings
	r.Params = fittedParams(c.File, cfg, r)
	if err := r.Params.Validate(); err != nil {
		return nil, fmt.Errorf("device: curve %s: fitted device is invalid: %w", c.File, err)
	}
	return r, nil
}

// bestSplit chooses, for an unlabelled curve, the last LTP row: near the peak of the smoothed
// curve, the split with the smallest residual of a coarse fit.
func (c *MeasuredCurve) bestSplit(gs []float64) (*phaseData, error) {
	n := len(c.LTP)
	// Peak of a 5-point moving average, so one noisy row does not decide it.
	peak, best := 0, math.Inf(-1)
	for i := range n {
		var s float64
		var k int
		for j := max(i-2, 0); j <= min(i+2, n-1); j++ {
			s += gs[j]
			k++
		}
		if m := s / float64(k); m > best {
			peak, best = i, m
		}
	}
	w := min(max(3, n/20), 25)
	lo := max(peak-w, minPhasePoints-1)
	hi := min(peak+w, n-1-minPhasePoints)
	if peak < minPhasePoints-1 || peak > n-1-minPhasePoints {
		return nil, fmt.Errorf("device: curve %s: the peak is at line %d, leaving fewer than %d rows for the LTP or the LTD part (add an ltp/ltd column if the parts are not rising then falling)",
			c.File, c.LTP[peak].Line, minPhasePoints)
	}
	var bestD *phaseData
	bestS := math.Inf(1)
	for s := lo; s <= hi; s++ {
		d, err := c.split(s)
		if err != nil {
			continue
		}
		if _, _, sse := d.fitLabels(gs, 0.25, true); sse < bestS {
			bestS, bestD = sse, d
		}
	}
	if bestD == nil {
		return c.split(peak)
	}
	return bestD, nil
}

// fittedParams builds the device JSON of a fit.
func fittedParams(file string, cfg FitConfig, r *FitResult) *Params {
	name := cfg.Name
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	}
	fitted := fmt.Sprintf("fitted from %s by nanospike device fit", filepath.Base(file))
	var p *Params
	if cfg.Base != nil {
		b := *cfg.Base
		p = &b
		p.Source = make(map[string]string, len(cfg.Base.Source))
		for k, v := range cfg.Base.Source {
			p.Source[k] = fmt.Sprintf("assumed: as device %s (%s)", cfg.Base.Name, v)
		}
		p.Review = ReviewFigures{}
		for k := range p.Source {
			if strings.HasPrefix(k, "review.") {
				delete(p.Source, k)
			}
		}
		p.Reference = "measured LTP/LTD curve " + filepath.Base(file) + "; other fields as device " + cfg.Base.Name
	} else {
		p = assumedParams()
		p.Reference = "measured LTP/LTD curve " + filepath.Base(file)
	}
	p.Name = name
	p.Gmin, p.Gmax, p.States, p.NLLTP, p.NLLTD = r.Gmin, r.Gmax, r.States, r.NLLTP, r.NLLTD
	for _, f := range []string{"gmin_s", "gmax_s", "states", "nl_ltp", "nl_ltd"} {
		p.Source[f] = fitted
	}
	if cfg.Base != nil {
		// Energies derived from the base's window no longer match; keep them but say so.
		for _, f := range []string{"e_pot_j", "e_dep_j"} {
			p.Source[f] += "; not rescaled to the fitted window"
		}
	} else {
		gmid := (p.Gmin + p.Gmax) / 2
		p.EPot = 3.2 * 3.2 * gmid * p.TPulse
		p.EDep = 2.8 * 2.8 * gmid * p.TPulse
	}
	return p
}

// assumedParams is the base of a fit without a base device: NeuroSim's default cell, with no
// noise, no short-term part and no retention loss.
func assumedParams() *Params {
	const cell = "assumed: NeuroSim's default cell (anchors.md), a fitted curve gives no "
	p := &Params{
		Kind: "fitted", Material: "unknown", Programming: "electrical",
		VRead: 0.5, TRead: 1e-6, TPulse: 300e-6,
		Source: map[string]string{
			"kind":              "assumed: fitted from a curve",
			"c2c_sigma":         "assumed: 0; the scatter of one curve mixes C2C and read noise, set it from repeated cycles",
			"d2d_nl_sigma":      "assumed: 0; one curve is one device",
			"d2d_g_sigma":       "assumed: 0; one curve is one device",
			"read_noise":        "assumed: 0; the scatter of one curve mixes C2C and read noise",
			"stuck_min_frac":    "assumed: no stuck devices",
			"stuck_max_frac":    "assumed: no stuck devices",
			"retention_a":       "assumed: no retention data (a = b = 0: no decay)",
			"retention_b":       "assumed: no retention data (a = b = 0: no decay)",
			"retention_m":       "assumed: no retention data (a = b = 0: no decay)",
			"ppf_c1":            "assumed: no short-term component",
			"ppf_tau1_s":        "assumed: no short-term component",
			"ppf_c2":            "assumed: no short-term component",
			"ppf_tau2_s":        "assumed: no short-term component",
			"stp_ltp_threshold": "assumed: STP→LTP conversion off",
			"stp_ltp_rate":      "assumed: STP→LTP conversion off",
			"v_read_v":          cell + "read voltage: 0.5 V",
			"t_read_s":          "assumed: 1 µs read pulse",
			"t_pulse_s":         cell + "pulse width: 300 µs",
			"e_event_j":         "not given: read energy computed as V_read²·G·t_read",
			"e_pot_j":           cell + "write energy: V²·G_mid·t_pulse with +3.2 V",
			"e_dep_j":           cell + "write energy: V²·G_mid·t_pulse with −2.8 V",
			"response_s":        "not known (informational field, 0 = unknown)",
		},
	}
	return p
}

// nelderMead2 minimises f over the plane from (x0, y0) by the Nelder–Mead simplex method with
// the standard coefficients (reflection 1, expansion 2, contraction ½, shrink ½), starting from
// a right triangle of side size. It stops when the simplex is smaller than tol in both
// coordinates or after maxIter iterations, and returns the best vertex and its value.
//
// (gonum's optimize.NelderMead would do, but importing gonum/optimize pulls in a module
// outside go.sum, golang.org/x/tools, through gonum's CMA-ES.)
func nelderMead2(f func(x, y float64) float64, x0, y0, size, tol float64, maxIter int) (x, y, fx float64) {
	type vtx struct{ x, y, f float64 }
	v := [3]vtx{{x0, y0, 0}, {x0 + size, y0, 0}, {x0, y0 + size, 0}}
	for i := range v {
		v[i].f = f(v[i].x, v[i].y)
	}
	at := func(cx, cy, px, py, t float64) vtx { // c + t·(c − p)
		nx, ny := cx+t*(cx-px), cy+t*(cy-py)
		return vtx{nx, ny, f(nx, ny)}
	}
	for range maxIter {
		slices.SortFunc(v[:], func(a, b vtx) int { return cmp.Compare(a.f, b.f) })
		if math.Abs(v[2].x-v[0].x)+math.Abs(v[1].x-v[0].x) < tol && math.Abs(v[2].y-v[0].y)+math.Abs(v[1].y-v[0].y) < tol {
			break
		}
		cx, cy := (v[0].x+v[1].x)/2, (v[0].y+v[1].y)/2 // centroid of the best two
		r := at(cx, cy, v[2].x, v[2].y, 1)
		switch {
		case r.f < v[0].f:
			if e := at(cx, cy, v[2].x, v[2].y, 2); e.f < r.f {
				v[2] = e
			} else {
				v[2] = r
			}
		case r.f < v[1].f:
			v[2] = r
		default:
			var c vtx
			if r.f < v[2].f {
				c = at(cx, cy, v[2].x, v[2].y, 0.5) // outside contraction
			} else {
				c = at(cx, cy, v[2].x, v[2].y, -0.5) // inside contraction
			}
			if c.f < min(r.f, v[2].f) {
				v[2] = c
			} else { // shrink toward the best vertex
				for i := 1; i < 3; i++ {
					v[i].x = v[0].x + 0.5*(v[i].x-v[0].x)
					v[i].y = v[0].y + 0.5*(v[i].y-v[0].y)
					v[i].f = f(v[i].x, v[i].y)
				}
			}
		}
	}
	slices.SortFunc(v[:], func(a, b vtx) int { return cmp.Compare(a.f, b.f) })
	return v[0].x, v[0].y, v[0].f
}
