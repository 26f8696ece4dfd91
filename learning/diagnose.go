package learning

import (
	"fmt"
	"math"
	"slices"
)

// Collapse thresholds of Diagnose: a run whose test pass is won mostly by a
// couple of neurons, or that stays silent for most images, has not learnt a
// code of the digits; its accuracy measures the collapse, not the device.
const (
	// CollapseTopNeurons neurons winning more than CollapseTopShare of the
	// test images, and more than CollapseFairFactor times their share in a
	// network that splits the images evenly, is a collapse (the second
	// condition spares small networks: 2 of 10 neurons own 20 % by right).
	CollapseTopNeurons = 2
	CollapseTopShare   = 0.5
	CollapseFairFactor = 4
	// CollapseSilentShare: more test images than this with no spike at all.
	CollapseSilentShare = 0.5
	// DominantShare: a neuron winning more than this share of the test
	// images is counted as dominant (10× its share in a network of 100 that
	// splits the work evenly).
	DominantShare = 0.10
)

// Diagnosis says whether an STDP network learnt a distributed code: who won
// the images (the neuron with the most spikes), how the labels spread over
// the neurons, and the state of thresholds and weights at the end. It is
// the record that tells a collapsed run (one neuron answers every image,
// accuracy ≈ the share of its class) from a device's accuracy.
type Diagnosis struct {
	Neurons int `json:"neurons"`
	// TrainWinners is the number of neurons that won at least one training
	// image; TestWinners the same over the test pass.
	TrainWinners int `json:"train_winners"`
	TestWinners  int `json:"test_winners"`
	// TopShare is the share of test images won by the CollapseTopNeurons
	// neurons that won most; TopNeuron the index of the first of them.
	TopShare  float64 `json:"top2_test_win_share"`
	TopNeuron int     `json:"top_neuron"`
	// Dominant is the number of neurons winning more than DominantShare of
	// the test images; Dead the number that never fired in the test pass.
	Dominant int `json:"dominant_neurons"`
	Dead     int `json:"dead_neurons"`
	// Silent is the share of test images with no excitatory spike.
	Silent float64 `json:"silent_test_share"`
	// LabelCounts[c] neurons carry class c; Unlabelled carry none.
	LabelCounts [10]int `json:"neurons_per_label"`
	Unlabelled  int     `json:"unlabelled_neurons"`
	// Thresholds θ (mV) and weights (0…1) at the end of training.
	ThetaMean float64 `json:"theta_mean_mv"`
	ThetaMax  float64 `json:"theta_max_mv"`
	ThetaMin  float64 `json:"theta_min_mv"`
	WMean     float64 `json:"w_mean"`
	WSD       float64 `json:"w_sd"`
	// WColSumCV is the spread (σ/mean) of the neurons' summed input
	// weights: normalisation keeps it near 0 with an ideal device.
	WColSumCV float64 `json:"w_column_sum_cv"`

	Collapsed bool   `json:"collapsed"`
	Reason    string `json:"collapse_reason,omitempty"`
}

// Diagnose examines m after training and its test pass r (Test's result).
func (m *STDPModel) Diagnose(r *EvalResult) Diagnosis {
	n := m.Config.Neurons
	d := Diagnosis{Neurons: n}
	for _, w := range m.Wins {
		if w > 0 {
			d.TrainWinners++
		}
	}
	wins := make([]int, n)
	fired := make([]bool, n)
	silent := 0
	for _, c := range r.Counts {
		for j, x := range c {
			if x > 0 {
				fired[j] = true
			}
		}
		best := winner(c)
		if best < 0 {
			silent++
			continue
		}
		wins[best]++
	}
	images := max(len(r.Counts), 1)
	for j := range n {
		if wins[j] > 0 {
			d.TestWinners++
		}
		if !fired[j] {
			d.Dead++
		}
		if float64(wins[j]) > DominantShare*float64(images) {
			d.Dominant++
		}
	}
	order := make([]int, n)
	for j := range order {
		order[j] = j
	}
	slices.SortStableFunc(order, func(a, b int) int { return wins[b] - wins[a] })
	top := 0
	for _, j := range order[:min(CollapseTopNeurons, n)] {
		top += wins[j]
	}
	d.TopNeuron = order[0]
	d.TopShare = float64(top) / float64(images)
	d.Silent = float64(silent) / float64(images)
	for _, l := range m.Labels {
		if l >= 0 && l < len(d.LabelCounts) {
			d.LabelCounts[l]++
		} else {
			d.Unlabelled++
		}
	}
	theta := m.Net.Theta()
	d.ThetaMin, d.ThetaMax = math.Inf(1), math.Inf(-1)
	for _, t := range theta {
		d.ThetaMean += t / float64(len(theta))
		d.ThetaMin, d.ThetaMax = min(d.ThetaMin, t), max(d.ThetaMax, t)
	}
	w := m.Syn.WeightsTo(nil)
	rows, cols := m.Syn.Rows(), m.Syn.Cols()
	var s, s2 float64
	col := make([]float64, cols)
	for i := range rows {
		for j, x := range w[i*cols : (i+1)*cols] {
			s += x
			s2 += x * x
			col[j] += x
		}
	}
	k := float64(len(w))
	d.WMean = s / k
	d.WSD = math.Sqrt(max(s2/k-d.WMean*d.WMean, 0))
	var cm, cv float64
	for _, c := range col {
		cm += c / float64(cols)
	}
	for _, c := range col {
		cv += (c - cm) * (c - cm) / float64(cols)
	}
	if cm > 0 {
		d.WColSumCV = math.Sqrt(cv) / cm
	}
	switch {
	case d.Silent > CollapseSilentShare:
		d.Collapsed = true
		d.Reason = fmt.Sprintf("no neuron fires for %.0f %% of test images", 100*d.Silent)
	case d.TopShare > CollapseTopShare && d.TopShare > CollapseFairFactor*float64(CollapseTopNeurons)/float64(n):
		d.Collapsed = true
		d.Reason = fmt.Sprintf("%d of %d neurons win %.0f %% of test images", min(CollapseTopNeurons, n), n, 100*d.TopShare)
	}
	return d
}
