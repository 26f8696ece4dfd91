package experiment

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/nanospike/nanospike/internal/plots"
	"github.com/nanospike/nanospike/learning"
)

// compareColumns are the columns of compare.csv: the JSON names of Row's fields.
var compareColumns = []string{
	"label", "group", "device", "param", "value", "seed",
	"accuracy", "accuracy_loss_vs_ideal", "collapsed", "collapse_reason",
	"train_winners", "test_winners", "top2_test_win_share", "dominant_neurons", "dead_neurons",
	"energy_per_inference_j", "energy_per_training_image_j", "pulses_per_training_image", "sops_per_inference",
	"cells_per_inference_j", "wires_per_inference_j", "periphery_per_inference_j", "neurons_per_inference_j",
	"routing_per_inference_j", "leakage_per_inference_j", "clocked_per_inference_j",
	"program_cells_per_training_image_j", "program_wires_per_training_image_j", "program_light_per_training_image_j",
	"device_share_inference", "device_share_training",
	"truenorth_per_inference_j", "loihi_per_inference_j",
	"states", "nl_ltp", "nl_ltd", "on_off", "c2c_sigma", "d2d_nl_sigma", "d2d_g_sigma", "read_noise", "stuck_min_frac", "stuck_max_frac",
	"inference_reads_recounted", "rule", "neurons", "train_images", "test_images",
	"train_seconds", "test_seconds", "train_images_per_s", "test_images_per_s",
}

// summaryColumns are the columns of summary.csv, one line per device (or
// sweep value) over its seeds.
var summaryColumns = []string{
	"group", "device", "param", "value", "seeds", "collapsed_runs", "collapse_reason",
	"accuracy_mean", "accuracy_sd", "accuracy_ci95_lo", "accuracy_ci95_hi",
	"diff_vs_ideal_mean", "diff_vs_ideal_ci95_lo", "diff_vs_ideal_ci95_hi", "verdict_vs_ideal",
	"energy_per_inference_mean_j", "energy_per_inference_sd_j", "energy_per_training_image_mean_j", "pulses_per_training_image_mean",
	"states", "nl_ltp", "nl_ltd", "on_off", "c2c_sigma",
}

// WallColumns depend on the machine and its load, not on the seed.
var WallColumns = []string{"train_seconds", "test_seconds", "train_images_per_s", "test_images_per_s"}

// finishRows orders the rows, fills the accuracy lost against the ideal
// preset with the same seed, and summarises the groups over the seeds.
func finishRows(cf *Comparison) {
	slices.SortFunc(cf.Rows, func(a, b Row) int { return a.Index - b.Index })
	ideal := map[uint64]float64{}
	for _, r := range cf.Rows {
		if r.Device == "ideal" && r.Param == "" && r.Draw == 0 {
			ideal[r.Seed] = r.Accuracy
		}
	}
	var runs, drawn []Run
	for i, r := range cf.Rows {
		cf.Rows[i].AccuracyLoss = nil
		if a, ok := ideal[r.Seed]; ok {
			d := a - r.Accuracy
			cf.Rows[i].AccuracyLoss = &d
		}
		run := Run{Group: r.Group, Seed: r.Seed, Accuracy: r.Accuracy, Energy: r.EnergyPerInference,
			Collapsed: r.Collapsed, Reason: r.CollapseReason}
		if r.Draw > 0 {
			drawn = append(drawn, run)
		} else {
			runs = append(runs, run)
		}
	}
	ref := ""
	if cf.Sweep == "" && len(ideal) > 0 {
		ref = idealGroup(cf)
	}
	cf.Summary = Summarize(runs, cf.Groups, ref)
	cf.Ranking = nil
	if cf.Sweep == "" {
		cf.Ranking = Ranking(cf.Summary, runs)
	}
	cf.SplitHalf, cf.SplitHalfMin = nil, nil
	if r, lo := SplitHalf(runs, cf.Groups); !math.IsNaN(r) {
		cf.SplitHalf, cf.SplitHalfMin = &r, &lo
	}
	cf.Spreads, cf.Robust = nil, nil
	if len(drawn) > 0 {
		cf.Spreads = Spreads(drawn, runs, cf.Summary, cf.Groups, ref)
		cf.Robust = Robust(cf.Summary, cf.Spreads, cf.Ranking)
	}
}

