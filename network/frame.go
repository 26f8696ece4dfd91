package network

// Frame carries the spikes of a block of consecutive time steps from one
// pipeline stage to the next: the spikes of step Step0+s are
// Idx[Off[s]:Off[s+1]], in increasing index order when produced by this
// package. A frame sent on a channel belongs to the receiver until it is
// handed back to its producer's pool; frames are reused, so their slices
// grow to the largest block seen and then stop allocating.
type Frame struct {
	Step0 int     // global index of the first step of the block
	Off   []int32 // len Steps()+1 once every step has been closed by EndStep
	Idx   []int32 // spiking neuron indices, step after step
}

// Reset empties f for a block that starts at step0.
func (f *Frame) Reset(step0 int) {
	f.Step0 = step0
	f.Off = append(f.Off[:0], 0)
	f.Idx = f.Idx[:0]
}

// Add appends a spike of neuron i to the step being built.
func (f *Frame) Add(i int32) { f.Idx = append(f.Idx, i) }

// EndStep closes the step being built; the next Add goes to the next step.
func (f *Frame) EndStep() { f.Off = append(f.Off, int32(len(f.Idx))) }

// Steps returns the number of closed steps.
func (f *Frame) Steps() int { return len(f.Off) - 1 }

// Spikes returns the indices that spiked at step Step0+s (aliasing f).
func (f *Frame) Spikes(s int) []int32 { return f.Idx[f.Off[s]:f.Off[s+1]] }

// Len returns the number of spikes in the frame.
func (f *Frame) Len() int { return len(f.Idx) }
