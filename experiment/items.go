package experiment

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/nanospike/nanospike/device"
)

// SweepParams are the device parameters --sweep accepts, in the order of
// the usage text.
var SweepParams = []string{"states", "nl", "c2c", "d2d", "stuck", "read_noise"}

// applySweep sets the parameter param of p to v. A value that does not fit
// the parameter (a fractional state count) is an error; physical range
// checks are left to device.Params.Validate.
func applySweep(p *device.Params, param string, v float64) error {
	switch param {
	case "states":
		if v != math.Trunc(v) || v < 2 || v > math.MaxInt32 {
			return fmt.Errorf("states must be an integer ≥ 2, got %v", v)
		}
		p.States = int(v)
	case "nl":
		// NeuroSim's sign convention: a potentiation curve that saturates
		// has a positive label, the matching depression curve a negative one.
		p.NLLTP, p.NLLTD = v, -v
	case "c2c":
		p.C2C = v
	case "d2d":
		// One knob for both device-to-device spreads: σ of the NL labels
		// (absolute) and of Gmin/Gmax (fraction).
		p.D2DNL, p.D2DG = v, v
	case "stuck":
		// v is the fraction of faulty devices, split evenly between stuck
		// at Gmin (open) and stuck at Gmax (short).
		p.StuckMin, p.StuckMax = v/2, v/2
	case "read_noise":
		p.ReadNoise = v
	default:
		return fmt.Errorf("unknown sweep parameter %q (want one of %s)", param, strings.Join(SweepParams, ", "))
	}
	// The value is the user's now, not the preset's assumption: --uncertainty must not draw it.
	p.Ranges = maps.Clone(p.Ranges)
	for _, f := range sweepFields[param] {
		delete(p.Ranges, f)
	}
	return nil
}

// sweepFields are the device fields (JSON names) each sweep parameter sets.
var sweepFields = map[string][]string{
	"states": {"states"}, "nl": {"nl_ltp", "nl_ltd"}, "c2c": {"c2c_sigma"}, "d2d": {"d2d_nl_sigma", "d2d_g_sigma"},
	"stuck": {"stuck_min_frac", "stuck_max_frac"}, "read_noise": {"read_noise"},
}

// Item is one run of a compare or sweep.
type Item struct {
	Index        int     // position in the full (unsharded) list
	Label        string  // folder under --out: <group>-s<seed>
	Group        string  // the device's label, or for a sweep <device>-<param>-<value>
	Seed         uint64  // master seed of the run
	Device       string  // --device value of the run: a preset name, a file or "float"
	Param        string  // swept parameter ("" for a device comparison)
	Value        float64 // its value
	Draw         int     // uncertainty draw of the device's assumed parameters (1…K), 0 for its nominal values
	DeviceParams *device.Params
}

// WithSeeds returns one item per group and seed, group by group, labelled
// <group>-s<seed>.
func WithSeeds(groups []Item, seeds []uint64) []Item {
	var out []Item
	for _, g := range groups {
		for _, sd := range seeds {
			it := g
			it.Index, it.Group, it.Seed = len(out), g.Label, sd
			it.Label = fmt.Sprintf("%s-s%d", g.Label, sd)
			out = append(out, it)
		}
	}
	return out
}

// MaxDraws bounds --uncertainty.
const MaxDraws = 100

// WithDraws appends to items, for each device of groups with assumed ranges, k runs of
// parameter sets drawn from them (Draws, seeded by seed), labelled
// <device>-u<draw>; draw j runs with seeds[(j−1) mod len(seeds)].
func WithDraws(items, groups []Item, k int, seeds []uint64, seed uint64) ([]Item, error) {
	if k == 0 {
		return items, nil
	}
	for _, g := range groups {
		if g.DeviceParams == nil {
			continue
		}
		ds, err := Draws(g.DeviceParams, k, seed)
		if err != nil {
			return nil, err
		}
		for j, q := range ds {
			items = append(items, Item{Index: len(items), Label: fmt.Sprintf("%s-u%d", g.Label, j+1), Group: g.Label,
				Seed: seeds[j%len(seeds)], Device: g.Device, Draw: j + 1, DeviceParams: q})
		}
	}
	return items, nil
}

