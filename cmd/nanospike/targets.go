package main

import (
	"context"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/nanospike/nanospike/device"
	"github.com/nanospike/nanospike/experiment"
	"github.com/nanospike/nanospike/internal/plots"
)

func init() {
	register(&command{name: "targets", summary: "design targets: what a device must reach to stay within a loss of the ideal device (sweeps, thresholds, tornado, heat maps)", run: runTargets})
}

// targetsFile is targets.json: the sweeps' accuracies and what they say.
type targetsFile struct {
	Version int          `json:"version"`
	Kind    string       `json:"kind"` // "nanospike targets"
	Command string       `json:"command"`
	Rule    string       `json:"rule"`
	Device  string       `json:"device"`
	Loss    float64      `json:"loss_pp"` // the accuracy loss target against the ideal device, pp
	Options trainOptions `json:"options"`
	Seeds   []uint64     `json:"seeds"`
	Commit  string       `json:"commit,omitempty"`
	Machine string       `json:"machine,omitempty"`
	// Ideal and Own are the ideal device's and the device's accuracy per seed (in Seeds' order).
	Ideal  []float64      `json:"ideal_accuracy"`
	Own    []float64      `json:"device_accuracy"`
	Params []targetsParam `json:"params"`
	Pairs  []targetsPair  `json:"pairs,omitempty"`
}

// targetsParam is one parameter's sweep and its target.
type targetsParam struct {
	experiment.Target
	Better  string                  `json:"better"` // "higher" or "lower"
	Ideal   float64                 `json:"ideal_value"`
	Points  []experiment.SweepPoint `json:"points"`
	Tornado experiment.Stat         `json:"tornado_pp"` // loss at the device's value − loss at the ideal value
}

// targetsPair is a 2-D sweep of two parameters: the mean loss (pp) at each pair of values.
type targetsPair struct {
	Params [2]string   `json:"params"`
	ValsA  []float64   `json:"values_a"`
	ValsB  []float64   `json:"values_b"`
	Loss   [][]float64 `json:"mean_loss_pp"` // [i of B][j of A]
}

const targetsVersion = 1

// targetsBackpropEpochs is targets' backprop length: one epoch of 784-100-10 has not converged
// for the ideal device, three have (docs/targets.md, "How long the runs are").
const targetsBackpropEpochs = 3

// refLabel names the ideal device's reference runs of a targets folder.
const refLabel = "reference-ideal"

