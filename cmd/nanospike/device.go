package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/nanospike/nanospike/device"
	"github.com/nanospike/nanospike/experiment"
	"github.com/nanospike/nanospike/internal/plots"
)

func init() {
	register(&command{name: "device", summary: "list, show, characterise and fit synaptic devices", run: runDevice})
}

const deviceUsage = `usage: nanospike device <subcommand> [flags]

subcommands:
  list [--json]                          the presets: kind, states, NL, on/off, energy, source
  show NAME|FILE [--json]                every field of a preset or a device JSON file, with its source
  characterize NAME|FILE|all|NAME,NAME… [--out DIR] [--seed S] [--format png|svg]
                                         run every protocol; CSVs, plots and a review-vs-simulated summary
  fit CURVE.csv [--name NAME] [--out FILE.json] [--unit S|mS|uS|nS|pS] [--base NAME|FILE] [--plot FILE] [--bootstrap N]
                                         fit a device to a measured LTP/LTD curve (or characterize's
                                         ltp_ltd.csv), with 95 % bootstrap intervals

Run 'nanospike device <subcommand> --help' for its flags.
`

// runDevice dispatches the device subcommands.
func runDevice(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, deviceUsage)
		return e.usagef("missing subcommand (list, show, characterize or fit)")
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(e.stderr, deviceUsage)
		return flag.ErrHelp
	case "list":
		return deviceList(e, rest)
	case "show":
		return deviceShow(e, rest)
	case "characterize", "characterise":
		return deviceCharacterize(ctx, e, rest)
	case "fit":
		return deviceFit(e, rest)
	}
	return e.usagef("unknown subcommand %q (want list, show, characterize or fit)", sub)
}

