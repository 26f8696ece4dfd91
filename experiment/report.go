package experiment

import (
	"cmp"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/nanospike/nanospike/internal/plots"
)

// Views of a generated block (see Regenerate for the markers):
// "table" (compare.md's table, ranking and collapses, and the record's
// provenance), "energy" (the energy breakdown per device, energyTable), "figure NAME" (the
// plot NAME = accuracy, accuracy-vs-energy, energy-inference or energy-training, written to <record>-NAME.png in the img folder beside
// the records' folder: docs/records/x.json → docs/img/x-NAME.png), "updates R2 R3…" (the record and the others side by side, one
// column per record: backprop's update schemes) and "lengths R2 R3…"
// (records that differ in training images: learning curves and rank
// stability, with a figure <record>-curves.png beside the others); and for a targets record
// (targets.json), "targets" (its summary and table, with its tornado plot as
// <record>-tornado.png) and "targets-table R2 R3…" (targets records side by side: each
// parameter's verdict and the accuracy gained at its ideal value, one column per record).

// RegenerateFile returns md with every generated block rebuilt from its
// records, and the number of blocks. With figures, it also writes the
// figures the blocks show.
func RegenerateFile(path string, md []byte, figures bool) ([]byte, int, error) {
	dir := filepath.Dir(path)
	out, n, err := Regenerate(md, func(rec string, view []string) (string, error) {
		return reportBlock(dir, rec, view, figures)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", path, err)
	}
	return out, n, nil
}

// loadRecord reads a compare record and recomputes its summary from its
// rows, so a table is always what the rows give.
func loadRecord(path string) (*Comparison, error) {
	cf, err := readCompareFile(path)
	if err != nil {
		return nil, err
	}
	if len(cf.Rows) == 0 {
		return nil, fmt.Errorf("%s: no runs", path)
	}
	finishRows(cf)
	return cf, nil
}

// reportBlock generates one block.
func reportBlock(dir, rec string, view []string, figures bool) (string, error) {
	if view[0] == "targets" || view[0] == "targets-table" {
		return targetsBlock(dir, rec, view, figures)
	}
	cf, err := loadRecord(filepath.Join(dir, rec))
	if err != nil {
		return "", err
	}
	switch view[0] {
	case "table":
		return compareMarkdown(cf) + "\n" + provenance(rec, cf) + "\n", nil
	case "energy":
		t := energyTable(cf)
		if t == "" {
			return "", fmt.Errorf("%s: its runs have no energy breakdown (stored before the crossbar model)", rec)
		}
		return t + "\n" + provenance(rec, cf) + "\n", nil
	case "figure":
		if len(view) != 2 || !slices.Contains([]string{"accuracy", "accuracy-vs-energy", "energy-inference", "energy-training"}, view[1]) {
			return "", fmt.Errorf("want figure accuracy, accuracy-vs-energy, energy-inference or energy-training, got %q", strings.Join(view, " "))
		}
		name := strings.TrimSuffix(filepath.Base(rec), filepath.Ext(rec)) + "-" + view[1] + ".png"
		img := imgPath(rec, name)
		if figures {
			if err := copyFigure(dir, img, view[1]+".png", func(tmp string) error { return comparePlots(tmp, cf) }); err != nil {
				return "", err
			}
		}
		return fmt.Sprintf("![%s: %s](%s)\n", plotTitle(cf), view[1], filepath.ToSlash(img)), nil
	case "lengths":
		all, names, err := withRecords(dir, cf, rec, view[1:])
		if err != nil {
			return "", err
		}
		t, err := lengthsTable(all, names)
		if err != nil {
			return "", err
		}
		img := imgPath(rec, strings.TrimSuffix(filepath.Base(rec), filepath.Ext(rec))+"-curves.png")
		if figures {
			if err := curvesFigure(filepath.Join(dir, img), all); err != nil {
				return "", err
			}
		}
		return t + fmt.Sprintf("\n![accuracy against training images](%s)\n", filepath.ToSlash(img)), nil
	case "updates":
		all, names, err := withRecords(dir, cf, rec, view[1:])
		if err != nil {
			return "", err
		}
		return updatesTable(all, names)
	}
	return "", fmt.Errorf("unknown view %q (want table, energy, figure, lengths or updates)", view[0])
}

// withRecords returns cf (read from rec) followed by the records more,
// read relative to dir, and their names.
func withRecords(dir string, cf *Comparison, rec string, more []string) ([]*Comparison, []string, error) {
	all, names := []*Comparison{cf}, []string{rec}
	for _, r := range more {
		o, err := loadRecord(filepath.Join(dir, r))
		if err != nil {
			return nil, nil, err
		}
		all, names = append(all, o), append(names, r)
	}
	return all, names, nil
}

// lengthsTable sets records that differ only in the number of training
// images side by side: per length, the split-half rank correlation and
// each device's mean ± sd (a learning curve per device).
func lengthsTable(cfs []*Comparison, names []string) (string, error) {
	base := cfs[0]
	head := []string{"training images", "seeds", "split-half ρ", "collapsed runs", "paired neighbours told apart"}
	head = append(head, base.Groups...)
	var b strings.Builder
	fmt.Fprintf(&b, "| %s |\n| :--- |%s\n", strings.Join(head, " | "), strings.Repeat(" ---: |", len(head)-1))
	for i, cf := range cfs {
		a, c := comparableOptions(base.Options), comparableOptions(cf.Options)
		a.TrainSamples, c.TrainSamples = 0, 0
		if a != c || fmt.Sprint(base.Groups) != fmt.Sprint(cf.Groups) || fmt.Sprint(base.Seeds) != fmt.Sprint(cf.Seeds) || cf.Rule != base.Rule {
			return "", fmt.Errorf("%s and %s differ in more than the training images", names[0], names[i])
		}
		rho := "–"
		if cf.SplitHalf != nil {
			rho = fmt.Sprintf("%.2f (lowest %.2f)", *cf.SplitHalf, *cf.SplitHalfMin)
		}
		coll := 0
		for _, r := range cf.Rows {
			if r.Collapsed {
				coll++
			}
		}
		apart := 0
		for _, l := range cf.Ranking {
			if strings.Contains(l, " beats ") {
				apart++
			}
		}
		cells := []string{imgCount(cf.Options.TrainSamples, "60000"), seedsText(cf.Seeds), rho, fmt.Sprintf("%d of %d", coll, len(cf.Rows)),
			fmt.Sprintf("%d of %d", apart, len(cf.Ranking))}
		for _, s := range cf.Summary {
			cells = append(cells, accuracyCell(s))
		}
		fmt.Fprintf(&b, "| %s |\n", strings.Join(cells, " | "))
	}
	b.WriteString("\n")
	for i, cf := range cfs {
		fmt.Fprintf(&b, "- %s", provenance(names[i], cf))
	}
	return b.String(), nil
}

// curvesFigure draws each device's mean accuracy against the training
// images of the records, with 95 % intervals as a band of points.
func curvesFigure(path string, cfs []*Comparison) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	var series []plots.Series
	for gi, g := range cfs[0].Groups {
		s := plots.Series{Name: g, Style: plots.LinePoints}
		for _, cf := range cfs {
			if gi < len(cf.Summary) {
				s.X = append(s.X, float64(cmp.Or(cf.Options.TrainSamples, 60000)))
				s.Y = append(s.Y, 100*cf.Summary[gi].Accuracy.Mean)
			}
		}
		series = append(series, s)
	}
	f := plots.Figure{Title: plotTitle(cfs[0]), XLabel: "training images", YLabel: "test accuracy (%), mean over seeds", LogX: true}
	return f.Lines(path, series...)
}

