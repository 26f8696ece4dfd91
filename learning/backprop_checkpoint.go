package learning

import (
	"bufio"
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/nanospike/nanospike/device"
	"github.com/nanospike/nanospike/internal/sealed"
)

// bpCheckpointVersion is the version of the bpCheckpoint format: 2 stores the device
// parameters' sources as a sorted list (Sources); version 1 files still load.
const bpCheckpointVersion = 2

// bpCheckpoint is the gob-encoded state of a Backprop: enough to resume training bit for bit.
type bpCheckpoint struct {
	Version int
	Config  BackpropConfig
	Device  *device.Params    // without its Source (see Sources)
	Sources device.SourceList // Device.Source, sorted: the same state gives the same bytes
	Epoch   int
	Batch   int
	Step    uint64
	Stats   BackpropCounters
	Layers  []bpLayerState
}

type bpLayerState struct {
	In, Out        int
	W, B           []float64
	MW, VW, MB, VB []float64
	Acc            []float64
	Pair           []byte // nil without devices
	LSB            []byte // the fine pair of the periodic carry, nil without
}

// Save writes the network's full state (configuration, device parameters, weights, optimizer
// state, device conductances and noise streams, counters, position in the epoch) to w. A
// network loaded from it continues training exactly as this one would.
func (n *Backprop) Save(w io.Writer) error {
	ck, err := n.checkpoint(false)
	if err != nil {
		return err
	}
	return ck.write(w)
}

// checkpoint returns the network's state; with clone its slices are copies, so that it can be
// encoded while the network trains on.
func (n *Backprop) checkpoint(clone bool) (*bpCheckpoint, error) {
	cp := func(x []float64) []float64 {
		if !clone || x == nil {
			return x
		}
		return append([]float64(nil), x...)
	}
	ck := &bpCheckpoint{
		Version: bpCheckpointVersion, Config: n.Config(),
		Epoch: n.epoch, Batch: n.batch, Step: n.step, Stats: n.stats,
	}
	if n.dev != nil {
		p, src := n.dev.WithoutSources()
		ck.Device, ck.Sources = &p, src
	}
	for l, ly := range n.layers {
		st := bpLayerState{In: ly.in, Out: ly.out, W: cp(ly.w), B: cp(ly.b), MW: cp(ly.mw), VW: cp(ly.vw), MB: cp(ly.mb), VB: cp(ly.vb), Acc: cp(ly.acc)}
		if ly.pair != nil {
			b, err := ly.pair.MarshalBinary()
			if err != nil {
				return nil, fmt.Errorf("learning: save layer %d: %w", l, err)
			}
			st.Pair = b
		}
		if ly.lsb != nil {
			b, err := ly.lsb.MarshalBinary()
			if err != nil {
				return nil, fmt.Errorf("learning: save layer %d: %w", l, err)
			}
			st.LSB = b
		}
		ck.Layers = append(ck.Layers, st)
	}
	return ck, nil
}

// write encodes the checkpoint, sealed, to w.
func (ck *bpCheckpoint) write(w io.Writer) error {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(ck); err != nil {
		return fmt.Errorf("learning: save: %w", err)
	}
	if err := sealed.Write(w, buf.Bytes()); err != nil {
		return fmt.Errorf("learning: save: %w", err)
	}
	return nil
}