// parseFinite parses a parameter value of --sweep or --set.
func parseFinite(s string) (float64, bool) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return v, err == nil && !math.IsNaN(v) && !math.IsInf(v, 0)
}

// applySets applies "param=v" settings to p.
func applySets(p *device.Params, sets []string) error {
	for _, kv := range sets {
		param, val, ok := strings.Cut(kv, "=")
		param = strings.TrimSpace(param)
		if !ok || !slices.Contains(SweepParams, param) {
			return fmt.Errorf("--set: want param=v with param one of %s, got %q", strings.Join(SweepParams, ", "), kv)
		}
		v, ok := parseFinite(val)
		if !ok {
			return fmt.Errorf("--set %s: %q is not a finite number", param, val)
		}
		if err := applySweep(p, param, v); err != nil {
			return fmt.Errorf("--set: %w", err)
		}
	}
	return nil
}

// CompareItems lists the runs of a comparison of devices, or of a sweep
// of one device's parameter, with the --set parameters applied to each.
func CompareItems(devices, sweep string, sets ...string) ([]Item, string, error) {
	var names []string
	if strings.TrimSpace(devices) == "all" {
		names = device.PresetNames()
	} else {
		names = SplitList(devices)
	}
	if len(names) == 0 {
		return nil, "", errors.New("--devices names no device")
	}
	var items []Item
	seen := map[string]bool{}
	for _, n := range names {
		p, err := LoadDevice(n)
		if err != nil {
			return nil, "", err
		}
		label := FloatDevice
		if p != nil {
			label = p.Name
			if _, err := device.Preset(n); err != nil { // a file: name it after the file
				label = DeviceLabel(n)
			}
		}
		if seen[label] {
			return nil, "", fmt.Errorf("--devices names %q twice", label)
		}
		seen[label] = true
		if len(sets) > 0 {
			if p == nil {
				return nil, "", fmt.Errorf("--set applies to devices, not to the float rule (%q)", n)
			}
			q := *p
			if err := applySets(&q, sets); err != nil {
				return nil, "", err
			}
			if err := q.Validate(); err != nil {
				return nil, "", fmt.Errorf("--set on %s: %w", label, err)
			}
			p = &q
		}
		items = append(items, Item{Index: len(items), Label: label, Device: n, DeviceParams: p})
	}
	if sweep == "" {
		return items, "", nil
	}
	if len(items) != 1 {
		return nil, "", fmt.Errorf("--sweep needs exactly one device in --devices, got %d", len(items))
	}
	base := items[0]
	if base.DeviceParams == nil {
		return nil, "", errors.New("--sweep needs a device, not the float rule")
	}
	param, list, ok := strings.Cut(sweep, "=")
	param = strings.TrimSpace(param)
	if !ok {
		return nil, "", fmt.Errorf("--sweep: want param=v1,v2,…, got %q", sweep)
	}
	if !slices.Contains(SweepParams, param) {
		return nil, "", fmt.Errorf("--sweep: unknown parameter %q (want one of %s)", param, strings.Join(SweepParams, ", "))
	}
	vals := SplitList(list)
	if len(vals) == 0 {
		return nil, "", fmt.Errorf("--sweep %s: no values", param)
	}
	items = items[:0]
	seenV := map[float64]bool{}
	for _, s := range vals {
		v, ok := parseFinite(s)
		if !ok {
			return nil, "", fmt.Errorf("--sweep %s: %q is not a finite number", param, s)
		}
		if seenV[v] {
			return nil, "", fmt.Errorf("--sweep %s: value %v given twice", param, v)
		}
		seenV[v] = true
		p := *base.DeviceParams
		p.Source = nil // not needed by training; keeps config.json short
		if err := applySweep(&p, param, v); err != nil {
			return nil, "", fmt.Errorf("--sweep: %w", err)
		}
		if err := p.Validate(); err != nil {
			return nil, "", fmt.Errorf("--sweep %s=%v: %w", param, v, err)
		}
		label := fmt.Sprintf("%s-%s-%s", base.Label, param, strconv.FormatFloat(v, 'g', -1, 64))
		items = append(items, Item{Index: len(items), Label: label, Device: base.Device, Param: param, Value: v, DeviceParams: &p})
	}
	return items, param, nil
}
