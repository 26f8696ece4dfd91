package experiment

import (
	"context"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/nanospike/nanospike/datasets"
	"github.com/nanospike/nanospike/device"
	"github.com/nanospike/nanospike/internal/plots"
)

// TargetsFile is targets.json: the sweeps' accuracies and what they say.
type TargetsFile struct {
	Version int      `json:"version"`
	Kind    string   `json:"kind"` // "nanospike targets"
	Command string   `json:"command"`
	Rule    string   `json:"rule"`
	Device  string   `json:"device"`
	Loss    float64  `json:"loss_pp"` // the accuracy loss target against the ideal device, pp
	Options Options  `json:"options"`
	Seeds   []uint64 `json:"seeds"`
	Commit  string   `json:"commit,omitempty"`
	Machine string   `json:"machine,omitempty"`
	// Ideal and Own are the ideal device's and the device's accuracy per seed (in Seeds' order).
	Ideal  []float64      `json:"ideal_accuracy"`
	Own    []float64      `json:"device_accuracy"`
	Params []targetsParam `json:"params"`
	Pairs  []targetsPair  `json:"pairs,omitempty"`
}

// targetsParam is one parameter's sweep and its target.
type targetsParam struct {
	Target
	Better  string       `json:"better"` // "higher" or "lower"
	Ideal   float64      `json:"ideal_value"`
	Points  []SweepPoint `json:"points"`
	Tornado Stat         `json:"tornado_pp"` // loss at the device's value − loss at the ideal value
}

// targetsPair is a 2-D sweep of two parameters: the mean loss (pp) at each pair of values.
type targetsPair struct {
	Params [2]string   `json:"params"`
	ValsA  []float64   `json:"values_a"`
	ValsB  []float64   `json:"values_b"`
	Loss   [][]float64 `json:"mean_loss_pp"` // [i of B][j of A]
}

const targetsVersion = 1

// TargetsBackpropEpochs is targets' backprop length: one epoch of 784-100-10 has not converged
// for the ideal device, three have (docs/targets.md, "How long the runs are").
const TargetsBackpropEpochs = 3

// refLabel names the ideal device's reference runs of a targets folder.
const refLabel = "reference-ideal"

// parseTargetValues parses one --values param=v1,v2,… for a parameter among owns (the swept
// ones, with the device's values): the values, best first, the device's own added; a range
// that does not contain the device's value is an error.
func parseTargetValues(s string, owns map[string]float64) (string, []float64, error) {
	n, list, ok := strings.Cut(s, "=")
	if !ok {
		return "", nil, fmt.Errorf("%q is not param=v1,v2,…", s)
	}
	tp, err := TargetParamByName(n)
	if err != nil {
		return "", nil, err
	}
	own, swept := owns[n]
	if !swept {
		return "", nil, fmt.Errorf("%s is not among the swept parameters (--params)", n)
	}
	vals := []float64{own}
	for _, f := range SplitList(list) {
		v, ok := parseFinite(f)
		if !ok {
			return "", nil, fmt.Errorf("%s: %q is not a finite number", n, f)
		}
		vals = append(vals, v)
	}
	lo, hi := slices.Min(vals[1:]), slices.Max(vals[1:])
	if len(vals) < 3 || own < lo || own > hi {
		return "", nil, fmt.Errorf("%s: the range [%v, %v] does not contain the device's value %v", n, lo, hi, own)
	}
	vals = Dedupe(vals)
	slices.Sort(vals)
	if tp.Better == Higher {
		slices.Reverse(vals)
	}
	return n, vals, nil
}

// pointLabel is the group label of a sweep point: the device's label, then each parameter set
// (in name order) with its value; the device's label alone where every value is its own.
func pointLabel(label string, set, owns map[string]float64) string {
	same := true
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(set)) {
		same = same && set[k] == owns[k]
		parts = append(parts, k+"="+strconv.FormatFloat(set[k], 'g', -1, 64))
	}
	if same {
		return label
	}
	return label + "-" + strings.Join(parts, "+")
}

// TargetParamNames lists the design-target parameters.
func TargetParamNames() []string {
	var out []string
	for _, p := range TargetParams {
		out = append(out, p.Name)
	}
	return out
}