// idealGroup is the group of the ideal preset in cf ("" if none).
func idealGroup(cf *Comparison) string {
	for _, r := range cf.Rows {
		if r.Device == "ideal" && r.Param == "" && r.Draw == 0 {
			return r.Group
		}
	}
	return ""
}

// groupRows returns the rows of group g at its nominal values (no uncertainty draws).
func groupRows(cf *Comparison, g string) []Row {
	var out []Row
	for _, r := range cf.Rows {
		if r.Group == g && r.Draw == 0 {
			out = append(out, r)
		}
	}
	return out
}

// WriteCompareOutputs writes compare.json, compare.csv, summary.csv,
// compare.md and the plots of cf into dir.
func WriteCompareOutputs(dir string, cf *Comparison) error {
	finishRows(cf)
	if err := WriteJSON(filepath.Join(dir, CompareJSON), cf); err != nil {
		return err
	}
	table, err := compareTable(cf.Rows)
	if err != nil {
		return err
	}
	if err := writeCSVAtomic(filepath.Join(dir, CompareCSV), table); err != nil {
		return err
	}
	if err := writeCSVAtomic(filepath.Join(dir, SummaryCSV), summaryTable(cf)); err != nil {
		return err
	}
	md := compareMarkdown(cf)
	if t := energyTable(cf); t != "" {
		md += "\nEnergy by part (per image, mean over seeds; docs/energy.md says what each part is):\n\n" + t
	}
	if err := WriteFileAtomic(filepath.Join(dir, CompareMD), []byte(md)); err != nil {
		return err
	}
	return comparePlots(dir, cf)
}

// compareTable returns the rows as strings under the header compareColumns;
// numbers in the shortest form that reads back exactly, absent values empty.
func compareTable(rows []Row) ([][]string, error) {
	out := [][]string{compareColumns}
	for _, r := range rows {
		b, err := json.Marshal(r)
		if err != nil {
			return nil, err
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			return nil, err
		}
		line := make([]string, len(compareColumns))
		for j, c := range compareColumns {
			switch v := m[c].(type) {
			case nil:
			case json.Number:
				line[j] = v.String()
			case string:
				line[j] = v
			case bool:
				line[j] = strconv.FormatBool(v)
			default:
				panic(fmt.Sprintf("nanospike: compare column %s has type %T", c, v))
			}
		}
		out = append(out, line)
	}
	return out, nil
}