// devParseArgs parses flags that may come before or after the positional arguments
// ("show NAME --json"), which the flag package alone stops at.
func devParseArgs(e *env, fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := e.parse(fs, args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func deviceList(e *env, args []string) error {
	fs := e.flags("device list", "device list [--json]")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	pos, err := devParseArgs(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return e.usagef("unexpected argument %q", pos[0])
	}
	l := experiment.ListPresets()
	if *asJSON {
		return e.printJSON(l.Rows)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "name\tkind\tstates\tNL LTP/LTD\ton/off\tsourced\tE/read (J)\tE/pulse (J)\tsource")
	for _, r := range l.Rows {
		def := ""
		if r.Name == device.DefaultPreset {
			def = " (default)"
		}
		src := fmt.Sprintf("%d/%d", r.Sourced, r.Quantities)
		if r.Prior == "" {
			src = "–"
		} else if len(r.SameAs) > 0 {
			src += "*"
		}
		fmt.Fprintf(tw, "%s%s\t%s\t%d\t%.2f/%.2f\t%.3g\t%s\t%.2g\t%.2g\t%s\n", r.Name, def, r.Kind, r.States, r.NLLTP, r.NLLTD, r.OnOff,
			src, r.EEvent, r.EPot, r.Source)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\n%d presets. sourced: learning-relevant quantities (states, NL LTP, NL LTD, on/off, C2C, D2D, read noise, "+
		"stuck devices, short-term part) whose value cites a measurement; the others are assumed, each with a plausible range "+
		"(device show NAME). *: identical in every learning field to another preset (the same class prior, no number of its own). "+
		"NC presets: %d of %d quantities sourced, %d sharing a prior with another. E/read: one read at Gmax, V_read²·Gmax·t_read; "+
		"E/pulse: one potentiation pulse, V²·G_mid·t_pulse (device/doc.go, Energy).\n", len(l.Rows), l.Sourced, l.Quantities, l.Shared)
	return nil
}

func deviceShow(e *env, args []string) error {
	fs := e.flags("device show", "device show NAME|FILE [--json]")
	asJSON := fs.Bool("json", false, "print the device JSON (the format of a device file)")
	pos, err := devParseArgs(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return e.usagef("want one device (a preset name or a JSON file), got %d arguments", len(pos))
	}
	p, err := experiment.ResolveDevice(pos[0])
	if err != nil {
		return err
	}
	if *asJSON {
		return p.WriteJSON(e.stdout)
	}
	return experiment.DescribeDevice(e.stdout, p)
}

// ---------------------------------------------------------------------------------------------
// characterize

// devCurveFile is how one protocol curve is written and plotted.
type devCurveFile struct {
	base string // file name without extension
	c    *device.Curve
	// csvX and csvY name the CSV columns of x and y: ASCII snake_case, the unit last (the
	// plot keeps the curve's own labels). The fit's column is "fit_" + csvY, or csvFit.
	csvX, csvY, csvFit string
	logX, logY         bool
	fit                func(x float64) float64 // fitted (or reference) function to overlay, or nil
	fitName            string                  // its legend entry
	// bySign, if set, is the x label of a plot of x < 0 and x > 0 as two series against |x|
	// (a window over Δt spanning decades on both sides, which a linear axis squeezes into its
	// middle).
	bySign string
}

// devSummary is DIR/<device>/summary.json.
type devSummary struct {
	Device    string              `json:"device"`
	Source    string              `json:"source"` // preset name or device file
	Reference string              `json:"reference"`
	Seed      uint64              `json:"seed"`
	Rows      []device.Row        `json:"review_vs_simulated"`
	PPFFit    device.PPFFit       `json:"ppf_fit"`
	GainFit   device.HighPassFit  `json:"gain_fit"`
	RetFit    device.RetentionFit `json:"retention_fit"`
	Notes     []string            `json:"notes,omitempty"`
	Files     []string            `json:"files"`
}

func deviceCharacterize(ctx context.Context, e *env, args []string) error {
	fs := e.flags("device characterize", "device characterize NAME|FILE|all|NAME,NAME… [--out DIR] [--seed S] [--format png|svg]")
	out := fs.String("out", "characterization", "folder to write DIR/<device>/{*.csv, plots, summary.json, summary.csv} into")
	seed := fs.Uint64("seed", 1, "seed of the simulated device's noise")
	format := fs.String("format", "png", "plot format: png or svg")
	pos, err := devParseArgs(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return e.usagef("want one device argument (a preset name, a JSON file, a comma-separated list of them, or all), got %d arguments", len(pos))
	}
	if *format != "png" && *format != "svg" {
		return e.usagef("--format must be png or svg, got %q", *format)
	}
	var devs []*device.Params
	var srcs []string
	if pos[0] == "all" {
		devs = device.Presets()
		for _, p := range devs {
			srcs = append(srcs, p.Name)
		}
	} else {
		for _, arg := range splitList(pos[0]) {
			p, err := experiment.ResolveDevice(arg)
			if err != nil {
				return err
			}
			devs, srcs = append(devs, p), append(srcs, arg)
		}
		if len(devs) == 0 {
			return e.usagef("no device named in %q", pos[0])
		}
		seen := map[string]string{}
		for i, p := range devs {
			d := devDirName(p.Name)
			if prev, dup := seen[d]; dup {
				return e.usagef("%s and %s both write to %s: give each device once, with distinct names", prev, srcs[i], filepath.Join(*out, d))
			}
			seen[d] = srcs[i]
		}
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	// Devices are independent (each has its own seeded noise), so they run side by side, one
	// per core; the output is the same as a serial run's.
	bar := e.newBar(len(devs), "characterize", "dev")
	defer bar.Close()
	reports := make([]*device.Report, len(devs))
	errs := make([]error, len(devs))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, p := range devs {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if ctx.Err() != nil {
				errs[i] = ctx.Err()
				return
			}
			rep, err := device.Characterize(p, *seed)
			if err != nil {
				errs[i] = fmt.Errorf("characterize %s: %w", p.Name, err)
				return
			}
			dir := filepath.Join(*out, devDirName(p.Name))
			if err := devWriteCharacterization(dir, *format, srcs[i], *seed, p, rep); err != nil {
				errs[i] = err
				return
			}
			reports[i] = rep
			_ = bar.Add(1)
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	_ = bar.Finish()
	for i, rep := range reports {
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		devPrintSummary(e.stdout, devs[i], rep, filepath.Join(*out, devDirName(devs[i].Name)))
	}
	if len(devs) > 1 {
		return devWriteOverall(e.stdout, *out, devs, reports)
	}
	return nil
}

// devWriteOverall prints and writes (DIR/summary.csv) every device's review-vs-simulated rows
// in one table.
func devWriteOverall(w io.Writer, out string, devs []*device.Params, reports []*device.Report) error {
	table := [][]string{{"device", "figure", "unit", "review", "simulated", "simulated_over_review", "kind", "match"}}
	checks, matches := 0, 0
	for i, rep := range reports {
		for _, r := range rep.Summary {
			m := devMatch(r)
			if r.Kind == device.KindSimulated {
				checks++
				if m == "yes" {
					matches++
				}
			}
			table = append(table, []string{devs[i].Name, r.Figure, r.Unit, devG(r.Review), devG(r.Simulated), devRatio(r), r.Kind, m})
		}
	}
	path := filepath.Join(out, "summary.csv")
	if err := plots.SaveTable(path, table); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nreview vs simulated, all devices (%d rows, also in %s): %d rows simulated by a protocol, %d of them within 10 %% "+
		"of the review; the other %d restate a parameter (kind \"parameter\") and check nothing:\n",
		len(table)-1, path, checks, matches, len(table)-1-checks)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, row := range table {
		fmt.Fprintln(tw, "  "+strings.Join(row, "\t"))
	}
	return tw.Flush()
}

var devUnsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// devDirName turns a device name into a folder name.
func devDirName(name string) string {
	s := strings.Trim(devUnsafeName.ReplaceAllString(name, "-"), "-.")
	if s == "" {
		s = "device"
	}
	return s
}

// devWriteCharacterization writes a report's curves (CSV and plot), summary.json and summary.csv
// into dir.
func devWriteCharacterization(dir, format, src string, seed uint64, p *device.Params, rep *device.Report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("characterize %s: %w", p.Name, err)
	}
	ppf, gain, ret := rep.PPFFit, rep.GainFit, rep.RetFit
	curves := []devCurveFile{
		{base: "ltp_ltd", c: &rep.LTPLTD, csvX: "pulse", csvY: "conductance_s"},
		{base: "ppf", c: &rep.PPF, csvX: "interval_s", csvY: "ppf_index_percent", logX: true},
		{base: "epsc_vs_spikes", c: &rep.EPSC, csvX: "spike", csvY: "response_conductance_s"},
		{base: "gain_vs_frequency", c: &rep.Gain, csvX: "frequency_hz", csvY: "gain_ratio", logX: true},
		{base: "stdp", c: &rep.STDP, csvX: "delta_t_s", csvY: "delta_g_over_g0_percent", logX: true, bySign: "|Δt| (s), Δt = t_post − t_pre"},
		{base: "retention", c: &rep.Retention, csvX: "time_s", csvY: "retained_fraction", logX: true},
	}
	if ppf.Tau1 > 0 {
		curves[1].fitName = fmt.Sprintf("fit: τ %.3g s", ppf.Tau1)
		if ppf.Tau2 > 0 {
			curves[1].fitName = fmt.Sprintf("fit: τ1 %.3g s, τ2 %.3g s", ppf.Tau1, ppf.Tau2)
		}
		curves[1].fit = func(x float64) float64 {
			v := 1 + ppf.C1*math.Exp(-x/ppf.Tau1)
			if ppf.Tau2 > 0 {
				v += ppf.C2 * math.Exp(-x/ppf.Tau2)
			}
			return 100 * v
		}
	}
	if gain.CutoffHz > 0 {
		curves[3].fitName = fmt.Sprintf("high-pass fit: cutoff %.3g Hz", gain.CutoffHz)
		curves[3].fit = func(f float64) float64 {
			x := f / gain.CutoffHz
			return gain.Low + (gain.High-gain.Low)*x/math.Sqrt(1+x*x)
		}
	}
	// The LTP/LTD train of the same device without cycle-to-cycle and read noise: the law the
	// noisy curve scatters around.
	if q := *p; q.C2C > 0 || q.ReadNoise > 0 {
		q.C2C, q.ReadNoise = 0, 0
		if d, err := device.NominalDevice(&q, seed); err == nil {
			nominal := device.LTPLTD(d)
			curves[0].fitName = "without C2C and read noise"
			curves[0].csvFit = "noiseless_conductance_s"
			curves[0].fit = func(x float64) float64 {
				if i := int(x); i >= 0 && i < len(nominal.Y) && float64(i) == x {
					return nominal.Y[i]
				}
				return math.NaN()
			}
		}
	}
	if ret.A != 0 || ret.B != 0 {
		curves[5].fitName = fmt.Sprintf("fit: %.3g + %.3g·t^(−%.3g)", ret.A, ret.B, ret.M)
		curves[5].fit = func(t float64) float64 { return ret.A + ret.B*math.Pow(t, -ret.M) }
	}
	var files []string
	for _, cf := range curves {
		c := cf.c
		csvPath := filepath.Join(dir, cf.base+".csv")
		hdr := []string{cf.csvX, cf.csvY}
		cols := [][]float64{c.X, c.Y}
		series := []plots.Series{{Name: "simulated", X: c.X, Y: c.Y, Style: plots.LinePoints}}
		if cf.fit != nil {
			fy := make([]float64, len(c.X))
			for i, x := range c.X {
				fy[i] = cf.fit(x)
			}
			col := cf.csvFit
			if col == "" {
				col = "fit_" + cf.csvY
			}
			hdr = append(hdr, col)
			cols = append(cols, fy)
			series = append(series, plots.Series{Name: cf.fitName, X: c.X, Y: fy})
		}
		if err := plots.SaveCSV(csvPath, hdr, cols...); err != nil {
			return fmt.Errorf("characterize %s: %w", p.Name, err)
		}
		if cf.bySign != "" {
			var pos, neg plots.Series
			pos.Name, pos.Style = "Δt > 0 (pre before post)", plots.LinePoints
			neg.Name, neg.Style = "Δt < 0 (post before pre)", plots.LinePoints
			for i, x := range c.X {
				if x > 0 {
					pos.X, pos.Y = append(pos.X, x), append(pos.Y, c.Y[i])
				} else if x < 0 {
					neg.X, neg.Y = append(neg.X, -x), append(neg.Y, c.Y[i])
				}
			}
			series = []plots.Series{pos, neg}
		}
		// A plot of a long curve (the ideal device's 2×65536 pulses) shows at most
		// devMaxPlotPoints per series, without markers; the CSV keeps every point.
		if n := len(c.X); n > devMaxPlotPoints {
			for i := range series {
				series[i] = decimate(series[i], (n+devMaxPlotPoints-1)/devMaxPlotPoints)
				series[i].Style = plots.LineStyle
			}
		}
		imgPath := filepath.Join(dir, cf.base+"."+format)
		fig := plots.Figure{Title: p.Name + ": " + c.Name, XLabel: c.XLabel, YLabel: c.YLabel, LogX: cf.logX, LogY: cf.logY}
		if cf.bySign != "" {
			fig.XLabel = cf.bySign
		}
		if err := fig.Lines(imgPath, series...); err != nil {
			return fmt.Errorf("characterize %s: %w", p.Name, err)
		}
		files = append(files, cf.base+".csv", cf.base+"."+format)
	}
	files = append(files, "summary.json", "summary.csv")
	sum := devSummary{Device: p.Name, Source: src, Reference: p.Reference, Seed: seed, Rows: rep.Summary,
		PPFFit: ppf, GainFit: gain, RetFit: ret, Notes: rep.Notes, Files: files}
	if sum.Rows == nil {
		sum.Rows = []device.Row{}
	}
	if err := devWriteFile(filepath.Join(dir, "summary.json"), func(w io.Writer) error { return devEncodeJSON(w, sum) }); err != nil {
		return fmt.Errorf("characterize %s: %w", p.Name, err)
	}
	table := [][]string{{"figure", "unit", "review", "simulated", "simulated_over_review", "kind", "match", "note"}}
	for _, r := range rep.Summary {
		table = append(table, []string{r.Figure, r.Unit, devG(r.Review), devG(r.Simulated), devRatio(r), r.Kind, devMatch(r), r.Note})
	}
	if err := plots.SaveTable(filepath.Join(dir, "summary.csv"), table); err != nil {
		return fmt.Errorf("characterize %s: %w", p.Name, err)
	}
	return nil
}

// devMaxPlotPoints is the most points a characterize plot draws per series.
const devMaxPlotPoints = 2000

// decimate keeps every k-th point of s, and its last.
func decimate(s plots.Series, k int) plots.Series {
	out := plots.Series{Name: s.Name, Style: s.Style}
	for i := 0; i < len(s.X); i += k {
		out.X, out.Y = append(out.X, s.X[i]), append(out.Y, s.Y[i])
	}
	if n := len(s.X); n > 0 && (n-1)%k != 0 {
		out.X, out.Y = append(out.X, s.X[n-1]), append(out.Y, s.Y[n-1])
	}
	return out
}

func devG(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

// devMatch says whether a summary row's simulated figure is within 10 % of the review's: "yes"
// or "no" for a row simulated by a protocol, "–" for one that restates a parameter (an echo
// is no check).
func devMatch(r device.Row) string {
	if r.Kind != device.KindSimulated {
		return "–"
	}
	if r.Review != 0 && math.Abs(r.Simulated/r.Review-1) <= 0.1 {
		return "yes"
	}
	return "no"
}

func devRatio(r device.Row) string {
	if r.Review == 0 {
		return ""
	}
	return strconv.FormatFloat(r.Simulated/r.Review, 'f', 3, 64)
}

// devPrintSummary prints a device's review-vs-simulated table.
func devPrintSummary(w io.Writer, p *device.Params, rep *device.Report, dir string) {
	fmt.Fprintf(w, "%s (%s) — %s\n", p.Name, p.Kind, experiment.ShortRef(p.Reference))
	var fits []string
	switch f := rep.PPFFit; {
	case f.Tau2 > 0:
		fits = append(fits, fmt.Sprintf("PPF τ1 %.3g s, τ2 %.3g s", f.Tau1, f.Tau2))
	case f.Tau1 > 0:
		fits = append(fits, fmt.Sprintf("PPF τ %.3g s", f.Tau1))
	}
	if rep.GainFit.CutoffHz > 0 {
		fits = append(fits, fmt.Sprintf("gain cutoff %.3g Hz", rep.GainFit.CutoffHz))
	}
	if f := rep.RetFit; f.A != 0 || f.B != 0 {
		fits = append(fits, fmt.Sprintf("retention %.3g + %.3g·t^(−%.3g)", f.A, f.B, f.M))
	}
	if len(fits) > 0 {
		fmt.Fprintf(w, "  fits: %s\n", strings.Join(fits, "; "))
	}
	if len(rep.Summary) == 0 {
		fmt.Fprintln(w, "  (the review quotes no figure of merit for this device)")
	} else {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  figure\tunit\treview\tsimulated\tsim/review\tkind\tmatch\tnote")
		for _, r := range rep.Summary {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Figure, r.Unit, devG(r.Review), devG(r.Simulated), devRatio(r),
				r.Kind, devMatch(r), r.Note)
		}
		tw.Flush()
	}
	fmt.Fprintf(w, "  files: %s\n", dir)
}

// ---------------------------------------------------------------------------------------------
// fit

var devUnits = map[string]float64{"s": 1, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ns": 1e-9, "ps": 1e-12}

// devParseUnit reads a conductance unit: S, mS, uS, nS, pS, or a number of siemens.
func devParseUnit(s string) (float64, bool) {
	if v, ok := devUnits[strings.ToLower(strings.TrimSpace(s))]; ok {
		return v, true
	}
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil && v > 0 && !math.IsInf(v, 0)
}

func deviceFit(e *env, args []string) error {
	fs := e.flags("device fit", "device fit CURVE.csv [--name NAME] [--out FILE.json] [--unit S|mS|uS|nS|pS] [--base NAME|FILE] [--plot FILE.png|svg] [--bootstrap N]")
	name := fs.String("name", "", "name of the fitted device (default: the curve file's base name)")
	out := fs.String("out", "", "write the device JSON to this file (default: stdout)")
	unit := fs.String("unit", "S", "unit of the conductance column: S, mS, uS, nS, pS, or a number of siemens")
	base := fs.String("base", "", "take the fields a curve does not give (noise, energy, STP, retention) from this preset or device file (default: documented assumptions)")
	plotPath := fs.String("plot", "", "also plot the measured and fitted curves to this .png or .svg file")
	boot := fs.Int("bootstrap", device.DefaultFitBootstrap, "bootstrap replicates for the 95 % intervals (seeded: the same intervals every run); 0 = no intervals")
	pos, err := devParseArgs(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return e.usagef("want one curve file, got %d arguments", len(pos))
	}
	u, ok := devParseUnit(*unit)
	if !ok {
		return e.usagef("--unit must be S, mS, uS, nS, pS or a positive number, got %q", *unit)
	}
	if *plotPath != "" {
		if ext := strings.ToLower(filepath.Ext(*plotPath)); ext != ".png" && ext != ".svg" {
			return e.usagef("--plot must end in .png or .svg, got %q", *plotPath)
		}
	}
	if *boot < 0 {
		return e.usagef("--bootstrap must be a number of replicates ≥ 0 (0: no intervals), got %d", *boot)
	}
	cfg := device.DefaultFitConfig()
	cfg.Name, cfg.Unit, cfg.Bootstrap = *name, u, *boot
	if *base != "" {
		b, err := experiment.ResolveDevice(*base)
		if err != nil {
			return fmt.Errorf("--base: %w", err)
		}
		cfg.Base = b
	}
	r, err := device.FitFile(pos[0], cfg)
	if err != nil {
		return err
	}
	devPrintFit(e.stderr, pos[0], r)
	for _, w := range r.Warnings {
		fmt.Fprintf(e.stderr, "  warning: %s\n", w)
	}
	if *plotPath != "" {
		fig := plots.Figure{Title: r.Params.Name + ": fitted LTP/LTD", XLabel: "pulse number (from the start of LTP)", YLabel: "conductance (S)"}
		if err := fig.Lines(*plotPath,
			plots.Series{Name: "measured", X: r.X, Y: r.G, Style: plots.PointStyle},
			plots.Series{Name: fmt.Sprintf("fit: NL %.2f/%.2f", r.NLLTP, r.NLLTD), X: r.X, Y: r.Model}); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "  plot: %s\n", *plotPath)
	}
	if *out == "" {
		return r.Params.WriteJSON(e.stdout)
	}
	if err := devWriteFile(*out, r.Params.WriteJSON); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "  device: %s\n", *out)
	return nil
}

// devPrintFit prints a fit's parameters, with their 95 % intervals when it has them, and how
// well it fits.
func devPrintFit(w io.Writer, file string, r *device.FitResult) {
	fmt.Fprintf(w, "fit of %s: %d points (%d LTP, %d LTD)\n", file, r.PointsLTP+r.PointsLTD, r.PointsLTP, r.PointsLTD)
	ci := r.CI95
	if ci == nil {
		fmt.Fprintf(w, "  states %d, Gmin %.4g S, Gmax %.4g S (on/off %.3g), NL LTP %.3f, NL LTD %.3f\n",
			r.States, r.Gmin, r.Gmax, r.Gmax/r.Gmin, r.NLLTP, r.NLLTD)
	} else {
		st := fmt.Sprintf("[%d, %d]", ci.States[0], ci.States[1])
		if r.Labelled {
			st = "(the ltp rows' pulse count: no interval)"
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "  parameter\tfit\t95 %% interval (%d bootstrap replicates)\n", r.Bootstrap)
		fmt.Fprintf(tw, "  states\t%d\t%s\n", r.States, st)
		fmt.Fprintf(tw, "  Gmin\t%.4g S\t[%.4g, %.4g] S\n", r.Gmin, ci.Gmin[0], ci.Gmin[1])
		fmt.Fprintf(tw, "  Gmax\t%.4g S\t[%.4g, %.4g] S\n", r.Gmax, ci.Gmax[0], ci.Gmax[1])
		fmt.Fprintf(tw, "  NL_LTP\t%.2f\t[%.2f, %.2f]\n", r.NLLTP, ci.NLLTP[0], ci.NLLTP[1])
		fmt.Fprintf(tw, "  NL_LTD\t%.2f\t[%.2f, %.2f]\n", r.NLLTD, ci.NLLTD[0], ci.NLLTD[1])
		tw.Flush()
		fmt.Fprintf(w, "  on/off %.3g\n", r.Gmax/r.Gmin)
	}
	fmt.Fprintf(w, "  RMSE %.3g S = %.2f %% of the window (LTP %.3g S, LTD %.3g S), R² %.5f\n",
		r.RMSE, 100*r.NRMSE, r.RMSELTP, r.RMSELTD, r.R2)
	fmt.Fprintf(w, "  noise (maximum likelihood): C2C σ %.3g %% of the window per pulse, read σ %.3g S\n",
		100*r.NoiseC2C, r.NoiseRead)
}

// ---------------------------------------------------------------------------------------------

// devEncodeJSON writes v as indented JSON.
func devEncodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// devWriteFile writes a file atomically: into a temporary file in the same folder, renamed
// over path once complete, so an interrupted run never leaves half a file. The file gets
// filePerm.
func devWriteFile(path string, write func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := write(f); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Chmod(filePerm); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, errors.Unwrap(err))
	}
	return nil
}
