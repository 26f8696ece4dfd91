package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/nanospike/nanospike/device"
	"github.com/nanospike/nanospike/experiment"
	"github.com/nanospike/nanospike/internal/npy"
	"github.com/nanospike/nanospike/learning"
)

func init() {
	register(&command{name: "export", summary: "write a trained run's arrays (weights, conductances, thresholds, labels) as .npy or CSV files for numpy, pandas or R", run: runExport})
}

// exportIndexFile lists the arrays of an export folder.
const exportIndexFile = "index.json"

// exportArray is one array of a trained run, written to one file.
type exportArray struct {
	name    string // file name without its extension, and the name in index.json
	column  string // the CSV column of the values
	unit    string // "1": dimensionless; "": a category
	meaning string
	shape   []int     // (n) or (rows, cols), C order
	floats  []float64 // the data of a float64 array, or
	ints    []int     // of an int64 one
}

// exportEntry is one array in index.json.
type exportEntry struct {
	Name    string   `json:"name"`
	File    string   `json:"file"`
	Shape   []int    `json:"shape"`
	DType   string   `json:"dtype"` // float64 or int64
	Unit    string   `json:"unit"`  // "1": dimensionless; "": a category
	Meaning string   `json:"meaning"`
	Columns []string `json:"columns,omitempty"` // CSV: the header
}

// exportIndex is index.json of an export folder.
type exportIndex struct {
	Kind   string        `json:"kind"` // "nanospike export"
	Model  string        `json:"model"`
	Rule   string        `json:"rule"`
	Device string        `json:"device"`
	Format string        `json:"format"`
	Arrays []exportEntry `json:"arrays"`
}

func runExport(_ context.Context, e *env, args []string) error {
	fl := e.flags("export", "export --model DIR --format npy|csv [--out DIR2]")
	var dir, format, out string
	fl.StringVar(&dir, "model", "", "folder of a trained run (holding config.json and model.gob)")
	fl.StringVar(&format, "format", "", "npy (one NumPy .npy file per array) or csv (one long-format CSV file per array)")
	fl.StringVar(&out, "out", "", "output folder (default DIR/export)")
	if err := e.parse(fl, args); err != nil {
		return err
	}
	switch {
	case fl.NArg() > 0:
		return e.usagef("unexpected argument %q", fl.Arg(0))
	case dir == "":
		return e.usagef("--model DIR is required")
	case format != "npy" && format != "csv":
		return e.usagef("--format must be npy or csv, got %q", format)
	}
	var cfg experiment.RunConfig
	if err := experiment.ReadJSON(filepath.Join(dir, experiment.ConfigFile), &cfg); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("--model %s: no %s there (not a run folder?)", dir, experiment.ConfigFile)
		}
		return err
	}
	model := filepath.Join(dir, experiment.ModelFile)
	if _, err := os.Stat(model); err != nil {
		return fmt.Errorf("--model %s: no %s there (has the run finished?)", dir, experiment.ModelFile)
	}
	var arrays []exportArray
	var err error
	switch cfg.Options.Rule {
	case "stdp":
		arrays, err = stdpArrays(model)
	case "backprop":
		arrays, err = backpropArrays(model)
	default:
		err = fmt.Errorf("%s: unknown rule %q", filepath.Join(dir, experiment.ConfigFile), cfg.Options.Rule)
	}
	if err != nil {
		return err
	}
	if out == "" {
		out = filepath.Join(dir, "export")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	idx := exportIndex{Kind: "nanospike export", Model: dir, Rule: cfg.Options.Rule, Device: cfg.Options.Device, Format: format}
	for _, a := range arrays {
		en := exportEntry{Name: a.name, File: a.name + "." + format, Shape: a.shape, DType: "float64", Unit: a.unit, Meaning: a.meaning}
		if a.ints != nil {
			en.DType = "int64"
		}
		var b []byte
		if format == "npy" {
			if b, err = a.npy(); err != nil {
				return fmt.Errorf("%s: %w", a.name, err)
			}
		} else {
			en.Columns = a.csvColumns()
			b = a.csv()
		}
		if err := experiment.WriteFileAtomic(filepath.Join(out, en.File), b); err != nil {
			return err
		}
		idx.Arrays = append(idx.Arrays, en)
		fmt.Fprintf(e.stdout, "%-28s %v\n", en.File, a.shape)
	}
	if err := experiment.WriteJSON(filepath.Join(out, exportIndexFile), idx); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%d arrays of %s written to %s (listed in %s)\n", len(arrays), dir, out, exportIndexFile)
	return nil
}

