// Package energy turns the event counts of a simulation into joules.
//
// # Model
//
// A network is a list of pathways (layers of synapses) and populations of
// neurons. For one inference (one image presented to a frozen network):
//
//	E_inf = Σ_pathways E_syn + Σ_layers (U·E_neuron + S·E_spike)
//
//	E_syn = E_read(device)          for a pathway of device synapses
//	      = SOPs·E_sop              for a pathway of digital synapses
//
// where U is the number of neuron state updates, S the number of spikes and
// SOPs the synaptic operations (spikes × fan-out). The read energy of a
// device pathway is its preset's measured energy per synaptic event times
// the reads, or, when the preset gives none, the Ohmic read
// Σ_reads V_read²·G·t_read over the conductances actually read (see
// device.Params.EnergyOf). A training image adds the programming pulses:
//
//	E_train = E_inf + N_pot·E_pot + N_dep·E_dep.
//
// The peripheral constants default to 45 nm CMOS figures (Horowitz, ISSCC
// 2014: 0.9 pJ per 32-bit float add, 4.6 pJ per multiply-accumulate) and are
// configurable; see Config. For reference, Reference gives the same
// network's energy at the per-SOP figures of TrueNorth and Loihi.
package energy