// imgPath is where the figure name of record rec goes, relative to the
// markdown file as rec is: the img folder beside the records' folder
// (docs/records/x.json → docs/img/name).
func imgPath(rec, name string) string {
	return filepath.Join(filepath.Dir(filepath.Dir(rec)), "img", name)
}

// provenance says where a table's numbers come from.
func provenance(rec string, cf *Comparison) string {
	return fmt.Sprintf("<sub>Generated by `nanospike report` from [%s](%s) (%d runs): computed at commit %s on %s by `%s`.</sub>\n",
		rec, filepath.ToSlash(rec), len(cf.Rows), cf.Commit, cf.Machine, cf.Command)
}

// updatesTable sets backprop records that differ only in the update
// scheme side by side: per device, each scheme's mean ± sd and its paired
// difference to the ideal device with the verdict.
func updatesTable(cfs []*Comparison, names []string) (string, error) {
	base := cfs[0]
	var b strings.Builder
	head := []string{"device"}
	for i, cf := range cfs {
		if cf.Rule != "backprop" {
			return "", fmt.Errorf("%s: updates view is for backprop records, got %s", names[i], cf.Rule)
		}
		a, c := comparableOptions(base.Options), comparableOptions(cf.Options)
		a.Backprop.Update, c.Backprop.Update = "", ""
		if a != c || fmt.Sprint(base.Groups) != fmt.Sprint(cf.Groups) || fmt.Sprint(base.Seeds) != fmt.Sprint(cf.Seeds) {
			return "", fmt.Errorf("%s and %s differ in more than the update scheme", names[0], names[i])
		}
		u := cf.Options.Backprop.Update
		head = append(head, u+": accuracy (%)", u+": Δ vs ideal (pp) [95 % CI]")
	}
	o := base.Options
	fmt.Fprintf(&b, "backprop, 784-%s-10, T = %d, %s training images × %d epoch(s), %s test images, seeds %s; one column pair per update scheme.\n\n",
		strings.ReplaceAll(o.Backprop.Hidden, ",", "-"), o.Backprop.Steps, imgCount(o.TrainSamples, "60000"), o.Epochs, imgCount(o.TestSamples, "10000"), seedsText(base.Seeds))
	fmt.Fprintf(&b, "| %s |\n| :--- |%s\n", strings.Join(head, " | "), strings.Repeat(" ---: |", len(head)-1))
	for gi, g := range base.Groups {
		cells := []string{g}
		for _, cf := range cfs {
			if gi >= len(cf.Summary) || cf.Summary[gi].Group != g {
				return "", fmt.Errorf("device %s is missing from a record", g)
			}
			s := cf.Summary[gi]
			cells = append(cells, accuracyCell(s))
			d := verdictCell(s.Verdict)
			if s.VsRef != nil {
				d = fmt.Sprintf("%+.2f %s %s", 100*s.VsRef.Mean, intervalCell(*s.VsRef, true), shortVerdict(s.Verdict))
			}
			cells = append(cells, d)
		}
		fmt.Fprintf(&b, "| %s |\n", strings.Join(cells, " | "))
	}
	b.WriteString("\n")
	for i, cf := range cfs {
		fmt.Fprintf(&b, "- %s: %s (%s)\n", cf.Options.Backprop.Update, summaryCounts(cf), schemeLine(cf))
		fmt.Fprintf(&b, "  %s", provenance(names[i], cf))
	}
	return b.String(), nil
}

