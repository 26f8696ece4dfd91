package experiment

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/nanospike/nanospike/internal/plots"
)

// curvePoint is one point of a run's learning curve.
type curvePoint struct {
	Images int `json:"images"` // training images seen, over all epochs
	Epoch  int `json:"epoch"`  // 1-based
	// Loss (backprop) is the mean mini-batch loss since the previous point.
	Loss *float64 `json:"loss,omitempty"`
	// TrainAccuracy is, for STDP, the running accuracy (each image classified with labels
	// from the previous images' responses); for backprop, the accuracy on the epoch's
	// training images as they were trained, up to this point.
	TrainAccuracy *float64 `json:"train_accuracy,omitempty"`
	// TestAccuracy (backprop, at the end of each epoch) is the accuracy on the run's test
	// images of the network as it then was.
	TestAccuracy *float64 `json:"test_accuracy,omitempty"`
}

// ProgressFile is written before each checkpoint: the curve and the training time up to it,
// so a resumed run continues both. It keeps the entries of the last two checkpoints, so
// that a crash between writing it and writing the checkpoint still finds the entry of the
// checkpoint on disk.
const ProgressFile = "progress.json"

// runProgress is one checkpoint's entry in progress.json.
type runProgress struct {
	Images       int          `json:"images"`        // training images done at the checkpoint
	TrainSeconds float64      `json:"train_seconds"` // training time up to it, all segments
	History      []curvePoint `json:"history"`
	// Epoch sums of backprop up to the checkpoint (the epoch summary continues them).
	EpochLoss    float64 `json:"epoch_loss_sum,omitempty"`
	EpochBatches int     `json:"epoch_batches,omitempty"`
	EpochCorrect int     `json:"epoch_correct,omitempty"`
	EpochSeen    int     `json:"epoch_seen,omitempty"`
	EpochSeconds float64 `json:"epoch_seconds,omitempty"`
}

// ProgressEntries is progress.json.
type ProgressEntries struct {
	Checkpoints []runProgress `json:"checkpoints"`
}

// writeProgress adds p (a copy) to dir's progress.json, keeping the previous entry.
func writeProgress(dir string, log *ProgressEntries, p runProgress) error {
	p.History = slices.Clone(p.History)
	if n := len(log.Checkpoints); n > 0 {
		log.Checkpoints = log.Checkpoints[n-1:]
	}
	log.Checkpoints = append(log.Checkpoints, p)
	return WriteJSON(filepath.Join(dir, ProgressFile), log)
}

// readProgress returns dir's progress.json and its entry for the checkpoint at images.
// Without one (a run from before progress.json, or an unreadable file) the curve and the
// time restart from the checkpoint, and warn says so.
func readProgress(dir string, images int) (log ProgressEntries, p runProgress, warn string) {
	path := filepath.Join(dir, ProgressFile)
	if err := ReadJSON(path, &log); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return ProgressEntries{}, runProgress{Images: images}, path + " is missing: the learning curve and the training time restart at the checkpoint"
		}
		return ProgressEntries{}, runProgress{Images: images}, fmt.Sprintf("%v: the learning curve and the training time restart at the checkpoint", err)
	}
	for _, c := range log.Checkpoints {
		if c.Images == images {
			return log, c, ""
		}
	}
	return log, runProgress{Images: images}, fmt.Sprintf("%s has no entry for the checkpoint at %d training images: the learning curve and the training time restart there", path, images)
}

// curveEvery is the number of training images between two points of an STDP curve: about
// fifty points a run, at least every ten images and at most every thousand.
func curveEvery(total int) int {
	return min(max(total/50, 10), 1000)
}

// ptr returns a pointer to v, nil for NaN.
func ptr(v float64) *float64 {
	if math.IsNaN(v) {
		return nil
	}
	return &v
}

// curveSeries returns a run's curves for plotting, x in training images: STDP's running
// accuracy, or backprop's training and test accuracy (%).
func curveSeries(h []curvePoint) []plots.Series {
	var train, test plots.Series
	for _, c := range h {
		if c.TrainAccuracy != nil {
			train.X = append(train.X, float64(c.Images))
			train.Y = append(train.Y, 100**c.TrainAccuracy)
		}
		if c.TestAccuracy != nil {
			test.X = append(test.X, float64(c.Images))
			test.Y = append(test.Y, 100**c.TestAccuracy)
		}
	}
	var out []plots.Series
	if len(train.X) > 0 {
		train.Name = "train"
		out = append(out, train)
	}
	if len(test.X) > 0 {
		test.Name, test.Style = "test", plots.LinePoints
		out = append(out, test)
	}
	return out
}

// writeCurves writes dir/curves.png and curves.svg from a run's history (nothing when it
// has no points).
func writeCurves(dir, title string, h []curvePoint) error {
	s := curveSeries(h)
	if len(s) == 0 {
		return nil
	}
	f := plots.Figure{Title: title, XLabel: "training images", YLabel: "accuracy (%)"}
	for _, ext := range []string{".png", ".svg"} {
		if err := f.Lines(filepath.Join(dir, "curves"+ext), s...); err != nil {
			return err
		}
	}
	return nil
}

// runTitle names a run's settings for its figures: rule, network, device, length, seed.
func runTitle(cfg *RunConfig) string {
	o := cfg.Options
	n := o.TrainSamples
	if n == 0 {
		n = 60000
	}
	net := fmt.Sprintf("%d neurons", o.Neurons)
	if o.Rule == "backprop" {
		net = "784-" + strings.ReplaceAll(o.Backprop.Hidden, ",", "-") + "-10"
	}
	return fmt.Sprintf("%s, %s, %s, %d images × %d epoch(s), seed %d", o.Rule, net, DeviceLabel(o.Device), n, o.Epochs, o.Seed)
}