func runTargets(ctx context.Context, e *env, args []string) error {
	fs := e.flags("targets", "targets [--rule stdp|backprop] --device NAME|FILE --loss PP [--params a,b,…] [--pairs a:b,…] [--seeds K] [--jobs J] [--shard i/n] [training flags] --out DIR")
	var o trainOptions
	registerTrainFlags(fs, &o)
	var dev, params, pairs, shard string
	var values setList
	var loss float64
	var seeds, jobs int
	fs.StringVar(&dev, "device", "", "the device: a preset name or a device JSON file")
	fs.Float64Var(&loss, "loss", 1, "the accuracy loss against the ideal device to stay within, percentage points (same network and seeds)")
	fs.StringVar(&params, "params", "all", "parameters to sweep: all, or a comma-separated list of "+strings.Join(targetParamNames(), ", "))
	fs.StringVar(&pairs, "pairs", "states:nl_ltp,c2c:states", "pairs swept together for heat maps, a:b,… (\"\": none)")
	fs.Var(&values, "values", "sweep a parameter over these values instead of its default grid, param=v1,v2,… (repeatable); the range must contain the device's value")
	fs.IntVar(&seeds, "seeds", 3, "seeds per point: thresholds come with intervals over them")
	fs.IntVar(&jobs, "jobs", 0, "runs trained at once, each on one core (0: GOMAXPROCS)")
	fs.StringVar(&shard, "shard", "", "run only part i of n; run the same command without --shard afterwards to assemble the outputs")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return e.usagef("unexpected argument %q", fs.Arg(0))
	}
	fc, err := applyConfig(fs, &o, (*trainOptions).registerCompareFlags)
	if err != nil {
		return e.usagef("%v", err)
	}
	fc.noteDevice(e, "targets")
	applyCompareDefaults(fs, fc, &o)
	if o.Rule == "backprop" && !flagSet(fs, "epochs") && !fc.sets("epochs") {
		o.Epochs = targetsBackpropEpochs // converged for the ideal device (docs/targets.md)
	}
	switch {
	case dev == "":
		return e.usagef("--device is required")
	case dev == floatDevice:
		return e.usagef("--device float has no device parameters to sweep")
	case !(loss > 0) || math.IsInf(loss, 0):
		return e.usagef("--loss must be a number of percentage points > 0, got %v", loss)
	case seeds < 1 || seeds > maxSeeds:
		return e.usagef("--seeds must be between 1 and %d, got %d", maxSeeds, seeds)
	case jobs < 0:
		return e.usagef("--jobs must be ≥ 0, got %d", jobs)
	case o.Out == "":
		return e.usagef("--out DIR is required")
	}
	if jobs == 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	si, sn, err := parseShard(shard)
	if err != nil {
		return e.usagef("--shard: %v", err)
	}
	names, err := targetParamList(params)
	if err != nil {
		return e.usagef("--params: %v", err)
	}
	pairList, err := targetPairList(pairs)
	if err != nil {
		return e.usagef("--pairs: %v", err)
	}
	base, err := loadDevice(dev)
	if err != nil {
		return e.usagef("%v", err)
	}
	ideal, err := device.Preset("ideal")
	if err != nil {
		return err
	}
	o.Device = dev
	if err := o.validate(e); err != nil {
		return err
	}
	if err := preflight(o, jobs, 0); err != nil {
		return err
	}

	// The runs: the ideal device and the device itself, each parameter's grid, each pair's.
	// The reference runs are the ideal preset's, under a label no device file is likely to
	// take; the ideal preset as the device reuses them.
	label := deviceLabel(dev)
	groups := []compareItem{{Label: refLabel, Device: "ideal", params: ideal}}
	if dev == "ideal" {
		label = refLabel
	} else {
		groups = append(groups, compareItem{Label: label, Device: dev, params: base})
	}
	grids := map[string][]float64{}
	owns := map[string]float64{}
	seen := map[string]bool{}
	addPoint := func(set map[string]float64) error {
		p := *base
		p.Source = nil
		for _, k := range slices.Sorted(maps.Keys(set)) {
			if err := experiment.SetTarget(&p, k, set[k]); err != nil {
				return fmt.Errorf("%s = %v: %w", k, set[k], err)
			}
		}
		l := pointLabel(label, set, owns)
		same := l == label
		if same || seen[l] {
			return nil
		}
		seen[l] = true
		groups = append(groups, compareItem{Label: l, Device: dev, params: &p})
		return nil
	}
	for _, n := range names {
		tp, _ := experiment.TargetParamByName(n)
		own, err := experiment.TargetValue(base, n)
		if err != nil {
			return err
		}
		owns[n], grids[n] = own, tp.Grid(own)
	}
	for _, v := range values {
		n, vals, err := parseTargetValues(v, owns)
		if err != nil {
			return e.usagef("--values: %v", err)
		}
		grids[n] = vals
	}
	for _, pr := range pairList {
		for _, n := range pr {
			if _, ok := grids[n]; !ok {
				tp, _ := experiment.TargetParamByName(n)
				own, _ := experiment.TargetValue(base, n)
				owns[n], grids[n] = own, tp.Grid(own)
			}
		}
	}
	for _, n := range names {
		for _, v := range grids[n] {
			if err := addPoint(map[string]float64{n: v}); err != nil {
				return e.usagef("%v", err)
			}
		}
	}
	for _, pr := range pairList {
		for _, va := range experiment.PairGrid(grids[pr[0]], owns[pr[0]]) {
			for _, vb := range experiment.PairGrid(grids[pr[1]], owns[pr[1]]) {
				if err := addPoint(map[string]float64{pr[0]: va, pr[1]: vb}); err != nil {
					return e.usagef("%v", err)
				}
			}
		}
	}
	seedList := experiment.Seeds(o.Seed, seeds)
	items := withSeeds(groups, seedList)
	var mine []compareItem
	for _, it := range items {
		if it.Index%sn == si {
			mine = append(mine, it)
		}
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return err
	}
	data, err := loadData(o.Data)
	if err != nil {
		return err
	}
	if err := checkSamples(data, o.TrainSamples, o.LabelSamples, o.TestSamples); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "targets: %d of %d runs in %s, %d at a time\n", len(mine), len(items), o.Out, jobs)
	failed := runItems(ctx, e, o, mine, data, nil, jobs)
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted: finished runs are kept, unfinished ones have checkpoints; rerun the same command to continue")
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d runs failed:\n  %s", len(failed), len(mine), strings.Join(failed, "\n  "))
	}

	// Every run must be there to assemble (a shard stops here unless the others are done).
	acc := map[string]float64{}
	for _, it := range items {
		var m metrics
		if err := readJSON(filepath.Join(o.Out, it.Label, metricsFile), &m); err != nil {
			if sn > 1 {
				fmt.Fprintf(e.stdout, "shard %s done; run the command without --shard once every shard is, to assemble the targets\n", shard)
				return nil
			}
			return err
		}
		acc[it.Label] = 100 * m.Accuracy
	}
	tf := targetsFile{Version: targetsVersion, Kind: "nanospike targets", Command: "nanospike " + strings.Join(os.Args[1:], " "),
		Rule: o.Rule, Device: deviceLabel(dev), Loss: loss, Options: o, Seeds: seedList, Commit: buildCommit(), Machine: machine()}
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
		tp, _ := experiment.TargetParamByName(n)
		var pts []experiment.SweepPoint
		for _, v := range grids[n] {
			pts = append(pts, experiment.SweepPoint{Value: v, Loss: lossAt(pointGroup(map[string]float64{n: v}))})
		}
		tg, err := experiment.FindTarget(n, owns[n], tp.Better, tp.Log, pts, loss)
		if err != nil {
			return err
		}
		tpar := targetsParam{Target: tg, Better: map[experiment.Better]string{experiment.Higher: "higher", experiment.Lower: "lower"}[tp.Better],
			Ideal: pts[0].Value, Points: pts}
		own := experiment.SweepPoint{Value: owns[n], Loss: lossAt(label)}
		if tpar.Tornado, err = experiment.Tornado(own, pts[0]); err != nil {
			return err
		}
		tf.Params = append(tf.Params, tpar)
	}
	for _, pr := range pairList {
		tp := targetsPair{Params: pr, ValsA: experiment.PairGrid(grids[pr[0]], owns[pr[0]]), ValsB: experiment.PairGrid(grids[pr[1]], owns[pr[1]])}
		for _, vb := range tp.ValsB {
			var row []float64
			for _, va := range tp.ValsA {
				row = append(row, experiment.Describe(lossAt(pointGroup(map[string]float64{pr[0]: va, pr[1]: vb}))).Mean)
			}
			tp.Loss = append(tp.Loss, row)
		}
		tf.Pairs = append(tf.Pairs, tp)
	}
	if err := writeTargetsOutputs(o.Out, &tf); err != nil {
		return err
	}
	fmt.Fprint(e.stdout, targetsMarkdown(&tf))
	fmt.Fprintf(e.stdout, "\nresults in %s (targets.json, targets.csv, targets.md, tornado and heat-map plots)\n", o.Out)
	return nil
}

