package experiment

import (
	"cmp"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/nanospike/nanospike/internal/plots"
	"github.com/nanospike/nanospike/learning"
)

// plotTitle is the title of cf's plots: the settings, shortened.
func plotTitle(cf *Comparison) string {
	title := settingsLine(cf)
	if len(title) <= 90 {
		return title
	}
	title = fmt.Sprintf("stdp, %d neurons, %s", cf.Options.Neurons, cmp.Or(cf.Options.Programming, learning.ProgrammingNominal)+" programming")
	if cf.Rule == "backprop" {
		title = "backprop, 784-" + strings.ReplaceAll(cf.Options.Backprop.Hidden, ",", "-") + "-10, update " + cf.Options.Backprop.Update
	}
	title += fmt.Sprintf(", %d seeds", len(cf.Seeds))
	if len(cf.Set) > 0 {
		title += ", " + strings.Join(cf.Set, ", ")
	}
	if cf.Sweep != "" {
		title += ", " + cf.Preset
	}
	return title
}

// comparePlots writes accuracy per device (bars with 95 % intervals,
// collapsed devices in red), accuracy against energy per inference
// (scatter, log x, intervals, collapsed as red crosses) and, for a sweep,
// accuracy against the swept parameter, each as PNG and SVG.
func comparePlots(dir string, cf *Comparison) error {
	title := plotTitle(cf)
	var bars []plots.Bar
	var pts []plots.Point
	var xs, ys []float64
	for _, s := range cf.Summary {
		r := groupRows(cf, s.Group)[0]
		name := s.Group
		if r.Value != nil {
			name = strconv.FormatFloat(*r.Value, 'g', -1, 64)
			xs = append(xs, *r.Value)
			ys = append(ys, 100*s.Accuracy.Mean)
		}
		flag := s.Collapsed > 0
		label := name
		if flag {
			label += " (collapsed)"
		}
		bars = append(bars, plots.Bar{Label: label, Value: 100 * s.Accuracy.Mean, Lo: 100 * s.Accuracy.Lo, Hi: 100 * s.Accuracy.Hi, Flagged: flag})
		pts = append(pts, plots.Point{X: s.Energy.Mean, Y: 100 * s.Accuracy.Mean, Label: label, Lo: 100 * s.Accuracy.Lo, Hi: 100 * s.Accuracy.Hi, Flagged: flag})
	}
	// Scatter labels the points in order where there is room (coincident points share one
	// label, named in its caption): the most accurate first.
	slices.SortStableFunc(pts, func(a, b plots.Point) int { return cmp.Compare(b.Y, a.Y) })
	infParts, infStacks, trParts, trStacks := energyStacks(cf)
	curves := groupCurves(cf)
	for _, ext := range []string{".png", ".svg"} {
		if len(curves) > 0 {
			ylabel := "running training accuracy (%), mean over seeds"
			if cf.Rule == "backprop" {
				ylabel = "test accuracy after each epoch (%), mean over seeds"
			}
			f := plots.Figure{Title: title, XLabel: "training images", YLabel: ylabel}
			if err := f.Lines(filepath.Join(dir, "curves"+ext), curves...); err != nil {
				return err
			}
		}
		if len(infStacks) > 0 {
			f := plots.Figure{Title: title, YLabel: "energy per inference (µJ), mean over seeds"}
			if err := f.Stacked(filepath.Join(dir, "energy-inference"+ext), infParts, infStacks...); err != nil {
				return err
			}
			f.YLabel = "share of the energy per training image (%)"
			if err := f.Stacked(filepath.Join(dir, "energy-training"+ext), trParts, trStacks...); err != nil {
				return err
			}
		}
		f := plots.Figure{Title: title, YLabel: "test accuracy (%), mean and 95 % CI"}
		if err := f.Bars(filepath.Join(dir, "accuracy"+ext), bars...); err != nil {
			return err
		}
		f.XLabel, f.LogX = "energy per inference (J)", true
		if err := f.Scatter(filepath.Join(dir, "accuracy-vs-energy"+ext), pts...); err != nil {
			return err
		}
		if cf.Sweep != "" {
			f.XLabel, f.LogX = cf.Sweep, cf.Sweep == "states"
			s := plots.Series{Name: cf.Preset, X: xs, Y: ys, Style: plots.LinePoints}
			if err := f.Lines(filepath.Join(dir, "accuracy-vs-"+cf.Sweep+ext), s); err != nil {
				return err
			}
		}
	}
	return nil
}

// energyStacks returns the stacked bars of the energy breakdown per group (mean over its
// seeds): of an inference by part (µJ), and of a training image as shares (%) of the
// network's part, the programming of the cells and bit lines, and the light. Runs stored before the crossbar model
// have no parts; then there are no stacks.
func energyStacks(cf *Comparison) (infParts []string, inf []plots.Stack, trParts []string, tr []plots.Stack) {
	infParts = []string{"device: cells + word lines", "periphery", "neuron circuits", "spike routing + digital synapses", "leakage"}
	trParts = []string{"network (as an inference)", "programming: cells + bit lines", "programming: light"}
	for _, s := range cf.Summary {
		rows := groupRows(cf, s.Group)
		var a [8]float64
		for _, r := range rows {
			if r.CellsPerInference+r.PeripheryPerInference+r.NeuronsPerInference+r.LeakagePerInference == 0 {
				return nil, nil, nil, nil
			}
			prog := r.ProgramCells + r.ProgramWires + r.ProgramLight
			for k, v := range []float64{r.CellsPerInference + r.WiresPerInference, r.PeripheryPerInference, r.NeuronsPerInference,
				r.RoutingPerInference, r.LeakagePerInference,
				r.EnergyPerTrainImage - prog, r.ProgramCells + r.ProgramWires, r.ProgramLight} {
				a[k] += 1e6 * v / float64(len(rows))
			}
		}
		label := s.Group
		if r := rows[0]; r.Value != nil {
			label = strconv.FormatFloat(*r.Value, 'g', -1, 64)
		}
		inf = append(inf, plots.Stack{Label: label, Values: append([]float64(nil), a[:5]...)})
		// Training energies span orders of magnitude between devices (programming): shares,
		// with the total in the label.
		total := a[5] + a[6] + a[7]
		shares := []float64{a[5], a[6], a[7]}
		for k := range shares {
			if total > 0 {
				shares[k] *= 100 / total
			}
		}
		tr = append(tr, plots.Stack{Label: label + " (" + Joules(total*1e-6) + ")", Values: shares})
	}
	return infParts, inf, trParts, tr
}

// groupCurves returns each group's learning curve, the mean over its seeds at each point:
// backprop's test accuracy per epoch where the runs have it, else the training curve (STDP's
// running accuracy). A group whose runs' points differ is left out.
func groupCurves(cf *Comparison) []plots.Series {
	var out []plots.Series
	for _, s := range cf.Summary {
		rows := groupRows(cf, s.Group)
		var mean plots.Series
		ok := true
		for _, r := range rows {
			ser := curveSeries(r.History)
			if len(ser) == 0 {
				ok = false
				break
			}
			c := ser[len(ser)-1] // the test curve where there is one
			if mean.X == nil {
				mean.X, mean.Y = slices.Clone(c.X), make([]float64, len(c.X))
			}
			if !slices.Equal(mean.X, c.X) {
				ok = false
				break
			}
			for i, y := range c.Y {
				mean.Y[i] += y / float64(len(rows))
			}
		}
		if ok && len(mean.X) > 0 {
			mean.Name = s.Group
			if len(mean.X) < 8 {
				mean.Style = plots.LinePoints
			}
			out = append(out, mean)
		}
	}
	return out
}