// num formats v in the shortest form that reads back exactly; NaN empty.
func num(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// summaryTable returns summary.csv: one line per group.
func summaryTable(cf *Comparison) [][]string {
	out := [][]string{summaryColumns}
	for _, s := range cf.Summary {
		rows := groupRows(cf, s.Group)
		r := rows[0]
		var seeds []string
		for _, k := range s.Seeds {
			seeds = append(seeds, strconv.FormatUint(k, 10))
		}
		d := Stat{Mean: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}
		if s.VsRef != nil {
			d = *s.VsRef
		}
		var eTrain, pulses []float64
		for _, x := range rows {
			eTrain = append(eTrain, x.EnergyPerTrainImage)
			pulses = append(pulses, x.PulsesPerTrainImage)
		}
		val := ""
		if r.Value != nil {
			val = num(*r.Value)
		}
		line := []string{s.Group, r.Device, r.Param, val, strings.Join(seeds, " "), strconv.Itoa(s.Collapsed), s.Reason,
			num(s.Accuracy.Mean), num(s.Accuracy.SD), num(s.Accuracy.Lo), num(s.Accuracy.Hi),
			num(d.Mean), num(d.Lo), num(d.Hi), s.Verdict,
			num(s.Energy.Mean), num(s.Energy.SD), num(Describe(eTrain).Mean), num(Describe(pulses).Mean)}
		if r.Device == FloatDevice {
			line = append(line, "", "", "", "", "")
		} else {
			line = append(line, strconv.Itoa(r.States), num(r.NLLTP), num(r.NLLTD), num(r.OnOff), num(r.C2C))
		}
		out = append(out, line)
	}
	return out
}

// writeCSVAtomic writes rows as CSV to path, atomically.
func writeCSVAtomic(path string, rows [][]string) error {
	var b bytes.Buffer
	if err := plots.WriteTable(&b, rows); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return WriteFileAtomic(path, b.Bytes())
}

// schemeLine names how the runs program their devices: what a reader
// must know to interpret every table.
func schemeLine(cf *Comparison) string {
	if cf.Rule == "backprop" {
		b := cf.Options.Backprop
		u := b.Update
		what := map[string]string{
			"accumulate": "a digital buffer accumulates the gradient and the device is programmed only when it reaches a whole pulse",
			"round":      "NeuroSim's direct rule: each update rounded to whole pulses",
			"stochastic": "each update a whole number of pulses, the fraction applied with its probability",
			"exact":      "the exact update, no pulses",
		}[u]
		if what != "" {
			what = ": " + what
		}
		return fmt.Sprintf("update %s%s", u, what)
	}
	switch cmp.Or(cf.Options.Programming, learning.ProgrammingNominal) {
	case learning.ProgrammingModel:
		return "programming model: the pulse count that moves the device's own curve by Δw"
	default:
		return "programming nominal: NeuroSim's open loop, Δw/Wmax·Pmax pulses"
	}
}

// seedsText lists seeds compactly ("1–3" for a run of consecutive ones).
func seedsText(seeds []uint64) string {
	if len(seeds) == 0 {
		return "none"
	}
	consecutive := true
	for i := 1; i < len(seeds); i++ {
		consecutive = consecutive && seeds[i] == seeds[i-1]+1
	}
	if consecutive && len(seeds) > 2 {
		return fmt.Sprintf("%d–%d", seeds[0], seeds[len(seeds)-1])
	}
	var s []string
	for _, k := range seeds {
		s = append(s, strconv.FormatUint(k, 10))
	}
	return strings.Join(s, ", ")
}

// settingsLine describes the training settings of cf in words.
func settingsLine(cf *Comparison) string {
	o := cf.Options
	label := o.LabelSamples
	if label == 0 {
		label = min(o.TrainSamples, 10000)
		if o.TrainSamples == 0 {
			label = 10000
		}
	}
	s := fmt.Sprintf("stdp, %d neurons, %s training images × %d epoch(s), %d labelling images, %s test images, %s, seeds %s",
		o.Neurons, imgCount(o.TrainSamples, "60000"), o.Epochs, label, imgCount(o.TestSamples, "10000"), schemeLine(cf), seedsText(cf.Seeds))
	if cf.Rule == "backprop" {
		b := o.Backprop
		s = fmt.Sprintf("backprop, 784-%s-10, T = %d, %s training images × %d epoch(s), %s test images, mode %s, %s, seeds %s",
			strings.ReplaceAll(b.Hidden, ",", "-"), b.Steps, imgCount(o.TrainSamples, "60000"), o.Epochs,
			imgCount(o.TestSamples, "10000"), cmp.Or(b.Mode, "insitu"), schemeLine(cf), seedsText(cf.Seeds))
	}
	if len(cf.Set) > 0 {
		s += "; " + strings.Join(cf.Set, ", ") + " for every device"
	}
	if cf.Sweep != "" {
		s += fmt.Sprintf("; sweep of %s on %s", cf.Sweep, cf.Preset)
	}
	return s
}

// pct formats a fraction as a percentage with two decimals.
func pct(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.2f", 100*v)
}

// accuracyCell is a group's accuracy: mean ± sd, or marked collapsed.
func accuracyCell(s Summary) string {
	c := pct(s.Accuracy.Mean)
	if !math.IsNaN(s.Accuracy.SD) {
		c += " ± " + pct(s.Accuracy.SD)
	}
	if s.Collapsed > 0 {
		c = fmt.Sprintf("collapsed %d/%d (%s)", s.Collapsed, s.Accuracy.N, c)
	}
	return c
}

// intervalCell is "[lo, hi]" in percent, signed if signed.
func intervalCell(st Stat, signed bool) string {
	if math.IsNaN(st.Lo) {
		return "–"
	}
	f := "[%.2f, %.2f]"
	if signed {
		f = "[%+.2f, %+.2f]"
	}
	return fmt.Sprintf(f, 100*st.Lo, 100*st.Hi)
}

// verdictCell words a verdict against the ideal device.
func verdictCell(v string) string {
	switch v {
	case VerdictAbove:
		return "above ideal"
	case VerdictBelow:
		return "below ideal"
	case VerdictReference:
		return "reference"
	case "":
		return "–"
	}
	return v
}

// compareMarkdown returns compare.md: the settings, the table over the
// seeds, the ranking the intervals allow and the collapses, as markdown.
// It depends on cf alone: `nanospike report` regenerates it from records.
func compareMarkdown(cf *Comparison) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s.\n\n", settingsLine(cf))
	hasRef := false
	for _, s := range cf.Summary {
		hasRef = hasRef || s.Verdict != ""
	}
	first := "device"
	if cf.Sweep != "" {
		first = cf.Sweep
	}
	head := []string{first, "accuracy (%), mean ± sd", "95 % CI"}
	if hasRef {
		head = append(head, "Δ vs ideal (pp, paired)", "95 % CI", "vs ideal")
	}
	head = append(head, "energy / inference", "pulses / training image", "states", "NL LTP/LTD", "on/off", "C2C σ")
	fmt.Fprintf(&b, "| %s |\n| :--- |%s\n", strings.Join(head, " | "), strings.Repeat(" ---: |", len(head)-1))
	var collapsed []string
	for _, s := range cf.Summary {
		rows := groupRows(cf, s.Group)
		r := rows[0]
		name := s.Group
		if r.Value != nil {
			name = strconv.FormatFloat(*r.Value, 'g', -1, 64)
		}
		cells := []string{name, accuracyCell(s), intervalCell(s.Accuracy, false)}
		if hasRef {
			if s.VsRef != nil {
				cells = append(cells, fmt.Sprintf("%+.2f", 100*s.VsRef.Mean), intervalCell(*s.VsRef, true))
			} else {
				cells = append(cells, "–", "–")
			}
			cells = append(cells, verdictCell(s.Verdict))
		}
		var pulses []float64
		for _, x := range rows {
			pulses = append(pulses, x.PulsesPerTrainImage)
		}
		cells = append(cells, Joules(s.Energy.Mean), fmt.Sprintf("%.0f", Describe(pulses).Mean))
		if r.Device == FloatDevice {
			cells = append(cells, "–", "–", "–", "–")
		} else {
			cells = append(cells, strconv.Itoa(r.States), fmt.Sprintf("%.2f/%.2f", r.NLLTP, r.NLLTD), fmt.Sprintf("%.3g", r.OnOff), fmt.Sprintf("%.3g", r.C2C))
		}
		fmt.Fprintf(&b, "| %s |\n", strings.Join(cells, " | "))
		if s.Collapsed > 0 {
			collapsed = append(collapsed, fmt.Sprintf("%s (%d of %d seeds: %s)", name, s.Collapsed, s.Accuracy.N, s.Reason))
		}
	}
	if len(collapsed) > 0 {
		fmt.Fprintf(&b, "\nCollapsed (learning did not form a code; the accuracy measures the collapse, not the device): %s.\n", strings.Join(collapsed, "; "))
	}
	if len(cf.Ranking) > 0 {
		fmt.Fprintf(&b, "\nRanking by mean accuracy, neighbours compared by their paired difference over the seeds (95 %% intervals, not corrected for multiple comparisons):\n\n")
		for _, l := range cf.Ranking {
			fmt.Fprintf(&b, "- %s\n", l)
		}
	}
	if cf.SplitHalf != nil {
		fmt.Fprintf(&b, "\nRank stability: Spearman correlation %.2f (lowest %.2f) between the devices' mean accuracies over one half of the seeds and the other, averaged over every split of the seeds in two.\n", *cf.SplitHalf, *cf.SplitHalfMin)
	}
	if n := recounted(cf.Rows); n > 0 {
		fmt.Fprintf(&b, "\nEnergy of %d of %d runs recomputed from their raw counts%s.\n", n, len(cf.Rows), RecountNote)
	}
	b.WriteString(uncertaintyMarkdown(cf))
	return b.String()
}