// imgCount is n, or all when n is 0.
func imgCount(n int, all string) string {
	if n == 0 {
		return all
	}
	return strconv.Itoa(n)
}

// shortVerdict is a verdict in a word or two for dense tables.
func shortVerdict(v string) string {
	switch v {
	case VerdictAbove:
		return "above"
	case VerdictBelow:
		return "below"
	case VerdictSame:
		return "n.d."
	}
	return ""
}

// summaryCounts counts the verdicts of cf's devices against ideal.
func summaryCounts(cf *Comparison) string {
	var below, above, same, coll int
	for _, s := range cf.Summary {
		switch s.Verdict {
		case VerdictBelow:
			below++
		case VerdictAbove:
			above++
		case VerdictSame:
			same++
		}
		if s.Collapsed > 0 {
			coll++
		}
	}
	var spread []float64
	for _, s := range cf.Summary {
		if s.VsRef != nil {
			spread = append(spread, s.VsRef.Mean)
		}
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range spread {
		lo, hi = min(lo, v), max(hi, v)
	}
	r := fmt.Sprintf("%d devices below ideal, %d above, %d not distinguishable (n.d.)", below, above, same)
	if len(spread) > 0 {
		r += fmt.Sprintf("; Δ from %+.2f to %+.2f pp", 100*lo, 100*hi)
	}
	if coll > 0 {
		r += fmt.Sprintf("; %d with collapsed runs", coll)
	}
	return r
}

// targetsBlock generates the block of a targets record: its summary and table, and its
// tornado plot.
func targetsBlock(dir, rec string, view []string, figures bool) (string, error) {
	if view[0] == "targets-table" {
		var tfs []*TargetsFile
		for _, r := range append([]string{rec}, view[1:]...) {
			tf, err := loadTargets(filepath.Join(dir, r))
			if err != nil {
				return "", err
			}
			tfs = append(tfs, tf)
		}
		return targetsSideTable(tfs, append([]string{rec}, view[1:]...)), nil
	}
	if len(view) != 1 {
		return "", fmt.Errorf("want targets, got %q", strings.Join(view, " "))
	}
	tf, err := loadTargets(filepath.Join(dir, rec))
	if err != nil {
		return "", err
	}
	img := imgPath(rec, strings.TrimSuffix(filepath.Base(rec), filepath.Ext(rec))+"-tornado.png")
	if figures {
		if err := copyFigure(dir, img, "tornado.png", func(tmp string) error { return writeTargetsOutputs(tmp, tf) }); err != nil {
			return "", err
		}
	}
	return TargetsMarkdown(tf) + fmt.Sprintf("\n![tornado: accuracy gained moving each parameter to ideal](%s)\n\n", filepath.ToSlash(img)) +
		fmt.Sprintf("`%s` — commit %s, %s (record %s)\n", tf.Command, tf.Commit, tf.Machine, rec), nil
}

// copyFigure runs write in a temporary folder and copies the figure name it wrote to img
// (relative to dir).
func copyFigure(dir, img, name string, write func(tmp string) error) error {
	tmp, err := os.MkdirTemp("", "nanospike-report")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := write(tmp); err != nil {
		return err
	}
	b, err := os.ReadFile(filepath.Join(tmp, name))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(img)), 0o755); err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(dir, img), b)
}

