package experiment

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/nanospike/nanospike/device"
	"github.com/nanospike/nanospike/internal/plots"
)

var conductanceUnits = map[string]float64{"s": 1, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ns": 1e-9, "ps": 1e-12}

// ParseConductanceUnit reads the unit of a measured curve's conductance column as the number
// of siemens it stands for (device.FitConfig's Unit): S, mS, uS (or µS), nS, pS, in any
// case, or a positive finite number of siemens. ok is false for anything else.
func ParseConductanceUnit(s string) (siemens float64, ok bool) {
	if v, ok := conductanceUnits[strings.ToLower(strings.TrimSpace(s))]; ok {
		return v, true
	}
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil && v > 0 && !math.IsInf(v, 0)
}

// WriteFitReport writes what a fit of the curve in file found: its parameters, with their
// 95 % bootstrap intervals when r has them, how well it fits, the noise the bootstrap drew
// from, and r's warnings.
func WriteFitReport(w io.Writer, file string, r *device.FitResult) {
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
	for _, s := range r.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", s)
	}
}

// PlotFit plots the measured points of a fit and the fitted curve to path, a .png or .svg
// file.
func PlotFit(path string, r *device.FitResult) error {
	fig := plots.Figure{Title: r.Params.Name + ": fitted LTP/LTD", XLabel: "pulse number (from the start of LTP)", YLabel: "conductance (S)"}
	return fig.Lines(path,
		plots.Series{Name: "measured", X: r.X, Y: r.G, Style: plots.PointStyle},
		plots.Series{Name: fmt.Sprintf("fit: NL %.2f/%.2f", r.NLLTP, r.NLLTD), X: r.X, Y: r.Model})
}

// SaveDevice writes p as a device JSON file (device.Params.WriteJSON) to path atomically:
// through a temporary file in the same folder and a rename, so an interrupted run never
// leaves half a file. The file is 0644.
func SaveDevice(path string, p *device.Params) error {
	return writeViaTemp(path, p.WriteJSON)
}