// stdpArrays reads the STDP model at path: weights, conductances (on a device), θ and labels.
func stdpArrays(path string) ([]exportArray, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := learning.UnmarshalSTDPModel(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	rows, cols := m.Syn.Rows(), m.Syn.Cols()
	arrays := []exportArray{{name: "weights", column: "weight", unit: "1", shape: []int{rows, cols}, floats: m.Syn.WeightsTo(nil),
		meaning: "weight of each input-to-excitatory-neuron synapse as the network uses it (on a device: its conductance " +
			"mapped through the preset's nominal window); rows: input pixels (28x28 image, row-major), columns: excitatory neurons"}}
	if a, ok := m.Syn.(*device.Array); ok {
		arrays = append(arrays, exportArray{name: "conductances_s", column: "conductance_s", unit: "S", shape: []int{rows, cols},
			floats:  slices.Clone(a.Conductances()),
			meaning: "stored conductance of each synapse's device (without read noise); rows and columns as in weights"})
	}
	arrays = append(arrays, exportArray{name: "theta_mv", column: "theta_mv", unit: "mV", shape: []int{cols}, floats: m.Net.Theta(),
		meaning: "adaptive threshold theta of each excitatory neuron (it fires when v > v_thresh + theta - theta_offset)"})
	if len(m.Labels) == cols {
		arrays = append(arrays, exportArray{name: "labels", column: "label", shape: []int{cols}, ints: slices.Clone(m.Labels),
			meaning: "class (digit) assigned to each excitatory neuron in labelling; -1: unassigned (never fired)"})
	}
	return arrays, nil
}

// backpropArrays reads the backprop model at path: per layer, weights, biases and (on
// devices) the conductances of the differential pairs.
func backpropArrays(path string) ([]exportArray, error) {
	n, err := learning.LoadBackpropFile(path)
	if err != nil {
		return nil, err
	}
	var arrays []exportArray
	for l := range n.Layers() {
		w, b := n.Weights(l)
		shape := []int{len(w) / len(b), len(b)}
		suffix := "_l" + strconv.Itoa(l)
		arrays = append(arrays,
			exportArray{name: "weights" + suffix, column: "weight", unit: "1", shape: shape, floats: w,
				meaning: fmt.Sprintf("layer %d's weight of each synapse as the forward pass last used it (in-situ: the last device read); "+
					"rows: presynaptic neurons (layer 0: input pixels), columns: postsynaptic neurons", l)},
			exportArray{name: "biases" + suffix, column: "bias", unit: "1", shape: []int{len(b)}, floats: b,
				meaning: fmt.Sprintf("layer %d's bias of each postsynaptic neuron (digital, not on devices)", l)})
		if pos, neg := n.Conductances(l); pos != nil {
			arrays = append(arrays,
				exportArray{name: "conductances_pos_s" + suffix, column: "conductance_pos_s", unit: "S", shape: shape, floats: pos,
					meaning: fmt.Sprintf("stored conductance G+ of each synapse's positive device in layer %d (weight = WMax*(G+ - G-)/(Gmax - Gmin)); "+
						"rows and columns as in weights%s", l, suffix)},
				exportArray{name: "conductances_neg_s" + suffix, column: "conductance_neg_s", unit: "S", shape: shape, floats: neg,
					meaning: fmt.Sprintf("stored conductance G- of each synapse's negative device in layer %d; rows and columns as in weights%s", l, suffix)})
		}
	}
	return arrays, nil
}

// npy returns the array as a .npy file.
func (a *exportArray) npy() ([]byte, error) {
	var buf bytes.Buffer
	var err error
	if a.ints != nil {
		err = npy.WriteInt(&buf, a.shape, a.ints)
	} else {
		err = npy.Write(&buf, a.shape, a.floats)
	}
	return buf.Bytes(), err
}

// csvColumns returns the CSV header: pre,post,<column> for a matrix, neuron,<column> for a vector.
func (a *exportArray) csvColumns() []string {
	if len(a.shape) == 2 {
		return []string{"pre", "post", a.column}
	}
	return []string{"neuron", a.column}
}

// csv returns the array as a long-format CSV file: one row per element, in C order, with its
// indices (pre, post for a matrix; neuron for a vector) and its value.
func (a *exportArray) csv() []byte {
	cols := a.shape[len(a.shape)-1]
	n := len(a.floats) + len(a.ints)
	b := make([]byte, 0, 24*n+64)
	for k, c := range a.csvColumns() {
		if k > 0 {
			b = append(b, ',')
		}
		b = append(b, c...)
	}
	b = append(b, '\n')
	for k := range n {
		if len(a.shape) == 2 {
			b = strconv.AppendInt(b, int64(k/cols), 10)
			b = append(b, ',')
			b = strconv.AppendInt(b, int64(k%cols), 10)
		} else {
			b = strconv.AppendInt(b, int64(k), 10)
		}
		b = append(b, ',')
		if a.ints != nil {
			b = strconv.AppendInt(b, int64(a.ints[k]), 10)
		} else {
			b = strconv.AppendFloat(b, a.floats[k], 'g', -1, 64)
		}
		b = append(b, '\n')
	}
	return b
}
