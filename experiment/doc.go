// Package experiment holds what nanospike does with networks and devices, below the
// command line that asks for it:
//
//   - a run: Options (the flags), RunConfig (a run folder's config.json), Train, Eval and
//     Metrics, with the folder's lock, checkpoints, learning curve and atomic writes;
//   - comparisons of devices and sweeps of one device's parameter over seeds (CompareSpec,
//     Compare), their record (Comparison, compare.json), its tables and plots, shards and
//     Merge;
//   - design targets (TargetsSpec, Targets): the parameter values a device needs to stay
//     within a loss of the ideal device;
//   - device characterization and fitting (Characterize, WriteFitReport), and the preset
//     listings;
//   - the --config file format (FileConfig, ApplyConfig) and the report views that
//     regenerate the tables of README and docs from records (RegenerateFile);
//   - the statistics below, which decide what a comparison may claim.
//
// Progress goes to a Log; errors in what the user asked for are UsageErrors.
//
// # Statistics
//
// A device's accuracy over K seeds is summarised by its mean m, its sample
// standard deviation s and the 95 % confidence interval of the mean from
// Student's t distribution with K − 1 degrees of freedom:
//
//	m ± t(0.975, K−1)·s/√K
//
// A comparison of two devices run with the same seeds is paired: the
// difference d_k = a_k − b_k of seed k removes what the seed does to both
// (the initial weights, the order of Poisson spikes), and its own interval
// m_d ± t(0.975, K−1)·s_d/√K says whether the devices differ. A statement
// "A beats B" is made only when that interval excludes 0; otherwise the two
// are "not distinguishable at this length". The intervals are per
// comparison, not corrected for the number of comparisons made: of 33
// devices compared with the ideal one, about one and a half may be
// called different by chance.
//
// Rank stability is Spearman's rank correlation between the devices' mean
// accuracies over two disjoint halves of the seeds, averaged over every way
// of splitting the seeds in two.
package experiment