// uncertaintyMarkdown is compare.md's section on the parameter draws ("" without them).
func uncertaintyMarkdown(cf *Comparison) string {
	if len(cf.Spreads) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nUncertainty of the presets: %d draws per device of its assumed learning parameters from their plausible ranges "+
		"(Latin hypercube; draw k trains with the k-th seed, so a draw's spread holds seed noise too). "+
		"Devices whose parameters are all sourced have no draws.\n\n", cf.Uncertainty)
	b.WriteString("| device | accuracy over draws (%), min – max | mean | Δ vs ideal (pp), min – max | verdict under the draws | energy / inference, min – max | collapsed draws |\n")
	b.WriteString("| :--- | ---: | ---: | ---: | :--- | ---: | ---: |\n")
	for _, s := range cf.Spreads {
		d, v := "–", s.Verdict
		if s.VsRefMin != nil {
			d = fmt.Sprintf("%+.2f – %+.2f", 100**s.VsRefMin, 100**s.VsRefMax)
		}
		if v == "" {
			v = "–"
		}
		fmt.Fprintf(&b, "| %s | %.2f – %.2f | %.2f | %s | %s | %s – %s | %d |\n", s.Group, 100*s.AccuracyMin, 100*s.AccuracyMax,
			100*s.AccuracyMean, d, v, Joules(s.EnergyMin), Joules(s.EnergyMax), s.Collapsed)
	}
	if len(cf.Robust) > 0 {
		b.WriteString("\nThe ranking's separations under the draws (a device with no draws counts at its nominal mean):\n\n")
		for _, l := range cf.Robust {
			fmt.Fprintf(&b, "- %s\n", l)
		}
	}
	return b.String()
}

