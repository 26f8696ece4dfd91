package experiment

import (
	"bytes"
	"context"
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
	"github.com/nanospike/nanospike/internal/plots"
)

// CharacterizeOptions says where Characterize writes and with which seed.
type CharacterizeOptions struct {
	Out    string // folder: device p's files go into CharacterizationDir(Out, p.Name)
	Format string // plot format: "png" or "svg"
	Seed   uint64 // seed of every device's noise
	// Done, if not nil, is called once for each device whose files are written, from the
	// goroutine that ran it, so it must be safe for concurrent use (a progress bar's Add).
	Done func()
}

// CharacterizationSummary is the summary.json of one characterized device: the review's
// figures against the simulated ones, the fits of the protocols' curves, and the files
// written next to it.
type CharacterizationSummary struct {
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

// Characterize runs every protocol of device.Characterize on each device of devs and writes
// its folder, CharacterizationDir(o.Out, name): per protocol a CSV (ASCII snake_case
// headers, the unit last, and a column of the fitted or noiseless curve where there is one)
// and a plot, then summary.json (CharacterizationSummary) and summary.csv. srcs[i] says
// where devs[i] came from (a preset name or a device file), for summary.json.
//
// The devices are independent (each has its own seeded noise), so they run side by side, one
// per core; the files are the same as a serial run's. The reports come back in the order of
// devs. The error is ctx's if it was cancelled, else the first device's error in that order.
// Characterize panics if devs and srcs differ in length.
func Characterize(ctx context.Context, o CharacterizeOptions, devs []*device.Params, srcs []string) ([]*device.Report, error) {
	if len(devs) != len(srcs) {
		panic("experiment: Characterize: devs and srcs differ in length")
	}
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
			rep, err := device.Characterize(p, o.Seed)
			if err != nil {
				errs[i] = fmt.Errorf("characterize %s: %w", p.Name, err)
				return
			}
			dir := CharacterizationDir(o.Out, p.Name)
			if err := writeCharacterization(dir, o.Format, srcs[i], o.Seed, p, rep); err != nil {
				errs[i] = err
				return
			}
			reports[i] = rep
			if o.Done != nil {
				o.Done()
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return reports, nil
}

var unsafeDirChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// CharacterizationDir returns the folder under out that Characterize writes the device
// called name into: the name with every run of other characters than ASCII letters, digits,
// '.', '_' and '-' replaced by '-', trimmed of '-' and '.' ("device" if nothing is left).
// Two devices whose names give the same folder overwrite each other's files.
func CharacterizationDir(out, name string) string {
	s := strings.Trim(unsafeDirChars.ReplaceAllString(name, "-"), "-.")
	if s == "" {
		s = "device"
	}
	return filepath.Join(out, s)
}

// protocolFile is how one protocol curve is written and plotted.
type protocolFile struct {
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

// writeCharacterization writes a report's curves (CSV and plot), summary.json and
// summary.csv into dir.
func writeCharacterization(dir, format, src string, seed uint64, p *device.Params, rep *device.Report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("characterize %s: %w", p.Name, err)
	}
	ppf, gain, ret := rep.PPFFit, rep.GainFit, rep.RetFit
	curves := []protocolFile{
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
		if err := cf.write(dir, format, p.Name); err != nil {
			return fmt.Errorf("characterize %s: %w", p.Name, err)
		}
		files = append(files, cf.base+".csv", cf.base+"."+format)
	}
	files = append(files, "summary.json", "summary.csv")
	sum := CharacterizationSummary{Device: p.Name, Source: src, Reference: p.Reference, Seed: seed, Rows: rep.Summary,
		PPFFit: ppf, GainFit: gain, RetFit: ret, Notes: rep.Notes, Files: files}
	if sum.Rows == nil {
		sum.Rows = []device.Row{}
	}
	if err := WriteJSON(filepath.Join(dir, "summary.json"), sum); err != nil {
		return fmt.Errorf("characterize %s: %w", p.Name, err)
	}
	table := [][]string{{"figure", "unit", "review", "simulated", "simulated_over_review", "kind", "match", "note"}}
	for _, r := range rep.Summary {
		table = append(table, []string{r.Figure, r.Unit, figureText(r.Review), figureText(r.Simulated), ratioText(r), r.Kind, matchText(r), r.Note})
	}
	if err := plots.SaveTable(filepath.Join(dir, "summary.csv"), table); err != nil {
		return fmt.Errorf("characterize %s: %w", p.Name, err)
	}
	return nil
}

// write writes the curve's CSV and its plot (in format) into dir; name is the device's, for
// the plot's title.
func (cf protocolFile) write(dir, format, name string) error {
	c := cf.c
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
	if err := plots.SaveCSV(filepath.Join(dir, cf.base+".csv"), hdr, cols...); err != nil {
		return err
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
	// maxPlotPoints per series, without markers; the CSV keeps every point.
	if n := len(c.X); n > maxPlotPoints {
		for i := range series {
			series[i] = decimate(series[i], (n+maxPlotPoints-1)/maxPlotPoints)
			series[i].Style = plots.LineStyle
		}
	}
	fig := plots.Figure{Title: name + ": " + c.Name, XLabel: c.XLabel, YLabel: c.YLabel, LogX: cf.logX, LogY: cf.logY}
	if cf.bySign != "" {
		fig.XLabel = cf.bySign
	}
	return fig.Lines(filepath.Join(dir, cf.base+"."+format), series...)
}

// maxPlotPoints is the most points a characterization plot draws per series.
const maxPlotPoints = 2000

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

// figureText formats a review or simulated figure to 4 significant digits.
func figureText(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

// matchText says whether a summary row's simulated figure is within 10 % of the review's:
// "yes" or "no" for a row simulated by a protocol, "–" for one that restates a parameter (an
// echo is no check).
func matchText(r device.Row) string {
	if r.Kind != device.KindSimulated {
		return "–"
	}
	if r.Review != 0 && math.Abs(r.Simulated/r.Review-1) <= 0.1 {
		return "yes"
	}
	return "no"
}

// ratioText is simulated/review to 3 decimals, or "" where the review quotes 0.
func ratioText(r device.Row) string {
	if r.Review == 0 {
		return ""
	}
	return strconv.FormatFloat(r.Simulated/r.Review, 'f', 3, 64)
}

// WriteCharacterizationSummary writes to w, in the order of devs, each device's fits and
// review-vs-simulated table with the folder Characterize wrote it into (out, as given to
// Characterize). For more than one device it then writes every device's rows into one table,
// out/summary.csv, and to w with a count of the rows a protocol checked and of those within
// 10 % of the review.
func WriteCharacterizationSummary(w io.Writer, out string, devs []*device.Params, reports []*device.Report) error {
	for i, rep := range reports {
		if i > 0 {
			fmt.Fprintln(w)
		}
		writeDeviceSummary(w, devs[i], rep, CharacterizationDir(out, devs[i].Name))
	}
	if len(devs) > 1 {
		return writeOverallSummary(w, out, devs, reports)
	}
	return nil
}

// writeDeviceSummary writes a device's fits and review-vs-simulated table.
func writeDeviceSummary(w io.Writer, p *device.Params, rep *device.Report, dir string) {
	fmt.Fprintf(w, "%s (%s) — %s\n", p.Name, p.Kind, ShortRef(p.Reference))
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
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Figure, r.Unit, figureText(r.Review), figureText(r.Simulated), ratioText(r),
				r.Kind, matchText(r), r.Note)
		}
		tw.Flush()
	}
	fmt.Fprintf(w, "  files: %s\n", dir)
}

// writeOverallSummary writes every device's review-vs-simulated rows into out/summary.csv
// and to w, in one table.
func writeOverallSummary(w io.Writer, out string, devs []*device.Params, reports []*device.Report) error {
	table := [][]string{{"device", "figure", "unit", "review", "simulated", "simulated_over_review", "kind", "match"}}
	checks, matches := 0, 0
	for i, rep := range reports {
		for _, r := range rep.Summary {
			m := matchText(r)
			if r.Kind == device.KindSimulated {
				checks++
				if m == "yes" {
					matches++
				}
			}
			table = append(table, []string{devs[i].Name, r.Figure, r.Unit, figureText(r.Review), figureText(r.Simulated), ratioText(r), r.Kind, m})
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

// writeViaTemp writes what write produces to path atomically (WriteFileAtomic).
func writeViaTemp(path string, write func(io.Writer) error) error {
	var b bytes.Buffer
	if err := write(&b); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return WriteFileAtomic(path, b.Bytes())
}
