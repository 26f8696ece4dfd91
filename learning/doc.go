// Package learning trains spiking networks whose weights live on synaptic devices: turning
// weight changes into device pulses is its job. It holds two learning rules.
//
//   - STDP (stdp*.go): unsupervised, trace-based spike-timing-dependent plasticity of a
//     Diehl & Cook network, with neurons labelled by the class they respond to most.
//   - Backprop (backprop*.go): supervised surrogate-gradient training of LIF layers by
//     backpropagation through time, in floating point or on device pairs (in-situ or ex-situ).
//
// Both read labelled images through the small Samples interface (*datasets.Set satisfies it),
// so learning does not import datasets.
//
// # Backprop: the network
//
// A Backprop network is In-H1-…-Hk-C fully connected LIF layers, run for T steps per image (the
// network of snnTorch's tutorial 5 and of /work/shared/peers/torch_baselines.py by default:
// 784-1000-10, T = 25, β = 0.95, θ = 1). At each step t, for every layer,
//
//	I_t = W·x_t + b                      (x_t: the layer's input spikes at t)
//	U_t = β·U_{t−1} + I_t − θ·S_{t−1}     (reset by subtraction, S_{t−1} = [U_{t−1} > θ], U_0 = I_0)
//	S_t = H(U_t − θ)
//
// The input is rate-coded, x_t,i ~ Bernoulli(pixel_i/255) drawn afresh at every step
// (snntorch.spikegen.rate), or "direct", the static image x_i = pixel_i/255 at every step. The
// prediction is the output neuron with most spikes over the T steps (Readout "count": ties to
// the lowest index, as torch.argmax; "count-membrane": ties broken by Σ_t U_out,t).
//
// # Backprop: the gradient
//
// The loss is Σ_t CE(U_out,t, label), cross-entropy of the output membrane at every step,
// averaged over the mini-batch. The Heaviside's derivative is replaced by the fast sigmoid
// σ'(x) = 1/(k|x| + 1)² (k = 25) and the reset is detached, as in snnTorch, so that with
// g_t = ∂L/∂U_t
//
//	output:  g_t = softmax(U_t) − onehot(label) + β·g_{t+1}
//	hidden:  g_t = (W_aboveᵀ g_above,t)·σ'(U_t − θ) + β·g_{t+1}
//	∂L/∂W = Σ_t x_t ⊗ g_t,   ∂L/∂b = Σ_t g_t
//
// and Adam (as torch.optim.Adam) or SGD with momentum takes the step, with optional decoupled
// weight decay and a per-epoch learning-rate decay. The tests check this
// against an independent dense float64 implementation, and that implementation against finite
// differences of the smooth network whose spikes are the surrogate's primitive.
//
// Speed: the passes run in float32 (as PyTorch's do) with gonum's assembly saxpy, and exploit
// sparsity: only rows of spiking inputs are added. For rate coding the first layer's current
// is split as W·x_t = W·m + W·(x_t − m) with m_i = [p_i > 0.5]: W·m is computed once per image
// and only the inputs whose spike differs from m ("flips", ≈ 21 per step on MNIST instead of
// ≈ 102 spikes) are added or subtracted each step; the gradient uses the same split,
// Σ_t x_t ⊗ g_t = m ⊗ Σ_t g_t + Σ_t (x_t − m) ⊗ g_t. The output layer (10 neurons) uses dense
// dot products with the hidden spike vector instead.
//
// # Backprop on devices
//
// Each signed weight is a differential pair of devices (device.Pair), w = WMax·(G⁺ − G⁻)/(Gmax −
// Gmin), with WMax = WMaxScale/√fan_in per layer. Biases stay digital. Two modes:
//
//   - In-situ: the forward and backward passes use the weights read from the devices, with
//     their read noise, once per mini-batch (one read of the crossbar per mini-batch is the
//     model: the array is read with the batch's inputs, and read noise is drawn per read, not per
//     input spike). The optimizer's step Δw becomes n = Δw·Pmax/WMax nominal pulses, applied to
//     the pair with the device's nonlinear, asymmetric, noisy steps (device.Array). The rules:
//     "round" (NeuroSim: round(n) pulses now, the rest lost), "stochastic" (stochastic
//     rounding of n), "accumulate" (n is added to a digital buffer per weight and whole pulses
//     are fired once |buffer| ≥ Threshold, the remainder kept), "exact" (fractional pulses, an
//     analog driver no device has; with the ideal device it reproduces float training to 1e-12).
//     With CarryEvery > 0 a second, finer pair (WMax/CarryGain) takes the updates and is
//     periodically carried into the main pair (Agarwal et al.'s periodic carry).
//     Unipolar pairs (potentiation only) are refreshed every RefreshEvery mini-batches when a
//     device passes RefreshLevel of its window; sign-magnitude pairs use LTP and LTD and need
//     none. The initial weights are written by write-and-verify.
//   - Ex-situ: training is in floating point; ProgramDevices (called by Train at the end) then
//     writes every weight onto its pair by write-and-verify, and Evaluate reads the devices
//     with their variation and noise.
//
// Counters separates the device operations by purpose (forward reads, in-situ updates,
// write-and-verify programming) and Energy converts them with the device's Params.EnergyOf.
//
// # Randomness, resumption, concurrency
//
// Everything derives from Config.Seed: initial weights, the shuffle of each epoch, the input
// spikes of each (epoch, image) and of each evaluation image, and the devices' streams. A
// checkpoint (Save, SaveFile) holds the full state, device noise streams included, and the
// position inside the epoch, so LoadBackprop + TrainEpoch continues bit for bit. A network runs
// on one goroutine and is not safe for concurrent use; its results do not depend on GOMAXPROCS.
package learning