// recounted returns the number of rows whose energy was recomputed.
func recounted(rows []Row) int {
	n := 0
	for _, r := range rows {
		if r.Recounted {
			n++
		}
	}
	return n
}

// PrintTable prints the summary table to w.
func PrintTable(w io.Writer, cf *Comparison) {
	fmt.Fprintln(w, settingsLine(cf))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "device\taccuracy % (mean ± sd)\t95% CI\tΔ vs ideal (paired)\tvs ideal\tE/inference\tstates\tNL LTP/LTD\ton/off\t")
	for _, s := range cf.Summary {
		r := groupRows(cf, s.Group)[0]
		d := "–"
		if s.VsRef != nil {
			d = fmt.Sprintf("%+.2f pp %s", 100*s.VsRef.Mean, intervalCell(*s.VsRef, true))
		}
		dev := "–\t–\t–"
		if r.Device != FloatDevice {
			dev = fmt.Sprintf("%d\t%.2f/%.2f\t%.3g", r.States, r.NLLTP, r.NLLTD, r.OnOff)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", s.Group, accuracyCell(s), intervalCell(s.Accuracy, false), d,
			verdictCell(s.Verdict), Joules(s.Energy.Mean), dev)
	}
	tw.Flush()
	for _, s := range cf.Spreads {
		d := ""
		if s.VsRefMin != nil {
			d = fmt.Sprintf(", Δ vs ideal %+.2f…%+.2f pp: %s", 100**s.VsRefMin, 100**s.VsRefMax, s.Verdict)
		}
		fmt.Fprintf(w, "uncertainty: %s over %d draws %.2f–%.2f %%%s\n", s.Group, s.Draws, 100*s.AccuracyMin, 100*s.AccuracyMax, d)
	}
	for _, s := range cf.Summary {
		if s.Collapsed > 0 {
			fmt.Fprintf(w, "collapsed: %s, %d of %d seeds (%s)\n", s.Group, s.Collapsed, s.Accuracy.N, s.Reason)
		}
	}
	for _, l := range cf.Ranking {
		fmt.Fprintln(w, "ranking: "+l)
	}
	if n := recounted(cf.Rows); n > 0 {
		fmt.Fprintf(w, "energy of %d of %d runs recomputed from their raw counts%s\n", n, len(cf.Rows), RecountNote)
	}
}