// LoadBackprop reads a network written by Save: a checksum mismatch (a flipped or missing
// byte) is an error; a file from before the checksum loads unverified.
func LoadBackprop(r io.Reader) (*Backprop, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("learning: load bpCheckpoint: %w", err)
	}
	if data, _, err = sealed.Open(data); err != nil {
		return nil, fmt.Errorf("learning: load bpCheckpoint: %w", err)
	}
	var ck bpCheckpoint
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&ck); err != nil {
		return nil, fmt.Errorf("learning: load bpCheckpoint: %w", err)
	}
	if ck.Version < 1 || ck.Version > bpCheckpointVersion {
		return nil, fmt.Errorf("learning: load bpCheckpoint: version %d, want 1 to %d", ck.Version, bpCheckpointVersion)
	}
	if err := ck.Config.Validate(); err != nil {
		return nil, fmt.Errorf("learning: load bpCheckpoint: %w", err)
	}
	if ck.Device != nil && ck.Sources != nil {
		ck.Device.Source = ck.Sources.Map()
	}
	n := &Backprop{cfg: ck.Config, dev: ck.Device, epoch: ck.Epoch, batch: ck.Batch, step: ck.Step, stats: ck.Stats}
	if n.cfg.Device.Mode != ModeIdeal && n.dev == nil {
		return nil, errors.New("learning: load bpCheckpoint: device mode without device parameters")
	}
	sz := n.cfg.sizes()
	if len(ck.Layers) != len(sz)-1 {
		return nil, fmt.Errorf("learning: load bpCheckpoint: %d layers, config has %d", len(ck.Layers), len(sz)-1)
	}
	for l, st := range ck.Layers {
		if st.In != sz[l] || st.Out != sz[l+1] {
			return nil, fmt.Errorf("learning: load bpCheckpoint: layer %d is %d×%d, config says %d×%d", l, st.In, st.Out, sz[l], sz[l+1])
		}
		ly := newBPLayer(st.In, st.Out)
		m := st.In * st.Out
		for _, x := range []struct {
			dst, src []float64
			n        int
			name     string
		}{
			{ly.w, st.W, m, "weights"}, {ly.b, st.B, st.Out, "biases"},
			{ly.mw, st.MW, m, "optimizer m"}, {ly.vw, st.VW, m, "optimizer v"},
			{ly.mb, st.MB, st.Out, "bias m"}, {ly.vb, st.VB, st.Out, "bias v"},
		} {
			if len(x.src) != x.n {
				return nil, fmt.Errorf("learning: load bpCheckpoint: layer %d %s: %d values, want %d", l, x.name, len(x.src), x.n)
			}
			copy(x.dst, x.src)
		}
		if st.Acc != nil {
			if len(st.Acc) != m {
				return nil, fmt.Errorf("learning: load bpCheckpoint: layer %d buffer: %d values, want %d", l, len(st.Acc), m)
			}
			ly.acc = append([]float64(nil), st.Acc...)
		}
		if st.Pair != nil {
			q := new(device.Pair)
			if err := q.UnmarshalBinary(st.Pair); err != nil {
				return nil, fmt.Errorf("learning: load bpCheckpoint: layer %d: %w", l, err)
			}
			if q.Rows() != st.In || q.Cols() != st.Out {
				return nil, fmt.Errorf("learning: load bpCheckpoint: layer %d devices are %d×%d", l, q.Rows(), q.Cols())
			}
			ly.pair = q
			ly.scratch = make([]float64, m)
		}
		if st.LSB != nil {
			q := new(device.Pair)
			if err := q.UnmarshalBinary(st.LSB); err != nil {
				return nil, fmt.Errorf("learning: load checkpoint: layer %d fine pair: %w", l, err)
			}
			if q.Rows() != st.In || q.Cols() != st.Out {
				return nil, fmt.Errorf("learning: load checkpoint: layer %d fine devices are %d×%d", l, q.Rows(), q.Cols())
			}
			ly.lsb = q
		}
		n.layers = append(n.layers, ly)
	}
	n.syncTranspose()
	return n, nil
}

// SaveFile writes a bpCheckpoint to path atomically: to a temporary file in the same directory,
// synced, then renamed over path. The file's mode is 0644.
func (n *Backprop) SaveFile(path string) error {
	return saveFile(path, n.Save)
}

// SaveFileAsync snapshots the network now and writes it to path (as SaveFile) in the
// background while training goes on; wait blocks until the file is written and returns the
// error. Call wait before the next save of the same path.
func (n *Backprop) SaveFileAsync(path string) (wait func() error) {
	ck, err := n.checkpoint(true)
	if err != nil {
		return func() error { return err }
	}
	done := make(chan error, 1)
	go func() { done <- saveFile(path, ck.write) }()
	return func() error { return <-done }
}

func saveFile(path string, write func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("learning: save %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	bw := bufio.NewWriter(f)
	if err = write(bw); err != nil {
		return fmt.Errorf("learning: save %s: %w", path, err)
	}
	if err = bw.Flush(); err != nil {
		return fmt.Errorf("learning: save %s: %w", path, err)
	}
	if err = f.Chmod(0o644); err != nil { // CreateTemp's 0600 would keep others from reading it
		return fmt.Errorf("learning: save %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("learning: save %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("learning: save %s: %w", path, err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("learning: save %s: %w", path, err)
	}
	return nil
}

// LoadBackpropFile reads a bpCheckpoint written by SaveFile.
func LoadBackpropFile(path string) (*Backprop, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("learning: %w", err)
	}
	defer f.Close()
	n, err := LoadBackprop(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return n, nil
}