// loadTargets reads a targets record.
func loadTargets(path string) (*TargetsFile, error) {
	var tf TargetsFile
	if err := ReadJSON(path, &tf); err != nil {
		return nil, err
	}
	if tf.Kind != targetsKind || len(tf.Params) == 0 {
		return nil, fmt.Errorf("%s: not a targets record", path)
	}
	// The targets are recomputed from the stored points, so a record shows what the present
	// rules make of its runs.
	for i := range tf.Params {
		p := &tf.Params[i]
		tp, err := TargetParamByName(p.Param)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		tg, err := FindTarget(p.Param, p.Own, tp.Better, tp.Log, p.Points, tf.Loss)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		p.Target = tg
	}
	return &tf, nil
}

// targetsSideTable sets targets records side by side, one column per record (device and
// rule): the accuracies, then per parameter the verdict (with the threshold where one was
// found) and the accuracy gained when the parameter alone moves to its ideal value, with its
// 95 % interval; a gain whose interval excludes 0 is bold: the rule is sensitive to it there.
func targetsSideTable(tfs []*TargetsFile, names []string) string {
	var b strings.Builder
	b.WriteString("| |")
	for _, tf := range tfs {
		fmt.Fprintf(&b, " %s, %s |", tf.Device, tf.Rule)
	}
	b.WriteString("\n| :--- |" + strings.Repeat(" :--- |", len(tfs)) + "\n")
	row := func(name string, cell func(tf *TargetsFile) string) {
		fmt.Fprintf(&b, "| %s |", name)
		for _, tf := range tfs {
			fmt.Fprintf(&b, " %s |", cell(tf))
		}
		b.WriteString("\n")
	}
	row("setting", func(tf *TargetsFile) string { return settingsOf(tf) + fmt.Sprintf(", %d seeds", len(tf.Seeds)) })
	row("ideal device (%)", func(tf *TargetsFile) string { return meanSD(tf.Ideal) })
	row("this device (%)", func(tf *TargetsFile) string { return meanSD(tf.Own) })
	row("loss target (pp)", func(tf *TargetsFile) string { return num(tf.Loss) })
	var params []string
	for _, tf := range tfs {
		for _, p := range tf.Params {
			if !slices.Contains(params, p.Param) {
				params = append(params, p.Param)
			}
		}
	}
	for _, name := range params {
		row(name, func(tf *TargetsFile) string {
			i := slices.IndexFunc(tf.Params, func(p targetsParam) bool { return p.Param == name })
			if i < 0 {
				return "not swept"
			}
			p := tf.Params[i]
			v := fmt.Sprintf("%s (device %s)", p.Verdict, num(p.Own))
			if p.Verdict == VerdictNeeds || p.Verdict == VerdictMeets {
				cmp := "≥"
				if p.Better == "lower" {
					cmp = "≤"
				}
				v = fmt.Sprintf("%s %s %s (device %s)", p.Verdict, cmp, num(roundSig(p.Threshold.Mean)), num(p.Own))
			}
			g := fmt.Sprintf("%+.2f [%+.2f, %+.2f]", p.Tornado.Mean, p.Tornado.Lo, p.Tornado.Hi)
			if p.Tornado.Lo > 0 || p.Tornado.Hi < 0 {
				g = "**" + g + "**"
			}
			return v + "; " + g
		})
	}
	b.WriteString("\nEach parameter: the verdict for the loss target (the threshold where the mean loss crosses it), then the accuracy gained (pp) when it alone moves from the device's value to the ideal one, with its paired 95 % interval over the seeds; bold where the interval excludes 0.\n\n")
	for i, tf := range tfs {
		fmt.Fprintf(&b, "- <sub>%s, %s: `%s` — commit %s, %s (record [%s](%s)).</sub>\n", tf.Device, tf.Rule, tf.Command, tf.Commit, tf.Machine, names[i], names[i])
	}
	return b.String()
}

// meanSD is "mean ± sd" of accuracies.
func meanSD(xs []float64) string {
	if len(xs) == 0 {
		return "–"
	}
	s := Describe(xs)
	if len(xs) == 1 {
		return fmt.Sprintf("%.2f", s.Mean)
	}
	return fmt.Sprintf("%.2f ± %.2f", s.Mean, s.SD)
}
