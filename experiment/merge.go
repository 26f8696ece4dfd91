package experiment

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Merge reads the compare.json of every folder in dirs, checks that
// they are parts of one comparison, copies their run folders into out and
// returns the joined table.
func Merge(out string, dirs []string) (*Comparison, error) {
	var merged *Comparison
	var first string
	rows := map[string]Row{}
	from := map[string]string{}
	for _, d := range dirs {
		cf, err := readCompareFile(filepath.Join(d, CompareJSON))
		if err != nil {
			return nil, err
		}
		if merged == nil {
			merged, first = cf, d
		} else if err := sameComparison(merged, cf); err != nil {
			return nil, fmt.Errorf("%s and %s are not parts of one comparison: %v", first, d, err)
		}
		for _, r := range cf.Rows {
			if prev, dup := rows[r.Label]; dup {
				// One run found twice (a shared folder, or a shard run twice):
				// fine if it is the same result.
				if !sameResult(prev, r) {
					return nil, fmt.Errorf("run %s differs between %s and %s", r.Label, from[r.Label], d)
				}
				continue
			}
			rows[r.Label] = r
			from[r.Label] = d
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	res := *merged
	res.Shard, res.Rows = "", nil
	for _, l := range merged.Items {
		r, ok := rows[l]
		if !ok {
			continue
		}
		if err := copyRunDir(filepath.Join(from[l], l), filepath.Join(out, l)); err != nil {
			return nil, err
		}
		res.Rows = append(res.Rows, r)
	}
	return &res, nil
}

// sameComparison reports how two compare.json files differ in what they
// compare (nil: they are parts of one comparison).
func sameComparison(a, b *Comparison) error {
	switch {
	case a.Rule != b.Rule:
		return fmt.Errorf("rule %s vs %s", a.Rule, b.Rule)
	case fmt.Sprint(a.Seeds) != fmt.Sprint(b.Seeds):
		return fmt.Errorf("seeds %v vs %v", a.Seeds, b.Seeds)
	case strings.Join(a.Set, " ") != strings.Join(b.Set, " "):
		return fmt.Errorf("--set %q vs %q", a.Set, b.Set)
	case a.Sweep != b.Sweep || a.Preset != b.Preset:
		return fmt.Errorf("sweep %s of %q vs %s of %q", a.Sweep, a.Preset, b.Sweep, b.Preset)
	case comparableOptions(a.Options) != comparableOptions(b.Options):
		ja, _ := json.Marshal(a.Options)
		jb, _ := json.Marshal(b.Options)
		return fmt.Errorf("settings %s vs %s", ja, jb)
	case (a.Energy == nil) != (b.Energy == nil) || (a.Energy != nil && *a.Energy != *b.Energy):
		return errors.New("--energy-config differs")
	case strings.Join(a.Items, ",") != strings.Join(b.Items, ","):
		return fmt.Errorf("runs %s vs %s", strings.Join(a.Items, ","), strings.Join(b.Items, ","))
	}
	return nil
}

// sameResult reports whether two rows hold the same result, wall-clock
// figures aside.
func sameResult(a, b Row) bool {
	a.TrainSeconds, a.TestSeconds, a.TrainImagesPerS, a.TestImagesPerS = 0, 0, 0, 0
	b.TrainSeconds, b.TestSeconds, b.TrainImagesPerS, b.TestImagesPerS = 0, 0, 0, 0
	a.AccuracyLoss, b.AccuracyLoss = nil, nil
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

// copyRunDir copies the files of the run folder src to dst, unless they are
// the same folder or dst already holds the same finished run.
func copyRunDir(src, dst string) error {
	as, err1 := filepath.Abs(src)
	ad, err2 := filepath.Abs(dst)
	if err1 == nil && err2 == nil && as == ad {
		return nil
	}
	if _, err := os.Stat(dst); err == nil {
		a, errA := os.ReadFile(filepath.Join(src, MetricsFile))
		b, errB := os.ReadFile(filepath.Join(dst, MetricsFile))
		if errA == nil && errB == nil && bytes.Equal(a, b) {
			return nil
		}
		return fmt.Errorf("%s exists and holds another run than %s: remove it or merge into another --out", dst, src)
	}
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		return fmt.Errorf("copying %s to %s: %w", src, dst, err)
	}
	return nil
}

// readCompareFile reads a compare.json and checks that compare (of this
// format version) wrote it.
func readCompareFile(path string) (*Comparison, error) {
	var probe struct {
		Version *int   `json:"version"`
		Kind    string `json:"kind"`
	}
	b, err := os.ReadFile(path)
	if err == nil {
		err = decodeJSON(path, b, &probe)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: not a compare record: %w", path, err)
	}
	switch {
	case probe.Kind != compareKind:
		return nil, fmt.Errorf("%s: not a compare record (kind %q, want %q)", path, probe.Kind, compareKind)
	case probe.Version == nil || *probe.Version != compareVersion:
		v := 0
		if probe.Version != nil {
			v = *probe.Version
		}
		return nil, fmt.Errorf("%s: compare record of format %d, this nanospike reads %d: rerun the comparison", path, v, compareVersion)
	}
	var cf Comparison
	if err := decodeJSON(path, b, &cf); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &cf, nil
}