// TargetParamList parses --params.
func TargetParamList(s string) ([]string, error) {
	if s == "all" {
		return TargetParamNames(), nil
	}
	var out []string
	for _, n := range SplitList(s) {
		if _, err := TargetParamByName(n); err != nil {
			return nil, err
		}
		if slices.Contains(out, n) {
			return nil, fmt.Errorf("%s given twice", n)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no parameter")
	}
	return out, nil
}

// TargetPairList parses --pairs.
func TargetPairList(s string) ([][2]string, error) {
	var out [][2]string
	for _, p := range SplitList(s) {
		a, b, ok := strings.Cut(p, ":")
		if !ok || a == b {
			return nil, fmt.Errorf("%q is not a:b with two different parameters", p)
		}
		for _, n := range []string{a, b} {
			if _, err := TargetParamByName(n); err != nil {
				return nil, err
			}
		}
		out = append(out, [2]string{a, b})
	}
	return out, nil
}

// writeTargetsOutputs writes targets.json, targets.csv, targets.md and the plots into dir.
func writeTargetsOutputs(dir string, tf *TargetsFile) error {
	if err := WriteJSON(filepath.Join(dir, "targets.json"), tf); err != nil {
		return err
	}
	rows := [][]string{{"param", "value", "seed", "loss_pp", "threshold", "threshold_ci95_lo", "threshold_ci95_hi", "verdict"}}
	for _, p := range tf.Params {
		for _, pt := range p.Points {
			for k, l := range pt.Loss {
				rows = append(rows, []string{p.Param, num(pt.Value), strconv.FormatUint(tf.Seeds[k], 10), num(l),
					num(p.Threshold.Mean), num(p.Threshold.Lo), num(p.Threshold.Hi), p.Verdict})
			}
		}
	}
	if err := writeCSVAtomic(filepath.Join(dir, "targets.csv"), rows); err != nil {
		return err
	}
	if err := WriteFileAtomic(filepath.Join(dir, "targets.md"), []byte(TargetsMarkdown(tf))); err != nil {
		return err
	}
	title := fmt.Sprintf("%s, %s, %d seeds", tf.Rule, tf.Device, len(tf.Seeds))
	var bars []plots.Bar
	for _, p := range tf.Params {
		bars = append(bars, plots.Bar{Label: fmt.Sprintf("%s %s → %s", p.Param, num(p.Own), num(p.Ideal)),
			Value: p.Tornado.Mean, Lo: p.Tornado.Lo, Hi: p.Tornado.Hi})
	}
	slices.SortStableFunc(bars, func(a, b plots.Bar) int {
		switch {
		case math.Abs(a.Value) > math.Abs(b.Value):
			return -1
		case math.Abs(a.Value) < math.Abs(b.Value):
			return 1
		}
		return 0
	})
	for _, ext := range []string{".png", ".svg"} {
		if len(bars) > 0 {
			f := plots.Figure{Title: title, YLabel: "accuracy gained moving to the ideal value (pp)"}
			if err := f.Bars(filepath.Join(dir, "tornado"+ext), bars...); err != nil {
				return err
			}
		}
		for _, pr := range tf.Pairs {
			var xs, ys []string
			for _, v := range pr.ValsA {
				xs = append(xs, num(v))
			}
			for _, v := range pr.ValsB {
				ys = append(ys, num(v))
			}
			f := plots.Figure{Title: title + ": accuracy loss vs ideal (pp)", XLabel: pr.Params[0], YLabel: pr.Params[1]}
			if err := f.HeatMap(filepath.Join(dir, "heat-"+pr.Params[0]+"-"+pr.Params[1]+ext), xs, ys, pr.Loss, "%.1f"); err != nil {
				return err
			}
		}
	}
	return nil
}

// TargetsMarkdown is the summary: one sentence of what the device needs, and the table.
func TargetsMarkdown(tf *TargetsFile) string {
	var b strings.Builder
	ideal, own := Describe(tf.Ideal), Describe(tf.Own)
	fmt.Fprintf(&b, "Design targets of %s with %s (%s), loss target %g pp against the ideal device; seeds %s. "+
		"Ideal device %.2f %%, %s %.2f %%.\n\n", tf.Device, tf.Rule, settingsOf(tf), tf.Loss, seedsText(tf.Seeds), ideal.Mean, tf.Device, own.Mean)
	var needs, meets, insensitive, reversed, unreachable []string
	for _, p := range tf.Params {
		cmp := "≥"
		if p.Better == "lower" {
			cmp = "≤"
		}
		what := fmt.Sprintf("%s %s %s", p.Param, cmp, num(roundSig(p.Threshold.Mean)))
		switch p.Verdict {
		case VerdictNeeds:
			note := ""
			if !(p.Own < p.Threshold.Lo || p.Own > p.Threshold.Hi) {
				note = "; the threshold's interval holds the device's value: not established with these seeds"
			}
			needs = append(needs, what+fmt.Sprintf(" (now %s%s)", num(p.Own), note))
		case VerdictMeets:
			meets = append(meets, what+fmt.Sprintf(" (has %s)", num(p.Own)))
		case VerdictInsensitive:
			insensitive = append(insensitive, p.Param)
		case VerdictUnreachable:
			unreachable = append(unreachable, p.Param)
		case VerdictReversed:
			how := "not established with these seeds"
			better := Higher
			if p.Better == "lower" {
				better = Lower
			}
			if r, ok := Reversal(p.Points, p.Own, better); ok && r.Excludes(0) {
				how = fmt.Sprintf("by %.2f pp, 95 %% CI [%.2f, %.2f]", r.Mean, r.Lo, r.Hi)
			}
			reversed = append(reversed, fmt.Sprintf("%s (device %s, ideal %s: %s)", p.Param, num(p.Own), num(p.Ideal), how))
		}
	}
	fmt.Fprintf(&b, "To stay within %g pp of ideal with %s, %s ", tf.Loss, tf.Rule, tf.Device)
	switch {
	case len(needs) == 0 && own.Mean < ideal.Mean-tf.Loss:
		b.WriteString("cannot get there by changing any one swept parameter")
		if len(unreachable) > 0 {
			fmt.Fprintf(&b, " (even the best value of %s alone loses more: other parameters dominate)", strings.Join(unreachable, ", "))
		}
	case len(needs) == 0:
		b.WriteString("needs no parameter changed among those the runs are sensitive to")
	default:
		b.WriteString("needs " + strings.Join(needs, ", "))
	}
	if len(meets) > 0 {
		b.WriteString("; it already meets " + strings.Join(meets, ", "))
	}
	b.WriteString(".")
	if len(reversed) > 0 {
		fmt.Fprintf(&b, " Reversed: for %s a value better than the device's loses more (than the target while the device's value does not, or than the device's value itself; the paired difference to the worst such value is given): the accuracy is not monotone in it here, so it has no threshold.", strings.Join(reversed, "; "))
	}
	if len(insensitive) > 0 {
		fmt.Fprintf(&b, " At this run length the accuracy does not move with %s over the swept range: the runs are insensitive to it, which says nothing of what the device needs.", strings.Join(insensitive, ", "))
	}
	b.WriteString("\n\n| parameter | device | swept | threshold | 95 % CI | verdict | gain at the ideal value (pp) |\n| :--- | ---: | :--- | ---: | :--- | :--- | ---: |\n")
	for _, p := range tf.Params {
		var vs []string
		for _, pt := range p.Points {
			vs = append(vs, num(pt.Value))
		}
		ci := "–"
		if !math.IsNaN(p.Threshold.Lo) {
			ci = fmt.Sprintf("[%s, %s]", num(roundSig(p.Threshold.Lo)), num(roundSig(p.Threshold.Hi)))
		}
		th := "–"
		if !math.IsNaN(p.Threshold.Mean) {
			th = num(roundSig(p.Threshold.Mean))
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %+.2f |\n", p.Param, num(p.Own), strings.Join(vs, ", "), th, ci, p.Verdict, p.Tornado.Mean)
	}
	return b.String()
}

// settingsOf names the run length of a targets file.
func settingsOf(tf *TargetsFile) string {
	o := tf.Options
	if tf.Rule == "backprop" {
		return fmt.Sprintf("784-%s-10, %s training images × %d epoch(s)", o.Backprop.Hidden, imgCount(o.TrainSamples, "60000"), o.Epochs)
	}
	return fmt.Sprintf("%d neurons, %s training images", o.Neurons, imgCount(o.TrainSamples, "60000"))
}

// roundSig rounds to three significant digits.
func roundSig(v float64) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	p := math.Pow(10, 2-math.Floor(math.Log10(math.Abs(v))))
	return math.Round(v*p) / p
}

// TargetsSpec is what `nanospike targets` asks for: Device's (Base, its parameters) loss against
// the ideal device along each of Params, and over each pair of Pairs, Seeds seeds per point.
type TargetsSpec struct {
	Options       Options // the training settings; Out is the folder of the runs and outputs
	Device        string  // --device: a preset name or a file
	Base          *device.Params
	Loss          float64     // the accuracy loss to stay within, percentage points
	Params        []string    // swept one at a time
	Pairs         [][2]string // swept together
	Values        []string    // param=v1,v2,… replacing a parameter's default grid
	Seeds, Jobs   int
	Shard, Shards int    // run only the items k with k mod Shards = Shard
	Command       string // the command line, as records give it
	Commit        string // where the record is computed
	Machine       string
}

// TargetsPlan is the runs of a TargetsSpec: the ideal device, the device itself, each
// parameter's grid and each pair's, built and checked before anything is trained.
type TargetsPlan struct {
	spec   TargetsSpec
	label  string // the device's runs' label
	groups []Item
	grids  map[string][]float64
	owns   map[string]float64 // the device's own value of each parameter
}

// PlanTargets lists and checks the runs of spec; an impossible sweep value is a UsageError.
func PlanTargets(spec TargetsSpec) (*TargetsPlan, error) {
	dev, base, names, pairList, values := spec.Device, spec.Base, spec.Params, spec.Pairs, spec.Values
	ideal, err := device.Preset("ideal")
	if err != nil {
		return nil, err
	}
	// The runs: the ideal device and the device itself, each parameter's grid, each pair's.
	// The reference runs are the ideal preset's, under a label no device file is likely to
	// take; the ideal preset as the device reuses them.
	label := DeviceLabel(dev)
	groups := []Item{{Label: refLabel, Device: "ideal", DeviceParams: ideal}}
	if dev == "ideal" {
		label = refLabel
	} else {
		groups = append(groups, Item{Label: label, Device: dev, DeviceParams: base})
	}
	grids := map[string][]float64{}
	owns := map[string]float64{}
	seen := map[string]bool{}
	addPoint := func(set map[string]float64) error {
		p := *base
		p.Source = nil
		for _, k := range slices.Sorted(maps.Keys(set)) {
			if err := SetTarget(&p, k, set[k]); err != nil {
				return fmt.Errorf("%s = %v: %w", k, set[k], err)
			}
		}
		l := pointLabel(label, set, owns)
		same := l == label
		if same || seen[l] {
			return nil
		}
		seen[l] = true
		groups = append(groups, Item{Label: l, Device: dev, DeviceParams: &p})
		return nil
	}
	for _, n := range names {
		tp, _ := TargetParamByName(n)
		own, err := TargetValue(base, n)
		if err != nil {
			return nil, err
		}
		owns[n], grids[n] = own, tp.Grid(own)
	}
	for _, v := range values {
		n, vals, err := parseTargetValues(v, owns)
		if err != nil {
			return nil, usagef("--values: %v", err)
		}
		grids[n] = vals
	}
	for _, pr := range pairList {
		for _, n := range pr {
			if _, ok := grids[n]; !ok {
				tp, _ := TargetParamByName(n)
				own, _ := TargetValue(base, n)
				owns[n], grids[n] = own, tp.Grid(own)
			}
		}
	}
	for _, n := range names {
		for _, v := range grids[n] {
			if err := addPoint(map[string]float64{n: v}); err != nil {
				return nil, usagef("%v", err)
			}
		}
	}
	for _, pr := range pairList {
		for _, va := range PairGrid(grids[pr[0]], owns[pr[0]]) {
			for _, vb := range PairGrid(grids[pr[1]], owns[pr[1]]) {
				if err := addPoint(map[string]float64{pr[0]: va, pr[1]: vb}); err != nil {
					return nil, usagef("%v", err)
				}
			}
		}
	}
	return &TargetsPlan{spec: spec, label: label, groups: groups, grids: grids, owns: owns}, nil
}

// Run trains the plan's runs that are not finished (Jobs at a time), and once every run of
// every shard is there, writes targets.json/csv/md and the plots to the spec's Options.Out
// and returns the record; nil when this shard is done but others are not.
func (pl *TargetsPlan) Run(ctx context.Context, lg *Log, data *datasets.Dataset) (*TargetsFile, error) {
	spec := pl.spec
	o, dev, names, pairList, si, sn, loss, jobs := spec.Options, spec.Device, spec.Params, spec.Pairs, spec.Shard, spec.Shards, spec.Loss, spec.Jobs
	label, groups, grids, owns := pl.label, pl.groups, pl.grids, pl.owns
	seedList := Seeds(o.Seed, spec.Seeds)
	items := WithSeeds(groups, seedList)
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, err
	}
	if _, err := runShard(ctx, lg, "targets", spec.Command, o, items, si, sn, data, nil, jobs); err != nil {
		return nil, err
	}

	// Every run must be there to assemble (a shard stops here unless the others are done).
	acc := map[string]float64{}
	for _, it := range items {
		var m Metrics
		if err := ReadJSON(filepath.Join(o.Out, it.Label, MetricsFile), &m); err != nil {
			if sn > 1 {
				return nil, nil
			}
			return nil, err
		}
		acc[it.Label] = 100 * m.Accuracy
	}
	tf := TargetsFile{Version: targetsVersion, Kind: targetsKind, Command: spec.Command,
		Rule: o.Rule, Device: DeviceLabel(dev), Loss: loss, Options: o, Seeds: seedList, Commit: spec.Commit, Machine: spec.Machine}
	tf.Options.Device, tf.Options.Out, tf.Options.Workers = "", "", 0
	lossAt := func(group string) []float64 {
		l := make([]float64, len(seedList))
		for k, sd := range seedList {
			l[k] = acc[fmt.Sprintf("%s-s%d", refLabel, sd)] - acc[fmt.Sprintf("%s-s%d", group, sd)]
		}
		return l
	}
	for _, sd := range seedList {
		tf.Ideal = append(tf.Ideal, acc[fmt.Sprintf("%s-s%d", refLabel, sd)])
		tf.Own = append(tf.Own, acc[fmt.Sprintf("%s-s%d", label, sd)])
	}
	pointGroup := func(set map[string]float64) string { return pointLabel(label, set, owns) }
	for _, n := range names {
		tp, _ := TargetParamByName(n)
		var pts []SweepPoint
		for _, v := range grids[n] {
			pts = append(pts, SweepPoint{Value: v, Loss: lossAt(pointGroup(map[string]float64{n: v}))})
		}
		tg, err := FindTarget(n, owns[n], tp.Better, tp.Log, pts, loss)
		if err != nil {
			return nil, err
		}
		tpar := targetsParam{Target: tg, Better: map[Better]string{Higher: "higher", Lower: "lower"}[tp.Better],
			Ideal: pts[0].Value, Points: pts}
		own := SweepPoint{Value: owns[n], Loss: lossAt(label)}
		if tpar.Tornado, err = Tornado(own, pts[0]); err != nil {
			return nil, err
		}
		tf.Params = append(tf.Params, tpar)
	}
	for _, pr := range pairList {
		tp := targetsPair{Params: pr, ValsA: PairGrid(grids[pr[0]], owns[pr[0]]), ValsB: PairGrid(grids[pr[1]], owns[pr[1]])}
		for _, vb := range tp.ValsB {
			var row []float64
			for _, va := range tp.ValsA {
				row = append(row, Describe(lossAt(pointGroup(map[string]float64{pr[0]: va, pr[1]: vb}))).Mean)
			}
			tp.Loss = append(tp.Loss, row)
		}
		tf.Pairs = append(tf.Pairs, tp)
	}
	if err := writeTargetsOutputs(o.Out, &tf); err != nil {
		return nil, err
	}
	return &tf, nil
}