// parseTargetValues parses one --values param=v1,v2,… for a parameter among owns (the swept
// ones, with the device's values): the values, best first, the device's own added; a range
// that does not contain the device's value is an error.
func parseTargetValues(s string, owns map[string]float64) (string, []float64, error) {
	n, list, ok := strings.Cut(s, "=")
	if !ok {
		return "", nil, fmt.Errorf("%q is not param=v1,v2,…", s)
	}
	tp, err := experiment.TargetParamByName(n)
	if err != nil {
		return "", nil, err
	}
	own, swept := owns[n]
	if !swept {
		return "", nil, fmt.Errorf("%s is not among the swept parameters (--params)", n)
	}
	vals := []float64{own}
	for _, f := range splitList(list) {
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
	vals = experiment.Dedupe(vals)
	slices.Sort(vals)
	if tp.Better == experiment.Higher {
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

// targetParamNames lists the design-target parameters.
func targetParamNames() []string {
	var out []string
	for _, p := range experiment.TargetParams {
		out = append(out, p.Name)
	}
	return out
}

// targetParamList parses --params.
func targetParamList(s string) ([]string, error) {
	if s == "all" {
		return targetParamNames(), nil
	}
	var out []string
	for _, n := range splitList(s) {
		if _, err := experiment.TargetParamByName(n); err != nil {
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

// targetPairList parses --pairs.
func targetPairList(s string) ([][2]string, error) {
	var out [][2]string
	for _, p := range splitList(s) {
		a, b, ok := strings.Cut(p, ":")
		if !ok || a == b {
			return nil, fmt.Errorf("%q is not a:b with two different parameters", p)
		}
		for _, n := range []string{a, b} {
			if _, err := experiment.TargetParamByName(n); err != nil {
				return nil, err
			}
		}
		out = append(out, [2]string{a, b})
	}
	return out, nil
}

// writeTargetsOutputs writes targets.json, targets.csv, targets.md and the plots into dir.
func writeTargetsOutputs(dir string, tf *targetsFile) error {
	if err := writeJSON(filepath.Join(dir, "targets.json"), tf); err != nil {
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
	if err := writeFileAtomic(filepath.Join(dir, "targets.md"), []byte(targetsMarkdown(tf))); err != nil {
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

// targetsMarkdown is the summary: one sentence of what the device needs, and the table.
func targetsMarkdown(tf *targetsFile) string {
	var b strings.Builder
	ideal, own := experiment.Describe(tf.Ideal), experiment.Describe(tf.Own)
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
		case experiment.VerdictNeeds:
			note := ""
			if !(p.Own < p.Threshold.Lo || p.Own > p.Threshold.Hi) {
				note = "; the threshold's interval holds the device's value: not established with these seeds"
			}
			needs = append(needs, what+fmt.Sprintf(" (now %s%s)", num(p.Own), note))
		case experiment.VerdictMeets:
			meets = append(meets, what+fmt.Sprintf(" (has %s)", num(p.Own)))
		case experiment.VerdictInsensitive:
			insensitive = append(insensitive, p.Param)
		case experiment.VerdictUnreachable:
			unreachable = append(unreachable, p.Param)
		case experiment.VerdictReversed:
			how := "not established with these seeds"
			better := experiment.Higher
			if p.Better == "lower" {
				better = experiment.Lower
			}
			if r, ok := experiment.Reversal(p.Points, p.Own, better); ok && r.Excludes(0) {
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
func settingsOf(tf *targetsFile) string {
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
