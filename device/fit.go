package device

import (
	"bufio"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/mathext"
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
// projection). Without a label column, the split between the LTP and LTD parts is searched
// within n/8 rows (at most 32) of the curve's peak for the smallest residual.
//
// Confidence intervals. The scatter of a pulse curve is not independent from point to point:
// the simulator's cycle-to-cycle noise (doc.go) is added to the device state, and every later
// pulse carries it on, times φ = e^(−κ/P) per LTP pulse and e^(κ/P) per LTD pulse; only the read
// noise is fresh at each point. Fit therefore fits that noise model to the residuals — σ_c2c
// per pulse and an additive σ_read, by maximum likelihood (a Kalman filter over the state's
// deviation, which starts at 0) — and reports both (FitResult.NoiseC2C, NoiseRead). The 95 %
// intervals come from a parametric bootstrap on it: FitConfig.Bootstrap replicates (default
// DefaultFitBootstrap = 200), each the fitted curve plus a noise series drawn from the model,
// refitted in full (for an unlabelled curve the split is searched again among the same
// candidates, so States gets an interval too; a labelled curve's States is its LTP pulse count,
// an interval of one number); the interval is the 2.5–97.5 % percentile range of the refits.
// Replicate b draws from PCG(FitBootstrapSeed = 18, b), so the intervals are the same, bit for
// bit, on every run, however the replicates are spread over goroutines. A replicate searches
// the labels on a grid of step 0.25 and refines them by Nelder–Mead (the fit's own grid is
// 0.05); an unlabelled curve's splits are first scored on every other grid label and the best
// four on the whole grid. A 64 + 64-point curve with 200 replicates takes about 0.03 s labelled
// and 0.12 s unlabelled on two cores; the time grows with points × replicates (characterize's
// 2 × 65536-pulse ideal device, whose curve the model reproduces exactly, skips the replicates
// and takes 18 s for the split search alone). A curve the model reproduces to rounding gets
// intervals of one point.
//
// An interval says how far the parameter could be from the fit given noise like the curve's,
// if the model is right; it does not cover a wrong model (a curve that is not one LTP train
// then one LTD train, or a device whose law is not NeuroSim's). TestFitIntervalCoverage
// measures how often the intervals hold the true values, over 40 seeds of six presets (five of
// NeuroSim's table and si-nc-phototransistor; NANOSPIKE_FIT_COVERAGE=1, 2 min). With
// independent noise of 1 % of the window: Gmin 92–100 %, Gmax 92–100 %, NL_LTP 95–100 %,
// NL_LTD 88–100 % (labelled or not). With the presets' own cycle-to-cycle noise (2–5 % of the
// window per pulse, a drifting curve): Gmin 78–100 %, Gmax 85–98 %, NL_LTP 82–100 %, NL_LTD
// 68–95 %, and an unlabelled curve's States 70–100 % — the refits of a drifting curve are
// heavy-tailed, and its split is hard to place. Such a curve rarely pins NL down, and Fit says
// so. (A residual bootstrap that resamples the residuals as an AR(1) series held the true NL of
// those drifting curves only 42–80 % of the time.)
//
// Identifiability. Fit warns for a label whose 95 % interval reaches the end of NeuroSim's table
// (|NL| = 9, beyond which the curve does not change) or spans more than MaxIdentifiableWidth
// = 3 label units, and for a branch that a linear one (NL = 0) fits within the noise: an F
// test of the two fits at the 5 % level, its residual variance scaled by (1 + φ₁)/(1 − φ₁)
// for residuals of lag-1 autocorrelation φ₁. The F test needs no bootstrap.

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
	// Bootstrap is the number of bootstrap replicates of the confidence intervals; 0 skips
	// them. DefaultFitConfig asks for DefaultFitBootstrap.
	Bootstrap int `json:"bootstrap"`
}

// DefaultFitConfig returns the defaults: the name from the file, conductances in siemens, no
// base device.
func DefaultFitConfig() FitConfig { return FitConfig{Unit: 1, Bootstrap: DefaultFitBootstrap} }

