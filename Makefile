# xsensor — see README.md. Every target works on a fresh machine once
# .ci/run (or `make deps`) has installed what is missing.
GO      ?= go
BIN     := bin/xsensor
PKGS    := ./...
SHARED  ?= $(abspath ../shared)
COMMIT  := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS := -s -w -X main.commit=$(COMMIT) -X main.buildDate=$(shell date -u +%Y-%m-%dT%H:%M:%SZ)
export CGO_ENABLED := 0

.PHONY: dist check-generate all build run test test-short bench conformance generate fuzz vet fmt clean

all: build

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./tools/xsensor

# make run: generate a sample with our own traffic generator and replay it
# into ./logs with two workers.
run: build
	@mkdir -p logs
	$(BIN) gen -o logs/sample.pcap --mix imix --flows 2000 --packets 50000
	$(BIN) replay -r logs/sample.pcap -o logs -w 2
	@echo "conn.log: $$(grep -vc '^#' logs/conn.log) connections in ./logs/conn.log"

vet:
	$(GO) vet $(PKGS)

test: vet
	$(GO) test -timeout 9m $(PKGS)

test-short:
	$(GO) test -short $(PKGS)

# Benchmarks are measurements, never pass/fail tests. `make bench` runs the
# Go micro-benchmarks (with allocation counts), then `xsensor bench`:
# offline replay per worker core, the live veth sweep, log shipping; it
# prints a table and writes JSON and PNG plots under bench/results/.
# PCAP=file.pcap adds a capture of your own to the offline runs.
MICRO_PKGS ?= ./analyzer/... ./capture/ring/...
MICRO_OUT  := $(or $(TMPDIR),/tmp)/xsensor-micro.txt
bench: build
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 200ms $(MICRO_PKGS) > $(MICRO_OUT)
	$(BIN) bench --micro $(MICRO_OUT) $(if $(PCAP),--pcap $(PCAP))

# Zeek's own comparison over Zeek's own cases (the numbers the issues quote).
# CONFORMANCE_IGNORE=service leaves fields out, e.g. before service detection.
CONFORMANCE_DIR ?= $(or $(XSENSOR_CONFORMANCE_DIR),$(SHARED)/conformance/cases)
CONFORMANCE_IGNORE ?=
conformance: build
	python3 $(SHARED)/conformance/zeekdiff.py --cases $(CONFORMANCE_DIR) \
		--run '$(abspath $(BIN)) replay -q -r {trace} -o {out} {flags}' \
		$(if $(CONFORMANCE_IGNORE),--ignore $(CONFORMANCE_IGNORE)) | grep -E '^(LOG|TOTAL|RUN FAILED)'

# Long fuzzing: FUZZTIME per target.
FUZZTIME ?= 60s
fuzz:
	@for t in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
		for f in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$t/*_test.go | sed 's/func //'); do \
			echo "== $$t $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s $$t || exit 1; \
		done; \
	done

generate:
	$(GO) generate ./bpf/...

# make dist: the flashable build. A static binary (CGO_ENABLED=0, the XDP
# object embedded), systemd units per role, the default config, packed as
# a tarball and a .deb under $(DISTDIR). tools/dist/dist_test.go checks it.
VERSION  ?= 0.1.0
DISTDIR  ?= dist
DISTARCH ?= $(shell $(GO) env GOARCH)
dist:
	@mkdir -p $(DISTDIR)
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(DISTDIR)/xsensor ./tools/xsensor
	bash tools/dist/build.sh $(DISTDIR)/xsensor $(VERSION)+git$(COMMIT) $(DISTARCH) $(DISTDIR)

check-generate:
	bash bpf/check-generate.sh

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin logs
