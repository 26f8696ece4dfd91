package learning

// Layers returns the number of weight layers (hidden layers + 1).
func (n *Backprop) Layers() int { return len(n.layers) }

// Conductances returns copies of the stored conductances (S) of layer l's differential pairs,
// row-major with rows = presynaptic as Weights: pos holds each synapse's G⁺, neg its G⁻. Both
// are nil when the layer is not on devices (ideal mode, or ex-situ before programming). It
// panics if l is out of range.
func (n *Backprop) Conductances(l int) (pos, neg []float64) {
	q := n.layers[l].pair
	if q == nil {
		return nil, nil
	}
	return append([]float64(nil), q.Pos.Conductances()...), append([]float64(nil), q.Neg.Conductances()...)
}