// Validate reports an impossible configuration.
func (c FitConfig) Validate() error {
	if !(c.Unit > 0) || math.IsInf(c.Unit, 0) {
		return fmt.Errorf("device: fit: unit must be a positive number of siemens, got %g", c.Unit)
	}
	if c.Bootstrap < 0 {
		return fmt.Errorf("device: fit: bootstrap replicates must be ≥ 0 (0: no intervals), got %d", c.Bootstrap)
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
	// Labelled is true when the curve had an ltp/ltd column; otherwise Fit searched the split
	// (and the bootstrap searches it again, giving States an interval).
	Labelled bool `json:"labelled"`
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

	// CI95 are the 95 % bootstrap intervals of the parameters (nil without a bootstrap),
	// from Bootstrap replicates; ResidualAR1 is the lag-1 autocorrelation of the residuals the
	// replicates reproduce.
	CI95      *FitIntervals `json:"ci95,omitempty"`
	Bootstrap int           `json:"bootstrap,omitempty"`
	// NoiseC2C and NoiseRead are the noise the bootstrap draws from, fitted to the residuals
	// by maximum likelihood: cycle-to-cycle σ per pulse as a fraction of the window (as
	// c2c_sigma) and read σ (S, additive). ResidualAR1 is the residuals' lag-1 autocorrelation.
	NoiseC2C    float64 `json:"noise_c2c"`
	NoiseRead   float64 `json:"noise_read_s"`
	ResidualAR1 float64 `json:"residual_ar1"`
	// LinearF is, for the LTP and the LTD label, the F statistic of the fit against the same
	// fit with that label fixed at 0 (a linear branch): below FCrit, the branch's curvature
	// is within the noise.
	LinearF [2]float64 `json:"linear_f"`
	FCrit   float64    `json:"f_crit"`

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
// With a header, the columns are found by name, so a file may carry more of them — as the
// ltp_ltd.csv of `nanospike device characterize` does (pulse, conductance_s,
// noiseless_conductance_s): the pulse number is the first column; the ltp/ltd label is the
// column named phase, label, branch, part, direction or ltp/ltd, or else the first one holding
// ltp or ltd; the conductance is the first other column whose name does not mark it as a model
// (a name containing "without", "fit", "model", "nominal", "noiseless" or "ideal"). Without a
// header there are 2 columns, or 3 with the label third.
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
	var header []string // column names, if the file has a header
	var lay *curveLayout
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
		if len(fields) == 0 {
			return nil, bad("no values, only separators")
		}
		if lay == nil && header == nil && !isNumber(fields[0]) {
			header = splitHeader(text) // a header line: column names
			continue
		}
		if lay == nil {
			var err error
			if lay, err = newCurveLayout(header, fields); err != nil {
				return nil, bad("%v", err)
			}
			c.Labelled = lay.label >= 0
		}
		if len(fields) != lay.cols {
			switch {
			case lay.named:
				return nil, bad("%d columns, but the header has %d", len(fields), lay.cols)
			case len(fields) < 2 || len(fields) > 3:
				return nil, bad("want 2 columns (pulse, conductance) or 3 (pulse, conductance, ltp|ltd), got %d", len(fields))
			default:
				return nil, bad("%d columns, but the first data row has %d", len(fields), lay.cols)
			}
		}
		pulse, err := parseNumber(fields[0])
		if err != nil {
			return nil, bad("pulse number: %v", err)
		}
		g, err := parseNumber(fields[lay.g])
		if err != nil {
			return nil, bad("conductance: %v%s", err, lay.gNote)
		}
		if pulse < 0 {
			return nil, bad("pulse number %g is negative", pulse)
		}
		if g < 0 {
			return nil, bad("conductance %g is negative%s", g, lay.gNote)
		}
		pt := CurvePoint{Pulse: pulse, G: g * unit, Line: line}
		label := "ltp"
		if c.Labelled {
			label = strings.ToLower(strings.Trim(fields[lay.label], `"' `))
			if label != "ltp" && label != "ltd" {
				return nil, bad("%s must be ltp or ltd, got %q", lay.labelName, fields[lay.label])
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
				hint = "; if the LTD part restarts the count, add a column ltp|ltd"
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

// curveLayout says which columns of a curve file hold what.
type curveLayout struct {
	cols      int    // columns of every data row
	g, label  int    // conductance and ltp/ltd columns (label −1: none)
	gNote     string // names the conductance column in messages, if there is a choice
	labelName string
	named     bool // found from a header
}

// labelColumnNames are the header names of an ltp/ltd column.
var labelColumnNames = []string{"phase", "label", "branch", "part", "direction", "ltp/ltd", "ltp|ltd", "ltp-ltd", "type"}

// modelColumnWords mark a column as a model or fit rather than a measurement.
var modelColumnWords = []string{"without", "fit", "model", "nominal", "noiseless", "ideal"}

// newCurveLayout finds the columns from the header (nil if none) and the first data row.
func newCurveLayout(header, first []string) (*curveLayout, error) {
	if header == nil || len(header) != len(first) {
		// No header, or one whose names do not split like the data (a space-separated header
		// with spaces in its names): the columns by position.
		if len(first) < 2 || len(first) > 3 {
			return nil, fmt.Errorf("want 2 columns (pulse, conductance) or 3 (pulse, conductance, ltp|ltd), got %d", len(first))
		}
		l := &curveLayout{cols: len(first), g: 1, label: -1}
		if l.cols == 3 {
			l.label, l.labelName = 2, "third column"
		}
		return l, nil
	}
	l := &curveLayout{cols: len(header), g: -1, label: -1, named: true}
	if l.cols < 2 {
		return nil, fmt.Errorf("want at least 2 columns (pulse, conductance), got %d", l.cols)
	}
	norm := make([]string, len(header))
	for i, h := range header {
		norm[i] = strings.ToLower(strings.TrimSpace(h))
	}
	for i := 1; i < l.cols && l.label < 0; i++ {
		if slices.Contains(labelColumnNames, norm[i]) {
			l.label = i
		}
	}
	for i := 1; i < l.cols && l.label < 0; i++ {
		if v := strings.ToLower(strings.Trim(first[i], `"' `)); v == "ltp" || v == "ltd" {
			l.label = i
		}
	}
	for i := 1; i < l.cols && l.g < 0; i++ {
		if i != l.label && !slices.ContainsFunc(modelColumnWords, func(w string) bool { return strings.Contains(norm[i], w) }) {
			l.g = i
		}
	}
	if l.g < 0 {
		return nil, fmt.Errorf("no conductance column: every column after the pulse number is a label or a model (%s)", strings.Join(header[1:], ", "))
	}
	if l.cols > 2 {
		l.gNote = fmt.Sprintf(" (column %q)", header[l.g])
	}
	if l.label >= 0 {
		l.labelName = fmt.Sprintf("column %q", header[l.label])
	}
	return l, nil
}

// splitHeader splits a header row like a data row, honouring CSV quotes (a column name may
// hold the separator).
func splitHeader(s string) []string {
	if strings.Contains(s, `"`) && strings.ContainsAny(s, ",;\t") {
		r := csv.NewReader(strings.NewReader(s))
		r.LazyQuotes = true
		if !strings.Contains(s, ",") {
			r.Comma = ';'
			if !strings.Contains(s, ";") {
				r.Comma = '\t'
			}
		}
		if rec, err := r.Read(); err == nil {
			for i := range rec {
				rec[i] = strings.TrimSpace(rec[i])
			}
			return rec
		}
	}
	return splitFields(s)
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
	var cands []*splitCand // the splits a bootstrap replicate may choose
	var warnings []string
	if c.Labelled {
		var err error
		if d, err = c.split(0); err != nil {
			return nil, err
		}
		cands = []*splitCand{newSplitCand(d, len(bootGrid)*len(gs) <= maxStoredBasis)}
	} else {
		var err error
		d, cands, err = c.bestSplit(gs)
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
		PointsLTP: len(d.xP), PointsLTD: len(d.xD), Labelled: c.Labelled}
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

	// The noise, the intervals, and whether the data pin each label down.
	model := make([]float64, len(gs))
	res := make([]float64, len(gs))
	var sse float64
	for i := range gs {
		model[i] = r.Model[i] / scale
		res[i] = gs[i] - model[i]
		sse += res[i] * res[i]
	}
	nm := newNoiseModel(d, nlP, nlD, res)
	r.NoiseC2C = nm.sc2c * scale / (gmax - gmin)
	r.NoiseRead = nm.sread * scale
	r.ResidualAR1 = lag1(res)
	r.LinearF, r.FCrit = d.linearityTest(gs, sse, r.ResidualAR1)
	exact := max(nm.sc2c*math.Sqrt(float64(len(gs))), nm.sread) < 1e-9*(gmax-gmin)/scale
	switch {
	case cfg.Bootstrap > 0 && exact:
		// A curve the model reproduces to rounding: every replicate would be the fit.
		r.CI95 = &FitIntervals{Gmin: [2]float64{gmin, gmin}, Gmax: [2]float64{gmax, gmax},
			States: [2]int{r.States, r.States}, NLLTP: [2]float64{nlP, nlP}, NLLTD: [2]float64{nlD, nlD}}
		r.Bootstrap = cfg.Bootstrap
	case cfg.Bootstrap > 0:
		reps := bootstrap(cands, model, nm, cfg.Bootstrap)
		for i := range reps[0] {
			reps[0][i] *= scale
			reps[1][i] *= scale
		}
		ci := &FitIntervals{Gmin: percentile95(reps[0]), Gmax: percentile95(reps[1]),
			NLLTP: percentile95(reps[3]), NLLTD: percentile95(reps[4])}
		st := percentile95(reps[2])
		ci.States = [2]int{int(math.Floor(st[0])), int(math.Ceil(st[1]))}
		r.CI95, r.Bootstrap = ci, cfg.Bootstrap
	}
	warnings = append(warnings, identifiability(r)...)
	r.Warnings = warnings
	r.Params = fittedParams(c.File, cfg, r)
	if err := r.Params.Validate(); err != nil {
		return nil, fmt.Errorf("device: curve %s: fitted device is invalid: %w", c.File, err)
	}
	return r, nil
}

// bestSplit chooses, for an unlabelled curve, the last LTP row: among the rows within n/8 (at
// most 32) of the peak of the smoothed curve, the split with the smallest residual. Every candidate is
// scored on the label grid bootGrid, and the three best are refined. It also returns every
// candidate, for the bootstrap to choose from again.
func (c *MeasuredCurve) bestSplit(gs []float64) (*phaseData, []*splitCand, error) {
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
	// Cycle-to-cycle noise can put the peak of a saturating curve well before the end of its
	// LTP part, hence the wide window.
	w := min(max(3, n/8), 32)
	lo := max(peak-w, minPhasePoints-1)
	hi := min(peak+w, n-1-minPhasePoints)
	if peak < minPhasePoints-1 || peak > n-1-minPhasePoints {
		return nil, nil, fmt.Errorf("device: curve %s: the peak is at line %d, leaving fewer than %d rows for the LTP or the LTD part (add an ltp/ltd column if the parts are not rising then falling)",
			c.File, c.LTP[peak].Line, minPhasePoints)
	}
	// Score every split on the grid. Their models are kept for the bootstrap if they fit in
	// maxStoredBasis; otherwise only the scores, and the bootstrap gets the splits nearest the
	// chosen one that fit (or the chosen one alone, its model computed in each search).
	type scored struct {
		s   int
		c   *splitCand // nil unless stored
		sse float64
	}
	var tried []scored
	ws := newSearchWork()
	store := (hi-lo+1)*len(bootGrid)*len(gs) <= maxStoredBasis
	for s := lo; s <= hi; s++ {
		d, err := c.split(s)
		if err != nil || d.checkDirections(c.File) != nil {
			continue // the model has an LTP part that rises and an LTD part that falls
		}
		sc, _, _, sse := newScoredSplitCand(d, store, gs, ws)
		if !store {
			sc = nil
		}
		tried = append(tried, scored{s, sc, sse})
	}
	if len(tried) == 0 {
		d, err := c.split(peak)
		if err != nil {
			return nil, nil, err
		}
		return d, []*splitCand{newSplitCand(d, false)}, nil
	}
	byS := slices.Clone(tried)
	slices.SortStableFunc(tried, func(a, b scored) int { return cmp.Compare(a.sse, b.sse) })
	var bestD *phaseData
	bestS, chosen := math.Inf(1), 0
	for _, t := range tried[:min(3, len(tried))] {
		d := t.c.dOr(c, t.s)
		if _, _, sse := d.fitLabels(gs, 0.25, true); sse < bestS {
			bestS, bestD, chosen = sse, d, t.s
		}
	}
	var cands []*splitCand
	if store {
		for _, t := range byS {
			cands = append(cands, t.c)
		}
		return bestD, cands, nil
	}
	keep := maxStoredBasis / (len(bootGrid) * len(gs))
	if keep == 0 {
		return bestD, []*splitCand{newSplitCand(bestD, false)}, nil
	}
	at := slices.IndexFunc(byS, func(t scored) bool { return t.s == chosen })
	from := max(0, min(at-keep/2, len(byS)-keep))
	for _, t := range byS[from:min(len(byS), from+keep)] {
		if t.s == chosen {
			cands = append(cands, newSplitCand(bestD, true))
		} else if d, err := c.split(t.s); err == nil {
			cands = append(cands, newSplitCand(d, true))
		}
	}
	return bestD, cands, nil
}

// dOr returns c's split, or, for a candidate not kept (nil), the curve's split s.
func (sc *splitCand) dOr(c *MeasuredCurve, s int) *phaseData {
	if sc != nil {
		return sc.d
	}
	d, _ := c.split(s) // it split before
	return d
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
	p.Source["on_off"] = fitted
	p.Ranges = maps.Clone(p.Ranges)
	for _, f := range []string{"states", "nl_ltp", "nl_ltd", "on_off"} {
		delete(p.Ranges, f) // measured now
	}
	p.Prior = ""
	switch {
	case cfg.Base == nil:
		p.VPot, p.VDep = 3.2, 2.8
		p.EPot, p.EDep = p.PulseEnergy(p.VPot), p.PulseEnergy(p.VDep)
	case p.VPot > 0 || p.VDep > 0:
		// The base's pulse energies follow its pulse voltages (doc.go, Energy): rescaled to the
		// fitted window.
		p.EPot, p.EDep = p.PulseEnergy(p.VPot), p.PulseEnergy(p.VDep)
		for _, f := range []string{"e_pot_j", "e_dep_j"} {
			p.Source[f] = "derived: V²·G_mid·t_pulse with the base's pulse voltage and the fitted window"
		}
	default:
		// Energies derived from the base's window no longer match; keep them but say so.
		for _, f := range []string{"e_pot_j", "e_dep_j"} {
			p.Source[f] += "; not rescaled to the fitted window"
		}
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

// ---------------------------------------------------------------------------------------------
// Confidence intervals and identifiability

// DefaultFitBootstrap is the number of bootstrap replicates DefaultFitConfig asks for.
const DefaultFitBootstrap = 200

// FitBootstrapSeed seeds the bootstrap: replicate b draws from PCG(FitBootstrapSeed, b), so the
// intervals of a curve are the same on every run, whatever the number of goroutines (across
// CPU architectures, floating-point rounding may still differ in the last digits).
const FitBootstrapSeed uint64 = 18

// MaxIdentifiableWidth is the widest 95 % interval, in label units, of an NL that Fit calls
// identified; a wider one gets a warning.
const MaxIdentifiableWidth = 3.0

// bootGridStep is the label grid of the split search and of a bootstrap replicate's label
// search, which Nelder–Mead then refines.
const bootGridStep = 0.25

// bootShortlist is the number of splits a replicate of an unlabelled curve scores on the whole
// label grid, after scoring every candidate on half of it.
const bootShortlist = 4

// bootGrid is the label grid −9, −8.75, …, 9.
var bootGrid = func() []float64 {
	n := int(math.Round(MaxFitNL / bootGridStep))
	g := make([]float64, 0, 2*n+1)
	for i := -n; i <= n; i++ {
		g = append(g, float64(i)*bootGridStep)
	}
	return g
}()

// FitIntervals are 95 % bootstrap percentile intervals [low, high] of the fitted parameters.
// States is the LTP part's pulse count: for a labelled curve it is read from the file and the
// interval is that one number; for an unlabelled one each replicate searches the split again.
type FitIntervals struct {
	Gmin   [2]float64 `json:"gmin_s"`
	Gmax   [2]float64 `json:"gmax_s"`
	States [2]int     `json:"states"`
	NLLTP  [2]float64 `json:"nl_ltp"`
	NLLTD  [2]float64 `json:"nl_ltd"`
}

// splitCand is one LTP/LTD split of a curve with the model on bootGrid precomputed at its
// points: a grid search for new data then costs one dot product per branch and label value,
// and O(1) per pair of labels. A candidate made without storing (a long curve: see
// maxStoredBasis) computes the model again in each search.
type splitCand struct {
	d      *phaseData
	yP, yD [][]float64  // yP[k][i]: LTP branch at label bootGrid[k], point i (nil: not stored)
	sP, sD []normalSums // the sums that do not depend on the data
}

// maxStoredBasis is the most model values (float64s) the split candidates of one fit store:
// 32 MiB.
const maxStoredBasis = 1 << 22

func newSplitCand(d *phaseData, store bool) *splitCand {
	c, _, _, _ := newScoredSplitCand(d, store, nil, nil)
	return c
}

// newScoredSplitCand makes a candidate and, for data g (nil: none), searches it as search does,
// computing the model once for both.
func newScoredSplitCand(d *phaseData, store bool, g []float64, w *searchWork) (c *splitCand, i, j int, sse float64) {
	c = &splitCand{d: d}
	nP, nD := len(d.xP), len(d.xD)
	y := make([]float64, nP+nD)
	ones := make([]float64, nP+nD)
	for i := range ones {
		ones[i] = 1
	}
	for k, nl := range bootGrid {
		d.basis(y, nl, nl)
		if store {
			c.yP = append(c.yP, slices.Clone(y[:nP]))
			c.yD = append(c.yD, slices.Clone(y[nP:]))
		}
		c.sP = append(c.sP, sumsOf(y[:nP], ones[:nP]))
		c.sD = append(c.sD, sumsOf(y[nP:], ones[nP:]))
		if g != nil {
			w.bP[k] = dot(y[:nP], g[:nP])
			w.bD[k] = dot(y[nP:], g[nP:])
		}
	}
	if g != nil {
		i, j, sse = c.pairs(g, w, 1)
	}
	return c, i, j, sse
}

// searchWork is scratch space for splitCand.search.
type searchWork struct{ bP, bD, y []float64 }

func newSearchWork() *searchWork {
	return &searchWork{bP: make([]float64, len(bootGrid)), bD: make([]float64, len(bootGrid))}
}

// search returns the grid labels (indices into bootGrid) of the smallest residual for the data
// g (LTP rows, then LTD rows) and that residual, searching every stride-th label of the grid.
func (c *splitCand) search(g []float64, w *searchWork, stride int) (i, j int, sse float64) {
	nP := len(c.d.xP)
	for k := 0; k < len(bootGrid); k += stride {
		if c.yP != nil {
			w.bP[k] = dot(c.yP[k], g[:nP])
			w.bD[k] = dot(c.yD[k], g[nP:])
			continue
		}
		if len(w.y) < len(g) {
			w.y = make([]float64, len(g))
		}
		y := w.y[:len(g)]
		c.d.basis(y, bootGrid[k], bootGrid[k])
		w.bP[k] = dot(y[:nP], g[:nP])
		w.bD[k] = dot(y[nP:], g[nP:])
	}
	return c.pairs(g, w, stride)
}

// pairs finishes search from the dot products in w.
func (c *splitCand) pairs(g []float64, w *searchWork, stride int) (i, j int, sse float64) {
	nP := len(c.d.xP)
	var gg, sumP, sumD float64
	for k, v := range g {
		gg += v * v
		if k < nP {
			sumP += v
		} else {
			sumD += v
		}
	}
	// The smallest residual of a pair is gg minus the part the window explains; the loop keeps
	// the largest explained part, inlining normalSums.window (same rule: Gmin ≥ 0).
	bestE, found := math.Inf(-1), false
	for k := 0; k < len(bootGrid); k += stride {
		p := c.sP[k]
		p1, p2 := sumP-w.bP[k], w.bP[k]
		for l := 0; l < len(bootGrid); l += stride {
			q := &c.sD[l]
			s11, s12, s22 := p.s11+q.s11, p.s12+q.s12, p.s22+q.s22
			b1, b2 := p1+sumD-w.bD[l], p2+w.bD[l]
			det := s11*s22 - s12*s12
			var e float64
			if u := b1*s22 - b2*s12; det > 1e-12*s11*s22 && u >= 0 {
				e = (b1*u + b2*(b2*s11-b1*s12)) / det
			} else if s22 > 0 {
				e = b2 * b2 / s22
			}
			if e > bestE {
				i, j, bestE, found = k, l, e, true
			}
		}
	}
	if !found {
		return 0, 0, math.Inf(1)
	}
	return i, j, gg - bestE
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// bootstrap refits reps replicates of a fit, each the fitted curve model (scaled data, LTP rows
// then LTD rows) plus noise drawn from nm, at the best of the splits cands (the fit's own alone
// for a labelled curve): the split and the labels by grid search, the labels refined by
// Nelder–Mead, the window by least squares. It returns the replicates' Gmin and Gmax (scaled),
// states, NL_LTP and NL_LTD. Replicate b draws from its own PCG stream, so the result does not
// depend on how the replicates are spread over goroutines.
func bootstrap(cands []*splitCand, model []float64, nm *noiseModel, reps int) (out [5][]float64) {
	for k := range out {
		out[k] = make([]float64, reps)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), reps) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := len(model)
			g, e, y := make([]float64, n), make([]float64, n), make([]float64, n)
			ws := newSearchWork()
			score, order := make([]float64, len(cands)), make([]int, len(cands))
			for {
				b := int(next.Add(1) - 1)
				if b >= reps {
					return
				}
				for i := range order {
					order[i] = i
				}
				nm.draw(rand.New(rand.NewPCG(FitBootstrapSeed, uint64(b))), e)
				for i := range g {
					g[i] = model[i] + e[i]
				}
				// The splits scored on every other grid label (step 0.5), the best few
				// again on the whole grid.
				short := cands
				if len(cands) > bootShortlist {
					for i, c := range cands {
						_, _, score[i] = c.search(g, ws, 2)
					}
					slices.SortFunc(order, func(a, b int) int { return cmp.Compare(score[a], score[b]) })
					short = short[:0:0]
					for _, i := range order[:bootShortlist] {
						short = append(short, cands[i])
					}
				}
				var best *splitCand
				bi, bj, bs := 0, 0, math.Inf(1)
				for _, c := range short {
					if i, j, s := c.search(g, ws, 1); s < bs {
						best, bi, bj, bs = c, i, j, s
					}
				}
				d := best.d
				obj := func(p, q float64) float64 {
					d.basis(y, p, q)
					_, _, s := solveWindow(y, g)
					return s
				}
				f := func(p, q float64) float64 {
					pen := max(math.Abs(p)-MaxFitNL, 0) + max(math.Abs(q)-MaxFitNL, 0)
					return obj(clampNL(p), clampNL(q)) * (1 + 1e3*pen)
				}
				nlP, nlD := bootGrid[bi], bootGrid[bj]
				if p, q, s := nelderMead2(f, nlP, nlD, bootGridStep/2, 1e-4, 200); s < bs {
					nlP, nlD = clampNL(p), clampNL(q)
				}
				d.basis(y, nlP, nlD)
				gmin, gmax, _ := solveWindow(y, g)
				out[0][b], out[1][b], out[2][b] = gmin, gmax, math.Round(d.pmax)
				out[3][b], out[4][b] = nlP, nlD
			}
		}()
	}
	wg.Wait()
	return out
}

func clampNL(v float64) float64 { return math.Max(-MaxFitNL, math.Min(MaxFitNL, v)) }

// noiseModel is the simulator's noise model (doc.go) around a fitted curve, which the
// bootstrap draws replicates from: each pulse adds cycle-to-cycle noise of σ_c2c to the
// device state, the following pulses carry that deviation on (the law G' = c + (G − c)·φ
// passes it on times φ per pulse: φ = e^(−κ/P) on the LTP branch, e^(κ/P) on the LTD branch),
// and each read adds independent read noise of σ_read. A plain residual bootstrap would treat
// the drift that cycle-to-cycle noise leaves in a pulse train as independent scatter and give
// intervals several times too narrow.
type noiseModel struct {
	phi         []float64 // factor carrying the state deviation from row i to row i+1
	v           []float64 // variance added between them, in units of σ_c2c²
	sc2c, sread float64   // σ per pulse and per read (scaled units)
}

// newNoiseModel fits σ_c2c and σ_read to the residuals res of a fit (labels nlP, nlD) by
// maximum likelihood: a Kalman filter gives the likelihood for a ratio q = σ_c2c²/σ_read², with
// σ_read² at its best value for that q; q is searched on a logarithmic grid and refined.
func newNoiseModel(d *phaseData, nlP, nlD float64, res []float64) *noiseModel {
	n := len(res)
	nm := &noiseModel{phi: make([]float64, n-1), v: make([]float64, n-1)}
	fP, fD := math.Exp(-invNormA(nlP)/d.pmax), math.Exp(invNormA(nlD)/d.pmax)
	xs := slices.Concat(d.xP, d.xD)
	nP := len(d.xP)
	for i := range n - 1 {
		f, dx := fP, xs[i+1]-xs[i]
		switch {
		case i+1 == nP:
			f, dx = fD, xs[i+1] // the LTD part counts its pulses from the end of LTP
		case i+1 > nP:
			f = fD
		}
		dx = max(dx, 0)
		nm.phi[i] = math.Pow(f, dx)
		if math.Abs(f*f-1) < 1e-12 {
			nm.v[i] = dx
		} else {
			nm.v[i] = (1 - math.Pow(f, 2*dx)) / (1 - f*f) // Σ φ^(2j), j < dx
		}
	}
	negLL := func(e float64) float64 { l, _ := nm.loglik(res, math.Pow(10, e)); return -l }
	bestQ, bestL := 0.0, math.Inf(-1)
	if l, _ := nm.loglik(res, 0); l > bestL {
		bestL = l
	}
	const lo10, hi10, step = -6.0, 8.0, 0.1
	bestE := math.NaN()
	for k := 0; k <= int(math.Round((hi10-lo10)/step)); k++ {
		e := lo10 + float64(k)*step
		if l := -negLL(e); l > bestL {
			bestQ, bestL, bestE = math.Pow(10, e), l, e
		}
	}
	if !math.IsNaN(bestE) {
		if e := golden(negLL, bestE-step, bestE+step, 1e-4); -negLL(e) > bestL {
			bestQ = math.Pow(10, e)
		}
	}
	_, s2 := nm.loglik(res, bestQ)
	s2 *= float64(n) / float64(n-4) // the fit's four parameters took up some of the scatter
	nm.sread, nm.sc2c = math.Sqrt(s2), math.Sqrt(bestQ*s2)
	return nm
}

// loglik returns the Gaussian log-likelihood (up to a constant) of the residuals e under the
// noise model with σ_c2c² = q·σ_read², σ_read² at its maximum-likelihood value (also
// returned), by a Kalman filter over the state deviation, 0 at the start of the train.
func (nm *noiseModel) loglik(e []float64, q float64) (ll, s2 float64) {
	var x, P, sumLogF, sumNu float64
	for i, v := range e {
		if i > 0 {
			x *= nm.phi[i-1]
			P = nm.phi[i-1]*nm.phi[i-1]*P + nm.v[i-1]*q
		}
		F := P + 1
		nu := v - x
		sumNu += nu * nu / F
		sumLogF += math.Log(F)
		K := P / F
		x += K * nu
		P *= 1 - K
	}
	n := float64(len(e))
	s2 = sumNu / n
	if !(s2 > 0) {
		return math.Inf(1), 0 // a curve the model reproduces exactly
	}
	return -0.5*n*math.Log(s2) - 0.5*sumLogF, s2
}

// draw fills e with one residual series of the model.
func (nm *noiseModel) draw(rng *rand.Rand, e []float64) {
	var x float64 // state deviation; the train starts from a set state
	e[0] = nm.sread * rng.NormFloat64()
	for i := 1; i < len(e); i++ {
		x = nm.phi[i-1]*x + math.Sqrt(nm.v[i-1])*nm.sc2c*rng.NormFloat64()
		e[i] = x + nm.sread*rng.NormFloat64()
	}
}

// golden minimises f on [a, b] by golden-section search to a bracket of tol.
func golden(f func(float64) float64, a, b, tol float64) float64 {
	const r = 0.6180339887498949
	x1, x2 := b-r*(b-a), a+r*(b-a)
	f1, f2 := f(x1), f(x2)
	for b-a > tol {
		if f1 < f2 {
			b, x2, f2 = x2, x1, f1
			x1 = b - r*(b-a)
			f1 = f(x1)
		} else {
			a, x1, f1 = x1, x2, f2
			x2 = a + r*(b-a)
			f2 = f(x2)
		}
	}
	return (a + b) / 2
}

// lag1 returns the lag-1 autocorrelation of r, floored at 0 and capped at 0.99.
func lag1(r []float64) float64 {
	var num, den float64
	for i := 1; i < len(r); i++ {
		num += r[i] * r[i-1]
		den += r[i-1] * r[i-1]
	}
	if !(den > 0) {
		return 0
	}
	return min(max(num/den, 0), 0.99)
}

// percentile95 returns the 2.5 % and 97.5 % quantiles of v (sorted in place), interpolated
// linearly between order statistics.
func percentile95(v []float64) [2]float64 {
	slices.Sort(v)
	q := func(p float64) float64 {
		h := p * float64(len(v)-1)
		i := int(h)
		if i >= len(v)-1 {
			return v[len(v)-1]
		}
		return v[i] + (h-float64(i))*(v[i+1]-v[i])
	}
	return [2]float64{q(0.025), q(0.975)}
}

// linearSSE returns the smallest residual for g with the label of branch which (0: LTP, 1:
// LTD) fixed at 0 and the other fitted: a grid over [−9, 9] refined by golden-section search.
func (d *phaseData) linearSSE(g []float64, which int) float64 {
	y := make([]float64, len(g))
	obj := func(v float64) float64 {
		if which == 0 {
			d.basis(y, 0, v)
		} else {
			d.basis(y, v, 0)
		}
		_, _, s := solveWindow(y, g)
		return s
	}
	const step = 0.05
	n := int(math.Round(MaxFitNL / step))
	best, bv := math.Inf(1), 0.0
	for i := -n; i <= n; i++ {
		if s := obj(float64(i) * step); s < best {
			best, bv = s, float64(i)*step
		}
	}
	v := golden(obj, max(bv-step, -MaxFitNL), min(bv+step, MaxFitNL), 1e-6)
	return min(best, obj(v))
}

// linearityTest returns, for each branch, the F statistic of the fit (residual sse over n
// points, 4 parameters) against the same fit with that branch linear (NL = 0), with the
// residual variance scaled by (1 + φ)/(1 − φ) for residuals of lag-1 autocorrelation φ (an
// AR(1) series has that many times fewer independent points), and the 5 % critical value of
// F(1, n − 4).
func (d *phaseData) linearityTest(g []float64, sse, phi float64) (f [2]float64, crit float64) {
	nu := float64(len(g) - 4)
	s2 := sse / nu * (1 + phi) / (1 - phi)
	for b := range f {
		if s2 > 0 {
			f[b] = max(d.linearSSE(g, b)-sse, 0) / s2
		} else {
			f[b] = math.Inf(1) // an exact fit: any curvature is significant
		}
	}
	// F(1, ν) exceeds x with probability 5 %: x = ν·z/(1 − z), z the 95 % point of Beta(½, ν/2).
	z := mathext.InvRegIncBeta(0.5, nu/2, 0.95)
	return f, nu * z / (1 - z)
}

// identifiability returns a warning for each label the curve does not pin down: its 95 %
// interval reaches the end of NeuroSim's table (where more nonlinearity no longer changes the
// curve) or is wider than MaxIdentifiableWidth, or a linear branch fits within the noise.
func identifiability(r *FitResult) []string {
	var out []string
	for b, l := range []struct {
		name string
		v    float64
	}{{"nl_ltp", r.NLLTP}, {"nl_ltd", r.NLLTD}} {
		if r.CI95 != nil {
			ci := r.CI95.NLLTP
			if b == 1 {
				ci = r.CI95.NLLTD
			}
			lo, hi := ci[0], ci[1]
			atEnd := math.Abs(l.v) >= MaxFitNL-1e-6 // Fit has said so already
			switch {
			case !atEnd && (lo <= -MaxFitNL+1e-6 || hi >= MaxFitNL-1e-6):
				out = append(out, fmt.Sprintf("%s is not identifiable from this curve: its 95 %% interval [%.2f, %.2f] reaches the end of NeuroSim's table (|NL| = 9), where more nonlinearity no longer changes the curve", l.name, lo, hi))
			case hi-lo > MaxIdentifiableWidth:
				out = append(out, fmt.Sprintf("%s is not identifiable from this curve: its 95 %% interval [%.2f, %.2f] spans %.1f label units (more than %g)", l.name, lo, hi, hi-lo, MaxIdentifiableWidth))
			}
		}
		if r.LinearF[b] < r.FCrit {
			out = append(out, fmt.Sprintf("%s cannot be told from a linear branch: NL = 0 fits within the noise (F = %.2g, below %.2g, the 5 %% level)", l.name, r.LinearF[b], r.FCrit))
		}
	}
	return out
}
